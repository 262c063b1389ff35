"""Personal data out, websites kept and compared: :mod:`matcher.importers.clean`."""

from __future__ import annotations

from collections import Counter

import pytest

from matcher.importers.clean import best_website, clip, same_site, scrub, site_key, tidy, website


@pytest.mark.parametrize(
    ("text", "gone", "kind"),
    [
        ("Écrivez à contact@fablab-lannion.org pour venir.", "contact@fablab-lannion.org", "courriels"),
        ("mailto:jean.dupont@gmail.com", "jean.dupont@gmail.com", "courriels"),
        ("Merci de prévenir [courriel retiré] si vous venez.", "[courriel retiré]", "courriels"),
        ("inscrivez-vous au 01.48.61.09.85", "01.48.61.09.85", "téléphones"),
        ("Tél. 02 97 12 34 56 le matin", "02 97 12 34 56", "téléphones"),
        ("appelez le 0612345678", "0612345678", "téléphones"),
        ("ou le +33 6 12 34 56 78", "+33 6 12 34 56 78", "téléphones"),
        ("ou le +33 (0)2 99 00 11 22", "+33 (0)2 99 00 11 22", "téléphones"),
        ("Suisse : +41 22 555 12 34", "+41 22 555 12 34", "téléphones"),
        ("Demandez M. Dupont à l'accueil.", "Dupont", "noms de personnes"),
        ("Animé par Mme Jeanne Martin le jeudi.", "Jeanne Martin", "noms de personnes"),
        ("Contact : Paul Durand, fabmanager.", "Paul Durand", "noms de personnes"),
    ],
)
def test_personal_data_is_removed(text, gone, kind):
    counts: Counter[str] = Counter()
    out = scrub(text, counts)
    assert gone not in out
    assert counts[kind] >= 1


@pytest.mark.parametrize(
    "text",
    [
        "Info@Leze",  # a lab's name, not an address
        "TechF@ctory",
        "Fablab & Makerspace @ Mulhouse, France.",
        "8 rue courre-commère 26400 Crest",  # a postcode
        "FabLab associatif créé en 2013, 5 imprimantes 3D.",
        "Contactez-nous sur le site.",
        "https://www.facebook.com/La-Co-Workerie-2280130755563839/",  # digits inside a URL
    ],
)
def test_what_is_not_personal_stays(text):
    counts: Counter[str] = Counter()
    assert scrub(text, counts) == tidy(text)
    assert not counts


def test_tidy_keeps_paragraphs_and_french_spacing():
    assert tidy("Un  atelier\r\n\r\n\r\nouvert ; le lundi ,  le mardi .") == "Un atelier\n\nouvert ; le lundi, le mardi."


@pytest.mark.parametrize(("limit", "expected"), [(100, "Une phrase. Deux phrases."), (20, "Une phrase.")])
def test_clip_cuts_at_a_sentence(limit, expected):
    assert clip("Une phrase. Deux phrases.", limit) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("www.lh3d.fr", "http://www.lh3d.fr"),
        ("https://acolab.fr", "https://acolab.fr"),
        ("bit.ly/1Xrt9kd", "http://bit.ly/1Xrt9kd"),
        ("mailto:contact@x.fr", ""),
        ("contact@x.fr", ""),
        ("@makerspace56", ""),
        ("", ""),
        ("pas un site", ""),
    ],
)
def test_website(raw, expected):
    assert website(raw) == expected


def test_best_website_prefers_the_organisation_own_site():
    assert best_website(["https://www.facebook.com/LH3Dfablab/", "http://www.lh3d.fr"]) == "http://www.lh3d.fr"
    assert best_website(["https://www.facebook.com/FablabSens/"]) == "https://www.facebook.com/FablabSens/"


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("http://www.graoulab.org/wiki", "http://graoulab.org", True),
        ("http://fablab.pingbase.net", "http://www.pingbase.net", True),
        ("https://acolab.fr/", "http://acolab.fr", True),
        ("https://www.ijbourgogne.com/pij-de-quetigny", "https://www.ijbourgogne.com/pij-de-chevigny", False),
        ("https://labfab.univ-rennes1.fr", "https://sport.univ-rennes1.fr", False),
        ("http://beauxboulons.com", "http://beauxboulons.org", False),
        ("https://x.wordpress.com", "https://y.wordpress.com", False),
        ("https://www.facebook.com/a", "https://www.facebook.com/b", False),
        ("https://www.facebook.com/", "https://www.facebook.com/", False),  # no identity at all
    ],
)
def test_same_site(a, b, same):
    assert same_site(site_key(a), site_key(b)) is same
