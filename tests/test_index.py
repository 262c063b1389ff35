"""FAISS index: add / update / remove without rebuild, atomic persistence, manifest checks."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.encoder import HashingEncoder
from matcher.index import Manifest, VectorIndex, build_index, read_manifest

ENC = HashingEncoder(64)


def vecs(*texts):
    return ENC.encode(list(texts))


def manifest(**over):
    base = dict(model_id="hashing-64", catalogue_digest="c1", taxonomy_digest="t1", kind="flat", dim=64)
    base.update(over)
    return Manifest(**base)


@pytest.fixture(params=["flat", "hnsw"])
def index(request):
    idx = VectorIndex(64, request.param)
    idx.add("laser", vecs("découpe laser contreplaqué", "gravure laser plexiglas", "description laser"))
    idx.add("couture", vecs("brodeuse numérique", "couture textile", "description couture"))
    return idx


def test_search_maps_rows_back_to_workshops(index):
    hits = index.search(vecs("gravure laser plexiglas")[0], 3)
    assert hits[0][0].workshop_id == "laser"
    assert hits[0][0].text_index == 1
    assert hits[0][1] == pytest.approx(1.0, abs=1e-5)


def test_description_is_marked(index):
    hits = index.search(vecs("description couture")[0], 1)
    assert (hits[0][0].workshop_id, hits[0][0].text_index) == ("couture", -1)


def test_remove_and_update_without_rebuild(index):
    assert index.remove("laser") is True
    assert index.remove("laser") is False
    assert all(r.workshop_id != "laser" for r, _ in index.search(vecs("gravure laser plexiglas")[0], 10))
    index.update("couture", vecs("gravure laser plexiglas", "autre description"))
    hits = index.search(vecs("gravure laser plexiglas")[0], 1)
    assert (hits[0][0].workshop_id, hits[0][0].text_index) == ("couture", 0)
    assert index.n_rows == 2


def test_add_twice_is_refused(index):
    with pytest.raises(ValueError):
        index.add("laser", vecs("x", "y"))


def test_save_load_round_trip_and_atomic_publish(index, tmp_path):
    first = index.save(tmp_path, manifest(kind=index.kind))
    loaded, man = VectorIndex.load(tmp_path)
    assert man.n_workshops == 2 and man.n_rows == 6
    q = vecs("brodeuse numérique")[0]
    assert [(r.workshop_id, r.text_index) for r, _ in loaded.search(q, 3)] == [
        (r.workshop_id, r.text_index) for r, _ in index.search(q, 3)
    ]
    index.remove("laser")
    second = index.save(tmp_path, manifest(kind=index.kind, catalogue_digest="c2"))
    assert (tmp_path / "current").resolve() == second.resolve()
    assert not first.exists(), "old build is cleaned once the new one is published"
    assert read_manifest(tmp_path).catalogue_digest == "c2"
    reloaded, _ = VectorIndex.load(tmp_path)
    assert "laser" not in reloaded.by_workshop
    assert all(r.workshop_id != "laser" for r, _ in reloaded.search(vecs("découpe laser contreplaqué")[0], 10))


def test_read_manifest_missing(tmp_path):
    assert read_manifest(tmp_path) is None


def test_manifest_key_changes_with_model_and_catalogue():
    assert manifest().key() != manifest(model_id="other").key()
    assert manifest().key() != manifest(catalogue_digest="c2").key()
    assert manifest().key() == manifest(created=0.0).key()


def test_build_index_batches_all_texts(catalogue):
    calls = []

    def encode(texts):
        calls.append(len(texts))
        return ENC.encode(texts)

    idx = build_index(catalogue.workshops[:50], encode, 64)
    assert len(calls) == 1, "one batched encode call, no per-workshop overhead"
    assert idx.n_rows == sum(len(w.texts()) for w in catalogue.workshops[:50])
    counts = {}
    for w in catalogue.workshops[:50]:
        for t in w.services:
            counts[t] = counts.get(t, 0) + 1
    w, k = next((w, k) for w in catalogue.workshops[:50] for k, t in enumerate(w.services) if counts[t] == 1)
    hit = idx.search(ENC.encode([w.services[k]])[0], 1)[0][0]
    assert (hit.workshop_id, hit.text_index) == (w.id, k)


def test_ensure_index_reuses_rebuilds_and_reembeds_only_changes(encoder, catalogue, taxonomy, tmp_path, monkeypatch):
    from matcher.catalogue import Catalogue
    from matcher.service import ensure_index
    from matcher.settings import Settings

    from matcher.encoder import EmbeddingCache

    settings = Settings(index_dir=tmp_path / "index")
    monkeypatch.setattr(encoder, "cache", EmbeddingCache(tmp_path / "emb", encoder.model_id, encoder.dim))
    small = Catalogue(workshops=catalogue.workshops[:20], digest="small-1")
    first = ensure_index(settings, encoder, small, taxonomy)  # warm the embedding cache
    calls: list[list[str]] = []
    real = encoder.raw_encode
    monkeypatch.setattr(encoder, "raw_encode", lambda texts, show_progress=False: calls.append(list(texts)) or real(texts))

    again = ensure_index(settings, encoder, small, taxonomy)
    assert calls == [] and again.n_rows == first.n_rows, "same manifest: loaded, nothing embedded"

    edited = small.workshops[3].model_copy(update={"services": ["Un service tout neuf de découpe de mousse."]})
    changed = Catalogue(workshops=[*small.workshops[:3], edited, *small.workshops[4:]], digest="small-2")
    rebuilt = ensure_index(settings, encoder, changed, taxonomy)
    assert [t for batch in calls for t in batch] == [settings.passage_prefix + edited.services[0]]
    assert read_manifest(tmp_path / "index").catalogue_digest == "small-2"
    hit = rebuilt.search(encoder.encode(edited.services, kind="passage")[0], 1)[0]
    assert hit[0].workshop_id == edited.id and hit[1] > 0.999
