"""``eval/real/REPORT.md``: the real-data evaluation's figures, in French."""

from __future__ import annotations

import math
from pathlib import Path

from .evaluate_real import K, RealComparison
from .judgments import HERE

COLUMNS = ("ndcg@5", "precision@5", "first_irrelevant", "far_while_near", "regret_over_10km", "unjudged",
           "oos_recall", "oos_false_flags")
LABELS = {"ndcg@5": "nDCG@5", "precision@5": "P@5", "first_irrelevant": "1er non pertinent",
          "far_while_near": "au-delà de 2R (plausible dans R)", "regret_over_10km": "regret > 10 km",
          "unjudged": "non jugés (top 5)", "oos_recall": "HS rappel", "oos_false_flags": "HS à tort"}


def fmt(v: float, key: str) -> str:
    if v != v:
        return "—"
    if key in ("far_while_near", "unjudged"):
        return str(int(v))
    return f"{v:.3f}"


def render(comps: list[RealComparison]) -> str:
    lines = ["# Évaluation sur les annuaires réels", "",
             "Généré par `afn-match eval --real --split dev|test` (ne pas éditer à la main).", "",
             "Catalogue : les annuaires publics de `AFN_REAL_DATA` importés par `afn-match import` "
             f"({comps[0].n_workshops} ateliers). Besoins écrits à la main (`eval/real/needs_*.jsonl`). "
             "Pertinence jugée à l'aveugle par deux juges indépendants sur les **fiches sources** "
             "(indicateurs et machines fablabs.io, textes, typologies et codes), jamais sur la sortie de "
             "l'importeur, puis notée mécaniquement avec la distance : 2 = preuve positive et dans le rayon R ; "
             "1 = lieu de fabrication ni confirmé ni exclu dans R, ou preuve positive dans 2R ; 0 sinon. "
             f"Mesures sur les {K} premiers résultats ; les résultats non jugés sont comptés à part, pas "
             "dans les moyennes (nDCG et P@5 sur les résultats jugés).", ""]
    agree = comps[0].agreement
    if agree:
        lines += [f"Accord des juges : {int(agree['pairs'])} paires, accord brut {agree['agreement']:.3f}, "
                  f"kappa de Cohen {agree['kappa']:.3f} (pondéré linéairement {agree['kappa_linear']:.3f}). "
                  "Note retenue : moyenne des deux, arrondie vers le bas.", ""]
    for c in comps:
        ins = [n for n in c.needs if not n.out_of_scope]
        lines += [f"## Jeu {c.split} : {len(c.needs)} besoins ({len(ins)} dans le champ, "
                  f"{len(c.needs) - len(ins)} hors sujet)", "",
                  "| système | " + " | ".join(LABELS[k] for k in COLUMNS) + " |",
                  "|---|" + "---:|" * len(COLUMNS)]
        for name, f in c.figures.items():
            lines.append(f"| {name} | " + " | ".join(fmt(f.values.get(k, math.nan), k) for k in COLUMNS) + " |")
        full = c.figures["complet"]
        lines += ["", f"Écart nDCG@5 du classement complet sur « 5 plus proches » : {c.margin():+.3f}.", ""]
        if full.without_relevant:
            lines.append("Sans lieu pertinent jugé dans 2R (hors moyennes) : " + ", ".join(full.without_relevant) + ".")
        if full.first_irrelevant:
            lines.append("Premier résultat non pertinent : " + ", ".join(full.first_irrelevant) + ".")
        if full.far_while_near:
            lines.append("Au-delà de 2R alors qu'un lieu plausible est dans R : "
                         + ", ".join(f"{n} ({w})" for n, w in full.far_while_near) + ".")
        big = {n: r for n, r in full.regret.items() if r > 10}
        if big:
            lines.append("Regret de distance > 10 km : " + ", ".join(f"{n} ({r:.0f} km)" for n, r in sorted(big.items())) + ".")
        if full.unjudged:
            lines.append(f"Non jugés dans le top {K} du classement complet : {len(full.unjudged)} "
                         "(à faire juger : `python -m eval.real.pool DOSSIER`).")
        lines.append("")
    return "\n".join(lines)


def write_report(comps: list[RealComparison], path: Path = HERE / "REPORT.md") -> Path:
    path.write_text(render(comps), encoding="utf-8")
    return path
