"""Bad files give a French error naming the line or the field; formats are detected
(:mod:`matcher.importers.files`, :mod:`matcher.importers.detect`)."""

from __future__ import annotations

import pytest

from matcher.errors import DataError
from matcher.importers import detect_format
from matcher.importers.files import file_date, parse_date, period_end
from matcher.importers.pipeline import read_sources

from importer_samples import REAL, sample


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("fablabsio_fr_2017.json", "fablabs-json"),
        ("fablabsio_world_2023-06.csv", "fablabs-csv"),
        ("fablabsio_machines_world_2023-06.csv", "machines"),
        ("bretagne_fablabs_tierslieux_2020.geojson", "geojson"),
        ("makery_labs_2014.geojson", "geojson"),
        ("bfc_mednum_tierslieux_2022.csv", "bfc-csv"),
        ("bfc_codebook_fields.json", "codebook"),
        ("archipel_auvergne_labs_2023.json", "csv"),
    ],
)
def test_each_sample_format_is_detected(name, fmt):
    assert detect_format(sample(name)) == fmt


def _bad(tmp_path, name: str, content: bytes | str) -> str:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(DataError) as exc:
        read_sources([path])
    return exc.value.message


def test_wrong_encoding_names_the_line(tmp_path):
    latin = "name,city,postal_code,country_code,latitude,longitude,capabilities\nFablab Lorient,Lorient,56100,FR,,,[]\n" \
            "Fablab Sèvres,Sèvres,92310,FR,,,[]\n"
    msg = _bad(tmp_path, "labs.csv", latin.encode("cp1252"))
    assert msg.startswith("labs.csv, ligne 3 : encodage invalide (octet 0xe8, UTF-8 attendu)")
    assert "--encodage" in msg


def test_wrong_encoding_can_be_declared(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_bytes("name,city,postal_code,country_code,latitude,longitude,capabilities\n"
                     "Fablab Sèvres,Sèvres,92310,FR,,,['laser']\n".encode("cp1252"))
    sources, _ = read_sources([path], encoding="cp1252")
    assert sources[0].records[0].name == "Fablab Sèvres"


def test_broken_json_names_line_and_column(tmp_path):
    msg = _bad(tmp_path, "labs.json", '[\n {"name": "A", "kind_name": "fab_lab"},\n {"name": "B",, }\n]')
    assert msg.startswith("labs.json, ligne 3, colonne 15 : JSON invalide")


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("labs.csv", "name,capabilities,country_code,postal_code\nA,[],FR,56100\n",
         "colonnes manquantes pour le format fablabs-csv : city, latitude, longitude"),
        ("bfc.csv", "bfc_id,code_typo,lundi matin\nx,F,\n",
         "colonnes manquantes pour le format bfc-csv : nom_structure, code_postal, ville, lat, lon"),
        ("carte.geojson", '{"type": "Feature"}', "GeoJSON attendu"),
        ("notes.md", "# pas des données", "format non reconnu (fichier .md"),
        ("vide.csv", "", "fichier vide"),
        ("liste.csv", "auteur,editeur\nA,B\n", "colonne du nom introuvable"),
        ("liste.json", '{"auteurs": [1, 2]}', "une liste d'objets JSON est attendue"),
    ],
)
def test_bad_files(tmp_path, name, content, needle):
    assert needle in _bad(tmp_path, name, content)


def test_missing_file_and_machines_alone(tmp_path):
    with pytest.raises(DataError, match="Fichier introuvable"):
        read_sources([tmp_path / "absent.csv"])
    with pytest.raises(DataError, match="complète un export fablabs.io"):
        read_sources([sample("fablabsio_machines_world_2023-06.csv")])
    with pytest.raises(DataError, match="Format inconnu « xml »"):
        read_sources([sample("makery_labs_2014.geojson")], fmt="xml")


def test_a_malformed_row_is_rejected_with_its_line(tmp_path):
    path = tmp_path / "labs.csv"
    path.write_text("name,city,postal_code,country_code,latitude,longitude,capabilities\n"
                    "A,Lorient,56100,FR,,,[]\nB,Vannes,56000\n", encoding="utf-8")
    sources, _ = read_sources([path])
    assert [(r.line, r.reason) for r in sources[0].rejected] == [(3, "ligne mal formée")]
    assert "3 champs au lieu de 7" in sources[0].rejected[0].detail


@pytest.mark.parametrize(
    ("value", "parsed", "end"),
    [("02/03/2021", "2021-03-02", "2021-03-02"), ("2023-06", "2023-06", "2023-06-30"), ("2014", "2014", "2014-12-31"),
     ("2023-02", "2023-02", "2023-02-28"), ("31/02/2021", "", None), ("hier", "", None)],
)
def test_dates(value, parsed, end):
    assert parse_date(value) == parsed
    assert str(period_end(parsed)) == str(end)


def test_file_date_sources():
    assert file_date(REAL / "fablabsio_world_2023-06.csv") == ("2023-06", "nom du fichier")
    assert file_date(REAL / "makery_labs_2014.geojson", "2019-05-01") == ("2019-05-01", "--date")
    with pytest.raises(DataError, match="Date invalide"):
        file_date(REAL / "makery_labs_2014.geojson", "mai 2019")
