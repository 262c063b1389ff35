"""fablabs.io: JSON export, CSV export and machines file (:mod:`matcher.importers.fablabs`)."""

from __future__ import annotations

from collections import Counter

import pytest

from matcher.importers.fablabs import attach_machines, read_csv_export, read_json, read_machines
from matcher.importers.records import FRANCE, SourceFile

from importer_samples import sample


def source(name: str, fmt: str) -> SourceFile:
    return SourceFile(path=str(sample(name)), file=name, format=fmt, date="2017")


@pytest.fixture(scope="module")
def labs_json():
    src = source("fablabsio_fr_2017.json", "fablabs-json")
    read_json(sample(src.file), src)
    return src


@pytest.fixture(scope="module")
def labs_csv():
    src = source("fablabsio_world_2023-06.csv", "fablabs-csv")
    read_csv_export(sample(src.file), src)
    return src


def test_json_export(labs_json):
    recs = labs_json.records
    assert labs_json.read == len(recs) == 135 and not labs_json.rejected
    assert Counter(r.kinds[0] for r in recs) == {"fab_lab": 110, "mini_fab_lab": 17, "supernode": 8}
    assert {r.profile for r in recs} == {"fablab"}
    assert sum(r.lat is not None for r in recs) == 129
    lh3d = {r.source_id: r for r in recs if r.name.lower().startswith("lh3d")}
    assert set(lh3d) == {"lhfablab", "LH3Dfablab"}  # the known duplicate, with two slugs
    assert lh3d["lhfablab"].flags == ["three_d_printing", "cnc_milling"]
    assert "http://www.lh3d.fr" in lh3d["lhfablab"].websites
    abscisse = next(r for r in recs if r.name == "L'abscisse")
    assert (abscisse.postcode, abscisse.cities) == ("2100", ["Dijon"])


def test_csv_export(labs_csv):
    assert labs_csv.read == 1291 and not labs_csv.rejected
    assert Counter(r.country for r in labs_csv.records if r.country in FRANCE) == {"FR": 131, "RE": 3, "GF": 1}
    french = [r for r in labs_csv.records if r.country == "FR"]
    assert sum(r.lat is not None for r in french) == 112
    lh3d = next(r for r in french if r.name == "LH3D Fab Lab")
    assert lh3d.source_id == "315" and lh3d.line == 990  # physical line: earlier rows span several lines
    assert set(lh3d.flags) == {"three_d_printing", "cnc_milling", "circuit_production", "laser",
                               "precision_milling", "vinyl_cutting"}
    assert "http://www.lh3d.fr" in lh3d.websites


def test_machines_join_on_slug_and_lab_name(labs_json, labs_csv):
    src = source("fablabsio_machines_world_2023-06.csv", "machines")
    machines = read_machines(sample(src.file), src)
    assert src.read == 2248 and len(machines) == 280 == src.kept  # 275 in France, 5 in La Réunion
    assert len({m.slug for m in machines}) == 61
    attach_machines(machines, [labs_json, labs_csv], src)
    by_slug = {r.source_id: r for r in labs_json.records}
    assert {m.klass for m in by_slug["acolab"].raw_machines} >= {"three_d_printer", "cnc_milling"}
    csv_lab = next(r for r in labs_csv.records if r.name == "Atelier Made in iKi - FabLab Bresse du Jura")
    assert csv_lab.raw_machines and {m.slug for m in csv_lab.raw_machines} == {"ateliermadeiniki"}  # by name
    assert any("fablaboic" in n for n in src.notes)  # a lab of the machines file in neither export
