"""FAISS index of workshop texts (each service sentence and the description), with a manifest.

Exact inner product (vectors are L2-normalised, so it is cosine) up to ``exact_max_rows`` rows;
an inverted file (IVF, ``ivf_nprobe`` lists searched) beyond, where an exact scan costs more than
the encoding of the need (``eval/bench.py`` reports its recall against the exact search); HNSW
on request. A build is written in a new folder beside the previous one and published
by atomically replacing the ``current`` symbolic link. One workshop can be added, updated or
removed without a rebuild.

The IVF stores its vectors raw (``ivf_codec="flat"``, 4 bytes a dimension), quantized to one byte
a dimension (``"sq8"``: 4× smaller, similarities within about 2·10⁻³) or product-quantized
(``"pq"``: one byte for ``pq_dims`` dimensions). With a quantized IVF, the similarities returned by
a search and the vectors returned by :meth:`VectorIndex.vectors_of` are decoded approximations.

The mapping from vector id to (workshop, text) costs no Python object per vector: a workshop's
vectors get consecutive ids (services in order, description last), so an ``int32`` array of
workshop ordinals per vector id and a (first id, count) pair per workshop are enough.
"""

from __future__ import annotations

import json
import operator
import os
import shutil
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

import faiss
import numpy as np

from .catalogue import Workshop

Progress = Callable[[str, float], None]
INDEX_FORMAT = 3  # 3: rows in rows.npz + meta.json, IVF and HNSW without an id map, IVF codec
LARGE_ADD = 20_000  # rows from which an add (or an IVF training) runs on every core
IVF_CODECS = ("flat", "sq8", "pq")

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
    ivf_codec: str = "flat"  # how an IVF stores its vectors ("flat" for the other kinds)

    def __post_init__(self) -> None:
        if self.kind != "ivf":
            self.ivf_codec = "flat"

    def key(self) -> tuple:
        return (self.format, self.model_id, self.catalogue_digest, self.taxonomy_digest, self.kind, self.dim,
                self.ivf_codec)


def _grown(arr: np.ndarray, size: int, fill: int) -> np.ndarray:
    """``arr`` with room for ``size`` entries (capacity doubled: amortised O(1) appends)."""
    if arr.size >= size:
        return arr
    out = np.full(max(size, 2 * arr.size), fill, dtype=arr.dtype)
    out[: arr.size] = arr
    return out


class RowsView(Mapping):
    """Read-only ``{vector id: Row}`` view of a :class:`VectorIndex` (live: sees later edits).
    A :class:`Row` is made on each access; nothing is stored per vector."""

    __slots__ = ("_ix",)

    def __init__(self, ix: VectorIndex):
        self._ix = ix

    def __getitem__(self, vid) -> Row:
        ix = self._ix
        try:
            vid = operator.index(vid)
        except TypeError:
            raise KeyError(vid) from None
        if not 0 <= vid < ix.next_id or ix._vid_ws[vid] < 0:
            raise KeyError(vid)
        o = int(ix._vid_ws[vid])
        start, count = int(ix._start[o]), int(ix._count[o])
        return Row(ix._wids[o], -1 if vid == start + count - 1 else vid - start)

    def __contains__(self, vid) -> bool:
        try:
            self[vid]
        except KeyError:
            return False
        return True

    def __len__(self) -> int:
        return self._ix._n_rows

    def __iter__(self) -> Iterator[int]:  # ascending ids, as they were added
        return iter(np.flatnonzero(self._ix._vid_ws[: self._ix.next_id] >= 0).tolist())


class ByWorkshopView(Mapping):
    """Read-only ``{workshop id: [vector ids]}`` view (ids consecutive, description last), in the
    order the workshops were (last) added."""

    __slots__ = ("_ix",)

    def __init__(self, ix: VectorIndex):
        self._ix = ix

    def _ordinal(self, workshop_id) -> int:
        o = self._ix._ordinal.get(workshop_id)
        if o is None or self._ix._start[o] < 0:
            raise KeyError(workshop_id)
        return o

    def __getitem__(self, workshop_id) -> list[int]:
        o = self._ordinal(workshop_id)
        start = int(self._ix._start[o])
        return list(range(start, start + int(self._ix._count[o])))

    def span(self, workshop_id) -> tuple[int, int]:
        """(first vector id, number of vectors) of one workshop."""
        o = self._ordinal(workshop_id)
        return int(self._ix._start[o]), int(self._ix._count[o])

    def __contains__(self, workshop_id) -> bool:
        o = self._ix._ordinal.get(workshop_id)
        return o is not None and self._ix._start[o] >= 0

    def __len__(self) -> int:
        return self._ix._n_workshops

    def __iter__(self) -> Iterator[str]:
        ix = self._ix
        n = len(ix._wids)
        alive = np.flatnonzero(ix._start[:n] >= 0)
        order = alive[np.argsort(ix._start[alive], kind="stable")]
        return iter([ix._wids[o] for o in order.tolist()])


class VectorIndex:
    """Vectors of workshop texts in FAISS, mapped back to (workshop, text).

    ``rows`` (vector id → :class:`Row`) and ``by_workshop`` (workshop id → its vector ids) are
    read-only views over compact arrays. With ``kind`` "ivf" or "hnsw", vector ids are FAISS's
    own sequential ids (nothing is ever removed from FAISS: removed ids are filtered out at
    search); "flat" removes them from FAISS."""

    def __init__(self, dim: int, kind: str = "flat", hnsw_m: int = 32, ivf_nlist: int = 0, ivf_nprobe: int = 64,
                 ivf_codec: str = "flat", pq_dims: int = 4):
        if kind not in ("flat", "hnsw", "ivf"):
            raise ValueError(f"unknown index kind: {kind}")
        if ivf_codec not in IVF_CODECS:
            raise ValueError(f"unknown IVF codec: {ivf_codec} (one of {', '.join(IVF_CODECS)})")
        self.dim = dim
        self.kind = kind
        self.ivf_codec = ivf_codec if kind == "ivf" else "flat"
        self.pq_dims = pq_dims  # "pq": dimensions per one-byte sub-quantizer (must divide dim)
        self.ivf_nlist = ivf_nlist  # 0: about 4 √rows, chosen at the first (training) add
        self.ivf_nprobe = ivf_nprobe
        self.hnsw_ef = 128
        if kind == "hnsw":
            self.index = faiss.IndexHNSWFlat(dim, hnsw_m, faiss.METRIC_INNER_PRODUCT)
            self.index.hnsw.efSearch = self.hnsw_ef
            self.index.hnsw.efConstruction = 80
        elif kind == "ivf":
            self.index = None  # built at the first add, trained on its vectors
        else:
            self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        # The mapping, O(workshops) Python objects: per workshop ordinal its id, first vector id
        # (-1: not indexed) and vector count; per vector id its workshop ordinal (-1: removed).
        # An ordinal is kept when its workshop is removed, and reused if it comes back.
        self._wids: list[str] = []
        self._ordinal: dict[str, int] = {}
        self._start = np.zeros(0, dtype=np.int64)
        self._count = np.zeros(0, dtype=np.int32)
        self._vid_ws = np.zeros(0, dtype=np.int32)
        self._n_rows = 0
        self._n_workshops = 0
        self.deleted: set[int] = set()  # HNSW and IVF do not remove: deleted ids are filtered out
        self.next_id = 0
        self._lock = threading.RLock()

    # --- the mapping, as read-only views ---------------------------------------------
    @property
    def rows(self) -> RowsView:
        return RowsView(self)

    @rows.setter
    def rows(self, view: RowsView) -> None:
        self._adopt(view)

    @property
    def by_workshop(self) -> ByWorkshopView:
        return ByWorkshopView(self)

    @by_workshop.setter
    def by_workshop(self, view: ByWorkshopView) -> None:
        self._adopt(view)

    def _adopt(self, view) -> None:
        """Take a copy of another index's mapping (``exact.rows = other.rows``: an index over the
        same vectors with the same ids, as ``eval/bench.py`` builds one)."""
        if not isinstance(view, (RowsView, ByWorkshopView)):
            raise TypeError("rows and by_workshop are views: assign another VectorIndex's view")
        other = view._ix
        with self._lock, other._lock:
            self._wids, self._ordinal = list(other._wids), dict(other._ordinal)
            self._start, self._count, self._vid_ws = other._start.copy(), other._count.copy(), other._vid_ws.copy()
            self._n_rows, self._n_workshops, self.next_id = other._n_rows, other._n_workshops, other.next_id

    def _train_ivf(self, mat: np.ndarray) -> None:
        """The inverted file, its centroids trained (k-means, fixed seed) on a sample of ``mat``."""
        n = len(mat)
        nlist = self.ivf_nlist or int(4 * np.sqrt(max(n, 1)))
        nlist = max(1, min(nlist, n // 39 or 1))  # FAISS wants about 39 points per centroid
        quantizer = faiss.IndexFlatIP(self.dim)
        if self.ivf_codec == "sq8":
            base = faiss.IndexIVFScalarQuantizer(quantizer, self.dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                                 faiss.METRIC_INNER_PRODUCT)
        elif self.ivf_codec == "pq":
            if self.dim % self.pq_dims:
                raise ValueError(f"pq_dims={self.pq_dims} does not divide dim={self.dim}")
            base = faiss.IndexIVFPQ(quantizer, self.dim, nlist, self.dim // self.pq_dims, 8,
                                    faiss.METRIC_INNER_PRODUCT)
        else:
            base = faiss.IndexIVFFlat(quantizer, self.dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = mat
        if n > 40 * nlist:
            sample = mat[np.random.default_rng(0).choice(n, 40 * nlist, replace=False)]
        with _every_core():
            base.train(np.ascontiguousarray(sample, dtype=np.float32))
        base.make_direct_map()  # reconstruct() of one workshop's vectors (ids are sequential)
        base.nprobe = min(self.ivf_nprobe, nlist)
        self.index = base  # the Python wrapper keeps the quantizer alive

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
            self._add_many([workshop_id], [vectors])

    def add_many(self, workshop_ids: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        with self._lock:
            self._add_many(workshop_ids, vectors)

    def _add_many(self, workshop_ids: Sequence[str], vectors: Sequence[np.ndarray]) -> None:
        if len(workshop_ids) != len(vectors):
            raise ValueError("one array of vectors per workshop")
        if not len(workshop_ids):
            return
        seen: set[str] = set()
        indexed = self.by_workshop
        for wid in workshop_ids:
            if wid in seen or wid in indexed:
                raise ValueError(f"workshop already indexed: {wid}")
            seen.add(wid)
        counts = np.fromiter((len(v) for v in vectors), dtype=np.int64, count=len(vectors))
        mat = np.ascontiguousarray(np.vstack(vectors), dtype=np.float32)
        if mat.ndim != 2 or mat.shape[1] != self.dim or len(mat) != counts.sum():
            raise ValueError(f"vectors of {self.dim} dimensions expected, got an array of shape {mat.shape}")
        first, total = self.next_id, int(counts.sum())
        if self.index is None:
            self._train_ivf(mat)
        with _every_core() if total >= LARGE_ADD else nullcontext():
            if self.kind == "flat":
                self.index.add_with_ids(mat, np.arange(first, first + total, dtype=np.int64))
            else:  # FAISS numbers the vectors itself, from its count: the same as ours
                if self.index.ntotal != first:
                    raise RuntimeError(f"index holds {self.index.ntotal} vectors, {first} expected")
                self.index.add(mat)
        ords = np.empty(len(workshop_ids), dtype=np.int64)
        for k, wid in enumerate(workshop_ids):
            o = self._ordinal.get(wid)
            if o is None:
                o = self._ordinal[wid] = len(self._wids)
                self._wids.append(wid)
            ords[k] = o
        size = len(self._wids)
        self._start, self._count = _grown(self._start, size, -1), _grown(self._count, size, 0)
        self._start[ords] = first + np.cumsum(counts) - counts
        self._count[ords] = counts
        self._vid_ws = _grown(self._vid_ws, first + total, -1)
        self._vid_ws[first : first + total] = np.repeat(ords, counts)
        self.next_id += total
        self._n_rows += total
        self._n_workshops += len(workshop_ids)

    def remove(self, workshop_id: str) -> bool:
        with self._lock:
            if workshop_id not in self.by_workshop:
                return False
            o = self._ordinal[workshop_id]
            start, count = int(self._start[o]), int(self._count[o])
            self._vid_ws[start : start + count] = -1
            self._start[o], self._count[o] = -1, 0
            self._n_rows -= count
            self._n_workshops -= 1
            if self.kind in ("hnsw", "ivf"):
                self.deleted.update(range(start, start + count))
            else:
                self.index.remove_ids(np.arange(start, start + count, dtype=np.int64))
            return True

    def update(self, workshop_id: str, vectors: np.ndarray) -> None:
        """Replace one workshop's rows (atomic for readers: both steps under the lock)."""
        with self._lock:
            self.remove(workshop_id)
            self._add_many([workshop_id], [vectors])

    # --- querying -----------------------------------------------------------
    @property
    def n_rows(self) -> int:
        return self._n_rows

    def search(self, query: np.ndarray, k: int) -> list[tuple[Row, float]]:
        """The ``k`` closest rows to one query vector, best first."""
        with self._lock:
            ids, sims = self.search_arrays(query, k)
            rows = self.rows
            return [(rows[i], s) for i, s in zip(ids.tolist(), sims.tolist(), strict=True)]

    def search_arrays(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`search`, as (vector ids, similarities) arrays: no Python object per hit."""
        with self._lock:
            total = 0 if self.index is None else self.index.ntotal
            if total == 0:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            want = min(total, k + len(self.deleted))
            faiss.omp_set_num_threads(1)  # per calling thread: a new thread starts with every core
            if self.kind == "hnsw":  # a beam narrower than k would return fewer than k rows
                self.index.hnsw.efSearch = max(self.hnsw_ef, want)
            sims, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), want)
            ids, sims = ids[0], sims[0]
            keep = ids >= 0
            if self.deleted:
                keep[keep] = self._vid_ws[ids[keep]] >= 0
            return ids[keep][:k], sims[keep][:k]

    def row_table(self, position: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """Arrays indexed by vector id: workshop position (``-1`` if unknown) and text index."""
        with self._lock:
            n, n_ws = self.next_id, len(self._wids)
            at = np.fromiter(map(position.get, self._wids, repeat(-1)), dtype=np.int64, count=n_ws)
            live = np.flatnonzero(self._start[:n_ws] >= 0)
            live = live[np.argsort(self._start[live], kind="stable")]  # = the order of their ids
            count = self._count[live].astype(np.int64)
            ends = np.cumsum(count)
            pos = np.repeat(at[live], count)
            text = np.arange(pos.size, dtype=np.int64) - np.repeat(ends - count, count)
            text[ends[count > 0] - 1] = -1  # each workshop's last text: its description
            if pos.size == n:  # nothing removed: the workshops' ids tile 0 .. n - 1
                return pos, text
            alive = np.flatnonzero(self._vid_ws[:n] >= 0)
            full_pos, full_text = np.full(n, -1, dtype=np.int64), np.zeros(n, dtype=np.int64)
            full_pos[alive], full_text[alive] = pos, text
            return full_pos, full_text

    def vectors_of(self, workshop_id: str) -> np.ndarray:
        """One workshop's vectors, in order (``KeyError`` if it is not indexed). Decoded, hence
        approximate, from a quantized IVF: enough to pick the closest sentence."""
        with self._lock:
            start, count = self.by_workshop.span(workshop_id)
            return self.index.reconstruct_batch(np.arange(start, start + count, dtype=np.int64))

    def vectors_of_many(self, workshop_ids: Sequence[str]) -> list[np.ndarray | None]:
        """:meth:`vectors_of` for several workshops in one FAISS call (``None`` for a workshop
        that is not indexed)."""
        with self._lock:
            spans = [self.by_workshop.span(w) if w in self.by_workshop else None for w in workshop_ids]
            ids = [np.arange(a, a + n, dtype=np.int64) for a, n in (sp for sp in spans if sp is not None)]
            if not ids:
                return [None] * len(spans)
            flat = self.index.reconstruct_batch(np.concatenate(ids))
        out: list[np.ndarray | None] = []
        at = 0
        for sp in spans:
            if sp is None:
                out.append(None)
            else:
                out.append(flat[at : at + sp[1]])
                at += sp[1]
        return out

    # --- persistence --------------------------------------------------------
    def save(self, folder: Path, manifest: Manifest) -> Path:
        """Write a new build beside the old ones and publish it atomically as ``current``."""
        folder = Path(folder)
        builds = folder / "builds"
        builds.mkdir(parents=True, exist_ok=True)
        with self._lock:
            if self.index is None:  # an IVF that never received a vector
                raise ValueError("empty IVF index: nothing to save")
            build = builds / f"{int(time.time())}-{uuid.uuid4().hex[:8]}"
            tmp = build.with_name(build.name + ".tmp")
            tmp.mkdir()
            faiss.write_index(self.index, str(tmp / "index.faiss"))
            # Only the indexed workshops, renumbered in the order they were added.
            n = len(self._wids)
            alive = np.flatnonzero(self._start[:n] >= 0)
            alive = alive[np.argsort(self._start[alive], kind="stable")]
            renumber = np.full(n + 1, -1, dtype=np.int32)  # [-1] -> -1
            renumber[alive] = np.arange(alive.size, dtype=np.int32)
            names = [self._wids[o].encode("utf-8") for o in alive.tolist()]
            offsets = np.zeros(len(names) + 1, dtype=np.int64)
            np.cumsum([len(b) for b in names], out=offsets[1:])
            with open(tmp / "rows.npz", "wb") as f:
                np.savez(f, vid_workshop=renumber[self._vid_ws[: self.next_id]], start=self._start[alive],
                         count=self._count[alive], id_bytes=np.frombuffer(b"".join(names), dtype=np.uint8),
                         id_offsets=offsets)
            meta = {"format": INDEX_FORMAT, "kind": self.kind, "dim": self.dim, "ivf_codec": self.ivf_codec,
                    "pq_dims": self.pq_dims, "next_id": self.next_id, "n_rows": self.n_rows,
                    "n_workshops": self._n_workshops}
            (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            manifest.n_rows, manifest.n_workshops, manifest.ivf_codec = self.n_rows, self._n_workshops, self.ivf_codec
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
        """The published build. ``ValueError`` for a build of another format (an older one: to
        rebuild) or an inconsistent one; ``OSError`` for a missing file."""
        current = Path(folder) / "current"
        manifest = Manifest(**json.loads((current / "manifest.json").read_text(encoding="utf-8")))
        if manifest.format != INDEX_FORMAT or not (current / "meta.json").exists():
            raise ValueError(f"index format {manifest.format}, {INDEX_FORMAT} expected: to rebuild")
        meta = json.loads((current / "meta.json").read_text(encoding="utf-8"))
        if meta.get("format") != INDEX_FORMAT:
            raise ValueError(f"index format {meta.get('format')}, {INDEX_FORMAT} expected: to rebuild")
        try:
            with np.load(current / "rows.npz", allow_pickle=False) as z:
                vid_ws, start, count = z["vid_workshop"], z["start"], z["count"]
                id_bytes, offsets = z["id_bytes"].tobytes(), z["id_offsets"]
            self = cls(meta["dim"], meta["kind"], ivf_codec=meta["ivf_codec"], pq_dims=meta["pq_dims"])
            next_id, n_rows = int(meta["next_id"]), int(meta["n_rows"])
        except (KeyError, TypeError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(f"damaged index build: {e!r}") from e
        self.index = faiss.read_index(str(current / "index.faiss"))
        bounds = offsets.tolist()
        self._wids = [id_bytes[a:b].decode("utf-8") for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
        self._ordinal = {w: o for o, w in enumerate(self._wids)}
        self._start, self._count = start.astype(np.int64), count.astype(np.int32)
        self._vid_ws = vid_ws.astype(np.int32)
        self.next_id = next_id
        self._n_rows, self._n_workshops = int(self._count.sum()), len(self._wids)
        expected = self._n_rows if self.kind == "flat" else self.next_id
        if (len(self._ordinal) != len(self._wids) or self._vid_ws.size != self.next_id
                or int((self._vid_ws >= 0).sum()) != self._n_rows or self.index.ntotal != expected
                or self.index.d != self.dim or self._n_rows != n_rows):
            raise ValueError("inconsistent index build: to rebuild")
        if self.kind in ("hnsw", "ivf"):
            self.deleted = set(np.flatnonzero(self._vid_ws < 0).tolist())
        if self.kind == "ivf":
            self.ivf_nprobe = faiss.extract_index_ivf(self.index).nprobe  # as saved, until tune()
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
    ivf_codec: str = "flat",
) -> VectorIndex:
    """Embed every workshop's texts in large batches and add them in one go."""
    texts: list[str] = []
    bounds: list[tuple[int, int]] = []
    for w in workshops:
        t = w.texts()
        bounds.append((len(texts), len(texts) + len(t)))
        texts.extend(t)
    vecs = encode(texts)
    index = VectorIndex(dim, kind, hnsw_m, ivf_nlist, ivf_nprobe, ivf_codec)
    index.add_many([w.id for w in workshops], [vecs[a:b] for a, b in bounds])
    if progress:
        progress("Index construit", 1.0)
    return index
