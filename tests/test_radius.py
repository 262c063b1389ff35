"""How far a match looks (:mod:`matcher.radius`): table-driven, pure."""

from __future__ import annotations

import math

import pytest

from matcher.radius import decide_reach, widen_step


@pytest.mark.parametrize(
    ("radius", "nearest", "cap", "expected_radius", "widened", "note_part"),
    [
        (20, 5, 150, 20, False, None),  # an answer within the radius: unchanged, no note
        (20, 20, 150, 20, False, None),
        (20, 35, 150, 40, True, "rayon élargi à 40 km"),  # within twice the radius: doubled
        (20, 84, 150, 90, True, "le plus proche est à 84 km, rayon élargi à 90 km"),
        (20, 148, 150, 150, True, "rayon élargi à 150 km"),  # capped, still reaching it
        (20, 224, 150, 20, False, "à moins de 150 km"),  # beyond the cap: never proposed, said
        (20, math.inf, 150, 20, False, "à moins de 150 km"),
        (10, 310, None, 320, True, "rayon élargi à 320 km"),  # an island: no cap (same territory)
        (10, math.inf, None, 10, False, "sur ce territoire"),
    ],
)
def test_decide_reach(radius, nearest, cap, expected_radius, widened, note_part):
    reach = decide_reach(radius, nearest, 2.0, cap)
    assert (reach.radius_km, reach.widened) == (expected_radius, widened)
    if note_part is None:
        assert reach.note is None
    else:
        assert note_part in reach.note


@pytest.mark.parametrize(("km", "step"), [(3.2, 5), (41, 45), (45, 50), (84.2, 90), (123, 130), (150, 160)])
def test_widen_step_is_just_beyond(km, step):
    assert widen_step(km) == step > km
