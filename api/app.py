"""HTTP API (FastAPI, versioned under ``/v1``): a thin adapter over :class:`matcher.platform.Platform`."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from matcher import export
from matcher.leads import REASON_LABELS, STATUS_LABELS
from matcher.platform import Platform, Principal
from matcher.security import Role
from matcher.schemas import (
    JobOut, LeadOut, LeadsIn, LeadUpdate, MatchIn, NeedCreated, NeedIn, NeedOut, ShortlistIn, ShortlistOut,
    StatsOut, WorkshopLeadOut, WorkshopOut, WorkshopPage, WorkshopPatch,
)
from matcher.service import MatchResponse
from matcher.settings import Settings, get_settings

from . import errors

MAX_BODY_BYTES = 8 * 1024 * 1024
ID = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9_-]+$")]
bearer = HTTPBearer(auto_error=False, description="Clé d'API (atelier, conseiller) ou jeton de suivi d'une demande.")
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
ERRORS = {code: {"model": errors.ErrorOut, "description": text} for code, text in (
    (401, "Clé absente ou invalide"), (403, "Rôle non autorisé"), (404, "Introuvable"),
    (409, "Conflit avec l'état courant"), (413, "Requête trop volumineuse"), (422, "Requête invalide"),
    (503, "Service indisponible (données ou modèle)"))}


def plat(request: Request) -> Platform:
    return request.app.state.platform


P = Annotated[Platform, Depends(plat)]


def principal(request: Request, creds: Bearer) -> Principal:
    return plat(request).authenticate(creds.credentials if creds else None)


Who = Annotated[Principal, Depends(principal)]


def optional_principal(request: Request, creds: Bearer) -> Principal | None:
    """An adviser key, when the bearer is one; a follow-up token is not a key."""
    if creds is None or creds.credentials.startswith("afns_"):
        return None
    return plat(request).authenticate(creds.credentials)


def follow_token(creds: Bearer, x_follow_token: Annotated[str | None, Header(max_length=200)] = None,
                 token: Annotated[str | None, Query(max_length=200, description="Jeton de suivi")] = None) -> str | None:
    if creds is not None and creds.credentials.startswith("afns_"):
        return creds.credentials
    return x_follow_token or token


Token = Annotated[str | None, Depends(follow_token)]
Maybe = Annotated[Principal | None, Depends(optional_principal)]


def create_app(platform: Platform | None = None, settings: Settings | None = None) -> FastAPI:
    """The application; the platform (database + model) opens at start-up unless given."""
    settings = settings or (platform.settings if platform else get_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "platform", None) is None:
            app.state.platform = await run_in_threadpool(Platform.open, settings)
        yield

    app = FastAPI(
        title="afn-match",
        version="1",
        description="Trouver l'atelier de fabrication numérique qui peut réaliser un projet, "
        "envoyer la demande, suivre les mises en relation.",
        lifespan=lifespan,
        responses=ERRORS,
    )
    app.state.platform = platform
    errors.install(app)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST", "PATCH"],
                       allow_headers=["Authorization", "Content-Type", "X-Follow-Token"])

    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > MAX_BODY_BYTES):
            return JSONResponse(errors.body("requete_trop_grosse",
                                            f"Requête trop volumineuse : {MAX_BODY_BYTES // 2**20} Mo au plus."),
                                status_code=413)
        return await call_next(request)

    @app.get("/healthz", tags=["service"], summary="État du service")
    def healthz(p: P) -> dict:
        return {"status": "ok", "workshops": len(p.service.workshops), "model": p.service.encoder.model_id,
                "database": p.engine.url.get_backend_name()}

    @app.get("/v1/taxonomy", tags=["référentiels"], summary="Capacités, profils, statuts et raisons de refus")
    def taxonomy(p: P) -> dict:
        tax = p.taxonomy
        return {"capabilities": {c.code: {"label": c.label, "kind": c.kind, "description": c.description}
                                 for c in tax.capabilities},
                "profiles": {pr.code: {"label": pr.label, "description": pr.description} for pr in tax.profiles},
                "lead_statuses": STATUS_LABELS, "decline_reasons": REASON_LABELS}

    @app.get("/v1/communes", tags=["référentiels"], summary="Suggestions de communes")
    def communes(p: P, q: Annotated[str, Query(min_length=1, max_length=100)],
                 limit: Annotated[int, Query(ge=1, le=20)] = 8) -> list[dict]:
        return [{"insee": c.insee, "name": c.name, "dep": c.dep, "label": c.label, "postcodes": list(c.postcodes)}
                for c in p.gazetteer.suggest(q, limit)]

    @app.post("/v1/match", tags=["entreprises"], summary="Ateliers qui peuvent réaliser un besoin")
    def match(p: P, req: MatchIn) -> MatchResponse:
        return p.match(req)

    @app.post("/v1/needs", status_code=201, tags=["entreprises"],
              summary="Enregistrer une demande : liste d'ateliers et jeton de suivi")
    def create_need(p: P, req: NeedIn) -> NeedCreated:
        return p.create_need(req)

    @app.get("/v1/needs/{need_id}", tags=["entreprises"], summary="Suivre une demande (jeton de suivi)")
    def get_need(p: P, need_id: ID, token: Token, who: Maybe) -> NeedOut:
        return p.get_need(need_id, token, who)

    @app.post("/v1/needs/{need_id}/leads", status_code=201, tags=["entreprises"],
              summary="Envoyer la demande aux ateliers choisis")
    def send_leads(p: P, need_id: ID, req: LeadsIn, token: Token, who: Maybe) -> list[LeadOut]:
        return p.send_leads(need_id, req, token, who)

    @app.get("/v1/workshops", tags=["ateliers"], summary="Annuaire des ateliers")
    def workshops(
        p: P,
        profile: Annotated[str | None, Query(max_length=40)] = None,
        capability: Annotated[str | None, Query(max_length=60)] = None,
        departement: Annotated[str | None, Query(max_length=3, pattern=r"^[0-9A-Za-z]+$", alias="dep")] = None,
        pass_afn: bool | None = None,
        near: Annotated[str | None, Query(max_length=200, description="Commune")] = None,
        radius_km: Annotated[float, Query(gt=0, le=1000)] = 50.0,
        page: Annotated[int, Query(ge=1, le=10000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=200)] = 20,
    ) -> WorkshopPage:
        return p.list_workshops(profile, capability, departement, pass_afn, near, radius_km, page, per_page)

    @app.get("/v1/workshops/me", tags=["ateliers"], summary="Mon atelier (clé d'atelier)")
    def my_workshop(p: P, who: Who) -> WorkshopOut:
        p.require(who, Role.workshop)
        return p.get_workshop(who.workshop_id or "")

    @app.patch("/v1/workshops/me", tags=["ateliers"], summary="Modifier mon atelier (clé d'atelier)")
    def patch_my_workshop(p: P, who: Who, patch: WorkshopPatch) -> WorkshopOut:
        return p.update_my_workshop(who, patch)

    @app.get("/v1/workshops/{workshop_id}", tags=["ateliers"], summary="Fiche d'un atelier")
    def workshop(p: P, workshop_id: ID) -> WorkshopOut:
        return p.get_workshop(workshop_id)

    @app.get("/v1/leads", tags=["ateliers"], summary="Mes mises en relation (clé d'atelier)")
    def leads(p: P, who: Who, status: Annotated[str | None, Query(max_length=20)] = None) -> list[WorkshopLeadOut]:
        return p.my_leads(who, status)

    @app.patch("/v1/leads/{lead_id}", tags=["ateliers"],
               summary="Prendre, refuser (avec raison) ou clore une mise en relation")
    def act(p: P, who: Who, lead_id: ID, req: LeadUpdate) -> WorkshopLeadOut:
        return p.act_on_lead(who, lead_id, req)

    @app.post("/v1/shortlists", status_code=201, tags=["conseillers"],
              summary="Listes pour de nombreux besoins, affectées selon les places libres")
    def create_shortlist(p: P, who: Who, req: ShortlistIn) -> ShortlistOut:
        return p.create_shortlist(who, req)

    @app.post("/v1/shortlists/jobs", status_code=202, tags=["conseillers"],
              summary="Lancer le calcul d'une liste en arrière-plan (suivre sa progression)")
    def start_job(p: P, who: Who, req: ShortlistIn) -> JobOut:
        return p.start_shortlist_job(who, req)

    @app.get("/v1/shortlists/jobs/{job_id}", tags=["conseillers"], summary="Progression d'un calcul de liste")
    def job(p: P, who: Who, job_id: ID) -> JobOut:
        return p.job(who, job_id)

    @app.get("/v1/shortlists/{shortlist_id}.csv", tags=["conseillers"], summary="Export CSV d'une liste",
             response_class=Response, responses={200: {"content": {"text/csv": {}}}})
    def shortlist_csv(p: P, who: Who, shortlist_id: ID) -> Response:
        data = export.to_csv(p.get_shortlist(who, shortlist_id))
        return Response(data, media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{shortlist_id}.csv"'})

    @app.get("/v1/shortlists/{shortlist_id}.xlsx", tags=["conseillers"], summary="Export Excel d'une liste",
             response_class=Response, responses={200: {"content": {export.XLSX_MEDIA: {}}}})
    def shortlist_xlsx(p: P, who: Who, shortlist_id: ID) -> Response:
        data = export.to_xlsx(p.get_shortlist(who, shortlist_id))
        return Response(data, media_type=export.XLSX_MEDIA,
                        headers={"Content-Disposition": f'attachment; filename="{shortlist_id}.xlsx"'})

    @app.get("/v1/shortlists/{shortlist_id}", tags=["conseillers"], summary="Une liste")
    def shortlist(p: P, who: Who, shortlist_id: ID) -> ShortlistOut:
        return p.get_shortlist(who, shortlist_id)

    @app.get("/v1/adviser/leads", tags=["conseillers"], summary="Mises en relation créées par le conseiller")
    def adviser_leads(p: P, who: Who) -> list[LeadOut]:
        return p.adviser_leads(who)

    @app.get("/v1/quality", tags=["réseau"], summary="Derniers résultats de l'évaluation hors ligne")
    def quality(p: P) -> dict:
        return p.quality()

    @app.get("/v1/quality/{split}/{name}", tags=["réseau"], summary="Graphique de l'évaluation (PNG)",
             response_class=Response, responses={200: {"content": {"image/png": {}}}})
    def quality_plot(p: P, split: Annotated[str, Path(max_length=10)], name: Annotated[str, Path(max_length=60)]) -> Response:
        return Response(p.quality_plot(split, name), media_type="image/png")

    @app.get("/v1/stats", tags=["réseau"], summary="Statistiques du réseau et carte des manques")
    def stats(p: P) -> StatsOut:
        return p.stats()

    return app

