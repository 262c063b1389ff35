"""Run every system on the same needs, and write the evaluation report (Markdown + PNG plots)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from statistics import fmean

from matcher.service import MatchService

from .baselines import BASELINES, SYSTEMS
from .evaluate import SystemRun, all_grades, distance_regret, exposure, metrics, per_need_ndcg
from .needs import Need

COLUMNS = ("ndcg@10", "mrr@10", "precision@1", "recall@10", "oos_precision", "oos_recall",
           "in_scope_flagged", "regret_over_10km", "coverage", "gini", "queries_per_s")
#: short French headers for tables
LABELS = {"ndcg@10": "nDCG@10", "mrr@10": "MRR@10", "precision@1": "P@1", "recall@10": "R@10 (2)",
          "oos_precision": "HS préc.", "oos_recall": "HS rappel", "in_scope_flagged": "écartés à tort",
          "regret_over_10km": "regret > 10 km",
          "coverage": "couverture", "gini": "Gini expo.", "queries_per_s": "besoins/s"}


def _json_num(v: float) -> float | None:
    return None if v != v else round(v, 4)


@dataclass
class Comparison:
    needs_file: str
    needs: list[Need]
    qrels: dict[str, dict[str, int]]
    table: dict[str, dict[str, float]] = field(default_factory=dict)
    runs: dict[str, SystemRun] = field(default_factory=dict)
    full_ndcg: dict[str, float] = field(default_factory=dict)

    @property
    def without_relevant(self) -> list[str]:
        return [n.id for n in self.needs if not n.out_of_scope and not self.qrels[n.id]]

    def margin_over_baselines(self) -> float:
        best = max(self.table[b]["ndcg@10"] for b in BASELINES)
        return self.table["complet"]["ndcg@10"] - best

    def breakdown(self, key) -> dict[str, float]:
        groups: dict[str, list[float]] = defaultdict(list)
        for n in self.needs:
            if n.id in self.full_ndcg:
                for k in key(n):
                    groups[k].append(self.full_ndcg[n.id])
        return {k: fmean(v) for k, v in sorted(groups.items())}

    def to_json(self) -> dict:
        return {
            "needs_file": Path(self.needs_file).name,
            "systems": {k: {c: _json_num(v.get(c, float("nan"))) for c in COLUMNS} for k, v in self.table.items()},
            "full_minus_best_baseline_ndcg@10": round(self.margin_over_baselines(), 4),
            "needs_without_relevant": self.without_relevant,
        }


def compare(service: MatchService, needs: list[Need], needs_file: str, progress=None) -> Comparison:
    qrels = all_grades(needs, service.workshops, service.gazetteer)
    comp = Comparison(needs_file=needs_file, needs=needs, qrels=qrels)
    ids = [w.id for w in service.workshops]
    for k, (name, run_system) in enumerate(SYSTEMS.items()):
        if progress:
            progress("Évaluation des systèmes", k / len(SYSTEMS))
        run = run_system(service, needs)
        comp.runs[name] = run
        regret = distance_regret(needs, service.workshops, service.gazetteer, run)
        comp.table[name] = {**metrics(needs, qrels, run), **exposure(run, ids),
                            "regret_over_10km": sum(r > 10 for r in regret.values()) / max(len(regret), 1)}
    if progress:
        progress("Évaluation des systèmes", 1.0)
    comp.full_ndcg = per_need_ndcg(needs, qrels, comp.runs["complet"])
    return comp


def fmt_metric(v: float) -> str:
    return "—" if v != v else f"{v:.3f}"  # NaN: undefined (e.g. precision when nothing is flagged)


def worst_needs(comp: Comparison, service: MatchService, n: int = 10) -> list[str]:
    """The ``n`` lowest-scoring needs, each with a short diagnosis."""
    by_id = {need.id: need for need in comp.needs}
    lines = []
    for nid, score in sorted(comp.full_ndcg.items(), key=lambda x: x[1])[:n]:
        need = by_id[nid]
        ranked = list(comp.runs["complet"].run.get(nid, {}))
        first = service.workshops[service.position[ranked[0]]] if ranked else None
        if first is None:
            why = "aucun résultat (besoin jugé hors sujet ?)" if comp.runs["complet"].flagged_out_of_scope[nid] \
                else "aucun résultat"
        else:
            missing = [g for g in need.requires if not set(g) & set(first.capabilities)]
            if missing:
                why = f"le premier ({first.id}) n'a pas {' + '.join('/'.join(g) for g in missing)}"
            elif not first.accepts_companies:
                why = f"le premier ({first.id}) n'accueille pas d'entreprises"
            else:
                why = f"le premier ({first.id}) est pertinent ; les suivants le sont moins"
        lines.append(f"| {nid} | {need.register or ''} | {fmt_metric(score)} | {need.text[:90].replace('|', '/')} | "
                     f"{' + '.join('/'.join(g) for g in need.requires)} | {len(comp.qrels[nid])} | {why} |")
    return lines


def write_report(comp: Comparison, service: MatchService, out_dir: Path) -> Path:
    """``REPORT.md``, ``results.json`` and two PNG plots in ``out_dir``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    names = list(comp.table)
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.4
    xs = range(len(names))
    ax.bar([x - width / 2 for x in xs], [comp.table[n]["ndcg@10"] for n in names], width, label="nDCG@10")
    ax.bar([x + width / 2 for x in xs], [comp.table[n].get("precision@1", 0) for n in names], width, label="P@1")
    ax.set_xticks(list(xs), names, rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1)
    ax.set_title(f"Qualité par système ({Path(comp.needs_file).name})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "systems.png", dpi=110)
    plt.close(fig)

    by_cap = comp.breakdown(lambda n: sorted({c for g in n.requires for c in g}))
    fig, ax = plt.subplots(figsize=(10, 4.5))
    ax.bar(list(by_cap), list(by_cap.values()))
    ax.set_xticks(range(len(by_cap)), list(by_cap), rotation=60, ha="right", fontsize=7)
    ax.set_ylim(0, 1)
    ax.set_title("nDCG@10 du classement complet, par capacité demandée")
    fig.tight_layout()
    fig.savefig(out_dir / "ndcg_by_capability.png", dpi=110)
    plt.close(fig)

    by_reg = comp.breakdown(lambda n: [n.register or "?"])
    lines = [
        "# Rapport d'évaluation (généré)",
        "",
        f"Besoins : `{Path(comp.needs_file).name}` — {len(comp.needs)} besoins, "
        f"{len(comp.full_ndcg)} notés, {sum(n.out_of_scope for n in comp.needs)} hors sujet. "
        "Produit par `afn-match eval --out eval` ; ne pas modifier à la main.",
        "",
        "Pertinence calculée depuis le catalogue (un atelier « répond » s'il a toutes les capacités et "
        "accueille les entreprises) : 3 = répond, dans le rayon et à moins de 10 km de plus que le plus "
        "proche qui répond ; 2 = répond dans le rayon ; 1 = répond à moins de 2 fois le rayon ; 0 sinon. "
        "P@1 : note ≥ 1 ; R@10 : note ≥ 2 ; HS : détection des besoins hors sujet (— : aucun signalé) ; "
        "regret > 10 km : part des besoins dont le premier résultat est à plus de 10 km de plus que le "
        "plus proche atelier qui répond dans le rayon ; couverture : part des ateliers présents dans au "
        "moins un top 10 ; Gini de leur exposition.",
        "",
        "| système | " + " | ".join(LABELS[c] for c in COLUMNS) + " |",
        "|---|" + "---|" * len(COLUMNS),
    ]
    for name, row in comp.table.items():
        lines.append(f"| {name} | " + " | ".join(fmt_metric(row.get(c, float('nan'))) for c in COLUMNS) + " |")
    lines += [
        "",
        f"Écart du classement complet sur la meilleure référence (nDCG@10) : {comp.margin_over_baselines():+.3f}.",
        "",
        "![Qualité par système](systems.png)",
        "",
        "## Par capacité demandée (classement complet, nDCG@10)",
        "",
        "| capacité | nDCG@10 |",
        "|---|---|",
        *[f"| {k} | {fmt_metric(v)} |" for k, v in by_cap.items()],
        "",
        "![nDCG par capacité](ndcg_by_capability.png)",
        "",
        "## Par registre d'écriture",
        "",
        "| registre | nDCG@10 |",
        "|---|---|",
        *[f"| {k} | {fmt_metric(v)} |" for k, v in by_reg.items()],
        "",
        "## Les 10 besoins les moins bien servis",
        "",
        "| id | registre | nDCG@10 | texte | exige | pertinents | ce qui n'a pas marché |",
        "|---|---|---|---|---|---|---|",
        *worst_needs(comp, service),
        "",
        "## Besoins sans atelier pertinent (hors moyennes)",
        "",
        ", ".join(comp.without_relevant) or "aucun",
        "",
    ]
    report = out_dir / "REPORT.md"
    report.write_text("\n".join(lines), encoding="utf-8")
    (out_dir / "results.json").write_text(json.dumps(comp.to_json(), ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    return report
