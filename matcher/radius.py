"""How far to look: the requested radius, widened only when nothing near can answer, and said.

Pure: distances in, a decision out. The rule (issue 12):

1. a workshop that can answer (confirmed, or plausible: « à confirmer ») within the radius →
   the radius; confirmed workshops a little further (up to ``factor`` × the radius) may follow,
   apart;
2. else one within ``factor`` × the radius → that, announced;
3. else the nearest one, if it is within ``cap_km`` (metropolitan France) or on the same island
   or overseas territory (the caller filters the territory) → just beyond it, announced;
4. else the radius, announced: the results then cover the need only in part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .text import fr_number


@dataclass(frozen=True)
class Reach:
    radius_km: float  # where results are looked for
    widened: bool
    note: str | None  # French, shown to the company when the radius changed or nothing answers


def widen_step(km: float) -> float:
    """A round radius just beyond ``km`` (5 km steps below 50 km, 10 km steps beyond)."""
    step = 5.0 if km < 50 else 10.0
    return math.floor(km / step) * step + step


def decide_reach(radius_km: float, nearest_km: float, factor: float, cap_km: float | None) -> Reach:
    """``nearest_km``: distance of the nearest workshop that can answer (``inf`` if none);
    ``cap_km``: the farthest a widening may go (``None``: no cap, the caller kept only the
    workshops of the same island or territory)."""
    if nearest_km <= radius_km:
        return Reach(radius_km, False, None)
    doubled = radius_km * factor
    if nearest_km <= doubled:
        return Reach(doubled, True, f"Aucun atelier ne peut répondre à ce besoin à moins de {fr_number(radius_km)} km : "
                                    f"rayon élargi à {fr_number(doubled)} km.")
    if math.isfinite(nearest_km) and (cap_km is None or nearest_km <= cap_km):
        widened = widen_step(nearest_km) if cap_km is None else min(widen_step(nearest_km), max(cap_km, doubled))
        return Reach(widened, True,
                     f"Aucun atelier ne peut répondre à ce besoin à moins de {fr_number(doubled)} km : "
                     f"le plus proche est à {fr_number(round(nearest_km))} km, rayon élargi à {fr_number(widened)} km.")
    where = "sur ce territoire" if cap_km is None else f"à moins de {fr_number(cap_km)} km"
    return Reach(radius_km, False, f"Aucun atelier ne peut répondre à tout ce besoin {where} : "
                                   "voici les ateliers proches qui en couvrent une partie.")
