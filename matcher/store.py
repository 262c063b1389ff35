"""Storage operations on one open session: workshops, needs, leads, keys, events.

Every function runs inside the caller's transaction (``matcher.db.transaction``); nothing
here commits. Capacity is checked under a lock on the workshop's row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .catalogue import PackedWorkshops, Workshop
from .errors import Conflict, InvalidInput, NotFound
from .leads import OCCUPYING, LeadStatus, is_expired, next_status
from .models import ApiKeyRow, EventRow, LeadRow, NeedRow, WorkshopRow, utcnow
from .security import KEY_PREFIX, Role, digest, new_secret

SYSTEM = "system"


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:20]}"


def dep_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def add_event(s: Session, actor: str, kind: str, *, need_id: str | None = None, lead_id: str | None = None,
              workshop_id: str | None = None, data: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    s.add(EventRow(at=at or utcnow(), actor=actor, kind=kind, need_id=need_id, lead_id=lead_id,
                   workshop_id=workshop_id, data=data or {}))


# --- workshops -------------------------------------------------------------------------
def workshop_row(w: Workshop, source: str = "catalogue") -> WorkshopRow:
    return WorkshopRow(id=w.id, name=w.name, profile=w.profile, dep=dep_of(w.insee), pass_afn=w.pass_afn,
                       accepts_companies=w.accepts_companies, capacity=w.capacity, lat=w.lat, lon=w.lon,
                       record=w.model_dump(mode="json"), source=source, version=1, updated_at=utcnow())


def count_workshops(s: Session) -> int:
    return int(s.scalar(select(func.count()).select_from(WorkshopRow)) or 0)


def seed_workshops(s: Session, workshops: Sequence[Workshop], source: str = "catalogue", chunk: int = 2000) -> int:
    """Load the catalogue into an empty table; a table with rows is left alone. Rows are
    written ``chunk`` at a time, so a large catalogue is never all held as ORM objects."""
    if count_workshops(s):
        return 0
    for start in range(0, len(workshops), chunk):
        rows = [workshop_row(workshops[i], source) for i in range(start, min(start + chunk, len(workshops)))]
        s.add_all(rows)
        s.flush()
        for row in rows:
            s.expunge(row)
    add_event(s, SYSTEM, "catalogue.seeded", data={"workshops": len(workshops), "source": source})
    return len(workshops)


def load_workshops(s: Session, packed_above: int | None = None) -> Sequence[Workshop]:
    """Every workshop, in id order; packed (:class:`PackedWorkshops`) when there are more than
    ``packed_above``, read a chunk at a time."""
    records = s.execute(select(WorkshopRow.record).order_by(WorkshopRow.id).execution_options(yield_per=2000)).scalars()
    workshops = (Workshop.model_validate(r) for r in records)
    if packed_above is not None and count_workshops(s) > packed_above:
        return PackedWorkshops(workshops)
    return list(workshops)


def get_workshop(s: Session, workshop_id: str, *, lock: bool = False) -> WorkshopRow:
    stmt = select(WorkshopRow).where(WorkshopRow.id == workshop_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound(f"Atelier introuvable : « {workshop_id} ».", code="atelier_introuvable")
    return row


def update_workshop(s: Session, row: WorkshopRow, changes: dict[str, Any], actor: str) -> Workshop:
    """Apply validated changes to the record; returns the new workshop."""
    record = {**row.record, **changes}
    workshop = Workshop.model_validate(record)
    row.record = workshop.model_dump(mode="json")
    row.capacity, row.pass_afn = workshop.capacity, workshop.pass_afn
    row.accepts_companies = workshop.accepts_companies
    row.version += 1
    row.updated_at = utcnow()
    add_event(s, actor, "workshop.updated", workshop_id=row.id, data={"fields": sorted(changes)})
    return workshop


def occupied(s: Session, workshop_ids: Iterable[str] | None = None) -> dict[str, int]:
    """Leads holding a slot (``new`` or ``taken``), per workshop."""
    stmt = (select(LeadRow.workshop_id, func.count()).where(LeadRow.status.in_([x.value for x in OCCUPYING]))
            .group_by(LeadRow.workshop_id))
    if workshop_ids is not None:
        stmt = stmt.where(LeadRow.workshop_id.in_(list(workshop_ids)))
    return {wid: int(n) for wid, n in s.execute(stmt)}


def remaining_capacity(s: Session) -> dict[str, int]:
    used = occupied(s)
    return {wid: max(cap - used.get(wid, 0), 0) for wid, cap in s.execute(select(WorkshopRow.id, WorkshopRow.capacity))}


# --- needs and leads -------------------------------------------------------------------
def add_need(s: Session, row: NeedRow, actor: str) -> NeedRow:
    s.add(row)
    s.flush()
    add_event(s, actor, "need.created", need_id=row.id,
              data={"commune": row.commune_insee, "out_of_scope": row.out_of_scope, "covered": row.covered})
    return row


def get_need(s: Session, need_id: str) -> NeedRow:
    row = s.get(NeedRow, need_id)
    if row is None:
        raise NotFound("Demande introuvable.", code="demande_introuvable")
    return row


def leads_of_need(s: Session, need_id: str) -> list[LeadRow]:
    return list(s.scalars(select(LeadRow).where(LeadRow.need_id == need_id).order_by(LeadRow.created_at, LeadRow.id)))


def create_leads(s: Session, need: NeedRow, workshop_ids: Sequence[str], actor: str,
                 scores: dict[str, float], max_per_need: int) -> list[LeadRow]:
    """Send the need to each workshop, all or nothing.

    Each workshop's row is locked (``SELECT ... FOR UPDATE``; SQLite transactions take the
    write lock up front) before its free slots are counted, so two companies racing for the
    last slot cannot both get it: the second gets a :class:`Conflict` and nothing is written.
    """
    wanted = list(dict.fromkeys(workshop_ids))
    existing = {lead.workshop_id for lead in leads_of_need(s, need.id)}
    again = [w for w in wanted if w in existing]
    if again:
        raise Conflict(f"Demande déjà envoyée à : {', '.join(again)}.", code="deja_envoyee")
    if len(existing) + len(wanted) > max_per_need:
        raise InvalidInput(
            f"Une demande peut être envoyée à {max_per_need} ateliers au plus "
            f"(déjà {len(existing)}, {len(wanted)} demandés).", code="trop_d_ateliers")
    rows = [get_workshop(s, wid, lock=True) for wid in sorted(wanted)]  # fixed order: no deadlock
    used = occupied(s, wanted)
    refused = [r for r in rows if not r.accepts_companies]
    if refused:
        raise Conflict("Ces ateliers n'accueillent pas de projets d'entreprise : "
                       + ", ".join(r.name for r in refused) + ".", code="atelier_ferme_aux_entreprises")
    full = [r for r in rows if used.get(r.id, 0) >= r.capacity]
    if full:
        raise Conflict(
            "Plus de place pour le moment chez : " + ", ".join(r.name for r in full)
            + ". Choisissez un autre atelier ou réessayez plus tard.",
            code="atelier_complet", details={"workshops": [r.id for r in full]})
    now = utcnow()
    out = []
    for wid in wanted:
        lead = LeadRow(id=new_id("lead"), need_id=need.id, workshop_id=wid, status=LeadStatus.new.value,
                       score=float(scores.get(wid, 0.0)), created_by=actor, created_at=now, updated_at=now)
        s.add(lead)
        add_event(s, actor, "lead.created", need_id=need.id, lead_id=lead.id, workshop_id=wid)
        out.append(lead)
    s.flush()
    return out


def get_lead(s: Session, lead_id: str, workshop_id: str | None = None, *, lock: bool = False) -> LeadRow:
    """A lead; with ``workshop_id``, only that workshop's (others look as if they did not exist)."""
    stmt = select(LeadRow).where(LeadRow.id == lead_id)
    if workshop_id is not None:
        stmt = stmt.where(LeadRow.workshop_id == workshop_id)
    row = s.scalar(stmt.with_for_update() if lock else stmt)
    if row is None:
        raise NotFound("Mise en relation introuvable.", code="mise_en_relation_introuvable")
    return row


def act_on_lead(s: Session, lead: LeadRow, action: str, actor: str, reason: str | None = None,
                comment: str | None = None) -> LeadRow:
    target = next_status(lead.status, action, reason)
    now = utcnow()
    before = lead.status
    lead.status = target.value
    lead.updated_at = now
    if comment is not None:
        lead.comment = comment
    if target is LeadStatus.taken:
        lead.taken_at = now
    elif target is LeadStatus.declined:
        lead.decline_reason = reason
        lead.closed_at = now
    else:
        lead.closed_at = now
    add_event(s, actor, f"lead.{target.value}", need_id=lead.need_id, lead_id=lead.id,
              workshop_id=lead.workshop_id, data={"from": before, "reason": reason, "comment": comment})
    return lead


def expire_due(s: Session, now: datetime, expiry_days: int) -> int:
    """Mark ``new`` leads older than ``expiry_days`` as expired; returns how many."""
    cutoff = now - timedelta(days=expiry_days)
    stmt = (select(LeadRow).where(LeadRow.status == LeadStatus.new.value, LeadRow.created_at <= cutoff)
            .with_for_update(skip_locked=True))
    count = 0
    for lead in s.scalars(stmt):
        if is_expired(lead.status, lead.created_at, now, expiry_days):
            lead.status, lead.updated_at, lead.closed_at = LeadStatus.expired.value, now, now
            add_event(s, SYSTEM, "lead.expired", need_id=lead.need_id, lead_id=lead.id,
                      workshop_id=lead.workshop_id, data={"after_days": expiry_days}, at=now)
            count += 1
    return count


# --- keys ------------------------------------------------------------------------------
def create_key(s: Session, role: str, workshop_id: str | None = None, label: str = "",
               actor: str = "admin") -> tuple[ApiKeyRow, str]:
    try:
        role = Role(role).value
    except ValueError:
        raise InvalidInput(f"Rôle inconnu « {role} » : workshop, adviser ou admin.", code="role_inconnu") from None
    if role == Role.workshop and not workshop_id:
        raise InvalidInput("Une clé d'atelier doit désigner son atelier (--atelier).", code="atelier_manquant")
    if workshop_id is not None:
        get_workshop(s, workshop_id)
    secret = new_secret(KEY_PREFIX)
    row = ApiKeyRow(id=new_id("key"), role=role, workshop_id=workshop_id if role == Role.workshop else None,
                    label=label, key_hash=digest(secret), created_at=utcnow())
    s.add(row)
    add_event(s, actor, "key.created", workshop_id=row.workshop_id, data={"key_id": row.id, "role": role})
    return row, secret


def find_key(s: Session, secret: str) -> ApiKeyRow | None:
    row = s.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest(secret)))
    return row if row is not None and row.revoked_at is None else None


def revoke_key(s: Session, key_id: str, actor: str = "admin") -> None:
    row = s.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"Clé introuvable : {key_id}.", code="cle_introuvable")
    row.revoked_at = utcnow()
    add_event(s, actor, "key.revoked", data={"key_id": key_id})


# --- imports (afn-match import) -------------------------------------------------------------
#: Fields a workshop manages itself: an import does not overwrite them when the row did not
#: come from an import or when its workshop has edited it (``version`` counts those edits).
SELF_MANAGED = ("capacity", "lead_time_days", "accepts_companies", "pass_afn", "capacity_known")


def upsert_workshops(s: Session, workshops: Sequence[Workshop], source: str, actor: str = SYSTEM,
                     data: dict[str, Any] | None = None) -> tuple[int, int]:
    """Insert or update workshops by id, and record one ``catalogue.imported`` event.

    Returns ``(created, updated)``. Runs in the caller's transaction: all or nothing."""
    ids = [w.id for w in workshops]
    existing: dict[str, WorkshopRow] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        existing.update({r.id: r for r in s.scalars(select(WorkshopRow).where(WorkshopRow.id.in_(chunk)))})
    created = updated = 0
    source = source[:200]
    for w in workshops:
        row = existing.get(w.id)
        if row is None:
            s.add(workshop_row(w, source))
            created += 1
            continue
        from_import = row.source.startswith("import")
        if not (from_import and row.version == 1):  # seeded, or edited by its workshop: keep its own fields
            kept = {k: row.record[k] for k in SELF_MANAGED if k in row.record}
            w = w.model_copy(update={"capacity_known": True, **kept})
        row.record = w.model_dump(mode="json")
        row.name, row.profile, row.dep = w.name, w.profile, dep_of(w.insee)
        row.lat, row.lon = w.lat, w.lon
        if from_import:
            row.source = source
        row.capacity, row.pass_afn, row.accepts_companies = w.capacity, w.pass_afn, w.accepts_companies
        row.updated_at = utcnow()
        updated += 1
    add_event(s, actor, "catalogue.imported",
              data={**(data or {}), "workshops": len(workshops), "created": created, "updated": updated})
    return created, updated
