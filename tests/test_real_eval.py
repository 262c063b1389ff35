"""The real-data evaluation and the ranker on the imported public directories
(``../shared/data/real``, never copied into the repository), with the real model."""

from __future__ import annotations

import pytest

from eval.real.judgments import Judgement, Lookup, agreement, combined, grade, load_judges
from matcher.service import MatchRequest


@pytest.mark.parametrize(
    ("evidence", "km", "radius", "expected"),
    [(2, 10, 20, 2), (2, 20, 20, 2), (2, 30, 20, 1), (2, 41, 20, 0), (1, 10, 20, 1), (1, 30, 20, 0), (0, 1, 20, 0)],
)
def test_grade_from_evidence_and_distance(evidence, km, radius, expected):
    assert grade(evidence, km, radius) == expected


def test_judgements_are_found_by_any_source_key_and_combined_conservatively():
    a = [Judgement("r1", frozenset({"f.csv#1", "g.json#a"}), 2)]
    b = [Judgement("r1", frozenset({"f.csv#1", "g.json#a"}), 1)]
    both = combined({"a": a, "b": b})
    assert [j.evidence for j in both] == [1]  # 2 and 1: mean rounded down
    lookup = Lookup(both)
    assert lookup.evidence("r1", ["g.json#a", "h.geojson#9"]) == 1  # merged differently: still found
    assert lookup.evidence("r1", ["h.geojson#9"]) is None and lookup.evidence("r2", ["f.csv#1"]) is None


def test_agreement_is_cohens_kappa_on_the_pairs_both_judged():
    def judged(*grades):
        return [Judgement(f"r{i}", frozenset({f"f#{i}"}), g) for i, g in enumerate(grades)]

    same = agreement({"a": judged(2, 1, 0, 1), "b": judged(2, 1, 0, 1)})
    assert (same["pairs"], same["agreement"], same["kappa"]) == (4, 1.0, 1.0)
    differ = agreement({"a": judged(2, 1, 0, 1), "b": judged(2, 0, 0, 1)})
    assert differ["agreement"] == 0.75 and 0 < differ["kappa"] < 1


def test_stored_judgements_cover_both_judges_and_agree():
    judges = load_judges()
    assert set(judges) == {"a", "b"}
    assert {(j.need, j.keys) for j in judges["a"]} == {(j.need, j.keys) for j in judges["b"]}
    assert agreement(judges)["kappa"] > 0.6


@pytest.fixture(scope="module")
def real(settings, encoder):
    from eval.real.evaluate_real import compare_real

    if not settings.real_data.is_dir():
        pytest.skip(f"annuaires réels absents : {settings.real_data}")
    return compare_real(settings, "dev", encoder=encoder)


def test_full_ranker_beats_the_baselines_on_the_real_directories(real):
    comp, _ = real
    full, nearest = comp.figures["complet"].values, comp.figures["5 plus proches"].values
    assert full["ndcg@5"] > nearest["ndcg@5"] + 0.2
    assert full["far_while_near"] == 0  # never beyond twice the radius while a plausible place is within it
    assert comp.n_workshops > 1000


def test_imported_places_show_evidence_and_quote_nothing_they_did_not_write(real):
    _, service = real
    resp = service.match(MatchRequest(text="découpe laser de plexiglas", commune="Rennes", radius_km=20, top_k=10))
    assert resp.results
    by_id = {w.id: w for w in service.workshops}
    for r in resp.results:
        w = by_id[r.workshop_id]
        assert r.distance_km <= 2 * resp.requested_radius_km
        if r.best_service is not None:
            assert r.best_service in w.services
        assert ("«" in r.explanation) == (r.best_service is not None)
        assert r.evidence and r.evidence[0].code == "decoupe_laser"
        assert not r.capacity_known and "capacité et délai non renseignés" in r.explanation
    confirmed = [r for r in resp.results if r.evidence_level == "confirmed"]
    assert confirmed and all(r.evidence[0].text.startswith("d'après ") for r in confirmed)
    levels = [r.evidence_level for r in resp.results if r.within_radius]
    assert levels == sorted(levels, key=["confirmed", "to_confirm", "partial"].index)  # confirmed ones first


def test_a_nearby_plausible_place_beats_a_far_certainty(real):
    # « fraisage numérique d'une plaque d'aluminium » near Montreuil: the case went to 400 km
    _, service = real
    resp = service.match(MatchRequest(text="fraisage numérique d'une plaque d'aluminium", commune="Montreuil (93)",
                                      radius_km=20, top_k=5))
    assert resp.radius_km <= 40 and all(r.distance_km <= 40 for r in resp.results)
    assert resp.results and resp.results[0].evidence_level in ("confirmed", "to_confirm")
