"""The systems compared by the evaluation: simple baselines, the full ranker and its ablations.

Every system answers the same needs inside each need's radius and returns a :class:`SystemRun`.
Baselines never flag a need as out of scope.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence

import numpy as np

from matcher.gazetteer import haversine_km
from matcher.ranking import Switches, distance_decay, relative
from matcher.service import MatchService

from .evaluate import K, SystemRun, run_service
from .needs import Need

Scorer = Callable[[MatchService, Need, np.ndarray, np.ndarray], np.ndarray]


def run_baseline(service: MatchService, needs: Sequence[Need], name: str, scorer: Scorer,
              vectors: np.ndarray | None = None) -> SystemRun:
    out = SystemRun(name=name)
    t0 = time.perf_counter()
    if vectors is None and scorer is _dense:
        vectors = service.encoder.encode([n.text for n in needs], kind="query")
    for i, need in enumerate(needs):
        place = service.locate(need.commune)
        dist = haversine_km(place.lat, place.lon, service.lats, service.lons)
        idx = np.flatnonzero(dist <= need.radius_km)
        vec = vectors[i] if vectors is not None else np.zeros(0)
        scores = scorer(service, need, dist, vec)[idx]
        order = idx[np.argsort(-scores, kind="stable")[:K]]
        out.run[need.id] = {service.workshops[j].id: float(K - r) for r, j in enumerate(order)}
        out.flagged_out_of_scope[need.id] = False
    out.seconds = time.perf_counter() - t0
    return out


def _random(service: MatchService, need: Need, dist: np.ndarray, vec: np.ndarray) -> np.ndarray:
    rng = random.Random(f"afn-{need.id}")
    return np.array([rng.random() for _ in range(len(dist))])


def nearest(service: MatchService, need: Need, dist: np.ndarray, vec: np.ndarray) -> np.ndarray:
    return -dist


def _bm25_distance(service: MatchService, need: Need, dist: np.ndarray, vec: np.ndarray) -> np.ndarray:
    s = service.settings
    return service.lexical.scores(need.text) + s.w_distance * distance_decay(dist, s.distance_scale_km)


def _dense(service: MatchService, need: Need, dist: np.ndarray, vec: np.ndarray) -> np.ndarray:
    sem = service._semantic(vec)
    s = service.settings
    return s.w_semantic * relative(sem.service_best) + s.w_description * relative(sem.description)


#: name → how to run it; the order is the order of the report's table
SYSTEMS: dict[str, Callable[[MatchService, Sequence[Need]], SystemRun]] = {
    "aléatoire": lambda svc, needs: run_baseline(svc, needs, "aléatoire", _random),
    "plus proches": lambda svc, needs: run_baseline(svc, needs, "plus proches", nearest),
    "BM25 + distance": lambda svc, needs: run_baseline(svc, needs, "BM25 + distance", _bm25_distance),
    "dense seul": lambda svc, needs: run_baseline(svc, needs, "dense seul", _dense),
    "complet": lambda svc, needs: run_service(svc, needs, Switches(), "complet"),
    "complet sans distance": lambda svc, needs: run_service(svc, needs, Switches(distance=False),
                                                           "complet sans distance"),
    "complet sans capacités inférées": lambda svc, needs: run_service(
        svc, needs, Switches(capabilities=False), "complet sans capacités inférées"),
    "complet sans BM25": lambda svc, needs: run_service(svc, needs, Switches(lexical=False), "complet sans BM25"),
    "complet sans capacité d'accueil": lambda svc, needs: run_service(
        svc, needs, Switches(capacity=False), "complet sans capacité d'accueil"),
}
BASELINES = ("aléatoire", "plus proches", "BM25 + distance", "dense seul")
