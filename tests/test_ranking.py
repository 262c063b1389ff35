"""Pure ranking logic, table-driven: no model, no data files."""

import numpy as np
import pytest

from matcher.ranking import Features, Switches, combine, distance_decay, relative, top_k
from matcher.settings import Settings


def feats(n=3, **over):
    base = dict(
        semantic=np.zeros(n, np.float32), description=np.zeros(n, np.float32),
        lexical=np.zeros(n, np.float32), machine_coverage=np.ones(n, np.float32),
        service_coverage=np.ones(n, np.float32), affinity=np.zeros(n, np.float32),
        distance_km=np.full(n, 10.0), has_room=np.ones(n, bool), accepts_companies=np.ones(n, bool),
    )
    base.update({k: np.asarray(v) for k, v in over.items()})
    return Features(**base)


S = Settings(w_bm25=0.35)  # fixed weights: these tests are about the mechanism, not the tuned values


@pytest.mark.parametrize(
    ("name", "f", "winner"),
    [
        ("closer wins when all else equal", feats(distance_km=[50.0, 5.0, 30.0]), 1),
        ("better semantic wins", feats(semantic=[0.0, 0.2, 1.0]), 2),
        ("missing machine drops sharply", feats(semantic=[1.0, 0.4, 0.0], machine_coverage=[0.0, 1.0, 1.0]), 1),
        ("no room is demoted", feats(semantic=[0.3, 0.1, 0.0], has_room=[False, True, True]), 1),
        ("not accepting companies is demoted", feats(semantic=[0.3, 0.1, 0.0], accepts_companies=[False, True, True]), 1),
        ("lexical evidence counts", feats(lexical=[0.0, 0.0, 1.0]), 2),
    ],
)
def test_combine_orders(name, f, winner):
    assert int(np.argmax(combine(f, S))) == winner, name


@pytest.mark.parametrize(
    ("switches", "f", "winner"),
    [
        (Switches(distance=False), feats(distance_km=[50.0, 5.0, 30.0], semantic=[1.0, 0.5, 0.0]), 0),
        (Switches(capacity=False), feats(semantic=[0.3, 0.1, 0.0], has_room=[False, True, True]), 0),
        (Switches(capabilities=False), feats(semantic=[1.0, 0.4, 0.0], machine_coverage=[0.0, 1.0, 1.0]), 0),
        (Switches(lexical=False), feats(lexical=[0.0, 0.0, 1.0], semantic=[0.5, 0.0, 0.0]), 0),
    ],
)
def test_switches_turn_channels_off(switches, f, winner):
    assert int(np.argmax(combine(f, S, switches))) == winner


@pytest.mark.parametrize(
    ("d", "expected"),
    [(0.0, 1.0), (30.0, 0.5), (60.0, 0.2)],
)
def test_distance_decay(d, expected):
    assert distance_decay(np.array([d]), 30.0)[0] == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("x", "expected"),
    [([0.7, 0.8, 0.9], [-1.0, 0.0, 1.0]), ([0.5, 0.5], [0.0, 0.0]), ([], [])],
)
def test_relative(x, expected):
    assert relative(np.asarray(x, dtype=np.float32)).tolist() == pytest.approx(expected)


def test_top_k_is_stable_and_bounded():
    assert top_k(np.array([1.0, 3.0, 3.0, 2.0]), 3).tolist() == [1, 2, 3]
    assert top_k(np.array([1.0]), 5).tolist() == [0]


def test_beyond_radius_is_demoted():
    f = feats(beyond_radius=np.array([True, False, False]), semantic=[0.3, 0.1, 0.0])
    assert int(np.argmax(combine(f, S))) == 1
    assert int(np.argmax(combine(f, S, Switches(distance=False)))) == 0
