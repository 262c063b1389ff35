"""Batch assignment benchmark: min-cost flow against the greedy baseline, and its gap to the exact MILP.

    python -m eval.bench_assignment [--needs 5000] [--workshops 400] [--candidates 50] [--k 3] [--json]

Three reproducible synthetic instances (seeded): sparse (``--candidates`` random workshops per
need), dense (every workshop is a candidate of every need) and a small one (200 × 20) that the
exact solver (scipy/HiGHS) can settle, to measure the optimality gap of the flow.
Scores lie in [0, 3]: a workshop quality shared by all needs (some workshops are popular) plus a
need-specific fit; total capacity is about 80 % of the ``needs × k`` slots, so it binds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.table import Table

from matcher.assignment import AssignmentResult, Candidate, assign, exact_assign, greedy_assign
from matcher.text import fr_number

Solver = Callable[..., AssignmentResult]


@dataclass
class Instance:
    name: str
    candidates: list[list[Candidate]]
    capacity: dict[str, int]
    k: int
    n_workshops: int
    per_need: int


def make_instance(name: str, needs: int, workshops: int, per_need: int, k: int, seed: int = 0) -> Instance:
    rng = np.random.default_rng(seed)
    per_need = min(per_need, workshops)
    quality = rng.uniform(0.0, 1.5, workshops)
    if per_need == workshops:
        cols = np.tile(np.arange(workshops), (needs, 1))
    else:
        cols = np.argsort(rng.random((needs, workshops)), axis=1)[:, :per_need]
    # four decimals: the solver's ×10 000 integer costs are then exact
    scores = np.round(quality[cols] + rng.uniform(0.0, 1.5, cols.shape), 4)
    ids = [f"atelier-{j}" for j in range(workshops)]
    candidates = [[Candidate(ids[j], float(s)) for j, s in zip(row, srow, strict=True)]
                  for row, srow in zip(cols.tolist(), scores.tolist(), strict=True)]
    mean = 0.8 * needs * k / workshops
    capacity = {w: int(c) for w, c in zip(ids, rng.integers(0, int(2 * mean) + 1, workshops), strict=True)}
    return Instance(name, candidates, capacity, k, workshops, per_need)


def timed(solve: Solver, inst: Instance) -> tuple[AssignmentResult, float]:
    t = time.perf_counter()
    result = solve(inst.candidates, inst.capacity, inst.k)
    return result, time.perf_counter() - t


def measure(inst: Instance, exact: bool) -> dict[str, float | str | None]:
    flow, flow_s = timed(assign, inst)
    greedy, greedy_s = timed(greedy_assign, inst)
    out: dict[str, float | str | None] = {
        "cas": inst.name, "besoins": len(inst.candidates), "ateliers": inst.n_workshops,
        "candidats_par_besoin": inst.per_need, "k": inst.k, "places_demandees": len(inst.candidates) * inst.k,
        "places_offertes": sum(inst.capacity.values()),
        "flot_s": flow_s, "glouton_s": greedy_s,
        "score_flot": flow.total_score, "score_glouton": greedy.total_score,
        "places_flot": flow.slots, "places_glouton": greedy.slots,
        "non_affectes_flot": len(flow.unassigned), "non_affectes_glouton": len(greedy.unassigned),
        "incomplets_flot": len(flow.short), "incomplets_glouton": len(greedy.short),
        "exact_s": None, "score_exact": None, "ecart_flot_exact": None,
    }
    if exact:
        best, exact_s = timed(exact_assign, inst)
        out.update(exact_s=exact_s, score_exact=best.total_score, places_exact=best.slots,
                   ecart_flot_exact=best.total_score - flow.total_score)
    return out


ROWS: list[tuple[str, str, Callable[[float], str]]] = [
    ("besoins", "Besoins", lambda v: f"{int(v):,}".replace(",", " ")),
    ("ateliers", "Ateliers", lambda v: str(int(v))),
    ("candidats_par_besoin", "Candidats par besoin", lambda v: str(int(v))),
    ("k", "Ateliers voulus par besoin (k)", lambda v: str(int(v))),
    ("places_demandees", "Places demandées", lambda v: f"{int(v):,}".replace(",", " ")),
    ("places_offertes", "Places offertes", lambda v: f"{int(v):,}".replace(",", " ")),
    ("flot_s", "Temps flot (s)", lambda v: fr_number(v, 3)),
    ("glouton_s", "Temps glouton (s)", lambda v: fr_number(v, 3)),
    ("exact_s", "Temps exact MILP (s)", lambda v: fr_number(v, 3)),
    ("score_flot", "Score total flot", lambda v: fr_number(v, 1)),
    ("score_glouton", "Score total glouton", lambda v: fr_number(v, 1)),
    ("score_exact", "Score total exact", lambda v: fr_number(v, 1)),
    ("ecart_flot_exact", "Écart d'optimalité flot / exact", lambda v: fr_number(v, 4)),
    ("places_flot", "Places pourvues flot", lambda v: f"{int(v):,}".replace(",", " ")),
    ("places_glouton", "Places pourvues glouton", lambda v: f"{int(v):,}".replace(",", " ")),
    ("non_affectes_flot", "Besoins non affectés flot", lambda v: str(int(v))),
    ("non_affectes_glouton", "Besoins non affectés glouton", lambda v: str(int(v))),
    ("incomplets_flot", "Besoins incomplets flot", lambda v: str(int(v))),
    ("incomplets_glouton", "Besoins incomplets glouton", lambda v: str(int(v))),
]


def show(results: list[dict], console: Console) -> None:
    table = Table(title="Affectation par lot : flot de coût minimal (OR-Tools) et glouton")
    table.add_column("Mesure")
    for r in results:
        table.add_column(str(r["cas"]), justify="right")
    for key, label, fmt in ROWS:
        table.add_row(label, *("—" if r.get(key) is None else fmt(r[key]) for r in results))
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description="Banc d'essai de l'affectation par lot (flot, glouton, exact).")
    parser.add_argument("--needs", type=int, default=5000, help="nombre de besoins (défaut 5000)")
    parser.add_argument("--workshops", type=int, default=400, help="nombre d'ateliers (défaut 400)")
    parser.add_argument("--candidates", type=int, default=50, help="candidats par besoin, cas creux (défaut 50)")
    parser.add_argument("--k", type=int, default=3, help="ateliers voulus par besoin (défaut 3)")
    parser.add_argument("--seed", type=int, default=0, help="graine du tirage (défaut 0)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    instances = [
        (make_instance("creux", args.needs, args.workshops, args.candidates, args.k, args.seed), False),
        (make_instance("dense", args.needs, args.workshops, args.workshops, args.k, args.seed), False),
        (make_instance("petit (exact)", 200, 20, 20, args.k, args.seed), True),
    ]
    results = [measure(inst, exact) for inst, exact in instances]
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
        return
    console = Console()
    show(results, console)
    slowest = max(r["flot_s"] for r in results[:2])
    needs = f"{args.needs:,}".replace(",", " ")
    console.print(f"Flot le plus lent ({needs} besoins × {args.workshops} ateliers) : "
                  f"{fr_number(slowest, 2)} s (objectif : moins de 5 s).")


if __name__ == "__main__":
    main()
