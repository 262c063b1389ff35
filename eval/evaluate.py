"""Offline evaluation: graded relevance from the catalogue, runs of the ranker, ranx metrics.

Relevance of a workshop to a need is computed, never hand-listed. A workshop *answers* a need
when it satisfies every required group and accepts companies. Then: 3 when it answers, lies
within ``radius_km`` of the need's commune and at most ``NEAR_SLACK_KM`` further than the nearest
workshop that answers (proximity counts: of two capable workshops, the one next door is better);
2 when it answers within the radius; 1 when it answers within twice the radius; 0 otherwise.

**Distance regret**: km between the first result and the nearest workshop that answers within
the radius (0 when the first is the nearest).
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
NEAR_SLACK_KM = 10.0


def _answering(need: Need, workshops: Sequence[Workshop], gazetteer: Gazetteer) -> tuple[np.ndarray, np.ndarray]:
    """(distance to every workshop, whether it answers the need)."""
    c = gazetteer.resolve(need.commune).commune
    lats = np.array([w.lat for w in workshops])
    lons = np.array([w.lon for w in workshops])
    dist = haversine_km(c.lat, c.lon, lats, lons)
    ok = np.array([w.accepts_companies and satisfies(need.requires, set(w.capabilities)) for w in workshops])
    return dist, ok


def grades(need: Need, workshops: Sequence[Workshop], gazetteer: Gazetteer) -> dict[str, int]:
    """Graded relevance of every workshop to one in-scope need (zeros left out)."""
    if need.out_of_scope:
        return {}
    dist, ok = _answering(need, workshops, gazetteer)
    within = ok & (dist <= need.radius_km)
    nearest = float(dist[within].min()) if within.any() else np.inf
    out: dict[str, int] = {}
    for w, d, good in zip(workshops, dist, ok, strict=True):
        if not good:
            continue
        if d <= need.radius_km:
            out[w.id] = 3 if d <= nearest + NEAR_SLACK_KM else 2
        elif d <= 2 * need.radius_km:
            out[w.id] = 1
    return out


def distance_regret(needs: Sequence[Need], workshops: Sequence[Workshop], gazetteer: Gazetteer,
                    system: SystemRun) -> dict[str, float]:
    """Per in-scope need with an answering workshop within its radius: km between the system's
    first result and the nearest such workshop (0 when the first is nearer)."""
    pos = {w.id: i for i, w in enumerate(workshops)}
    out: dict[str, float] = {}
    for n in needs:
        ranked = list(system.run.get(n.id, {}))
        if n.out_of_scope or not ranked or ranked[0] not in pos:
            continue
        dist, ok = _answering(n, workshops, gazetteer)
        within = ok & (dist <= n.radius_km)
        if within.any():
            out[n.id] = max(0.0, float(dist[pos[ranked[0]]] - dist[within].min()))
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
    """nDCG@10, MRR@10, P@1 (grade ≥ 1), Recall@10 (grade ≥ 2: within the radius), out-of-scope precision/recall."""
    from ranx import Qrels, Run, evaluate

    scored = [n.id for n in needs if not n.out_of_scope and qrels.get(n.id)]
    res: dict[str, float] = {}
    if scored:
        q = Qrels({i: qrels[i] for i in scored})
        r = Run({i: system.run.get(i) or {"__none__": 0.0} for i in scored})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = evaluate(q, r, ["ndcg@10", "mrr@10", "precision@1"])
            strict = [i for i in scored if any(g >= 2 for g in qrels[i].values())]
            q2 = Qrels({i: {w: 1 for w, g in qrels[i].items() if g >= 2} for i in strict})
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
