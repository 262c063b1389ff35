"""What the company is and what the thing is for, apart from what it needs (table-driven)."""

from __future__ import annotations

import pytest

from matcher.need_roles import focus, without_identity


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("Menuiserie artisanale : nous cherchons une fraiseuse numérique", "fraiseuse numérique", "Menuiserie"),
        ("Notre menuiserie artisanale souhaite sous-traiter le détourage", "détourage", "menuiserie"),
        ("Nous sommes une start-up horlogère. Il nous faut des maquettes", "maquettes", "horlogère"),
        ("Coutellerie familiale, nous voudrions marquer nos lames", "marquer", "Coutellerie"),
        ("imprimer en 3D une petite série de boîtiers pour des capteurs", "imprimer en 3D", "capteurs"),
        ("des plateaux découpés pour notre restaurant", "découpés", "restaurant"),
        ("découpe laser de lettres en contreplaqué", "découpe laser de lettres en contreplaqué", None),
    ],
)
def test_focus_keeps_the_need_and_blanks_the_company_and_the_purpose(text, kept, gone):
    out = focus(text)
    assert len(out) == len(text)  # positions kept
    assert kept in out
    if gone:
        assert gone not in out


def test_identity_alone_keeps_the_purpose():
    text = "Notre menuiserie souhaite imprimer des pièces pour des capteurs"
    assert "capteurs" in without_identity(text) and "menuiserie" not in without_identity(text)
