"""The source records of the real directories, as published, keyed ``file#source_id``.

The real-data evaluation judges relevance from these records (flags, machine lists, texts,
typologies and codes), never from what the importer made of them. The identifiers are the ones
the importer gives each record (``Provenance.source_id``), so a judgement keyed on them survives
any change of the catalogue's own ids.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from matcher.importers.files import load_json, read_csv
from matcher.importers.pipeline import read_sources

#: fields that say nothing about what a place offers (and would only bias a judge)
_NOISE = {"latitude", "longitude", "lat", "lon", "latlng", "geometry", "parent_id", "links", "web", "url",
          "website", "avatar_url", "header_image_src", "coordinates", "marker-color", "marker-size", "rss", "facebook", "twitter", "instagram", "linkedin", "youtube", "social", "email", "phone"}


def _clean(row: dict) -> dict:
    return {k: v for k, v in row.items() if k and k.lower() not in _NOISE and v not in ("", None, [], {})}


def _rows(path: Path) -> dict[int, dict]:
    """Original rows by the importer's line/element number."""
    name = path.name
    if name.endswith(".csv"):
        return {line: row for line, row, _ in read_csv(path)[1]}
    data = load_json(path)
    if name.endswith(".geojson"):
        return {no: dict(f.get("properties") or {}) for no, f in enumerate(data.get("features", []), start=1)}
    if isinstance(data, dict):
        data = data.get("labs") or data.get("results") or data.get("data") or []
    return {no: item for no, item in enumerate(data, start=1) if isinstance(item, dict)}


@lru_cache(maxsize=4)
def source_records(folder: str) -> dict[str, dict]:
    """Every record of the directories in ``folder``: ``{"file#id": {"fichier", "champs",
    "machines"}}``, machines being the fablabs.io machine rows joined to the lab."""
    root = Path(folder)
    files = sorted(p for p in root.iterdir() if p.suffix in (".json", ".csv", ".geojson"))
    sources, _ = read_sources(files)
    out: dict[str, dict] = {}
    for src in sources:
        rows = _rows(root / src.file)
        for rec in src.records:
            machines = [{"modèle": m.model, "marque": m.brand, "classe": m.klass} for m in rec.raw_machines]
            out[f"{src.file}#{rec.source_id}"] = {
                "fichier": src.file, "date": rec.date or src.date,
                "champs": _clean(rows.get(rec.line, {})), "machines": machines}
    return out


def codebook(folder: str) -> dict:
    """The BFC codebook (what ``code_typo``, ``code_accomp``... mean), for the judges."""
    path = Path(folder) / "bfc_codebook_fields.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
