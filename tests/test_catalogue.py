"""The bundled demonstration catalogue ``data/workshops.jsonl`` and its generator."""

from __future__ import annotations

import csv
import gzip
import importlib.util
import json
import math
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from matcher.catalogue import load_catalogue, parse_lines
from matcher.errors import DataError
from matcher.taxonomy import CAPABILITY_CODES, MACHINE_CODES, PROFILE_CODES, SERVICE_CODES

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "data" / "workshops.jsonl"
GAZETTEER = ROOT / "data" / "communes.csv.gz"
GENERATOR = ROOT / "scripts" / "generate_catalogue.py"

LORIENT = (47.74825, -3.37024)  # INSEE 56121, gazetteer point
ALL_DEPARTEMENTS = (
    [f"{i:02d}" for i in range(1, 96) if i != 20] + ["2A", "2B"] + ["971", "972", "973", "974", "976"]
)

# Metropolitan France and each DROM: (lat_min, lat_max, lon_min, lon_max)
BBOXES = {
    "metropole": (41.3, 51.2, -5.3, 9.7),
    "971": (15.8, 16.6, -61.9, -61.0),
    "972": (14.3, 14.9, -61.3, -60.8),
    "973": (2.1, 5.8, -54.7, -51.6),
    "974": (-21.4, -20.8, 55.2, 55.9),
    "976": (-13.1, -12.6, 44.9, 45.4),
}

#: Words (regex on lower-case, accent-free text) that a service sentence offering the capability
#: must contain. Kept here on purpose, independent of the generator's own copy.
SERVICE_KEYWORDS = {
    "impression_3d_fdm": r"\bfdm\b|filament|depot de fil|fil fondu|\bpla\b|\bpetg\b|\babs\b|\basa\b",
    "impression_3d_resine": r"resine|\bsla\b|\bmsla\b|\bdlp\b|stereolithographie",
    "impression_3d_poudre": r"poudre|\bsls\b|frittage|multi jet fusion|\bpa ?1[12]\b",
    "decoupe_laser": r"(decoup|grav)\w*[^.;:]{0,60}\blaser\b|\blaser co2\b|\blaser\b[^.;]{0,60}(decoup|grav)",
    "marquage_laser_metal": r"marquage|marquons|laser fibre",
    "fraisage_cnc_bois": r"\bcnc\b|fraiseuse|fraisage|fraisons|defonceuse|commande numerique",
    "usinage_metal": r"usinage|usinons|usiner|tournage|\btour\b",
    "fraisage_precision": r"precision|micro-?usinage|tolerance|centieme|micron",
    "decoupe_vinyle": r"vinyle|plotter|\bflex\b|adhesif|flocage|floque|stickers?|lettrage",
    "electronique": r"electroni|arduino|raspberry|microcontroleur|esp32|composants|capteurs?",
    "fabrication_pcb": r"\bpcb\b|circuits? imprimes?|cartes? electroniques?|refusion",
    "textile_numerique": r"brod\w*|textile|couture|coudre|tricot|surjeteuse|tissu",
    "thermoformage": r"thermoform\w*|formage sous vide",
    "moulage": r"moul\w*|coulee|silicone",
    "scanner_3d": r"\bscan\w*|numeris\w*( en)? 3d|photogrammetrie",
    "metallerie_soudure": r"soud\w*|metallerie|\bmig\b|\btig\b|plasma|plieuse|\btoles?\b|chaudronn\w*|ferronnerie",
    "menuiserie": r"menuis\w*|\bscie\b|raboteuse|toupie|ebenist\w*|bois massif|atelier bois|travail du bois|tour a bois",
    "conception_cao": r"\bcao\b|\bdao\b|concev\w*|conception|modelis\w*|fusion 360|freecad|solidworks|onshape|dessin\w*|\bplans?\b",
    "accompagnement_prototypage": r"prototyp\w*|maquettes?|preuve de concept",
    "petite_serie": r"petites? series?|\bseries?\b|preserie|exemplaires|petite quantite|production",
    "formation_fabrication": r"formation|formons|former|initiation|stages?\b|apprendre|cours\b|habilitation",
    "atelier_innovation": r"innov\w*|ideation|creati[fv]\w*|design thinking|hackathon|sprint|intelligence collective|co-?conception",
    "mediation_numerique": r"mediation|demarches|ordinateur|smartphone|tablette|inclusion numerique|conseill\w* numerique|internet|ecrans|outils numeriques",
    "coworking": r"coworking|bureaux?\b|postes? de travail|salle de reunion|espace de travail|open space|teletravail",
}
KEYWORDS = {code: re.compile(p) for code, p in SERVICE_KEYWORDS.items()}

SENTENCE_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÝÉÈÊ«0-9])")


def norm(text: str) -> str:
    text = text.replace("œ", "oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def dep_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# ---------------------------------------------------------------------------
# fixtures
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def workshops(catalogue):
    return catalogue.workshops


@pytest.fixture(scope="module")
def gazetteer():
    if not GAZETTEER.exists():
        pytest.skip("data/communes.csv.gz absent")
    with gzip.open(GAZETTEER, "rt", encoding="utf-8", newline="") as fh:
        return {row["insee"]: row for row in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_catalogue", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def built(generator, gazetteer):
    """(records, sources) rebuilt in memory by the generator."""
    return generator.build_catalogue(GAZETTEER)


# ---------------------------------------------------------------------------
# the bundled file
# ---------------------------------------------------------------------------


def test_loads_and_validates(catalogue):
    assert len(catalogue.digest) == 64
    assert len(catalogue.workshops) >= 400


def test_ids_unique_and_stable_slugs(workshops):
    ids = [w.id for w in workshops]
    assert len(ids) == len(set(ids))
    for w in workshops:
        assert w.website == f"https://{w.id}.example.org"


def test_names_unique(workshops):
    names = Counter(w.name for w in workshops)
    assert [n for n, c in names.items() if c > 1] == []


def test_every_departement_present(workshops):
    deps = {dep_of(w.insee) for w in workshops}
    assert len(ALL_DEPARTEMENTS) == 101
    assert set(ALL_DEPARTEMENTS) <= deps


def test_sorted_by_departement_then_id():
    records = [json.loads(line) for line in CATALOGUE.read_text(encoding="utf-8").splitlines()]
    keys = [(dep_of(r["insee"]), r["id"]) for r in records]
    assert keys == sorted(keys)


def test_file_is_utf8_without_escapes():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "\\u00" not in text
    assert "é" in text


def test_large_cities_have_several_workshops(workshops):
    city = Counter(w.commune.split(" ")[0] if "Arrondissement" in w.commune else w.commune for w in workshops)
    for name, minimum in [("Paris", 15), ("Lyon", 5), ("Marseille", 5), ("Toulouse", 4), ("Nantes", 3),
                          ("Bordeaux", 3), ("Lille", 3), ("Rennes", 3), ("Strasbourg", 3), ("Montpellier", 3),
                          ("Grenoble", 2), ("Nice", 2)]:
        assert city[name] >= minimum, name
    paris_arr = {w.insee for w in workshops if w.insee.startswith("751")}
    assert len(paris_arr) >= 12
    small = [w for w in workshops if w.commune in {"Lyon", "Paris", "Marseille"}]
    assert small == []  # the three split cities are placed in arrondissements


@pytest.mark.parametrize("name,box", list(BBOXES.items()))
def test_coordinates_inside_france(workshops, name, box):
    lat0, lat1, lon0, lon1 = box
    inside = [w for w in workshops if (dep_of(w.insee) == name) or (name == "metropole" and not w.insee.startswith("97"))]
    assert inside, name
    for w in inside:
        assert lat0 <= w.lat <= lat1 and lon0 <= w.lon <= lon1, (w.id, w.lat, w.lon)


def test_places_match_gazetteer(workshops, gazetteer):
    for w in workshops:
        row = gazetteer.get(w.insee)
        assert row is not None, w.id
        assert w.commune == row["name"], w.id
        assert w.postcode in row["postcodes"].split(), w.id
        assert haversine_km(w.lat, w.lon, float(row["lat"]), float(row["lon"])) < 2.0, w.id


def test_profile_mix(workshops):
    n = len(workshops)
    share = Counter(w.profile for w in workshops)
    assert set(share) == set(PROFILE_CODES)
    targets = {"fablab": 0.35, "tiers_lieu": 0.20, "espace_mediation": 0.15, "atelier_pro": 0.12,
               "labo_innovation": 0.08, "espace_formation": 0.10}
    for profile, target in targets.items():
        assert abs(share[profile] / n - target) < 0.04, profile


@pytest.mark.parametrize("code", CAPABILITY_CODES)
def test_every_code_carried_by_eight_workshops(workshops, code):
    assert sum(code in w.capabilities for w in workshops) >= 8


@pytest.mark.parametrize("code", ["impression_3d_poudre", "usinage_metal"])
def test_rare_industrial_codes_mostly_atelier_pro(workshops, code):
    holders = [w for w in workshops if code in w.capabilities]
    assert sum(w.profile == "atelier_pro" for w in holders) / len(holders) >= 0.6
    assert len(holders) / len(workshops) <= 0.12


@pytest.mark.parametrize("code", ["marquage_laser_metal", "fabrication_pcb", "thermoformage", "fraisage_precision"])
def test_fairly_rare_codes(workshops, code):
    assert sum(code in w.capabilities for w in workshops) / len(workshops) <= 0.2


def test_common_codes(workshops):
    fablabs = [w for w in workshops if w.profile == "fablab"]
    assert sum("impression_3d_fdm" in w.capabilities for w in fablabs) / len(fablabs) >= 0.8
    assert sum("decoupe_laser" in w.capabilities for w in fablabs) / len(fablabs) >= 0.6


def test_mediation_spaces(workshops):
    med = [w for w in workshops if w.profile == "espace_mediation"]
    assert all("mediation_numerique" in w.capabilities for w in med)
    assert sum(not w.accepts_companies for w in med) / len(med) >= 0.7
    heavy = {"usinage_metal", "impression_3d_poudre", "fraisage_precision", "marquage_laser_metal"}
    assert not any(heavy & set(w.capabilities) for w in med)


def test_company_fields(workshops):
    accepting = [w for w in workshops if w.accepts_companies]
    assert all(0 <= w.capacity <= 12 for w in workshops)
    assert all(2 <= w.lead_time_days <= 45 for w in workshops)
    assert all(not w.pass_afn for w in workshops if not w.accepts_companies)
    assert all(w.capacity == 0 for w in workshops if not w.accepts_companies)
    assert 0.35 <= sum(w.pass_afn for w in accepting) / len(accepting) <= 0.65
    assert any(w.capacity == 0 for w in accepting)  # some are full
    pro = [w.capacity for w in accepting if w.profile == "atelier_pro" and w.capacity]
    other = [w.capacity for w in accepting if w.profile != "atelier_pro" and w.capacity]
    assert sum(pro) / len(pro) > sum(other) / len(other)


def test_machines_agree_with_capabilities(workshops):
    for w in workshops:
        declared = set(w.capabilities)
        machine_caps = {m.capability for m in w.machines}
        assert machine_caps <= declared, w.id
        assert machine_caps <= set(MACHINE_CODES), w.id
        for code in declared & set(MACHINE_CODES):
            assert code in machine_caps, (w.id, code)
        for m in w.machines:
            assert m.details, (w.id, m.name)


def test_every_capability_has_a_service_sentence(workshops):
    for w in workshops:
        texts = [norm(s) for s in w.services]
        for code in w.capabilities:
            assert any(KEYWORDS[code].search(t) for t in texts), (w.id, code)


def test_descriptions(workshops):
    for w in workshops:
        n = len(SENTENCE_SPLIT.split(w.description.strip()))
        assert 3 <= n <= 8, (w.id, n)
        assert "{" not in w.description and "[[" not in w.description, w.id
        for s in w.services:
            assert "{" not in s and "[[" not in s, (w.id, s)


def test_description_mentions_main_activities(workshops):
    words = {
        "impression_3d_fdm": "imprim", "decoupe_laser": "laser", "fraisage_cnc_bois": r"cnc|fraiseuse",
        "menuiserie": r"bois|menuiserie", "mediation_numerique": r"numerique|ordinateur|demarches",
    }
    for w in workshops:
        text = norm(w.description)
        main = [c for c in w.capabilities if c in words][:2]
        for code in main:
            assert re.search(words[code], text), (w.id, code)


def test_french_grammar_smoke(workshops):
    bad = re.compile(
        r"\b(de le|à le|de les|à les|à à|que un|de un|de une)\b|\s[,.]|\.\.|  "
        r"|\b(de|que|le|la|ce) [aeiouéèêàâîôûAEIOUÉÈ]\w"  # missing elision
    )
    for w in workshops:
        for text in [w.description, *w.services, w.opening, w.name]:
            assert not bad.search(text), (w.id, text)


# -- repetition -----------------------------------------------------------------


def test_no_service_sentence_everywhere(workshops):
    counts = Counter(s for w in workshops for s in set(w.services))
    limit = math.ceil(0.03 * len(workshops))
    worst = counts.most_common(1)[0]
    assert worst[1] <= limit, worst


def test_description_openings_vary(workshops):
    openings = Counter(" ".join(norm(w.description).replace("'", " ").split()[:6]) for w in workshops)
    worst = openings.most_common(1)[0]
    assert worst[1] <= 5, worst


def test_names_vary(workshops):
    def head(name: str) -> str:
        name = re.sub(r"^(Les|Le|La|L')\s?", "", name)
        return re.split(r"[ '’-]", name)[0]

    heads = Counter(head(w.name) for w in workshops)
    # not "Fablab de X" everywhere: no head word for more than 8 % of the names
    assert heads.most_common(1)[0][1] <= 0.08 * len(workshops), heads.most_common(3)
    assert len(heads) >= 150


NAME_PROMISES = [
    (r"\blaser\b", {"decoupe_laser", "marquage_laser_metal"}),
    (r"usinage", {"usinage_metal", "fraisage_precision"}),
    (r"\bmoules?\b", {"moulage", "thermoformage"}),
    (r"sciure|copeaux|\brabot\b|\bbwa\b", {"menuiserie", "fraisage_cnc_bois"}),
    (r"couture|bobine|canut|de a coudre", {"textile_numerique"}),
]


@pytest.mark.parametrize("pattern,codes", NAME_PROMISES)
def test_names_keep_their_promises(workshops, pattern, codes):
    for w in workshops:
        if re.search(pattern, norm(w.name)):
            assert codes & set(w.capabilities), (w.name, w.capabilities)


# -- README's worked example ----------------------------------------------------


def test_laser_near_lorient(workshops):
    near = [
        w for w in workshops
        if "decoupe_laser" in w.capabilities and w.accepts_companies
        and haversine_km(w.lat, w.lon, *LORIENT) <= 40
    ]
    assert len(near) >= 3, [w.id for w in near]
    assert any(w.insee == "56121" for w in near)
    assert sum(dep_of(w.insee) == "56" for w in workshops) >= 5
    lorient = [w for w in near if w.insee == "56121"]
    assert any(
        "contreplaque" in norm(s) and "laser" in norm(s) for w in lorient for s in w.services
    ), "le fablab de Lorient doit proposer la découpe laser de contreplaqué"


# ---------------------------------------------------------------------------
# the generator
# ---------------------------------------------------------------------------


def test_generator_is_deterministic_and_matches_bundled_file(generator, tmp_path, gazetteer):
    out = tmp_path / "w.jsonl"
    assert generator.main(["--out", str(out), "--gazetteer", str(GAZETTEER)]) == 0
    assert out.read_bytes() == CATALOGUE.read_bytes()
    out2 = tmp_path / "w2.jsonl"
    generator.main(["--out", str(out2), "--gazetteer", str(GAZETTEER)])
    assert out2.read_bytes() == out.read_bytes()


def test_generator_records_the_source_of_each_service(built):
    records, sources = built
    assert {r["id"] for r in records} == set(sources)
    for r in records:
        pairs = sources[r["id"]]
        assert [text for _, text in pairs] == r["services"]
        for code in r["capabilities"]:
            generated = [text for c, text in pairs if c == code]
            assert generated, (r["id"], code)
            for text in generated:
                assert KEYWORDS[code].search(norm(text)), (r["id"], code, text)
        for code, _ in pairs:
            assert code is None or code in r["capabilities"]


@pytest.mark.parametrize("code", CAPABILITY_CODES)
def test_generator_has_many_phrasings(generator, code):
    pool = generator.SERVICES[code]
    shapes = {entry if isinstance(entry, str) else entry[0] for entry in pool}
    assert len(shapes) >= 8
    # some sentences are addressed to companies only
    assert any(not isinstance(entry, str) and "PRO" in entry[1] for entry in pool)


def test_generator_phrasings_have_varied_shapes(generator):
    shapes = [e if isinstance(e, str) else e[0] for pool in generator.SERVICES.values() for e in pool]
    assert sum(s.startswith("Nous ") for s in shapes) >= 20  # first person plural
    assert sum(s.startswith("Pour les ") for s in shapes) >= 20  # addressed to a public
    assert sum("€" in s for s in shapes) >= 20  # with a price
    assert sum(len(s) > 110 for s in shapes) >= 40 and sum(len(s) < 70 for s in shapes) >= 20


def test_generator_keyword_copy_is_in_sync(generator):
    assert generator.SERVICE_KEYWORDS.keys() == SERVICE_KEYWORDS.keys() == set(CAPABILITY_CODES)


def test_generator_profile_pools(generator):
    assert set(generator.CAP_PROBS) == set(PROFILE_CODES)
    for profile in PROFILE_CODES:
        openings = [e for e in generator.OPENINGS if not e[3] or profile in e[3]]
        assert len(openings) >= 8, profile
    assert set(SERVICE_CODES) <= set(generator.SERVICE_NOUNS)


# ---------------------------------------------------------------------------
# parse_lines error messages
# ---------------------------------------------------------------------------


def _good_record(**over) -> dict:
    """The first bundled record that has machines, with some fields replaced."""
    lines = CATALOGUE.read_text(encoding="utf-8").splitlines()
    rec = next(r for r in map(json.loads, lines) if r["machines"])
    rec.update(over)
    return rec


def _line(rec: dict) -> str:
    return json.dumps(rec, ensure_ascii=False)


def _machine_cap(rec: dict) -> str:
    return next(c for c in rec["capabilities"] if c in MACHINE_CODES)


BROKEN = {
    "json": (lambda rec: [_line(rec), '{"id": "x", "name": '], [r"ligne 2", r"JSON invalide"]),
    "unknown_code": (
        lambda rec: [_line(rec), _line(_good_record(id="autre-atelier", capabilities=rec["capabilities"] + ["laser_a_plasma"]))],
        [r"ligne 2", r"capabilities", r"laser_a_plasma"],
    ),
    "duplicate_id": (lambda rec: [_line(rec), _line(rec)], [r"ligne 2", r"double", re.escape(_good_record()["id"])]),
    "undeclared_machine": (
        lambda rec: [_line(_good_record(capabilities=[c for c in rec["capabilities"] if c != _machine_cap(rec)]))],
        [r"ligne 1", r"capacité n'est pas déclarée"],
    ),
    "missing_field": (
        lambda rec: [_line({k: v for k, v in rec.items() if k != "postcode"})],
        [r"ligne 1", r"postcode"],
    ),
    "bad_profile": (lambda rec: [_line(_good_record(profile="garage"))], [r"ligne 1", r"profile", r"profil inconnu"]),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_parse_lines_errors_name_line_and_field(case):
    make, patterns = BROKEN[case]
    with pytest.raises(DataError) as info:
        parse_lines(make(_good_record()), source="essai.jsonl")
    message = str(info.value)
    assert message.startswith("essai.jsonl")
    for p in patterns:
        assert re.search(p, message), (case, message)


def test_parse_lines_empty_catalogue():
    with pytest.raises(DataError, match="aucun atelier"):
        parse_lines(["", "   "], source="vide.jsonl")


def test_load_catalogue_missing_file(tmp_path):
    with pytest.raises(DataError, match="introuvable"):
        load_catalogue(tmp_path / "absent.jsonl")
