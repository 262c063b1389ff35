"""ONNX Runtime encoder: the converted e5 model exported once to ONNX, run without torch.

:func:`export_onnx` (the only part that needs torch) exports the converted BERT with its mean
pooling and L2 normalisation inside the graph (inputs ``input_ids``, ``attention_mask`` with
dynamic batch and sequence axes; output ``sentence_embedding``), optionally quantised to int8
(``onnxruntime.quantization.quantize_dynamic``, per-channel weights). :func:`ensure_onnx`
exports only when the folder under ``<cache_dir>/onnx/`` is missing or stale.

:class:`OnnxEncoder` is a :class:`~matcher.encoder.SentenceEncoder` whose model is an
``onnxruntime.InferenceSession`` and whose tokenizer is the ``tokenizers`` fast tokenizer of
the model folder: same prefixes, same embedding cache logic, one dedicated runner thread.
Importing this module and encoding never import torch, transformers or sentence_transformers.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from .encoder import Progress, SentenceEncoder, model_location
from .errors import ModelUnavailable
from .model_convert import _lock, _sha256, _umask, publish_folder
from .model_convert import _read_marker as _read_folder_marker
from .settings import Settings

__all__ = [
    "DATA_FILE",
    "EXPORT_VERSION",
    "MARKER_NAME",
    "OnnxEncoder",
    "ensure_onnx",
    "export_onnx",
    "is_exported",
    "load_onnx_encoder",
    "onnx_dir",
    "wants_int8",
]

#: Bumped whenever the exported folder changes; an older export is then redone.
EXPORT_VERSION = 2
#: Marker written last into an export folder (JSON).
MARKER_NAME = "afn_onnx.json"
MODEL_FILE = "model.onnx"
#: Weights beside the graph: onnxruntime memory-maps them, so a process only keeps the pages it
#: reads (an fp32 session costs ~90 Mo instead of ~780 Mo with the weights inside model.onnx)
DATA_FILE = "model.onnx.data"
TOKENIZER_FILE = "tokenizer.json"
MAX_TOKENS = 512
PAD_ID = 1  # XLM-R <pad>
#: int8 variants tried in this order; the first whose vectors keep a cosine ≥ MIN_INT8_COSINE with
#: the float32 export on the probe texts is kept (figures in the module's report, eval/bench_encoder.py)
INT8_VARIANTS: tuple[dict[str, Any], ...] = (
    {"op_types_to_quantize": ["MatMul", "Gather"], "per_channel": True},  # 119 Mo, embeddings int8 too
    {"op_types_to_quantize": ["MatMul"], "per_channel": True},  # 407 Mo, embeddings kept float32
    {"op_types_to_quantize": ["MatMul", "Gather"], "per_channel": False},
)
MIN_INT8_COSINE = 0.98
PROBE_TEXTS = (
    "query: découpe laser de contreplaqué 5 mm pour des présentoirs",
    "query: impression 3D de pièces en résine pour un prototype",
    "query: usinage CNC d'une pièce en aluminium, tolérance au dixième",
    "query: broderie numérique de logos sur 200 tee-shirts",
    "query: soudure et assemblage d'un châssis en acier",
    "query: gravure de notre logo sur des plaques en plexiglas",
    "query: " + "Nous sommes une PME de menuiserie qui cherche un atelier équipé. " * 12,
    "query: ",
)


# --- files and freshness ----------------------------------------------------------------
def onnx_dir(settings: Settings, quantize: bool) -> Path:
    """Folder of the export of the configured model (``<cache_dir>/onnx/<model>-fp32|int8``)."""
    folder = Path(model_location(settings)[0])
    return settings.cache_dir / "onnx" / f"{folder.name}-{'int8' if quantize else 'fp32'}"


def _source_sha(model_dir: Path) -> str:
    """Identity of the source model: the conversion marker's sha, else the weights' sha256."""
    try:
        return str(json.loads((model_dir / "afn_conversion.json").read_text(encoding="utf-8"))["source_sha256"])
    except (OSError, ValueError, KeyError):
        pass
    return _sha256(model_dir / "model.safetensors")


def _read_marker(out_dir: Path) -> dict[str, Any] | None:
    return _read_folder_marker(out_dir, MARKER_NAME)


def is_exported(out_dir: Path, model_dir: Path, quantize: bool) -> bool:
    """True when ``out_dir`` holds an export of ``model_dir`` by this exporter version."""
    marker = _read_marker(out_dir)
    if marker is None or marker.get("export_version") != EXPORT_VERSION or marker.get("int8") != quantize:
        return False
    if not all((Path(out_dir) / f).is_file() for f in (MODEL_FILE, DATA_FILE, TOKENIZER_FILE)):
        return False
    try:
        return marker.get("source_sha256") == _source_sha(Path(model_dir))
    except OSError:
        return False


# --- inference helpers (numpy and onnxruntime only) -----------------------------------
def _session(path: Path) -> Any:
    import onnxruntime as ort

    opts = ort.SessionOptions()
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    opts.intra_op_num_threads = cores
    opts.inter_op_num_threads = 1
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def _tokenizer(path: Path) -> Any:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_length=MAX_TOKENS)
    tok.no_padding()
    return tok


def _embed(session: Any, tokenizer: Any, texts: Sequence[str], batch_size: int) -> np.ndarray:
    """L2-normalised sentence embeddings of ``texts`` (sorted by length, padded per batch)."""
    ids = [e.ids for e in tokenizer.encode_batch(list(texts), add_special_tokens=True)]
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    dim = int(session.get_outputs()[0].shape[-1])
    out = np.zeros((len(ids), dim), dtype=np.float32)
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        width = max(len(ids[i]) for i in rows)
        input_ids = np.full((len(rows), width), PAD_ID, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        for r, i in enumerate(rows):
            input_ids[r, : len(ids[i])] = ids[i]
            mask[r, : len(ids[i])] = 1
        out[rows] = session.run(None, {"input_ids": input_ids, "attention_mask": mask})[0]
    return out


# --- export (torch needed here only) ------------------------------------------------------
def _export_fp32(model_dir: Path, path: Path) -> str:
    """Export BERT + mean pooling + L2 normalisation; returns the exporter used."""
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()

    class Embedder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=torch.zeros_like(input_ids)).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    sample = (torch.tensor([[0, 1360, 12, 2], [0, 1360, 2, PAD_ID]]), torch.tensor([[1, 1, 1, 1], [1, 1, 1, 0]]))
    names = {"input_names": ["input_ids", "attention_mask"], "output_names": ["sentence_embedding"]}
    axes = {0: "batch", 1: "sequence"}
    with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        try:  # the dynamo exporter (needs onnxscript) traces transformers' masks correctly
            torch.onnx.export(Embedder(), sample, str(path), dynamo=True, external_data=False, opset_version=18,
                              dynamic_shapes={"input_ids": axes, "attention_mask": axes}, **names)
            return f"torch.onnx dynamo (torch {torch.__version__})"
        except Exception:  # fall back to the TorchScript exporter
            torch.onnx.export(Embedder(), sample, str(path), dynamo=False, opset_version=17,
                              dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                            "sentence_embedding": {0: "batch"}}, **names)
            return f"torch.onnx torchscript (torch {torch.__version__})"


def _quantize(fp32: Path, out: Path, tokenizer: Any) -> dict[str, Any]:
    """Quantise ``fp32`` into ``out``: first variant of :data:`INT8_VARIANTS` meeting the cosine bar."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    reference = _embed(_session(fp32), tokenizer, PROBE_TEXTS, len(PROBE_TEXTS))
    tried: list[dict[str, Any]] = []
    for n, variant in enumerate(INT8_VARIANTS):
        candidate = out.with_name(f"int8-{n}.onnx")
        logging.disable(logging.WARNING)  # its advice to pre-process the model, printed on the root logger
        try:
            quantize_dynamic(fp32, candidate, weight_type=QuantType.QInt8, **variant)
        finally:
            logging.disable(logging.NOTSET)
        vecs = _embed(_session(candidate), tokenizer, PROBE_TEXTS, len(PROBE_TEXTS))
        cos = float(np.min(np.sum(vecs * reference, axis=1)))
        tried.append({**variant, "min_cosine": round(cos, 5), "bytes": candidate.stat().st_size})
        if cos >= MIN_INT8_COSINE:
            break
    kept = max(range(len(tried)), key=lambda n: tried[n]["min_cosine"])
    out.with_name(f"int8-{kept}.onnx").rename(out)
    for n in range(len(tried)):
        out.with_name(f"int8-{n}.onnx").unlink(missing_ok=True)
    return {"variants_tried": tried, "kept": tried[kept]}


def _externalize(path: Path) -> None:
    """Rewrite ``path`` with every initializer above 1 kB in :data:`DATA_FILE` beside it."""
    import onnx

    model = onnx.load(str(path))
    onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                    location=DATA_FILE, size_threshold=1024)


def export_onnx(model_dir: Path, out_dir: Path, quantize: bool, progress: Progress | None = None) -> Path:
    """Export the sentence-transformers folder ``model_dir`` to ``out_dir`` (replaced if present).

    Built in a temporary sibling folder, marker written last, then renamed onto ``out_dir``.
    About 20 s (float32) or 30 s (int8) on 2 cores. Returns ``out_dir``."""
    t0 = time.monotonic()
    model_dir, out_dir = Path(model_dir).expanduser(), Path(out_dir).expanduser()

    def report(label: str, fraction: float) -> None:
        if progress is not None:
            progress(label, fraction)

    sha = _source_sha(model_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    try:
        shutil.copyfile(model_dir / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
        report("Export ONNX du modèle", 0.05)
        fp32 = tmp / ("fp32.onnx" if quantize else MODEL_FILE)
        marker: dict[str, Any] = {"export_version": EXPORT_VERSION, "int8": quantize, "source": str(model_dir),
                                  "source_sha256": sha, "exporter": _export_fp32(model_dir, fp32)}
        if quantize:
            report("Quantification int8", 0.6)
            marker["quantization"] = _quantize(fp32, tmp / MODEL_FILE, _tokenizer(tmp / TOKENIZER_FILE))
            fp32.unlink()
        report("Écriture des poids", 0.9)
        _externalize(tmp / MODEL_FILE)
        marker["model_bytes"] = sum((tmp / f).stat().st_size for f in (MODEL_FILE, DATA_FILE))
        marker["exported_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        marker["seconds"] = round(time.monotonic() - t0, 2)
        (tmp / MARKER_NAME).write_text(json.dumps(marker, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        report("Installation du modèle ONNX", 0.97)
        mode = 0o666 & ~_umask()
        for path in tmp.iterdir():
            path.chmod(mode)
        tmp.chmod(mode | 0o111)
        publish_folder(tmp, out_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    report("Modèle ONNX prêt", 1.0)
    return out_dir


def wants_int8(settings: Settings) -> bool:
    """Whether the configured backend is the int8 ONNX one (``AFN_ENCODER_BACKEND=onnx-int8``)."""
    return getattr(settings, "encoder_backend", "onnx") == "onnx-int8"


def ensure_onnx(settings: Settings, progress: Progress | None = None, quantize: bool | None = None) -> Path:
    """Export the configured (converted) model unless a fresh export is there; return its folder.

    ``quantize`` defaults to the configured backend. Concurrent callers are serialised by a
    lock file next to the folder."""
    quantize = wants_int8(settings) if quantize is None else quantize
    model_dir = Path(model_location(settings)[0])
    if not (model_dir / "config.json").is_file():
        raise ModelUnavailable(f"Modèle introuvable dans {model_dir} : lancez d'abord « afn-match prepare ».")
    out_dir = onnx_dir(settings, quantize)
    if is_exported(out_dir, model_dir, quantize):
        return out_dir
    with _lock(out_dir.parent / f".{out_dir.name}.lock"):
        if not is_exported(out_dir, model_dir, quantize):  # another process may have finished meanwhile
            export_onnx(model_dir, out_dir, quantize, progress=progress)
    return out_dir


# --- the encoder --------------------------------------------------------------------------
class OnnxEncoder(SentenceEncoder):
    """:class:`SentenceEncoder` (prefixes, cache, ``encode``) running an ONNX export."""

    def __init__(self, folder: Path, model_id: str, settings: Settings, cache: bool = True):
        folder = Path(folder)
        try:
            self.tokenizer = _tokenizer(folder / TOKENIZER_FILE)
            self.session = _session(folder / MODEL_FILE)
            dim = int(self.session.get_outputs()[0].shape[-1])
        except Exception as exc:  # any loading failure becomes one clear French message
            raise ModelUnavailable(
                f"Impossible de charger le modèle ONNX « {folder} » : {exc}. "
                "Lancez « afn-match prepare » pour l'exporter de nouveau."
            ) from exc
        self._setup(model_id, dim, settings, cache)

    def raw_encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Encode already-prefixed texts with the ONNX model, no cache."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._runner.submit(_embed, self.session, self.tokenizer, list(texts), self.batch_size).result()


def load_onnx_encoder(settings: Settings, quantize: bool | None = None, cache: bool = True) -> OnnxEncoder:
    """The ONNX encoder of the configured model; :class:`ModelUnavailable` if not exported.

    ``quantize`` defaults to the configured backend."""
    quantize = wants_int8(settings) if quantize is None else quantize
    model_dir, base_id = model_location(settings)
    folder = onnx_dir(settings, quantize)
    if not is_exported(folder, Path(model_dir), quantize):
        raise ModelUnavailable(
            f"Le modèle ONNX n'est pas encore préparé (ou est périmé) dans {folder}. "
            "Lancez « afn-match prepare » (une seule fois, moins d'une minute)."
        )
    return OnnxEncoder(folder, f"{base_id}+onnx{'-int8' if quantize else ''}", settings, cache=cache)
