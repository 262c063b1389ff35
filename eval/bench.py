"""Performance benchmark, measured against the encoder's own limit (issue 7).

    afn-match bench [--json] [--sizes 400,10000,100000] [--runs 60]
    python -m eval.bench [same options]

The floor of a match is the time to embed the need itself: every latency is reported next to
the bare encoding of the same needs, measured in the same run (interleaved), and as a ratio
to it. Per catalogue size: in-process and HTTP latency (p50/p95/p99), FAISS search and ranking
time, index construction against the raw encoder throughput, one-workshop update, recall of
the approximate index against the exact search, API throughput with concurrent clients on
loopback and the API process memory; then the batch assignment (5 000 needs × 400 and
× 10 000 workshops, optimality gap on a small exact instance).

Catalogues: the bundled one (``400``: its 444 workshops as they are), and reproducible
synthetic scale-ups (seeded): copies of the bundled workshops with new identifiers, moved to
real communes drawn from the gazetteer (weights √population). Their texts are the bundled
texts, so their embeddings come from the disk cache without re-encoding; each synthetic row
gets a small seeded perturbation (cosine ≈ 0.98 with the original) so that the vector index
does not hold exact duplicates. The scaled catalogue, as JSONL, is written once under
``<cache_dir>/bench/``, for the API process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as pyplatform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from matcher.catalogue import Catalogue, Workshop, load_catalogue, texts_digest
from matcher.gazetteer import Commune, Gazetteer
from matcher.text import fr_number

BUNDLED = 400  # the size that names the bundled catalogue (444 workshops)
DEFAULT_SIZES = (BUNDLED, 10_000)
FULL_SIZES = (BUNDLED, 10_000, 100_000)
SCALE_SIGMA = 0.01  # per-dimension noise of a synthetic row (384 dimensions: cosine ≈ 0.98)
REPO = Path(__file__).resolve().parents[1]
OUT_DIR = Path(__file__).resolve().parent

#: targets of issue 7, checked (not enforced) at the end of a run
TARGETS = {
    "ratio_10k": 1.15,  # match p50 / bare encoding p50, 10 000 workshops
    "ratio_100k": 1.5,  # the same, 100 000 workshops
    "build_ratio": 0.9,  # index build throughput / raw encoder throughput
    "assignment_s": 5.0,  # 5 000 needs × 400 workshops
    "rss_mb": 1536.0,  # API process, model loaded
    "update_ms": 1000.0,  # one workshop edited, encoding of its new text included
}
ENCODER_LABELS = {"torch": "torch float32", "torch-int8": "torch int8", "onnx": "ONNX float32",
                  "onnx-int8": "ONNX int8"}


# --- pure parts ---------------------------------------------------------------------------
def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in [0, 1]) of a non-empty sequence."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and mean of durations in seconds, in milliseconds."""
    out = {f"p{int(q * 100)}": 1000 * percentile(seconds, q) for q in (0.5, 0.95, 0.99)}
    out["moyenne"] = 1000 * statistics.fmean(seconds)
    return out


def real_communes(gazetteer: Gazetteer) -> list[Commune]:
    """Communes (not arrondissements) with a known population, in INSEE order."""
    return sorted((c for c in gazetteer.communes if c.kind == "COM" and c.population and c.postcodes),
                  key=lambda c: c.insee)


def scale_catalogue(workshops: Sequence[Workshop], size: int, communes: Sequence[Commune],
                    seed: int = 0) -> list[Workshop]:
    """The bundled workshops, then synthetic copies up to ``size``, each in a real commune.

    Deterministic for a given (catalogue, size, communes, seed); the bundled catalogue itself
    for a size no larger than it."""
    base = list(workshops)
    extra = size - len(base)
    if extra <= 0:
        return base
    rng = np.random.default_rng(seed)
    weights = np.sqrt(np.array([c.population for c in communes], dtype=np.float64))
    where = rng.choice(len(communes), size=extra, p=weights / weights.sum())
    source = rng.integers(0, len(base), size=extra)
    out = base
    for i, (ci, si) in enumerate(zip(where.tolist(), source.tolist(), strict=True), start=1):
        w, c = base[si], communes[ci]
        out.append(w.model_copy(update={
            "id": f"{w.id[:100].rstrip('-')}-banc{i:06d}", "name": f"{w.name} ({c.name})"[:200],
            "commune": c.name, "insee": c.insee, "postcode": c.postcodes[0], "lat": c.lat, "lon": c.lon,
        }))
    return out


def perturb(vectors: np.ndarray, seed: int, sigma: float = SCALE_SIGMA) -> np.ndarray:
    """Seeded Gaussian noise on each row, rows L2-normalised again."""
    rng = np.random.default_rng(seed)
    out = np.empty_like(vectors, dtype=np.float32)
    step = 65_536  # by blocks of rows: float32 noise, no copy of the whole matrix in float64
    for start in range(0, len(vectors), step):
        block = vectors[start : start + step] + sigma * rng.standard_normal(
            (min(step, len(vectors) - start), vectors.shape[1]), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + step] = block
    return out


def recall_at(found: Sequence, exact: Sequence, k: int) -> float:
    """Share of the exact top ``k`` found in the top ``k`` returned."""
    truth = set(list(exact)[:k])
    return len(truth & set(list(found)[:k])) / max(len(truth), 1)


def recall_by_similarity(found_sims: np.ndarray, exact_sims: np.ndarray, k: int) -> float:
    """Recall@k that forgives ties: a returned row counts when its true similarity reaches the
    exact k-th one (the bundled catalogue repeats sentences, so several rows tie)."""
    k = min(k, exact_sims.size)
    if not k:
        return 1.0
    kth = float(exact_sims[k - 1])
    return float(np.sum(found_sims[:k] >= kth - 1e-6)) / k


def size_label(size: int, n_workshops: int) -> str:
    return f"{n_workshops} (fourni)" if size <= BUNDLED or n_workshops < size else f"{n_workshops:,}".replace(",", " ")


# --- environment ------------------------------------------------------------------------
def machine() -> dict[str, str | int | float]:
    """What the figures came from."""
    cpu = pyplatform.processor() or pyplatform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import faiss
    import onnxruntime
    import torch

    return {"processeur": cpu, "coeurs": os.cpu_count() or 0, "memoire_go": mem_gb,
            "systeme": pyplatform.platform(), "python": pyplatform.python_version(),
            "torch": torch.__version__, "fils_torch": torch.get_num_threads(), "faiss": faiss.__version__,
            "onnxruntime": onnxruntime.__version__, "numpy": np.__version__}


def process_memory_mb(pid: int | str = "self") -> dict[str, float]:
    """Resident memory (VmRSS) and its peak (VmHWM) of a process, in MB."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key = line.split(":", 1)[0]
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(line.split()[1]) / 1024
    except OSError:
        pass
    return {"rss_mo": out.get("VmRSS", float("nan")), "pic_mo": out.get("VmHWM", float("nan"))}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- configuration ---------------------------------------------------------------------
@dataclass
class BenchConfig:
    sizes: tuple[int, ...] = DEFAULT_SIZES
    runs: int = 60  # needs timed in process, per size
    http_runs: int = 40  # needs timed through the API, per size
    clients: tuple[int, ...] = (1, 2, 4, 8)  # concurrent HTTP clients
    requests_per_client: int = 12
    build_texts: int | None = 600  # texts of the encoder/build comparison (None: the whole bundled catalogue)
    recall_queries: int = 30
    updates: int = 3
    http: bool = True
    assignment: bool = True
    encoders: bool = False  # also compare the encoder backends (torch / ONNX, float32 / int8)
    seed: int = 0
    work_dir: Path | None = None  # scaled catalogues and their indexes (default <cache_dir>/bench)
    progress: Callable[[str], None] = field(default=lambda message: None)


@dataclass
class Env:
    settings: object
    encoder: object
    taxonomy: object
    gazetteer: Gazetteer
    bundled: list[Workshop]
    needs: list  # in-scope dev needs (text, commune, radius_km)


def load_env() -> Env:
    from matcher.encoder import load_encoder
    from matcher.settings import get_settings
    from matcher.taxonomy import load_taxonomy

    from .needs import load_needs

    settings = get_settings()
    needs = [n for n in load_needs(OUT_DIR / "needs_dev.jsonl") if not n.out_of_scope]
    return Env(settings, load_encoder(settings), load_taxonomy(settings.taxonomy), Gazetteer.load(settings.gazetteer),
               load_catalogue(settings.catalogue).workshops, needs)


def cycle(items: Sequence, n: int) -> list:
    return [items[i % len(items)] for i in range(n)]


# --- encoder floor and index construction -----------------------------------------------
def encoder_and_build(env: Env, cfg: BenchConfig) -> dict[str, float]:
    """Raw encoder throughput against the real index construction, on the same texts, from an
    empty embedding cache (no vector reused)."""
    from matcher.encoder import EmbeddingCache
    from matcher.index import build_index

    enc = env.encoder
    workshops = env.bundled
    if cfg.build_texts:
        picked, count = [], 0
        for w in workshops:
            if count >= cfg.build_texts:
                break
            picked.append(w)
            count += len(w.texts())
        workshops = picked
    texts = [t for w in workshops for t in w.texts()]
    prefixed = [enc.prefixes["passage"] + t for t in texts]

    def raw() -> float:
        t = time.perf_counter()
        enc.raw_encode(prefixed)  # one call: sentence-transformers batches and sorts by length itself
        return time.perf_counter() - t

    def build() -> float:
        saved = enc.cache
        with tempfile.TemporaryDirectory(prefix="afn-bench-cache-") as tmp:
            enc.cache = EmbeddingCache(Path(tmp), enc.model_id, enc.dim)
            try:
                def encode(batch: list[str]) -> np.ndarray:
                    vecs = enc.encode(batch, kind="passage")
                    enc.cache.save()
                    return vecs

                t = time.perf_counter()
                index = build_index(workshops, encode, enc.dim, "flat")
                index.save(Path(tmp) / "index", _manifest(env, workshops, "flat"))
                return time.perf_counter() - t
            finally:
                enc.cache = saved

    raw()  # warm-up, twice: the first pass over new sequence lengths pays for kernel set-up
    raw()
    raw_s, build_s = [], []
    for _ in range(2):  # alternated, the best of two each: the machine may be shared
        raw_s.append(raw())
        build_s.append(build())
    best_raw, best_build = min(raw_s), min(build_s)
    return {"textes": len(texts), "textes_distincts": len(set(texts)),
            "encodeur_textes_s": len(texts) / best_raw, "construction_textes_s": len(texts) / best_build,
            "encodeur_s": best_raw, "construction_s": best_build, "rapport_construction": best_raw / best_build}


def _manifest(env: Env, workshops: Sequence[Workshop], kind: str):
    from matcher.index import Manifest

    return Manifest(model_id=env.encoder.model_id, catalogue_digest=texts_digest(list(workshops)),
                    taxonomy_digest=env.taxonomy.digest, kind=kind, dim=env.encoder.dim)


def catalogue_vectors(env: Env, workshops: Sequence[Workshop], seed: int) -> np.ndarray:
    """Vectors of every text, in index order: cached embeddings of the bundled texts, perturbed
    on the synthetic rows."""
    texts = [t for w in workshops for t in w.texts()]
    vecs = env.encoder.encode(texts, kind="passage")
    env.encoder.cache.save()
    bundled_rows = sum(len(w.texts()) for w in workshops[: len(env.bundled)])
    if len(texts) > bundled_rows:
        vecs[bundled_rows:] = perturb(vecs[bundled_rows:], seed)
    return vecs


# --- latency ------------------------------------------------------------------------------
def warm_up(encoder, needs: Sequence) -> None:
    """Encode each distinct need once: the first pass of torch over a new sequence length
    costs much more (kernel set-up); a running server has met them all."""
    prefix = encoder.prefixes["query"]
    for text in dict.fromkeys(n.text for n in needs):
        encoder.raw_encode([prefix + text])


def in_process_latency(service, env: Env, runs: int) -> dict:
    """Bare encoding and the whole match of the same needs, interleaved; FAISS search and
    the ranking (everything after the encoding) timed apart."""
    from matcher.service import MatchRequest

    enc = service.encoder
    prefix = enc.prefixes["query"]
    needs = cycle(env.needs, runs)
    warm_up(enc, needs)
    for n in needs[:5]:
        service.match(MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km))
    bare, full = [], []
    for i, n in enumerate(needs):
        order = (0, 1) if i % 2 == 0 else (1, 0)  # the second encoding of a text runs a little faster
        for step in order:
            t = time.perf_counter()
            if step == 0:
                enc.raw_encode([prefix + n.text])
                bare.append(time.perf_counter() - t)
            else:
                service.match(MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km))
                full.append(time.perf_counter() - t)
    vectors = enc.encode([n.text for n in needs], kind="query")
    places = [service.locate(n.commune) for n in needs]
    pool = min(service.index.n_rows, max(service.settings.candidate_pool * 8, 64))
    search, after = [], []
    for n, v, p in zip(needs, vectors, places, strict=True):
        t = time.perf_counter()
        service.index.search_arrays(v, pool)
        search.append(time.perf_counter() - t)
        t = time.perf_counter()
        service.match_vector(n.text, v, p, n.radius_km, service.settings.default_top_k)
        after.append(time.perf_counter() - t)
    enc_ms, match_ms = summary_ms(bare), summary_ms(full)
    return {"besoins": len(needs), "encodage_ms": enc_ms, "besoin_ms": match_ms,
            "rapport_p50": match_ms["p50"] / enc_ms["p50"], "rapport_moyen": match_ms["moyenne"] / enc_ms["moyenne"],
            "faiss_ms": summary_ms(search), "apres_encodage_ms": summary_ms(after),
            "classement_ms": {k: max(summary_ms(after)[k] - summary_ms(search)[k], 0.0) for k in ("p50", "p95")},
            "taille_pool": pool}


def search_quality(service, vectors: np.ndarray, env: Env, cfg: BenchConfig, kind: str) -> dict:
    """Recall@10 (and of the whole candidate pool) of the index against the exact search, the
    exact search time, and the agreement of the final top 10 with an exact index."""
    from matcher.index import VectorIndex
    from matcher.service import MatchRequest

    needs = cycle(env.needs, cfg.recall_queries)
    queries = service.encoder.encode([n.text for n in needs], kind="query")
    pool = min(service.index.n_rows, max(service.settings.candidate_pool * 8, 64))
    r10, rpool, exact_s = [], [], []
    for q in queries:
        t = time.perf_counter()
        sims = vectors @ q
        top = np.argpartition(-sims, min(pool, sims.size - 1))[:pool]
        top = top[np.argsort(-sims[top], kind="stable")]
        exact_s.append(time.perf_counter() - t)
        ids, _ = service.index.search_arrays(q, pool)
        true_sims = sims[ids]  # the exact similarity of each returned row (vector id = row)
        r10.append(recall_by_similarity(true_sims, sims[top], 10))
        rpool.append(recall_by_similarity(true_sims, sims[top], pool))
    out = {"type": kind, "rappel_10": statistics.fmean(r10), "rappel_pool": statistics.fmean(rpool),
           "exacte_ms": summary_ms(exact_s)}
    if kind != "flat":
        exact = VectorIndex(vectors.shape[1], "flat")
        exact.index.add_with_ids(vectors, np.arange(len(vectors), dtype=np.int64))
        exact.rows, exact.by_workshop, exact.next_id = service.index.rows, service.index.by_workshop, service.index.next_id
        reqs = [MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km) for n in needs]
        approx = [[r.workshop_id for r in service.match(r).results] for r in reqs]
        saved = service.index
        service.index = exact
        try:
            truth = [[r.workshop_id for r in service.match(r).results] for r in reqs]
        finally:
            service.index = saved
        out["accord_top10"] = statistics.fmean(recall_at(a, b, 10) for a, b in zip(approx, truth, strict=True)
                                                if b) if any(truth) else 1.0
    return out


def update_one(service, env: Env, count: int) -> dict:
    """Replace one workshop (a service sentence edited, so encoded anew): no rebuild."""
    if not count:
        return {}
    picks = [service.workshops[(i * 7919) % len(service.workshops)] for i in range(count)]
    times, without = [], []
    stamp = int(time.time())
    for i, w in enumerate(picks):
        edited = w.model_copy(update={"services": [f"{w.services[0]} (mise à jour {i + 1}, banc {stamp})",
                                                   *w.services[1:]]})
        t = time.perf_counter()
        service.upsert_workshop(edited)  # its new sentence is encoded: not in the cache
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        service.upsert_workshop(w)  # back as it was: every text already in the cache, no encoding
        without.append(time.perf_counter() - t)
    return {"mise_a_jour_ms": summary_ms(times), "mise_a_jour_sans_encodage_ms": summary_ms(without)}


# --- the API over HTTP ------------------------------------------------------------------
class ApiProcess:
    """``afn-match serve`` in a subprocess on loopback, on a temporary SQLite database."""

    def __init__(self, catalogue: Path, index_dir: Path, db_dir: Path, timeout_s: float = 900.0):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "AFN_CATALOGUE": str(catalogue), "AFN_INDEX_DIR": str(index_dir),
               "AFN_DATABASE_URL": f"sqlite:///{db_dir / 'bench.db'}", "AFN_SEED_CATALOGUE": "true",
               "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
        self.log = open(db_dir / "api.log", "w")  # noqa: SIM115 - closed in stop()
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from matcher.cli import main; main()", "serve", "--port", str(self.port)],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, cwd=str(REPO))
        import httpx

        deadline = time.monotonic() + timeout_s
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"l'API s'est arrêtée au démarrage (voir {db_dir / 'api.log'})")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("l'API n'a pas démarré à temps")
            time.sleep(0.25)
        self.start_s = time.perf_counter() - t

    def memory(self) -> dict[str, float]:
        return process_memory_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()


def _body(n) -> dict:
    return {"text": n.text, "commune": n.commune, "radius_km": n.radius_km}


def http_latency(url: str, env: Env, runs: int) -> dict:
    """Sequential requests, then the bare encoding of the same needs in this process.

    In two blocks, not interleaved: both processes run the encoder, whose threads keep their
    cores busy a few milliseconds after each call (ONNX Runtime's spinning), so interleaving
    made each process pay for the other's (the bare encoding took 22 ms instead of 11)."""
    import httpx

    enc = env.encoder
    prefix = enc.prefixes["query"]
    needs = cycle(env.needs, runs)
    bare, full, errors = [], [], 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for n in {n.text: n for n in needs}.values():  # the server's encoder meets each length once
            client.post("/v1/match", json=_body(n))
        for n in needs:
            t = time.perf_counter()
            ok = client.post("/v1/match", json=_body(n)).status_code == 200
            full.append(time.perf_counter() - t)
            errors += not ok
    warm_up(enc, needs)
    for n in needs:
        t = time.perf_counter()
        enc.raw_encode([prefix + n.text])
        bare.append(time.perf_counter() - t)
    enc_ms, http_ms = summary_ms(bare), summary_ms(full)
    return {"requetes": len(needs), "erreurs": errors, "encodage_ms": enc_ms, "http_ms": http_ms,
            "rapport_p50": http_ms["p50"] / enc_ms["p50"], "rapport_moyen": http_ms["moyenne"] / enc_ms["moyenne"]}


def http_throughput(url: str, env: Env, clients: int, per_client: int) -> dict:
    """``clients`` threads, each with its own connection, ``per_client`` requests each."""
    import httpx

    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def worker(k: int) -> None:
        mine, bad = [], 0
        with httpx.Client(base_url=url, timeout=120) as client:
            start.wait()
            for j in range(per_client):
                n = env.needs[(k * per_client + j) % len(env.needs)]
                t = time.perf_counter()
                try:
                    bad += client.post("/v1/match", json=_body(n)).status_code != 200
                except httpx.HTTPError:
                    bad += 1
                mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=worker, args=(k,), daemon=True) for k in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    t = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t
    total = clients * per_client
    return {"clients": clients, "requetes": total, "erreurs": errors[0], "debit_rps": total / wall,
            "latence_ms": summary_ms(latencies)}


# --- one size -----------------------------------------------------------------------------
def bench_size(size: int, env: Env, cfg: BenchConfig, work: Path) -> dict:
    from matcher.index import build_index
    from matcher.service import MatchService

    say = cfg.progress
    s = env.settings
    workshops = scale_catalogue(env.bundled, size, real_communes(env.gazetteer), cfg.seed)
    n_rows = sum(len(w.texts()) for w in workshops)
    kind = s.resolved_index_kind(n_rows)
    out: dict = {"taille": size, "ateliers": len(workshops), "textes": n_rows, "index": kind,
                 "libelle": size_label(size, len(workshops))}
    folder = work / f"ateliers-{len(workshops)}"
    folder.mkdir(parents=True, exist_ok=True)
    if len(workshops) == len(env.bundled):
        catalogue_path = s.catalogue
    else:
        catalogue_path = folder / "workshops.jsonl"
        digest = texts_digest(workshops)
        marker = folder / "digest.txt"
        if not catalogue_path.exists() or not marker.exists() or marker.read_text() != digest:
            say(f"{out['libelle']} ateliers : écriture du catalogue synthétique")
            with open(catalogue_path, "w", encoding="utf-8") as f:
                for w in workshops:
                    f.write(w.model_dump_json() + "\n")
            marker.write_text(digest)

    say(f"{out['libelle']} ateliers : vecteurs et index ({kind})")
    vectors = catalogue_vectors(env, workshops, cfg.seed + size)
    t = time.perf_counter()
    index = build_index(workshops, lambda texts: vectors, env.encoder.dim, kind, s.hnsw_m,
                        ivf_nlist=s.ivf_nlist, ivf_nprobe=s.ivf_nprobe, ivf_codec=s.ivf_codec)
    out["index_faiss_s"] = time.perf_counter() - t
    t = time.perf_counter()
    index.save(folder / "index", _manifest(env, workshops, kind))
    out["index_ecriture_s"] = time.perf_counter() - t

    say(f"{out['libelle']} ateliers : chargement du service")
    t = time.perf_counter()
    service = MatchService(s, env.encoder, Catalogue(workshops=workshops, digest=texts_digest(workshops)),
                           env.taxonomy, env.gazetteer, index)
    out["service_s"] = time.perf_counter() - t
    say(f"{out['libelle']} ateliers : latence en processus ({cfg.runs} besoins)")
    out["processus"] = in_process_latency(service, env, cfg.runs)
    say(f"{out['libelle']} ateliers : rappel de l'index")
    out["recherche"] = search_quality(service, vectors, env, cfg, kind)
    say(f"{out['libelle']} ateliers : mise à jour d'un atelier")
    out.update(update_one(service, env, cfg.updates))
    del service, index, vectors

    if cfg.http:
        say(f"{out['libelle']} ateliers : API (démarrage)")
        with tempfile.TemporaryDirectory(prefix="afn-bench-api-") as tmp:
            api = ApiProcess(catalogue_path, folder / "index", Path(tmp))
            try:
                out["api_demarrage_s"] = api.start_s
                out["api_memoire_chargee"] = api.memory()
                say(f"{out['libelle']} ateliers : API (latence, {cfg.http_runs} requêtes)")
                out["http"] = http_latency(api.url, env, cfg.http_runs)
                out["debit"] = []
                for c in cfg.clients:
                    say(f"{out['libelle']} ateliers : API ({c} client(s) simultané(s))")
                    out["debit"].append(http_throughput(api.url, env, c, cfg.requests_per_client))
                out["api_memoire"] = api.memory()
            finally:
                api.stop()
    return out


# --- batch assignment ---------------------------------------------------------------------
def assignment_bench(seed: int = 0) -> list[dict]:
    from .bench_assignment import make_instance, measure

    cases = [
        (make_instance("5 000 × 400 (50 candidats)", 5000, 400, 50, 3, seed), False),
        (make_instance("5 000 × 400 (dense)", 5000, 400, 400, 3, seed), False),
        (make_instance("5 000 × 10 000 (50 candidats)", 5000, 10_000, 50, 3, seed), False),
        (make_instance("200 × 20 (exact)", 200, 20, 20, 3, seed), True),
    ]
    return [measure(inst, exact) for inst, exact in cases]


# --- encoder backends -------------------------------------------------------------------
def encoders_bench(runs: int) -> dict:
    """torch and ONNX Runtime, float32 and int8: speed of one need, dev nDCG@10, memory of a
    process holding each (``python -m eval.bench_encoder``)."""
    from .bench_encoder import run as run_encoders

    return run_encoders(runs=runs)


# --- the whole run ------------------------------------------------------------------------
def run(cfg: BenchConfig, env: Env | None = None) -> dict:
    t0 = time.perf_counter()
    env = env or load_env()
    work = cfg.work_dir or env.settings.cache_dir / "bench"
    work.mkdir(parents=True, exist_ok=True)
    cfg.progress("encodeur et construction de l'index (sans cache)")
    report: dict = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine(),
                    "encodeur": {"moteur": env.settings.encoder_backend, "modele": env.encoder.model_id},
                    "config": {"tailles": list(cfg.sizes), "besoins": cfg.runs, "requetes_http": cfg.http_runs,
                               "clients": list(cfg.clients), "requetes_par_client": cfg.requests_per_client,
                               "graine": cfg.seed, "index": env.settings.index_kind,
                               "exact_max_rows": env.settings.exact_max_rows, "ivf_nprobe": env.settings.ivf_nprobe,
                               "ivf_codec": env.settings.ivf_codec}}
    report["construction"] = encoder_and_build(env, cfg)
    report["tailles"] = [bench_size(size, env, cfg, work) for size in cfg.sizes]
    if cfg.assignment:
        cfg.progress("affectation par lot")
        report["affectation"] = assignment_bench(cfg.seed)
    if cfg.encoders:
        cfg.progress("encodeurs torch et ONNX, float32 et int8")
        report["encodeurs"] = encoders_bench(max(cfg.runs * 5, 300))
    report["cibles"] = targets(report)
    report["duree_s"] = time.perf_counter() - t0
    return report


def targets(report: dict) -> list[dict]:
    """Each target of issue 7: the figure measured and whether it holds (None: not measured)."""
    by_size = {r["ateliers"] if r["taille"] <= BUNDLED else r["taille"]: r for r in report.get("tailles", [])}
    out = []

    def add(label: str, value: float | None, bound: float, lower_is_better: bool = True, unit: str = "") -> None:
        ok = None if value is None else (value <= bound if lower_is_better else value >= bound)
        out.append({"cible": label, "mesure": value, "seuil": bound, "unite": unit, "tenue": ok})

    for size, key in ((10_000, "ratio_10k"), (100_000, "ratio_100k")):
        r = by_size.get(size)
        count = f"{size:,}".replace(",", " ")
        add(f"Besoin ≤ {fr_number(TARGETS[key], 2)} × encodage (p50, {count} ateliers)",
            r["processus"]["rapport_p50"] if r else None, TARGETS[key], unit="×")
    build = report.get("construction")
    add("Construction de l'index ≥ 0,9 × débit brut de l'encodeur", build["rapport_construction"] if build else None,
        TARGETS["build_ratio"], lower_is_better=False, unit="×")
    updates = [r for r in report.get("tailles", []) if "mise_a_jour_ms" in r]
    add("Mise à jour d'un atelier sans reconstruction < 1 s (p50, plus grand catalogue)",
        updates[-1]["mise_a_jour_ms"]["p50"] if updates else None, TARGETS["update_ms"], unit="ms")
    assign = report.get("affectation")
    add("Affectation 5 000 besoins × 400 ateliers < 5 s (dense)",
        max(a["flot_s"] for a in assign[:2]) if assign else None, TARGETS["assignment_s"], unit="s")
    rss = [r["api_memoire"]["pic_mo"] for r in report.get("tailles", []) if "api_memoire" in r]
    for r in report.get("tailles", []):
        if "api_memoire" in r:  # resident memory after the requests; the start-up peak is in the table
            add(f"Mémoire de l'API < 1,5 Go ({r['libelle']} ateliers, après les requêtes)", r["api_memoire"]["rss_mo"],
                TARGETS["rss_mb"], unit="Mo")
    if not rss:
        add("Mémoire de l'API < 1,5 Go", None, TARGETS["rss_mb"], unit="Mo")
    e = report.get("encodeurs")
    if e:
        for name in ("onnx-int8", "torch-int8", "onnx"):
            label = ENCODER_LABELS[name]
            add(f"Encodeur {label} ≥ 1,5 × plus rapide (p50)", e["acceleration"][name], 1.5, lower_is_better=False,
                unit="×")
            if "perte_ndcg" in e:
                add(f"Encodeur {label} : perte de nDCG@10 dev ≤ 0,01", e["perte_ndcg"][name], 0.01, unit="")
    return out


# --- output -------------------------------------------------------------------------------
def _ms(x: float) -> str:
    return fr_number(x, 1 if x < 100 else 0)


def rows(report: dict) -> list[tuple[str, list[str]]]:
    """(label, one cell per size) of the main table."""
    sizes = report.get("tailles", [])

    def cell(fn: Callable[[dict], str]) -> list[str]:
        out = []
        for r in sizes:
            try:
                out.append(fn(r))
            except (KeyError, TypeError, IndexError, ValueError):
                out.append("—")
        return out

    table = [
        ("Textes indexés", cell(lambda r: f"{r['textes']:,}".replace(",", " "))),
        ("Index", cell(lambda r: {"flat": "exact", "ivf": "IVF", "hnsw": "HNSW"}.get(r["index"], r["index"]))),
        ("Encodage seul p50 / p95 (ms)", cell(lambda r: f"{_ms(r['processus']['encodage_ms']['p50'])} / "
                                                        f"{_ms(r['processus']['encodage_ms']['p95'])}")),
        ("Besoin complet p50 / p95 / p99 (ms)", cell(lambda r: " / ".join(_ms(r['processus']['besoin_ms'][k])
                                                                        for k in ("p50", "p95", "p99")))),
        ("Rapport besoin / encodage (p50)", cell(lambda r: fr_number(r["processus"]["rapport_p50"], 2))),
        ("Recherche FAISS p50 (ms)", cell(lambda r: fr_number(r["processus"]["faiss_ms"]["p50"], 2))),
        ("Classement et réponse p50 (ms)", cell(lambda r: fr_number(r["processus"]["classement_ms"]["p50"], 2))),
        ("Recherche exacte p50 (ms)", cell(lambda r: fr_number(r["recherche"]["exacte_ms"]["p50"], 2))),
        ("Rappel@10 / rappel du pool vs exact", cell(lambda r: f"{fr_number(r['recherche']['rappel_10'], 3)} / "
                                                               f"{fr_number(r['recherche']['rappel_pool'], 3)}")),
        ("Accord du top 10 final vs exact", cell(lambda r: fr_number(r["recherche"]["accord_top10"], 3))),
        ("Mise à jour d'un atelier p50 (ms) : totale / hors encodage",
         cell(lambda r: f"{_ms(r['mise_a_jour_ms']['p50'])} / {fr_number(r['mise_a_jour_sans_encodage_ms']['p50'], 1)}")),
        ("Index FAISS : construction / écriture (s)", cell(lambda r: f"{fr_number(r['index_faiss_s'], 1)} / "
                                                                    f"{fr_number(r['index_ecriture_s'], 1)}")),
        ("Chargement du service (s)", cell(lambda r: fr_number(r["service_s"], 1))),
        ("HTTP p50 / p95 / p99 (ms)", cell(lambda r: " / ".join(_ms(r["http"]["http_ms"][k])
                                                               for k in ("p50", "p95", "p99")))),
        ("Rapport HTTP / encodage (p50)", cell(lambda r: fr_number(r["http"]["rapport_p50"], 2))),
    ]
    clients = sorted({d["clients"] for r in sizes for d in r.get("debit", [])})
    for c in clients:
        table.append((f"Débit, {c} client(s) (req/s ; erreurs)",
                      cell(lambda r, c=c: next(f"{fr_number(d['debit_rps'], 1)} ; {d['erreurs']}"
                                               for d in r["debit"] if d["clients"] == c))))
    table += [
        ("Démarrage de l'API (s)", cell(lambda r: fr_number(r["api_demarrage_s"], 1))),
        ("Mémoire de l'API : chargée / après les requêtes / pic (Mo)",
         cell(lambda r: f"{fr_number(r['api_memoire_chargee']['rss_mo'], 0)} / {fr_number(r['api_memoire']['rss_mo'], 0)}"
                        f" / {fr_number(r['api_memoire']['pic_mo'], 0)}")),
    ]
    return table


def show(report: dict, console) -> None:
    from rich.table import Table

    table = Table(title="Banc d'essai : chaque latence rapportée à l'encodage seul du besoin")
    table.add_column("Mesure")
    for r in report.get("tailles", []):
        table.add_column(f"{r['libelle']} ateliers", justify="right")
    for label, cells in rows(report):
        table.add_row(label, *cells)
    console.print(table)
    b = report.get("construction")
    if b:
        console.print(f"Encodeur brut : {fr_number(b['encodeur_textes_s'], 0)} textes/s ; construction de l'index "
                      f"(cache vide) : {fr_number(b['construction_textes_s'], 0)} textes/s "
                      f"(rapport {fr_number(b['rapport_construction'], 2)}, {b['textes']} textes).")
    if report.get("affectation"):
        from .bench_assignment import show as show_assignment

        show_assignment(report["affectation"], console)
    if report.get("encodeurs"):
        from .bench_encoder import show as show_encoders

        show_encoders(report["encodeurs"])
    t = Table(title="Cibles")
    for col in ("Cible", "Mesure", "Tenue"):
        t.add_column(col)
    for c in report.get("cibles", []):
        t.add_row(c["cible"], _target_value(c), _held(c["tenue"]))
    console.print(t)


def _target_value(c: dict) -> str:
    v = c["mesure"]
    if v is None:
        return "non mesuré"
    return f"{fr_number(v, 3 if c['unite'] in ('×', '') else 1)} {c['unite']}".strip()


def _held(ok: bool | None) -> str:
    return {True: "oui", False: "non", None: "—"}[ok]


def markdown(report: dict, command: str) -> str:
    """``eval/BENCH.md``: the machine, the table, the targets and what the figures mean."""
    m = report["machine"]
    sizes = report.get("tailles", [])
    lines = [
        "# Banc d'essai des performances",
        "",
        f"Mesuré le {report['date']} par `{command}` ({fr_number(report.get('duree_s', 0) / 60, 1)} min).",
        "",
        f"Machine : {m['processeur']}, {m['coeurs']} cœurs, {fr_number(m['memoire_go'], 0)} Go de mémoire ; "
        f"{m['systeme']} ; Python {m['python']}, ONNX Runtime {m.get('onnxruntime', '?')}, torch {m['torch']} ({m['fils_torch']} fils), "
        f"FAISS {m['faiss']}, NumPy {m['numpy']}.",
        "",
        f"Encodeur : `{report.get('encodeur', {}).get('moteur', '?')}` (`AFN_ENCODER_BACKEND`) ; "
        f"index IVF : vecteurs `{report.get('config', {}).get('ivf_codec', '?')}` (`AFN_IVF_CODEC`).",
        "",
        "Chaque latence est rapportée au **temps d'encodage seul du même besoin, mesuré dans la même exécution** "
        "(les deux mesures alternent, besoin par besoin) : c'est le plancher d'une recherche.",
        "",
        "| Mesure | " + " | ".join(f"{r['libelle']} ateliers" for r in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for label, cells in rows(report):
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    b = report.get("construction")
    if b:
        lines += ["", f"**Construction de l'index** (catalogue fourni, {b['textes']} textes, cache d'embeddings vide) : "
                      f"{fr_number(b['construction_textes_s'], 0)} textes/s, contre {fr_number(b['encodeur_textes_s'], 0)} "
                      f"textes/s pour l'encodeur brut sur les mêmes textes en un seul appel "
                      f"(rapport {fr_number(b['rapport_construction'], 2)})."]
    assign = report.get("affectation")
    if assign:
        lines += ["", "**Affectation par lot** (flot de coût minimal OR-Tools, k = 3) :", "",
                  "| Cas | Temps flot (s) | Temps glouton (s) | Score flot | Score exact | Écart flot / exact |",
                  "|---|---:|---:|---:|---:|---:|"]
        for a in assign:
            lines.append(f"| {a['cas']} | {fr_number(a['flot_s'], 3)} | {fr_number(a['glouton_s'], 3)} | "
                         f"{fr_number(a['score_flot'], 1)} | "
                         f"{'—' if a['score_exact'] is None else fr_number(a['score_exact'], 1)} | "
                         f"{'—' if a['ecart_flot_exact'] is None else fr_number(a['ecart_flot_exact'], 4)} |")
    e = report.get("encodeurs")
    if e:
        lines += ["", "**Encodeurs** (`python -m eval.bench_encoder`, le même besoin encodé tour à tour par chacun, "
                  f"{e['besoins']} mesures ; nDCG@10 et P@1 du classement complet sur le jeu dev ; mémoire d'un processus "
                  "neuf qui a chargé l'encodeur et encodé un besoin) :", "",
                  "| Encodeur | p50 (ms) | p95 (ms) | Accélération | nDCG@10 dev | P@1 dev | Mémoire (Mo) | torch chargé |",
                  "|---|---:|---:|---:|---:|---:|---:|:---:|"]
        for name, label in ENCODER_LABELS.items():
            lat, q, m = e["latence_ms"][name], e.get("qualite", {}).get(name), e.get("memoire", {}).get(name)
            lines.append(f"| {label} | {_ms(lat['p50'])} | {_ms(lat['p95'])} | {fr_number(e['acceleration'][name], 2)} × | "
                         f"{fr_number(q['ndcg@10'], 3) if q else '—'} | {fr_number(q['p@1'], 3) if q else '—'} | "
                         f"{fr_number(m['rss_mo'], 0) if m else '—'} | "
                         f"{('oui' if 'torch' in m['modules_lourds'] else 'non') if m else '—'} |")
    lines += ["", "## Cibles", "", "| Cible | Mesure | Tenue |", "|---|---:|:---:|"]
    for c in report.get("cibles", []):
        lines.append(f"| {c['cible']} | {_target_value(c)} | {_held(c['tenue'])} |")
    lines += ["", "## Lecture", "", *NOTES]
    return "\n".join(lines) + "\n"


NOTES = [
    "- **Catalogues agrandis** : au-delà du catalogue fourni, les ateliers sont des copies des ateliers fournis "
    "(nouveaux identifiants), placées dans des communes réelles tirées au sort (graine fixe, poids √population). "
    "Leurs textes sont ceux du catalogue fourni : leurs embeddings viennent du cache disque, sans réencodage, "
    "et chaque ligne copiée reçoit un petit bruit gaussien (cosinus ≈ 0,98 avec l'original) pour que l'index "
    "ne contienne pas de doublons exacts. La construction de l'index aux grandes tailles ne mesure donc que FAISS ; "
    "pour un vrai catalogue, il faut y ajouter l'encodage des textes au débit mesuré sur le catalogue fourni. "
    "Les vecteurs copiés restent groupés autour d'environ 3 000 originaux, ce qui flatte un peu le rappel de l'IVF.",
    "- **Index** : recherche exacte jusqu'à `AFN_EXACT_MAX_ROWS` textes, IVF au-delà (`AFN_INDEX_KIND=auto`) ; "
    "le rappel est mesuré contre la recherche exacte (NumPy) sur les mêmes vecteurs, pour les 10 premiers textes "
    "et pour tout le pool de candidats ; l'accord du top 10 final compare les ateliers proposés avec ceux d'un index exact.",
    "- **Classement** : tout ce qui suit l'encodage hors FAISS (capacités, BM25, distances, explications).",
    "- **HTTP** : `afn-match serve` dans un processus à part, base SQLite temporaire, clients httpx sur la boucle "
    "locale ; la mémoire est celle de ce processus (VmRSS, et VmHWM pour le pic). Chaque démarrage part d'une base "
    "vide : le pic comprend donc le premier chargement du catalogue en base, qu'un redémarrage ne refait pas.",
    "- **Encodeur** : ONNX Runtime par défaut (`AFN_ENCODER_BACKEND=onnx`, mêmes vecteurs que torch à 1e-4 près) ; "
    "un plancher plus bas rend le rapport besoin / encodage plus exigeant : à surcoût égal, il monte. "
    "Pour le rapport avec l'encodeur torch : `AFN_ENCODER_BACKEND=torch afn-match bench`.",
    "- Les deux cœurs de la machine servent à la fois à l'encodeur (2 fils), au serveur et aux clients : "
    "le débit à plusieurs clients mesure surtout le partage de ces deux cœurs. La machine peut être partagée "
    "avec d'autres travaux : les p95 et p99 en souffrent plus que les p50.",
    "",
    "## Ce qui a été optimisé (issue 7)",
    "",
    "Résultats identiques avant et après (mêmes réponses, champ pour champ, sur les 184 besoins dev et test "
    "et leurs variantes, à 444 et à 10 000 ateliers ; nDCG@10 dev 0,947, P@1 0,924) :",
    "",
    "- BM25 tenu en listes de postings (scores de bm25s au bit près) : plus de BM25 reconstruit à chaque "
    "modification d'atelier ; capacités des phrases de service calculées pour les seuls résultats affichés.",
    "- État du catalogue immuable, remplacé d'un bloc à chaque modification : les recherches ne prennent plus "
    "de verrou (l'API servait une recherche à la fois) ; une mise à jour ne touche que l'atelier modifié.",
    "- Distances : haversine sur la seule bande de latitudes utile (tout le catalogue si le rayon doit s'élargir) ; "
    "distances affichées (géodésiques, arrondies à 0,1 km) par Vincenty vectorisé, geographiclib en cas de doute "
    "d'arrondi ; médiane de `relative()` sans parcours du catalogue ; top-k par partition.",
    "- Recherche FAISS lancée dans un fil dès l'encodage fini, pendant le reste du calcul ; FAISS sur un fil "
    "(ses fils OpenMP, en attente active, ralentissaient l'encodage suivant d'environ 20 %) ; IVF au-delà de "
    "20 000 textes.",
    "- Encodeur : un seul fil dédié pour le modèle (la mémoire de torch croissait avec le nombre de fils du "
    "serveur : +330 Mo avec 40 fils) ; chaque texte distinct encodé une fois à la construction de l'index.",
    "- Capacités restantes : une requête groupée sur les mises en relation au lieu d'une lecture de tout le "
    "catalogue à chaque recherche ; mémoire libérée rendue au système après le démarrage.",
    "- Encodeur ONNX Runtime par défaut, exporté une fois par `afn-match prepare` (moteurs : onnx, onnx-int8, torch, "
    "torch-int8 ; voir le tableau « Encodeurs ») : environ 2,8 × plus rapide que torch sur un besoin, même nDCG@10 "
    "dev, et un processus sans torch (460 Mo au lieu de 917 Mo pour l'encodeur seul).",
    "- Mémoire des grands catalogues : l'index ne garde plus d'objet Python par vecteur (tableaux NumPy), l'IVF "
    "range ses vecteurs sur 8 bits (`AFN_IVF_CODEC=sq8` : 4 × moins de mémoire, rappel@10 0,985 contre l'IVF "
    "float32 à 100 000 ateliers) et, au-delà de `AFN_PACKED_CATALOGUE_ABOVE` ateliers (20 000), les fiches sont "
    "gardées compressées (1,5 ko au lieu d'environ 12 ko), lues et écrites en base par paquets.",
    "",
    "Mesuré le 28/11/2026 sur cette machine, même index IVF à 10 000 ateliers, calcul après l'encodage "
    "(`match_vector`, moyenne sur les besoins dev et test et leurs variantes) : 7,1 ms avant, 2,6 ms après. "
    "Au catalogue fourni, rapport besoin / encodage 1,20 avant (`python -m eval.latency`). API à 444 ateliers, "
    "débit avec 1 / 2 / 4 / 8 clients : 24 / 19 / 18 / 18 req/s avant, environ 30 req/s après.",
]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai des performances, rapportées à l'encodage du besoin.")
    parser.add_argument("--sizes", default=",".join(str(s) for s in DEFAULT_SIZES),
                        help="tailles de catalogue (défaut 400,10000 ; complet : 400,10000,100000)")
    parser.add_argument("--runs", type=int, default=60, help="besoins mesurés en processus (défaut 60)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args(argv)
    report = run(BenchConfig(sizes=parse_sizes(args.sizes), runs=args.runs))
    write(report, OUT_DIR, f"python -m eval.bench --sizes {args.sizes}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        from rich.console import Console

        show(report, Console())


def parse_sizes(text: str) -> tuple[int, ...]:
    """``"400,10000"`` → (400, 10000); French error on anything else."""
    try:
        sizes = tuple(int(x.replace(" ", "").replace("_", "")) for x in text.split(",") if x.strip())
    except ValueError:
        raise ValueError(f"tailles invalides : « {text} » (ex. 400,10000,100000)") from None
    if not sizes or any(s < 1 for s in sizes):
        raise ValueError(f"tailles invalides : « {text} » (ex. 400,10000,100000)")
    return sizes


def write(report: dict, folder: Path, command: str) -> tuple[Path, Path]:
    """``BENCH.md`` and ``bench.json`` in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "BENCH.md"
    md.write_text(markdown(report, command), encoding="utf-8")
    js = folder / "bench.json"
    js.write_text(json.dumps(report, ensure_ascii=False, indent=1, default=float) + "\n", encoding="utf-8")
    return md, js


if __name__ == "__main__":
    main()
