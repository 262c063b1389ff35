"""Single-need latency against the bare encoding of the need, measured in the same run.

    python -m eval.latency [--runs 60] [--json]

The floor of a match is the time to embed the need itself; everything else (commune lookup,
capability inference, FAISS search, BM25, ranking, explanations) is reported as a ratio to it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from matcher.service import MatchRequest, MatchService
from matcher.settings import get_settings

from .needs import load_needs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def measure(runs: int = 60) -> dict[str, float]:
    settings = get_settings()
    t0 = time.perf_counter()
    service = MatchService.from_settings(settings)
    load_s = time.perf_counter() - t0
    needs = [n for n in load_needs(Path(__file__).with_name("needs_dev.jsonl")) if not n.out_of_scope][:runs]
    prefix = settings.query_prefix
    encoder = service.encoder
    for n in needs[:5]:  # warm-up
        encoder.raw_encode([prefix + n.text])
        service.match(MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km))
    bare, full = [], []
    def bare_once(text: str) -> None:
        t = time.perf_counter()
        encoder.raw_encode([prefix + text])
        bare.append(time.perf_counter() - t)

    def full_once(n) -> None:
        t = time.perf_counter()
        service.match(MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km))
        full.append(time.perf_counter() - t)

    # interleaved so both see the same machine state; the order alternates because the second
    # encoding of the same text runs a little faster (warm allocator)
    for i, n in enumerate(needs):
        if i % 2:
            full_once(n)
            bare_once(n.text)
        else:
            bare_once(n.text)
            full_once(n)
    out = {"needs": float(len(needs)), "service_load_s": load_s}
    for name, values in (("encode", bare), ("match", full)):
        for q in (0.5, 0.95, 0.99):
            out[f"{name}_p{int(q * 100)}_ms"] = 1000 * percentile(values, q)
        out[f"{name}_mean_ms"] = 1000 * statistics.fmean(values)
    out["ratio_p50"] = out["match_p50_ms"] / out["encode_p50_ms"]
    out["ratio_mean"] = out["match_mean_ms"] / out["encode_mean_ms"]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="Latence d'un besoin comparée à son seul encodage.")
    parser.add_argument("--runs", type=int, default=60, help="nombre de besoins mesurés (défaut 60)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    res = measure(args.runs)
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in res.items()}))
        return
    print(f"{int(res['needs'])} besoins, service chargé en {res['service_load_s']:.1f} s")
    for name, label in (("encode", "encodage seul"), ("match", "besoin complet")):
        print(f"{label:>15} : p50 {res[f'{name}_p50_ms']:.1f} ms, p95 {res[f'{name}_p95_ms']:.1f} ms, "
              f"p99 {res[f'{name}_p99_ms']:.1f} ms, moyenne {res[f'{name}_mean_ms']:.1f} ms")
    print(f"{'rapport':>15} : {res['ratio_p50']:.2f} (p50), {res['ratio_mean']:.2f} (moyenne)")


if __name__ == "__main__":
    main()
