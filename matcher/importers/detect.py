"""Which format a file is in (``--format auto``), from its content."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from .files import decode, load_json, read_bytes, sniff_delimiter

JSON_SUFFIXES = (".json", ".geojson")
CSV_SUFFIXES = (".csv", ".tsv", ".txt")


def detect_format(path: Path, encoding: str = "utf-8") -> str:
    """One of ``fablabs-json``, ``fablabs-csv``, ``geojson``, ``bfc-csv``, ``csv`` (generic CSV or
    JSON list), or a companion file: ``machines`` (fablabs.io machines CSV), ``codebook`` (BFC)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".geojson":
        return "geojson"
    if suffix in JSON_SUFFIXES:
        data = load_json(path, encoding)
        if isinstance(data, dict):
            if data.get("type") == "FeatureCollection":
                return "geojson"
            if isinstance(data.get("fields"), list):
                return "codebook"
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if isinstance(data, list):
            items = [x for x in data[:50] if isinstance(x, dict)]
            if any("kind_name" in x or "fablabs.io" in str(x.get("url", "")) for x in items):
                return "fablabs-json"
            return "csv"
        raise DataError(f"{path.name} : JSON non reconnu (liste d'ateliers, GeoJSON ou dictionnaire des champs "
                        "attendu). Précisez --format.", code="format_inconnu")
    if suffix not in CSV_SUFFIXES:
        raise DataError(f"{path.name} : format non reconnu (fichier {suffix or 'sans extension'} ; CSV, JSON ou "
                        "GeoJSON attendu).", code="format_inconnu")
    text = decode(read_bytes(path), path.name, encoding)
    first = text.split("\n", 1)[0]
    header = {h.strip().strip('"').lower() for h in first.split(sniff_delimiter(first))}
    if {"slug", "class_1"} <= header:
        return "machines"
    if {"bfc_id", "code_typo"} <= header or {"lundi matin", "code_typo"} <= header:
        return "bfc-csv"
    if {"name", "capabilities", "country_code", "postal_code"} <= header:
        return "fablabs-csv"
    return "csv"
