"""Capacity-aware batch assignment: the flow is optimal where the greedy baseline is not."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from matcher.assignment import Candidate, assign, exact_assign, greedy_assign
from matcher.errors import InvalidInput

SOLVERS = [assign, greedy_assign, exact_assign]


def cands(*needs: str) -> list[list[Candidate]]:
    """``"a:3 b:2.9"`` → the candidates of one need."""
    return [[Candidate(w, float(s)) for w, s in (pair.split(":") for pair in need.split())] for need in needs]


def ids(result) -> list[list[str]]:
    return [[c.workshop_id for c in a] for a in result.assigned]


def check_invariants(result, candidates, capacity, k):
    """Each need gets at most k distinct workshops among its candidates; no workshop over capacity."""
    load = Counter()
    for i, got in enumerate(result.assigned):
        names = [c.workshop_id for c in got]
        assert len(names) == len(set(names)) <= k
        best = {}
        for c in candidates[i]:
            best[c.workshop_id] = max(best.get(c.workshop_id, -np.inf), c.score)
        assert all(c.score == best[c.workshop_id] for c in got)
        assert [c.score for c in got] == sorted((c.score for c in got), reverse=True)
        load.update(names)
    assert all(n <= capacity.get(w, 0) for w, n in load.items())
    assert result.unassigned == [i for i, a in enumerate(result.assigned) if not a]
    assert result.short == [i for i, a in enumerate(result.assigned) if 0 < len(a) < k]
    assert result.total_score == pytest.approx(sum(c.score for a in result.assigned for c in a))


# (candidates, capacity, k, optimal assignment, optimal total, greedy total)
GREEDY_IS_WRONG = [
    pytest.param(cands("a:3 b:2.9", "a:2"), {"a": 1, "b": 1}, 1, [["b"], ["a"]], 4.9, 3.0,
                 id="greedy-leaves-a-need-unassigned"),
    pytest.param(cands("a:3 b:2", "a:2.9 c:0"), {"a": 1, "b": 1, "c": 1}, 1, [["b"], ["a"]], 4.9, 3.0,
                 id="greedy-fills-all-slots-but-scores-less"),
    pytest.param(cands("a:3 b:2 c:1", "a:2.9 b:2.8"), {"a": 1, "b": 1, "c": 1}, 2, [["a", "c"], ["b"]], 6.8, 5.0,
                 id="k2-greedy-starves-the-second-need"),
    # slots first: filling both needs (total -0.5) beats a single better slot (3)
    pytest.param(cands("a:3 b:-1", "a:0.5"), {"a": 1, "b": 1}, 1, [["b"], ["a"]], -0.5, 3.0,
                 id="slots-before-score"),
]


@pytest.mark.parametrize(("candidates", "capacity", "k", "expected", "total", "greedy_total"), GREEDY_IS_WRONG)
def test_flow_is_optimal_where_greedy_is_not(candidates, capacity, k, expected, total, greedy_total):
    for solve in (assign, exact_assign):
        result = solve(candidates, capacity, k)
        assert ids(result) == expected, solve.__name__
        assert result.total_score == pytest.approx(total)
        check_invariants(result, candidates, capacity, k)
    greedy = greedy_assign(candidates, capacity, k)
    assert greedy.total_score == pytest.approx(greedy_total)
    check_invariants(greedy, candidates, capacity, k)


# (candidates, capacity, k, expected assignment, unassigned, short)
CASES = [
    pytest.param(cands("a:1 b:2", "a:1"), {"a": 5, "b": 5}, 1, [["b"], ["a"]], [], [], id="room-for-all"),
    pytest.param(cands("a:1", "a:2", "a:3"), {"a": 2}, 1, [[], ["a"], ["a"]], [0], [], id="capacity-respected"),
    pytest.param(cands("a:1 b:3 c:2"), {"a": 1, "b": 1, "c": 1}, 2, [["b", "c"]], [], [], id="k2-two-distinct-best"),
    pytest.param(cands("a:1 a:3 b:2"), {"a": 5, "b": 5}, 2, [["a", "b"]], [], [], id="duplicate-kept-once"),
    pytest.param(cands("a:1", "", "b:1"), {"a": 1, "b": 1}, 1, [["a"], [], ["b"]], [1], [],
                 id="need-without-candidates"),
    pytest.param(cands("a:3 b:1"), {"a": 0, "b": 1}, 1, [["b"]], [], [], id="capacity-zero"),
    pytest.param(cands("a:3 b:1"), {"b": 1}, 1, [["b"]], [], [], id="absent-means-zero"),
    pytest.param(cands("a:3", "b:1 c:2"), {"a": 1, "b": 1, "c": 1}, 3, [["a"], ["c", "b"]], [], [0, 1], id="short"),
    pytest.param(cands("a:3", "a:2"), {}, 1, [[], []], [0, 1], [], id="no-capacity-at-all"),
    pytest.param([], {"a": 1}, 1, [], [], [], id="no-needs"),
]


@pytest.mark.parametrize("solve", SOLVERS)
@pytest.mark.parametrize(("candidates", "capacity", "k", "expected", "unassigned", "short"), CASES)
def test_small_cases(solve, candidates, capacity, k, expected, unassigned, short):
    result = solve(candidates, capacity, k)
    assert ids(result) == expected
    assert result.unassigned == unassigned and result.short == short
    check_invariants(result, candidates, capacity, k)


def test_duplicate_keeps_the_best_score():
    result = assign(cands("a:1 a:3 a:2"), {"a": 1})
    assert result.assigned == [[Candidate("a", 3.0)]] and result.total_score == 3.0
    assert result.solver == "ortools-min-cost-flow"


@pytest.mark.parametrize(
    ("candidates", "capacity", "k", "code", "words"),
    [
        (cands("a:1"), {"a": 1}, 0, "k_invalide", "entre 1 et 10"),
        (cands("a:1"), {"a": 1}, 11, "k_invalide", "entre 1 et 10"),
        (cands("a:1"), {"a": 1}, 1.5, "k_invalide", "entier"),
        (cands("a:1"), {"a": 1}, True, "k_invalide", "entier"),
        (cands("a:1"), {"a": -1}, 1, "capacite_invalide", "« a »"),
        (cands("a:1"), {"a": 1.5}, 1, "capacite_invalide", "positif ou nul"),
        (cands("a:1", "b:nan"), {"a": 1}, 1, "score_invalide", "besoin n° 2"),
        (cands("a:inf"), {"a": 1}, 1, "score_invalide", "nombre fini"),
        (cands("a:1e7"), {"a": 1}, 1, "score_invalide", "nombre fini"),
    ],
)
@pytest.mark.parametrize("solve", SOLVERS)
def test_invalid_input_is_a_french_error(solve, candidates, capacity, k, code, words):
    with pytest.raises(InvalidInput) as exc:
        solve(candidates, capacity, k)
    assert exc.value.code == code
    assert words in exc.value.message and exc.value.message[0].isupper()


def random_instance(seed: int):
    rng = np.random.default_rng(seed)
    n_needs, n_shops = int(rng.integers(3, 12)), int(rng.integers(2, 7))
    k = int(rng.integers(1, 4))
    capacity = {f"w{j}": int(rng.integers(0, 4)) for j in range(n_shops)}
    candidates = []
    for _ in range(n_needs):
        chosen = rng.choice(n_shops, size=int(rng.integers(0, n_shops + 1)), replace=False)
        # three decimals: the ×10 000 integer costs are exact, so the totals must be equal
        candidates.append([Candidate(f"w{j}", round(float(rng.uniform(-0.5, 3.0)), 3)) for j in chosen])
    return candidates, capacity, k


@pytest.mark.parametrize("seed", range(20))
def test_flow_matches_exact_on_random_instances(seed):
    candidates, capacity, k = random_instance(seed)
    flow = assign(candidates, capacity, k)
    exact = exact_assign(candidates, capacity, k)
    greedy = greedy_assign(candidates, capacity, k)
    for result in (flow, exact, greedy):
        check_invariants(result, candidates, capacity, k)
    assert flow.slots == exact.slots
    assert flow.total_score == pytest.approx(exact.total_score, abs=1e-9)
    assert (flow.slots, flow.total_score + 1e-9) >= (greedy.slots, greedy.total_score)


def test_random_instances_are_not_trivial():
    """The randomized check above is worth something only if capacity binds and greedy loses sometimes."""
    binding = losing = 0
    for seed in range(20):
        candidates, capacity, k = random_instance(seed)
        flow, greedy = assign(candidates, capacity, k), greedy_assign(candidates, capacity, k)
        binding += bool(flow.unassigned or flow.short)
        losing += (greedy.slots, greedy.total_score) < (flow.slots, flow.total_score - 1e-9)
    assert binding >= 5 and losing >= 3
