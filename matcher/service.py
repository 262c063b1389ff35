"""The one facade the CLI, the API and the evaluation use: load everything, match needs."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from pydantic import BaseModel, Field

from .catalogue import (
    Catalogue,
    PackedWorkshops,
    Workshop,
    appended,
    load_catalogue,
    pack,
    removed,
    replaced,
    workshop_ids,
)
from .encoder import Encoder, load_encoder, prepare_model
from .errors import AfnError, InvalidInput, UnknownCommune
from .gazetteer import EARTH_RADIUS_KM, Gazetteer, Resolution, display_km, geocode_address
from .index import Manifest, VectorIndex, build_index, read_manifest
from .inference import CapabilityInferer, Inference, is_machine_group, load_scope_examples
from .lexical import LexicalIndex, document_tokens
from .ranking import Features, Switches, combine, relative, top_k
from .route import RouteCandidate, best_route
from .settings import Settings, get_settings
from .taxonomy import CAPABILITY_CODES, Taxonomy, load_taxonomy
from .text import fr_number

Progress = Callable[[str, float], None]
OUT_OF_SCOPE_MESSAGE = (
    "Cette demande ne semble pas relever d'un atelier de fabrication numérique "
    "(fabrication, prototypage, formation ou innovation). Décrivez l'objet à fabriquer, "
    "la machine ou l'accompagnement recherché pour obtenir des propositions."
)


# --- request and response ------------------------------------------------------------
class MatchRequest(BaseModel):
    text: str
    commune: str
    radius_km: float | None = None
    top_k: int | None = None
    only_with_capacity: bool = False


class CommuneOut(BaseModel):
    insee: str
    name: str
    dep: str
    lat: float
    lon: float
    note: str | None = None


class MatchResult(BaseModel):
    workshop_id: str
    name: str
    profile: str
    commune: str
    score: float
    distance_km: float
    matched_capabilities: list[str]
    missing_capabilities: list[str] = Field(default_factory=list)
    best_service: str
    explanation: str
    remaining_capacity: int
    lead_time_days: int
    pass_afn: bool
    accepts_companies: bool
    website: str
    lat: float
    lon: float


class RouteOut(BaseModel):
    """Several nearby workshops that together cover a need no single one covers."""

    workshops: list[MatchResult]
    reason: str


class MatchResponse(BaseModel):
    out_of_scope: bool
    message: str | None = None
    commune: CommuneOut
    radius_km: float
    requested_radius_km: float
    inferred_capabilities: list[list[str]]
    notes: list[str] = Field(default_factory=list)
    results: list[MatchResult]
    route: RouteOut | None = None


@dataclass
class _Scored:
    """Per-workshop arrays of one query, over the whole catalogue."""

    service_best: np.ndarray
    description: np.ndarray
    #: positions whose value came from the pool (sorted); every other position holds one same
    #: value (from the floor), which lets :func:`relative` find the median without a pass over all
    service_touched: np.ndarray | None = None
    description_touched: np.ndarray | None = None


CODE_POS = {c: j for j, c in enumerate(CAPABILITY_CODES)}


@dataclass(frozen=True)
class CatalogueState:
    """Everything a match reads about the catalogue, never modified once published.

    A match takes the current state once and reads only it; an edit builds the next state from
    this one (a few array copies, the lexical postings it touches) and publishes it with one
    attribute assignment. So matches run without a lock, and never see half an edit."""

    workshops: Sequence[Workshop]  # a tuple, or packed above settings.packed_catalogue_above
    position: dict[str, int]
    lats: np.ndarray  # degrees, float64
    lons: np.ndarray
    lat_rad: np.ndarray  # the same in radians, and the cosine of the latitude (haversine)
    lon_rad: np.ndarray
    cos_lat: np.ndarray
    has: np.ndarray  # (workshops, capabilities) bool
    has_by_code: np.ndarray  # its transpose, contiguous: one row per capability
    accepts: np.ndarray
    capacity: np.ndarray  # declared capacity (int64); live remaining capacity comes from the callback
    lexical: LexicalIndex
    row_pos: np.ndarray  # per vector id: position of its workshop (-1 when gone)
    row_text: np.ndarray  # per vector id: index of the text (-1 = the description)
    by_lat: np.ndarray = field(default=None)  # positions sorted by latitude (for a band of latitudes)

    def __post_init__(self) -> None:
        if self.by_lat is None:
            object.__setattr__(self, "by_lat", np.argsort(self.lat_rad, kind="stable"))
        object.__setattr__(self, "_lat_sorted", self.lat_rad[self.by_lat])

    @classmethod
    def build(cls, workshops: Sequence[Workshop], index: VectorIndex) -> CatalogueState:
        """The state of ``workshops`` (a list is frozen into a tuple; packed workshops stay
        packed), read in one pass: a packed catalogue is decoded once."""
        ws = workshops if isinstance(workshops, PackedWorkshops) else tuple(workshops)
        n = len(ws)
        lats, lons = np.empty(n, dtype=np.float64), np.empty(n, dtype=np.float64)
        has = np.zeros((n, len(CAPABILITY_CODES)), dtype=bool)
        accepts, capacity = np.empty(n, dtype=bool), np.empty(n, dtype=np.int64)

        def documents() -> Iterator[list[str]]:  # consumed a chunk at a time by the lexical index
            for i, w in enumerate(ws):
                lats[i], lons[i], accepts[i], capacity[i] = w.lat, w.lon, w.accepts_companies, w.capacity
                has[i, [CODE_POS[c] for c in w.capabilities]] = True
                yield document_tokens(w)

        lexical = LexicalIndex(documents=documents())
        position = {wid: i for i, wid in enumerate(workshop_ids(ws))}
        row_pos, row_text = index.row_table(position)
        return cls(ws, position, lats, lons, np.radians(lats), np.radians(lons), np.cos(np.radians(lats)), has,
                   np.ascontiguousarray(has.T), accepts, capacity, lexical, row_pos, row_text)

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

    def _rows(self, index: VectorIndex, pos: int | None, workshop_id: str, gone: Sequence[int]) -> tuple:
        """The row tables after ``workshop_id``'s vectors changed in ``index`` (it is at ``pos``)."""
        size = max(index.next_id, self.row_pos.size)
        row_pos = np.full(size, -1, dtype=np.int64)
        row_text = np.zeros(size, dtype=np.int64)
        row_pos[: self.row_pos.size] = self.row_pos
        row_text[: self.row_text.size] = self.row_text
        row_pos[np.asarray(gone, dtype=np.int64)] = -1
        if pos is not None:
            ids = np.asarray(index.by_workshop[workshop_id], dtype=np.int64)
            row_pos[ids] = pos
            row_text[ids] = np.arange(ids.size)
            row_text[ids[-1]] = -1
        return row_pos, row_text

    def with_workshop(self, w: Workshop, index: VectorIndex, gone: Sequence[int]) -> CatalogueState:
        """This state with ``w`` added (last) or replaced (in place); ``gone``: its former vector ids."""
        pos = self.position.get(w.id)
        lat, lon = np.float64(w.lat), np.float64(w.lon)
        has_row = np.zeros(len(CAPABILITY_CODES), dtype=bool)
        has_row[[CODE_POS[c] for c in w.capabilities]] = True
        if pos is None:
            pos = len(self.workshops)
            workshops = appended(self.workshops, w)
            position = {**self.position, w.id: pos}
            grow = lambda a, v: np.append(a, np.asarray([v], dtype=a.dtype))  # noqa: E731
            lats, lons = grow(self.lats, lat), grow(self.lons, lon)
            has = np.vstack([self.has, has_row[None, :]])
            accepts, capacity = grow(self.accepts, w.accepts_companies), grow(self.capacity, w.capacity)
            lexical = self.lexical.appended(w)
        else:
            old = self.workshops[pos]
            workshops = replaced(self.workshops, pos, w)
            position = self.position
            lats, lons, has = self.lats.copy(), self.lons.copy(), self.has.copy()
            accepts, capacity = self.accepts.copy(), self.capacity.copy()
            lats[pos], lons[pos], has[pos] = lat, lon, has_row
            accepts[pos], capacity[pos] = w.accepts_companies, w.capacity
            lexical = self.lexical.replaced(pos, old, w)
        row_pos, row_text = self._rows(index, pos, w.id, gone)
        return CatalogueState(workshops, position, lats, lons, np.radians(lats), np.radians(lons),
                              np.cos(np.radians(lats)), has, np.ascontiguousarray(has.T), accepts, capacity,
                              lexical, row_pos, row_text)

    def without_workshop(self, workshop_id: str, index: VectorIndex, gone: Sequence[int]) -> CatalogueState:
        pos = self.position[workshop_id]
        workshops = removed(self.workshops, pos)
        position = {wid: i for i, wid in enumerate(workshop_ids(workshops))}
        drop = lambda a: np.delete(a, pos, axis=0)  # noqa: E731
        lats, lons, has = drop(self.lats), drop(self.lons), drop(self.has)
        row_pos, row_text = self._rows(index, None, workshop_id, gone)
        row_pos = np.where(row_pos > pos, row_pos - 1, row_pos)
        return CatalogueState(workshops, position, lats, lons, np.radians(lats), np.radians(lons),
                              np.cos(np.radians(lats)), has, np.ascontiguousarray(has.T), drop(self.accepts),
                              drop(self.capacity), self.lexical.removed(pos, self.workshops[pos]), row_pos, row_text)


def validate_request(req: MatchRequest, s: Settings) -> tuple[str, float, int]:
    """Check a request's text, radius and size; French :class:`InvalidInput` otherwise."""
    text = (req.text or "").strip()
    if not text:
        raise InvalidInput("Décrivez votre besoin : le texte est vide.", code="texte_vide")
    if len(text) > s.max_text_chars:
        raise InvalidInput(
            f"Le texte est trop long ({len(text)} caractères) : {s.max_text_chars} au maximum.",
            code="texte_trop_long",
        )
    radius = s.default_radius_km if req.radius_km is None else float(req.radius_km)
    if not np.isfinite(radius) or radius <= 0 or radius > s.max_radius_km:
        raise InvalidInput(
            f"Le rayon doit être strictement positif et au plus de {fr_number(s.max_radius_km)} km (reçu : {req.radius_km}).",
            code="rayon_invalide",
        )
    k = s.default_top_k if req.top_k is None else int(req.top_k)
    if k < 1 or k > s.max_top_k:
        raise InvalidInput(
            f"Le nombre de résultats doit être compris entre 1 et {s.max_top_k} (reçu : {req.top_k}).",
            code="top_invalide",
        )
    return text, radius, k


# --- the facade ------------------------------------------------------------------------
class MatchService:
    """Everything needed to answer a need, loaded once."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder,
        catalogue: Catalogue,
        taxonomy: Taxonomy,
        gazetteer: Gazetteer,
        index: VectorIndex,
        remaining_capacity: Callable[[], dict[str, int]] | None = None,
    ):
        self.settings = settings
        self.encoder = encoder
        self.taxonomy = taxonomy
        self.gazetteer = gazetteer
        self.index = index
        self.remaining_capacity = remaining_capacity
        cap_texts = CapabilityInferer.capability_texts(taxonomy)
        flat = [t for texts in cap_texts for t in texts]
        vecs = encoder.encode(flat, kind="passage").reshape(len(cap_texts), -1, encoder.dim).mean(axis=1)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        inside, outside = load_scope_examples(settings.scope_examples)
        in_vecs = np.vstack([vecs, encoder.encode(inside, kind="query", use_cache=True)])
        out = encoder.encode(outside, kind="query", use_cache=True)
        self.inferer = CapabilityInferer(taxonomy, vecs, out, settings, in_vectors=in_vecs)
        cache = getattr(encoder, "cache", None)
        if cache is not None:
            cache.save()
        self.code_pos = CODE_POS
        self._cap_labels = {c.code: c.label for c in taxonomy.capabilities}
        self._edit_lock = threading.Lock()  # one catalogue edit at a time; matches take no lock
        self._searcher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="afn-search")
        #: capabilities a service sentence names (to explain a result with the right sentence),
        #: computed for the few sentences shown, not for the whole catalogue
        self._sentence_codes = lru_cache(maxsize=1 << 16)(self._codes_named)
        self.state = CatalogueState.build(pack(catalogue.workshops, settings.packed_catalogue_above), index)
        self.catalogue_digest = catalogue.digest

    def _label(self, code: str) -> str:
        label = self._cap_labels.get(code)
        return label if label is not None else self.taxonomy.label(code)

    def _codes_named(self, sentence: str) -> frozenset[str]:
        return frozenset(c for codes in self.inferer.lexical(sentence).values() for c in codes)

    # the current state's fields, for callers that read one of them (evaluation, platform, tests)
    @property
    def workshops(self) -> Sequence[Workshop]:
        return self.state.workshops

    @property
    def position(self) -> dict[str, int]:
        return self.state.position

    @property
    def lats(self) -> np.ndarray:
        return self.state.lats

    @property
    def lons(self) -> np.ndarray:
        return self.state.lons

    @property
    def lexical(self) -> LexicalIndex:
        return self.state.lexical

    # --- loading ---------------------------------------------------------------------
    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, encoder: Encoder | None = None, progress: Progress | None = None
    ) -> MatchService:
        settings = settings or get_settings()
        encoder = encoder or load_encoder(settings)
        catalogue = load_catalogue(settings.catalogue, packed_above=settings.packed_catalogue_above)
        taxonomy = load_taxonomy(settings.taxonomy)
        gazetteer = Gazetteer.load(settings.gazetteer)
        index = ensure_index(settings, encoder, catalogue, taxonomy, progress=progress)
        return cls(settings, encoder, catalogue, taxonomy, gazetteer, index)

    # --- incremental catalogue edits ---------------------------------------------------
    def upsert_workshop(self, workshop: Workshop) -> None:
        """Add or replace one workshop, without a rebuild: its texts are encoded, its vectors
        replaced in the index, and a new catalogue state is published (a replaced workshop keeps
        its position, a new one comes last). Matches running meanwhile finish on the old state."""
        vecs = self.encoder.encode(workshop.texts(), kind="passage")
        with self._edit_lock:
            gone = list(self.index.by_workshop.get(workshop.id, []))
            if gone:
                self.index.update(workshop.id, vecs)
            else:
                self.index.add(workshop.id, vecs)
            self.state = self.state.with_workshop(workshop, self.index, gone)

    def remove_workshop(self, workshop_id: str) -> bool:
        with self._edit_lock:
            gone = list(self.index.by_workshop.get(workshop_id, []))
            removed = self.index.remove(workshop_id)
            if removed and workshop_id in self.state.position:
                self.state = self.state.without_workshop(workshop_id, self.index, gone)
            return removed

    # --- matching --------------------------------------------------------------------
    def validate(self, req: MatchRequest) -> tuple[str, float, int]:
        return validate_request(req, self.settings)

    def match(self, req: MatchRequest, switches: Switches = Switches()) -> MatchResponse:
        text, radius, k = self.validate(req)
        resolution = self.locate(req.commune)
        vector = self.encoder.encode([text], kind="query")[0]
        return self.match_vector(text, vector, resolution, radius, k, req.only_with_capacity, switches=switches)

    def locate(self, place: str) -> Resolution:
        """The commune table first; a street address goes to the BAN only when online geocoding
        is switched on (``AFN_ONLINE_GEOCODING``), and any failure there keeps the table's answer."""
        try:
            return self.gazetteer.resolve(place)
        except UnknownCommune:
            found = geocode_address(place, self.settings, self.gazetteer)
            if found is None:
                raise
            return found

    def match_batch(
        self, reqs: Sequence[MatchRequest], switches: Switches = Switches(), chunk: int = 64
    ) -> list[MatchResponse | AfnError]:
        """Many needs, encoded in batches; a bad need yields its error and the others go on."""
        checked: list[tuple[str, float, int, Resolution] | AfnError] = []
        for r in reqs:
            try:
                text, radius, k = self.validate(r)
                checked.append((text, radius, k, self.locate(r.commune)))
            except AfnError as exc:
                checked.append(exc)
        out: list[MatchResponse | AfnError] = list(checked)  # errors stay in place
        valid = [i for i, c in enumerate(checked) if not isinstance(c, AfnError)]
        for start in range(0, len(valid), chunk):
            part = valid[start : start + chunk]
            vectors = self.encoder.encode([checked[i][0] for i in part], kind="query")
            for i, v in zip(part, vectors, strict=True):
                text, radius, k, place = checked[i]
                out[i] = self.match_vector(text, v, place, radius, k, reqs[i].only_with_capacity, switches=switches)
        return out

    def _pool_size(self) -> int:
        return min(self.index.n_rows, max(self.settings.candidate_pool * 8, 64))

    def _search(self, vector: np.ndarray) -> Future:
        """The FAISS search of the candidate pool, started on a worker thread: it runs (without
        the GIL) while the match computes everything that does not need it."""
        return self._searcher.submit(self.index.search_arrays, vector, self._pool_size())

    def _semantic(self, vector: np.ndarray, st: CatalogueState | None = None, found: Future | None = None) -> _Scored:
        """Per workshop: mean of its best service similarities, and its description similarity.

        Workshops outside the retrieved pool get the pool's lowest similarity."""
        st = st or self.state
        n = len(st.workshops)
        if found is None:
            ids, sims = self.index.search_arrays(vector, self._pool_size())  # best first
        else:
            ids, sims = found.result()
        floor = float(sims[-1]) if sims.size else 0.0
        inside = ids < st.row_pos.size  # rows added after this state was taken are not its own
        if not inside.all():
            ids, sims = ids[inside], sims[inside]
        pos, text = st.row_pos[ids], st.row_text[ids]
        known = pos >= 0
        desc = np.full(n, floor, dtype=np.float32)
        is_desc = known & (text < 0)
        desc[pos[is_desc]] = sims[is_desc]
        is_svc = known & (text >= 0)
        svc_pos, svc_sims = pos[is_svc], sims[is_svc]
        # group the service rows by workshop, best first inside each group (stable sort): the
        # r-th row of a group is the workshop's r-th best service
        order = np.argsort(svc_pos, kind="stable")
        svc_pos, svc_sims = svc_pos[order], svc_sims[order]
        starts = np.flatnonzero(np.diff(svc_pos, prepend=-1)) if svc_pos.size else np.zeros(0, dtype=np.int64)
        sizes = np.diff(starts, append=svc_pos.size)
        owners = svc_pos[starts]
        total = np.zeros(n, dtype=np.float64)
        top = self.settings.semantic_top_services
        for r in range(top):  # each workshop's r-th best service, the pool's floor when it has none
            got = np.full(n, floor, dtype=np.float64)
            deep = sizes > r
            got[owners[deep]] = svc_sims[starts[deep] + r]
            total += got
        return _Scored((total / top).astype(np.float32), desc, owners, np.sort(pos[is_desc]))

    def _coverage(self, groups: list[list[str]], machine: bool, st: CatalogueState | None = None) -> np.ndarray:
        """Share of the need's (machine or other) groups each workshop satisfies."""
        st = st or self.state
        chosen = [g for g in groups if is_machine_group(g) == machine]
        if not chosen:
            return np.ones(len(st.workshops), dtype=np.float32)
        count = np.zeros(len(st.workshops), dtype=np.int64)
        for g in chosen:  # one contiguous row per capability: no gather over the catalogue
            count += st.has_by_code[[CODE_POS[c] for c in g]].any(axis=0)
        return (count / len(chosen)).astype(np.float32)  # == the mean of the booleans, exactly

    def _widen(self, radius: float, dist: np.ndarray, usable: np.ndarray, notes: list[str]) -> float:
        """The radius to search: widened (×2 per step, with a note) until a workshop covers the need."""
        s = self.settings
        if (usable & (dist <= radius)).any():
            return radius
        reach = dist[usable]
        nearest = float(reach.min()) if reach.size else np.inf
        if nearest > s.max_widened_radius_km:
            notes.append(
                f"Aucun atelier ne couvre tout ce besoin à moins de {fr_number(s.max_widened_radius_km)} km : "
                "voici les ateliers proches qui en couvrent une partie."
            )
            return radius
        effective = radius
        while effective < nearest:
            effective *= s.radius_widen_factor
        effective = min(effective, s.max_widened_radius_km)
        notes.append(
            f"Aucun atelier ne répond à tout ce besoin à moins de {fr_number(radius)} km : "
            f"rayon élargi à {fr_number(effective)} km."
        )
        return effective

    def match_vector(
        self,
        text: str,
        vector: np.ndarray,
        place: Resolution,
        radius: float,
        k: int,
        only_with_capacity: bool = False,
        switches: Switches = Switches(),
    ) -> MatchResponse:
        s = self.settings
        st = self.state  # read once: an edit publishing a new state meanwhile does not affect this match
        found = self._search(vector)
        inference = self.inferer.infer(text, vector)
        commune = place.commune
        commune_out = CommuneOut(insee=commune.insee, name=commune.name, dep=commune.dep,
                                 lat=place.lat, lon=place.lon, note=place.note)
        notes = [place.note] if place.note else []
        if inference.out_of_scope:
            return MatchResponse(out_of_scope=True, message=OUT_OF_SCOPE_MESSAGE, commune=commune_out,
                                 radius_km=radius, requested_radius_km=radius, inferred_capabilities=[],
                                 notes=notes, results=[])
        remaining = self._remaining(st)
        has_room = remaining > 0
        groups = inference.groups if switches.capabilities else []
        machine_cov = self._coverage(groups, machine=True, st=st)
        service_cov = self._coverage(groups, machine=False, st=st)
        aff = np.array([inference.affinity[c] for c in CAPABILITY_CODES], dtype=np.float32)

        usable = st.accepts & (machine_cov >= 1.0) & (service_cov >= 1.0)
        if only_with_capacity:
            usable &= has_room
        # distances: first only where a candidate can be (within radius × widening factor),
        # over the whole catalogue when the radius must widen or distance plays no part
        dist = st.distances(place.lat, place.lon, within_km=radius * max(s.radius_widen_factor, 1.0))
        if not switches.distance or not (usable & (dist <= radius)).any():
            dist = st.distances(place.lat, place.lon)
        effective = self._widen(radius, dist, usable, notes) if switches.distance else radius
        if switches.distance:
            # in range, plus workshops a little further that cover the whole need
            candidates = (dist <= effective) | (usable & (dist <= effective * s.radius_widen_factor))
        else:
            candidates = np.ones(len(dist), dtype=bool)
        if only_with_capacity:
            candidates &= has_room
        idx = np.flatnonzero(candidates)
        lexical = st.lexical.scores(text, at=idx)
        # the affinity of the candidates only: the same row sums as over the whole catalogue
        affinity = (st.has[idx] * aff).sum(axis=1).astype(np.float32)
        sem = self._semantic(vector, st, found)  # the search has run meanwhile
        feats = Features(
            semantic=relative(sem.service_best, idx, sem.service_touched),
            description=relative(sem.description, idx, sem.description_touched),
            lexical=lexical,
            machine_coverage=machine_cov[idx], service_coverage=service_cov[idx], affinity=affinity,
            distance_km=dist[idx], has_room=has_room[idx], accepts_companies=st.accepts[idx],
            beyond_radius=dist[idx] > effective,
        )
        scores = combine(feats, s, switches)
        best = top_k(scores, k)
        chosen = idx[best]
        kms = display_km(place.lat, place.lon, st.lats[chosen], st.lons[chosen])  # all at once
        shown = [st.workshops[int(i)] for i in chosen]
        own = self.index.vectors_of_many([w.id for w in shown])  # one FAISS call for every result
        results = [self._result(st, int(i), float(sc), place, inference, vector, int(remaining[i]), km, w, v)
                   for i, sc, km, w, v in zip(chosen, scores[best], kms, shown, own, strict=True)]
        if not results:
            notes.append("Aucun atelier trouvé avec ces critères.")
        elif any(r.distance_km > effective for r in results):
            notes.append(
                f"Certains ateliers proposés sont un peu au-delà de {fr_number(effective)} km, "
                "car ils couvrent tout le besoin."
            )
        route = None
        if len(groups) >= 2 and not (usable & (dist <= radius)).any():
            # checked on the requested radius, before any widening: two or three workshops
            # near the company can beat a single one far away
            route = self._route(st, groups, idx, scores, dist, radius, remaining, place, inference, vector)
        return MatchResponse(out_of_scope=False, commune=commune_out, radius_km=effective,
                             requested_radius_km=radius, inferred_capabilities=inference.groups,
                             notes=notes, results=results, route=route)

    def _route(self, st: CatalogueState, groups: list[list[str]], idx: np.ndarray, scores: np.ndarray,
               dist: np.ndarray, radius: float, remaining: np.ndarray, place: Resolution, inference: Inference,
               vector: np.ndarray) -> RouteOut | None:
        """2 or 3 workshops within the radius, accepting companies, that together cover every group."""
        keep = st.accepts[idx] & (dist[idx] <= radius)
        near, near_scores = idx[keep], scores[keep]
        kms = display_km(place.lat, place.lon, st.lats[near], st.lons[near])  # as displayed in each result
        pool = []
        for i, score, km in zip(near, near_scores, kms, strict=True):
            w = st.workshops[i]
            pool.append(RouteCandidate(w.id, frozenset(w.capabilities), float(score), km, w.name))
        route = best_route(groups, pool, label=self.taxonomy.label)
        if route is None:
            return None
        by_id = {c.workshop_id: c for c in pool}
        return RouteOut(reason=route.reason, workshops=[
            self._result(st, st.position[w], by_id[w].score, place, inference, vector,
                         int(remaining[st.position[w]]), by_id[w].distance_km)
            for w in route.workshop_ids
        ])

    def _remaining(self, st: CatalogueState) -> np.ndarray:
        """Remaining capacity of every workshop: the declared one, overridden by the callback's
        live figures (which may name only the workshops holding leads)."""
        live = self.remaining_capacity() if self.remaining_capacity else {}
        out = st.capacity.copy()
        for wid, value in live.items():
            pos = st.position.get(wid)
            if pos is not None:
                out[pos] = value
        return out

    def best_service(self, w: Workshop, vector: np.ndarray, codes: list[str], own: np.ndarray | None = None) -> str:
        """The service sentence closest to the need, preferring one that names a matched
        capability. ``own``: the workshop's vectors when the caller already has them."""
        if own is None:
            try:
                own = self.index.vectors_of(w.id)
            except KeyError:  # removed by an edit while this match ran: any sentence will do
                return w.services[0]
        sims = (own @ vector)[: len(w.services)]
        wanted = set(codes)
        naming = [k for k, t in enumerate(w.services) if self._sentence_codes(t) & wanted]
        pool = [k for k in (naming or range(len(w.services))) if k < sims.size] or [0]
        return w.services[max(pool, key=lambda k: sims[k] if k < sims.size else -np.inf)]

    def _result(self, st: CatalogueState, i: int, score: float, place: Resolution, inference: Inference,
                vector: np.ndarray, remaining: int, km: float, w: Workshop | None = None,
                vectors: np.ndarray | None = None) -> MatchResult:
        w = w if w is not None else st.workshops[i]
        own = set(w.capabilities)
        required = inference.codes
        if required:
            matched = [c for c in required if c in own]
        else:
            ranked = sorted(own, key=lambda c: -inference.affinity.get(c, 0.0))
            matched = ranked[:2]
        missing = [c for c in required if c not in own]
        service = self.best_service(w, vector, matched, vectors)
        return MatchResult(
            workshop_id=w.id, name=w.name, profile=w.profile, commune=w.commune, score=round(score, 4),
            distance_km=km, matched_capabilities=matched, missing_capabilities=missing,
            best_service=service, explanation=self.explain(w, matched, missing, service, km, remaining),
            remaining_capacity=remaining, lead_time_days=w.lead_time_days, pass_afn=w.pass_afn,
            accepts_companies=w.accepts_companies, website=w.website, lat=w.lat, lon=w.lon,
        )

    def explain(self, w: Workshop, matched: list[str], missing: list[str], service: str, km: float,
                remaining: int) -> str:
        """One French sentence a company can read."""
        parts = []
        if matched:
            parts.append("Sait faire : " + ", ".join(self._label(c).lower() for c in matched))
        if missing:
            parts.append("ne propose pas : " + ", ".join(self._label(c).lower() for c in missing))
        parts.append(f"service le plus proche : « {service} »")
        parts.append(f"à {fr_number(km)} km")
        if not w.accepts_companies:
            parts.append("n'accueille habituellement pas de projets d'entreprise")
        elif remaining > 0:
            parts.append(f"{remaining} place{'s' if remaining > 1 else ''} libre{'s' if remaining > 1 else ''}")
        else:
            parts.append("complet pour le moment")
        parts.append(f"délai indicatif {w.lead_time_days} jours")
        if w.pass_afn:
            parts.append("accepte le Pass AFN")
        return " ; ".join(parts) + "."


# --- index lifecycle --------------------------------------------------------------------
def ensure_index(
    settings: Settings, encoder: Encoder, catalogue: Catalogue, taxonomy: Taxonomy, progress: Progress | None = None
) -> VectorIndex:
    """Load the persisted index when its manifest matches, else build and publish a new one."""
    folder = settings.resolved_index_dir
    kind = settings.resolved_index_kind(sum(len(w.services) + 1 for w in catalogue.workshops))
    wanted = Manifest(model_id=encoder.model_id, catalogue_digest=catalogue.digest,
                      taxonomy_digest=taxonomy.digest, kind=kind, dim=encoder.dim, ivf_codec=settings.ivf_codec)
    current = read_manifest(folder)
    if current is not None and current.key() == wanted.key():
        try:
            index = VectorIndex.load(folder)[0]
            index.tune(ivf_nprobe=settings.ivf_nprobe)
            return index
        except (OSError, ValueError, RuntimeError):
            pass  # damaged: rebuild below

    def encode(texts: list[str]) -> np.ndarray:
        vecs = encoder.encode(texts, kind="passage", progress=progress) if progress else encoder.encode(
            texts, kind="passage")
        cache = getattr(encoder, "cache", None)
        if cache is not None:
            cache.save()
        return vecs

    index = build_index(catalogue.workshops, encode, encoder.dim, kind, settings.hnsw_m, progress,
                        ivf_nlist=settings.ivf_nlist, ivf_nprobe=settings.ivf_nprobe, ivf_codec=settings.ivf_codec)
    index.save(folder, wanted)
    return index


def prepare(settings: Settings | None = None, progress: Progress | None = None) -> dict[str, str]:
    """Everything ``afn-match prepare`` does: gazetteer, model, index. Returns what was done, timed."""
    settings = settings or get_settings()
    done: dict[str, str] = {}
    t = time.perf_counter()
    if not settings.gazetteer.exists():
        from .gazetteer_build import build_gazetteer

        rows = build_gazetteer(settings.gazetteer, progress=progress)
        done["communes"] = f"{rows} communes ({time.perf_counter() - t:.1f} s)"
    t = time.perf_counter()
    prepare_model(settings, progress=progress)
    encoder = load_encoder(settings)
    done["modèle"] = f"{encoder.model_id} ({time.perf_counter() - t:.1f} s)"
    catalogue = load_catalogue(settings.catalogue, packed_above=settings.packed_catalogue_above)
    taxonomy = load_taxonomy(settings.taxonomy)
    t = time.perf_counter()
    index = ensure_index(settings, encoder, catalogue, taxonomy, progress=progress)
    done["index"] = (f"{index.n_rows} textes, {len(index.by_workshop)} ateliers "
                     f"({time.perf_counter() - t:.1f} s)")
    return done
