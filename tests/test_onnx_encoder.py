"""The ONNX Runtime encoder against the torch sentence-transformers one (real model)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from matcher import onnx_encoder as ox
from matcher.encoder import prepare_model
from matcher.errors import ModelUnavailable
from matcher.settings import Settings

REPO = Path(__file__).resolve().parents[1]

TEXTS = [
    "",
    "découpe laser de contreplaqué 5 mm",
    "Découpe laser de contreplaqué, 5 mm, pour 40 présentoirs",
    "impression 3D résine 🚀 pour un prototype",
    "gravure de notre logo sur des plaques en plexiglas ✨",
    "usinage CNC d'une pièce en aluminium à ±0,1 mm",
    "broderie numérique de logos sur 200 tee-shirts",
    "soudure TIG d'un châssis en acier inoxydable",
    "thermoformage de coques en PETG",
    "fraisage numerique de panneaux de bois sans accents",
    "on cherche qqn pour réparer une machine à coudre industrielle",
    "We need laser cutting of acrylic sheets near Lyon",
    "sérigraphie sur textile, 3 couleurs, 150 pièces",
    "Œuvre d'art en céramique : cuisson au four électrique à 1 280 °C",
    "électronique : soudure de composants CMS sur un PCB",
    "tournage bois d'une rampe d'escalier",
    "couture d'ameublement : rideaux et coussins",
    "scan 3D d'une pièce ancienne pour la reproduire",
    "découpe vinyle d'autocollants 🎨🎨🎨",
    "Notre menuiserie fabrique des meubles sur mesure. " * 60,  # ~3 000 characters, > 512 tokens
]
SERVICES = [
    "gravure et découpe laser CO2 sur bois, contreplaqué et PMMA",
    "impression 3D FDM et résine",
    "broderie numérique sur textile",
    "usinage CNC métal : fraisage et tournage",
    "tenue de la comptabilité et déclarations fiscales",
]


def cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sum(a * b, axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))


@pytest.fixture(scope="module")
def prepared(settings) -> Settings:
    """The real settings, with the converted model and both ONNX exports (idempotent)."""
    prepare_model(settings)
    for quantize in (False, True):
        ox.ensure_onnx(settings, quantize=quantize)
    return settings


@pytest.fixture(scope="module")
def onnx_encoders(prepared) -> dict[str, ox.OnnxEncoder]:
    return {"fp32": ox.load_onnx_encoder(prepared, quantize=False, cache=False),
            "int8": ox.load_onnx_encoder(prepared, quantize=True, cache=False)}


@pytest.fixture(scope="module")
def vectors(torch_encoder, onnx_encoders) -> dict[str, np.ndarray]:
    """Vectors of TEXTS (with the query prefix) from torch, ONNX float32 and ONNX int8."""
    prefixed = [torch_encoder.prefixes["query"] + t for t in TEXTS]
    out = {name: e.raw_encode(prefixed) for name, e in onnx_encoders.items()}
    out["torch"] = torch_encoder.raw_encode(prefixed)
    return out


def test_long_text_is_truncated_at_512_tokens(onnx_encoders):
    tok = onnx_encoders["fp32"].tokenizer
    assert len(tok.encode(TEXTS[-1]).ids) == ox.MAX_TOKENS
    assert len(tok.encode("query: " + TEXTS[-1]).ids) == ox.MAX_TOKENS


def test_shapes_norms_and_ids(vectors, torch_encoder, onnx_encoders):
    for name, e in onnx_encoders.items():
        v = vectors[name]
        assert v.shape == (len(TEXTS), 384) and v.dtype == np.float32
        assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
        assert e.dim == 384 and e.model_id.startswith(torch_encoder.model_id + "+onnx")
    ids = {torch_encoder.model_id, *(e.model_id for e in onnx_encoders.values())}
    assert len(ids) == 3, "each backend has its own embedding cache and index"


@pytest.mark.parametrize(("name", "reference", "floor"), [
    ("fp32", "torch", 0.9999),
    ("int8", "fp32", 0.98),
])
def test_vectors_match_reference(vectors, name, reference, floor):
    cos = cosines(vectors[name], vectors[reference])
    worst = int(np.argmin(cos))
    assert cos.min() >= floor, f"{TEXTS[worst][:40]!r}: cosine {cos.min():.5f}"


@pytest.mark.parametrize("backend", ["torch", "fp32", "int8"])
def test_french_retrieval_ranking_agrees(torch_encoder, onnx_encoders, backend):
    """The laser service is nearest; every pair of services that torch separates by more than
    0.005 of cosine keeps its order (torch puts « broderie » and « usinage » 0.002 apart)."""
    def sims(enc) -> np.ndarray:
        q = enc.encode(["découpe laser de contreplaqué"], kind="query")[0]
        return enc.encode(SERVICES, kind="passage", use_cache=False) @ q

    got, ref = sims(torch_encoder if backend == "torch" else onnx_encoders[backend]), sims(torch_encoder)
    assert int(np.argmax(got)) == 0 and got[0] > np.delete(got, 0).max() + 0.03
    for i in range(len(SERVICES)):
        for j in range(len(SERVICES)):
            if ref[i] > ref[j] + 0.005:
                assert got[i] > got[j], f"{SERVICES[i]!r} / {SERVICES[j]!r}"


def test_batch_equals_one_by_one(onnx_encoders):
    """float32: identical. int8: activations are quantised per call with one scale over the
    whole padded batch, so a text's vector depends a little on its batch neighbours."""
    texts = ["query: " + t for t in TEXTS]
    batch = {k: e.raw_encode(texts) for k, e in onnx_encoders.items()}
    single = {k: np.vstack([e.raw_encode([t]) for t in texts]) for k, e in onnx_encoders.items()}
    assert np.abs(batch["fp32"] - single["fp32"]).max() <= 1e-5
    assert cosines(batch["int8"], single["int8"]).min() >= 0.99


def test_no_torch_at_run_time(prepared):
    code = (
        "import sys\n"
        "from matcher.onnx_encoder import load_onnx_encoder\n"
        "from matcher.settings import get_settings\n"
        "for q in (False, True):\n"
        "    v = load_onnx_encoder(get_settings(), quantize=q).encode(['découpe laser'], kind='query')\n"
        "    assert v.shape == (1, 384)\n"
        "print(sorted(m for m in ('torch', 'transformers', 'sentence_transformers') if m in sys.modules))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "AFN_CACHE_DIR": str(prepared.cache_dir)})
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip().splitlines()[-1] == "[]"


def _fake_export(tmp_path: Path, prepared: Settings) -> Settings:
    """Settings whose ONNX folder is a copy of the real int8 export (model linked, not copied)."""
    settings = Settings(cache_dir=tmp_path, model_dir=prepared.resolved_model_dir)
    real, fake = ox.onnx_dir(prepared, True), ox.onnx_dir(settings, True)
    fake.mkdir(parents=True)
    for name in (ox.MODEL_FILE, ox.DATA_FILE, ox.TOKENIZER_FILE):
        (fake / name).symlink_to(real / name)
    shutil.copyfile(real / ox.MARKER_NAME, fake / ox.MARKER_NAME)
    return settings


@pytest.mark.parametrize(("change", "exported"), [
    ({}, False),
    ({"source_sha256": "0" * 64}, True),
    ({"export_version": ox.EXPORT_VERSION - 1}, True),
    ({"int8": False}, True),
    ({"model.onnx": None}, True),
    ({"model.onnx.data": None}, True),
    ({"afn_onnx.json": None}, True),
])
def test_export_only_when_stale(prepared, tmp_path, monkeypatch, change, exported):
    settings = _fake_export(tmp_path, prepared)
    folder = ox.onnx_dir(settings, True)
    marker = json.loads((folder / ox.MARKER_NAME).read_text())
    (folder / ox.MARKER_NAME).write_text(json.dumps({**marker, **{k: v for k, v in change.items() if "." not in k}}))
    for name in (k for k in change if "." in k):
        (folder / name).unlink()
    calls: list[tuple] = []
    monkeypatch.setattr(ox, "export_onnx", lambda *args, **kw: calls.append(args))
    assert ox.ensure_onnx(settings, quantize=True) == folder
    assert calls == ([(prepared.resolved_model_dir, folder, True)] if exported else [])


@pytest.mark.parametrize("damage", ["missing", "garbage", "truncated", "weights missing"])
def test_damaged_model_is_unavailable_in_french(prepared, tmp_path, damage):
    settings = _fake_export(tmp_path, prepared)
    folder = ox.onnx_dir(settings, True)
    target = folder / (ox.DATA_FILE if damage == "weights missing" else ox.MODEL_FILE)
    real = target.resolve()
    target.unlink()
    if damage == "garbage":
        target.write_bytes(b"ceci n'est pas un modele ONNX" * 100)
    elif damage == "truncated":
        target.write_bytes(real.read_bytes()[: real.stat().st_size // 2])
    with pytest.raises(ModelUnavailable, match=r"Impossible de charger le modèle ONNX.*afn-match prepare"):
        ox.OnnxEncoder(folder, "x", settings)
    if damage in ("missing", "weights missing"):
        with pytest.raises(ModelUnavailable, match=r"n'est pas encore préparé.*afn-match prepare"):
            ox.load_onnx_encoder(settings, quantize=True)


def test_stale_export_is_not_loaded(prepared, tmp_path):
    settings = _fake_export(tmp_path, prepared)
    marker = ox.onnx_dir(settings, True) / ox.MARKER_NAME
    marker.write_text(json.dumps({**json.loads(marker.read_text()), "source_sha256": "1" * 64}))
    with pytest.raises(ModelUnavailable, match=r"n'est pas encore préparé.*afn-match prepare"):
        ox.load_onnx_encoder(settings, quantize=True)


def _tiny_export(model_dir: Path, path: Path) -> str:
    """Stand-in for the torch export: a 6 kB graph with the real inputs and output."""
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.full((4, 384), 0.5, dtype=np.float32), "w")
    ints = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
            for n in ("input_ids", "attention_mask")]
    graph = helper.make_graph(
        [helper.make_node("Gather", ["w", "input_ids"], ["g"]),
         helper.make_node("ReduceMean", ["g"], ["sentence_embedding"], axes=[1], keepdims=0)],
        "tiny", ints, [helper.make_tensor_value_info("sentence_embedding", TensorProto.FLOAT, ["batch", 384])],
        [weights])
    model = helper.make_model(graph, ir_version=8, opset_imports=[helper.make_opsetid("", 17)])
    path.write_bytes(model.SerializeToString())
    return "tiny"


def _failing_export(model_dir: Path, path: Path) -> str:
    path.write_bytes(b"partial")
    raise RuntimeError("export interrompu")


@pytest.mark.parametrize("exporter", [_tiny_export, _failing_export])
def test_export_replaces_the_folder_atomically(prepared, tmp_path, monkeypatch, exporter):
    monkeypatch.setattr(ox, "_export_fp32", exporter)
    out = tmp_path / "onnx" / "modele-fp32"
    out.mkdir(parents=True)
    (out / "ancien.txt").write_text("export précédent")
    steps: list[float] = []
    if exporter is _failing_export:
        with pytest.raises(RuntimeError):
            ox.export_onnx(prepared.resolved_model_dir, out, False, progress=lambda _label, f: steps.append(f))
        assert [p.name for p in out.iterdir()] == ["ancien.txt"], "a failed export leaves the old folder"
    else:
        assert ox.export_onnx(prepared.resolved_model_dir, out, False,
                              progress=lambda _label, f: steps.append(f)) == out
        assert sorted(p.name for p in out.iterdir()) == sorted(
            [ox.DATA_FILE, ox.MARKER_NAME, ox.MODEL_FILE, ox.TOKENIZER_FILE])
        assert ox.is_exported(out, prepared.resolved_model_dir, False)
        assert not ox.is_exported(out, prepared.resolved_model_dir, True)
        assert json.loads((out / ox.MARKER_NAME).read_text())["exporter"] == "tiny"
        assert steps == sorted(steps) and steps[-1] == 1.0
        ids = np.array([[0, 3]], dtype=np.int64)
        vec = ox._session(out / ox.MODEL_FILE).run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
        assert vec.shape == (1, 384) and np.allclose(vec, 0.5), "weights read back from model.onnx.data"
    assert [p.name for p in out.parent.iterdir()] == ["modele-fp32"], "no temporary folder left behind"
