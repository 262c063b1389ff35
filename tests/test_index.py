"""FAISS index: add / update / remove without rebuild, atomic persistence, manifest checks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from matcher.encoder import HashingEncoder
from matcher.index import INDEX_FORMAT, Manifest, Row, VectorIndex, build_index, read_manifest

ENC = HashingEncoder(64)


def vecs(*texts):
    return ENC.encode(list(texts))


def manifest(**over):
    base = dict(model_id="hashing-64", catalogue_digest="c1", taxonomy_digest="t1", kind="flat", dim=64)
    base.update(over)
    return Manifest(**base)


@pytest.fixture(params=["flat", "hnsw", "ivf-flat", "ivf-sq8"])
def index(request):
    kind, _, codec = request.param.partition("-")
    idx = VectorIndex(64, kind, ivf_codec=codec or "flat")
    laser = vecs("découpe laser contreplaqué", "gravure laser plexiglas", "description laser")
    couture = vecs("brodeuse numérique", "couture textile", "description couture")
    if kind == "ivf":  # trained at the first add: on both workshops
        idx.add_many(["laser", "couture"], [laser, couture])
    else:
        idx.add("laser", laser)
        idx.add("couture", couture)
    return idx


def exact_sim(index) -> float:
    """Tolerance on a returned similarity: SQ8 decodes approximate vectors."""
    return 2e-2 if index.ivf_codec == "sq8" else 1e-5


def test_search_maps_rows_back_to_workshops(index):
    hits = index.search(vecs("gravure laser plexiglas")[0], 3)
    assert hits[0][0].workshop_id == "laser"
    assert hits[0][0].text_index == 1
    assert hits[0][1] == pytest.approx(1.0, abs=exact_sim(index))


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
    assert np.array_equal(loaded.vectors_of("couture"), index.vectors_of("couture"))
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


# --- compact mapping, IVF codecs, persistence format ------------------------------------
KINDS = [("flat", "flat"), ("hnsw", "flat"), ("ivf", "flat"), ("ivf", "sq8"), ("ivf", "pq")]


def clustered(n: int, dim: int, seed: int, centres: int = 24) -> np.ndarray:
    """Unit vectors around a few directions (like sentence embeddings, unlike white noise)."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, dim))
    v = c[rng.integers(0, centres, n)] + 0.6 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


class Reference:
    """The mapping as the former implementation kept it: one Python entry per vector."""

    def __init__(self):
        self.rows: dict[int, tuple[str, int]] = {}
        self.by_workshop: dict[str, list[int]] = {}
        self.next_id = 0

    def add(self, wid: str, n: int) -> None:
        own = list(range(self.next_id, self.next_id + n))
        self.next_id += n
        for k, vid in enumerate(own):
            self.rows[vid] = (wid, k if k < n - 1 else -1)
        self.by_workshop[wid] = own

    def remove(self, wid: str) -> None:
        for vid in self.by_workshop.pop(wid):
            del self.rows[vid]


def check_same(idx: VectorIndex, ref: Reference) -> None:
    assert idx.n_rows == len(ref.rows) == len(idx.rows)
    assert idx.next_id == ref.next_id
    assert {vid: (r.workshop_id, r.text_index) for vid, r in idx.rows.items()} == ref.rows
    assert list(idx.rows) == list(ref.rows)
    assert list(idx.by_workshop) == list(ref.by_workshop), "insertion order, an updated workshop last"
    assert dict(idx.by_workshop) == ref.by_workshop
    assert len(idx.by_workshop) == len(ref.by_workshop)
    position = {wid: i for i, wid in enumerate(sorted(ref.by_workshop))}
    position.pop(next(iter(position)))  # a workshop unknown to the caller: position -1
    pos, text = idx.row_table(position)
    want_pos = np.full(ref.next_id, -1, dtype=np.int64)
    want_text = np.zeros(ref.next_id, dtype=np.int64)
    for vid, (wid, ti) in ref.rows.items():
        want_pos[vid], want_text[vid] = position.get(wid, -1), ti
    assert pos.dtype == text.dtype == np.int64
    assert np.array_equal(pos, want_pos) and np.array_equal(text, want_text)
    if idx.kind != "flat":
        assert idx.deleted == set(range(ref.next_id)) - set(ref.rows)


@pytest.mark.parametrize(("kind", "codec"), KINDS)
def test_edits_and_reload_keep_the_mapping(kind, codec, tmp_path):
    """Adds, updates, removals and a re-add, checked against the former dict mapping, before and
    after a save and load; searches never return a removed row."""
    dim, rng = 32, np.random.default_rng(1)
    counts = rng.integers(1, 9, 300)
    data = clustered(int(counts.sum()) + 200, dim, seed=2)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    wids = [f"atelier-{i:03d}" for i in range(300)]
    idx = VectorIndex(dim, kind, ivf_codec=codec, ivf_nprobe=1000)
    ref = Reference()
    idx.add_many(wids, [data[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)])
    for wid, n in zip(wids, counts.tolist(), strict=True):
        ref.add(wid, n)
    check_same(idx, ref)
    extra = iter(data[bounds[-1]:])
    for wid, n in (("atelier-007", 3), ("atelier-100", 1), ("atelier-299", 5)):  # updates
        idx.update(wid, np.stack([next(extra) for _ in range(n)]))
        ref.remove(wid)
        ref.add(wid, n)
    for wid in ("atelier-000", "atelier-150", "atelier-007"):
        assert idx.remove(wid) is True
        ref.remove(wid)
    assert idx.remove("atelier-150") is False and idx.remove("inconnu") is False
    idx.add("atelier-150", np.stack([next(extra), next(extra)]))  # back, under a known ordinal
    ref.add("atelier-150", 2)
    idx.add("nouvel-atelier", np.stack([next(extra)]))  # a description alone
    ref.add("nouvel-atelier", 1)
    check_same(idx, ref)
    assert "atelier-000" not in idx.by_workshop and "atelier-000" not in [r.workshop_id for r in idx.rows.values()]
    with pytest.raises(KeyError):
        idx.by_workshop["atelier-000"]
    with pytest.raises(KeyError):
        idx.vectors_of("atelier-000")
    assert idx.rows.get(0) is None and 0 not in idx.rows
    for q in data[:20]:
        ids, sims = idx.search_arrays(q, 50)
        assert len(ids) == 50 and all(int(i) in ref.rows for i in ids)
        assert np.all(np.diff(sims) <= 1e-6), "best first"

    idx.save(tmp_path, manifest(kind=kind))
    loaded, man = VectorIndex.load(tmp_path)
    assert (man.n_rows, man.n_workshops, man.ivf_codec) == (len(ref.rows), len(ref.by_workshop), idx.ivf_codec)
    assert (loaded.kind, loaded.ivf_codec) == (kind, idx.ivf_codec)
    check_same(loaded, ref)
    loaded.tune(ivf_nprobe=1000)
    for q in data[:20]:
        a, b = idx.search_arrays(q, 30), loaded.search_arrays(q, 30)
        assert np.array_equal(a[0], b[0]) and np.allclose(a[1], b[1], atol=1e-6)
    for wid in ("atelier-001", "atelier-299", "atelier-150"):
        assert np.array_equal(loaded.vectors_of(wid), idx.vectors_of(wid))
    loaded.update("atelier-002", data[:4])  # edits go on after a load
    ref.remove("atelier-002")
    ref.add("atelier-002", 4)
    check_same(loaded, ref)


@pytest.mark.parametrize(("codec", "min_recall", "max_error"), [("flat", 1.0, 1e-6), ("sq8", 0.9, 0.02),
                                                                 ("pq", 0.5, 0.2)])
def test_ivf_codecs_recall_and_reconstruction(codec, min_recall, max_error):
    """Every list probed: IVF-flat is exact; SQ8 and PQ approximate the similarities and
    :meth:`vectors_of` decodes approximate vectors (good enough to pick a sentence)."""
    dim, n = 64, 4000
    data = clustered(n, dim, seed=3)
    idx = VectorIndex(dim, "ivf", ivf_codec=codec)
    idx.add_many([f"w{i}" for i in range(n // 4)], [data[i : i + 4] for i in range(0, n, 4)])
    idx.tune(ivf_nprobe=10_000)
    queries = clustered(50, dim, seed=4)
    recalls = []
    for q in queries:
        exact = data @ q
        ids, sims = idx.search_arrays(q, 10)
        recalls.append(len(set(ids.tolist()) & set(np.argsort(-exact)[:10].tolist())) / 10)
        assert np.abs(sims - exact[ids]).max() <= max_error
    assert np.mean(recalls) >= min_recall
    got = idx.vectors_of("w7")
    assert got.shape == (4, dim) and np.abs(got - data[28:32]).max() <= max_error
    assert int(np.argmax(got @ data[29])) == 1, "the closest decoded sentence is the right one"


def test_unknown_codec_and_kind_are_refused():
    with pytest.raises(ValueError):
        VectorIndex(64, "ivf", ivf_codec="lz4")
    with pytest.raises(ValueError):
        VectorIndex(64, "annoy")
    assert VectorIndex(64, "flat", ivf_codec="sq8").ivf_codec == "flat", "a codec only concerns the IVF"


def test_add_many_refuses_a_workshop_twice():
    idx = VectorIndex(16)
    idx.add("a", clustered(2, 16, 0))
    with pytest.raises(ValueError):
        idx.add_many(["b", "a"], [clustered(2, 16, 1), clustered(2, 16, 2)])
    with pytest.raises(ValueError):
        idx.add_many(["c", "c"], [clustered(2, 16, 1), clustered(2, 16, 2)])
    assert list(idx.by_workshop) == ["a"] and idx.n_rows == 2


def test_mapping_costs_no_python_object_per_vector():
    """50 000 vectors of 5 000 workshops: the mapping grows by O(workshops) Python objects and a
    few bytes a vector (one dataclass and dict entry per vector cost >100 bytes and 50 000 objects)."""
    import gc
    import tracemalloc

    dim, n_ws, per = 8, 5_000, 10
    data = clustered(n_ws * per, dim, seed=5)
    chunks = [data[i * per : (i + 1) * per] for i in range(n_ws)]
    wids = [f"atelier-{i}" for i in range(n_ws)]
    idx = VectorIndex(dim, "ivf", ivf_nlist=16)
    gc.collect()
    objects = len(gc.get_objects())
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        idx.add_many(wids, chunks)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert idx.n_rows == n_ws * per
    assert len(gc.get_objects()) - objects < 1_000
    assert grown / idx.n_rows < 40, f"{grown / idx.n_rows:.0f} bytes a vector held by Python"
    rows, by_ws = idx.rows, idx.by_workshop
    assert rows[12_345] == Row("atelier-1234", 5) and by_ws["atelier-4999"] == list(range(49_990, 50_000))


def test_bench_can_share_the_mapping_with_an_exact_index():
    """``eval/bench.py`` gives an exact index the approximate one's mapping by assignment."""
    dim = 16
    data = clustered(400, dim, seed=6)
    ivf = VectorIndex(dim, "ivf", ivf_codec="sq8")
    ivf.add_many([f"w{i}" for i in range(100)], [data[i : i + 4] for i in range(0, 400, 4)])
    exact = VectorIndex(dim, "flat")
    exact.index.add_with_ids(data, np.arange(len(data), dtype=np.int64))
    exact.rows, exact.by_workshop, exact.next_id = ivf.rows, ivf.by_workshop, ivf.next_id
    assert exact.n_rows == 400 and exact.by_workshop["w3"] == [12, 13, 14, 15]
    (row, sim), = exact.search(data[13], 1)
    assert (row.workshop_id, row.text_index, round(sim, 5)) == ("w3", 1, 1.0)
    with pytest.raises(TypeError):
        exact.rows = {}


def test_manifest_key_covers_the_ivf_codec():
    assert manifest(kind="ivf", ivf_codec="sq8").key() != manifest(kind="ivf").key()
    assert manifest(kind="flat", ivf_codec="sq8").key() == manifest(kind="flat").key()


def test_save_records_the_codec_in_the_manifest(tmp_path):
    idx = VectorIndex(16, "ivf", ivf_codec="sq8")
    idx.add_many([f"w{i}" for i in range(60)], [clustered(3, 16, i) for i in range(60)])
    idx.save(tmp_path, manifest(kind="ivf", dim=16))  # a caller unaware of codecs
    assert read_manifest(tmp_path).ivf_codec == "sq8"
    assert read_manifest(tmp_path).key() == manifest(kind="ivf", dim=16, ivf_codec="sq8").key()
    assert VectorIndex.load(tmp_path)[0].ivf_codec == "sq8"


def write_format_2(folder, key_fields: dict, fmt: int = 2):
    """A build as the former code wrote it: rows.json (a list of lists), an IndexIDMap2."""
    import json

    import faiss

    build = folder / "builds" / "1-old"
    build.mkdir(parents=True)
    data = clustered(4, key_fields["dim"], seed=7)
    faiss.write_index(faiss.IndexIDMap2(faiss.IndexFlatIP(key_fields["dim"])), str(build / "index.faiss"))
    meta = {"rows": [[i, "vieil-atelier", i if i < 3 else -1] for i in range(4)], "deleted": [], "next_id": 4,
            "kind": key_fields["kind"], "dim": key_fields["dim"]}
    (build / "rows.json").write_text(json.dumps(meta))
    (build / "manifest.json").write_text(json.dumps({**key_fields, "format": fmt, "created": 0.0, "n_rows": 4,
                                                     "n_workshops": 1}))
    (folder / "current").symlink_to("builds/1-old")
    return data


@pytest.mark.parametrize("fmt", [2, INDEX_FORMAT])
def test_a_former_format_folder_is_stale_not_a_crash(tmp_path, fmt):
    key_fields = dict(model_id="hashing-64", catalogue_digest="c1", taxonomy_digest="t1", kind="flat", dim=64)
    write_format_2(tmp_path, key_fields, fmt)
    old = read_manifest(tmp_path)
    assert old is not None and (old.key() == manifest().key()) == (fmt == INDEX_FORMAT)
    with pytest.raises(ValueError):  # what ensure_index catches to rebuild
        VectorIndex.load(tmp_path)


def test_ensure_index_rebuilds_over_a_former_format(encoder, catalogue, taxonomy, tmp_path, monkeypatch):
    from matcher.catalogue import Catalogue
    from matcher.encoder import EmbeddingCache
    from matcher.service import ensure_index
    from matcher.settings import Settings

    settings = Settings(index_dir=tmp_path / "index")
    monkeypatch.setattr(encoder, "cache", EmbeddingCache(tmp_path / "emb", encoder.model_id, encoder.dim))
    small = Catalogue(workshops=catalogue.workshops[:12], digest="small-1")
    key_fields = dict(model_id=encoder.model_id, catalogue_digest=small.digest, taxonomy_digest=taxonomy.digest,
                      kind="flat", dim=encoder.dim)
    for fmt in (2, INDEX_FORMAT):  # an older manifest; the current one over files of the older format
        folder = settings.resolved_index_dir
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        write_format_2(folder, key_fields, fmt)
        index = ensure_index(settings, encoder, small, taxonomy)
        assert index.n_rows == sum(len(w.texts()) for w in small.workshops)
        assert "vieil-atelier" not in index.by_workshop
        assert read_manifest(folder).format == INDEX_FORMAT
        again, _ = VectorIndex.load(folder)
        assert list(again.by_workshop) == [w.id for w in small.workshops]


@pytest.mark.parametrize("damage", ["no rows", "truncated rows", "meta without a key", "rows of another index"])
def test_a_damaged_build_raises_what_ensure_index_catches(tmp_path, damage):
    import json

    idx = VectorIndex(16, "ivf", ivf_codec="sq8")
    idx.add_many([f"w{i}" for i in range(60)], [clustered(3, 16, i) for i in range(60)])
    build = idx.save(tmp_path, manifest(kind="ivf", dim=16))
    if damage == "no rows":
        (build / "rows.npz").unlink()
    elif damage == "truncated rows":
        data = (build / "rows.npz").read_bytes()
        (build / "rows.npz").write_bytes(data[: len(data) // 2])
    elif damage == "meta without a key":
        meta = json.loads((build / "meta.json").read_text())
        del meta["next_id"]
        (build / "meta.json").write_text(json.dumps(meta))
    else:
        other = VectorIndex(16, "ivf")
        other.add_many([f"w{i}" for i in range(50)], [clustered(3, 16, i) for i in range(50)])
        shutil.copy(other.save(tmp_path / "other", manifest(kind="ivf", dim=16)) / "rows.npz", build / "rows.npz")
    with pytest.raises((OSError, ValueError, RuntimeError)):  # the exceptions ensure_index rebuilds on
        VectorIndex.load(tmp_path)


@pytest.mark.parametrize(("kind", "codec"), KINDS)
def test_vectors_of_many_is_vectors_of_in_one_call(kind, codec):
    idx = VectorIndex(8, kind, ivf_codec=codec) if kind == "ivf" else VectorIndex(8, kind)
    data = clustered(600, 8, seed=3)
    sizes = [1 + k % 5 for k in range(200)]
    bounds = np.cumsum([0, *sizes])
    idx.add_many([f"w{k}" for k in range(200)], [data[bounds[k] : bounds[k + 1]] for k in range(200)])
    idx.remove("w7")
    idx.update("w8", data[:2])
    asked = ["w3", "w7", "w8", "inconnu", "w199", "w0"]
    got = idx.vectors_of_many(asked)
    assert got[1] is None and got[3] is None
    for wid, vecs in zip(asked, got, strict=True):
        if vecs is not None:
            assert np.array_equal(vecs, idx.vectors_of(wid))
    assert got[2].shape == (2, 8)
    assert idx.vectors_of_many([]) == [] and idx.vectors_of_many(["inconnu"]) == [None]
