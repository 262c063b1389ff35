"""Same place within and across sources (:mod:`matcher.importers.dedup`), on the real samples."""

from __future__ import annotations

import pytest

from matcher.importers.dedup import distinctive, name_similarity

from importer_samples import full_import


def members(workshop_id: str) -> set[tuple[str, str]]:
    w = next(w for w in full_import().workshops if w.id == workshop_id)
    return {(p.file, p.source_id) for p in w.sources}


@pytest.mark.parametrize(
    ("a", "b", "communes", "low", "high"),
    [
        ("LH3D fablab", "LH3D fab lab", ("Le Havre",), 100, 100),
        ("Fablab Lannion - KerNEL", "FabLab Lannion KerNEL", ("Lannion",), 100, 100),
        ("La Fab'rique", "La Fabrique Amanlis", ("Amanlis",), 100, 100),
        ("Rutech", "RuTech FabLab MJC Rodez", ("Rodez",), 85, 95),
        ("Espace Multimédia de Lux", "Espace Multimédia de Saint-Rémy", ("Lux", "Saint-Rémy"), 0, 84),
        ("Bibliothèque Maladière", "MJC-Centre social Balzac-Maladière", ("Dijon",), 0, 84),
        ("CAF - Cosne-Cours-sur-Loire", "E2C Nièvre - Cosne-Cours-sur-Loire", ("Cosne-Cours-sur-Loire",), 0, 60),
        ("AV Lab", "AV-exciters", ("Strasbourg",), 0, 84),
    ],
)
def test_name_similarity(a, b, communes, low, high):
    assert low <= name_similarity(a, b, communes) <= high


def test_generic_words_and_commune_are_not_distinctive():
    assert distinctive("Espace numérique de Côte-d'Or - Centre social d'Arnay-le-Duc", ("Arnay-le-Duc",)) == \
        ["cote", "or"]


def test_lh3d_fablab_and_lh3d_fab_lab_are_one_workshop():
    # within the 2017 export (two slugs), and with the 2023 export and the 2014 Makery map
    assert members("lh3d-fab-lab-le-havre") == {
        ("fablabsio_fr_2017.json", "lhfablab"), ("fablabsio_fr_2017.json", "LH3Dfablab"),
        ("fablabsio_world_2023-06.csv", "315"), ("makery_labs_2014.geojson", "97")}


@pytest.mark.parametrize(
    ("workshop_id", "files"),
    [
        ("fablab-lannion-kernel", {"bretagne_fablabs_tierslieux_2020.geojson", "fablabsio_fr_2017.json",
                                   "fablabsio_world_2023-06.csv", "makery_labs_2014.geojson"}),
        ("tyfab-brest", {"bretagne_fablabs_tierslieux_2020.geojson", "fablabsio_fr_2017.json",
                         "fablabsio_world_2023-06.csv", "makery_labs_2014.geojson"}),
        ("acolab-clermont-ferrand", {"archipel_auvergne_labs_2023.json", "fablabsio_fr_2017.json",
                                     "fablabsio_world_2023-06.csv", "makery_labs_2014.geojson"}),
        ("abscisse-dijon", {"bfc_mednum_tierslieux_2022.csv", "fablabsio_fr_2017.json", "makery_labs_2014.geojson"}),
        ("la-fabrique-amanlis", {"bretagne_fablabs_tierslieux_2020.geojson", "fablabsio_fr_2017.json",
                                 "fablabsio_world_2023-06.csv"}),
    ],
)
def test_known_duplicates_across_sources(workshop_id, files):
    assert {f for f, _ in members(workshop_id)} == files


def test_different_places_stay_apart():
    ids = {w.id for w in full_import().workshops}
    # same name, 100 km apart
    assert {"rehab-lab-ploemeur", "rehab-lab-roscoff"} <= ids
    # one network website (labfab.fr) for several places of Rennes, 1-2 km apart
    assert {"labfab-edulab-rennes", "labfab-mda-rennes", "labfab-hub-epitech-rennes"} <= ids
    # two organisations in one building
    assert {"caf-cosne-cours-sur-loire", "e2c-nievre-cosne-cours-sur-loire"} <= ids


def test_merges_are_reported_with_their_rule():
    fusions = {f["id"]: f for f in full_import().report.fusions}
    assert fusions["lh3d-fab-lab-le-havre"]["regles"] == ["nom et distance", "site web"]
    assert len(fusions["lh3d-fab-lab-le-havre"]["membres"]) == 4
    assert "même nom, autre source" in fusions["technistub-mulhouse"]["regles"]  # 3.4 km apart
