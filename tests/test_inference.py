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
    ],
)
def test_lexical_finds_the_capability(lexical_only, text, code):
    found = lexical_only.lexical(text)
    assert any(code in codes for codes in found.values()), found


@pytest.mark.parametrize("text", ["bonjour", "nous sommes une entreprise de la région", ""])
def test_lexical_finds_nothing_in_plain_words(lexical_only, text):
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
