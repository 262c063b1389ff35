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
    radius_km: float | None = None  # the radius searched: nearness is also measured against it


@dataclass(frozen=True)
class Switches:
    """Channels of the ranker; all on for the full ranker, one off for each ablation."""

    semantic: bool = True
    lexical: bool = True
    capabilities: bool = True
    distance: bool = True
    capacity: bool = True


def median_with_fill(x: np.ndarray, touched: np.ndarray) -> float:
    """``np.median(x)``, bit for bit, when every position outside ``touched`` (sorted, unique)
    holds the same value: the order statistics come from the few touched values and a count."""
    n, m = x.size, touched.size
    rest = n - m
    if rest <= 0:
        return float(np.median(x))
    # the first untouched position: touched is sorted, so it is where touched[i] != i
    gap = np.flatnonzero(touched != np.arange(m))
    fill = x[int(gap[0]) if gap.size else m]
    values = np.sort(x[touched])
    below = int(np.searchsorted(values, fill, side="left"))

    def rank(q: int):  # the q-th smallest of the whole array
        if q < below:
            return values[q]
        if q < below + rest:
            return fill
        return values[q - rest]

    middle = [rank(n // 2)] if n % 2 else [rank(n // 2 - 1), rank(n // 2)]
    return float(np.mean(np.array(middle, dtype=x.dtype)))  # the mean np.median takes


def relative(x: np.ndarray, at: np.ndarray | None = None, touched: np.ndarray | None = None) -> np.ndarray:
    """Scale one query's similarities over the whole catalogue: best 1, median 0.

    Cosines of e5 models live in a narrow band (0.7-0.9); this makes them comparable with
    the other channels whatever the model. Apply it to the full catalogue, not to the few
    candidates in range, so that a tiny gap between two neighbours is not blown up.
    With ``at`` (positions), only those values are scaled and returned: ``relative(x)[at]``
    without scaling the rest of the catalogue. ``touched``: see :func:`median_with_fill`.
    """
    if x.size == 0:
        return x.astype(np.float32)
    top = float(x.max())
    mid = float(np.median(x)) if touched is None else median_with_fill(x, touched)
    part = x if at is None else x[at]
    if top - mid < 1e-6:
        return np.zeros_like(part, dtype=np.float32)
    return np.clip((part - mid) / (top - mid), -1.0, 1.0).astype(np.float32)


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
        if f.radius_km:  # among places of similar fit, the nearer first, whatever the radius
            score += s.w_proximity * distance_decay(f.distance_km, s.proximity_scale * f.radius_km)
        if f.beyond_radius is not None:
            score -= s.beyond_radius_penalty * f.beyond_radius
    if on.capacity:
        score -= s.no_capacity_penalty * (~f.has_room)
    score -= s.no_companies_penalty * (~f.accepts_companies)
    return score


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first (stable for ties).

    The first ``k`` of a stable sort of the whole array, without sorting it: a partition
    finds the k-th score, and only the scores at least as good (ties included) are sorted."""
    neg = -scores
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k >= neg.size:
        return np.argsort(neg, kind="stable")[:k]
    kth = np.partition(neg, k - 1)[k - 1]
    keep = np.flatnonzero(neg <= kth)  # in index order: the stable sort breaks ties by index
    return keep[np.argsort(neg[keep], kind="stable")][:k]
