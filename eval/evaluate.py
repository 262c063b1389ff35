"""Offline evaluation: graded relevance from the catalogue, runs of the ranker, ranx metrics.

Relevance of a workshop to a need is computed, never hand-listed: 2 when every required group
is satisfied, the workshop accepts companies and lies within ``radius_km`` of the need's
commune; 1 when the same holds within twice the radius; 0 otherwise.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.catalogue import Workshop
from matcher.errors import AfnError, DataError
from matcher.gazetteer import Gazetteer, haversine_km
from matcher.ranking import Switches
from matcher.service import MatchRequest, MatchResponse, MatchService

from .needs import Need, satisfies

K = 10


def grades(need: Need, workshops: Sequence[Workshop], gazetteer: Gazetteer) -> dict[str, int]:
    """Graded relevance of every workshop to one in-scope need (zeros left out)."""
    if need.out_of_scope:
        return {}
    c = gazetteer.resolve(need.commune).commune
    lats = np.array([w.lat for w in workshops])
    lons = np.array([w.lon for w in workshops])
    dist = haversine_km(c.lat, c.lon, lats, lons)
    out: dict[str, int] = {}
    for w, d in zip(workshops, dist, strict=True):
        if not w.accepts_companies or not satisfies(need.requires, set(w.capabilities)):
            continue
        if d <= need.radius_km:
            out[w.id] = 2
        elif d <= 2 * need.radius_km:
            out[w.id] = 1
    return out


def all_grades(needs: Sequence[Need], workshops: Sequence[Workshop], gazetteer: Gazetteer) -> dict[str, dict[str, int]]:
    """:func:`grades` of every need; a need whose commune cannot be found is named in the error."""
    out: dict[str, dict[str, int]] = {}
    for n in needs:
        try:
            out[n.id] = grades(n, workshops, gazetteer)
        except AfnError as exc:
            raise DataError(f"Besoin {n.id} : {exc.message}", code=exc.code) from exc
    return out


@dataclass
class SystemRun:
    name: str
    run: dict[str, dict[str, float]] = field(default_factory=dict)
    flagged_out_of_scope: dict[str, bool] = field(default_factory=dict)
    seconds: float = 0.0


def run_service(service: MatchService, needs: Sequence[Need], switches: Switches = Switches(),
                name: str = "complet", top_k: int = K) -> SystemRun:
    """Answer every need with the ranker (batched encoding) and keep the ranked ids."""
    reqs = [MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km, top_k=top_k) for n in needs]
    t0 = time.perf_counter()
    answers = service.match_batch(reqs, switches=switches)
    out = SystemRun(name=name, seconds=time.perf_counter() - t0)
    for need, ans in zip(needs, answers, strict=True):
        if not isinstance(ans, MatchResponse):  # e.g. an unknown commune in a network's own file
            raise DataError(f"Besoin {need.id} : {ans.message}", code=ans.code)
        out.flagged_out_of_scope[need.id] = ans.out_of_scope
        out.run[need.id] = {r.workshop_id: float(len(ans.results) - i) for i, r in enumerate(ans.results)}
    return out


def metrics(needs: Sequence[Need], qrels: dict[str, dict[str, int]], system: SystemRun) -> dict[str, float]:
    """nDCG@10, MRR@10, P@1 (grade ≥ 1), Recall@10 (grade 2), out-of-scope precision/recall."""
    from ranx import Qrels, Run, evaluate

    scored = [n.id for n in needs if not n.out_of_scope and qrels.get(n.id)]
    res: dict[str, float] = {}
    if scored:
        q = Qrels({i: qrels[i] for i in scored})
        r = Run({i: system.run.get(i) or {"__none__": 0.0} for i in scored})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = evaluate(q, r, ["ndcg@10", "mrr@10", "precision@1"])
            strict = [i for i in scored if any(g == 2 for g in qrels[i].values())]
            q2 = Qrels({i: {w: 1 for w, g in qrels[i].items() if g == 2} for i in strict})
            r2 = Run({i: system.run.get(i) or {"__none__": 0.0} for i in strict})
            rec = evaluate(q2, r2, "recall@10") if strict else 0.0
        res.update({k: float(v) for k, v in m.items()})
        res["recall@10"] = float(rec)
    oos = [n for n in needs if n.out_of_scope]
    ins = [n for n in needs if not n.out_of_scope]
    flagged = [n for n in needs if system.flagged_out_of_scope.get(n.id)]
    tp = sum(1 for n in flagged if n.out_of_scope)
    res["oos_precision"] = tp / len(flagged) if flagged else float("nan")  # undefined: nothing flagged
    res["oos_recall"] = tp / len(oos) if oos else 1.0
    res["in_scope_flagged"] = sum(1 for n in ins if system.flagged_out_of_scope.get(n.id)) / max(len(ins), 1)
    res["queries_per_s"] = len(needs) / system.seconds if system.seconds else float("nan")
    res["n_scored"] = float(len(scored))
    return res


def exposure(system: SystemRun, workshop_ids: Sequence[str]) -> dict[str, float]:
    """Catalogue coverage (share of workshops in any top-10) and Gini of their exposure counts."""
    counts = dict.fromkeys(workshop_ids, 0)
    for ranked in system.run.values():
        for wid in list(ranked)[:K]:
            if wid in counts:
                counts[wid] += 1
    x = np.sort(np.array(list(counts.values()), dtype=np.float64))
    n = x.size
    gini = float((2 * np.arange(1, n + 1) - n - 1) @ x / (n * x.sum())) if n and x.sum() else 0.0
    return {"coverage": float(np.mean(x > 0)) if n else 0.0, "gini": gini}


def per_need_ndcg(needs: Sequence[Need], qrels: dict[str, dict[str, int]], system: SystemRun) -> dict[str, float]:
    """nDCG@10 of each scored need (ranx, not re-implemented)."""
    from ranx import Qrels, Run, evaluate

    scored = [n.id for n in needs if not n.out_of_scope and qrels.get(n.id)]
    if not scored:
        return {}
    q = Qrels({i: qrels[i] for i in scored})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = evaluate(q, Run({i: system.run.get(i) or {"__none__": 0.0} for i in scored}), "ndcg@10",
                          return_mean=False)
    return {str(i): float(v) for i, v in zip(list(q.keys()), values, strict=True)}


def main() -> None:
    """``python -m eval.evaluate [--split dev|test] [--json]``: the full ranker's figures."""
    import argparse
    import json
    from pathlib import Path

    from .needs import load_needs

    parser = argparse.ArgumentParser(description="Qualité des recommandations sur des besoins étiquetés.")
    parser.add_argument("--split", choices=["dev", "test"], default="dev", help="jeu de besoins (défaut dev)")
    parser.add_argument("--needs", type=Path, help="autre fichier de besoins étiquetés (JSONL)")
    parser.add_argument("--json", action="store_true", help="sortie JSON")
    args = parser.parse_args()
    path = args.needs or Path(__file__).with_name(f"needs_{args.split}.jsonl")
    needs = load_needs(path)
    service = MatchService.from_settings()
    qrels = all_grades(needs, service.workshops, service.gazetteer)
    res = metrics(needs, qrels, run_service(service, needs))
    empty = [n.id for n in needs if not n.out_of_scope and not qrels[n.id]]
    if args.json:
        print(json.dumps({**{k: round(v, 4) for k, v in res.items()}, "needs_without_relevant": empty}))
        return
    print(f"{path.name} : {len(needs)} besoins, {int(res['n_scored'])} notés")
    for key, value in res.items():
        print(f"  {key:>18} : {value:.4f}")
    if empty:
        print(f"  sans atelier pertinent (hors moyennes) : {', '.join(empty)}")


if __name__ == "__main__":
    main()
