"""Tests of data/taxonomy.json and of the taxonomy loader."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from matcher.errors import DataError
from matcher.taxonomy import (
    CAPABILITY_CODES,
    MACHINE_CODES,
    PROFILE_CODES,
    SERVICE_CODES,
    Taxonomy,
    load_taxonomy,
)

TAXONOMY_PATH = Path(__file__).resolve().parents[1] / "data" / "taxonomy.json"
MIN_SYNONYMS = 20

#: Synonyms deliberately shared by several codes: the lexical inference turns them into an
#: "any of these" group (a material used by several processes).
SHARED_SYNONYMS: dict[str, set[str]] = {
    "aluminium": {"usinage_metal", "metallerie_soudure"},
    "inox": {"usinage_metal", "metallerie_soudure"},
    "mobilier": {"fraisage_cnc_bois", "menuiserie"},
    # furniture: a CNC router makes it as well as a joinery does
    "meuble sur mesure": {"fraisage_cnc_bois", "menuiserie"},
    "meubles sur mesure": {"fraisage_cnc_bois", "menuiserie"},
    "mobilier sur mesure": {"fraisage_cnc_bois", "menuiserie"},
    "agencement sur mesure": {"fraisage_cnc_bois", "menuiserie"},
    "tissu": {"decoupe_laser", "textile_numerique"},
    # a machining verb alone names no machine: any of them may answer, a material narrows it
    "fraisage": {"fraisage_cnc_bois", "usinage_metal", "fraisage_precision"},
    "fraisage numérique": {"fraisage_cnc_bois", "usinage_metal", "fraisage_precision"},
    "usinage": {"fraisage_cnc_bois", "usinage_metal", "fraisage_precision"},
    "gravure": {"decoupe_laser", "marquage_laser_metal", "fabrication_pcb"},
    "marquage": {"decoupe_laser", "marquage_laser_metal"},
}


def norm(text: str) -> str:
    """Case-, accent-, hyphen- and whitespace-insensitive form of a synonym."""
    text = unicodedata.normalize("NFKD", text.replace("\u2019", "'"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"[-_]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def raw() -> dict:
    return json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy(TAXONOMY_PATH)


@pytest.fixture(scope="module")
def owners(taxonomy: Taxonomy) -> dict[str, set[str]]:
    """Normalised synonym -> codes that list it."""
    out: dict[str, set[str]] = {}
    for cap in taxonomy.capabilities:
        for syn in cap.synonyms:
            out.setdefault(norm(syn), set()).add(cap.code)
    return out


# --- file and structure ----------------------------------------------------------


def test_loads(taxonomy: Taxonomy) -> None:
    assert taxonomy.version == "1"
    assert len(taxonomy.digest) == 64


def test_file_is_pretty_utf8(raw: dict) -> None:
    text = TAXONOMY_PATH.read_text(encoding="utf-8")
    assert text == json.dumps(raw, indent=2, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("code", CAPABILITY_CODES)
def test_capability_present_once_with_kind(raw: dict, taxonomy: Taxonomy, code: str) -> None:
    assert [c["code"] for c in raw["capabilities"]].count(code) == 1
    expected = "machine" if code in MACHINE_CODES else "service"
    assert taxonomy.capability(code).kind == expected


def test_no_unknown_capability(raw: dict) -> None:
    assert sorted(c["code"] for c in raw["capabilities"]) == sorted(CAPABILITY_CODES)
    assert set(MACHINE_CODES).isdisjoint(SERVICE_CODES)


@pytest.mark.parametrize("code", PROFILE_CODES)
def test_profile_present_once(raw: dict, taxonomy: Taxonomy, code: str) -> None:
    assert [p["code"] for p in raw["profiles"]].count(code) == 1
    prof = taxonomy.profile(code)
    assert len(prof.label) >= 4
    assert len(prof.description) >= 80
    assert taxonomy.label(code) == prof.label


@pytest.mark.parametrize("code", CAPABILITY_CODES)
def test_capability_text(taxonomy: Taxonomy, code: str) -> None:
    cap = taxonomy.capability(code)
    assert 2 <= len(cap.label) <= 60
    assert len(cap.description) >= 80
    assert cap.description.rstrip().endswith(".")
    assert taxonomy.label(code) == cap.label


@pytest.mark.parametrize("code", CAPABILITY_CODES)
def test_synonyms_rich_and_unique(taxonomy: Taxonomy, code: str) -> None:
    syns = taxonomy.capability(code).synonyms
    assert len(syns) >= MIN_SYNONYMS, f"{code}: {len(syns)} synonymes"
    assert all(s == s.strip() and s for s in syns)
    dups = [s for s, n in Counter(norm(s) for s in syns).items() if n > 1]
    assert not dups, f"{code}: synonymes en double {dups}"


def test_no_synonym_in_two_codes(owners: dict[str, set[str]]) -> None:
    shared = {s: c for s, c in owners.items() if len(c) > 1}
    assert shared == {norm(s): c for s, c in SHARED_SYNONYMS.items()}


# --- as the lexical inference sees them (stemmed tokens, stop words dropped) -------------


@pytest.fixture(scope="module")
def token_owners(taxonomy: Taxonomy) -> dict[tuple[str, ...], set[str]]:
    text = pytest.importorskip("matcher.text")
    out: dict[tuple[str, ...], set[str]] = {}
    for cap in taxonomy.capabilities:
        for phrase in [cap.label, *cap.synonyms]:
            key = tuple(text.tokens(phrase))
            assert key, f"{cap.code}: {phrase!r} ne donne aucun mot utile"
            out.setdefault(key, set()).add(cap.code)
    return out


def test_token_keys_not_shared(token_owners: dict[tuple[str, ...], set[str]]) -> None:
    text = pytest.importorskip("matcher.text")
    allowed = {tuple(text.tokens(s)): c for s, c in SHARED_SYNONYMS.items()}
    shared = {k: c for k, c in token_owners.items() if len(c) > 1}
    assert shared == allowed


@pytest.mark.parametrize(
    "everyday",
    [
        "usine", "couleur", "faciliter", "aspiration", "code", "blé", "développement", "prototypage",
        "prototype", "rectifier", "souder", "projet", "fabrication", "atelier", "entreprise", "numérique",
        "pièce", "machine", "bois", "résine", "laser", "soudure", "moteur", "tournage", "établi",
        "agencement", "poste de travail", "espace de travail", "cahier des charges", "smartphone", "wifi",
        "production locale", "géométrie complexe", "smooth", "atelier numérique", "frais", "marque", "forme",
        "grave",
    ],
)
def test_everyday_words_trigger_nothing(token_owners: dict[tuple[str, ...], set[str]], everyday: str) -> None:
    text = pytest.importorskip("matcher.text")
    assert tuple(text.tokens(everyday)) not in token_owners


# --- spot checks ----------------------------------------------------------------

SPOT_CHECKS = [
    ("PETG", "impression_3d_fdm"),
    ("PLA", "impression_3d_fdm"),
    ("Bambu Lab", "impression_3d_fdm"),
    ("impression 3D", "impression_3d_fdm"),
    ("Formlabs", "impression_3d_resine"),
    ("stéréolithographie", "impression_3d_resine"),
    ("SLS", "impression_3d_poudre"),
    ("PA12", "impression_3d_poudre"),
    ("Trotec", "decoupe_laser"),
    ("plexiglas", "decoupe_laser"),
    ("PMMA", "decoupe_laser"),
    ("Medium", "decoupe_laser"),  # accents/case ignored: "médium"
    ("laser fibre", "marquage_laser_metal"),
    ("Data Matrix", "marquage_laser_metal"),
    ("ShopBot", "fraisage_cnc_bois"),
    ("défonceuse numérique", "fraisage_cnc_bois"),
    ("tour CNC", "usinage_metal"),
    ("DMG Mori", "usinage_metal"),
    ("centre d'usinage", "usinage_metal"),
    ("Roland MDX", "fraisage_precision"),
    ("laiton", "fraisage_precision"),
    ("plotter de découpe", "decoupe_vinyle"),
    ("flex thermocollant", "decoupe_vinyle"),
    ("ESP32", "electronique"),
    ("Raspberry Pi", "electronique"),
    ("soudure à l'étain", "electronique"),
    ("LoRa", "electronique"),
    ("four de refusion", "fabrication_pcb"),
    ("KiCad", "fabrication_pcb"),
    ("brodeuse", "textile_numerique"),
    ("presse à chaud", "textile_numerique"),
    ("thermoformeuse", "thermoformage"),
    ("moulage silicone", "moulage"),
    ("résine époxy coulée", "moulage"),
    ("photogrammétrie", "scanner_3d"),
    ("rétro-ingénierie", "scanner_3d"),
    ("soudure TIG", "metallerie_soudure"),
    ("découpe plasma", "metallerie_soudure"),
    ("dégauchisseuse", "menuiserie"),
    ("tenon mortaise", "menuiserie"),
    ("Fusion 360", "conception_cao"),
    ("dessin technique", "conception_cao"),
    ("fabmanager", "accompagnement_prototypage"),
    ("preuve de concept", "accompagnement_prototypage"),
    ("petite série", "petite_serie"),
    ("présérie", "petite_serie"),
    ("demandeurs d'emploi", "formation_fabrication"),
    ("apprentis", "formation_fabrication"),
    ("design thinking", "atelier_innovation"),
    ("hackathon", "atelier_innovation"),
    ("e-inclusion", "mediation_numerique"),
    ("conseiller numérique", "mediation_numerique"),
    ("Pass numérique", "mediation_numerique"),
    ("bureau partagé", "coworking"),
    ("salle de réunion", "coworking"),
]


@pytest.mark.parametrize(("synonym", "code"), SPOT_CHECKS)
def test_spot_check(owners: dict[str, set[str]], synonym: str, code: str) -> None:
    assert owners.get(norm(synonym)) == {code}


@pytest.mark.parametrize(("synonym", "codes"), sorted(SHARED_SYNONYMS.items()))
def test_shared_synonym(owners: dict[str, set[str]], synonym: str, codes: set[str]) -> None:
    assert owners.get(norm(synonym)) == codes


def test_spot_checks_cover_every_code() -> None:
    assert {code for _, code in SPOT_CHECKS} == set(CAPABILITY_CODES)


@pytest.mark.parametrize(
    "ambiguous",
    ["résine", "soudure", "laser", "bois", "fabrication", "projet", "prototype", "formation", "CMS", "flex"],
)
def test_no_overly_generic_synonym(owners: dict[str, set[str]], ambiguous: str) -> None:
    assert norm(ambiguous) not in owners


# --- loader errors ------------------------------------------------------------------


def _write(tmp_path: Path, data: object | str) -> Path:
    path = tmp_path / "taxonomy.json"
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    path.write_text(text, encoding="utf-8")
    return path


def _without_capability(raw: dict, code: str) -> dict:
    data = json.loads(json.dumps(raw))
    data["capabilities"] = [c for c in data["capabilities"] if c["code"] != code]
    return data


@pytest.mark.parametrize("code", ["decoupe_laser", "coworking"])
def test_missing_code_raises(tmp_path: Path, raw: dict, code: str) -> None:
    with pytest.raises(DataError, match=code):
        load_taxonomy(_write(tmp_path, _without_capability(raw, code)))


def test_duplicate_code_raises(tmp_path: Path, raw: dict) -> None:
    data = json.loads(json.dumps(raw))
    data["capabilities"].append(data["capabilities"][0])
    with pytest.raises(DataError):
        load_taxonomy(_write(tmp_path, data))


def test_missing_profile_raises(tmp_path: Path, raw: dict) -> None:
    data = json.loads(json.dumps(raw))
    data["profiles"] = data["profiles"][1:]
    with pytest.raises(DataError):
        load_taxonomy(_write(tmp_path, data))


def test_wrong_kind_raises(tmp_path: Path, raw: dict) -> None:
    data = json.loads(json.dumps(raw))
    for cap in data["capabilities"]:
        if cap["code"] == "coworking":
            cap["kind"] = "machine"
    with pytest.raises(DataError, match="coworking"):
        load_taxonomy(_write(tmp_path, data))


def test_unknown_code_raises(tmp_path: Path, raw: dict) -> None:
    data = json.loads(json.dumps(raw))
    data["capabilities"][0]["code"] = "teleportation"
    with pytest.raises(DataError):
        load_taxonomy(_write(tmp_path, data))


def test_too_few_synonyms_raises(tmp_path: Path, raw: dict) -> None:
    data = json.loads(json.dumps(raw))
    data["capabilities"][0]["synonyms"] = ["a", "b"]
    with pytest.raises(DataError):
        load_taxonomy(_write(tmp_path, data))


@pytest.mark.parametrize("text", ["", "{", '{"version": "1", "capabilities": [', "not json", "[]"])
def test_bad_json_raises(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataError):
        load_taxonomy(_write(tmp_path, text))


def test_missing_file_raises(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        load_taxonomy(tmp_path / "absent.json")
