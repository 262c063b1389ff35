"""Every sample imported together (:mod:`matcher.importers.pipeline`, :mod:`.build`, :mod:`.report`)."""

from __future__ import annotations

import json
import re

import pytest
from rich.console import Console

from matcher.catalogue import parse_lines
from matcher.importers import render
from matcher.importers.build import base_id, slugify
from matcher.settings import Settings

from importer_samples import TODAY, full_import

#: (read, rejected, kept, kept rows merged with another row, workshops with a row of the file)
COUNTS = {
    "archipel_auvergne_labs_2023.json": (8, 2, 6, 4, 6),
    "bfc_mednum_tierslieux_2022.csv": (697, 15, 682, 37, 672),
    "bretagne_fablabs_tierslieux_2020.geojson": (121, 0, 121, 18, 121),
    "fablabsio_fr_2017.json": (135, 0, 135, 81, 133),
    "fablabsio_world_2023-06.csv": (1291, 1157, 134, 55, 133),
    "makery_labs_2014.geojson": (400, 271, 129, 48, 126),
    "bfc_codebook_fields.json": (3, 0, 3, 0, 0),
    "fablabsio_machines_world_2023-06.csv": (2248, 0, 280, 0, 0),
}
REJECTIONS = {
    "archipel_auvergne_labs_2023.json": {"profil inconnu": 2},
    "bfc_mednum_tierslieux_2022.csv": {"hors champ : agence bancaire": 12, "profil inconnu": 3},
    "fablabsio_world_2023-06.csv": {"hors de France": 1156, "lieu non reconnu": 1},
    "makery_labs_2014.geojson": {"hors de France": 261, "lieu non reconnu": 4, "profil inconnu": 4,
                                 "point incohérent": 2},
}
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[a-z]{2,}", re.IGNORECASE)
PHONE = re.compile(r"(?<![\w/.-])(?:\+33\s?|0)[1-9](?:[\s.-]?\d{2}){4}(?![\w])")


@pytest.fixture(scope="module")
def result():
    return full_import()


def test_counts_per_source(result):
    got = {s.fichier: (s.lus, s.rejetes, s.retenus, s.fusionnes, s.ateliers) for s in result.report.sources}
    assert got == COUNTS
    assert {s.fichier: s.motifs_de_rejet for s in result.report.sources if s.motifs_de_rejet} == REJECTIONS
    assert result.report.totaux == {"lus": 2652, "rejetes": 1445, "retenus": 1207, "ateliers": 1071,
                                    "doublons_fusionnes": 136, "groupes_fusionnes": 107}
    assert len(result.workshops) == 1071 == len({w.id for w in result.workshops})


def test_every_rejected_row_has_a_reason_and_a_line(result):
    rejected = result.report.rejets
    assert len(rejected) == 1445
    assert all(r["motif"] and r["ligne"] >= 1 for r in rejected)
    bern = next(r for r in rejected if r["nom"] == "FabLab Bern")
    assert bern["motif"] == "hors de France" and "Berné (56)" in bern["detail"]
    art = next(r for r in rejected if r["nom"] == "Dorkbot Paris")
    assert (art["motif"], art["detail"]) == ("profil inconnu", "catégorie non reconnue (type_lab : Art)")


def test_unmapped_categories_are_reported(result):
    unmapped = {s.fichier: s.categories_non_reconnues for s in result.report.sources}
    assert unmapped["makery_labs_2014.geojson"] == {"type_lab : Art": 4, "type_lab : biohacklab": 1}
    assert unmapped["bfc_mednum_tierslieux_2022.csv"]["code_typo : C"] == 2
    assert unmapped["bfc_mednum_tierslieux_2022.csv"]["code_label : BFC"] == 123
    assert unmapped["fablabsio_world_2023-06.csv"]["machine (other) : htc vive"] == 2


def test_no_email_or_phone_survives(result):
    def texts(w):
        return [w.name, w.description, w.opening, *w.services, *w.notes, *(m.name for m in w.machines)]

    for w in result.workshops:
        for text in texts(w):
            assert not EMAIL.search(text), (w.id, text)
            assert not PHONE.search(text), (w.id, text)
            assert "courriel retiré" not in text
        assert not w.website.startswith(("mailto:", "tel:"))
    fabrik = next(w for w in result.workshops if w.name == "Fabrik'numerique")
    assert "inscrivez-vous au" in fabrik.description and "48.61" not in fabrik.description
    assert {s.fichier: s.donnees_personnelles_retirees for s in result.report.sources
            if s.donnees_personnelles_retirees} == {"fablabsio_fr_2017.json": {"téléphones": 1}}


def test_bad_postcode_2100(result):
    abscisse = next(w for w in result.workshops if w.id == "abscisse-dijon")
    assert (abscisse.commune, abscisse.insee, abscisse.postcode) == ("Dijon", "21231", "21000")
    assert "Code postal « 2100 » invalide : 21000 retenu (Dijon (21))." in abscisse.notes
    assert {"fichier": "fablabsio_fr_2017.json", "identifiant": "lab6", "nom": "L'abscisse",
            "correction": "code postal « 2100 » invalide : 21000 retenu (Dijon (21))"} in result.report.corrections


def test_mapped_capabilities_and_machines(result):
    by_id = {w.id: w for w in result.workshops}
    lh3d = by_id["lh3d-fab-lab-le-havre"]
    assert {"impression_3d_fdm", "impression_3d_resine", "decoupe_laser", "fraisage_cnc_bois"} <= set(lh3d.capabilities)
    assert "marquage_laser_metal" not in lh3d.capabilities  # a Trotec "engraving, cutting & marking" is CO2
    assert any(m.name == "formlabs form 2" and m.capability == "impression_3d_resine" for m in lh3d.machines)
    hall = by_id["hall32-fablab-clermont-ferrand"]  # archipel: "Imprimante 3D,CNC, thermoformeuse, découpe laser"
    assert {"impression_3d_fdm", "fraisage_cnc_bois", "thermoformage", "decoupe_laser"} <= set(hall.capabilities)
    # each capability with its evidence; no service sentence is written in the place's name
    assert lh3d.services == [] and lh3d.listing == "sources" and lh3d.description_origin == "source"
    assert ("decoupe_laser", "flag", "laser") in {(e.code, e.kind, e.detail) for e in lh3d.evidence}
    assert ("impression_3d_resine", "machine", "formlabs form 2") in {(e.code, e.kind, e.detail) for e in lh3d.evidence}
    assert {e.code for e in lh3d.evidence} == set(lh3d.capabilities)
    # its fablabs.io flags and machines list equipment: what they could name and do not is ruled out
    assert {"impression_3d_poudre", "scanner_3d"} <= set(lh3d.ruled_out)
    assert "menuiserie" not in lh3d.ruled_out  # no flag or machine class can name it: unknown


def test_missing_fields_are_filled_visibly(result):
    by_id = {w.id: w for w in result.workshops}
    colloc = by_id["la-colloc-lorient"]  # Brittany map, category "cantine", nothing else
    assert (colloc.profile, colloc.capabilities, colloc.accepts_companies) == ("tiers_lieu", ["coworking"], True)
    assert colloc.description.startswith("Tiers-lieu à Lorient (56), d'après les annuaires publics.")
    assert colloc.description_origin == "composed" and colloc.texts() == []  # never embedded nor quoted
    assert not colloc.fabrication_place
    assert (colloc.capacity, colloc.capacity_known, colloc.lead_time_days, colloc.pass_afn) == (1, False, 21, False)
    abscisse = by_id["abscisse-dijon"]  # no capability in any of its three sources
    assert abscisse.capabilities == [] and abscisse.ruled_out == []  # unknown, not assumed
    assert abscisse.fabrication_place  # the regional inventory's code: fabrication and tiers-lieu
    assert "abscisse-dijon" in result.report.capacites_inconnues
    assert "Équipements et services non précisés par les sources." in abscisse.description
    mediation = by_id["onlineformapro-dijon"]
    assert mediation.opening.startswith("Lundi 8h30-12h et 13h30-17h ; Mardi")
    assert all(not w.accepts_companies for w in result.workshops if w.profile == "espace_mediation")
    assert all(w.description.strip() for w in result.workshops)  # a source's own text, however short
    assert all(w.services == [] and w.listing == "sources" and not w.accepts_known for w in result.workshops)
    composed = [w for w in result.workshops if w.description_origin == "composed"]
    assert 900 < len(composed) < 1000 and all(w.description not in w.texts() and len(w.description) >= 40
                                              for w in composed)


def test_provenance_and_staleness(result):
    by_id = {w.id: w for w in result.workshops}
    onlineformapro = by_id["onlineformapro-dijon"]
    assert [(p.source, p.file, p.source_id, p.date, p.imported) for p in onlineformapro.sources] == [
        ("bfc-csv", "bfc_mednum_tierslieux_2022.csv", "mednumBFC_TL_1_", "2021-03-02", TODAY.isoformat())]
    assert onlineformapro.possibly_stale  # 2021 is more than 3 years before the import
    hall = by_id["hall32-fablab-clermont-ferrand"]  # newest source: archipel 2023 (up to 2023-12-31)
    assert not hall.possibly_stale
    assert result.report.peut_etre_perimes == sum(w.possibly_stale for w in result.workshops) == 1065


def test_staleness_follows_the_setting():
    from matcher.importers import run_import

    from importer_samples import gazetteer, sample

    fresh = run_import([sample("bretagne_fablabs_tierslieux_2020.geojson")], settings=Settings(import_stale_years=10),
                       gazetteer=gazetteer(), today=TODAY)
    assert not any(w.possibly_stale for w in fresh.workshops)
    dated = run_import([sample("bretagne_fablabs_tierslieux_2020.geojson")], source_date="2026-06",
                       settings=Settings(), gazetteer=gazetteer(), today=TODAY)
    assert not any(w.possibly_stale for w in dated.workshops)
    assert {p.date for w in dated.workshops for p in w.sources} == {"2026-06"}


def test_catalogue_lines_are_valid(result):
    lines = [w.model_dump_json() for w in result.workshops]
    assert len(parse_lines(lines, "import")) == 1071
    assert all(json.loads(line)["sources"] for line in lines)


def test_report_round_trip_and_render(result, tmp_path):
    path = result.report.save(tmp_path / "rapport.json")
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["totaux"]["ateliers"] == 1071 and saved["parametres"]["import_duplicate_m"] == 150.0
    console = Console(record=True, width=200)
    render(result.report, console)
    text = console.export_text()
    assert "1071 ateliers dans le catalogue" in text
    assert "hors de France : 1156" in text and "type_lab : Art (4)" in text


@pytest.mark.parametrize(
    ("name", "commune", "expected"),
    [("LH3D fab lab", "Le Havre", "lh3d-fab-lab-le-havre"), ("FabLab Lannion KerNEL", "Lannion", "fablab-lannion-kernel"),
     ("Nicéphore Labs", "Chalon-sur-Saône", "nicephore-labs-chalon-sur-saone"), ("C++", "Paris", "c-paris")],
)
def test_ids(name, commune, expected):
    assert base_id(name, commune) == expected
    assert slugify("???") == "atelier"
