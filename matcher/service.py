"""The one facade the CLI, the API and the evaluation use: load everything, match needs."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from .catalogue import Catalogue, Workshop, load_catalogue
from .encoder import Encoder, load_encoder, prepare_model
from .errors import AfnError, InvalidInput, UnknownCommune
from .gazetteer import Gazetteer, Resolution, geocode_address, geodesic_km, haversine_km
from .index import Manifest, VectorIndex, build_index, read_manifest
from .inference import CapabilityInferer, Inference, is_machine_group, load_scope_examples
from .lexical import LexicalIndex
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
        self._set_catalogue(catalogue.workshops)
        self.catalogue_digest = catalogue.digest

    def _set_catalogue(self, workshops: Sequence[Workshop]) -> None:
        self.workshops = list(workshops)
        self.position = {w.id: i for i, w in enumerate(self.workshops)}
        self.lats = np.array([w.lat for w in self.workshops], dtype=np.float64)
        self.lons = np.array([w.lon for w in self.workshops], dtype=np.float64)
        code_pos = {c: j for j, c in enumerate(CAPABILITY_CODES)}
        self.has = np.zeros((len(self.workshops), len(CAPABILITY_CODES)), dtype=bool)
        for i, w in enumerate(self.workshops):
            self.has[i, [code_pos[c] for c in w.capabilities]] = True
        self.code_pos = code_pos
        self.accepts = np.array([w.accepts_companies for w in self.workshops], dtype=bool)
        self.lexical = LexicalIndex(self.workshops)
        self.row_pos, self.row_text = self.index.row_table(self.position)
        #: capabilities each service sentence names (to explain a result with the right sentence)
        self.service_codes = {
            w.id: [{c for codes in self.inferer.lexical(t).values() for c in codes} for t in w.services]
            for w in self.workshops
        }

    # --- loading ---------------------------------------------------------------------
    @classmethod
    def from_settings(
        cls, settings: Settings | None = None, encoder: Encoder | None = None, progress: Progress | None = None
    ) -> MatchService:
        settings = settings or get_settings()
        encoder = encoder or load_encoder(settings)
        catalogue = load_catalogue(settings.catalogue)
        taxonomy = load_taxonomy(settings.taxonomy)
        gazetteer = Gazetteer.load(settings.gazetteer)
        index = ensure_index(settings, encoder, catalogue, taxonomy, progress=progress)
        return cls(settings, encoder, catalogue, taxonomy, gazetteer, index)

    # --- incremental catalogue edits ---------------------------------------------------
    def upsert_workshop(self, workshop: Workshop) -> None:
        """Add or replace one workshop; the index is updated in place, without a rebuild."""
        vecs = self.encoder.encode(workshop.texts(), kind="passage")
        if workshop.id in self.index.by_workshop:
            self.index.update(workshop.id, vecs)
        else:
            self.index.add(workshop.id, vecs)
        others = [w for w in self.workshops if w.id != workshop.id]
        self._set_catalogue([*others, workshop])

    def remove_workshop(self, workshop_id: str) -> bool:
        removed = self.index.remove(workshop_id)
        if removed:
            self._set_catalogue([w for w in self.workshops if w.id != workshop_id])
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

    def _semantic(self, vector: np.ndarray) -> _Scored:
        """Per workshop: mean of its best service similarities, and its description similarity.

        Workshops outside the retrieved pool get the pool's lowest similarity."""
        n = len(self.workshops)
        pool = min(self.index.n_rows, max(self.settings.candidate_pool * 8, 64))
        ids, sims = self.index.search_arrays(vector, pool)  # best first
        floor = float(sims[-1]) if sims.size else 0.0
        pos, text = self.row_pos[ids], self.row_text[ids]
        known = pos >= 0
        desc = np.full(n, floor, dtype=np.float32)
        is_desc = known & (text < 0)
        desc[pos[is_desc]] = sims[is_desc]
        svc_pos, svc_sims = pos[known & (text >= 0)], sims[known & (text >= 0)]
        total = np.zeros(n, dtype=np.float64)
        top = self.settings.semantic_top_services
        for _ in range(top):  # peel off each workshop's best remaining service, ``top`` times
            if not svc_pos.size:
                total += floor
                continue
            _, first = np.unique(svc_pos, return_index=True)
            got = np.full(n, floor, dtype=np.float64)
            got[svc_pos[first]] = svc_sims[first]
            total += got
            rest = np.ones(svc_pos.size, dtype=bool)
            rest[first] = False
            svc_pos, svc_sims = svc_pos[rest], svc_sims[rest]
        return _Scored((total / top).astype(np.float32), desc)

    def _coverage(self, groups: list[list[str]], machine: bool) -> np.ndarray:
        chosen = [g for g in groups if is_machine_group(g) == machine]
        if not chosen:
            return np.ones(len(self.workshops), dtype=np.float32)
        ok = np.stack([self.has[:, [self.code_pos[c] for c in g]].any(axis=1) for g in chosen], axis=1)
        return ok.mean(axis=1).astype(np.float32)

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
        inference = self.inferer.infer(text, vector)
        commune = place.commune
        commune_out = CommuneOut(insee=commune.insee, name=commune.name, dep=commune.dep,
                                 lat=place.lat, lon=place.lon, note=place.note)
        notes = [place.note] if place.note else []
        if inference.out_of_scope:
            return MatchResponse(out_of_scope=True, message=OUT_OF_SCOPE_MESSAGE, commune=commune_out,
                                 radius_km=radius, requested_radius_km=radius, inferred_capabilities=[],
                                 notes=notes, results=[])
        remaining = self._remaining()
        has_room = remaining > 0
        dist = haversine_km(place.lat, place.lon, self.lats, self.lons)
        groups = inference.groups if switches.capabilities else []
        machine_cov = self._coverage(groups, machine=True)
        service_cov = self._coverage(groups, machine=False)
        aff = np.array([inference.affinity[c] for c in CAPABILITY_CODES], dtype=np.float32)
        affinity = (self.has * aff).sum(axis=1).astype(np.float32)

        usable = self.accepts & (machine_cov >= 1.0) & (service_cov >= 1.0)
        if only_with_capacity:
            usable &= has_room
        effective = self._widen(radius, dist, usable, notes) if switches.distance else radius
        if switches.distance:
            # in range, plus workshops a little further that cover the whole need
            candidates = (dist <= effective) | (usable & (dist <= effective * s.radius_widen_factor))
        else:
            candidates = np.ones(len(dist), dtype=bool)
        if only_with_capacity:
            candidates &= has_room
        idx = np.flatnonzero(candidates)
        sem = self._semantic(vector)
        lexical = self.lexical.scores(text)
        feats = Features(
            semantic=relative(sem.service_best)[idx], description=relative(sem.description)[idx],
            lexical=lexical[idx],
            machine_coverage=machine_cov[idx], service_coverage=service_cov[idx], affinity=affinity[idx],
            distance_km=dist[idx], has_room=has_room[idx], accepts_companies=self.accepts[idx],
            beyond_radius=dist[idx] > effective,
        )
        scores = combine(feats, s, switches)
        results = []
        for j in top_k(scores, k):
            i = int(idx[j])
            results.append(self._result(i, float(scores[j]), place, inference, vector, int(remaining[i])))
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
            route = self._route(groups, idx, scores, dist, radius, remaining, place, inference, vector)
        return MatchResponse(out_of_scope=False, commune=commune_out, radius_km=effective,
                             requested_radius_km=radius, inferred_capabilities=inference.groups,
                             notes=notes, results=results, route=route)

    def _route(self, groups: list[list[str]], idx: np.ndarray, scores: np.ndarray, dist: np.ndarray,
               radius: float, remaining: np.ndarray, place: Resolution, inference: Inference,
               vector: np.ndarray) -> RouteOut | None:
        """2 or 3 workshops within the radius, accepting companies, that together cover every group."""
        pool = []
        for i, score in zip(idx, scores, strict=True):
            w = self.workshops[i]
            if w.accepts_companies and dist[i] <= radius:
                km = round(geodesic_km(place.lat, place.lon, w.lat, w.lon), 1)  # as displayed in each result
                pool.append(RouteCandidate(w.id, frozenset(w.capabilities), float(score), km, w.name))
        route = best_route(groups, pool, label=self.taxonomy.label)
        if route is None:
            return None
        by_id = {c.workshop_id: c for c in pool}
        return RouteOut(reason=route.reason, workshops=[
            self._result(self.position[w], by_id[w].score, place, inference, vector, int(remaining[self.position[w]]))
            for w in route.workshop_ids
        ])

    def _remaining(self) -> np.ndarray:
        live = self.remaining_capacity() if self.remaining_capacity else {}
        return np.array([live.get(w.id, w.capacity) for w in self.workshops], dtype=np.int64)

    def best_service(self, w: Workshop, vector: np.ndarray, codes: list[str]) -> str:
        """The service sentence closest to the need, preferring one that names a matched capability."""
        sims = (self.index.vectors_of(w.id) @ vector)[: len(w.services)]
        naming = [k for k, found in enumerate(self.service_codes[w.id]) if found & set(codes)]
        pool = naming or range(len(w.services))
        return w.services[max(pool, key=lambda k: sims[k])]

    def _result(self, i: int, score: float, place: Resolution, inference: Inference, vector: np.ndarray,
                remaining: int) -> MatchResult:
        w = self.workshops[i]
        own = set(w.capabilities)
        required = inference.codes
        if required:
            matched = [c for c in required if c in own]
        else:
            ranked = sorted(own, key=lambda c: -inference.affinity.get(c, 0.0))
            matched = ranked[:2]
        missing = [c for c in required if c not in own]
        km = round(geodesic_km(place.lat, place.lon, w.lat, w.lon), 1)
        service = self.best_service(w, vector, matched)
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
            parts.append("Sait faire : " + ", ".join(self.taxonomy.label(c).lower() for c in matched))
        if missing:
            parts.append("ne propose pas : " + ", ".join(self.taxonomy.label(c).lower() for c in missing))
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
    wanted = Manifest(model_id=encoder.model_id, catalogue_digest=catalogue.digest,
                      taxonomy_digest=taxonomy.digest, kind=settings.index_kind, dim=encoder.dim)
    current = read_manifest(folder)
    if current is not None and current.key() == wanted.key():
        try:
            return VectorIndex.load(folder)[0]
        except (OSError, ValueError, RuntimeError):
            pass  # damaged: rebuild below

    def encode(texts: list[str]) -> np.ndarray:
        vecs = encoder.encode(texts, kind="passage", progress=progress) if progress else encoder.encode(
            texts, kind="passage")
        cache = getattr(encoder, "cache", None)
        if cache is not None:
            cache.save()
        return vecs

    index = build_index(catalogue.workshops, encode, encoder.dim, settings.index_kind, settings.hnsw_m, progress)
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
    catalogue = load_catalogue(settings.catalogue)
    taxonomy = load_taxonomy(settings.taxonomy)
    t = time.perf_counter()
    index = ensure_index(settings, encoder, catalogue, taxonomy, progress=progress)
    done["index"] = (f"{index.n_rows} textes, {len(index.by_workshop)} ateliers "
                     f"({time.perf_counter() - t:.1f} s)")
    return done
