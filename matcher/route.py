"""Multi-workshop routes ("mutualisation"): 2 or 3 nearby workshops that together cover a need.

A need requires a conjunction of groups; a workshop satisfies a group with any one of its
capability codes. When no single workshop covers every group, :func:`best_route` picks the
best small combination, preferring in this order: fewer workshops, a higher mean score, a
smaller farthest distance. Pure: no I/O; French labels come from the ``label`` parameter.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .text import fr_number


@dataclass(frozen=True)
class RouteCandidate:
    workshop_id: str
    capabilities: frozenset[str]
    score: float
    distance_km: float
    name: str = ""  # shown in the reason; the id when empty


@dataclass(frozen=True)
class Route:
    workshop_ids: tuple[str, ...]  # best score first
    covers: dict[str, list[list[str]]]  # workshop -> the groups credited to it (each group exactly once)
    score: float  # mean score of the members
    max_distance_km: float
    reason: str  # French


def satisfied(groups: Sequence[Sequence[str]], capabilities: frozenset[str]) -> int:
    """Bit ``g`` set when the workshop has at least one code of group ``g``."""
    return sum(1 << g for g, codes in enumerate(groups) if capabilities.intersection(codes))


def shortlist(pool: list[tuple[RouteCandidate, int]], n_groups: int, size: int) -> list[tuple[RouteCandidate, int]]:
    """The ``size`` best by score, but each group keeps its own best few so that a rare capability survives."""
    ranked = sorted(pool, key=_rank)
    share = max(1, size // n_groups)
    kept: dict[str, tuple[RouteCandidate, int]] = {}
    for g in range(n_groups):
        for cm in [cm for cm in ranked if cm[1] >> g & 1][:share]:
            kept[cm[0].workshop_id] = cm
    for cm in ranked:
        if len(kept) >= size:
            break
        kept.setdefault(cm[0].workshop_id, cm)
    return sorted(kept.values(), key=_rank)


def _order(c: RouteCandidate) -> tuple[float, float, str]:
    """Best score first, then nearest, then by id (deterministic)."""
    return -c.score, c.distance_km, c.workshop_id


def _rank(cm: tuple[RouteCandidate, int]) -> tuple[float, float, str]:
    return _order(cm[0])


def best_route(
    groups: Sequence[Sequence[str]],
    candidates: Sequence[RouteCandidate],
    max_size: int = 3,
    max_candidates: int = 30,
    label: Callable[[str], str] = str,
) -> Route | None:
    """The best 2 to ``max_size`` workshops that together satisfy every group, or ``None``.

    ``None`` also when fewer than two groups are required, when one candidate alone covers
    them all (no route is needed), or when no combination does. Candidates that satisfy no
    group are ignored; the rest are cut to ``max_candidates`` (see :func:`shortlist`)."""
    groups = [list(g) for g in dict.fromkeys(tuple(g) for g in groups)]
    if len(groups) < 2 or any(not g for g in groups):
        return None
    full = (1 << len(groups)) - 1
    best: dict[str, tuple[RouteCandidate, int]] = {}
    for c in candidates:
        mask = satisfied(groups, c.capabilities)
        if mask == full:
            return None
        if mask and (c.workshop_id not in best or c.score > best[c.workshop_id][0].score):
            best[c.workshop_id] = (c, mask)
    pool = shortlist(list(best.values()), len(groups), max_candidates)
    for size in range(2, max_size + 1):
        covering = [combo for combo in itertools.combinations(pool, size) if _union(combo) == full]
        if covering:
            chosen = min(covering, key=lambda combo: (
                -sum(c.score for c, _ in combo) / size,
                max(c.distance_km for c, _ in combo),
                tuple(c.workshop_id for c, _ in combo),
            ))
            return _route(groups, [c for c, _ in chosen], label)
    return None


def _union(combo: Sequence[tuple[RouteCandidate, int]]) -> int:
    mask = 0
    for _, m in combo:
        mask |= m
    return mask


def _route(groups: list[list[str]], members: list[RouteCandidate], label: Callable[[str], str]) -> Route:
    """Credit each group to the best-scored member that satisfies it, and say so in French."""
    members = sorted(members, key=_order)
    covers: dict[str, list[list[str]]] = {c.workshop_id: [] for c in members}
    for group in groups:
        first = next(c for c in members if c.capabilities.intersection(group))
        covers[first.workshop_id].append(group)
    parts = []
    for c in members:
        names = [_lower_first(label(next(code for code in g if code in c.capabilities))) for g in covers[c.workshop_id]]
        parts.append(f" {c.name or c.workshop_id}, à {fr_number(c.distance_km)} km : {_and(names)}.")
    reason = "Aucun atelier ne couvre seul tout le besoin, mais ces ateliers le couvrent ensemble." + "".join(parts)
    return Route(
        workshop_ids=tuple(c.workshop_id for c in members),
        covers=covers,
        score=sum(c.score for c in members) / len(members),
        max_distance_km=max(c.distance_km for c in members),
        reason=reason,
    )


def _lower_first(text: str) -> str:
    """« Découpe laser » → « découpe laser », but acronyms stay (« CAO », « PCB »)."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]
