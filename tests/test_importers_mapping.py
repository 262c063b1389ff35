"""Source categories → our profiles and capabilities: :mod:`matcher.importers.mapping`."""

from __future__ import annotations

import pytest

from matcher.importers.mapping import (
    ACCEPTS_COMPANIES,
    FLAG_VOCABULARY,
    MACHINE_VOCABULARY,
    PRINTING_CODES,
    KIND_PROFILES,
    bfc_profile,
    flag_capabilities,
    flag_vocabulary,
    is_fabrication_place,
    kind_profile,
    machine_capability,
    name_key,
    out_of_scope,
    profile_from_words,
    text_capabilities,
)
from matcher.taxonomy import CAPABILITY_CODES, PROFILE_CODES


@pytest.mark.parametrize(
    ("klass", "model", "code"),
    [  # models as written in the fablabs.io machines file
        ("three_d_printer", "ultimaker ultimaker 2+", "impression_3d_fdm"),
        ("three_d_printer", "formlabs form 2", "impression_3d_resine"),
        ("three_d_printer", "asiga pico 2 405 nm", "impression_3d_resine"),
        ("three_d_printer", "wanhao duplicator 7", "impression_3d_resine"),
        ("three_d_printer", "sinterit lisa", "impression_3d_poudre"),
        ("laser", "trotec speedy 100", "decoupe_laser"),
        ("laser", "trotec trotec laser engraving, cutting & marking machine", "decoupe_laser"),
        ("laser", "faro laser scan arm", "scanner_3d"),
        ("cnc_milling", "shopbot tools, inc shopbot buddy", "fraisage_cnc_bois"),
        ("precision_milling", "roland mdx-20", "fraisage_precision"),
        ("vinyl_cutting", "roland gx-24", "decoupe_vinyle"),
        ("scanner", "microsoft kinect v1", "scanner_3d"),
        ("other", "brother innov-is nv800e", "textile_numerique"),
        ("other", "brother inovis nv55", "textile_numerique"),
        ("other", "powerpress digital sublimation t-shirt heat press", "textile_numerique"),
        ("other", "instaforma vacuum forming", "thermoformage"),
        ("other", "weller wd1 digital soldering station", "electronique"),
        ("other", "bokar x-reflow306 lf-ac advanced model", "fabrication_pcb"),
        ("other", "3d systems, inc projet cjp 660pro", "impression_3d_poudre"),
        ("other", "proxxon pd400 lathe", "usinage_metal"),
        ("other", "einhell table saw tc-ts 2025/2 u", "menuiserie"),
        ("other", "dji dji mavic", None),
        ("other", "htc vive", None),
    ],
)
def test_machine_classes_and_models(klass, model, code):
    assert machine_capability(klass, model) == code


@pytest.mark.parametrize(
    ("flags", "machines", "expected", "unknown"),
    [
        (["three_d_printing", "laser"], set(), {"impression_3d_fdm", "decoupe_laser"}, []),
        (["three_d_printing"], {"impression_3d_resine"}, {"impression_3d_resine"}, []),
        (["three_d_printing"], {"impression_3d_resine", "impression_3d_fdm"}, {"impression_3d_fdm"}, []),
        (["cnc_milling", "precision_milling", "vinyl_cutting", "circuit_production"], set(),
         {"fraisage_cnc_bois", "fraisage_precision", "decoupe_vinyle", "fabrication_pcb"}, []),
        (["laser", "bio_lab", ""], set(), {"decoupe_laser"}, ["bio_lab"]),
    ],
)
def test_fablabs_flags(flags, machines, expected, unknown):
    caps, missing = flag_capabilities(flags, machines)
    assert set(caps) == expected and missing == unknown


@pytest.mark.parametrize(
    ("codes", "name", "profile", "caps", "unmapped"),
    [
        (["F", "TL"], "FabLab Champagnole", "fablab", (), ()),
        (["F", "TL"], "Kelle Fabrik", "tiers_lieu", (), ()),
        (["F", "I"], "MJC-Centre social des Bourroches", "espace_mediation", ("mediation_numerique",), ()),
        (["F", "O"], "Maison familiale rurale", "espace_formation", (), ()),
        (["M", "TL"], "Tiers-lieu de la gare", "tiers_lieu", ("mediation_numerique",), ()),
        (["T"], "La Co-Workerie", "tiers_lieu", ("coworking",), ()),
        (["i"], "Mairie", "espace_mediation", ("mediation_numerique",), ()),
        (["C", "F", "TL"], "Les Riverains", "tiers_lieu", (), ("C",)),
        ([], "Association ORE", None, (), ()),
    ],
)
def test_bfc_typology(codes, name, profile, caps, unmapped):
    got = bfc_profile(codes, name)
    assert (got.profile, got.capabilities, got.unmapped) == (profile, caps, unmapped)


@pytest.mark.parametrize(
    ("value", "profile"),
    [("fab_lab", "fablab"), ("supernode", "fablab"), ("fablabMIT", "fablab"), ("hakerspace", "fablab"),
     ("tierslieu", "tiers_lieu"), ("usages", "espace_mediation"), ("cantine", "tiers_lieu"),
     ("formation", "espace_formation"), ("frenchtech", "labo_innovation"), ("Fablab", "fablab"),
     ("Educ", "espace_formation"), ("medialab", "labo_innovation"), ("biohacklab", None), ("Art", None)],
)
def test_source_categories(value, profile):
    got = kind_profile(value)
    assert (got[0] if got else None) == profile


def test_tables_use_our_codes_only():
    assert {p for p, _ in KIND_PROFILES.values()} <= set(PROFILE_CODES)
    assert {c for _, caps in KIND_PROFILES.values() for c in caps} <= set(CAPABILITY_CODES)
    assert set(PROFILE_CODES) == set(ACCEPTS_COMPANIES)
    assert FLAG_VOCABULARY | PRINTING_CODES | MACHINE_VOCABULARY <= set(CAPABILITY_CODES)


@pytest.mark.parametrize(
    ("flags", "rules_out_resin"),
    [
        (["laser", "cnc_milling"], True),  # no 3D printing at all: no resin printing either
        (["three_d_printing", "laser"], False),  # some 3D printing: which process is unknown
        ([" Three_D_Printing "], False),
    ],
)
def test_flag_vocabulary(flags, rules_out_resin):
    vocabulary = flag_vocabulary(flags)
    assert FLAG_VOCABULARY <= vocabulary
    assert ("impression_3d_resine" in vocabulary) is rules_out_resin
    assert "menuiserie" not in vocabulary and "coworking" not in vocabulary  # flags cannot name them


@pytest.mark.parametrize(
    ("profile", "kinds", "name", "text", "machine", "expected"),
    [
        ("fablab", [], "Le Lab", "", False, True),
        ("tiers_lieu", ["fablabMIT"], "Le Lab", "", False, True),
        ("tiers_lieu", ["F", "TL"], "La Grange", "", False, True),  # BFC: fabrication and tiers-lieu
        ("espace_mediation", ["F"], "Crédit Agricole", "", False, False),  # BFC F alone: too noisy
        ("espace_mediation", ["F"], "FabLab du Jura", "", False, True),
        ("tiers_lieu", ["cantine"], "La Colloc", "", False, False),
        ("tiers_lieu", ["tierslieu"], "Le 109", "Un atelier partagé avec imprimantes 3D", False, True),
        ("tiers_lieu", [], "Le 109", "", True, True),  # a listed machine
    ],
)
def test_is_fabrication_place(profile, kinds, name, text, machine, expected):
    assert is_fabrication_place(profile, kinds, name, text, machine) is expected
    assert [p for p, ok in ACCEPTS_COMPANIES.items() if not ok] == ["espace_mediation"]


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Imprimante 3D,CNC, thermoformeuse, découpe laser...",
         {"impression_3d_fdm", "fraisage_cnc_bois", "thermoformage", "decoupe_laser"}),
        ("Imprimante 3D, brodeuse numérique, plotter de découpe, machine à coudre",
         {"impression_3d_fdm", "textile_numerique", "decoupe_vinyle"}),
        ("We have a laser cutter and a 3D printer", {"decoupe_laser", "impression_3d_fdm"}),
        ("Bibliothèque publique proposant un accompagnement informatique", {"mediation_numerique"}),
        ("Lieu convivial au cœur du village", set()),
    ],
)
def test_capabilities_named_in_a_text(text, codes):
    assert set(text_capabilities(text)) == codes


@pytest.mark.parametrize(
    ("name", "reason"),
    [("Agence Crédit Agricole Bavans", True), ("Agence Credit Agricole Ornans", True),
     ("Agence Crédit Agrricole Audincourt", True), ("FabLab des 3 lapins", False), ("Atelier des Beaux Boulons", False)],
)
def test_bank_branches_are_out_of_scope(name, reason):
    assert bool(out_of_scope(name)) is reason


@pytest.mark.parametrize(
    ("words", "profile"),
    [(("Hall32 Fablab", ""), "fablab"), (("ACoLab", "Atelier de fabrication numérique + atelier bois"), "fablab"),
     (("Médiathèque intercommunale Entre Dore et Allier", ""), "espace_mediation"),
     (("Le Ti-lieu", ""), None), (("Réseau° Effervescients", ""), None)],
)
def test_profile_from_words(words, profile):
    assert profile_from_words(*words) == profile


@pytest.mark.parametrize(
    ("a", "b"),
    [("LH3D fablab", "LH3D fab lab"), ("FAB-LAB Château Thierry", "Fablab château thierry"),
     ("La Fab'rique", "La Fabrique"), ("Nicéphore Labs", "nicephore labs")],
)
def test_name_key_forms(a, b):
    assert name_key(a) == name_key(b)
