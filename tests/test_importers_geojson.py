"""GeoJSON point maps: the Brittany map and the Makery map (:mod:`matcher.importers.geojson`)."""

from __future__ import annotations

from collections import Counter

import pytest

from matcher.importers.geojson import read, split_address
from matcher.importers.records import SourceFile

from importer_samples import sample


def load(name: str) -> SourceFile:
    src = SourceFile(path=str(sample(name)), file=name, format="geojson")
    read(sample(name), src)
    return src


def test_brittany_map():
    src = load("bretagne_fablabs_tierslieux_2020.geojson")
    recs = src.records
    assert src.read == len(recs) == 121 and not src.rejected
    assert Counter(r.profile for r in recs) == {"fablab": 50, "espace_mediation": 31, "tiers_lieu": 29,
                                                "espace_formation": 6, "labo_innovation": 5}
    assert all(r.kind_field == "structure" and not r.unmapped for r in recs)
    cantine = next(r for r in recs if r.name == "La Colloc")
    assert cantine.capabilities == {"coworking": "structure : cantine"}
    molene = next(r for r in recs if r.source_id == "108")
    assert (molene.postcode, molene.cities, molene.lat, molene.lon) == ("29259", ["Île Molène"], 48.395592, -4.956386)
    assert next(r for r in recs if r.name == "MakerSpace56").websites == ["http://makerspace56.org"]


def test_makery_map_cut_values_are_detected():
    src = load("makery_labs_2014.geojson")
    recs = src.records
    assert src.read == len(recs) == 400
    assert Counter(u for r in recs for u in r.unmapped) == {"type_lab : Art": 10, "type_lab : biohacklab": 39}
    assert sum(r.truncated_name for r in recs) == 29
    assert "143 site(s) web coupé(s) à 30 caractères" in src.notes[0]
    digiscope = next(r for r in recs if r.name == "(Fab)Lab Digiscope")
    assert digiscope.websites == []  # "http://fablabdigiscope.wordpre": cut, ignored
    assert (digiscope.postcode, digiscope.cities[0]) == ("91190", "Gif-sur-Yvette")


@pytest.mark.parametrize(
    ("address", "postcode", "first"),
    [
        ("660 Rue Noetzlin, Gif-sur-Yvette, 91190", "91190", "Gif-sur-Yvette"),
        ("8 rue du Faubourg Saint-Antoine 75012 Paris", "75012", "Paris"),
        ("30 rue St Leu 80 000 amiens", "80000", "amiens"),
        ("13 rue des écluses saint martin, Paris 10", "", "Paris 10"),
        ("nc/Strasbourg", "", "Strasbourg"),
        ("Annexe du cener socio-culturel - 1 rue du bois de la dame, 77050 Metz", "77050", "Metz"),
        ("48 boulevard Villebois Mareuil Rennes", "", "boulevard Villebois Mareuil Rennes"),
    ],
)
def test_split_address(address, postcode, first):
    code, cities = split_address(address)
    assert code == postcode and cities[0] == first


def test_last_words_of_an_address_are_tried():
    assert "Rennes" in split_address("48 boulevard Villebois Mareuil Rennes")[1]
