"""End-to-end matching on the real model, the bundled catalogue and the gazetteer."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.errors import AfnError, AmbiguousCommune, InvalidInput, UnknownCommune
from matcher.service import MatchRequest


def match(service, text, commune="Lorient", **kw):
    return service.match(MatchRequest(text=text, commune=commune, **kw))


def test_lorient_laser_example(service):
    resp = match(service, "découpe laser de lettres en contreplaqué pour une vitrine", radius_km=40)
    assert not resp.out_of_scope
    assert ["decoupe_laser"] in resp.inferred_capabilities or any("decoupe_laser" in g for g in resp.inferred_capabilities)
    top = resp.results[:3]
    assert top, "at least one result"
    by_id = service_by_id(service)
    for r in top:
        w = by_id[r.workshop_id]
        assert "decoupe_laser" in w.capabilities
        assert w.accepts_companies
        assert r.distance_km <= 40
        assert "decoupe_laser" in r.matched_capabilities
        assert r.explanation and r.best_service in w.services


def service_by_id(service):
    return {w.id: w for w in service.workshops}


@pytest.mark.parametrize(
    ("text", "commune", "code"),
    [
        ("impression 3D de boîtiers en PETG", "Rennes", "impression_3d_fdm"),
        ("broder le logo de notre club sur 40 polos", "Toulouse", "textile_numerique"),
        ("prototype électronique avec un ESP32 et des capteurs", "Grenoble", "electronique"),
        ("fraiser des panneaux de contreplaqué pour du mobilier de bureau", "Nantes", "fraisage_cnc_bois"),
        ("des stickers et un lettrage adhésif pour notre camion", "Lille", "decoupe_vinyle"),
        ("numériser une pièce ancienne en 3D pour la reproduire", "Bordeaux", "scanner_3d"),
    ],
)
def test_first_result_has_the_capability(service, text, commune, code):
    resp = match(service, text, commune, radius_km=60)
    assert resp.results, resp.notes
    first = service_by_id(service)[resp.results[0].workshop_id]
    assert code in first.capabilities, (text, resp.inferred_capabilities, first.id)


@pytest.mark.parametrize(
    "text",
    ["Je cherche un expert-comptable pour mon entreprise", "Un avocat pour un litige commercial",
     "traiteur pour notre repas de fin d'année"],
)
def test_out_of_scope(service, text):
    resp = match(service, text, "Lyon")
    assert resp.out_of_scope and resp.results == []
    assert "fabrication numérique" in resp.message


@pytest.mark.parametrize(
    ("req", "code"),
    [
        (dict(text="   "), "texte_vide"),
        (dict(text="x" * 5001), "texte_trop_long"),
        (dict(text="découpe laser", radius_km=0), "rayon_invalide"),
        (dict(text="découpe laser", radius_km=-5), "rayon_invalide"),
        (dict(text="découpe laser", radius_km=100000), "rayon_invalide"),
        (dict(text="découpe laser", radius_km=float("nan")), "rayon_invalide"),
        (dict(text="découpe laser", top_k=0), "top_invalide"),
        (dict(text="découpe laser", top_k=1000), "top_invalide"),
    ],
)
def test_bad_input_is_a_french_error(service, req, code):
    with pytest.raises(InvalidInput) as exc:
        service.match(MatchRequest(commune="Lorient", **req))
    assert exc.value.code == code
    assert exc.value.message[0].isupper()


def test_unknown_and_ambiguous_communes(service):
    with pytest.raises(UnknownCommune) as exc:
        match(service, "découpe laser", "Lorien")
    assert "Lorient" in exc.value.message
    with pytest.raises(AmbiguousCommune) as exc:
        match(service, "découpe laser", "Saint-Denis")
    assert "974" in exc.value.message and "93" in exc.value.message


def test_radius_widens_to_the_nearest_answer_with_a_note_for_rare_machines(service):
    # the nearest powder printer to Gap is 84 km away: beyond twice the radius, within the cap
    resp = match(service, "impression 3D poudre SLS en nylon PA12 de 200 pièces", "Gap", radius_km=20)
    by_id = service_by_id(service)
    first = resp.results[0]
    assert "impression_3d_poudre" in by_id[first.workshop_id].capabilities and first.evidence_level == "confirmed"
    assert 84 <= resp.radius_km <= 90 and first.distance_km <= resp.radius_km
    assert any("rayon élargi à 90 km" in n for n in resp.notes)
    assert all(r.distance_km <= resp.radius_km for r in resp.results)  # nothing further: already widened


def test_radius_is_never_widened_past_the_cap(service):
    # the nearest powder printer to Aurillac is further than 150 km: announced, never proposed
    resp = match(service, "impression 3D poudre SLS en nylon PA12 de 200 pièces", "Aurillac", radius_km=20)
    assert resp.radius_km == 20
    assert any("à moins de 150 km" in n for n in resp.notes)
    assert all(r.evidence_level == "partial" and r.distance_km <= 20 for r in resp.results)


def test_only_with_capacity_filters(service):
    resp = match(service, "impression 3D PLA", "Paris", radius_km=100, top_k=50, only_with_capacity=True)
    assert resp.results and all(r.remaining_capacity > 0 for r in resp.results)


def test_full_workshops_are_demoted_live(service):
    req = MatchRequest(text="découpe laser de lettres en contreplaqué", commune="Lorient", radius_km=40)
    first = service.match(req).results[0].workshop_id
    service.remaining_capacity = lambda: {first: 0}
    try:
        resp = service.match(req)
        assert resp.results[0].workshop_id != first
        assert next(r for r in resp.results if r.workshop_id == first).remaining_capacity == 0
    finally:
        service.remaining_capacity = None


def test_upsert_and_remove_one_workshop_without_rebuild(service):
    base = service.workshops[0]
    rows_before = service.index.n_rows
    new = base.model_copy(update={
        "id": "test-atelier-thermoformage-unique",
        "services": ["Nous thermoformons des coques de protection en PETG pour les maraîchers."],
        "capabilities": sorted(set(base.capabilities) | {"thermoformage"}),
    })
    service.upsert_workshop(new)
    try:
        assert service.index.n_rows == rows_before + 2
        resp = match(service, "thermoformer des coques de protection pour maraîchers", base.commune, radius_km=30)
        hit = next(r for r in resp.results if r.workshop_id == new.id)
        assert "thermoformage" in hit.matched_capabilities and "maraîchers" in hit.best_service
    finally:
        assert service.remove_workshop(new.id)
    assert service.index.n_rows == rows_before
    assert new.id not in service_by_id(service)
    resp = match(service, "thermoformer des coques de protection pour maraîchers", base.commune, radius_km=30)
    assert all(r.workshop_id != new.id for r in resp.results)


def test_batch_keeps_going_after_a_bad_need(service):
    reqs = [
        MatchRequest(text="gravure laser sur cuir", commune="Nantes"),
        MatchRequest(text="gravure laser sur cuir", commune="Zzzzyx"),
        MatchRequest(text="", commune="Nantes"),
        MatchRequest(text="impression résine de figurines", commune="Lille"),
    ]
    out = service.match_batch(reqs)
    assert [isinstance(o, AfnError) for o in out] == [False, True, True, False]
    single = service.match(reqs[3])
    assert [r.workshop_id for r in out[3].results] == [r.workshop_id for r in single.results]


#: the sections of a shortlist, in their order: (within the radius, evidence level)
SECTION_OF = {(True, "confirmed"): 0, (True, "to_confirm"): 1, (False, "confirmed"): 2, (False, "to_confirm"): 3,
              (True, "partial"): 4}


def test_scores_are_sorted_and_distances_displayed(service):
    resp = match(service, "modélisation 3D et impression d'un prototype", "Strasbourg", radius_km=80, top_k=30)
    sections = [SECTION_OF[(r.within_radius, r.evidence_level)] for r in resp.results]
    assert sections == sorted(sections) and len(set(sections)) >= 2  # confirmed within, then the others
    for section in set(sections):  # by score inside each section
        scores = [r.score for r, sec in zip(resp.results, sections, strict=True) if sec == section]
        assert scores == sorted(scores, reverse=True)
    assert all(np.isfinite(r.distance_km) for r in resp.results)
    beyond = [r for r in resp.results if r.distance_km > resp.radius_km + 1]
    for r in beyond:  # only workshops that cover the whole need may stand beyond the radius
        assert r.distance_km <= 2 * resp.radius_km + 1 and not r.missing_capabilities
    assert bool(beyond) == any("au-delà" in n for n in resp.notes)


def test_capable_workshop_just_beyond_radius_beats_incapable_ones_inside(service):
    resp = match(service, "découpe de lettres en plexiglas à la Trotec", "Lorient", radius_km=5)
    by_id = service_by_id(service)
    first = by_id[resp.results[0].workshop_id]
    assert "decoupe_laser" in first.capabilities and first.accepts_companies


class _Address:
    latitude, longitude, address = 47.7300, -3.3500, "12 Rue du Port 56100 Lorient"
    raw = {"properties": {"citycode": "56121", "label": "12 Rue du Port 56100 Lorient"}}


def test_street_address_uses_the_ban_only_when_switched_on(service, monkeypatch):
    import geopy.geocoders
    from geopy.exc import GeocoderUnavailable

    calls = []

    class FakeBAN:
        def __init__(self, **kwargs):
            pass

        def geocode(self, query, exactly_one=True):
            calls.append(query)
            return _Address()

    class DownBAN(FakeBAN):
        def geocode(self, query, exactly_one=True):
            raise GeocoderUnavailable("hors ligne")

    monkeypatch.setattr(geopy.geocoders, "BANFrance", FakeBAN)
    address = "12 rue du Port, 56100 Lorient, bâtiment B"
    with pytest.raises(UnknownCommune):  # off by default: the table alone answers
        match(service, "découpe laser", address)
    assert calls == []
    monkeypatch.setattr(service.settings, "online_geocoding", True)
    resp = match(service, "découpe laser de lettres", address, radius_km=40)
    assert calls == [address] and resp.commune.insee == "56121"
    assert (resp.commune.lat, resp.commune.lon) == (47.73, -3.35)
    assert any("Base Adresse Nationale" in n for n in resp.notes)
    assert match(service, "découpe laser", "Lorient").commune.lat != 47.73  # names stay offline
    assert calls == [address]
    monkeypatch.setattr(geopy.geocoders, "BANFrance", DownBAN)
    with pytest.raises(UnknownCommune):  # the BAN is down: the table's French error stands
        match(service, "découpe laser", address)


def test_route_when_no_single_workshop_covers_the_need(service):
    # no workshop of the catalogue has both SLS powder printing and digital embroidery
    text = "imprimer des pièces en nylon PA12 par frittage laser SLS et broder notre logo sur des casquettes"
    resp = match(service, text, "Toulon", radius_km=50)
    groups = resp.inferred_capabilities
    assert len(groups) >= 2, groups
    route = resp.route
    assert route is not None, resp.notes
    assert 2 <= len(route.workshops) <= 3
    by_id = service_by_id(service)
    members = [by_id[r.workshop_id] for r in route.workshops]
    owned = {c for w in members for c in w.capabilities}
    assert all(owned.intersection(g) for g in groups)
    assert not any(all(set(w.capabilities).intersection(g) for g in groups) for w in members)
    assert all(w.accepts_companies for w in members)
    assert all(r.distance_km <= resp.radius_km + 1 for r in route.workshops)
    assert route.reason.startswith("Aucun atelier ne couvre seul tout le besoin")
    for w in members:
        assert w.name in route.reason
    assert "impression 3D poudre" in route.reason and "textile numérique" in route.reason


@pytest.mark.parametrize(
    ("text", "commune", "min_groups"),
    [
        ("découpe laser de lettres en contreplaqué pour une vitrine", "Lorient", 1),
        ("graver au laser des plaques en inox et broder des écussons sur des vestes", "Toulon", 2),
    ],
)
def test_no_route_when_one_workshop_covers_the_need(service, text, commune, min_groups):
    resp = match(service, text, commune, radius_km=50)
    assert len(resp.inferred_capabilities) >= min_groups, resp.inferred_capabilities
    first = service_by_id(service)[resp.results[0].workshop_id]
    assert all(set(first.capabilities).intersection(g) for g in resp.inferred_capabilities)
    assert resp.route is None
