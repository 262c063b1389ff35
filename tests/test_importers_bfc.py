"""The Bourgogne-Franche-Comté inventory and its codebook (:mod:`matcher.importers.bfc`)."""

from __future__ import annotations

from collections import Counter

from matcher.importers.bfc import LABELS, opening, read, read_codebook
from matcher.importers.records import SourceFile

from importer_samples import sample

CSV = "bfc_mednum_tierslieux_2022.csv"


def load(path, labels=None) -> SourceFile:
    src = SourceFile(path=str(path), file=path.name, format="bfc-csv")
    read(path, src, labels)
    return src


def test_inventory():
    src = load(sample(CSV))
    assert src.read == 697
    assert Counter(r.reason for r in src.rejected) == {"hors champ : agence bancaire": 12}
    recs = src.records
    assert len(recs) == 685
    assert Counter(r.profile for r in recs) == {"espace_mediation": 497, "tiers_lieu": 130, "espace_formation": 37,
                                                "fablab": 18, None: 3}
    assert Counter(u for r in recs for u in r.unmapped if u.startswith("code_typo")) == {
        "code_typo : C": 2, "code_typo : FO": 1, "code_typo : FTL": 1}
    first = recs[0]
    assert (first.source_id, first.name, first.date, first.postcode) == (
        "mednumBFC_TL_1_", "Onlineformapro Dijon", "2021-03-02", "21000")
    assert first.opening.startswith("Lundi 8h30-12h et 13h30-17h ; Mardi 8h30-12h et 13h30-17h")
    assert "Samedi" not in first.opening
    assert "Accompagnement proposé : accompagnement individuel sur rendez-vous" in " ".join(first.facts)
    champagnole = next(r for r in recs if r.name == "FabLab Champagnole")
    assert champagnole.profile == "fablab" and champagnole.kinds == ["F", "TL"]
    assert next(r for r in recs if r.name == "Kelle Fabrik").profile == "tiers_lieu"  # F-TL, no "fablab" in its name
    assert [r.name for r in recs if r.profile is None] == [
        "Ecocentre de Bourgogne - Fabrique de Territoire", "LA POSTE Bletterans", "Association ORE"]  # no code_typo


def test_half_days_closed_and_open():
    row = {"lundi matin": "-", "lundi après-midi": "18h30-20h", "mardi matin": "10h-11h30", "mardi après-midi": "-"}
    assert opening(row) == "Lundi 18h30-20h ; Mardi 10h-11h30"
    assert opening({}) == ""


def test_codebook_labels():
    src = SourceFile(path="", file="bfc_codebook_fields.json", format="codebook")
    labels = read_codebook(sample("bfc_codebook_fields.json"), src)
    assert labels["code_typo"]["F"] == "Lieux de médiation et de fabrication"
    assert set(labels) == set(LABELS) and labels["code_accomp"].keys() == LABELS["code_accomp"].keys()


def test_personal_columns_are_never_read(tmp_path):
    path = tmp_path / "bfc_contacts.csv"
    path.write_text(
        "bfc_id,lon,lat,adresse,code_postal,ville,nom_structure,contact_email,contact_tel,code_typo\n"
        "x1,5.0410,47.3230,1 rue A,21000,DIJON,Atelier Test,jeanne.martin@example.org,03 80 12 34 56,F-TL\n",
        encoding="utf-8")
    src = load(path)
    assert src.dropped_columns == ["contact_email", "contact_tel"]
    rec = src.records[0]
    assert "jeanne" not in repr(rec) and "03 80" not in repr(rec)
