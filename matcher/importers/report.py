"""The import report: counts per source, merged duplicates, rejected rows with reasons,
unmapped categories, corrections. Saved as JSON (French keys) and printed with rich."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from rich.console import Console
from rich.table import Table

from .records import SourceFile

MAX_LISTED = 12


class SourceCounts(BaseModel):
    fichier: str
    format: str
    date: str
    origine_date: str
    lus: int
    rejetes: int
    retenus: int  # rows kept after cleaning and placing (before merging)
    fusionnes: int  # of those, rows merged with another row (same place)
    ateliers: int  # workshops of the catalogue with at least one row of this file
    motifs_de_rejet: dict[str, int] = Field(default_factory=dict)
    categories_non_reconnues: dict[str, int] = Field(default_factory=dict)
    donnees_personnelles_retirees: dict[str, int] = Field(default_factory=dict)
    colonnes_personnelles_ignorees: list[str] = Field(default_factory=list)
    remarques: list[str] = Field(default_factory=list)


class ImportReport(BaseModel):
    date_import: str
    destination: str = ""
    parametres: dict[str, Any] = Field(default_factory=dict)
    sources: list[SourceCounts] = Field(default_factory=list)
    totaux: dict[str, int] = Field(default_factory=dict)
    fusions: list[dict[str, Any]] = Field(default_factory=list)
    rejets: list[dict[str, Any]] = Field(default_factory=list)
    corrections: list[dict[str, Any]] = Field(default_factory=list)
    points_eloignes: list[dict[str, Any]] = Field(default_factory=list)
    geocodes: list[dict[str, Any]] = Field(default_factory=list)
    capacites_inconnues: list[str] = Field(default_factory=list)  # no capability listed by any source
    peut_etre_perimes: int = 0
    base: dict[str, int] = Field(default_factory=dict)  # created / updated rows, database imports

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.model_dump(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        return path


def source_counts(src: SourceFile, kept: int, merged: int, workshops: int) -> SourceCounts:
    reasons = Counter(r.reason for r in src.rejected)
    return SourceCounts(
        fichier=src.file, format=src.format, date=src.date, origine_date=src.date_origin, lus=src.read,
        rejetes=len(src.rejected), retenus=kept, fusionnes=merged, ateliers=workshops,
        motifs_de_rejet=dict(reasons.most_common()), categories_non_reconnues=dict(src.unmapped.most_common()),
        donnees_personnelles_retirees=dict(src.personal), colonnes_personnelles_ignorees=src.dropped_columns,
        remarques=src.notes,
    )


def render(report: ImportReport, console: Console) -> None:
    """The report for a person, in French."""
    table = Table(title="Import des annuaires", show_lines=False)
    for col in ("Fichier", "Format", "Date", "Lus", "Rejetés", "Retenus", "Fusionnés", "Ateliers"):
        table.add_column(col, justify="right" if col in ("Lus", "Rejetés", "Retenus", "Fusionnés", "Ateliers")
                         else "left", overflow="fold")
    for s in report.sources:
        table.add_row(s.fichier, s.format, s.date, str(s.lus), str(s.rejetes), str(s.retenus), str(s.fusionnes),
                      str(s.ateliers))
    console.print(table)
    t = report.totaux
    console.print(
        f"[bold]{t.get('ateliers', 0)} ateliers[/] dans le catalogue ({t.get('retenus', 0)} lignes retenues, "
        f"{t.get('doublons_fusionnes', 0)} doublons fusionnés en {t.get('groupes_fusionnes', 0)} fiches ; "
        f"{t.get('rejetes', 0)} lignes rejetées).", highlight=False)
    for s in report.sources:
        if s.motifs_de_rejet:
            console.print(f"[yellow]Rejets[/] — {s.fichier} : "
                          + " ; ".join(f"{k} : {v}" for k, v in s.motifs_de_rejet.items()), highlight=False)
    for s in report.sources:
        if s.categories_non_reconnues:
            items = list(s.categories_non_reconnues.items())
            more = f" (et {len(items) - MAX_LISTED} autres)" if len(items) > MAX_LISTED else ""
            console.print(f"[yellow]Non reconnu[/] — {s.fichier} : "
                          + " ; ".join(f"{k} ({v})" for k, v in items[:MAX_LISTED]) + more, highlight=False)
    for s in report.sources:
        removed = s.donnees_personnelles_retirees
        if removed or s.colonnes_personnelles_ignorees:
            parts = [f"{k} : {v}" for k, v in removed.items()]
            if s.colonnes_personnelles_ignorees:
                parts.append("colonnes ignorées : " + ", ".join(s.colonnes_personnelles_ignorees))
            console.print(f"Données personnelles retirées — {s.fichier} : {' ; '.join(parts)}", highlight=False)
    if report.fusions:
        console.print(f"[bold]Fusions[/] ({len(report.fusions)} fiches), par exemple :")
        for f in report.fusions[:MAX_LISTED]:
            names = " / ".join(dict.fromkeys(m["nom"] for m in f["membres"]))
            console.print(f"  • {f['id']} ← {names} ({', '.join(f['regles'])})", highlight=False)
    extra = [
        (len(report.corrections), "correction(s) (code postal, coordonnées inversées)"),
        (len(report.geocodes), "point(s) placé(s) au centre de leur commune (coordonnées absentes ou incohérentes)"),
        (len(report.points_eloignes), "point(s) éloigné(s) de leur commune, à vérifier"),
        (len(report.capacites_inconnues), "fiche(s) sans capacité indiquée par les sources (à confirmer avec l'atelier)"),
        (report.peut_etre_perimes, "fiche(s) peut-être périmée(s)"),
    ]
    for n, label in extra:
        if n:
            console.print(f"{n} {label}.", highlight=False)
    for c in report.corrections[:5]:
        console.print(f"  • {c['nom']} ({c['fichier']}) : {c['correction']}", highlight=False)
    if report.base:
        console.print(f"Base : {report.base.get('crees', 0)} atelier(s) créé(s), "
                      f"{report.base.get('mis_a_jour', 0)} mis à jour.", highlight=False)
    if report.destination:
        console.print(f"Destination : {report.destination}", highlight=False)
