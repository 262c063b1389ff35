"""The whole import: read every file, clean, place, merge, build the workshops and the report.

Nothing is written here: the caller writes the catalogue (JSONL) or the database, all or
nothing. Any unreadable file raises :class:`~matcher.errors.DataError` before anything is kept.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from ..catalogue import Workshop
from ..errors import DataError
from ..gazetteer import Gazetteer
from ..settings import Settings, get_settings
from ..taxonomy import Taxonomy, load_taxonomy
from . import bfc, fablabs, generic, geojson
from .build import Unbuildable, assign_ids, build
from .dedup import group_places
from .detect import detect_format
from .files import file_date
from .prepare import Issue, prepare
from .records import COMPANIONS, FORMATS, Place, SourceFile
from .report import ImportReport, source_counts

ALL_FORMATS = ("auto", *FORMATS)


@dataclass
class ImportResult:
    workshops: list[Workshop]
    report: ImportReport
    sources: list[SourceFile]


def _issue(i: Issue, key: str = "correction") -> dict[str, object]:
    out: dict[str, object] = {"fichier": i.file, "identifiant": i.source_id, "nom": i.name, key: i.text}
    if i.km is not None:
        out["km"] = i.km
    return out


def read_sources(files: Sequence[Path], fmt: str = "auto", machines: Sequence[Path] = (),
                 mapping: str | None = None, source_date: str | None = None, encoding: str = "utf-8"
                 ) -> tuple[list[SourceFile], list[SourceFile]]:
    """Every input read (sources, companions); machines attached to the fablabs.io records."""
    if fmt not in ALL_FORMATS:
        raise DataError(f"Format inconnu « {fmt} » : {', '.join(ALL_FORMATS)}.", code="format_inconnu")
    if not files:
        raise DataError("Aucun fichier à importer.", code="aucun_fichier")
    column_mapping = generic.parse_mapping(mapping)
    plan: list[tuple[Path, str]] = []
    for path in files:
        path = Path(path)
        detected = detect_format(path, encoding)
        plan.append((path, detected if fmt == "auto" or detected in COMPANIONS else fmt))
    plan += [(Path(p), "machines") for p in machines]
    seen: set[Path] = set()
    for path, _ in plan:
        if path.resolve() in seen:
            raise DataError(f"Fichier donné deux fois : {path}.", code="fichier_en_double")
        seen.add(path.resolve())

    def new(path: Path, kind: str) -> SourceFile:
        when, origin = file_date(path, source_date)
        return SourceFile(path=str(path), file=path.name, format=kind, date=when, date_origin=origin)

    companions: list[SourceFile] = []
    labels = None
    for path, kind in plan:
        if kind == "codebook":
            src = new(path, kind)
            labels = bfc.read_codebook(path, src, encoding)
            companions.append(src)
    sources: list[SourceFile] = []
    for path, kind in plan:
        if kind in COMPANIONS:
            continue
        src = new(path, kind)
        if kind == "fablabs-json":
            fablabs.read_json(path, src, encoding)
        elif kind == "fablabs-csv":
            fablabs.read_csv_export(path, src, encoding)
        elif kind == "geojson":
            geojson.read(path, src, encoding)
        elif kind == "bfc-csv":
            bfc.read(path, src, labels, encoding)
        else:
            generic.read(path, src, column_mapping, encoding)
        sources.append(src)
    machine_files = [(p, k) for p, k in plan if k == "machines"]
    if machine_files and not any(s.format in ("fablabs-json", "fablabs-csv") for s in sources):
        raise DataError("Un fichier de machines fablabs.io complète un export fablabs.io (JSON ou CSV) : "
                        "donnez aussi celui-ci.", code="machines_seules")
    for path, _ in machine_files:
        src = new(path, "machines")
        found = fablabs.read_machines(path, src, encoding)
        fablabs.attach_machines(found, sources, src)
        companions.append(src)
    if not sources:
        raise DataError("Aucun fichier d'ateliers parmi les fichiers donnés.", code="aucun_fichier")
    return sources, companions


def run_import(files: Sequence[Path], fmt: str = "auto", machines: Sequence[Path] = (), mapping: str | None = None,
               source_date: str | None = None, encoding: str = "utf-8", settings: Settings | None = None,
               gazetteer: Gazetteer | None = None, taxonomy: Taxonomy | None = None,
               today: date | None = None) -> ImportResult:
    """Read, clean, place, merge and build; raises :class:`DataError` when nothing can be imported."""
    settings = settings or get_settings()
    gaz = gazetteer or Gazetteer.load(settings.gazetteer)
    tax = taxonomy or load_taxonomy(settings.taxonomy)
    today = today or datetime.now(UTC).date()
    sources, companions = read_sources(files, fmt, machines, mapping, source_date, encoding)

    issues: dict[str, list[Issue]] = defaultdict(list)
    places: list[Place] = []
    by_file = {s.file: s for s in sources}
    for src in sources:
        for raw in src.records:
            place = prepare(raw, src, gaz, settings, today.isoformat(), issues)
            if place is not None:
                places.append(place)

    built: list[tuple[Workshop, list[Place], set[str]]] = []
    for group in group_places(places, settings):
        try:
            built.append((build(group.members, tax, settings, today), group.members, group.rules))
        except Unbuildable as exc:
            for p in group.members:
                by_file[p.provenance.file].reject(p.raw, exc.reason, exc.detail)
    workshops = assign_ids([w for w, _, _ in built])
    if not workshops:
        raise DataError("Aucun atelier importable dans ces fichiers (voir les motifs de rejet).",
                        code="import_vide")

    kept: dict[str, int] = defaultdict(int)
    merged: dict[str, int] = defaultdict(int)
    present: dict[str, set[str]] = defaultdict(set)
    fusions = []
    kept_keys: set[tuple[str, str]] = set()
    for w, (_, members, rules) in zip(workshops, built, strict=True):
        for p in members:
            kept[p.provenance.file] += 1
            present[p.provenance.file].add(w.id)
            kept_keys.add((p.provenance.file, p.raw.source_id))
            if len(members) > 1:
                merged[p.provenance.file] += 1
        if len(members) > 1:
            fusions.append({"id": w.id, "nom": w.name, "regles": sorted(rules), "membres": [
                {"source": p.provenance.source, "fichier": p.provenance.file, "identifiant": p.provenance.source_id,
                 "nom": p.name} for p in members]})

    def still_kept(i: Issue) -> bool:
        return (i.file, i.source_id) in kept_keys

    report = ImportReport(
        date_import=today.isoformat(),
        parametres={k: getattr(settings, k) for k in (
            "import_stale_years", "import_default_capacity", "import_default_lead_time_days", "import_far_km",
            "import_reject_km", "import_duplicate_m", "import_name_similarity", "import_same_name_km",
            "import_same_name_similarity", "import_same_site_km")},
        sources=[source_counts(s, kept[s.file], merged[s.file], len(present[s.file])) for s in sources]
        + [source_counts(c, c.kept, 0, 0) for c in companions],
        fusions=fusions,
        rejets=[r.to_dict() for s in sources + companions for r in s.rejected],
        corrections=[_issue(i) for i in issues["corrections"] if still_kept(i)],
        points_eloignes=[_issue(i, "distance") for i in issues["far"] if still_kept(i)],
        geocodes=[_issue(i, "point") for i in issues["geocoded"] if still_kept(i)],
        capacites_inconnues=[w.id for w in workshops if not w.capabilities],
        peut_etre_perimes=sum(w.possibly_stale for w in workshops),
    )
    retained = sum(kept.values())
    report.totaux = {
        "lus": sum(s.read for s in sources), "rejetes": sum(len(s.rejected) for s in sources),
        "retenus": retained, "ateliers": len(workshops), "doublons_fusionnes": retained - len(workshops),
        "groupes_fusionnes": len(fusions),
    }
    return ImportResult(workshops=workshops, report=report, sources=sources)
