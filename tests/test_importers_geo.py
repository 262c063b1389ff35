"""Placing a record with the gazetteer: :mod:`matcher.importers.geo`."""

from __future__ import annotations

import pytest

from matcher.importers.geo import Unlocatable, clean_city, clean_postcode, locate

from importer_samples import gazetteer

FAR, REJECT = 10.0, 100.0


def place(cities, postcode="", lat=None, lon=None):
    return locate(gazetteer(), cities, postcode, lat, lon, FAR, REJECT)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Havre (Le)", "Le Havre"), ("nc/Paris", "Paris"), ("Lyon, France", "Lyon"), ("  CLERMONT-FERRAND ", "CLERMONT-FERRAND"),
     ("Andelys (Les)", "Les Andelys"), ("Haÿ-les-Roses (L')", "L'Haÿ-les-Roses")],
)
def test_clean_city(raw, expected):
    assert clean_city(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), [("21000", "21000"), ("80 000", "80000"), ("2100", None), ("", None),
                                               ("432-8067", None)])
def test_clean_postcode(raw, expected):
    assert clean_postcode(raw) == expected


def test_bad_postcode_2100_is_corrected_from_the_commune():
    # L'abscisse in the 2017 fablabs.io export: "2100" for Dijon's 21000
    loc = place(["Dijon"], "2100", 47.3231, 5.0405)
    assert (loc.commune.insee, loc.postcode) == ("21231", "21000")
    assert loc.corrections == ["code postal « 2100 » invalide : 21000 retenu (Dijon (21))"]


def test_cedex_postcode_is_replaced_by_the_commune_one():
    loc = place(["Rennes"], "35042")  # LabFab UR1: no coordinates, CEDEX code
    assert (loc.commune.name, loc.postcode, loc.geocoded) == ("Rennes", "35000", True)
    assert "35042" in loc.corrections[0]
    assert (loc.lat, loc.lon) == (loc.commune.lat, loc.commune.lon)


def test_article_after_the_name():
    loc = place(["Havre (Le)"], "76600", 49.4977263, 0.1237668)
    assert loc.commune.name == "Le Havre" and not loc.corrections and not loc.geocoded
    assert (loc.lat, loc.lon) == (49.497726, 0.123767)


def test_far_point_is_flagged_and_kept_when_only_the_name_says_the_commune():
    loc = place(["Nanterre"], "", 48.5343, 2.1146)  # Electrolab on the Makery map, 40 km south
    assert loc.commune.name == "Nanterre" and loc.far_km and loc.far_km > 30
    assert (loc.lat, loc.lon) == (48.5343, 2.1146)
    assert any("à vérifier" in n for n in loc.notes)


def test_far_point_gives_way_to_a_commune_confirmed_by_its_postcode():
    loc = place(["LUZY"], "58170", 47.424502, 2.936466)  # BFC row 270: point 105 km away
    assert loc.commune.name == "Luzy" and loc.geocoded
    assert (loc.lat, loc.lon) == (loc.commune.lat, loc.commune.lon)
    assert "point de la commune retenu" in loc.corrections[0]


def test_swapped_coordinates_are_put_back():
    loc = place(["Lorient"], "56100", -3.3655, 47.7430)
    assert (loc.lat, loc.lon) == (47.743, -3.3655)
    assert "inversées" in loc.corrections[0]


def test_homonyms_are_told_apart_by_the_point():
    assert place(["Valence"], "", 44.105, 0.891).commune.dep == "82"
    assert place(["Valence"], "", 44.93, 4.89).commune.dep == "26"


def test_wrong_postcode_loses_to_the_name_near_the_point():
    loc = place(["Metz"], "77050", 49.0953, 6.24591)  # Graoulab on the Makery map
    assert (loc.commune.name, loc.postcode) == ("Metz", "57000")


def test_commune_from_the_point_when_the_source_gives_none():
    loc = place([], "", 48.1147, -1.6794)
    assert loc.commune.name == "Rennes" and "coordonnées" in loc.notes[0]


@pytest.mark.parametrize(
    ("cities", "postcode", "lat", "lon", "reason"),
    [
        (["Berne"], "3007", 46.9404, 7.43281, "Berné (56)"),  # FabLab Bern: a Breton namesake 821 km away
        (["Kortrijk"], "", 50.8316, 3.26394, "Kortrijk"),
        ([], "", None, None, "ni commune ni code postal"),
        (["Atlantis"], "", None, None, "Atlantis"),
    ],
)
def test_unlocatable(cities, postcode, lat, lon, reason):
    with pytest.raises(Unlocatable) as exc:
        place(cities, postcode, lat, lon)
    assert reason in exc.value.reason
