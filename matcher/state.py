"""The catalogue as matching reads it: one immutable snapshot of per-workshop arrays.

A match takes the current state once and reads only it; an edit builds the next state from this
one (a few array copies, the lexical postings it touches) and publishes it with one attribute
assignment. So matches run without a lock, and never see half an edit.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from .catalogue import PackedWorkshops, Workshop, appended, removed, replaced, workshop_ids
from .evidence import CODE_POS, support_row
from .gazetteer import EARTH_RADIUS_KM
from .index import VectorIndex
from .lexical import LexicalIndex, document_tokens
from .taxonomy import CAPABILITY_CODES

#: territory of a commune, by the start of its INSEE code: 0 metropolitan France, then Corsica and
#: each overseas département (a widened search never crosses the sea)
TERRITORIES = {"2A": 1, "2B": 1, "971": 2, "972": 3, "973": 4, "974": 5, "975": 6, "976": 7}


def territory_of(insee: str) -> int:
    return TERRITORIES.get(insee[:3], TERRITORIES.get(insee[:2], 0))


@dataclass(frozen=True)
class _Row:
    """What the state keeps of one workshop."""

    lat: float
    lon: float
    has: np.ndarray  # bool per capability: confirmed
    support: np.ndarray  # float32 per capability: 1 confirmed, 0 absent, the prior when unknown
    accepts: bool  # accepts companies, or unknown (an imported place whose sources do not say)
    capacity: int
    territory: int
    services: int  # number of service sentences embedded before the description
    described: bool  # the description is embedded (its own words, not the importer's)

    @classmethod
    def of(cls, w: Workshop, priors: np.ndarray) -> _Row:
        has = np.zeros(len(CAPABILITY_CODES), dtype=bool)
        has[[CODE_POS[c] for c in w.capabilities]] = True
        return cls(w.lat, w.lon, has, support_row(w, priors), w.accepts_companies or not w.accepts_known,
                   w.capacity, territory_of(w.insee), len(w.services), w.embeds_description)


#: the per-workshop arrays, in the order of :class:`CatalogueState`'s fields
_ARRAYS = ("lats", "lons", "has", "support", "accepts", "capacity", "territory", "services", "described")
#: the row attribute behind an array, where the names differ
_ROW_ATTR = {"lats": "lat", "lons": "lon"}
_DTYPES = (np.float64, np.float64, bool, np.float32, bool, np.int64, np.int8, np.int64, bool)


@dataclass(frozen=True)
class CatalogueState:
    """Everything a match reads about the catalogue, never modified once published."""

    workshops: Sequence[Workshop]  # a tuple, or packed above settings.packed_catalogue_above
    position: dict[str, int]
    lats: np.ndarray  # degrees, float64
    lons: np.ndarray
    has: np.ndarray  # (workshops, capabilities) bool: confirmed
    support: np.ndarray  # (workshops, capabilities) float32, see :mod:`matcher.evidence`
    accepts: np.ndarray  # accepts companies (or unknown)
    capacity: np.ndarray  # declared capacity (int64); live remaining capacity comes from the callback
    territory: np.ndarray  # int8, :data:`TERRITORIES`
    services: np.ndarray
    described: np.ndarray
    lexical: LexicalIndex
    row_pos: np.ndarray  # per vector id: position of its workshop (-1 when gone)
    row_text: np.ndarray  # per vector id: index of the service sentence (-1 = the description)
    priors: np.ndarray  # :func:`matcher.evidence.prior_table`
    # derived, computed once: radians and cosines (haversine), contiguous rows per capability
    lat_rad: np.ndarray = field(init=False)
    lon_rad: np.ndarray = field(init=False)
    cos_lat: np.ndarray = field(init=False)
    has_by_code: np.ndarray = field(init=False)
    support_by_code: np.ndarray = field(init=False)
    by_lat: np.ndarray = field(init=False)  # positions sorted by latitude (for a band of latitudes)

    def __post_init__(self) -> None:
        put = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        put("lat_rad", np.radians(self.lats))
        put("lon_rad", np.radians(self.lons))
        put("cos_lat", np.cos(self.lat_rad))
        put("has_by_code", np.ascontiguousarray(self.has.T))
        put("support_by_code", np.ascontiguousarray(self.support.T))
        put("by_lat", np.argsort(self.lat_rad, kind="stable"))
        put("_lat_sorted", self.lat_rad[self.by_lat])

    # --- building -----------------------------------------------------------------------
    @classmethod
    def build(cls, workshops: Sequence[Workshop], index: VectorIndex, priors: np.ndarray) -> CatalogueState:
        """The state of ``workshops`` (a list is frozen into a tuple; packed workshops stay
        packed), read in one pass: a packed catalogue is decoded once."""
        ws = workshops if isinstance(workshops, PackedWorkshops) else tuple(workshops)
        rows: list[_Row] = []

        def documents() -> Iterator[list[str]]:  # consumed a chunk at a time by the lexical index
            for w in ws:
                rows.append(_Row.of(w, priors))
                yield document_tokens(w)

        lexical = LexicalIndex(documents=documents())
        arrays = _stack(rows)
        position = {wid: i for i, wid in enumerate(workshop_ids(ws))}
        row_pos, row_text = index.row_table(position)
        _texts_of_undescribed(row_pos, row_text, arrays["services"], arrays["described"])
        return cls(ws, position, **arrays, lexical=lexical, row_pos=row_pos, row_text=row_text, priors=priors)

    def _arrays(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in _ARRAYS}

    def _rows(self, index: VectorIndex, pos: int | None, w: Workshop | None, workshop_id: str,
              gone: Sequence[int]) -> tuple:
        """The row tables after ``workshop_id``'s vectors changed in ``index`` (it is at ``pos``)."""
        size = max(index.next_id, self.row_pos.size)
        row_pos = np.full(size, -1, dtype=np.int64)
        row_text = np.zeros(size, dtype=np.int64)
        row_pos[: self.row_pos.size] = self.row_pos
        row_text[: self.row_text.size] = self.row_text
        row_pos[np.asarray(gone, dtype=np.int64)] = -1
        if pos is not None and w is not None:
            ids = np.asarray(index.by_workshop.get(workshop_id, []), dtype=np.int64)
            row_pos[ids] = pos
            row_text[ids] = np.arange(ids.size)
            if ids.size and w.embeds_description:
                row_text[ids[-1]] = -1
        return row_pos, row_text

    def with_workshop(self, w: Workshop, index: VectorIndex, gone: Sequence[int]) -> CatalogueState:
        """This state with ``w`` added (last) or replaced (in place); ``gone``: its former vector ids."""
        pos = self.position.get(w.id)
        row = _Row.of(w, self.priors)
        arrays = self._arrays()
        if pos is None:
            pos = len(self.workshops)
            workshops = appended(self.workshops, w)
            position = {**self.position, w.id: pos}
            arrays = {name: np.concatenate([a, np.asarray([getattr(row, _ROW_ATTR.get(name, name))], dtype=a.dtype)])
                      for name, a in arrays.items()}
            lexical = self.lexical.appended(w)
        else:
            old = self.workshops[pos]
            workshops = replaced(self.workshops, pos, w)
            position = self.position
            arrays = {name: a.copy() for name, a in arrays.items()}
            for name, a in arrays.items():
                a[pos] = getattr(row, _ROW_ATTR.get(name, name))
            lexical = self.lexical.replaced(pos, old, w)
        row_pos, row_text = self._rows(index, pos, w, w.id, gone)
        return CatalogueState(workshops, position, **arrays, lexical=lexical, row_pos=row_pos, row_text=row_text,
                              priors=self.priors)

    def without_workshop(self, workshop_id: str, index: VectorIndex, gone: Sequence[int]) -> CatalogueState:
        pos = self.position[workshop_id]
        workshops = removed(self.workshops, pos)
        position = {wid: i for i, wid in enumerate(workshop_ids(workshops))}
        arrays = {name: np.delete(a, pos, axis=0) for name, a in self._arrays().items()}
        row_pos, row_text = self._rows(index, None, None, workshop_id, gone)
        row_pos = np.where(row_pos > pos, row_pos - 1, row_pos)
        return CatalogueState(workshops, position, **arrays, lexical=self.lexical.removed(pos, self.workshops[pos]),
                              row_pos=row_pos, row_text=row_text, priors=self.priors)

    # --- reading ------------------------------------------------------------------------
    def distances(self, lat: float, lon: float, within_km: float | None = None) -> np.ndarray:
        """:func:`matcher.gazetteer.haversine_km` to every workshop, bit for bit, from the
        precomputed radians and cosines.

        With ``within_km``, only the workshops of the band of latitudes that can lie that close
        are measured (a great-circle distance is at least the difference of latitudes); the
        others get ``inf``, being surely further than ``within_km``."""
        lat1, lon1 = math.radians(lat), math.radians(lon)
        if within_km is None:
            lat2, lon2, cos2 = self.lat_rad, self.lon_rad, self.cos_lat
        else:
            half = within_km / EARTH_RADIUS_KM + 1e-9
            lo, hi = np.searchsorted(self._lat_sorted, [lat1 - half, lat1 + half], side="left")
            band = self.by_lat[lo:hi]
            lat2, lon2, cos2 = self.lat_rad[band], self.lon_rad[band], self.cos_lat[band]
        a = np.sin((lat2 - lat1) / 2.0) ** 2 + math.cos(lat1) * cos2 * np.sin((lon2 - lon1) / 2.0) ** 2
        near = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
        if within_km is None:
            return near
        out = np.full(self.lat_rad.size, np.inf)
        out[band] = near
        return out


def _stack(rows: Sequence[_Row]) -> dict[str, np.ndarray]:
    n, width = len(rows), len(CAPABILITY_CODES)
    out: dict[str, np.ndarray] = {}
    for name, dtype in zip(_ARRAYS, _DTYPES, strict=True):
        attr = _ROW_ATTR.get(name, name)
        if name in ("has", "support"):
            out[name] = np.vstack([getattr(r, attr) for r in rows]).astype(dtype) if n else np.zeros((0, width), dtype)
        else:
            out[name] = np.fromiter((getattr(r, attr) for r in rows), dtype=dtype, count=n)
    return out


def _texts_of_undescribed(row_pos: np.ndarray, row_text: np.ndarray, services: np.ndarray,
                          described: np.ndarray) -> None:
    """The index marks each workshop's last text as its description; a workshop whose description
    is not embedded (the importer's words) has services only: its last text is its last service."""
    mark = (row_text < 0) & (row_pos >= 0)
    mark[mark] = ~described[row_pos[mark]]
    row_text[mark] = services[row_pos[mark]] - 1
