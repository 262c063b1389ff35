"""Pure ranking: combine per-candidate features into one score. No I/O, no model.

Every weight comes from :class:`matcher.settings.Settings`; the ``use_*`` switches exist for
the evaluation's ablations.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import Settings


@dataclass
class Features:
    """One row per candidate workshop; all arrays have the same length."""

    semantic: np.ndarray  # best-matching service sentences, scaled by :func:`relative` over the catalogue
    description: np.ndarray  # description similarity, scaled the same way
    lexical: np.ndarray  # BM25 scaled to [0, 1]
    machine_coverage: np.ndarray  # share of required machine groups satisfied (1 when none)
    service_coverage: np.ndarray  # share of required service groups satisfied (1 when none)
    affinity: np.ndarray  # semantic affinity of the need with the workshop's capabilities
    distance_km: np.ndarray
    has_room: np.ndarray  # bool
    accepts_companies: np.ndarray  # bool
    beyond_radius: np.ndarray | None = None  # bool: a little beyond the radius (covers the whole need)


@dataclass(frozen=True)
class Switches:
    """Channels of the ranker; all on for the full ranker, one off for each ablation."""

    semantic: bool = True
    lexical: bool = True
    capabilities: bool = True
    distance: bool = True
    capacity: bool = True


def relative(x: np.ndarray) -> np.ndarray:
    """Scale one query's similarities over the whole catalogue: best 1, median 0.

    Cosines of e5 models live in a narrow band (0.7-0.9); this makes them comparable with
    the other channels whatever the model. Apply it to the full catalogue, not to the few
    candidates in range, so that a tiny gap between two neighbours is not blown up.
    """
    if x.size == 0:
        return x.astype(np.float32)
    top, mid = float(x.max()), float(np.median(x))
    if top - mid < 1e-6:
        return np.zeros_like(x, dtype=np.float32)
    return np.clip((x - mid) / (top - mid), -1.0, 1.0).astype(np.float32)


def distance_decay(distance_km: np.ndarray, scale_km: float) -> np.ndarray:
    """1 at the door, 0.5 at ``scale_km``, slowly towards 0 beyond."""
    return (1.0 / (1.0 + (distance_km / max(scale_km, 1e-6)) ** 2)).astype(np.float32)


def combine(f: Features, s: Settings, on: Switches = Switches()) -> np.ndarray:
    """The final score of each candidate (higher is better)."""
    n = f.semantic.shape[0]
    score = np.zeros(n, dtype=np.float32)
    if on.semantic:
        score += s.w_semantic * f.semantic + s.w_description * f.description
    if on.lexical:
        score += s.w_bm25 * f.lexical
    if on.capabilities:
        score += s.w_capability * f.affinity
        score -= s.missing_capability_penalty * (1.0 - f.machine_coverage)
        score -= s.missing_service_penalty * (1.0 - f.service_coverage)
    if on.distance:
        score += s.w_distance * distance_decay(f.distance_km, s.distance_scale_km)
        if f.beyond_radius is not None:
            score -= s.beyond_radius_penalty * f.beyond_radius
    if on.capacity:
        score -= s.no_capacity_penalty * (~f.has_room)
    score -= s.no_companies_penalty * (~f.accepts_companies)
    return score


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first (stable for ties)."""
    order = np.argsort(-scores, kind="stable")
    return order[:k]
