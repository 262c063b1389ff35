"""fablabs.io: the JSON API export, the CSV export and its machines file.

* JSON: a list of labs (name, kind_name, blurb, description, capabilities as ``a;b;c``,
  address_1/2, postal_code, city, country_code, latitude/longitude, links, url). The lab
  slug is the last part of ``url``.
* CSV: one lab per row (first unnamed column = the export's row index, used as the source id;
  capabilities written as a Python list ``['laser', ...]``; links as a list of dicts). It has
  no slug column: machines are joined on the lab name they carry.
* machines CSV: one machine per row (name = model, brand, slug, class_1, lab, country_code).
"""

from __future__ import annotations

import ast
import re
from collections import Counter, defaultdict
from pathlib import Path

from ..errors import DataError
from .files import load_json, parse_float, read_csv, require_columns
from .mapping import kind_profile, name_key
from .records import FRANCE, RawMachine, RawRecord, SourceFile

CSV_REQUIRED = ["name", "city", "postal_code", "country_code", "latitude", "longitude", "capabilities"]
MACHINES_REQUIRED = ["name", "brand", "slug", "class_1", "lab", "country_code"]


def slug_of(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1].strip() if url else ""


def _country(rec: RawRecord, raw: object) -> None:
    rec.country = str(raw or "").strip().upper()


def _kind(rec: RawRecord, src: SourceFile, value: str) -> None:
    rec.kind_field, rec.kinds = "kind_name", [value] if value else []
    mapped = kind_profile(value) if value else None
    if mapped:
        rec.profile = mapped[0]
    elif value:
        rec.unmapped.append(f"kind_name : {value}")
    else:  # fablabs.io lists fab labs only
        rec.profile = "fablab"


def read_json(path: Path, src: SourceFile, encoding: str = "utf-8") -> None:
    data = load_json(path, encoding)
    if isinstance(data, dict):
        data = data.get("labs") or data.get("results") or data.get("data")
    if not isinstance(data, list):
        raise_shape(src.file)
    for no, item in enumerate(data, start=1):
        src.read += 1
        if not isinstance(item, dict):
            src.reject(no, "élément invalide", "élément qui n'est pas un objet JSON")
            continue
        slug = slug_of(str(item.get("url") or ""))
        rec = RawRecord(source=src.format, file=src.file, source_id=slug or f"element-{no}", line=no,
                        name=str(item.get("name") or "").strip())
        _kind(rec, src, str(item.get("kind_name") or "").strip())
        caps = item.get("capabilities")
        rec.flags = [c for c in (caps.split(";") if isinstance(caps, str) else caps or []) if str(c).strip()]
        parts = [str(item.get(k) or "").strip() for k in ("blurb", "description")]
        if parts[0] and parts[1].startswith(parts[0]):
            parts = parts[1:]
        rec.text = "\n\n".join(p for p in parts if p)
        rec.address = ", ".join(str(item.get(k) or "").strip() for k in ("address_1", "address_2") if item.get(k))
        rec.postcode = str(item.get("postal_code") or "").strip()
        rec.cities = [str(item.get("city") or "").strip()]
        rec.lat, rec.lon = parse_float(item.get("latitude")), parse_float(item.get("longitude"))
        links = item.get("links") or []
        rec.websites = [str(u) for u in (links if isinstance(links, list) else [links])]
        _country(rec, item.get("country_code"))
        rec.join_keys = {k for k in (slug.lower(), name_key(rec.name)) if k}
        src.records.append(rec)


def raise_shape(name: str) -> None:
    raise DataError(f"{name} : une liste d'ateliers (objets JSON) est attendue.", code="json_invalide")


def _literal_list(text: str) -> list:
    text = (text or "").strip()
    if not text:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return [p.strip(" '\"") for p in re.split(r"[;,]", text.strip("[]")) if p.strip(" '\"")]
    return list(value) if isinstance(value, (list, tuple)) else [value]


def read_csv_export(path: Path, src: SourceFile, encoding: str = "utf-8") -> None:
    header, rows = read_csv(path, encoding)
    require_columns(header, CSV_REQUIRED, src.file, "fablabs-csv")
    id_col = header[0] if header[0] not in CSV_REQUIRED else None
    for line, row, problem in rows:
        src.read += 1
        source_id = (row.get(id_col) or "").strip() if id_col is not None else ""
        rec = RawRecord(source=src.format, file=src.file, source_id=source_id or f"ligne-{line}", line=line,
                        name=row["name"].strip())
        if problem:
            src.reject(rec, "ligne mal formée", problem)
            continue
        _kind(rec, src, (row.get("kind_name") or "").strip())
        rec.flags = [str(c) for c in _literal_list(row["capabilities"]) if str(c).strip()]
        rec.address = ", ".join(v.strip() for v in (row.get("address_1", ""), row.get("address_2", "")) if v.strip())
        rec.postcode = row["postal_code"].strip()
        rec.cities = [row["city"].strip()]
        rec.lat, rec.lon = parse_float(row["latitude"]), parse_float(row["longitude"])
        links = _literal_list(row.get("links", ""))
        rec.websites = [str(x.get("url", "")) if isinstance(x, dict) else str(x) for x in links]
        rec.text = (row.get("blurb") or row.get("description") or "").strip()
        status = (row.get("activity_status") or "").strip().lower()
        if status and status != "active":
            rec.notes.append(f"Statut d'activité sur fablabs.io : {status}.")
        _country(rec, row["country_code"])
        if "?" in rec.name:
            rec.notes.append("Nom dont des caractères ont été perdus dans la source (« ? »).")
        rec.join_keys = {k for k in (name_key(rec.name), (row.get("slug") or "").strip().lower()) if k}
        src.records.append(rec)


def read_machines(path: Path, src: SourceFile, encoding: str = "utf-8") -> list[RawMachine]:
    """French machines of the machines file (others are counted, not kept)."""
    header, rows = read_csv(path, encoding)
    require_columns(header, MACHINES_REQUIRED, src.file, "machines fablabs.io")
    out: list[RawMachine] = []
    abroad = 0
    for line, row, problem in rows:
        src.read += 1
        if problem:
            src.reject(line, "ligne mal formée", problem, (row.get("slug") or "").strip(),
                       (row.get("name") or "").strip())
            continue
        if row["country_code"].strip().upper() not in FRANCE:
            abroad += 1
            continue
        out.append(RawMachine(model=row["name"].strip(), brand=row["brand"].strip(), klass=row["class_1"].strip(),
                              lab=row["lab"].strip(), slug=row["slug"].strip()))
    if abroad:
        src.notes.append(f"{abroad} machine(s) hors de France ignorée(s).")
    src.kept = len(out)
    return out


def attach_machines(machines: list[RawMachine], sources: list[SourceFile], src: SourceFile) -> None:
    """Give each fablabs.io record the machines of its lab (slug, else lab name)."""
    by_key: dict[str, list[RawMachine]] = defaultdict(list)
    for m in machines:
        for key in {m.slug.lower(), name_key(m.lab)}:
            if key:
                by_key[key].append(m)
    used: set[int] = set()
    for s in sources:
        if s.format not in ("fablabs-json", "fablabs-csv"):
            continue
        for rec in s.records:
            found: dict[int, RawMachine] = {}
            for key in sorted(rec.join_keys):
                for m in by_key.get(key, []):
                    found[id(m)] = m
            rec.raw_machines = list(found.values())
            used.update(found)
    orphans = Counter(m.slug for m in machines if id(m) not in used)
    if orphans:
        src.notes.append(f"{sum(orphans.values())} machine(s) de {len(orphans)} lab(s) français sans fiche "
                         f"correspondante dans les fichiers fablabs.io importés : {', '.join(sorted(orphans))}.")
