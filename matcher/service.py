"""The one facade the CLI, the API and the evaluation use: load everything, match needs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from .catalogue import Catalogue, Workshop, load_catalogue, pack
from .encoder import Encoder, load_encoder, prepare_model
from .errors import AfnError, InvalidInput, UnknownCommune
from .evidence import CODE_POS, CapabilityEvidence, according_to, group_evidence, need_support, prior_table
from .gazetteer import Gazetteer, Resolution, display_km, geocode_address
from .index import Manifest, VectorIndex, build_index, read_manifest
from .inference import CapabilityInferer, Inference, is_machine_group, load_scope_examples
from .lexical import LexicalIndex
from .radius import Reach, decide_reach
from .ranking import Features, Switches, combine, relative, top_k
from .route import RouteCandidate, best_route
from .settings import Settings, get_settings
from .state import CatalogueState, territory_of
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
    matched_capabilities: list[str]  # asked for and confirmed
    #: asked for, and neither confirmed nor ruled out at a place where they are plausible
    unconfirmed_capabilities: list[str] = Field(default_factory=list)
    missing_capabilities: list[str] = Field(default_factory=list)  # asked for, absent or implausible
    #: « confirmed »: every capability asked is confirmed; « to_confirm »: plausible, to check with
    #: the workshop; « partial »: part of the need only
    evidence_level: Literal["confirmed", "to_confirm", "partial"] = "confirmed"
    within_radius: bool = True  # False: a little beyond the (possibly widened) radius, shown apart
    evidence: list[CapabilityEvidence] = Field(default_factory=list)
    #: the workshop's own service sentence closest to the need; None when its listing has none
    #: (an imported place: nothing is ever quoted that the workshop or its source did not write)
    best_service: str | None = None
    explanation: str
    remaining_capacity: int
    lead_time_days: int
    capacity_known: bool = True  # False: capacity and lead time are defaults, not the workshop's
    pass_afn: bool
    accepts_companies: bool
    accepts_known: bool = True
    possibly_stale: bool = False
    sources: str = ""  # « d'après fablabs.io, 2023 et ... » for an imported place
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


__all__ = ["CatalogueState", "MatchRequest", "MatchResponse", "MatchResult", "MatchService"]

#: the order of results: what each section of a shortlist holds (see :meth:`MatchService.match_vector`)
SECTION_LEVELS = ("confirmed", "to_confirm", "confirmed", "to_confirm", "partial")


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
        self.priors = prior_table(taxonomy)
        self.state = CatalogueState.build(pack(catalogue.workshops, settings.packed_catalogue_above), index,
                                          self.priors)
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

    def _reach(self, st: CatalogueState, place: Resolution, radius: float, dist: np.ndarray,
               answers: np.ndarray) -> Reach:
        """How far to look (:func:`matcher.radius.decide_reach`): beyond twice the radius, only
        workshops of the company's own territory (metropolitan France, Corsica, each DROM)."""
        s = self.settings
        territory = territory_of(place.commune.insee)
        same = answers & (st.territory == territory)
        nearest = float(dist[same].min()) if same.any() else float("inf")
        near = answers & (dist <= radius * s.radius_widen_factor)
        if near.any():
            nearest = min(nearest, float(dist[near].min()))
        return decide_reach(radius, nearest, s.radius_widen_factor, s.max_widened_radius_km if territory == 0 else None)

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
        """The shortlist of one need, in sections: within the radius, the workshops that confirm
        every capability asked for, then those where it is plausible (« à confirmer »); then
        confirmed ones a little beyond the radius, apart; then those covering part of the need.
        Inside a section, by score (fit, evidence, distance, room)."""
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
        sup = need_support(groups, st.support_by_code, is_machine_group, s.plausible_min_support)
        ok = st.accepts & has_room if only_with_capacity else st.accepts
        confirmed, answers = sup.confirmed & ok, sup.plausible & ok  # answers: confirmed or « à confirmer »
        aff = np.array([inference.affinity[c] for c in CAPABILITY_CODES], dtype=np.float32)
        # distances: first only where a candidate can be (within radius × widening factor),
        # over the whole catalogue when the radius must widen or distance plays no part
        dist = st.distances(place.lat, place.lon, within_km=radius * max(s.radius_widen_factor, 1.0))
        if not switches.distance or not (answers & (dist <= radius)).any():
            dist = st.distances(place.lat, place.lon)
        effective = radius
        if switches.distance:
            reach = self._reach(st, place, radius, dist, answers)
            effective = reach.radius_km
            if reach.note:
                notes.append(reach.note)
            # in range, plus confirmed workshops a little further (up to twice the requested
            # radius, shown apart); none beyond a radius that was already widened
            beyond_km = radius * s.radius_widen_factor if effective <= radius else effective
            candidates = (dist <= effective) | (confirmed & (dist <= beyond_km))
        else:
            candidates = np.ones(len(dist), dtype=bool)
        if only_with_capacity:
            candidates &= has_room
        idx = np.flatnonzero(candidates)
        lexical = st.lexical.scores(text, at=idx)
        # the affinity of the candidates only: the same row sums as over the whole catalogue
        affinity = (st.has[idx] * aff).sum(axis=1).astype(np.float32)
        sem = self._semantic(vector, st, found)  # the search has run meanwhile
        beyond = dist[idx] > effective
        feats = Features(
            semantic=relative(sem.service_best, idx, sem.service_touched),
            description=relative(sem.description, idx, sem.description_touched),
            lexical=lexical,
            machine_coverage=sup.machine_coverage[idx], service_coverage=sup.service_coverage[idx],
            affinity=affinity, distance_km=dist[idx], has_room=has_room[idx], accepts_companies=ok[idx],
            beyond_radius=beyond, radius_km=effective,
        )
        scores = combine(feats, s, switches)
        # sections (SECTION_LEVELS): 0 confirmed, 1 à confirmer, +2 beyond the radius, 4 partial
        section = np.where(confirmed[idx], 0, np.where(answers[idx], 1, 4)) + np.where(beyond, 2, 0)
        section = np.minimum(section, 4)
        best = top_k(scores - 1000.0 * section, k)
        chosen = idx[best]
        kms = display_km(place.lat, place.lon, st.lats[chosen], st.lons[chosen])  # all at once
        shown = [st.workshops[int(i)] for i in chosen]
        own = self.index.vectors_of_many([w.id for w in shown])  # one FAISS call for every result
        results = [self._result(st, int(i), float(sc), place, inference, vector, int(remaining[i]), km, w, v,
                                groups=groups, level=SECTION_LEVELS[int(sec)], within=not far)
                   for i, sc, sec, far, km, w, v in zip(chosen, scores[best], section[best], beyond[best], kms,
                                                        shown, own, strict=True)]
        if not results:
            notes.append("Aucun atelier trouvé avec ces critères.")
        elif any(not r.within_radius for r in results):
            notes.append(
                f"Certains ateliers proposés sont au-delà de {fr_number(effective)} km (présentés à part) : "
                "ils confirment tout le besoin."
            )
        route = None
        if len(groups) >= 2 and not (confirmed & (dist <= radius)).any():
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
                         int(remaining[st.position[w]]), by_id[w].distance_km, groups=groups)
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

    def best_service(self, w: Workshop, vector: np.ndarray, codes: list[str], own: np.ndarray | None = None
                     ) -> str | None:
        """The service sentence closest to the need, preferring one that names a matched
        capability; None when the workshop has none. ``own``: its vectors when the caller has them."""
        if not w.services:
            return None
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
                vectors: np.ndarray | None = None, groups: list[list[str]] | None = None,
                level: str | None = None, within: bool = True) -> MatchResult:
        w = w if w is not None else st.workshops[i]
        groups = inference.groups if groups is None else groups
        evidence = group_evidence(w, groups, self.taxonomy, st.support[i], self.settings.plausible_min_support)
        if groups:
            matched = [e.code for e in evidence if e.status == "confirmed"]
        else:
            matched = sorted(w.capabilities, key=lambda c: -inference.affinity.get(c, 0.0))[:2]
        unconfirmed = [e.code for e in evidence if e.status == "to_confirm"]
        missing = [e.code for e in evidence if e.status == "absent"]
        if level is None:
            level = "partial" if missing else "to_confirm" if unconfirmed else "confirmed"
        service = self.best_service(w, vector, matched, vectors)
        return MatchResult(
            workshop_id=w.id, name=w.name, profile=w.profile, commune=w.commune, score=round(score, 4),
            distance_km=km, matched_capabilities=matched, unconfirmed_capabilities=unconfirmed,
            missing_capabilities=missing, evidence_level=level, within_radius=within, evidence=evidence,
            best_service=service, explanation=self.explain(w, evidence, matched, service, km, remaining),
            remaining_capacity=remaining, lead_time_days=w.lead_time_days, capacity_known=w.capacity_known,
            pass_afn=w.pass_afn, accepts_companies=w.accepts_companies, accepts_known=w.accepts_known,
            possibly_stale=w.possibly_stale, sources=according_to(w.sources), website=w.website,
            lat=w.lat, lon=w.lon,
        )

    def explain(self, w: Workshop, evidence: list[CapabilityEvidence], matched: list[str], service: str | None,
                km: float, remaining: int) -> str:
        """One French sentence a company can read: what is confirmed (and by whom), what is to
        confirm, what is missing; quotes only the workshop's own words."""
        parts = []
        confirmed = [e for e in evidence if e.status == "confirmed"]
        if confirmed:
            parts.append("Sait faire : " + ", ".join(e.label.lower() + (f" ({e.text})" if e.basis == "source" else "")
                                                     for e in confirmed))
        elif matched:
            parts.append("Sait faire : " + ", ".join(self._label(c).lower() for c in matched))
        to_confirm = [e for e in evidence if e.status == "to_confirm"]
        if to_confirm:
            parts.append("à confirmer avec l'atelier : " + ", ".join(e.label.lower() for e in to_confirm))
        missing = [e for e in evidence if e.status == "absent"]
        if missing:
            parts.append("ne propose pas : " + ", ".join(e.label.lower() for e in missing))
        if service:
            parts.append(f"service le plus proche : « {service} »")
        parts.append(f"à {fr_number(km)} km")
        if not w.accepts_companies:
            parts.append("accueil des entreprises à confirmer" if not w.accepts_known
                         else "n'accueille habituellement pas de projets d'entreprise")
        elif w.capacity_known:
            if remaining > 0:
                parts.append(f"{remaining} place{'s' if remaining > 1 else ''} libre{'s' if remaining > 1 else ''}")
            else:
                parts.append("complet pour le moment")
        if w.capacity_known:
            parts.append(f"délai indicatif {w.lead_time_days} jours")
        else:
            parts.append("capacité et délai non renseignés")
        if w.pass_afn:
            parts.append("accepte le Pass AFN")
        if w.possibly_stale:
            parts.append("fiche peut-être périmée (" + (according_to(w.sources) or "sources anciennes") + ")")
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
