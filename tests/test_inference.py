"""Capability inference: the lexical part is table-driven; the semantic part uses the real model."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.inference import CapabilityInferer, is_machine_group
from matcher.settings import Settings


@pytest.fixture(scope="module")
def lexical_only(taxonomy):
    n = len(taxonomy.capabilities)
    return CapabilityInferer(taxonomy, np.eye(n, dtype=np.float32), np.zeros((0, n), np.float32), Settings())


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("il nous faudrait une Trotec pour graver", "decoupe_laser"),
        ("des pièces en PETG", "impression_3d_fdm"),
        ("un prototype avec un ESP32", "electronique"),
        ("broderie numérique de logos", "textile_numerique"),
        ("une session de design thinking", "atelier_innovation"),
        ("decoupe laser sans accents", "decoupe_laser"),
        ("DÉCOUPE LASER EN MAJUSCULES", "decoupe_laser"),
        ("usinage de pièces en aluminium sur centre d'usinage", "usinage_metal"),
        ("soudure TIG sur inox", "metallerie_soudure"),
        ("faire numériser en trois dimensions une pièce ancienne", "scanner_3d"),
        ("un petit appareil qui compte les pièces", "electronique"),
    ],
)
def test_lexical_finds_the_capability(lexical_only, text, code):
    found = lexical_only.lexical(text)
    assert any(code in codes for codes in found.values()), found


@pytest.mark.parametrize("text", ["bonjour", "nous sommes une entreprise de la région", ""])
def test_lexical_finds_nothing_in_plain_words(lexical_only, text):
    assert lexical_only.lexical(text) == {}


# stems are short: a synonym such as « compteur » or « afficheur » would read « comptes » or
# « affiches » as electronics; none of these business words may name a capability
@pytest.mark.parametrize("text", [
    "reprendre la tenue de nos comptes et établir notre bilan",
    "tirer 5 000 flyers et 200 affiches A2",
    "une vidéo promotionnelle de deux minutes",
])
def test_business_words_name_no_capability(lexical_only, text):
    assert lexical_only.lexical(text) == {}


@pytest.mark.parametrize(
    ("group", "expected"),
    [(["decoupe_laser"], True), (["conception_cao"], False), (["conception_cao", "impression_3d_fdm"], True)],
)
def test_is_machine_group(group, expected):
    assert is_machine_group(group) is expected


@pytest.mark.parametrize(
    ("text", "oos"),
    [
        ("Je cherche un expert-comptable pour ma SARL", True),
        ("Nous recrutons un chauffeur poids lourd", True),
        ("fabriquer un prototype de boîtier pour notre capteur", False),
        ("former nos apprentis à la découpe laser", False),
    ],
)
def test_scope_on_the_real_model(service, text, oos):
    vec = service.encoder.encode([text], kind="query")[0]
    assert service.inferer.infer(text, vec).out_of_scope is oos


@pytest.mark.parametrize(
    ("found", "groups"),
    [
        ([["usinage_metal"], ["metallerie_soudure", "usinage_metal"]], [["usinage_metal"]]),  # implied: dropped
        ([["decoupe_laser"], ["decoupe_laser"]], [["decoupe_laser"]]),
        ([["impression_3d_fdm"], ["petite_serie"]], [["impression_3d_fdm"], ["petite_serie"]]),  # asked together
        ([["scanner_3d"], ["impression_3d_fdm", "impression_3d_resine"]],
         [["scanner_3d"], ["impression_3d_fdm", "impression_3d_resine"]]),
    ],
)
def test_required_groups(found, groups):
    from matcher.inference import required_groups

    assert required_groups(found) == groups


@pytest.mark.parametrize(
    ("text", "required", "not_required"),
    [
        # the company's trade is not a requirement; the material qualifies the process
        ("Menuiserie artisanale : nous cherchons une fraiseuse numérique pour des panneaux de contreplaqué",
         [["fraisage_cnc_bois"]], {"menuiserie", "decoupe_laser"}),
        # the material narrows an ambiguous process
        ("fraisage numérique d'une plaque d'aluminium", [["fraisage_precision", "usinage_metal"]], {"fraisage_cnc_bois"}),
        # what it is for is not a requirement; the quantity does not remove the making
        ("imprimer en 3D une petite série de boîtiers pour des capteurs", [["impression_3d_fdm"], ["petite_serie"]],
         {"electronique"}),
        # furniture is made by a CNC router as well as by joinery: a router alone answers both phrases
        ("Un meuble sur mesure, avec des tiroirs dont les mousses épousent la forme de chaque outil",
         [["fraisage_cnc_bois"]], {"menuiserie"}),
        # a material of another family is a need of its own
        ("Les pions imprimés en 3D, le plateau en carton découpé proprement",
         [["impression_3d_fdm"], ["decoupe_laser"]], set()),
    ],
)
def test_what_is_asked_not_who_asks(lexical_only, text, required, not_required):
    phrases, named = lexical_only.asked(text)
    from matcher.inference import required_groups

    groups = required_groups(list(phrases.values()))
    assert named and groups == required
    assert not {c for g in groups for c in g} & not_required
