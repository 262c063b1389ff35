"""Any CSV or JSON list with a column mapping (:mod:`matcher.importers.generic`)."""

from __future__ import annotations

import pytest

from matcher.errors import DataError
from matcher.importers.generic import guess_columns, parse_mapping, read
from matcher.importers.records import SourceFile

from importer_samples import sample

NETWORK_CSV = (
    "Réf;Nom du lieu;Catégorie;Équipements;Présentation;CP;Ville;Latitude;Longitude;Site;Courriel référent\n"
    "A1;Atelier du Port;Fab Lab;Imprimante 3D, Laser, Brodeuse;Atelier associatif ouvert le mercredi, "
    "contact : Jeanne Martin au 06 12 34 56 78.;56100;Lorient;47.7482;-3.3702;https://atelier-du-port.example.org;"
    "jeanne.martin@example.org\n"
    "A2;La Ruche;Tiers lieu;Coworking|Robot;Bureaux partagés;35000;Rennes;;;;paul@example.org\n"
)
TOML = """
[columns]
id = "Réf"
name = "Nom du lieu"
profile = "Catégorie"
capabilities = "Équipements"
description = "Présentation"
postcode = "CP"
commune = "Ville"
lat = "Latitude"
lon = "Longitude"
website = "Site"

[profiles]
"Fab Lab" = "fablab"

[capabilities]
"Laser" = "decoupe_laser"
"Robot" = ["electronique"]

[options]
delimiter = ";"
"""


def load(path, mapping=None) -> SourceFile:
    src = SourceFile(path=str(path), file=path.name, format="csv")
    read(path, src, mapping)
    return src


@pytest.fixture
def network_csv(tmp_path):
    path = tmp_path / "reseau.csv"
    path.write_text(NETWORK_CSV, encoding="utf-8")
    return path


def test_archipel_json_is_read_without_a_mapping():
    src = load(sample("archipel_auvergne_labs_2023.json"))
    assert src.read == len(src.records) == 8
    hall = next(r for r in src.records if r.name == "Hall32 Fablab")
    assert (hall.lat, hall.lon, hall.profile) == (45.790056, 3.1050232, "fablab")
    assert hall.cities[0] == "Clermont-Ferrand" and "thermoformeuse" in hall.text
    assert [r.name for r in src.records if r.profile is None] == ["Réseau° Effervescients", "ProtoLab (ESACM)",
                                                                   "Le Ti-lieu"]
    assert "latlng" in src.notes[0]


def test_toml_mapping(network_csv, tmp_path):
    (tmp_path / "reseau.toml").write_text(TOML, encoding="utf-8")
    src = load(network_csv, parse_mapping(str(tmp_path / "reseau.toml")))
    port, ruche = src.records
    assert (port.source_id, port.profile, port.postcode, port.lat) == ("A1", "fablab", "56100", 47.7482)
    assert set(port.capabilities) == {"impression_3d_fdm", "decoupe_laser", "textile_numerique"}
    assert (ruche.profile, set(ruche.capabilities), ruche.lat) == ("tiers_lieu", {"coworking", "electronique"}, None)
    assert src.dropped_columns == ["Courriel référent"]
    assert "example.org" not in repr(port.text + ruche.text)


def test_inline_mapping_and_unmapped_values(network_csv):
    src = load(network_csv, parse_mapping("name=Nom du lieu,commune=Ville,postcode=CP,profile=Catégorie,"
                                          "capabilities=Équipements"))
    port, ruche = src.records
    assert port.profile == "fablab" and ruche.profile == "tiers_lieu"
    assert port.unmapped == [] and ruche.unmapped == ["Équipements : Robot"]


def test_guessed_columns_skip_personal_ones():
    cols = guess_columns(["Nom", "Ville", "CP", "lat", "lng", "Téléphone", "E-mail", "url"])
    assert cols == {"name": "Nom", "postcode": "CP", "commune": "Ville", "lat": "lat", "lon": "lng",
                    "website": "url"}


@pytest.mark.parametrize(
    ("spec", "needle"),
    [
        ("nom", "champ=colonne attendu"),
        ("name=Nom du lieu,couleur=Bleu", "champ(s) inconnu(s) : couleur"),
        ("name=Nom,commune=Ville", "colonne « Nom » (champ name) absente"),
        ("name=Nom du lieu,description=Courriel référent,commune=Ville", "données personnelles"),
        ("website=Site,commune=Ville", "colonne du nom introuvable"),
        ("name=Nom du lieu,website=Site", "ni coordonnées, ni commune"),
    ],
)
def test_mapping_errors_are_french(network_csv, spec, needle):
    with pytest.raises(DataError) as exc:
        load(network_csv, parse_mapping(spec))
    assert needle in exc.value.message


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("[columns\nname = 'x'", "TOML invalide"),
        ("[columns]\nname = 'Nom du lieu'\n[profiles]\n'Fab Lab' = 'garage'", "profil(s) inconnu(s) : garage"),
        ("[columns]\nname = 'Nom du lieu'\n[capabilities]\n'Laser' = 'laser'", "capacité(s) inconnue(s) : laser"),
    ],
)
def test_bad_mapping_files(tmp_path, text, needle):
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as exc:
        parse_mapping(str(path))
    assert needle in exc.value.message


def test_yaml_mapping(network_csv, tmp_path):
    pytest.importorskip("yaml")
    (tmp_path / "m.yaml").write_text("columns:\n  name: Nom du lieu\n  commune: Ville\noptions:\n  delimiter: ';'\n",
                                     encoding="utf-8")
    src = load(network_csv, parse_mapping(str(tmp_path / "m.yaml")))
    assert [r.name for r in src.records] == ["Atelier du Port", "La Ruche"]
