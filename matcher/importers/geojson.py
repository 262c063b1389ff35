"""GeoJSON point maps (Brittany fablab and tiers-lieux map, Makery map...).

Properties read, under any of their usual names: ``name``/``nom``; the category
``structure``/``type_lab``/``type``; ``adresse``/``adress``/``address``; ``cp``/``code_postal``;
``ville``/``commune``; ``web``/``website``/``url``; ``description``/``desc``; ``id``. Without
``cp``/``ville``, the postcode and the commune are read from the free-text address.

Some maps cut long values (Makery: 30 characters). When many values of a field share the
same, longest length, those values are taken as cut: such websites are ignored, such names
are noted (and another source's name is preferred when merging).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from ..errors import DataError
from .files import load_json, parse_date, parse_float
from .mapping import kind_profile
from .records import RawRecord, SourceFile

ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("name", "nom", "title", "titre"),
    "kind": ("structure", "type_lab", "type", "typologie", "categorie", "category"),
    "address": ("adresse", "adress", "address"),
    "postcode": ("cp", "code_postal", "postal_code", "postcode"),
    "city": ("ville", "commune", "city"),
    "website": ("web", "website", "url", "site", "site_web"),
    "text": ("description", "desc", "presentation"),
    "id": ("id", "identifiant", "uid"),
    "date": ("mise_a_jour", "updated_at", "date_maj", "date"),
}
_POSTCODE = re.compile(r"(?<!\d)(\d{2})\s?(\d{3})(?!\d)")
_COUNTRY_TAIL = re.compile(r",?\s*\b(france|fr)\s*$", re.IGNORECASE)


def prop(props: dict[str, Any], key: str, raw: bool = False) -> str:
    """The first non-empty value of a property under its usual names (``raw``: not stripped)."""
    for alias in ALIASES[key]:
        value = props.get(alias)
        if value not in (None, ""):
            return str(value) if raw else str(value).strip()
    return ""


def split_address(text: str) -> tuple[str, list[str]]:
    """A French postcode and the commune names worth trying, from a free-text address.

    ``"660 Rue Noetzlin, Gif-sur-Yvette, 91190"`` → ``("91190", ["Gif-sur-Yvette", ...])``."""
    text = _COUNTRY_TAIL.sub("", (text or "").strip())
    m = _POSTCODE.search(text)
    postcode = m.group(1) + m.group(2) if m else ""
    cities: list[str] = []
    if m:  # "75012 Paris": the words after the code, up to a comma
        after = text[m.end():].split(",")[0].strip(" -")
        if after and not after[0].isdigit():
            cities.append(after)
    segments = [s.strip() for s in re.split(r"[,;]", _POSTCODE.sub(" ", text)) if s.strip()]
    for seg in reversed(segments):
        seg = seg.split("/")[-1].strip()
        seg = re.sub(r"^\d+\s*(bis|ter)?\b", "", seg).strip(" -")
        if seg and seg not in cities:
            cities.append(seg)
    if segments:  # "48 boulevard Villebois Mareuil Rennes": the last words of the last segment
        words = segments[-1].split()
        cities += [t for t in (" ".join(words[-n:]) for n in (1, 2, 3) if len(words) > n) if t not in cities]
    return postcode, cities


def _cut_length(values: list[str]) -> int | None:
    """The length at which a field was cut: at least 5 values (and 5 %) share the longest length."""
    lengths = [len(v) for v in values if v]
    if not lengths:
        return None
    top = max(lengths)
    n_top = Counter(lengths)[top]
    return top if top >= 20 and n_top >= 5 and n_top / len(lengths) >= 0.05 else None


def read(path: Path, src: SourceFile, encoding: str = "utf-8") -> None:
    data = load_json(path, encoding)
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        raise DataError(f"{src.file} : GeoJSON attendu (un objet « FeatureCollection » avec « features »).",
                        code="geojson_invalide")
    features = data["features"]
    props_list = [f.get("properties") or {} if isinstance(f, dict) else {} for f in features]
    cut_site = _cut_length([prop(p, "website", raw=True) for p in props_list])
    cut_name = _cut_length([prop(p, "name", raw=True) for p in props_list])
    cut_sites = 0
    for no, feature in enumerate(features, start=1):
        src.read += 1
        if not isinstance(feature, dict):
            src.reject(no, "élément invalide", "élément qui n'est pas un objet GeoJSON")
            continue
        props = feature.get("properties") or {}
        rec = RawRecord(source=src.format, file=src.file, source_id=prop(props, "id") or f"element-{no}",
                        line=no, name=prop(props, "name"))
        geometry = feature.get("geometry") or {}
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if isinstance(geometry, dict) and geometry.get("type") == "Point" and isinstance(coords, list) and len(
                coords) >= 2:
            rec.lon, rec.lat = parse_float(coords[0]), parse_float(coords[1])
        elif geometry:
            rec.notes.append("Géométrie autre qu'un point : ignorée.")
        kind = prop(props, "kind")
        rec.kind_field = next((a for a in ALIASES["kind"] if props.get(a)), "structure")
        rec.kinds = [kind] if kind else []
        mapped = kind_profile(kind) if kind else None
        if mapped:
            rec.profile = mapped[0]
            rec.capabilities.update({c: f"{rec.kind_field} : {kind}" for c in mapped[1]})
        elif kind:
            rec.unmapped.append(f"{rec.kind_field} : {kind}")
        rec.address = prop(props, "address")
        rec.postcode = prop(props, "postcode")
        city = prop(props, "city")
        if city:
            rec.cities = [city]
        if not rec.postcode or not city:
            postcode, cities = split_address(rec.address)
            rec.postcode = rec.postcode or postcode
            rec.cities += [c for c in cities if c not in rec.cities]
        site = prop(props, "website")
        if site and cut_site and len(prop(props, "website", raw=True)) == cut_site:
            cut_sites += 1
            rec.notes.append(f"Site web coupé dans la source (« {site} ») : ignoré.")
            site = ""
        rec.websites = [site] if site else []
        rec.text = prop(props, "text")
        if cut_name and len(prop(props, "name", raw=True)) == cut_name:
            rec.truncated_name = True
            rec.notes.append("Nom peut-être coupé dans la source.")
        rec.date = parse_date(prop(props, "date"))
        src.records.append(rec)
    if cut_sites:
        src.notes.append(f"{cut_sites} site(s) web coupé(s) à {cut_site} caractères dans la source : ignorés.")
