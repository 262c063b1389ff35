"""What the platform facade takes and returns: the API's request and response bodies."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .security import EMAIL_RE, siret_ok
from .service import MatchResponse

TEXT_MAX = 5000


def _storable(v: object) -> object:
    """Text PostgreSQL and the model can take: JSON lets a NUL byte and lone surrogates through."""
    if isinstance(v, str):
        if "\x00" in v:
            raise ValueError("caractère nul (\\u0000) interdit")
        try:
            v.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("texte Unicode invalide (caractère de substitution isolé)") from None
    elif isinstance(v, list):
        for item in v:
            _storable(item)
    return v


class Strict(BaseModel):
    """A request body: unknown fields refused, every text storable."""

    model_config = ConfigDict(extra="forbid")

    _check_text = field_validator("*", mode="before")(_storable)


# --- matching and needs ----------------------------------------------------------------
class MatchIn(Strict):
    text: str = Field(min_length=1, max_length=TEXT_MAX, description="Le besoin, en français courant.")
    commune: str = Field(min_length=1, max_length=200, description="Commune, code postal ou code INSEE.")
    radius_km: float = Field(50.0, gt=0, le=1000)
    top_k: int = Field(10, ge=1, le=50)
    only_with_capacity: bool = False


def _email(v: str) -> str:
    v = v.strip()
    if not EMAIL_RE.match(v):
        raise ValueError("adresse e-mail invalide")
    return v


def _siret(v: str | None) -> str | None:
    if v is None or not v.strip():
        return None
    v = v.replace(" ", "")
    if not siret_ok(v):
        raise ValueError("SIRET invalide (14 chiffres, clé de contrôle)")
    return v


class NeedIn(MatchIn):
    contact_email: str = Field(max_length=254, description="E-mail de contact, transmis aux seuls ateliers choisis.")
    siret: str | None = Field(None, max_length=20)

    _check_email = field_validator("contact_email")(_email)
    _check_siret = field_validator("siret")(_siret)


class LeadsIn(Strict):
    workshop_ids: list[str] = Field(min_length=1, max_length=10)


class LeadOut(BaseModel):
    id: str
    need_id: str
    workshop_id: str
    workshop_name: str
    status: str
    status_label: str
    decline_reason: str | None = None
    comment: str | None = None
    created_at: datetime
    updated_at: datetime
    taken_at: datetime | None = None
    closed_at: datetime | None = None
    expires_at: datetime | None = None
    need_reference: str | None = Field(None, description="Référence du besoin donnée par le conseiller.")


class WorkshopLeadOut(LeadOut):
    """A lead as its workshop sees it: with the need and how to reach the company."""

    need_text: str
    commune: str
    contact_email: str
    siret: str | None = None
    score: float


class NeedOut(BaseModel):
    id: str
    text: str
    commune: str
    radius_km: float
    created_at: datetime
    out_of_scope: bool
    shortlist: MatchResponse
    leads: list[LeadOut]


class NeedCreated(BaseModel):
    need: NeedOut
    token: str = Field(description="Jeton de suivi : à conserver, il n'est affiché qu'une fois.")


class LeadUpdate(Strict):
    action: str = Field(description="take | decline | close_done | close_no_help | close_unreachable")
    reason: str | None = Field(None, max_length=40, description="Raison du refus (obligatoire pour decline).")
    comment: str | None = Field(None, max_length=1000)


# --- workshops -------------------------------------------------------------------------
class WorkshopOut(BaseModel):
    id: str
    name: str
    profile: str
    commune: str
    insee: str
    dep: str
    lat: float
    lon: float
    description: str
    services: list[str]
    capabilities: list[str]
    machines: list[dict]
    materials: list[str]
    accepts_companies: bool
    pass_afn: bool
    capacity: int
    remaining_capacity: int
    lead_time_days: int
    opening: str
    website: str
    distance_km: float | None = None
    updated_at: datetime


class WorkshopPage(BaseModel):
    items: list[WorkshopOut]
    total: int
    page: int
    per_page: int


class WorkshopPatch(Strict):
    services: list[str] | None = Field(None, min_length=1, max_length=40)
    description: str | None = Field(None, min_length=40, max_length=3000)
    capacity: int | None = Field(None, ge=0, le=1000)
    lead_time_days: int | None = Field(None, ge=0, le=365)
    opening: str | None = Field(None, max_length=500)
    pass_afn: bool | None = None
    accepts_companies: bool | None = None

    @field_validator("services")
    @classmethod
    def _services(cls, v: list[str] | None) -> list[str] | None:
        if v is None:
            return v
        v = [s.strip() for s in v]
        if any(len(s) < 3 or len(s) > 300 for s in v):
            raise ValueError("chaque service fait entre 3 et 300 caractères")
        return v


# --- advisers --------------------------------------------------------------------------
class ShortlistNeedIn(Strict):
    reference: str | None = Field(None, max_length=120, description="Votre référence (nom de l'entreprise...).")
    text: str = Field(min_length=1, max_length=TEXT_MAX)
    commune: str = Field(min_length=1, max_length=200)
    radius_km: float = Field(50.0, gt=0, le=1000)
    contact_email: str | None = Field(None, max_length=254)
    siret: str | None = Field(None, max_length=20)

    @field_validator("contact_email")
    @classmethod
    def _mail(cls, v: str | None) -> str | None:
        return None if v is None or not v.strip() else _email(v)

    _check_siret = field_validator("siret")(_siret)


class ShortlistIn(Strict):
    needs: list[ShortlistNeedIn] = Field(min_length=1, max_length=1000)
    k: int = Field(3, ge=1, le=5, description="Ateliers proposés par besoin.")
    only_with_capacity: bool = True
    send_leads: bool = Field(False, description="Envoyer tout de suite les mises en relation affectées.")


class Pick(BaseModel):
    workshop_id: str
    name: str
    commune: str
    distance_km: float
    score: float
    explanation: str
    lead_id: str | None = None


class ShortlistItem(BaseModel):
    position: int
    reference: str | None
    text: str
    commune: str | None
    need_id: str | None
    status: str = Field(description="assigned | partial | unassigned | out_of_scope | error")
    message: str | None = None
    picks: list[Pick]
    alternatives: list[Pick] = Field(default_factory=list, description="Autres ateliers qui couvrent le besoin.")
    notes: list[str] = Field(default_factory=list, description="Remarques du classement (rayon élargi...).")


class ShortlistOut(BaseModel):
    id: str
    created_at: datetime
    k: int
    summary: dict[str, int]
    items: list[ShortlistItem]


class JobOut(BaseModel):
    """A shortlist computed in the background, with its progress."""

    job_id: str
    status: str = Field(description="running | done | error")
    progress: float
    done: int
    total: int
    shortlist_id: str | None = None
    error: dict[str, str] | None = None


# --- keys and statistics ---------------------------------------------------------------
class KeyCreated(BaseModel):
    id: str
    role: str
    workshop_id: str | None
    key: str = Field(description="La clé : affichée une seule fois, seule son empreinte est conservée.")


class Gap(BaseModel):
    insee: str
    commune: str
    dep: str
    lat: float
    lon: float
    needs: int
    capabilities: list[str]


class StatsOut(BaseModel):
    needs: int
    leads: int
    leads_by_status: dict[str, int]
    take_up_rate: float | None = Field(description="Part des mises en relation décidées qui ont été prises.")
    median_hours_to_take: float | None
    declines_by_reason: dict[str, int]
    leads_by_capability: dict[str, int]
    leads_by_dep: dict[str, int]
    gaps: list[Gap]
