"""Evidence of each capability (:mod:`matcher.evidence`): what is confirmed, by whom, and what is
plausible at a place no source describes fully."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.catalogue import Evidence, Provenance, Workshop
from matcher.evidence import CODE_POS, according_to, capability_evidence, need_support, prior_table, support_row
from matcher.inference import is_machine_group

BASE = dict(id="lab-test", name="Lab test", commune="Rennes", insee="35238", postcode="35000", lat=48.11, lon=-1.68,
            accepts_companies=True, pass_afn=False, capacity=1, lead_time_days=21)
FABLABS = Provenance(source="fablabs-csv", file="fablabsio_world_2023-06.csv", source_id="12", date="2023-06")
MAP = Provenance(source="geojson", file="carte.geojson", source_id="4", date="2020")


def imported(**kw) -> Workshop:
    fields = dict(BASE, profile="fablab", description="Fablab à Rennes (35), d'après les annuaires publics.",
                  description_origin="composed", listing="sources", sources=[FABLABS, MAP], accepts_known=False)
    fields.update(kw)
    return Workshop(**fields)


def declared(**kw) -> Workshop:
    fields = dict(BASE, profile="fablab", description="Un fablab associatif ouvert aux entreprises du quartier.",
                  capabilities=["decoupe_laser"], services=["Découpe laser de lettres en contreplaqué."])
    fields.update(kw)
    return Workshop(**fields)


LASER = Evidence(code="decoupe_laser", kind="flag", source="fablabs-csv", file="fablabsio_world_2023-06.csv",
                 source_id="12", date="2023-06", detail="laser")


@pytest.mark.parametrize(
    ("workshop", "code", "status", "basis", "text"),
    [
        (declared(), "decoupe_laser", "confirmed", "declared", "déclaré par l'atelier"),
        (declared(), "impression_3d_fdm", "absent", "not_declared", "non déclaré par l'atelier"),
        (imported(capabilities=["decoupe_laser"], evidence=[LASER]), "decoupe_laser", "confirmed", "source",
         "d'après fablabs.io, 2023"),
        (imported(ruled_out=["decoupe_vinyle"]), "decoupe_vinyle", "absent", "ruled_out",
         "absent de la liste d'équipements de fablabs.io, 2023 et carte.geojson, 2020"),
        (imported(), "decoupe_laser", "to_confirm", "unknown", "à confirmer avec l'atelier"),  # a fablab: plausible
        (imported(profile="espace_mediation"), "decoupe_laser", "absent", "unknown", "non indiqué par les sources"),
    ],
)
def test_capability_evidence(taxonomy, workshop, code, status, basis, text):
    support = support_row(workshop, prior_table(taxonomy))[CODE_POS[code]]
    got = capability_evidence(workshop, code, taxonomy, float(support), 0.5)
    assert (got.status, got.basis, got.text) == (status, basis, text)


def test_an_unknown_capability_is_plausible_at_a_fabrication_place_only(taxonomy):
    priors = prior_table(taxonomy)
    tiers = imported(profile="tiers_lieu")
    fab = imported(profile="tiers_lieu", fabrication_place=True)
    laser = CODE_POS["decoupe_laser"]
    assert support_row(tiers, priors)[laser] < 0.5 <= support_row(fab, priors)[laser]
    assert support_row(declared(), priors)[CODE_POS["impression_3d_fdm"]] == 0.0  # a declared list is complete


def test_need_support_confirmed_plausible_and_coverage(taxonomy):
    priors = prior_table(taxonomy)
    rows = np.vstack([support_row(w, priors) for w in (
        declared(), imported(capabilities=["decoupe_laser"], evidence=[LASER]), imported(),
        imported(ruled_out=["decoupe_laser"]))])
    sup = need_support([["decoupe_laser"]], np.ascontiguousarray(rows.T), is_machine_group, 0.5)
    assert sup.confirmed.tolist() == [True, True, False, False]
    assert sup.plausible.tolist() == [True, True, True, False]
    assert sup.service_coverage.tolist() == [1.0] * 4  # no service group asked


def test_according_to_names_each_source_once_with_its_newest_year():
    older = Provenance(source="fablabs-json", file="fablabsio_fr_2017.json", source_id="x", date="2017")
    assert according_to([FABLABS, older, MAP]) == "d'après fablabs.io, 2023 et carte.geojson, 2020"
    assert according_to([]) == ""
