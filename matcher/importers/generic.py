"""Any CSV (or JSON list of objects) with a column mapping.

The mapping says which column holds each field we read (:data:`TARGETS`). It is given on the
command line (``--mapping "name=Nom,commune=Ville,lat=Latitude,lon=Longitude"``) or in a small
TOML file (YAML too, when PyYAML is installed)::

    [columns]             # field = "column of the file"
    name = "Nom du lieu"
    profile = "Type"
    capabilities = "Équipements"
    postcode = "CP"
    commune = "Ville"
    lat = "Latitude"
    lon = "Longitude"
    website = "Site"
    description = "Présentation"

    [profiles]            # optional: value of the profile column -> profile code
    "Fab Lab" = "fablab"

    [capabilities]        # optional: value of the capabilities column -> capability code(s)
    "Imprimante 3D" = "impression_3d_fdm"
    "Laser" = ["decoupe_laser"]

    [options]             # optional
    delimiter = ";"       # of the CSV (guessed otherwise)
    list_separator = ","  # between values of the capabilities column (default: , ; |)
    default_profile = "tiers_lieu"

Without a mapping, columns are found by their usual names (``name``/``nom``, ``ville``,
``cp``, ``lat``/``latitude``, ``latlng``, ``url``/``site``, ``desc``/``description``...).
Columns holding personal data (e-mail, phone, contact...) are never read.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import DataError
from ..taxonomy import CAPABILITY_CODES, PROFILE_CODES
from ..text import normalize
from .clean import PERSONAL_COLUMNS
from .files import decode, load_json, parse_date, parse_float, read_bytes, read_csv
from .geojson import split_address
from .mapping import FABLABS_FLAGS, kind_profile, profile_from_words, text_capabilities
from .records import RawRecord, SourceFile

TARGETS: dict[str, str] = {
    "id": "identifiant de la ligne dans la source",
    "name": "nom du lieu (obligatoire)",
    "profile": "catégorie du lieu (fablab, tiers-lieu...)",
    "capabilities": "équipements ou services, séparés par des virgules",
    "description": "présentation libre",
    "address": "adresse",
    "postcode": "code postal",
    "commune": "commune",
    "lat": "latitude",
    "lon": "longitude",
    "latlng": "latitude et longitude dans une même colonne",
    "website": "site web",
    "opening": "horaires d'ouverture",
    "date": "date de mise à jour",
    "country": "code pays (FR...)",
}
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "identifiant", "uid", "code"),
    "name": ("name", "nom", "nom du lieu", "nom_structure", "nom structure", "structure", "lieu", "titre"),
    "profile": ("profile", "profil", "type", "typologie", "categorie", "kind", "type_lab", "type de lieu"),
    "capabilities": ("capabilities", "capacites", "equipements", "machines", "services"),
    "description": ("description", "desc", "presentation", "blurb", "resume"),
    "address": ("address", "adresse", "adress", "rue"),
    "postcode": ("postcode", "cp", "code postal", "code_postal", "postal_code", "zip"),
    "commune": ("commune", "ville", "city", "localite"),
    "lat": ("lat", "latitude", "y"),
    "lon": ("lon", "lng", "long", "longitude", "x"),
    "latlng": ("latlng", "latlon", "coordonnees", "coordinates", "geo_point", "position"),
    "website": ("website", "site", "site web", "site_web", "url", "web", "lien"),
    "opening": ("opening", "horaires", "ouverture", "horaires d'ouverture"),
    "date": ("date", "mise_a_jour", "mise a jour", "updated_at", "date_maj"),
    "country": ("country", "country_code", "pays"),
}


@dataclass
class ColumnMapping:
    columns: dict[str, str] = field(default_factory=dict)  # target -> column
    profiles: dict[str, str] = field(default_factory=dict)  # value -> profile code
    capabilities: dict[str, list[str]] = field(default_factory=dict)  # value -> codes
    delimiter: str | None = None
    list_separator: str = ",;|"
    default_profile: str | None = None
    origin: str = "colonnes reconnues par leur nom"


def _key(text: str) -> str:
    return " ".join(normalize(text.replace("_", " ")).split())


def parse_mapping(spec: str | None) -> ColumnMapping | None:
    """A mapping from ``--mapping``: a TOML/YAML file, or ``field=column,field=column``."""
    if not spec:
        return None
    path = Path(spec)
    if path.suffix.lower() in (".toml", ".yaml", ".yml") or path.is_file():
        name = path.name
        text = decode(read_bytes(path), name)
        if path.suffix.lower() in (".yaml", ".yml"):
            try:
                import yaml  # optional: only for YAML mapping files
            except ImportError:
                raise DataError("Lire un fichier YAML demande le paquet PyYAML : utilisez un fichier TOML.",
                                code="yaml_indisponible") from None
            try:
                data = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f", ligne {mark.line + 1}" if mark is not None else ""
                raise DataError(f"{name}{where} : YAML invalide.", code="correspondance_invalide") from None
        else:
            try:
                data = tomllib.loads(text)
            except tomllib.TOMLDecodeError as exc:
                raise DataError(f"{name} : TOML invalide ({exc}).", code="correspondance_invalide") from None
        return _from_dict(data, name)
    columns: dict[str, str] = {}
    for part in spec.split(","):
        target, sep, column = part.partition("=")
        if not sep or not target.strip() or not column.strip():
            raise DataError(f"Correspondance invalide : « {part.strip()} » (champ=colonne attendu, "
                            f"ex. name=Nom,commune=Ville).", code="correspondance_invalide")
        columns[target.strip()] = column.strip()
    return _from_dict({"columns": columns}, "--mapping")


def _from_dict(data: dict[str, Any], origin: str) -> ColumnMapping:
    if not isinstance(data, dict) or not isinstance(data.get("columns", {}), dict):
        raise DataError(f"{origin} : une table [columns] est attendue.", code="correspondance_invalide")
    columns = {str(k): str(v) for k, v in (data.get("columns") or {}).items()}
    unknown = sorted(set(columns) - set(TARGETS))
    if unknown:
        raise DataError(f"{origin} : champ(s) inconnu(s) : {', '.join(unknown)} "
                        f"(champs possibles : {', '.join(TARGETS)}).", code="correspondance_invalide")
    profiles = {str(k): str(v) for k, v in (data.get("profiles") or {}).items()}
    bad = sorted(v for v in profiles.values() if v not in PROFILE_CODES)
    if bad:
        raise DataError(f"{origin}, [profiles] : profil(s) inconnu(s) : {', '.join(bad)} "
                        f"(profils : {', '.join(PROFILE_CODES)}).", code="correspondance_invalide")
    caps: dict[str, list[str]] = {}
    for k, v in (data.get("capabilities") or {}).items():
        codes = [v] if isinstance(v, str) else list(v)
        wrong = [c for c in codes if c not in CAPABILITY_CODES]
        if wrong:
            raise DataError(f"{origin}, [capabilities] « {k} » : capacité(s) inconnue(s) : {', '.join(wrong)}.",
                            code="correspondance_invalide")
        caps[_key(str(k))] = codes
    options = data.get("options") or {}
    default = options.get("default_profile")
    if default is not None and default not in PROFILE_CODES:
        raise DataError(f"{origin}, [options] default_profile : profil inconnu « {default} ».",
                        code="correspondance_invalide")
    return ColumnMapping(columns=columns, profiles={_key(k): v for k, v in profiles.items()}, capabilities=caps,
                         delimiter=options.get("delimiter"), list_separator=options.get("list_separator", ",;|"),
                         default_profile=default, origin=origin)


def guess_columns(header: list[str]) -> dict[str, str]:
    """Columns found by their usual names (first match per field, never a personal column)."""
    by_key = {_key(h): h for h in header if h and not PERSONAL_COLUMNS.search(h)}
    out: dict[str, str] = {}
    for target, names in ALIASES.items():
        for alias in names:
            col = by_key.get(_key(alias))
            if col is not None and col not in out.values():
                out[target] = col
                break
    return out


def _rows(path: Path, src: SourceFile, mapping: ColumnMapping | None, encoding: str
          ) -> tuple[list[str], list[tuple[int, dict[str, Any], str | None]]]:
    if path.suffix.lower() in (".json", ".geojson"):
        data = load_json(path, encoding)
        if isinstance(data, dict):
            data = next((v for v in data.values() if isinstance(v, list)), None)
        if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
            raise DataError(f"{src.file} : une liste d'objets JSON est attendue.", code="json_invalide")
        header = list(dict.fromkeys(k for item in data for k in item))
        return header, [(i, item, None) for i, item in enumerate(data, start=1)]
    return read_csv(path, encoding, mapping.delimiter if mapping else None)


def read(path: Path, src: SourceFile, mapping: ColumnMapping | None = None, encoding: str = "utf-8") -> None:
    header, rows = _rows(path, src, mapping, encoding)
    columns = dict(mapping.columns) if mapping and mapping.columns else guess_columns(header)
    origin = mapping.origin if mapping and mapping.columns else "colonnes reconnues par leur nom"
    for target, col in columns.items():
        if col not in header:
            raise DataError(f"{src.file} : colonne « {col} » (champ {target}) absente du fichier "
                            f"(colonnes : {', '.join(h for h in header if h)}).", code="colonnes_manquantes")
        if PERSONAL_COLUMNS.search(col):
            raise DataError(f"{src.file} : la colonne « {col} » contient des données personnelles ; "
                            "elle ne peut pas être importée.", code="donnees_personnelles")
    if "name" not in columns:
        raise DataError(f"{src.file} : colonne du nom introuvable ({origin}) ; indiquez-la avec "
                        "--mapping name=<colonne>.", code="colonnes_manquantes")
    if not ({"lat", "lon"} <= set(columns) or {"latlng", "postcode", "commune", "address"} & set(columns)):
        raise DataError(f"{src.file} : ni coordonnées, ni commune, ni code postal, ni adresse ({origin}) ; "
                        "indiquez les colonnes avec --mapping (lat=, lon=, commune=, postcode=).",
                        code="colonnes_manquantes")
    src.dropped_columns = [h for h in header if h and PERSONAL_COLUMNS.search(h) and h not in columns.values()]
    src.notes.append(f"Correspondance des colonnes ({origin}) : "
                     + ", ".join(f"{t} = « {c} »" for t, c in columns.items()) + ".")
    mapping = mapping or ColumnMapping()

    def raw(row: dict[str, Any], target: str) -> Any:
        col = columns.get(target)
        return row.get(col) if col else None

    def get(row: dict[str, Any], target: str) -> str:
        value = raw(row, target)
        return "" if value is None else str(value).strip()

    for line, row, problem in rows:
        src.read += 1
        rec = RawRecord(source=src.format, file=src.file, source_id=get(row, "id") or f"ligne-{line}",
                        line=line, name=get(row, "name"))
        if problem:
            src.reject(rec, "ligne mal formée", problem)
            continue
        _profile(rec, get(row, "profile"), columns.get("profile", ""), mapping)
        _capabilities(rec, raw(row, "capabilities"), columns.get("capabilities", ""), mapping)
        rec.text = get(row, "description")
        if rec.profile is None and mapping.default_profile:
            rec.profile = mapping.default_profile
        elif rec.profile is None and "profile" not in columns:
            rec.profile = profile_from_words(rec.name, rec.text)
            if rec.profile:
                rec.notes.append("Profil déduit du nom ou de la présentation (pas de colonne de catégorie).")
        rec.address = get(row, "address")
        rec.postcode = get(row, "postcode")
        rec.cities = [c for c in [get(row, "commune")] if c]
        if "latlng" in columns:
            rec.lat, rec.lon = _latlng(row.get(columns["latlng"]))
        else:
            rec.lat, rec.lon = parse_float(row.get(columns.get("lat", ""))), parse_float(row.get(columns.get("lon", "")))
        if not rec.cities or not rec.postcode:
            postcode, cities = split_address(rec.address)
            rec.postcode = rec.postcode or postcode
            rec.cities += [c for c in cities if c not in rec.cities]
        site = get(row, "website")
        rec.websites = [site] if site else []
        rec.opening = get(row, "opening")
        rec.date = parse_date(get(row, "date"))
        rec.country = get(row, "country").upper()
        src.records.append(rec)


def _latlng(value: Any) -> tuple[float | None, float | None]:
    if isinstance(value, (list, tuple)) and len(value) >= 2:
        return parse_float(value[0]), parse_float(value[1])
    parts = re.split(r"[;,\s]+", str(value or "").strip())
    if len(parts) >= 2:
        return parse_float(parts[0]), parse_float(parts[1])
    return None, None


def _profile(rec: RawRecord, value: str, column: str, mapping: ColumnMapping) -> None:
    if not value:
        return
    rec.kind_field, rec.kinds = column, [value]
    if value in PROFILE_CODES:
        rec.profile = value
        return
    chosen = mapping.profiles.get(_key(value))
    known = kind_profile(value)
    if chosen is None and known is not None:
        chosen = known[0]
        rec.capabilities.update({c: f"{column} : {value}" for c in known[1]})
    chosen = chosen or profile_from_words(value)
    if chosen:
        rec.profile = chosen
    else:
        rec.unmapped.append(f"{column} : {value}")


def _capabilities(rec: RawRecord, value: Any, column: str, mapping: ColumnMapping) -> None:
    if not value:
        return
    items = value if isinstance(value, list) else re.split(f"[{re.escape(mapping.list_separator)}]", str(value))
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        origin = f"{column} : {item}"
        if item in CAPABILITY_CODES:
            rec.capabilities.setdefault(item, origin)
        elif _key(item) in mapping.capabilities:
            for code in mapping.capabilities[_key(item)]:
                rec.capabilities.setdefault(code, origin)
        elif item.lower() in FABLABS_FLAGS:
            rec.capabilities.setdefault(FABLABS_FLAGS[item.lower()], origin)
        else:
            found = text_capabilities(item)
            if found:
                for code in found:
                    rec.capabilities.setdefault(code, origin)
            else:
                rec.unmapped.append(origin)
