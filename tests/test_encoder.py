"""The real encoder and its on-disk embedding cache."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.encoder import EmbeddingCache, HashingEncoder, SentenceEncoder, model_location
from matcher.errors import ModelUnavailable
from matcher.settings import Settings


def test_real_encoder_shape_and_norm(encoder):
    v = encoder.encode(["Découpe laser de contreplaqué", "Broderie numérique sur textile"], kind="query")
    assert v.shape == (2, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)


def test_semantics_in_french(encoder):
    q, laser, compta = encoder.encode(
        ["graver notre logo sur des plaques en plexiglas", "gravure et découpe laser CO2 sur PMMA",
         "tenue de la comptabilité et déclarations fiscales"], kind="query")
    assert q @ laser > q @ compta + 0.03


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_cache_only_embeds_new_texts(encoder, tmp_path, backend):
    settings = Settings(cache_dir=tmp_path)
    if backend == "torch":
        enc = SentenceEncoder(model_location(Settings())[0], encoder.model_id, settings)
    else:
        from matcher.onnx_encoder import OnnxEncoder, onnx_dir

        enc = OnnxEncoder(onnx_dir(Settings(), quantize=False), encoder.model_id, settings)
    calls: list[int] = []
    real = enc.raw_encode
    enc.raw_encode = lambda texts, show_progress=False: calls.append(len(texts)) or real(texts)
    first = enc.encode(["atelier bois", "atelier métal"])
    again = enc.encode(["atelier métal", "atelier textile", "atelier bois"])
    assert calls == [2, 1]
    enc.encode(["atelier bois"], kind="query")
    enc.encode(["atelier bois"], kind="query")
    assert calls == [2, 1, 1, 1], "needs are never cached by default"
    assert np.allclose(again[0], first[1]) and np.allclose(again[2], first[0])
    enc.cache.save()
    reloaded = EmbeddingCache(tmp_path / "embeddings", encoder.model_id, 384)
    prefix = Settings().passage_prefix
    vecs, missing = reloaded.get_many([prefix + "atelier textile", prefix + "inconnu"])
    assert missing == [1] and np.allclose(vecs[0], again[1])


def test_prefixes_are_settings(encoder):
    assert encoder.prefixes == {"query": Settings().query_prefix, "passage": Settings().passage_prefix}


def test_damaged_cache_is_ignored(tmp_path):
    cache = EmbeddingCache(tmp_path, "m", 4)
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(b"not a npz")
    again = EmbeddingCache(tmp_path, "m", 4)
    assert again.get_many(["a"])[1] == [0]


def test_missing_model_is_a_french_error(tmp_path):
    with pytest.raises(ModelUnavailable) as exc:
        SentenceEncoder(str(tmp_path / "nowhere"), "x", Settings(cache_dir=tmp_path))
    assert "afn-match prepare" in exc.value.message


@pytest.mark.parametrize("text", ["laser", "Découpe laser", ""])
def test_hashing_encoder_is_deterministic(text):
    a, b = HashingEncoder(32).encode([text]), HashingEncoder(32).encode([text])
    assert np.array_equal(a, b)


def test_cache_with_repeated_texts_stays_aligned(tmp_path):
    """The same sentence in several workshops must not shift the rows of the cache."""
    enc = HashingEncoder(16)
    texts = ["a b c", "d e f", "a b c", "g h i", "d e f", "j k l"]
    vecs = enc.encode(texts)
    cache = EmbeddingCache(tmp_path, "m", 16)
    cache.put_many(texts, vecs)
    cache.put_many(["g h i", "m n o"], enc.encode(["g h i", "m n o"]))
    cache.save()
    again = EmbeddingCache(tmp_path, "m", 16)
    got, missing = again.get_many(["j k l", "m n o", "a b c", "zzz"])
    assert missing == [3] and len(again) == 5
    assert np.allclose(got[:3], enc.encode(["j k l", "m n o", "a b c"]))
