"""Multi-workshop routes: the fewest, best, nearest workshops that together cover a need."""

from __future__ import annotations

import pytest

from matcher.route import Route, RouteCandidate, best_route

LASER, METAL, TEXTILE, PRECISION, COWORK = (
    "decoupe_laser", "usinage_metal", "textile_numerique", "fraisage_precision", "coworking")


def cand(wid: str, caps: str, score: float = 1.0, km: float = 10.0, name: str = "") -> RouteCandidate:
    return RouteCandidate(wid, frozenset(caps.split()), score, km, name)


def check_route(route: Route, groups, candidates) -> None:
    """Every group credited exactly once, to a member that satisfies it; every member brings something."""
    by_id = {c.workshop_id: c for c in candidates}
    credited = [g for wid in route.workshop_ids for g in route.covers[wid]]
    assert sorted(credited) == sorted(groups)
    for wid, gs in route.covers.items():
        assert gs, f"{wid} brings nothing"
        assert all(by_id[wid].capabilities.intersection(g) for g in gs)
    assert set(route.covers) == set(route.workshop_ids)
    assert route.max_distance_km == max(by_id[w].distance_km for w in route.workshop_ids)


@pytest.mark.parametrize(
    ("groups", "candidates", "kwargs", "expected"),
    [
        pytest.param([[LASER]], [cand("A", LASER), cand("B", METAL)], {}, None, id="single-group"),
        pytest.param([[LASER], [METAL]], [cand("A", f"{LASER} {METAL}"), cand("B", LASER), cand("C", METAL)], {},
                     None, id="one-workshop-covers-all"),
        pytest.param([[LASER], [METAL]], [cand("A", LASER, 2.0), cand("B", METAL)], {}, ("A", "B"), id="two-by-two"),
        pytest.param([[LASER], [METAL], [TEXTILE]], [cand("A", LASER), cand("B", METAL, 3.0), cand("C", TEXTILE, 2.0)],
                     {}, ("B", "C", "A"), id="three-by-three"),
        pytest.param([[LASER], [METAL]], [cand("A", LASER), cand("B", f"{LASER} {COWORK}")], {}, None, id="impossible"),
        pytest.param([[LASER], [METAL], [TEXTILE]], [cand("A", LASER), cand("B", METAL), cand("C", TEXTILE)],
                     {"max_size": 2}, None, id="three-needed-but-max-two"),
        pytest.param([[LASER], [METAL], [TEXTILE]],
                     [cand("A", LASER, 5.0), cand("B", METAL, 5.0), cand("C", TEXTILE, 5.0),
                      cand("D", f"{METAL} {TEXTILE}", 0.1)],
                     {}, ("A", "D"), id="prefers-two-over-three"),
        pytest.param([[LASER], [METAL]], [cand("A", LASER), cand("B", METAL, 1.0), cand("C", METAL, 2.0)], {},
                     ("C", "A"), id="prefers-higher-score"),
        pytest.param([[LASER], [METAL]],
                     [cand("A", LASER, km=10), cand("B", METAL, km=50), cand("C", METAL, km=5)], {},
                     ("C", "A"), id="same-score-prefers-nearer"),
        pytest.param([[LASER], [METAL]],
                     [cand("Z1", COWORK, 100.0), cand("Z2", COWORK, 90.0), cand("A", LASER), cand("B", METAL)],
                     {"max_candidates": 2}, ("A", "B"), id="ignores-candidates-covering-nothing"),
        pytest.param([[LASER], [METAL]],
                     [*(cand(f"L{i}", LASER, 10.0 - i) for i in range(6)), cand("U", METAL, 0.1)],
                     {"max_candidates": 3}, ("L0", "U"), id="rare-capability-survives-pruning"),
        pytest.param([[METAL, PRECISION], [TEXTILE]], [cand("A", PRECISION), cand("B", TEXTILE, 0.5)], {},
                     ("A", "B"), id="any-code-of-a-group"),
        pytest.param([[LASER], [METAL]], [cand("A", LASER, 0.1), cand("A", LASER, 3.0), cand("B", METAL, 2.0)], {},
                     ("A", "B"), id="duplicate-keeps-best"),
        pytest.param([[LASER], [METAL], []], [cand("A", LASER), cand("B", METAL)], {}, None, id="empty-group"),
        pytest.param([[LASER], [METAL]], [], {}, None, id="no-candidates"),
    ],
)
def test_best_route(groups, candidates, kwargs, expected):
    route = best_route(groups, candidates, **kwargs)
    if expected is None:
        assert route is None
        return
    assert route is not None and route.workshop_ids == expected
    check_route(route, groups, candidates)


def test_route_score_is_the_mean_and_duplicates_keep_the_best():
    route = best_route([[LASER], [METAL]], [cand("A", LASER, 0.1), cand("A", LASER, 3.0), cand("B", METAL, 2.0)])
    assert route is not None and route.score == pytest.approx(2.5)


def test_shared_group_is_credited_once_to_the_best_member():
    groups = [[LASER], [METAL], [TEXTILE]]
    candidates = [cand("A", f"{LASER} {METAL}", 2.0), cand("B", f"{METAL} {TEXTILE}", 1.0)]
    route = best_route(groups, candidates)
    assert route is not None
    assert route.covers == {"A": [[LASER], [METAL]], "B": [[TEXTILE]]}


LABELS = {LASER: "Découpe laser", METAL: "Usinage métal CNC", TEXTILE: "Textile numérique", "conception_cao": "CAO"}


def test_reason_names_who_brings_what_in_french():
    candidates = [
        cand("fx", LASER, 2.0, 3.0, "Fablab X"),
        cand("ay", f"{METAL} conception_cao", 1.0, 12.46, "Atelier Y"),
    ]
    route = best_route([[LASER], [METAL], ["conception_cao"]], candidates, label=LABELS.__getitem__)
    assert route is not None
    assert route.reason == (
        "Aucun atelier ne couvre seul tout le besoin, mais ces ateliers le couvrent ensemble. "
        "Fablab X, à 3 km : découpe laser. Atelier Y, à 12,5 km : usinage métal CNC et CAO."
    )


def test_reason_falls_back_to_ids_and_codes():
    route = best_route([[LASER], [METAL]], [cand("a", LASER), cand("b", METAL)])
    assert route is not None
    assert "a, à 10 km : decoupe_laser." in route.reason and "b, à 10 km : usinage_metal." in route.reason
