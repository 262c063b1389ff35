"""The optimised paths of a match give exactly what the plain computations give.

BM25 postings against bm25s, the incremental catalogue state against a rebuilt one, the
sparse median, the partial top-k, the latitude band of distances and the vectorised display
distances: each is compared with the straightforward version, value for value.
"""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from matcher.catalogue import load_catalogue
from matcher.encoder import HashingEncoder
from matcher.gazetteer import display_km, geodesic_km, haversine_km
from matcher.index import build_index
from matcher.lexical import LexicalIndex, document_tokens
from matcher.ranking import median_with_fill, relative, top_k
from matcher.evidence import prior_table
from matcher.state import CatalogueState
from matcher.settings import get_settings
from matcher.text import tokens

QUERIES = [
    "découpe laser de lettres en contreplaqué pour une vitrine",
    "impression 3D de boîtiers en PETG",
    "broder le logo de notre club sur 40 polos",
    "fraiser des panneaux de contreplaqué pour du mobilier",
    "prototype électronique avec un ESP32",
    "atelier atelier atelier laser",  # repeated words count again, as in bm25s
    "zzzz inconnu",
]


@pytest.fixture(scope="module")
def workshops():
    return load_catalogue(get_settings().catalogue).workshops


def bm25s_scores(workshops, text):
    ref = bm25s.BM25()
    ref.index([document_tokens(w) for w in workshops], show_progress=False)
    query = [t for t in tokens(text) if t in ref.vocab_dict]
    if not query:
        return np.zeros(len(workshops), dtype=np.float32)
    raw = np.asarray(ref.get_scores(query), dtype=np.float32)
    return raw / float(raw.max()) if raw.max() > 0 else raw


def test_bm25_postings_equal_bm25s_bit_for_bit(workshops):
    mine = LexicalIndex(workshops)
    for q in QUERIES:
        assert np.array_equal(mine.scores(q), bm25s_scores(workshops, q)), q
        idx = np.array([0, 5, 17, 200])
        assert np.array_equal(mine.scores(q, at=idx), mine.scores(q)[idx])


def test_bm25_edits_equal_a_rebuild_and_leave_the_old_index_alone(workshops):
    base = list(workshops[:120])
    index = LexicalIndex(base)
    before = {q: index.scores(q) for q in QUERIES}
    new = base[3].model_copy(update={"id": "nouvel-atelier", "services": ["Thermoformage de coques en PETG."]})
    edited = base[10].model_copy(update={"services": ["Broderie numérique de logos sur polos", *base[10].services[1:]]})
    cases = [
        (index.appended(new), [*base, new]),
        (index.replaced(10, base[10], edited), [*base[:10], edited, *base[11:]]),
        (index.removed(20, base[20]), [*base[:20], *base[21:]]),
    ]
    for got, expected in cases:
        for q in QUERIES:
            assert np.array_equal(got.scores(q), bm25s_scores(expected, q)), q
    for q in QUERIES:
        assert np.array_equal(index.scores(q), before[q])


def test_incremental_state_equals_a_rebuilt_one(workshops, taxonomy):
    priors = prior_table(taxonomy)
    base = list(workshops[:80])
    enc = HashingEncoder(32)
    index = build_index(base, lambda texts: enc.encode(texts), 32, "flat")
    state = CatalogueState.build(base, index, priors)
    edited = base[5].model_copy(update={"lat": 43.6, "lon": 1.44, "capacity": 0,
                                        "services": ["Découpe laser", *base[5].services]})
    gone = list(index.by_workshop[edited.id])
    index.update(edited.id, enc.encode(edited.texts()))
    state = state.with_workshop(edited, index, gone)
    new = base[9].model_copy(update={"id": "atelier-ajoute", "lat": 48.11, "lon": -1.68})
    index.add(new.id, enc.encode(new.texts()))
    state = state.with_workshop(new, index, [])
    removed = base[30].id
    gone = list(index.by_workshop[removed])
    index.remove(removed)
    state = state.without_workshop(removed, index, gone)
    fresh = CatalogueState.build(state.workshops, index, priors)
    assert [w.id for w in state.workshops] == [w.id for w in fresh.workshops]
    assert state.position == fresh.position
    for name in ("lats", "lons", "lat_rad", "cos_lat", "has", "has_by_code", "support", "support_by_code",
                 "accepts", "capacity", "territory", "row_pos", "by_lat"):
        assert np.array_equal(getattr(state, name), getattr(fresh, name)), name
    alive = fresh.row_pos >= 0
    assert np.array_equal(state.row_text[alive], fresh.row_text[alive])
    for q in QUERIES:
        assert np.array_equal(state.lexical.scores(q), fresh.lexical.scores(q))


def test_distances_equal_haversine_and_the_band_keeps_every_close_workshop(workshops, taxonomy):
    enc = HashingEncoder(16)
    index = build_index(workshops, lambda texts: enc.encode(texts), 16, "flat")
    state = CatalogueState.build(workshops, index, prior_table(taxonomy))
    lats = np.array([w.lat for w in workshops])
    lons = np.array([w.lon for w in workshops])
    for lat, lon, km in ((47.75, -3.37, 40.0), (48.85, 2.35, 100.0), (43.3, 5.4, 5.0), (45.0, 2.0, 2000.0)):
        exact = haversine_km(lat, lon, lats, lons)
        assert np.array_equal(state.distances(lat, lon), exact)
        band = state.distances(lat, lon, within_km=km)
        near = exact <= km
        assert np.array_equal(band[near], exact[near])  # every workshop within km, same value
        assert np.all(band[~near] > km)  # the others: inf, or their exact distance


def test_sparse_median_equals_numpy_median():
    rng = np.random.default_rng(0)
    for trial in range(3000):
        n = int(rng.integers(1, 50))
        fill = np.float32(rng.normal())
        x = np.full(n, fill, dtype=np.float32)
        touched = np.sort(rng.choice(n, int(rng.integers(0, n + 1)), replace=False))
        x[touched] = rng.integers(-2, 3, touched.size).astype(np.float32) if trial % 2 else rng.normal(
            size=touched.size).astype(np.float32)
        assert median_with_fill(x, touched) == float(np.median(x))
        at = np.arange(0, n, 3)
        assert np.array_equal(relative(x, at, touched), relative(x)[at])


def test_partial_top_k_equals_a_stable_sort():
    rng = np.random.default_rng(1)
    for trial in range(2000):
        n, k = int(rng.integers(0, 80)), int(rng.integers(0, 90))
        x = rng.integers(0, 4, n).astype(np.float32) if trial % 2 else rng.normal(size=n).astype(np.float32)
        assert np.array_equal(top_k(x, k), np.argsort(-x, kind="stable")[:k])


def test_display_distances_equal_the_rounded_geodesic():
    rng = np.random.default_rng(2)
    for _ in range(40):
        lat, lon = float(rng.uniform(41, 51.2)), float(rng.uniform(-5.2, 9.6))
        lats = np.concatenate([rng.uniform(41, 51.2, 40), lat + rng.normal(0, 0.01, 10), [lat]])
        lons = np.concatenate([rng.uniform(-5.2, 9.6, 40), lon + rng.normal(0, 0.01, 10), [lon]])
        got = display_km(lat, lon, lats, lons)
        assert got == [round(geodesic_km(lat, lon, a, b), 1) for a, b in zip(lats, lons, strict=True)]
    assert display_km(-21.1, 55.5, [48.85], [2.35]) == [round(geodesic_km(-21.1, 55.5, 48.85, 2.35), 1)]
    assert display_km(45.0, 2.0, [], []) == []
