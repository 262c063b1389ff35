"""Encoder backends compared: torch float32, torch int8, ONNX Runtime float32 and int8.

    python -m eval.bench_encoder [--json] [--runs 300] [--sans-qualite] [--sans-memoire]

In one run: latency of one need's encoding (p50/p95; the dev and test needs, every backend on
the same needs, alternating by blocks of 10 needs, the order rotating from block to block), the
dev nDCG@10 and P@1 of the whole ranker on each backend (as ``afn-match bench --int8`` does),
and the memory of a fresh process that loaded each backend and encoded one text (VmRSS / VmHWM
of ``/proc/self/status``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BACKENDS = ("torch", "torch-int8", "onnx", "onnx-int8")
LABELS = {"torch": "torch float32", "torch-int8": "torch int8", "onnx": "ONNX float32", "onnx-int8": "ONNX int8"}
HEAVY_MODULES = ("torch", "transformers", "sentence_transformers")
OUT_DIR = Path(__file__).resolve().parent


def load_backend(name: str, settings: Any, cache: bool = False) -> Any:
    """The encoder of backend ``name`` (ONNX exports made first if needed)."""
    if name.startswith("onnx"):
        from matcher.onnx_encoder import ensure_onnx, load_onnx_encoder

        ensure_onnx(settings, quantize=name == "onnx-int8")
        return load_onnx_encoder(settings, quantize=name == "onnx-int8", cache=cache)
    from matcher.encoder import SentenceEncoder, model_location, quantize_int8

    path, model_id = model_location(settings)
    encoder = SentenceEncoder(path, model_id, settings, cache=cache)
    return quantize_int8(encoder, settings if cache else None) if name == "torch-int8" else encoder


def latency(encoders: dict[str, Any], texts: list[str], runs: int, block: int = 10) -> dict[str, list[float]]:
    """Seconds of ``raw_encode([one need])`` per backend, alternating by blocks of ``block`` needs.

    Every backend encodes the same needs, the order of the backends rotating from block to
    block. Each block starts with one untimed call: the thread pools of torch (OpenMP) and
    onnxruntime keep spinning for a while after a call, and would otherwise slow down the
    next backend's first call (need by need alternation doubled torch's p50: 63 ms against 25)."""
    names = list(encoders)
    prefix = next(iter(encoders.values())).prefixes["query"]
    out: dict[str, list[float]] = {n: [] for n in names}
    for b, start in enumerate(range(0, runs, block)):
        needs = [prefix + texts[i % len(texts)] for i in range(start, min(start + block, runs))]
        for name in names[b % len(names):] + names[: b % len(names)]:
            encoder = encoders[name]
            encoder.raw_encode([needs[0]])  # warm-up, untimed
            for text in needs:
                t = time.perf_counter()
                encoder.raw_encode([text])
                out[name].append(time.perf_counter() - t)
    return out


def quality(encoder: Any, settings: Any) -> dict[str, float]:
    """Dev nDCG@10 and P@1 of the ranker on ``encoder`` (its own index, built in a temp folder)."""
    from matcher.service import MatchService

    from .evaluate import all_grades, metrics, run_service
    from .needs import load_needs

    dev = load_needs(OUT_DIR / "needs_dev.jsonl")
    with tempfile.TemporaryDirectory(prefix="afn-bench-enc-") as tmp:
        service = MatchService.from_settings(settings.model_copy(update={"index_dir": Path(tmp)}), encoder=encoder)
        res = metrics(dev, all_grades(dev, service.workshops, service.gazetteer), run_service(service, dev))
    return {"ndcg@10": res["ndcg@10"], "p@1": res["precision@1"]}


def memory(name: str) -> dict[str, Any]:
    """Memory of a fresh process that loaded backend ``name`` and encoded one need."""
    res = subprocess.run([sys.executable, "-m", "eval.bench_encoder", "--enfant", name], cwd=OUT_DIR.parent,
                         capture_output=True, text=True, timeout=600, check=True)
    return json.loads(res.stdout.strip().splitlines()[-1])


def _child(name: str) -> None:
    """Body of :func:`memory`'s subprocess: prints one JSON line."""
    from matcher.settings import get_settings

    t = time.perf_counter()
    encoder = load_backend(name, get_settings())
    encoder.encode(["découpe laser de contreplaqué pour des présentoirs"], kind="query")
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    mib = {key: int(status[key].split()[0]) / 1024 for key in ("VmRSS", "VmHWM")}
    print(json.dumps({"rss_mo": mib["VmRSS"], "pic_mo": mib["VmHWM"], "chargement_s": time.perf_counter() - t,
                      "modules_lourds": sorted(m for m in HEAVY_MODULES if m in sys.modules)}))


def exports(settings: Any) -> dict[str, dict[str, Any]]:
    """Size, export time and quantisation variant of each ONNX export (from its marker)."""
    from matcher.onnx_encoder import MARKER_NAME, onnx_dir

    out = {}
    for name in ("onnx", "onnx-int8"):
        marker = json.loads((onnx_dir(settings, name == "onnx-int8") / MARKER_NAME).read_text(encoding="utf-8"))
        out[name] = {"taille_mo": marker["model_bytes"] / 2**20, "export_s": marker["seconds"],
                     "exportateur": marker["exporter"], "quantification": marker.get("quantization")}
    return out


def run(runs: int = 300, with_quality: bool = True, with_memory: bool = True) -> dict[str, Any]:
    """Every measure, as one dict (French keys, like ``eval/bench.py``)."""
    from matcher.settings import get_settings

    from .bench import machine, summary_ms
    from .needs import load_needs

    settings = get_settings()
    texts = [n.text for f in ("needs_dev.jsonl", "needs_test.jsonl") for n in load_needs(OUT_DIR / f)]
    encoders = {name: load_backend(name, settings) for name in BACKENDS}
    report: dict[str, Any] = {"machine": machine(), "besoins": runs, "onnx": exports(settings)}
    times = latency(encoders, texts, runs)
    report["latence_ms"] = {n: summary_ms(times[n]) for n in BACKENDS}
    base = report["latence_ms"]["torch"]["p50"]
    report["acceleration"] = {n: base / report["latence_ms"][n]["p50"] for n in BACKENDS}
    if with_quality:
        # torch float32 reuses the embedding cache (its vectors are the ones computed); every
        # other backend computes all of its vectors here
        report["qualite"] = {n: quality(load_backend(n, settings, cache=True) if n == "torch" else e, settings)
                             for n, e in encoders.items()}
        ref = report["qualite"]["torch"]["ndcg@10"]
        report["perte_ndcg"] = {n: ref - q["ndcg@10"] for n, q in report["qualite"].items()}
    del encoders
    if with_memory:
        report["memoire"] = {n: memory(n) for n in BACKENDS}
    return report


def show(report: dict[str, Any]) -> None:
    """The French table."""
    from rich.console import Console
    from rich.table import Table

    from matcher.text import fr_number

    table = Table(title=f"Encodeurs : un besoin ({report['besoins']} mesures par blocs alternés), nDCG@10 dev, mémoire")
    for col in ("Encodeur", "p50 (ms)", "p95 (ms)", "Accélération", "nDCG@10", "P@1", "Perte nDCG", "RSS (Mo)",
                "Pic (Mo)", "Modules lourds"):
        table.add_column(col, justify="left" if col in ("Encodeur", "Modules lourds") else "right")
    for n in BACKENDS:
        lat, q, m = report["latence_ms"][n], report.get("qualite", {}).get(n), report.get("memoire", {}).get(n)
        table.add_row(LABELS[n], fr_number(lat["p50"], 2), fr_number(lat["p95"], 2),
                      fr_number(report["acceleration"][n], 2) + " ×",
                      fr_number(q["ndcg@10"], 4) if q else "–", fr_number(q["p@1"], 4) if q else "–",
                      fr_number(report["perte_ndcg"][n], 4) if q else "–",
                      fr_number(m["rss_mo"], 0) if m else "–", fr_number(m["pic_mo"], 0) if m else "–",
                      (", ".join(m["modules_lourds"]) or "aucun") if m else "–")
    console = Console()
    if not console.is_terminal:
        console = Console(width=150)  # a pipe or a file: no 80-column squeeze
    console.print(table)
    for n, e in report["onnx"].items():
        kept = (e["quantification"] or {}).get("kept")
        console.print(f"{LABELS[n]} : {fr_number(e['taille_mo'], 0)} Mo, export en {fr_number(e['export_s'], 1)} s"
                      f" ({e['exportateur']})" + (f", variante int8 retenue : {kept}" if kept else ""))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare les encodeurs torch et ONNX (vitesse, qualité, mémoire).")
    parser.add_argument("--json", action="store_true", help="sortie JSON sur la sortie standard")
    parser.add_argument("--runs", type=int, default=300, help="mesures de latence par encodeur")
    parser.add_argument("--sans-qualite", action="store_true", help="ne pas mesurer le nDCG@10 dev")
    parser.add_argument("--sans-memoire", action="store_true", help="ne pas mesurer la mémoire des processus")
    parser.add_argument("--enfant", choices=BACKENDS, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.enfant:
        _child(args.enfant)
        return
    report = run(args.runs, not args.sans_qualite, not args.sans_memoire)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, default=float))
    else:
        show(report)


if __name__ == "__main__":
    main()
