"""Capacity-aware batch assignment: many needs, few places in each workshop.

An adviser has many needs; each need lists a few candidate workshops with a match score.
:func:`assign` gives each need up to ``k`` distinct workshops so that no workshop takes more
needs than its remaining capacity, as a min-cost flow (OR-Tools)::

    source --(k)--> need --(1, cost M - score)--> workshop --(capacity)--> sink

Objective, in this order: **first the number of filled slots** (a need wants ``k`` workshops),
**then the total score**. OR-Tools' ``solve_max_flow_with_min_cost`` computes a maximum flow
and, among maximum flows, one of minimum cost. Every unit of flow crosses exactly one
need→workshop arc, so with costs ``M - score`` (``M`` the best scaled score, hence costs ≥ 0)
the cost of a maximum flow is ``flow × M - total score``: minimum cost is maximum score. A
negative score is therefore still taken when it fills a slot that nothing else can fill.

Scores are scaled to integers (×10 000, rounded): the total is optimal to within 1e-4 per assigned
slot, and exactly optimal when scores have at most four decimals.

:func:`greedy_assign` is the obvious baseline and :func:`exact_assign` a MILP (scipy/HiGHS) for
small instances; both serve the benchmark ``python -m eval.bench_assignment``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from .errors import InvalidInput

MAX_K = 10
SCORE_SCALE = 10_000
#: |score| above this could overflow the integer costs of the flow solver
MAX_ABS_SCORE = 1e6


@dataclass(frozen=True)
class Candidate:
    workshop_id: str
    score: float


@dataclass
class AssignmentResult:
    assigned: list[list[Candidate]]  # per need, best score first
    unassigned: list[int]  # positions of the needs that got no workshop
    short: list[int]  # positions of the needs that got some, but fewer than k
    total_score: float
    solver: str

    @property
    def slots(self) -> int:
        """Number of (need, workshop) pairs assigned."""
        return sum(len(a) for a in self.assigned)


@dataclass(frozen=True)
class _Problem:
    """A validated instance as arrays: one row per distinct (need, workshop) candidate."""

    need: np.ndarray  # int32, need position
    workshop: np.ndarray  # int32, position in ``ids``
    score: np.ndarray  # float64
    ids: list[str]  # workshop ids, by position
    capacity: np.ndarray  # int64, by workshop position
    n_needs: int
    k: int


def _validate(candidates: Sequence[Sequence[Candidate]], capacity: Mapping[str, int], k: int) -> _Problem:
    """Check ``k``, capacities and scores (French errors); keep the best of duplicate candidates."""
    if isinstance(k, bool) or not isinstance(k, Integral) or not 1 <= k <= MAX_K:
        raise InvalidInput(
            f"Le nombre d'ateliers par besoin doit être un entier compris entre 1 et {MAX_K} (reçu : {k}).",
            code="k_invalide",
        )
    for wid, cap in capacity.items():
        if isinstance(cap, bool) or not isinstance(cap, Integral) or cap < 0:
            raise InvalidInput(
                f"La capacité restante de l'atelier « {wid} » doit être un entier positif ou nul (reçu : {cap}).",
                code="capacite_invalide",
            )
    position: dict[str, int] = {}
    sizes = [len(cands) for cands in candidates]
    flat = [c for cands in candidates for c in cands]
    workshop = [position.setdefault(c.workshop_id, len(position)) for c in flat]
    score = np.array([c.score for c in flat], dtype=np.float64)
    bad = np.flatnonzero(~(np.abs(score) <= MAX_ABS_SCORE))  # also catches NaN
    if bad.size:
        c, i = flat[bad[0]], int(np.searchsorted(np.cumsum(sizes), bad[0], side="right"))
        raise InvalidInput(
            f"Le score de l'atelier « {c.workshop_id} » pour le besoin n° {i + 1} doit être un nombre "
            f"fini compris entre -{MAX_ABS_SCORE:.0f} et {MAX_ABS_SCORE:.0f} (reçu : {c.score}).",
            code="score_invalide",
        )
    need = np.repeat(np.arange(len(sizes), dtype=np.int32), sizes)
    ids = list(position)
    caps = np.array([int(capacity.get(w, 0)) for w in ids], dtype=np.int64)
    n, w, s = need, np.array(workshop, dtype=np.int32), score
    order = np.lexsort((-s, w, n))  # by need, then workshop, best score first
    n, w, s = n[order], w[order], s[order]
    first = np.ones(n.size, dtype=bool)
    first[1:] = (n[1:] != n[:-1]) | (w[1:] != w[:-1])
    return _Problem(n[first], w[first], s[first], ids, caps, len(candidates), int(k))


def _result(p: _Problem, chosen: np.ndarray, solver: str) -> AssignmentResult:
    """Gather the chosen candidate rows (a boolean mask over ``p``'s rows) need by need."""
    assigned: list[list[Candidate]] = [[] for _ in range(p.n_needs)]
    rows = np.flatnonzero(chosen)
    rows = rows[np.lexsort((-p.score[rows], p.need[rows]))]
    for r in rows:
        assigned[int(p.need[r])].append(Candidate(p.ids[int(p.workshop[r])], float(p.score[r])))
    return AssignmentResult(
        assigned=assigned,
        unassigned=[i for i, a in enumerate(assigned) if not a],
        short=[i for i, a in enumerate(assigned) if 0 < len(a) < p.k],
        total_score=float(p.score[rows].sum()),
        solver=solver,
    )


def assign(candidates: Sequence[Sequence[Candidate]], capacity: Mapping[str, int], k: int = 1) -> AssignmentResult:
    """Up to ``k`` distinct workshops per need: most slots filled first, then highest total score.

    ``candidates[i]`` lists need ``i``'s candidate workshops; a workshop missing from
    ``capacity`` has no room. Optimal (min-cost flow, OR-Tools)."""
    from ortools.graph.python import min_cost_flow

    p = _validate(candidates, capacity, k)
    solver = "ortools-min-cost-flow"
    usable = p.capacity[p.workshop] > 0
    if not usable.any():
        return _result(p, usable, solver)
    need, workshop, score = p.need[usable], p.workshop[usable], p.score[usable]
    scaled = np.rint(score * SCORE_SCALE).astype(np.int64)
    # nodes: 0 source, 1 sink, then needs, then workshops
    source, sink, n_off = 0, 1, 2
    w_off = n_off + p.n_needs
    needs_used = np.unique(need)
    shops_used = np.unique(workshop)
    tails = np.concatenate([np.full(needs_used.size, source), n_off + need, w_off + shops_used]).astype(np.int32)
    heads = np.concatenate([n_off + needs_used, w_off + workshop, np.full(shops_used.size, sink)]).astype(np.int32)
    caps = np.concatenate([np.full(needs_used.size, p.k), np.ones(need.size), p.capacity[shops_used]]).astype(np.int64)
    costs = np.concatenate([np.zeros(needs_used.size), scaled.max() - scaled, np.zeros(shops_used.size)]).astype(
        np.int64)
    flow = min_cost_flow.SimpleMinCostFlow()
    arcs = flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
    wanted = int(needs_used.size) * p.k
    flow.set_nodes_supplies(np.array([source, sink], dtype=np.int32), np.array([wanted, -wanted], dtype=np.int64))
    status = flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise InvalidInput(
            f"Le calcul d'affectation n'a pas abouti (état du solveur : {status.name}).", code="affectation_impossible"
        )
    pair_arcs = np.asarray(arcs)[needs_used.size : needs_used.size + need.size]
    chosen = np.zeros(p.need.size, dtype=bool)
    chosen[np.flatnonzero(usable)] = np.asarray(flow.flows(pair_arcs)) > 0
    return _result(p, chosen, solver)


def greedy_assign(
    candidates: Sequence[Sequence[Candidate]], capacity: Mapping[str, int], k: int = 1
) -> AssignmentResult:
    """Baseline: needs in order of their best score, each takes its best workshops still free."""
    p = _validate(candidates, capacity, k)
    left = p.capacity.copy()
    chosen = np.zeros(p.need.size, dtype=bool)
    if p.need.size == 0:
        return _result(p, chosen, "greedy")
    starts = np.flatnonzero(np.r_[True, p.need[1:] != p.need[:-1]])
    ends = np.r_[starts[1:], p.need.size]
    best = np.maximum.reduceat(p.score, starts)
    for g in np.argsort(-best, kind="stable"):
        rows = np.arange(starts[g], ends[g])
        taken = 0
        for r in rows[np.argsort(-p.score[rows], kind="stable")]:
            if taken == p.k:
                break
            w = p.workshop[r]
            if left[w] > 0:
                left[w] -= 1
                chosen[r] = True
                taken += 1
    return _result(p, chosen, "greedy")


def exact_assign(
    candidates: Sequence[Sequence[Candidate]], capacity: Mapping[str, int], k: int = 1
) -> AssignmentResult:
    """The same objective as :func:`assign`, solved as two MILPs (scipy/HiGHS); small instances only.

    First the largest number of slots, then the best total score with that number fixed."""
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_array

    p = _validate(candidates, capacity, k)
    m = p.need.size
    if m == 0:
        return _result(p, np.zeros(0, dtype=bool), "scipy-milp")
    cols = np.arange(m)
    per_need = csr_array((np.ones(m), (p.need, cols)), shape=(p.n_needs, m))
    per_shop = csr_array((np.ones(m), (p.workshop, cols)), shape=(len(p.ids), m))
    rows = [LinearConstraint(per_need, 0, p.k), LinearConstraint(per_shop, 0, p.capacity)]
    integral, bounds = np.ones(m), Bounds(0, 1)
    most = milp(-np.ones(m), constraints=rows, integrality=integral, bounds=bounds)
    if not most.success:
        raise InvalidInput(f"Le calcul exact n'a pas abouti : {most.message}", code="affectation_impossible")
    slots = round(-most.fun)
    every = LinearConstraint(csr_array(np.ones((1, m))), slots, slots)
    best = milp(-p.score, constraints=[*rows, every], integrality=integral, bounds=bounds)
    if not best.success:
        raise InvalidInput(f"Le calcul exact n'a pas abouti : {best.message}", code="affectation_impossible")
    return _result(p, best.x > 0.5, "scipy-milp")
