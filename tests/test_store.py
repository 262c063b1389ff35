"""Storage on real SQLite and PostgreSQL: migrations, seeding, leads, capacity under races, history."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from matcher import store
from matcher.db import make_engine, migrate, sessions, transaction
from matcher.errors import Conflict, InvalidInput, NotFound
from matcher.models import EventRow, LeadRow, NeedRow, utcnow


@pytest.fixture
def factory(database_url, catalogue):
    engine = make_engine(database_url)
    migrate(engine)
    f = sessions(engine)
    with transaction(f) as s:
        store.seed_workshops(s, catalogue.workshops)
    yield f
    engine.dispose()


def a_need(s, text="découpe laser de lettres", **kw) -> NeedRow:
    row = NeedRow(id=store.new_id("need"), text=text, commune_insee="56121", commune_name="Lorient", dep="56",
                  lat=47.75, lon=-3.37, radius_km=40, contact_email="contact@exemple.fr", out_of_scope=False,
                  capabilities=[["decoupe_laser"]], covered=True, shortlist={}, created_at=utcnow(), **kw)
    return store.add_need(s, row, "company")


def open_workshop(catalogue, capacity_at_least=1):
    return next(w for w in catalogue.workshops if w.accepts_companies and w.capacity >= capacity_at_least)


def test_migrations_are_idempotent_and_seed_once(factory, database_url, catalogue):
    engine = make_engine(database_url)
    migrate(engine)  # second run: nothing to do
    with transaction(sessions(engine)) as s:
        assert store.seed_workshops(s, catalogue.workshops) == 0
        loaded = store.load_workshops(s)
    engine.dispose()
    assert len(loaded) == len(catalogue.workshops)
    assert {w.id: w for w in loaded} == catalogue.by_id()



@pytest.mark.parametrize(("packed_above", "packed"), [(None, False), (10_000, False), (0, True)])
def test_workshops_load_packed_above_the_threshold(factory, catalogue, packed_above, packed):
    """A large table is read a chunk at a time into packed workshops: same records, id order."""
    from matcher.catalogue import PackedWorkshops

    with transaction(factory) as s:
        loaded = store.load_workshops(s, packed_above=packed_above)
    assert isinstance(loaded, PackedWorkshops) == packed
    assert list(loaded) == sorted(catalogue.workshops, key=lambda w: w.id)


def test_seeding_in_chunks_writes_every_row_once(database_url, catalogue):
    engine = make_engine(database_url)
    migrate(engine)
    with transaction(sessions(engine)) as s:
        assert store.seed_workshops(s, catalogue.workshops, chunk=7) == len(catalogue.workshops)
    with transaction(sessions(engine)) as s:
        assert store.count_workshops(s) == len(catalogue.workshops)
        assert {w.id: w for w in store.load_workshops(s)} == catalogue.by_id()
    engine.dispose()

def test_lead_lifecycle_writes_one_event_per_change(factory, catalogue):
    w = open_workshop(catalogue)
    with transaction(factory) as s:
        need = a_need(s)
        (lead,) = store.create_leads(s, need, [w.id], "company:x", {w.id: 1.5}, max_per_need=5)
        lead_id = lead.id
    with transaction(factory) as s:
        lead = store.get_lead(s, lead_id, w.id, lock=True)
        store.act_on_lead(s, lead, "take", "workshop:k1")
        store.act_on_lead(s, lead, "close_done", "workshop:k1", comment="Lettres livrées.")
    with transaction(factory) as s:
        lead = store.get_lead(s, lead_id)
        kinds = s.scalars(sa.select(EventRow.kind).where(EventRow.lead_id == lead_id).order_by(EventRow.id)).all()
        actors = s.scalars(sa.select(EventRow.actor).where(EventRow.lead_id == lead_id).order_by(EventRow.id)).all()
    assert lead.status == "done" and lead.taken_at is not None and lead.closed_at is not None
    assert lead.comment == "Lettres livrées."
    assert kinds == ["lead.created", "lead.taken", "lead.done"]
    assert actors == ["company:x", "workshop:k1", "workshop:k1"]


def test_a_workshop_cannot_see_another_workshops_lead(factory, catalogue):
    w1, w2 = [w for w in catalogue.workshops if w.accepts_companies and w.capacity][:2]
    with transaction(factory) as s:
        (lead,) = store.create_leads(s, a_need(s), [w1.id], "company:x", {}, max_per_need=5)
    with transaction(factory) as s, pytest.raises(NotFound):
        store.get_lead(s, lead.id, w2.id)


@pytest.mark.parametrize(
    ("setup", "error", "code"),
    [
        ("full", Conflict, "atelier_complet"),
        ("twice", Conflict, "deja_envoyee"),
        ("too_many", InvalidInput, "trop_d_ateliers"),
        ("closed", Conflict, "atelier_ferme_aux_entreprises"),
        ("unknown", NotFound, "atelier_introuvable"),
    ],
)
def test_refused_leads_write_nothing(factory, catalogue, setup, error, code):
    w = open_workshop(catalogue)
    closed = next(x for x in catalogue.workshops if not x.accepts_companies)
    with transaction(factory) as s:
        need = a_need(s)
        need_id = need.id
        if setup == "full":
            store.update_workshop(s, store.get_workshop(s, w.id), {"capacity": 0}, "test")
        if setup == "twice":
            store.create_leads(s, need, [w.id], "company:x", {}, max_per_need=5)
    before = _count(factory, LeadRow)
    targets = {"full": [w.id], "twice": [w.id], "too_many": [x.id for x in catalogue.workshops[:3]],
               "closed": [closed.id], "unknown": ["atelier-qui-n-existe-pas"]}[setup]
    with pytest.raises(error) as exc, transaction(factory) as s:
        store.create_leads(s, store.get_need(s, need_id), targets, "company:x", {}, max_per_need=2)
    assert exc.value.code == code
    assert _count(factory, LeadRow) == before


def _count(factory, model) -> int:
    with transaction(factory) as s:
        return s.scalar(sa.select(sa.func.count()).select_from(model))


def test_expiry_after_the_configured_days(factory, catalogue):
    w = open_workshop(catalogue)
    with transaction(factory) as s:
        (old,) = store.create_leads(s, a_need(s), [w.id], "company:x", {}, max_per_need=5)
        (fresh,) = store.create_leads(s, a_need(s), [w.id], "company:y", {}, max_per_need=5) if w.capacity > 1 else (None,)
        old.created_at = utcnow() - timedelta(days=15)
    with transaction(factory) as s:
        assert store.expire_due(s, utcnow(), 14) == 1
    with transaction(factory) as s:
        assert store.get_lead(s, old.id).status == "expired"
        if fresh is not None:
            assert store.get_lead(s, fresh.id).status == "new"
        assert store.expire_due(s, utcnow(), 14) == 0  # nothing twice


def test_events_are_append_only_in_the_database(factory):
    with transaction(factory) as s:
        store.add_event(s, "test", "probe")
    for statement in ("UPDATE events SET actor = 'x'", "DELETE FROM events"):
        with pytest.raises(DBAPIError), transaction(factory) as s:
            s.execute(sa.text(statement))
    assert _count(factory, EventRow) >= 2  # the seeding event and the probe are still there


def test_keys_store_only_a_hash(factory, catalogue):
    w = catalogue.workshops[0]
    with transaction(factory) as s:
        row, secret = store.create_key(s, "workshop", w.id, "Fabmanager")
    with transaction(factory) as s:
        found = store.find_key(s, secret)
        stored = s.scalars(sa.select(sa.text("key_hash")).select_from(sa.table("api_keys"))).all()
        assert found is not None and found.workshop_id == w.id and found.role == "workshop"
        assert secret not in stored and store.find_key(s, secret + "x") is None
        store.revoke_key(s, row.id)
    with transaction(factory) as s:
        assert store.find_key(s, secret) is None


@pytest.mark.parametrize("racers", [8])
def test_two_companies_cannot_both_take_the_last_slot(factory, catalogue, racers):
    """Threads race for a workshop's last free slot: exactly one lead is written."""
    w = open_workshop(catalogue)
    with transaction(factory) as s:
        store.update_workshop(s, store.get_workshop(s, w.id), {"capacity": 1}, "test")
        need_ids = [a_need(s).id for _ in range(racers)]
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(need_id: str) -> None:
        barrier.wait()
        try:
            with transaction(factory) as s:
                store.create_leads(s, store.get_need(s, need_id), [w.id], f"company:{need_id}", {}, max_per_need=5)
            result = "ok"
        except Conflict as exc:
            result = exc.code
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=race, args=(n,)) for n in need_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["atelier_complet"] * (racers - 1) + ["ok"]
    with transaction(factory) as s:
        assert store.occupied(s, [w.id]) == {w.id: 1}
        assert store.remaining_capacity(s)[w.id] == 0
