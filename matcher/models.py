"""Database tables (SQLAlchemy 2 declarative). The schema itself is created by Alembic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes on every backend (SQLite stores them naive)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    pass


class WorkshopRow(Base):
    """One workshop; ``record`` is the full catalogue record, the other columns are for filters."""

    __tablename__ = "workshops"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    profile: Mapped[str] = mapped_column(String(40), index=True)
    dep: Mapped[str] = mapped_column(String(3), index=True)
    pass_afn: Mapped[bool] = mapped_column(Boolean)
    accepts_companies: Mapped[bool] = mapped_column(Boolean)
    capacity: Mapped[int] = mapped_column(Integer)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[str] = mapped_column(String(200), default="catalogue")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKeyRow(Base):
    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    workshop_id: Mapped[str | None] = mapped_column(ForeignKey("workshops.id"), nullable=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ShortlistRow(Base):
    __tablename__ = "shortlists"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    adviser_key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id"), index=True)
    k: Mapped[int] = mapped_column(Integer)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NeedRow(Base):
    """A company's request, with the shortlist computed when it was made."""

    __tablename__ = "needs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    commune_insee: Mapped[str] = mapped_column(String(5), index=True)
    commune_name: Mapped[str] = mapped_column(String(200))
    dep: Mapped[str] = mapped_column(String(3))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float)
    contact_email: Mapped[str] = mapped_column(String(254))
    siret: Mapped[str | None] = mapped_column(String(14), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(120), nullable=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    out_of_scope: Mapped[bool] = mapped_column(Boolean, default=False)
    capabilities: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    #: workshops in range covering the need when it was made (0 = a gap on the map)
    covered: Mapped[bool] = mapped_column(Boolean, default=True)
    shortlist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    adviser_key_id: Mapped[str | None] = mapped_column(ForeignKey("api_keys.id"), nullable=True, index=True)
    shortlist_id: Mapped[str | None] = mapped_column(ForeignKey("shortlists.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeadRow(Base):
    """A need sent to one workshop."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_workshop_status", "workshop_id", "status"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    need_id: Mapped[str] = mapped_column(ForeignKey("needs.id"), index=True)
    workshop_id: Mapped[str] = mapped_column(ForeignKey("workshops.id"))
    status: Mapped[str] = mapped_column(String(20), default="new")
    decline_reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EventRow(Base):
    """Append-only history: triggers forbid UPDATE and DELETE (see the Alembic migration)."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(40))
    need_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    lead_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    workshop_id: Mapped[str | None] = mapped_column(String(120), nullable=True, index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
