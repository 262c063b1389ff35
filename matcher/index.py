"""FAISS index of workshop texts (each service sentence and the description), with a manifest.

Exact inner product (vectors are L2-normalised, so it is cosine) up to ``exact_max_rows`` rows;
an inverted file (IVF, ``ivf_nprobe`` lists searched) beyond, where an exact scan costs more than
the encoding of the need (``eval/bench.py`` reports its recall against the exact search); HNSW
on request. A build is written in a new folder beside the previous one and published
by atomically replacing the ``current`` symbolic link. One workshop can be added, updated or
removed without a rebuild.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from .catalogue import Workshop

Progress = Callable[[str, float], None]
INDEX_FORMAT = 2
LARGE_ADD = 20_000  # rows from which an add (or an IVF training) runs on every core

# FAISS's OpenMP threads keep spinning after each call and take the cores that torch needs for
# the next encoding (the encoding after a search ran ~20 % slower); a one-query search gains
# nothing from them. Searches run on one thread (the setting is per calling thread: each search
# sets it); training and large adds on every core.
faiss.omp_set_num_threads(1)


@contextmanager
def _every_core() -> Iterator[None]:
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    try:
        yield
    finally:
        faiss.omp_set_num_threads(1)


@dataclass(frozen=True)
class Row:
    """One indexed text: which workshop, which text (``-1`` = the description)."""

    workshop_id: str
    text_index: int


@dataclass
class Manifest:
    model_id: str
    catalogue_digest: str
    taxonomy_digest: str
    kind: str
    dim: int
    format: int = INDEX_FORMAT
    created: float = field(default_factory=time.time)
    n_rows: int = 0
    n_workshops: int = 0

    def key(self) -> tuple:
        return (self.format, self.model_id, self.catalogue_digest, self.taxonomy_digest, self.kind, self.dim)


class VectorIndex:
    """Vectors of workshop texts in FAISS, mapped back to (workshop, text)."""

    def __init__(self, dim: int, kind: str = "flat", hnsw_m: int = 32, ivf_nlist: int = 0, ivf_nprobe: int = 64):
        if kind not in ("flat", "hnsw", "ivf"):
            raise ValueError(f"unknown index kind: {kind}")
        self.dim = dim
        self.kind = kind
        self.ivf_nlist = ivf_nlist  # 0: about 4 √rows, chosen at the first (training) add
        self.ivf_nprobe = ivf_nprobe
        self.hnsw_ef = 128
        if kind == "hnsw":
            base = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            base.hnsw.efSearch = self.hnsw_ef
            base.hnsw.efConstruction = 80
            self.index = faiss.IndexIDMap2(base)
        elif kind == "ivf":
            self.index = None  # built at the first add, trained on its vectors
        else:
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        self.rows: dict[int, Row] = {}
        self.by_workshop: dict[str, list[int]] = {}
        self.deleted: set[int] = set()  # HNSW and IVF do not remove: deleted ids are filtered out
        self.next_id = 0
        self._lock = threading.RLock()

    def _train_ivf(self, mat: np.ndarray) -> None:
        """The inverted file, its centroids trained (k-means, fixed seed) on a sample of ``mat``."""
        n = len(mat)
        nlist = self.ivf_nlist or int(4 * np.sqrt(max(n, 1)))
        nlist = max(1, min(nlist, n // 39 or 1))  # FAISS wants about 39 points per centroid
        quantizer = faiss.IndexFlatIP(self.dim)
        base = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = mat
        if n > 40 * nlist:
            sample = mat[np.random.default_rng(0).choice(n, 40 * nlist, replace=False)]
        with _every_core():
            base.train(np.ascontiguousarray(sample, dtype=np.float32))
        base.make_direct_map()  # reconstruct() of one workshop's vectors
        base.nprobe = min(self.ivf_nprobe, nlist)
        self.index = faiss.IndexIDMap2(base)  # the Python wrappers keep base and quantizer alive

    def tune(self, ivf_nprobe: int | None = None, hnsw_ef: int | None = None) -> None:
        """Search-time settings (not stored in the index file)."""
        with self._lock:
            if ivf_nprobe is not None:
                self.ivf_nprobe = ivf_nprobe
                if self.kind == "ivf" and self.index is not None:
                    ivf = faiss.extract_index_ivf(self.index)
                    ivf.nprobe = min(ivf_nprobe, ivf.nlist)
            if hnsw_ef is not None:
                self.hnsw_ef = hnsw_ef

    # --- building -----------------------------------------------------------
    def add(self, workshop_id: str, vectors: np.ndarray) -> None:
        """Add the rows of one workshop: services in order, description last."""
        with self._lock:
            if workshop_id in self.by_workshop:
                raise ValueError(f"workshop already indexed: {workshop_id}")
            self._add_many([workshop_id], [vectors])

    def add_many(self, workshop_ids: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        with self._lock:
            self._add_many(workshop_ids, vectors)

    def _add_many(self, workshop_ids: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        if not workshop_ids:
            return
        ids: list[int] = []
        for wid, vecs in zip(workshop_ids, vectors, strict=True):
            n = len(vecs)
            own = list(range(self.next_id, self.next_id + n))
            self.next_id += n
            for k, vid in enumerate(own):
                self.rows[vid] = Row(wid, k if k < n - 1 else -1)
            self.by_workshop[wid] = own
            ids.extend(own)
        mat = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32)
        if self.index is None:
            self._train_ivf(mat)
        with _every_core() if len(mat) >= LARGE_ADD else nullcontext():
            self.index.add_with_ids(mat, np.asarray(ids, dtype=np.int64))

    def remove(self, workshop_id: str) -> bool:
        with self._lock:
            ids = self.by_workshop.pop(workshop_id, None)
            if ids is None:
                return False
            for vid in ids:
                self.rows.pop(vid, None)
            if self.kind in ("hnsw", "ivf"):
                self.deleted.update(ids)
            else:
                self.index.remove_ids(np.asarray(ids, dtype=np.int64))
            return True

    def update(self, workshop_id: str, vectors: np.ndarray) -> None:
        """Replace one workshop's rows (atomic for readers: both steps under the lock)."""
        with self._lock:
            self.remove(workshop_id)
            self._add_many([workshop_id], [vectors])

    # --- querying -----------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return len(self.rows)

    def search(self, query: np.ndarray, k: int) -> list[tuple[Row, float]]:
        """The ``k`` closest rows to one query vector, best first."""
        with self._lock:
            ids, sims = self.search_arrays(query, k)
            return [(self.rows[int(i)], float(s)) for i, s in zip(ids, sims, strict=True)]

    def search_arrays(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`search`, as (vector ids, similarities) arrays: no Python object per hit."""
        with self._lock:
            total = 0 if self.index is None else self.index.ntotal
            if total == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            want = min(total, k + len(self.deleted))
            faiss.omp_set_num_threads(1)  # per calling thread: a new thread starts with every core
            if self.kind == "hnsw":  # a beam narrower than k would return fewer than k rows
                faiss.downcast_index(self.index.index).hnsw.efSearch = max(self.hnsw_ef, want)
            sims, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), want)
            ids, sims = ids[0], sims[0]
            keep = ids >= 0
            if self.deleted:
                keep &= ~np.isin(ids, np.fromiter(self.deleted, dtype=np.int64))
            return ids[keep][:k], sims[keep][:k]

    def row_table(self, position: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """Arrays indexed by vector id: workshop position (``-1`` if unknown) and text index."""
        with self._lock:
            pos = np.full(self.next_id, -1, dtype=np.int64)
            text = np.zeros(self.next_id, dtype=np.int64)
            for vid, row in self.rows.items():
                pos[vid] = position.get(row.workshop_id, -1)
                text[vid] = row.text_index
            return pos, text

    def vectors_of(self, workshop_id: str) -> np.ndarray:
        with self._lock:
            ids = self.by_workshop[workshop_id]
            return self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64))

    # --- persistence --------------------------------------------------------
    def save(self, folder: Path, manifest: Manifest) -> Path:
        """Write a new build beside the old ones and publish it atomically as ``current``."""
        folder = Path(folder)
        builds = folder / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        with self._lock:
            build = builds / f"{int(time.time())}-{uuid.uuid4().hex[:8]}"
            tmp = build.with_name(build.name + ".tmp")
            tmp.mkdir()
            if self.index is None:  # an IVF that never received a vector
                raise ValueError("empty IVF index: nothing to save")
            faiss.write_index(self.index, str(tmp / "index.faiss"))
            meta = {
                "rows": [[vid, r.workshop_id, r.text_index] for vid, r in self.rows.items()],
                "deleted": sorted(self.deleted),
                "next_id": self.next_id,
                "kind": self.kind,
                "dim": self.dim,
            }
            (tmp / "rows.json").write_text(json.dumps(meta), encoding="utf-8")
            manifest.n_rows, manifest.n_workshops = self.n_rows, len(self.by_workshop)
            (tmp / "manifest.json").write_text(json.dumps(manifest.__dict__, indent=2), encoding="utf-8")
            os.replace(tmp, build)
        link = folder / "current"
        tmp_link = folder / f".current-{uuid.uuid4().hex[:8]}"
        os.symlink(Path("builds") / build.name, tmp_link)
        os.replace(tmp_link, link)
        for old in builds.iterdir():  # keep the published build only
            if old.name != build.name:
                shutil.rmtree(old, ignore_errors=True)
        return build

    @classmethod
    def load(cls, folder: Path) -> tuple[VectorIndex, Manifest]:
        current = Path(folder) / "current"
        manifest = Manifest(**json.loads((current / "manifest.json").read_text(encoding="utf-8")))
        meta = json.loads((current / "rows.json").read_text(encoding="utf-8"))
        self = cls(meta["dim"], meta["kind"])
        self.index = faiss.read_index(str(current / "index.faiss"))
        for vid, wid, ti in meta["rows"]:
            self.rows[vid] = Row(wid, ti)
            self.by_workshop.setdefault(wid, []).append(vid)
        for ids in self.by_workshop.values():
            ids.sort()
        self.deleted = set(meta["deleted"])
        self.next_id = meta["next_id"]
        return self, manifest


def read_manifest(folder: Path) -> Manifest | None:
    path = Path(folder) / "current" / "manifest.json"
    try:
        return Manifest(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def build_index(
    workshops: Sequence[Workshop],
    encode: Callable[[list[str]], np.ndarray],
    dim: int,
    kind: str = "flat",
    hnsw_m: int = 32,
    progress: Progress | None = None,
    ivf_nlist: int = 0,
    ivf_nprobe: int = 64,
) -> VectorIndex:
    """Embed every workshop's texts in large batches and add them in one go."""
    texts: list[str] = []
    bounds: list[tuple[int, int]] = []
    for w in workshops:
        t = w.texts()
        bounds.append((len(texts), len(texts) + len(t)))
        texts.extend(t)
    vecs = encode(texts)
    index = VectorIndex(dim, kind, hnsw_m, ivf_nlist, ivf_nprobe)
    index.add_many([w.id for w in workshops], [vecs[a:b] for a, b in bounds])
    if progress:
        progress("Index construit", 1.0)
    return index
