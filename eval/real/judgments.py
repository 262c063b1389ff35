"""The blind judgements of the real-data evaluation, and the graded relevance drawn from them.

Two independent judges graded, for each need, the evidence in the **source records** of each
pooled place (never the importer's output, never knowing which system proposed it, never its
distance): 2 the records show the place offers it, 1 a place of fabrication whose records
neither confirm nor rule it out (or make it plausible), 0 ruled out or unrelated. Each judgement
is keyed on the place's source identifiers (``file#source_id``), so that it survives any change
of the catalogue's ids or of the importer's merging.

The relevance of a workshop at distance ``d`` for a need of radius ``R`` is then mechanical
(:func:`grade`): 2 evidence 2 within R; 1 evidence 1 within R, or evidence 2 within 2R; else 0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
JUDGES = ("a", "b")


@dataclass(frozen=True)
class Judgement:
    need: str
    keys: frozenset[str]
    evidence: int
    why: str = ""


def load(path: Path) -> list[Judgement]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            x = json.loads(line)
            out.append(Judgement(x["need"], frozenset(x["keys"]), int(x["evidence"]), x.get("why", "")))
    return out


def load_judges(folder: Path = HERE) -> dict[str, list[Judgement]]:
    return {j: load(folder / f"judgments_{j}.jsonl") for j in JUDGES if (folder / f"judgments_{j}.jsonl").exists()}


def combined(judges: dict[str, list[Judgement]]) -> list[Judgement]:
    """One evidence per (need, place): the two judges' mean, rounded down (2 and 1 → 1)."""
    by: dict[tuple[str, frozenset[str]], list[int]] = {}
    for items in judges.values():
        for j in items:
            by.setdefault((j.need, j.keys), []).append(j.evidence)
    return [Judgement(n, k, sum(v) // len(v)) for (n, k), v in sorted(by.items(), key=lambda x: (x[0][0], sorted(x[0][1])))]


class Lookup:
    """Evidence of a workshop (by its source keys) for a need: the judgement sharing the most keys."""

    def __init__(self, items: Iterable[Judgement]):
        self._by_key: dict[tuple[str, str], list[Judgement]] = {}
        for j in items:
            for k in j.keys:
                self._by_key.setdefault((j.need, k), []).append(j)

    def evidence(self, need: str, keys: Sequence[str]) -> int | None:
        found = [j for k in keys for j in self._by_key.get((need, k), [])]
        if not found:
            return None
        return max(found, key=lambda j: (len(j.keys & set(keys)), -len(j.keys))).evidence


def grade(evidence: int, distance_km: float, radius_km: float) -> int:
    """Graded relevance from the judged evidence and the distance (module docstring)."""
    if evidence >= 2 and distance_km <= radius_km:
        return 2
    if (evidence >= 1 and distance_km <= radius_km) or (evidence >= 2 and distance_km <= 2 * radius_km):
        return 1
    return 0


def agreement(judges: dict[str, list[Judgement]]) -> dict[str, float]:
    """Cohen's kappa (plain and linearly weighted) and raw agreement on the pairs both judged."""
    from sklearn.metrics import cohen_kappa_score

    if len(judges) < 2:
        return {}
    first, second = (({(j.need, j.keys): j.evidence for j in items}) for items in list(judges.values())[:2])
    common = sorted(set(first) & set(second), key=lambda x: (x[0], sorted(x[1])))
    a, b = [first[c] for c in common], [second[c] for c in common]
    if not common:
        return {}
    return {"pairs": float(len(common)), "agreement": sum(x == y for x, y in zip(a, b, strict=True)) / len(common),
            "kappa": float(cohen_kappa_score(a, b)), "kappa_linear": float(cohen_kappa_score(a, b, weights="linear"))}
