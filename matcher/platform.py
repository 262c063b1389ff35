"""The service facade of the API and the UI: matching plus needs, leads, keys and statistics.

``Platform`` owns the database engine and the :class:`~matcher.service.MatchService`; every
public method takes and returns :mod:`matcher.schemas` models and raises only
:class:`~matcher.errors.AfnError` subclasses with French messages.
"""

from __future__ import annotations

import json
import statistics
import threading
import uuid
from collections.abc import Callable
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine, func, select

from . import store
from .catalogue import Catalogue, Workshop, texts_digest
from .db import make_engine, migrate, sessions, transaction
from .encoder import Encoder, load_encoder
from .errors import AfnError, Forbidden, InvalidInput, NotFound, Unauthorized
from .gazetteer import Gazetteer, haversine_km
from .index import Manifest
from .leads import STATUS_LABELS, LeadStatus
from .models import LeadRow, NeedRow, ShortlistRow, WorkshopRow, utcnow
from .schemas import (
    Gap, JobOut, KeyCreated, LeadOut, LeadsIn, LeadUpdate, MatchIn, NeedCreated, NeedIn, NeedOut, Pick, ShortlistIn,
    ShortlistItem, ShortlistOut, StatsOut, WorkshopLeadOut, WorkshopOut, WorkshopPage, WorkshopPatch,
)
from .security import TOKEN_PREFIX, Role, digest, new_secret
from .service import MatchRequest, MatchResponse, MatchService, ensure_index
from .settings import Settings, get_settings
from .taxonomy import CAPABILITY_CODES, PROFILE_CODES, load_taxonomy

COMPANY = "company"
SHORTLIST_CHUNK = 32
MAX_JOBS = 200
MAX_ALTERNATIVES = 5
PLOTS = ("systems.png", "ndcg_by_capability.png")
SPLIT_DIRS = {"dev": ".", "test": "test"}


@dataclass(frozen=True)
class Principal:
    """Who is calling: from an API key (workshop, adviser, admin)."""

    key_id: str
    role: str
    workshop_id: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.key_id}"


class Platform:
    def __init__(self, settings: Settings, engine: Engine, service: MatchService):
        self.settings = settings
        self.engine = engine
        self.sessions = sessions(engine)
        self.service = service
        self.taxonomy = service.taxonomy
        self.gazetteer: Gazetteer = service.gazetteer
        # one workshop edit at a time; matches take no lock: each reads the service's current
        # catalogue state, which an edit replaces as a whole (see MatchService.upsert_workshop)
        self._lock = threading.RLock()
        self._jobs: dict[str, tuple[str, JobOut]] = {}
        self._jobs_lock = threading.Lock()
        service.remaining_capacity = self.live_remaining

    # --- start-up ----------------------------------------------------------------------
    @classmethod
    def open(cls, settings: Settings | None = None, encoder: Encoder | None = None) -> Platform:
        """Migrate the database, seed the catalogue when empty, load the index for its workshops."""
        settings = settings or get_settings()
        engine = make_engine(settings.database_url)
        migrate(engine)
        from .catalogue import load_catalogue

        packed = settings.packed_catalogue_above
        with transaction(sessions(engine)) as s:
            if settings.seed_catalogue and not store.count_workshops(s):
                store.seed_workshops(s, load_catalogue(settings.catalogue, packed_above=packed).workshops,
                                     source=str(settings.catalogue.name))
            workshops = store.load_workshops(s, packed_above=packed)
        if not workshops:
            raise AfnError("La base ne contient aucun atelier : importez un catalogue.", code="catalogue_vide")
        encoder = encoder or load_encoder(settings)
        catalogue = Catalogue(workshops=workshops, digest=texts_digest(workshops))
        taxonomy = load_taxonomy(settings.taxonomy)
        index = ensure_index(settings, encoder, catalogue, taxonomy)
        service = MatchService(settings, encoder, catalogue, taxonomy, Gazetteer.load(settings.gazetteer), index)
        del workshops, catalogue
        release_free_memory()
        return cls(settings, engine, service)

    def close(self) -> None:
        self.engine.dispose()

    def remaining_capacity(self) -> dict[str, int]:
        with transaction(self.sessions) as s:
            return store.remaining_capacity(s)

    def live_remaining(self) -> dict[str, int]:
        """Remaining capacity of the workshops holding leads, read at each match; the others
        have their declared capacity, which the service already holds (edits go through
        :meth:`update_my_workshop`). One grouped query over the leads, none over the catalogue."""
        with transaction(self.sessions) as s:
            used = store.occupied(s)
            if not used:
                return {}
            rows = s.execute(select(WorkshopRow.id, WorkshopRow.capacity).where(WorkshopRow.id.in_(list(used))))
            return {wid: max(cap - used[wid], 0) for wid, cap in rows}

    # --- authentication ----------------------------------------------------------------
    def authenticate(self, secret: str | None) -> Principal:
        if not secret:
            raise Unauthorized("Clé d'API manquante (en-tête Authorization: Bearer <clé>).", code="cle_manquante")
        with transaction(self.sessions) as s:
            row = store.find_key(s, secret.strip())
        if row is None:
            raise Unauthorized("Clé d'API inconnue ou révoquée.", code="cle_invalide")
        return Principal(row.id, row.role, row.workshop_id)

    @staticmethod
    def require(principal: Principal, *roles: Role) -> None:
        if principal.role not in {r.value for r in roles}:
            wanted = " ou ".join({"workshop": "atelier", "adviser": "conseiller", "admin": "administrateur"}[r]
                                 for r in roles)
            raise Forbidden(f"Action réservée au rôle {wanted}.", code="role_interdit")

    def create_key(self, role: str, workshop_id: str | None = None, label: str = "") -> KeyCreated:
        with transaction(self.sessions) as s:
            row, secret = store.create_key(s, role, workshop_id, label)
            return KeyCreated(id=row.id, role=row.role, workshop_id=row.workshop_id, key=secret)

    # --- matching ----------------------------------------------------------------------
    def match(self, req: MatchIn) -> MatchResponse:
        return self.service.match(MatchRequest(**req.model_dump()))

    # --- needs and leads (companies) ---------------------------------------------------
    def create_need(self, req: NeedIn) -> NeedCreated:
        place = self.service.locate(req.commune)
        shortlist = self.match(req)
        token = new_secret(TOKEN_PREFIX)
        with transaction(self.sessions) as s:
            row = store.add_need(s, self._need_row(req.text, place, req.radius_km, shortlist, req.contact_email,
                                                   req.siret, token_hash=digest(token)), COMPANY)
            return NeedCreated(need=self._need_out(s, row), token=token)

    def _need_row(self, text: str, place, radius_km: float, shortlist: MatchResponse, email: str | None,
                  siret: str | None, **extra) -> NeedRow:
        c = place.commune
        return NeedRow(id=store.new_id("need"), text=text.strip(), commune_insee=c.insee, commune_name=c.name,
                       dep=c.dep, lat=place.lat, lon=place.lon, radius_km=radius_km, contact_email=email or "",
                       siret=siret, out_of_scope=shortlist.out_of_scope, capabilities=shortlist.inferred_capabilities,
                       covered=covered(shortlist), shortlist=shortlist.model_dump(mode="json"),
                       created_at=utcnow(), **extra)

    def _need_access(self, s, need_id: str, token: str | None, principal: Principal | None) -> NeedRow:
        """The need, if the caller holds its follow-up token or is the adviser who made it."""
        try:
            row = store.get_need(s, need_id)
        except NotFound:
            row = None
        ok = row is not None and (
            (token and row.token_hash and digest(token.strip()) == row.token_hash)
            or (principal is not None and principal.role == Role.adviser and row.adviser_key_id == principal.key_id)
        )
        if not ok:
            raise NotFound("Demande introuvable, ou jeton de suivi incorrect.", code="demande_introuvable")
        return row

    def get_need(self, need_id: str, token: str | None = None, principal: Principal | None = None) -> NeedOut:
        with transaction(self.sessions) as s:
            store.expire_due(s, utcnow(), self.settings.lead_expiry_days)
            return self._need_out(s, self._need_access(s, need_id, token, principal))

    def send_leads(self, need_id: str, req: LeadsIn, token: str | None = None,
                   principal: Principal | None = None) -> list[LeadOut]:
        with transaction(self.sessions) as s:
            need = self._need_access(s, need_id, token, principal)
            if need.out_of_scope:
                raise InvalidInput("Cette demande est hors du champ des ateliers : aucune mise en relation possible.",
                                   code="hors_champ")
            scores = {r["workshop_id"]: r["score"] for r in need.shortlist.get("results", [])}
            actor = principal.actor if principal else f"{COMPANY}:{need.id}"
            leads = store.create_leads(s, need, req.workshop_ids, actor, scores, self.settings.max_leads_per_need)
            names = self._names(s, [lead.workshop_id for lead in leads])
            return [self._lead_out(lead, names) for lead in leads]

    # --- workshops ---------------------------------------------------------------------
    def list_workshops(self, profile: str | None = None, capability: str | None = None, dep: str | None = None,
                       pass_afn: bool | None = None, near: str | None = None, radius_km: float = 50.0,
                       page: int = 1, per_page: int = 20) -> WorkshopPage:
        if profile is not None and profile not in PROFILE_CODES:
            raise InvalidInput(f"Profil inconnu « {profile} » : {', '.join(PROFILE_CODES)}.", code="profil_inconnu")
        if capability is not None and capability not in CAPABILITY_CODES:
            raise InvalidInput(f"Capacité inconnue « {capability} ».", code="capacite_inconnue")
        if not (0 < radius_km <= self.settings.max_radius_km):
            raise InvalidInput(f"Le rayon doit être compris entre 0 et {self.settings.max_radius_km:g} km.",
                               code="rayon_invalide")
        point = self.service.locate(near) if near else None
        with transaction(self.sessions) as s:
            stmt = select(WorkshopRow).order_by(WorkshopRow.name, WorkshopRow.id)
            if profile:
                stmt = stmt.where(WorkshopRow.profile == profile)
            if dep:
                stmt = stmt.where(WorkshopRow.dep == dep.strip().upper())
            if pass_afn is not None:
                stmt = stmt.where(WorkshopRow.pass_afn == pass_afn)
            rows = [r for r in s.scalars(stmt) if capability is None or capability in r.record["capabilities"]]
            dist: dict[str, float] = {}
            if point is not None and rows:
                km = haversine_km(point.lat, point.lon, np.array([r.lat for r in rows]), np.array([r.lon for r in rows]))
                dist = {r.id: round(float(d), 1) for r, d in zip(rows, km, strict=True)}
                rows = sorted((r for r in rows if dist[r.id] <= radius_km), key=lambda r: dist[r.id])
            used = store.occupied(s)
            total = len(rows)
            chosen = rows[(page - 1) * per_page : page * per_page]
            items = [self._workshop_out(r, used.get(r.id, 0), dist.get(r.id)) for r in chosen]
        return WorkshopPage(items=items, total=total, page=page, per_page=per_page)

    def get_workshop(self, workshop_id: str) -> WorkshopOut:
        with transaction(self.sessions) as s:
            row = store.get_workshop(s, workshop_id)
            return self._workshop_out(row, store.occupied(s, [row.id]).get(row.id, 0))

    def update_my_workshop(self, principal: Principal, patch: WorkshopPatch) -> WorkshopOut:
        """A workshop edits its own record; the index follows at once, without a rebuild."""
        self.require(principal, Role.workshop)
        changes = patch.model_dump(exclude_none=True)
        if not changes:
            raise InvalidInput("Rien à modifier : indiquez au moins un champ.", code="modification_vide")
        with self._lock, transaction(self.sessions) as s:
            row = store.get_workshop(s, principal.workshop_id or "", lock=True)
            try:
                workshop = store.update_workshop(s, row, changes, principal.actor)
            except ValueError as exc:
                raise InvalidInput(f"Modification refusée : {exc}", code="atelier_invalide") from exc
            if "services" in changes or "description" in changes or workshop != self._current(row.id):
                self.service.upsert_workshop(workshop)  # in memory, under the lock: readers see old or new
            s.flush()
            out = self._workshop_out(row, store.occupied(s, [row.id]).get(row.id, 0))
        if "services" in changes or "description" in changes:
            self._save_index()
        return out

    def _current(self, workshop_id: str) -> Workshop | None:
        pos = self.service.position.get(workshop_id)
        return None if pos is None else self.service.workshops[pos]

    def _save_index(self) -> None:
        """Publish the edited index (new folder + atomic symlink swap), so a restart reuses it."""
        svc = self.service
        manifest = Manifest(model_id=svc.encoder.model_id, catalogue_digest=texts_digest(svc.workshops),
                            taxonomy_digest=svc.taxonomy.digest, kind=svc.index.kind, dim=svc.encoder.dim)
        with self._lock:
            svc.index.save(self.settings.resolved_index_dir, manifest)

    # --- leads (workshops) -------------------------------------------------------------
    def my_leads(self, principal: Principal, status: str | None = None) -> list[WorkshopLeadOut]:
        self.require(principal, Role.workshop)
        if status is not None and status not in STATUS_LABELS:
            raise InvalidInput(f"Statut inconnu « {status} » : {', '.join(STATUS_LABELS)}.", code="statut_inconnu")
        with transaction(self.sessions) as s:
            store.expire_due(s, utcnow(), self.settings.lead_expiry_days)
            stmt = select(LeadRow, NeedRow).join(NeedRow, NeedRow.id == LeadRow.need_id).where(
                LeadRow.workshop_id == principal.workshop_id).order_by(LeadRow.created_at.desc(), LeadRow.id)
            if status:
                stmt = stmt.where(LeadRow.status == status)
            names = self._names(s, [principal.workshop_id or ""])
            return [self._workshop_lead_out(lead, need, names) for lead, need in s.execute(stmt)]

    def act_on_lead(self, principal: Principal, lead_id: str, req: LeadUpdate) -> WorkshopLeadOut:
        self.require(principal, Role.workshop)
        with transaction(self.sessions) as s:
            store.expire_due(s, utcnow(), self.settings.lead_expiry_days)
            lead = store.get_lead(s, lead_id, principal.workshop_id, lock=True)
            store.act_on_lead(s, lead, req.action, principal.actor, req.reason, req.comment)
            need = store.get_need(s, lead.need_id)
            return self._workshop_lead_out(lead, need, self._names(s, [lead.workshop_id]))

    def expire(self, now: datetime | None = None) -> int:
        with transaction(self.sessions) as s:
            return store.expire_due(s, now or utcnow(), self.settings.lead_expiry_days)

    # --- advisers ----------------------------------------------------------------------
    def create_shortlist(self, principal: Principal, req: ShortlistIn,
                         progress: Callable[[int, int], None] | None = None) -> ShortlistOut:
        """Match every need, then assign each to ``k`` workshops within their remaining capacity."""
        from .assignment import Candidate, assign

        self.require(principal, Role.adviser)
        if len(req.needs) > self.settings.max_shortlist_needs:
            raise InvalidInput(f"{self.settings.max_shortlist_needs} besoins au plus par liste.", code="liste_trop_longue")
        reqs = [MatchRequest(text=n.text, commune=n.commune, radius_km=n.radius_km,
                             top_k=self.settings.shortlist_candidates, only_with_capacity=req.only_with_capacity)
                for n in req.needs]
        answers: list[MatchResponse | AfnError] = []
        for start in range(0, len(reqs), SHORTLIST_CHUNK):  # progress reported between chunks
            answers.extend(self.service.match_batch(reqs[start : start + SHORTLIST_CHUNK]))
            if progress is not None:
                progress(len(answers), len(reqs))
        candidates: list[list[Candidate]] = []
        for a in answers:
            ok = isinstance(a, MatchResponse) and not a.out_of_scope
            candidates.append([Candidate(r.workshop_id, r.score) for r in a.results
                               if r.accepts_companies and not r.missing_capabilities] if ok else [])
        remaining = self.remaining_capacity()
        if not req.only_with_capacity:
            remaining = {w: len(req.needs) * req.k for w in remaining}
        result = assign(candidates, remaining, req.k)
        sid = store.new_id("short")
        items: list[ShortlistItem] = []
        with transaction(self.sessions) as s:
            s.add(ShortlistRow(id=sid, adviser_key_id=principal.key_id, k=req.k, summary={}, created_at=utcnow()))
            s.flush()
            for pos, (need_in, answer) in enumerate(zip(req.needs, answers, strict=True)):
                items.append(self._shortlist_item(s, principal, sid, pos, need_in, answer,
                                                  result.assigned[pos], req.k, req.send_leads))
            counts = Counter(i.status for i in items)
            summary = {"needs": len(items), **{k: counts.get(k, 0) for k in
                                               ("assigned", "partial", "unassigned", "out_of_scope", "error")}}
            row = s.get(ShortlistRow, sid)
            row.summary = {"counts": summary, "items": [i.model_dump(mode="json") for i in items]}
            store.add_event(s, principal.actor, "shortlist.created", data={"shortlist_id": sid, **summary})
            return ShortlistOut(id=sid, created_at=row.created_at, k=req.k, summary=summary, items=items)

    def _shortlist_item(self, s, principal: Principal, sid: str, pos: int, need_in, answer, chosen, k: int,
                        send: bool) -> ShortlistItem:
        base = dict(position=pos + 1, reference=need_in.reference, text=need_in.text)
        if isinstance(answer, AfnError):
            return ShortlistItem(**base, commune=need_in.commune, need_id=None, status="error",
                                 message=answer.message, picks=[])
        place = self.service.locate(need_in.commune)
        need = store.add_need(s, self._need_row(need_in.text, place, need_in.radius_km, answer, need_in.contact_email,
                                                need_in.siret, adviser_key_id=principal.key_id, shortlist_id=sid,
                                                reference=need_in.reference), principal.actor)
        commune = answer.commune.name
        if answer.out_of_scope:
            return ShortlistItem(**base, commune=commune, need_id=need.id, status="out_of_scope",
                                 message=answer.message, picks=[])
        by_id = {r.workshop_id: r for r in answer.results}
        picks = [Pick(workshop_id=c.workshop_id, name=by_id[c.workshop_id].name, commune=by_id[c.workshop_id].commune,
                      distance_km=by_id[c.workshop_id].distance_km, score=c.score,
                      explanation=by_id[c.workshop_id].explanation) for c in chosen]
        chosen_ids = {p.workshop_id for p in picks}
        alternatives = [Pick(workshop_id=r.workshop_id, name=r.name, commune=r.commune, distance_km=r.distance_km,
                             score=r.score, explanation=r.explanation)
                        for r in answer.results if r.workshop_id not in chosen_ids and r.accepts_companies
                        and not r.missing_capabilities][:MAX_ALTERNATIVES]
        message = None
        if send and picks:
            try:
                with s.begin_nested():
                    leads = store.create_leads(s, need, [p.workshop_id for p in picks], principal.actor,
                                               {p.workshop_id: p.score for p in picks}, self.settings.max_leads_per_need)
                for p, lead in zip(picks, leads, strict=True):
                    p.lead_id = lead.id
            except AfnError as exc:
                message = exc.message
        status = "assigned" if len(picks) >= k else "partial" if picks else "unassigned"
        if status == "unassigned" and message is None:
            message = "Aucun atelier dans le rayon ne couvre ce besoin avec une place libre."
        return ShortlistItem(**base, commune=commune, need_id=need.id, status=status, message=message, picks=picks,
                             alternatives=alternatives, notes=list(answer.notes))

    def get_shortlist(self, principal: Principal, shortlist_id: str) -> ShortlistOut:
        self.require(principal, Role.adviser)
        with transaction(self.sessions) as s:
            row = s.get(ShortlistRow, shortlist_id)
            if row is None or row.adviser_key_id != principal.key_id:
                raise NotFound("Liste introuvable.", code="liste_introuvable")
            return ShortlistOut(id=row.id, created_at=row.created_at, k=row.k, summary=row.summary["counts"],
                                items=[ShortlistItem.model_validate(i) for i in row.summary["items"]])

    def adviser_leads(self, principal: Principal) -> list[LeadOut]:
        """Leads the adviser created, with their current status."""
        self.require(principal, Role.adviser)
        with transaction(self.sessions) as s:
            store.expire_due(s, utcnow(), self.settings.lead_expiry_days)
            rows = s.execute(select(LeadRow, NeedRow.reference).join(NeedRow, NeedRow.id == LeadRow.need_id)
                             .where(LeadRow.created_by == principal.actor)
                             .order_by(LeadRow.created_at.desc(), LeadRow.id)).all()
            names = self._names(s, [lead.workshop_id for lead, _ in rows])
            return [LeadOut(**self._lead_fields(lead, names), need_reference=ref) for lead, ref in rows]

    def start_shortlist_job(self, principal: Principal, req: ShortlistIn) -> JobOut:
        """Compute a shortlist in the background; poll :meth:`job` for its progress."""
        self.require(principal, Role.adviser)
        if len(req.needs) > self.settings.max_shortlist_needs:
            raise InvalidInput(f"{self.settings.max_shortlist_needs} besoins au plus par liste.", code="liste_trop_longue")
        job = JobOut(job_id=f"job_{uuid.uuid4().hex[:20]}", status="running", progress=0.0, done=0,
                     total=len(req.needs))
        with self._jobs_lock:
            self._jobs[job.job_id] = (principal.key_id, job)
            while len(self._jobs) > MAX_JOBS:  # forget the oldest
                self._jobs.pop(next(iter(self._jobs)))

        def progress(done: int, total: int) -> None:
            job.done, job.progress = done, round(done / max(total, 1), 4)

        def run() -> None:
            try:
                out = self.create_shortlist(principal, req, progress)
                job.shortlist_id, job.progress, job.done, job.status = out.id, 1.0, job.total, "done"
            except AfnError as exc:
                job.error, job.status = {"code": exc.code, "message": exc.message}, "error"
            except Exception:  # noqa: BLE001 - reported to the adviser, never lost silently
                job.error = {"code": "erreur_interne", "message": "Erreur interne pendant le calcul de la liste."}
                job.status = "error"

        threading.Thread(target=run, name=job.job_id, daemon=True).start()
        return job.model_copy()

    def job(self, principal: Principal, job_id: str) -> JobOut:
        self.require(principal, Role.adviser)
        with self._jobs_lock:
            owner, job = self._jobs.get(job_id, (None, None))
        if job is None or owner != principal.key_id:
            raise NotFound("Calcul introuvable (ou trop ancien).", code="calcul_introuvable")
        return job.model_copy()

    # --- evaluation reports -------------------------------------------------------------
    def quality(self) -> dict:
        """The published evaluation results (``afn-match eval --out``), per split."""
        splits, plots = {}, {}
        for split, sub in SPLIT_DIRS.items():
            folder = self.settings.eval_dir / sub
            try:
                splits[split] = json.loads((folder / "results.json").read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            plots[split] = [p for p in PLOTS if (folder / p).is_file()]
        if not splits:
            raise NotFound("Aucun rapport d'évaluation publié.", code="rapport_introuvable")
        return {"splits": splits, "plots": plots}

    def quality_plot(self, split: str, name: str) -> bytes:
        if split not in SPLIT_DIRS or name not in PLOTS:
            raise NotFound("Graphique introuvable.", code="graphique_introuvable")
        try:
            return (self.settings.eval_dir / SPLIT_DIRS[split] / name).read_bytes()
        except OSError:
            raise NotFound("Graphique introuvable.", code="graphique_introuvable") from None

    # --- statistics --------------------------------------------------------------------
    def stats(self) -> StatsOut:
        with transaction(self.sessions) as s:
            store.expire_due(s, utcnow(), self.settings.lead_expiry_days)
            needs = s.scalar(select(func.count()).select_from(NeedRow)) or 0
            rows = s.execute(select(LeadRow, NeedRow.capabilities, WorkshopRow.dep)
                             .join(NeedRow, NeedRow.id == LeadRow.need_id)
                             .join(WorkshopRow, WorkshopRow.id == LeadRow.workshop_id)).all()
            by_status = Counter(lead.status for lead, _, _ in rows)
            took = {LeadStatus.taken, LeadStatus.done, LeadStatus.done_no_help, LeadStatus.unreachable}
            decided = sum(n for st, n in by_status.items() if st != LeadStatus.new)
            taken = sum(by_status.get(st.value, 0) for st in took)
            hours = [(lead.taken_at - lead.created_at).total_seconds() / 3600 for lead, _, _ in rows if lead.taken_at]
            caps = Counter(c for _, groups, _ in rows for g in groups for c in g)
            gaps: dict[str, Gap] = {}
            for need in s.scalars(select(NeedRow).where(NeedRow.covered.is_(False), NeedRow.out_of_scope.is_(False))):
                gap = gaps.get(need.commune_insee) or Gap(insee=need.commune_insee, commune=need.commune_name,
                                                          dep=need.dep, lat=need.lat, lon=need.lon, needs=0,
                                                          capabilities=[])
                gap.needs += 1
                gap.capabilities = sorted({*gap.capabilities, *(c for g in need.capabilities for c in g)})
                gaps[need.commune_insee] = gap
        return StatsOut(
            needs=needs, leads=len(rows), leads_by_status=dict(sorted(by_status.items())),
            take_up_rate=round(taken / decided, 4) if decided else None,
            median_hours_to_take=round(statistics.median(hours), 2) if hours else None,
            declines_by_reason=dict(Counter(lead.decline_reason for lead, _, _ in rows if lead.decline_reason)),
            leads_by_capability=dict(caps.most_common()),
            leads_by_dep=dict(sorted(Counter(dep for _, _, dep in rows).items())),
            gaps=sorted(gaps.values(), key=lambda g: (-g.needs, g.insee)),
        )

    # --- conversions -------------------------------------------------------------------
    def _names(self, s, workshop_ids: list[str]) -> dict[str, str]:
        ids = list(set(workshop_ids))
        rows = s.execute(select(WorkshopRow.id, WorkshopRow.name).where(WorkshopRow.id.in_(ids))).all() if ids else []
        return {wid: name for wid, name in rows}

    def _lead_out(self, lead: LeadRow, names: dict[str, str]) -> LeadOut:
        return LeadOut(**self._lead_fields(lead, names))

    def _lead_fields(self, lead: LeadRow, names: dict[str, str]) -> dict:
        expires = (lead.created_at + timedelta(days=self.settings.lead_expiry_days)
                   if lead.status == LeadStatus.new else None)
        return dict(id=lead.id, need_id=lead.need_id, workshop_id=lead.workshop_id,
                    workshop_name=names.get(lead.workshop_id, lead.workshop_id), status=lead.status,
                    status_label=STATUS_LABELS[lead.status], decline_reason=lead.decline_reason, comment=lead.comment,
                    created_at=lead.created_at, updated_at=lead.updated_at, taken_at=lead.taken_at,
                    closed_at=lead.closed_at, expires_at=expires)

    def _workshop_lead_out(self, lead: LeadRow, need: NeedRow, names: dict[str, str]) -> WorkshopLeadOut:
        return WorkshopLeadOut(**self._lead_fields(lead, names), need_text=need.text, commune=need.commune_name,
                               contact_email=need.contact_email, siret=need.siret, score=lead.score)

    def _need_out(self, s, row: NeedRow) -> NeedOut:
        leads = store.leads_of_need(s, row.id)
        names = self._names(s, [lead.workshop_id for lead in leads])
        return NeedOut(id=row.id, text=row.text, commune=row.commune_name, radius_km=row.radius_km,
                       created_at=row.created_at, out_of_scope=row.out_of_scope,
                       shortlist=MatchResponse.model_validate(row.shortlist),
                       leads=[self._lead_out(lead, names) for lead in leads])

    @staticmethod
    def _workshop_out(row: WorkshopRow, used: int, distance_km: float | None = None) -> WorkshopOut:
        r = row.record
        return WorkshopOut(
            id=row.id, name=r["name"], profile=r["profile"], commune=r["commune"], insee=r["insee"], dep=row.dep,
            lat=r["lat"], lon=r["lon"], description=r["description"], services=r["services"],
            capabilities=r["capabilities"], machines=r["machines"], materials=r["materials"],
            accepts_companies=r["accepts_companies"], pass_afn=r["pass_afn"], capacity=r["capacity"],
            remaining_capacity=max(r["capacity"] - used, 0), lead_time_days=r["lead_time_days"],
            opening=r["opening"], website=r["website"], distance_km=distance_km, updated_at=row.updated_at)


def release_free_memory() -> None:
    """Give back to the system the memory that the start-up freed (catalogue parsing, database
    rows): glibc keeps it otherwise, and the process's resident memory with it."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to do
        pass


def covered(answer: MatchResponse) -> bool:
    """Whether a workshop within the requested radius covers the whole need (else: a gap)."""
    if answer.out_of_scope or not answer.results:
        return answer.out_of_scope
    return any(not r.missing_capabilities and r.accepts_companies and r.distance_km <= answer.requested_radius_km
               for r in answer.results)

