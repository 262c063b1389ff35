import pytest

from matcher.text import fr_number, normalize, stem, tokens


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Découpe LASER", "decoupe laser"),
        ("l’atelier d'Épinal", "atelier epinal"),
        ("« Plexi »  3D-imprimé", "plexi 3d imprime"),
        ("Œuvre", "oeuvre"),
        ("", ""),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


@pytest.mark.parametrize(
    ("a", "b"),
    [("découpe", "découper"), ("découpons", "découpe"), ("lettres", "lettre"), ("métaux", "métal"), ("gravures", "gravure"), ("impressions", "impression"), ("découpées", "découpe")],
)
def test_stem_merges_inflections(a, b):
    assert stem(normalize(a)) == stem(normalize(b))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nous voudrions des impressions 3D", ["impression", "3d"]),
        ("le la les de des", []),
        ("PLA et PETG", ["pla", "petg"]),
    ],
)
def test_tokens_drop_stopwords(text, expected):
    assert tokens(text) == expected


@pytest.mark.parametrize(("x", "expected"), [(3.6, "3,6"), (40.0, "40"), (0.04, "0"), (12.25, "12,2")])
def test_fr_number(x, expected):
    assert fr_number(x) == expected
