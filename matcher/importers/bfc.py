"""Regional CSV of the Bourgogne-Franche-Comté inventory (médiation numérique and tiers-lieux).

Columns: ``bfc_id``, ``mise_a_jour`` (dd/mm/yyyy), ``lon``, ``lat``, ``adresse``, ``code_postal``,
``ville``, ``nom_structure``, ``url_lieu``, ``code_typo``, ``code_label``, ``code_accomp`` (codes
joined by ``-``), then 14 half-day opening columns (``lundi matin`` ... ``dimanche après-midi``).
The codebook (``bfc_codebook_fields.json``) gives the labels of the codes; the labels below are
its copy, used when no codebook is given. ``contact_email`` and ``contact_tel`` are never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import DataError
from .clean import PERSONAL_COLUMNS
from .files import load_json, parse_date, parse_float, read_csv, require_columns
from .mapping import bfc_profile, out_of_scope
from .records import RawRecord, SourceFile

REQUIRED = ["bfc_id", "nom_structure", "code_typo", "code_postal", "ville", "lat", "lon"]
DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
HALVES = ("matin", "après-midi")
CODED = ("code_typo", "code_label", "code_accomp")

#: Labels of the codebook (French), used when no codebook file is given.
LABELS: dict[str, dict[str, str]] = {
    "code_typo": {"M": "lieux de médiation publique", "I": "lieux d'information et d'accès aux droits",
                  "T": "lieux de travail et de collaboration", "O": "lieux de formation",
                  "F": "lieux de médiation et de fabrication", "TL": "tiers-lieux"},
    "code_label": {"APTIC": "APTIC", "CTL": "Charte régionale des Tiers Lieux", "FTL": "France Tiers Lieu",
                   "MSAP": "Maison de Services Au Public", "MFS": "Maison France Services",
                   "NMM": "Nièvre médiation numérique", "DM": "Réseau Dijon métropole",
                   "RIN": "Réseau inclusion numérique Chalon-Louhans"},
    "code_accomp": {"A": "en autonomie", "L": "accès libre avec accompagnement",
                    "RDV": "accompagnement individuel sur rendez-vous",
                    "G": "accompagnement en groupe sur inscription", "R": "atelier de réparation informatique"},
}


def read_codebook(path: Path, src: SourceFile, encoding: str = "utf-8") -> dict[str, dict[str, str]]:
    """Code labels from a codebook file (``fields[].definitions[]``)."""
    data = load_json(path, encoding)
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, list):
        raise DataError(f"{src.file} : dictionnaire des champs attendu (clé « fields »).", code="json_invalide")
    labels: dict[str, dict[str, str]] = {}
    for f in fields:
        if isinstance(f, dict) and f.get("name") in CODED and isinstance(f.get("definitions"), list):
            labels[f["name"]] = {str(d.get("value")): str(d.get("label")) for d in f["definitions"]
                                 if isinstance(d, dict) and d.get("value")}
            src.read += 1
    src.kept = len(labels)
    if not labels:
        raise DataError(f"{src.file} : aucun des champs {', '.join(CODED)} n'y est défini.", code="json_invalide")
    return labels


def opening(row: dict[str, str]) -> str:
    """``"Lundi 8h30-12h et 13h30-17h ; Mardi ..."`` from the half-day columns ("-" = closed)."""
    parts = []
    for day in DAYS:
        slots = [(row.get(f"{day} {half}") or "").strip() for half in HALVES]
        slots = [s for s in slots if s and s != "-"]
        if slots:
            parts.append(f"{day.capitalize()} {' et '.join(slots)}")
    return " ; ".join(parts)


def codes(value: str) -> list[str]:
    return [c.strip() for c in (value or "").split("-") if c.strip()]


def _labels(field: str, values: list[str], labels: dict[str, dict[str, str]], rec: RawRecord) -> list[str]:
    table = labels.get(field) or LABELS[field]
    out = []
    for v in values:
        label = table.get(v) or table.get(v.upper())
        if label:
            out.append(label[:1].lower() + label[1:] if field != "code_label" else label)
        else:
            rec.unmapped.append(f"{field} : {v}")
    return out


def read(path: Path, src: SourceFile, labels: dict[str, dict[str, Any]] | None = None,
         encoding: str = "utf-8") -> None:
    header, rows = read_csv(path, encoding)
    require_columns(header, REQUIRED, src.file, "bfc-csv")
    src.dropped_columns = [h for h in header if PERSONAL_COLUMNS.search(h)]
    labels = labels or LABELS
    for line, row, problem in rows:
        src.read += 1
        rec = RawRecord(source=src.format, file=src.file, source_id=row["bfc_id"].strip() or f"ligne-{line}",
                        line=line, name=row["nom_structure"].strip())
        if problem:
            src.reject(rec, "ligne mal formée", problem)
            continue
        typo = codes(row["code_typo"])
        rec.kind_field, rec.kinds = "code_typo", typo
        cls = bfc_profile(typo, rec.name)
        rec.profile = cls.profile
        rec.capabilities.update({c: f"code_typo : {'-'.join(typo)}" for c in cls.capabilities})
        rec.unmapped += [f"code_typo : {c}" for c in cls.unmapped]
        reason = out_of_scope(rec.name)
        if reason:
            src.reject(rec, reason, f"code_typo {row['code_typo'].strip()}")
            continue
        kinds = _labels("code_typo", [c for c in typo if c.upper() in LABELS["code_typo"]], labels, rec)
        if kinds:
            rec.facts.append(f"Typologie de l'inventaire régional : {', '.join(kinds)}.")
        accomp = _labels("code_accomp", codes(row.get("code_accomp", "")), labels, rec)
        if accomp:
            rec.facts.append(f"Accompagnement proposé : {', '.join(accomp)}.")
        if "R" in codes(row.get("code_accomp", "")):
            rec.capabilities.setdefault("mediation_numerique", "code_accomp : R")
        label_names = _labels("code_label", codes(row.get("code_label", "")), labels, rec)
        if label_names:
            rec.facts.append(f"Labels : {', '.join(label_names)}.")
        rec.address = (row.get("adresse") or "").strip()
        rec.postcode = row["code_postal"].strip()
        rec.cities = [row["ville"].strip()]
        rec.lat, rec.lon = parse_float(row["lat"]), parse_float(row["lon"])
        rec.websites = [row.get("url_lieu", "").strip()] if row.get("url_lieu", "").strip() else []
        rec.opening = opening(row)
        rec.date = parse_date(row.get("mise_a_jour", ""))
        rec.country = "FR"
        src.records.append(rec)
