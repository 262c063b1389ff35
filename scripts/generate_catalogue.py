"""Generate the demonstration catalogue ``data/workshops.jsonl``.

Every workshop in this file is invented (names, teams, projects, websites on
``example.org``); only the places are real: each workshop sits at the point of a
commune of the gazetteer ``data/communes.csv.gz`` (jittered by less than a
kilometre). No public directory of real workshops is used.

Usage::

    python scripts/generate_catalogue.py [--out data/workshops.jsonl] [--gazetteer data/communes.csv.gz]

The output is deterministic (``random.Random(2026)``): running the script twice
gives the same bytes. Records are sorted by département then id, one JSON object
per line, UTF-8 without escaping.

The text material (second half of this file) is written for this project:
sentence pools with many phrasings per capability, description openings per
profile, name pools with regional touches.
Each service sentence is generated *for* one capability (see
:func:`build_catalogue`, which also returns the source code of each sentence) and
must match the keyword pattern of that capability (:data:`SERVICE_KEYWORDS`).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import math
import random
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SEED = 2026
DEFAULT_OUT = ROOT / "data" / "workshops.jsonl"
DEFAULT_GAZETTEER = ROOT / "data" / "communes.csv.gz"

#: Largest number of workshops that may carry the very same service sentence.
SERVICE_SENTENCE_CAP = 8
#: Largest number of workshops whose service list uses the same template (with different fillings).
TEMPLATE_CAP = 26
#: Largest number of descriptions that may start with the same six words.
OPENING_CAP = 4
#: Largest number of descriptions that may contain the same (non-opening) sentence.
DESCRIPTION_SENTENCE_CAP = 6

PROFILE_SHARES = {
    "fablab": 0.35,
    "tiers_lieu": 0.20,
    "espace_mediation": 0.15,
    "atelier_pro": 0.12,
    "labo_innovation": 0.08,
    "espace_formation": 0.10,
}

#: Machine-capability codes in the order used to describe a workshop.
MACHINE_ORDER = (
    "impression_3d_fdm", "decoupe_laser", "fraisage_cnc_bois", "impression_3d_resine",
    "electronique", "decoupe_vinyle", "textile_numerique", "menuiserie", "metallerie_soudure",
    "scanner_3d", "usinage_metal", "impression_3d_poudre", "fraisage_precision",
    "marquage_laser_metal", "fabrication_pcb", "thermoformage", "moulage",
)
SERVICE_ORDER = (
    "accompagnement_prototypage", "conception_cao", "petite_serie", "formation_fabrication",
    "atelier_innovation", "mediation_numerique", "coworking",
)

# Probability that a workshop of a profile carries a capability.
CAP_PROBS: dict[str, dict[str, float]] = {
    "fablab": {
        "impression_3d_fdm": 0.95, "impression_3d_resine": 0.40, "impression_3d_poudre": 0.0,
        "decoupe_laser": 0.85, "marquage_laser_metal": 0.05, "fraisage_cnc_bois": 0.55,
        "usinage_metal": 0.02, "fraisage_precision": 0.08, "decoupe_vinyle": 0.65,
        "electronique": 0.70, "fabrication_pcb": 0.10, "textile_numerique": 0.35,
        "thermoformage": 0.10, "moulage": 0.18, "scanner_3d": 0.35, "metallerie_soudure": 0.12,
        "menuiserie": 0.35, "conception_cao": 0.75, "accompagnement_prototypage": 0.60,
        "petite_serie": 0.15, "formation_fabrication": 0.70, "atelier_innovation": 0.25,
        "mediation_numerique": 0.30, "coworking": 0.20,
    },
    "tiers_lieu": {
        "impression_3d_fdm": 0.70, "impression_3d_resine": 0.12, "decoupe_laser": 0.50,
        "fraisage_cnc_bois": 0.30, "decoupe_vinyle": 0.45, "electronique": 0.30,
        "textile_numerique": 0.35, "thermoformage": 0.02, "moulage": 0.08, "scanner_3d": 0.08,
        "metallerie_soudure": 0.20, "menuiserie": 0.60, "conception_cao": 0.30,
        "accompagnement_prototypage": 0.25, "petite_serie": 0.08, "formation_fabrication": 0.45,
        "atelier_innovation": 0.30, "mediation_numerique": 0.50, "coworking": 0.85,
    },
    "espace_mediation": {
        "impression_3d_fdm": 0.45, "decoupe_vinyle": 0.35, "electronique": 0.15,
        "textile_numerique": 0.10, "scanner_3d": 0.04, "decoupe_laser": 0.08,
        "conception_cao": 0.12, "formation_fabrication": 0.20, "atelier_innovation": 0.30,
        "mediation_numerique": 1.0, "coworking": 0.45,
    },
    "atelier_pro": {
        "impression_3d_fdm": 0.85, "impression_3d_resine": 0.60, "impression_3d_poudre": 0.38,
        "decoupe_laser": 0.70, "marquage_laser_metal": 0.40, "fraisage_cnc_bois": 0.45,
        "usinage_metal": 0.55, "fraisage_precision": 0.45, "decoupe_vinyle": 0.15,
        "electronique": 0.35, "fabrication_pcb": 0.25, "textile_numerique": 0.05,
        "thermoformage": 0.30, "moulage": 0.35, "scanner_3d": 0.60, "metallerie_soudure": 0.45,
        "menuiserie": 0.25, "conception_cao": 0.90, "accompagnement_prototypage": 0.90,
        "petite_serie": 0.85, "formation_fabrication": 0.20, "atelier_innovation": 0.12,
        "coworking": 0.04,
    },
    "labo_innovation": {
        "impression_3d_fdm": 0.90, "impression_3d_resine": 0.50, "impression_3d_poudre": 0.06,
        "decoupe_laser": 0.60, "marquage_laser_metal": 0.08, "fraisage_cnc_bois": 0.30,
        "fraisage_precision": 0.12, "decoupe_vinyle": 0.20, "electronique": 0.70,
        "fabrication_pcb": 0.30, "textile_numerique": 0.12, "thermoformage": 0.15,
        "moulage": 0.12, "scanner_3d": 0.45, "conception_cao": 0.70,
        "accompagnement_prototypage": 0.80, "petite_serie": 0.10, "formation_fabrication": 0.35,
        "atelier_innovation": 1.0, "mediation_numerique": 0.15, "coworking": 0.40,
    },
    "espace_formation": {
        "impression_3d_fdm": 0.85, "impression_3d_resine": 0.30, "decoupe_laser": 0.70,
        "marquage_laser_metal": 0.10, "fraisage_cnc_bois": 0.55, "usinage_metal": 0.15,
        "fraisage_precision": 0.15, "decoupe_vinyle": 0.35, "electronique": 0.60,
        "fabrication_pcb": 0.20, "textile_numerique": 0.20, "thermoformage": 0.15,
        "moulage": 0.15, "scanner_3d": 0.30, "metallerie_soudure": 0.30, "menuiserie": 0.40,
        "conception_cao": 0.70, "accompagnement_prototypage": 0.25, "petite_serie": 0.05,
        "formation_fabrication": 1.0, "atelier_innovation": 0.20, "mediation_numerique": 0.20,
        "coworking": 0.10,
    },
}

ACCEPT_PROBS = {
    "fablab": 0.80, "tiers_lieu": 0.65, "espace_mediation": 0.20,
    "atelier_pro": 1.0, "labo_innovation": 0.90, "espace_formation": 0.55,
}
CAPACITY_RANGES = {
    "atelier_pro": (5, 12), "labo_innovation": (2, 8), "fablab": (1, 6),
    "espace_formation": (1, 5), "tiers_lieu": (1, 4), "espace_mediation": (1, 2),
}
LEAD_RANGES = {
    "atelier_pro": (2, 12), "labo_innovation": (5, 20), "fablab": (5, 30),
    "espace_formation": (10, 40), "tiers_lieu": (7, 45), "espace_mediation": (10, 45),
}
#: Machine tiers a profile picks from (1: entry level, 2: mid-range, 3: industrial).
PROFILE_TIERS = {
    "espace_mediation": (1,), "tiers_lieu": (1, 2), "fablab": (1, 2),
    "espace_formation": (2, 3), "labo_innovation": (2, 3), "atelier_pro": (2, 3),
}

#: Minimum number of workshops per capability code after generation.
MIN_PER_CODE = 12

# Extra workshops (beyond the population rule) for the large cities' départements.
DEP_OVERRIDES = {
    "75": 18, "69": 12, "13": 11, "31": 10, "44": 9, "33": 9, "59": 12, "35": 8,
    "67": 8, "34": 8, "38": 8, "06": 8, "56": 8, "29": 6, "92": 6, "93": 6, "94": 5,
    "976": 2,
}

#: For the imposed placements: service sentence (start of a template) each forced capability must carry.
FORCED_SERVICES = {"decoupe_laser": "Découpe laser pour la vitrine"}

#: Placements imposed by the README's worked example (laser near Lorient).
FORCED = [
    # insee, profile, must-have capability codes
    ("56121", "fablab", ("decoupe_laser", "impression_3d_fdm", "fraisage_cnc_bois")),
    ("56098", "atelier_pro", ("decoupe_laser", "impression_3d_fdm")),
    ("56083", "tiers_lieu", ("decoupe_laser", "menuiserie", "coworking")),
]

# Keyword pattern (on lower-case, accent-free text) that every service sentence
# generated for a capability must match. tests/test_catalogue.py keeps its own copy.
SERVICE_KEYWORDS: dict[str, str] = {
    "impression_3d_fdm": r"\bfdm\b|filament|depot de fil|fil fondu|\bpla\b|\bpetg\b|\babs\b|\basa\b",
    "impression_3d_resine": r"resine|\bsla\b|\bmsla\b|\bdlp\b|stereolithographie",
    "impression_3d_poudre": r"poudre|\bsls\b|frittage|multi jet fusion|\bpa ?1[12]\b",
    "decoupe_laser": r"(decoup|grav)\w*[^.;:]{0,60}\blaser\b|\blaser co2\b|\blaser\b[^.;]{0,60}(decoup|grav)",
    "marquage_laser_metal": r"marquage|marquons|laser fibre",
    "fraisage_cnc_bois": r"\bcnc\b|fraiseuse|fraisage|fraisons|fraise\b|defonceuse|commande numerique",
    "usinage_metal": r"usinage|usinons|usiner|tournage|\btour\b",
    "fraisage_precision": r"precision|micro-?usinage|tolerance|centieme|micron",
    "decoupe_vinyle": r"vinyle|plotter|\bflex\b|adhesif|flocage|floque|stickers?|lettrage",
    "electronique": r"electroni|arduino|raspberry|microcontroleur|esp32|composants|capteurs?",
    "fabrication_pcb": r"\bpcb\b|circuits? imprimes?|cartes? electroniques?|refusion",
    "textile_numerique": r"brod\w*|textile|couture|coudre|tricot|surjeteuse|tissu",
    "thermoformage": r"thermoform\w*|formage sous vide",
    "moulage": r"moul\w*|coulee|silicone",
    "scanner_3d": r"\bscan\w*|numeris\w*( en)? 3d|photogrammetrie",
    "metallerie_soudure": r"soud\w*|metallerie|\bmig\b|\btig\b|plasma|plieuse|\btoles?\b|chaudronnerie|ferronnerie",
    "menuiserie": r"menuis\w*|\bscie\b|raboteuse|toupie|ebenist\w*|bois massif|atelier bois|travail du bois|tour a bois",
    "conception_cao": r"\bcao\b|\bdao\b|concev\w*|conception|modelis\w*|fusion 360|freecad|solidworks|onshape|dessin\w*|\bplans?\b",
    "accompagnement_prototypage": r"prototyp\w*|maquettes?|preuve de concept",
    "petite_serie": r"petites? series?|\bseries?\b|preserie|exemplaires|petite quantite|production",
    "formation_fabrication": r"formation|formons|former|initiation|stages?\b|apprendre|cours\b|habilitation",
    "atelier_innovation": r"innov\w*|ideation|creati[fv]\w*|design thinking|hackathon|sprint|intelligence collective|co-?conception",
    "mediation_numerique": r"mediation|demarches|ordinateur|smartphone|tablette|inclusion numerique|conseill\w* numerique|internet|ecrans|outils numeriques",
    "coworking": r"coworking|bureaux?\b|postes? de travail|salle de reunion|espace de travail|open space|teletravail",
}
_KW = {code: re.compile(p) for code, p in SERVICE_KEYWORDS.items()}


# ---------------------------------------------------------------------------
# small text helpers
# ---------------------------------------------------------------------------

VOWELS = "AEIOUYÂÀÉÈÊÎÏÔÛÙaeiouyâàéèêîïôûù"
ELIDED_H = ("Hennebont", "Hyères", "Honfleur", "Hérouville", "Hazebrouck", "Hellemmes", "Houilles")


def norm(text: str) -> str:
    """Lower case, accents removed (the form keyword patterns are matched on)."""
    text = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def slugify(text: str) -> str:
    s = norm(text)
    s = re.sub(r"[^a-z0-9]+", "-", s)
    return s.strip("-")


def _elides(word: str) -> bool:
    return bool(word) and (word[0] in VOWELS or word.startswith(ELIDED_H))


def de(name: str) -> str:
    """'de Lorient', "d'Auray", 'du Havre', 'des Sables-d'Olonne', 'de La Rochelle'."""
    if name.startswith(("Le ", "le ")):
        return "du " + name[3:]
    if name.startswith(("Les ", "les ")):
        return "des " + name[4:]
    if _elides(name):
        return "d'" + name
    return "de " + name


def a(name: str) -> str:
    """'à Lorient', 'au Havre', 'aux Sables-d'Olonne', 'à La Rochelle'."""
    if name.startswith("Le "):
        return "au " + name[3:]
    if name.startswith("Les "):
        return "aux " + name[4:]
    return "à " + name


def de_det(phrase: str) -> str:
    """'le fablab' -> 'du fablab', 'la plateforme' -> 'de la plateforme', "l'espace" -> "de l'espace"."""
    if phrase.startswith("le "):
        return "du " + phrase[3:]
    if phrase.startswith("les "):
        return "des " + phrase[4:]
    return "de " + phrase


def a_det(phrase: str) -> str:
    if phrase.startswith("le "):
        return "au " + phrase[3:]
    if phrase.startswith("les "):
        return "aux " + phrase[4:]
    return "à " + phrase


def cap1(text: str) -> str:
    return text[:1].upper() + text[1:]


def join_fr(items: list[str]) -> str:
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " et " + items[-1]


_ALT = re.compile(r"\[\[([^\[\]]*)\]\]")


class _Ctx(dict):
    def __missing__(self, key):  # a template asked for a field we cannot fill
        raise KeyError(key)


def expand(template: str, rng: random.Random, ctx: dict) -> str:
    """Fill ``[[a|b|c]]`` alternatives, then ``{field}`` slots."""
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    return text.format_map(_Ctx(ctx))


def fields_of(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))


def first_words(text: str, n: int = 6) -> str:
    return " ".join(norm(text).replace("'", " ").split()[:n])


_SENT_SPLIT = re.compile(r"(?<=[.!?…])\s+(?=[A-ZÀ-ÝÉÈÊ«0-9])")


def sentences(text: str) -> list[str]:
    return [s for s in _SENT_SPLIT.split(text.strip()) if s]


# ---------------------------------------------------------------------------
# gazetteer
# ---------------------------------------------------------------------------


@dataclass
class Commune:
    insee: str
    name: str
    dep: str
    dep_name: str
    population: int | None
    postcodes: list[str]
    lat: float
    lon: float
    kind: str

    @property
    def city(self) -> str:
        """'Paris' for 'Paris 11e Arrondissement', else the name."""
        if self.kind == "ARM":
            return self.name.split(" ")[0]
        return self.name

    @property
    def arrondissement(self) -> str | None:
        if self.kind != "ARM":
            return None
        return self.name.split(" ")[1]  # '11e' / '1er'

    @property
    def size(self) -> str:
        """r (rural, < 3 000), s (small town), t (town, < 100 000), b (big city)."""
        if self.kind == "ARM":
            return "b"
        p = self.population or 0
        if p >= 100_000:
            return "b"
        if p >= 15_000:
            return "t"
        if p >= 3_000:
            return "s"
        return "r"


def load_communes(path: Path) -> list[Commune]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out = []
    for r in rows:
        out.append(
            Commune(
                insee=r["insee"],
                name=r["name"],
                dep=r["dep"],
                dep_name=r["dep_name"],
                population=int(r["population"]) if r["population"] else None,
                postcodes=r["postcodes"].split(),
                lat=float(r["lat"]),
                lon=float(r["lon"]),
                kind=r["kind"],
            )
        )
    return out


# ---------------------------------------------------------------------------
# placements
# ---------------------------------------------------------------------------

#: Communes (INSEE) split into arrondissements: the workshops go to the arrondissements.
SPLIT_CITIES = {"75056": "Paris", "69123": "Lyon", "13055": "Marseille"}
#: Mayotte has no population in the gazetteer: main towns, by rough size.
MAYOTTE_ORDER = ("97611", "97610", "97608", "97617", "97607")


@dataclass
class Placement:
    commune: Commune
    forced_profile: str | None = None
    forced_caps: tuple[str, ...] = ()


def plan_placements(communes: list[Commune], rng: random.Random) -> list[Placement]:
    by_dep: dict[str, list[Commune]] = defaultdict(list)
    arms: dict[str, list[Commune]] = defaultdict(list)
    by_insee = {c.insee: c for c in communes}
    for c in communes:
        if c.kind == "ARM":
            arms[c.city].append(c)
        else:
            by_dep[c.dep].append(c)

    placements: list[Placement] = []
    for dep in sorted(by_dep):
        coms = by_dep[dep]
        dep_pop = sum(c.population or 0 for c in coms)
        n = DEP_OVERRIDES.get(dep) or max(2, min(9, round(2 + dep_pop / 330_000)))
        chosen: list[Placement] = []
        for insee, prof, caps in FORCED:
            if by_insee[insee].dep == dep:
                chosen.append(Placement(by_insee[insee], prof, caps))
        used = {p.commune.insee for p in chosen}

        if dep == "976":
            order = [by_insee[i] for i in MAYOTTE_ORDER]
            for c in order[: n - len(chosen)]:
                chosen.append(Placement(c))
            placements.extend(chosen)
            continue

        n_rural = 0 if dep == "75" else (1 if n < 7 else 2)
        n_small = 1 if n >= 5 and dep != "75" else 0
        n_main = n - len(chosen) - n_rural - n_small

        # D'Hondt over the largest communes (the split cities count as one unit)
        units = sorted(coms, key=lambda c: (-(c.population or 0), c.insee))[:15]
        seats: Counter[str] = Counter()
        for p in chosen:
            seats[p.commune.insee] += 1
        weight = {c.insee: (c.population or 0) ** 0.9 for c in units}
        max_seats = {c.insee: 1 + (c.population or 0) // 60_000 for c in units}
        main: list[Commune] = []
        for _ in range(max(0, n_main)):
            open_units = [c for c in units if seats[c.insee] < max_seats[c.insee]] or units
            best = max(open_units, key=lambda c: (weight[c.insee] / (seats[c.insee] + 1), c.insee))
            seats[best.insee] += 1
            main.append(best)
        # split cities: spread their seats over arrondissements
        for c in main:
            if c.insee in SPLIT_CITIES:
                continue
            chosen.append(Placement(c))
        for insee, city in SPLIT_CITIES.items():
            k = sum(1 for c in main if c.insee == insee)
            if not k:
                continue
            pool = sorted(arms[city], key=lambda c: c.insee)
            # weighted order without replacement (population ** 0.5), then round robin
            keyed = sorted(pool, key=lambda c: -rng.random() ** (1 / math.sqrt(c.population or 1)))
            for i in range(k):
                chosen.append(Placement(keyed[i % len(keyed)]))
        used = {p.commune.insee for p in chosen}

        smalls = [c for c in coms if c.population and 3_000 <= c.population < 15_000 and c.insee not in used]
        smalls.sort(key=lambda c: c.insee)
        for c in rng.sample(smalls, min(n_small, len(smalls))):
            chosen.append(Placement(c))
            used.add(c.insee)
        rurals = [c for c in coms if c.population and 250 <= c.population < 3_000 and c.insee not in used]
        rurals.sort(key=lambda c: c.insee)
        for c in rng.sample(rurals, min(n_rural, len(rurals))):
            chosen.append(Placement(c))
            used.add(c.insee)
        placements.extend(chosen)
    return placements


def assign_profiles(placements: list[Placement], rng: random.Random) -> list[str]:
    n = len(placements)
    quota = {p: round(share * n) for p, share in PROFILE_SHARES.items()}
    quota["fablab"] += n - sum(quota.values())
    for pl in placements:
        if pl.forced_profile:
            quota[pl.forced_profile] -= 1
    prefs = {
        "r": {"fablab": 1.5, "tiers_lieu": 3.0, "espace_mediation": 2.0, "atelier_pro": 0.3,
              "labo_innovation": 0.1, "espace_formation": 0.2},
        "s": {"fablab": 2.0, "tiers_lieu": 2.0, "espace_mediation": 1.5, "atelier_pro": 0.8,
              "labo_innovation": 0.3, "espace_formation": 0.7},
        "t": {"fablab": 2.0, "tiers_lieu": 1.0, "espace_mediation": 1.0, "atelier_pro": 1.0,
              "labo_innovation": 0.9, "espace_formation": 1.2},
        "b": {"fablab": 2.0, "tiers_lieu": 0.8, "espace_mediation": 1.0, "atelier_pro": 1.2,
              "labo_innovation": 1.5, "espace_formation": 1.2},
    }
    profiles: list[str | None] = [pl.forced_profile for pl in placements]
    order = [i for i in range(n) if profiles[i] is None]
    rng.shuffle(order)
    order.sort(key=lambda i: "rstb".index(placements[i].commune.size))
    for i in order:
        size = placements[i].commune.size
        names = [p for p in PROFILE_SHARES if quota[p] > 0]
        weights = [prefs[size][p] * quota[p] for p in names]
        choice = rng.choices(names, weights)[0]
        quota[choice] -= 1
        profiles[i] = choice
    return [p for p in profiles if p]  # type: ignore[misc]


# ---------------------------------------------------------------------------
# one workshop
# ---------------------------------------------------------------------------


@dataclass
class Draft:
    placement: Placement
    profile: str
    caps: list[str] = field(default_factory=list)
    accepts: bool = True
    record: dict = field(default_factory=dict)
    sources: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def commune(self) -> Commune:
        return self.placement.commune


def draw_capabilities(d: Draft, rng: random.Random) -> None:
    probs = CAP_PROBS[d.profile]
    caps = [c for c in MACHINE_ORDER + SERVICE_ORDER if rng.random() < probs.get(c, 0.0)]
    for c in d.placement.forced_caps:
        if c not in caps:
            caps.append(c)
    machine = [c for c in caps if c in MACHINE_ORDER]
    if d.profile == "fablab" and not ({"impression_3d_fdm", "decoupe_laser"} & set(caps)):
        caps.append("impression_3d_fdm")
    if d.profile == "atelier_pro":
        if not ({"accompagnement_prototypage", "petite_serie"} & set(caps)):
            caps.append("accompagnement_prototypage")
        if len(machine) < 2:
            for c in ("impression_3d_fdm", "usinage_metal", "decoupe_laser"):
                if c not in caps:
                    caps.append(c)
                    break
    if d.profile in ("fablab", "labo_innovation", "espace_formation") and not machine:
        caps.append("impression_3d_fdm")
    if d.profile == "tiers_lieu" and len(caps) < 3:
        for c in ("menuiserie", "impression_3d_fdm", "coworking"):
            if c not in caps:
                caps.append(c)
    if d.profile == "espace_mediation" and not any(c in MACHINE_ORDER for c in caps):
        caps = [c for c in caps if c not in ("conception_cao", "formation_fabrication", "accompagnement_prototypage")]
    if d.profile == "espace_mediation" and len(caps) < 2:
        caps.append(rng.choice(["coworking", "impression_3d_fdm", "atelier_innovation"]))
    d.caps = caps


def finalize_capabilities(drafts: list[Draft], rng: random.Random) -> None:
    """Company flag, then make sure every code is carried by enough workshops."""
    for d in drafts:
        d.accepts = d.profile == "atelier_pro" or rng.random() < ACCEPT_PROBS[d.profile]
        if d.placement.forced_caps:
            d.accepts = True
    for d in drafts:
        if not d.accepts and "petite_serie" in d.caps:
            d.caps.remove("petite_serie")
    counts = Counter(c for d in drafts for c in d.caps)
    for code in MACHINE_ORDER + SERVICE_ORDER:
        missing = MIN_PER_CODE - counts[code]
        if missing <= 0:
            continue
        ranked = sorted(PROFILE_SHARES, key=lambda p: -CAP_PROBS[p].get(code, 0.0))
        for prof in ranked:
            cands = [d for d in drafts if d.profile == prof and code not in d.caps
                     and (d.accepts or code != "petite_serie")]
            rng.shuffle(cands)
            for d in cands[:missing]:
                d.caps.append(code)
                missing -= 1
            if missing <= 0:
                break
    for d in drafts:
        order = MACHINE_ORDER + SERVICE_ORDER
        d.caps.sort(key=order.index)


def pick_machines(d: Draft, rng: random.Random) -> dict[str, list[dict]]:
    tiers = PROFILE_TIERS[d.profile]
    out: dict[str, list[dict]] = {}
    for code in d.caps:
        if code not in MACHINES:
            continue
        pool = [m for m in MACHINES[code] if m[0] in tiers] or MACHINES[code]
        first = rng.choice(pool)
        chosen = [first]
        p_second = {"atelier_pro": 0.45, "labo_innovation": 0.3, "fablab": 0.3,
                    "espace_formation": 0.35, "tiers_lieu": 0.15, "espace_mediation": 0.05}[d.profile]
        if rng.random() < p_second:
            extras = [m for m in MACHINES[code] if m is not first and m[0] in tiers]
            extras += MACHINE_EXTRAS.get(code, [])
            if extras:
                chosen.append(rng.choice(extras))
        machines = []
        for i, (_tier, name, details, zone) in enumerate(chosen):
            shown, qty = name, 1
            if code == "impression_3d_fdm" and i == 0 and d.profile in ("fablab", "espace_formation", "labo_innovation") \
                    and rng.random() < 0.6:
                qty = rng.choice([2, 3, 4, 4, 5, 6, 8])
                shown = f"{name} (×{qty})"
            machines.append({"name": shown, "capability": code, "details": details, "_model": name, "_zone": zone,
                             "_qty": qty})
        out[code] = machines
    return out


#: sentences used beyond their cap because a pool was exhausted (should stay empty)
FALLBACKS: Counter[str] = Counter()


#: service templates that speak of members, volunteers, children... (not for professional workshops)
_COMMUNITY = re.compile(
    r"adhérent|bénévole|café réparation|café couture|\bclub\b|familles|jeunes|écoles|associations|libre accès"
    r"|prix coûtant|gratuit|fabmanager|débutants|demandeurs d'emploi|vacances|habilitation|en prêt|\bprêt\b"
    r"|solidaire|11-17|8-12|collégiens|seul ou accompagné|modèles libres|premier meuble|découverte|initiation"
    r"|des membres|premier essai|créneau libre|vendu au mètre|nuancier|en autonomie"
)
#: service templates too industrial or too institutional for a digital mediation space
_NOT_MEDIATION = re.compile(r"résidences|industriel|bureaux? d'études|PME|en série|fabmanager")


def template_fits(tpl: str, tags: str, profile: str | None, code: str | None) -> bool:
    if profile == "atelier_pro" and _COMMUNITY.search(tpl):
        return False
    if profile == "espace_mediation":
        if _NOT_MEDIATION.search(tpl):
            return False
        if "PRO" in tags and code not in (None, "mediation_numerique", "coworking"):
            return False
    return True


def pick_sentence(pool, rng, ctx, counter, cap, *, accepts=None, exclude=(), check=None, fallback_ok=True,
                  profile=None, code=None):
    """Expand templates of ``pool`` in random order until one is usable."""
    entries = list(pool)
    rng.shuffle(entries)
    fallback = None
    for entry in entries:
        tpl, tags = (entry, "") if isinstance(entry, str) else entry
        if not template_fits(tpl, tags, profile, code):
            continue
        if "PRO" in tags and accepts is False:
            continue
        if "ASSO" in tags and accepts is True:
            continue
        size_tags = set(tags) & set("rstb")
        if size_tags and ctx.get("_size") not in size_tags:
            continue
        need = fields_of(tpl)
        if any(ctx.get(f) in (None, "") for f in need):
            continue
        if counter["tpl:" + tpl] >= TEMPLATE_CAP:
            continue
        text = expand(tpl, rng, ctx)
        if check is not None and not check(text):
            raise AssertionError(f"modèle sans mot-clé attendu : {tpl!r}")
        if text in exclude:
            continue
        if counter[text] >= cap:
            fallback = fallback or text
            continue
        counter["tpl:" + tpl] += 1
        return text
    if fallback is not None and fallback_ok:
        FALLBACKS[fallback] += 1
        return fallback
    return None


# -- services ----------------------------------------------------------------


def build_services(d: Draft, machines, ctx, rng, counter) -> list[tuple[str | None, str]]:
    out: list[tuple[str | None, str]] = []
    taken: set[str] = set()
    signature = {
        "fablab": ("impression_3d_fdm", "decoupe_laser"),
        "tiers_lieu": ("coworking", "menuiserie"),
        "espace_mediation": ("mediation_numerique",),
        "atelier_pro": ("accompagnement_prototypage", "usinage_metal", "impression_3d_poudre"),
        "labo_innovation": ("atelier_innovation",),
        "espace_formation": ("formation_fabrication",),
    }[d.profile]
    for code in d.caps:
        local = dict(ctx)
        ms = machines.get(code)
        if ms:
            local["m"] = "" if ms[0]["_model"].split(" ")[0] in GENERIC_MACHINE_WORDS else ms[0]["_model"]
            local["zone"] = ms[0]["_zone"]
            local["m_n"] = NUM_WORDS[ms[0]["_qty"]] if ms[0]["_qty"] > 2 else ""
        else:
            local["m"] = local["zone"] = local["m_n"] = ""
        n = 2 if code in signature and rng.random() < 0.45 else 1
        wanted = FORCED_SERVICES.get(code) if code in d.placement.forced_caps else None
        if wanted:
            tpl = next(e[0] for e in SERVICES[code] if not isinstance(e, str) and e[0].startswith(wanted))
            text = expand(tpl, rng, local)
            taken.add(text)
            counter[text] += 1
            out.append((code, text))
        for _ in range(n):
            text = pick_sentence(
                SERVICES[code], rng, local, counter, SERVICE_SENTENCE_CAP,
                accepts=d.accepts, exclude=taken, check=lambda s, c=code: bool(_KW[c].search(norm(s))),
                profile=d.profile, code=code,
            )
            if text is None:
                continue
            taken.add(text)
            counter[text] += 1
            out.append((code, text))
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        text = pick_sentence(SERVICE_EXTRAS, rng, ctx, counter, SERVICE_SENTENCE_CAP,
                             accepts=d.accepts, exclude=taken, fallback_ok=False, profile=d.profile)
        if text:
            taken.add(text)
            counter[text] += 1
            out.append((None, text))
    # main activities first (profile order), loosely: a little noise keeps lists from looking alike
    keyed = []
    for i, (code, text) in enumerate(out):
        base = 50.0 if code is None else float(_rank(code, d.profile)[0] * 3 + (0 if code in MACHINE_ORDER else 4))
        keyed.append((base + rng.uniform(0, 6), i, (code, text)))
    keyed.sort()
    return [item for _, _, item in keyed]


# -- description ---------------------------------------------------------------


def build_description(d: Draft, machines, ctx, rng, openings: Counter, used: Counter) -> str:
    prof = d.profile
    mcodes = [c for c in d.caps if c in MACHINE_ORDER]
    scodes = [c for c in d.caps if c in SERVICE_ORDER]

    def usable(entry, extra=None) -> bool:
        tpl, tags, _caps, _profs = entry
        local = dict(ctx, **(extra or {}))
        if not (_caps_ok(entry, d.caps) and _prof_ok(entry, prof) and _accept_ok(entry, d.accepts)):
            return False
        sizes = set(tags) & set("rstb")
        if sizes and ctx["_size"] not in sizes:
            return False
        return all(local.get(f) not in (None, "") for f in fields_of(tpl))

    def pick(pool, *, is_opening=False, extra=None, relax=False):
        entries = [e for e in pool if usable(e, extra)]
        rng.shuffle(entries)
        local = dict(ctx, **(extra or {}))
        spare = None
        for tpl, *_ in entries:
            text = cap1(expand(tpl, rng, local))
            if is_opening and openings[first_words(text)] >= OPENING_CAP:
                continue
            if used[text] >= DESCRIPTION_SENTENCE_CAP:
                spare = spare or text
                continue
            return text
        return spare if relax else None

    opening = None
    project_opening = False
    if rng.random() < 0.08:  # now and then, open on a notable project (one that stands alone)
        opening = pick([e for e in PROJECTS if not re.search(r"\by\b", e[0])], is_opening=True)
        project_opening = opening is not None
    if opening is None:
        opening = pick(OPENINGS, is_opening=True)
    if opening is None:  # every opening used up: relax the cap rather than fail
        entry = next(e for e in OPENINGS if usable(e))
        opening = cap1(expand(entry[0], rng, ctx))

    middle: list[str] = []
    if mcodes:
        ranked = sorted(mcodes, key=lambda c: _rank(c, prof))
        main, rest = ranked[:4], ranked[4:7]
        eq = join_fr([rng.choice(EQUIP_NOUNS[c]) for c in main])
        fx = {"eq": eq, "Eq": cap1(eq)}
        frames = [f for f in EQUIP_FRAMES if usable(f, fx) and (len(main) > 1 or "PL" not in f[1])]
        frame = _pick_frame(frames, rng, used)
        middle.append(cap1(expand(frame, rng, dict(ctx, **fx))))
        if rest:
            eq2 = join_fr([rng.choice(EQUIP_NOUNS[c]) for c in rest])
            middle[-1] += " " + expand(rng.choice(EQUIP_MORE), rng, dict(ctx, eq=eq2))
    if scodes:
        sv = join_fr([rng.choice(SERVICE_NOUNS[c]) for c in sorted(scodes, key=lambda c: _rank(c, prof))[:3]])
        n_sv = min(3, len(scodes))
        fx = {"sv": sv, "Sv": cap1(sv)}
        frames = [f for f in SERVICE_FRAMES if usable(f, fx) and (n_sv > 1 or "PL" not in f[1])]
        frame = _pick_frame(frames, rng, used)
        middle.append(cap1(expand(frame, rng, dict(ctx, **fx))))

    pools = [TEAM, PUBLIC, LIFE] + ([] if project_opening else [PROJECTS])
    flavour = ctx.get("_flavour")
    if flavour in REGIONAL_SENTENCES and rng.random() < 0.6:
        pools.insert(0, REGIONAL_SENTENCES[flavour])
        rest_pools = pools[1:]
        rng.shuffle(rest_pools)
        pools = pools[:1] + rest_pools
    else:
        rng.shuffle(pools)
    want = rng.choice([1, 1, 2, 2, 2]) if prof != "espace_mediation" else rng.choice([1, 2])
    angles: list[str] = []
    for pool in pools:
        if len(angles) >= want:
            break
        s = pick(pool)
        if not s or s == opening or s in angles:
            continue
        if "bénévoles" in s and any("bénévoles" in x for x in [opening, *angles]):
            continue  # one head count of volunteers is enough
        angles.append(s)

    tail: list[str] = []
    if not d.accepts:
        company = pick(COMPANY_NO, relax=True)
    elif d.record["capacity"] == 0:
        company = pick(COMPANY_FULL, relax=True)
    else:
        company = pick(COMPANY_YES, relax=True)
    if company:
        tail.append(company)
    if d.accepts and d.record["pass_afn"]:
        tail.append(pick(PASS_AFN) or "Le Pass AFN est accepté.")
    if rng.random() < 0.35:
        closing = pick(CLOSINGS)
        if closing:
            tail.append(closing)

    body = list(middle)
    for s in angles:
        body.insert(rng.randint(0, len(body)), s)
    allp = [opening] + body + tail
    while len(sentences(" ".join(allp))) > 8:
        victim = next((s for s in reversed(angles) if s in allp), None)
        if victim is None:
            victim = next(s for s in reversed(tail) if s in allp and s != company)
        allp.remove(victim)
    while len(allp) < 3:
        extra = pick(PUBLIC) or pick(LIFE) or pick(CLOSINGS)
        if not extra or extra in allp:
            break
        allp.insert(len(allp) - len(tail), extra)
    for s in allp[1:]:
        used[s] += 1
    openings[first_words(opening)] += 1
    text = " ".join(allp)
    n = len(sentences(text))
    if not 3 <= n <= 8:
        raise AssertionError(f"description de {n} phrases : {text}")
    return text


FRAME_CAP = 24


def _pick_frame(frames, rng, used: Counter) -> str:
    """A sentence frame, avoiding the ones already used FRAME_CAP times."""
    fresh = [f for f in frames if used["frame:" + f[0]] < FRAME_CAP] or frames
    tpl = rng.choice(fresh)[0]
    used["frame:" + tpl] += 1
    return tpl


def _caps_ok(entry, caps) -> bool:
    need = entry[2]
    return not need or any(c in caps for c in need)


def _prof_ok(entry, prof) -> bool:
    return not entry[3] or prof in entry[3]


def _accept_ok(entry, accepts) -> bool:
    tags = entry[1]
    if "PRO" in tags and not accepts:
        return False
    if "ASSO" in tags and accepts:
        return False
    return True


_PRIORITY = {
    "atelier_pro": ("usinage_metal", "impression_3d_poudre", "fraisage_precision", "impression_3d_resine",
                    "marquage_laser_metal", "impression_3d_fdm", "decoupe_laser", "scanner_3d"),
    "labo_innovation": ("impression_3d_fdm", "electronique", "decoupe_laser", "scanner_3d"),
    "tiers_lieu": ("menuiserie", "impression_3d_fdm", "decoupe_laser", "textile_numerique"),
    "espace_mediation": ("impression_3d_fdm", "decoupe_vinyle"),
    "espace_formation": ("impression_3d_fdm", "decoupe_laser", "fraisage_cnc_bois", "electronique"),
    "fablab": ("impression_3d_fdm", "decoupe_laser", "fraisage_cnc_bois", "electronique"),
}


def _rank(code: str, prof: str) -> tuple[int, int]:
    pr = _PRIORITY.get(prof, ())
    order = MACHINE_ORDER + SERVICE_ORDER
    return (pr.index(code) if code in pr else len(pr), order.index(code))


# -- opening hours ---------------------------------------------------------------


def build_opening(d: Draft, rng: random.Random) -> str:
    prof = d.profile
    if prof == "atelier_pro":
        base = rng.choice(HOURS_PRO)
        extras = HOURS_EXTRAS_PRO
    elif prof == "espace_mediation":
        base = rng.choice(HOURS_MEDIATION)
        extras = HOURS_EXTRAS_PUBLIC
    elif prof == "espace_formation":
        base = rng.choice(HOURS_FORMATION)
        extras = HOURS_EXTRAS_PUBLIC
    else:
        days = rng.choice(DAYSETS)
        hours = rng.choice(HOURS)
        if "/" not in hours and rng.random() < 0.4:
            h1, h2 = hours.split("-")
            base = f"{days} de {h1} à {h2}"
        else:
            base = f"{days}, {hours}"
        extras = HOURS_EXTRAS_LAB
    parts = [base]
    for extra in rng.sample(extras, rng.choice([0, 1, 1, 2])):
        if "samedi" in extra and "samedi" in base.lower():
            continue
        if "entreprises" in extra and (not d.accepts or any("entreprises" in p for p in parts)):
            continue
        parts.append(extra)
    return " ; ".join(parts)


# -- names -------------------------------------------------------------------------


def build_name(d: Draft, ctx: dict, rng: random.Random, used_names: set[str]) -> tuple[str, str]:
    """Return (name, subject form used at the start of a sentence)."""
    prof = d.profile
    flavour = ctx.get("_flavour")
    options = []
    if flavour and flavour in REGIONAL_NAMES:
        regional = [n for n in REGIONAL_NAMES[flavour]
                    if n[0] not in used_names and (not n[1] or prof in n[1]) and name_fits(n[0], d.caps)]
        if regional and rng.random() < 0.45:
            options.append(rng.choice(regional)[0])
    if not options and rng.random() < 0.25:
        pats = COMMUNE_NAME_PATTERNS[prof]
        for _ in range(6):
            tpl, subj = rng.choice(pats)
            name = expand(tpl, rng, ctx)
            if name not in used_names:
                return name, expand(subj, rng, ctx) if subj else name
    if not options:
        generic = [n for n in GENERIC_NAMES[prof] if n not in used_names and name_fits(n, d.caps)]
        if generic:
            options.append(rng.choice(generic))
    if not options:
        heads, tails = NAME_PARTS.get(prof, (NAME_HEADS, NAME_TAILS))
        for _ in range(200):
            head, gender = rng.choice(heads)
            tail = rng.choice(tails)
            tail = tail[0] if gender == "m" else tail[1]
            name = f"{head} {tail}"
            if name not in used_names:
                options.append(name)
                break
    name = options[0]
    return name, name


# -- context -----------------------------------------------------------------------


def make_context(d: Draft, rng: random.Random) -> dict:
    c = d.commune
    prof = d.profile
    city = c.city
    flavour = DEP_FLAVOUR.get(c.dep)
    pn, g = rng.choice(PROFILE_NOUNS[prof])
    e = "e" if g == "f" else ""
    lieux = [x for x in LIEUX if (not x[3] or prof in x[3]) and (not x[4] or c.size in x[4])
             and (not x[5] or flavour in x[5])]
    lieu = rng.choice(lieux)
    if c.kind == "ARM":
        arr = c.arrondissement
        q = (f"dans le {arr} arrondissement", f"du {arr} arrondissement")
    else:
        q = rng.choice(QUARTIERS[c.size])
    first = rng.choice(FIRST_NAMES.get(flavour, FIRST_NAMES[None]) + FIRST_NAMES[None][:6])
    second = first
    while second == first:
        second = rng.choice(FIRST_NAMES.get(flavour, FIRST_NAMES[None]) + FIRST_NAMES[None])
    year = rng.randint(2011, 2023)
    nb_sal = rng.choice([1, 2, 2, 3, 3, 4, 5])
    dans_dep, du_dep = DEP_PREP[c.dep]
    ctx = {
        "_size": c.size,
        "_flavour": flavour,
        "ville": city,
        "a_ville": a(city),
        "de_ville": de(city),
        "dans_q": q[0],
        "du_q": q[1],
        "dans_dep": dans_dep,
        "du_dep": du_dep,
        "dep_name": c.dep_name,
        "pn": pn,
        "Pn": cap1(pn),
        "de_pn": de_det(pn),
        "e": e,
        "lieu": lieu[0],
        "lieu_def": lieu[1],
        "Lieu_def": cap1(lieu[1]),
        "el": "e" if lieu[2] == "f" else "",
        "annee": str(year),
        "annee2": str(min(2024, year + rng.randint(1, 4))),
        "nb_adh": str(rng.choice([40, 60, 80, 90, 120, 150, 180, 220, 260, 300, 350, 420, 500])),
        "nb_ben": str(rng.choice([5, 6, 8, 10, 12, 15, 18, 20, 25, 30])),
        "nb_sal": NUM_WORDS[nb_sal],
        "s_sal": "s" if nb_sal > 1 else "",
        "surface": str(rng.choice([80, 120, 150, 180, 200, 250, 300, 400, 500, 650, 800, 1200])),
        "dist": str(rng.choice([20, 25, 30, 35, 40, 50, 60])),
        "jour": rng.choice(["mardi", "mercredi", "jeudi", "vendredi", "samedi"]),
        "p1": first[0],
        "p2": second[0],
        "p1_e": "e" if first[1] == "f" else "",
        "p1_ne": "ne" if first[1] == "f" else "",
        "p1_ere": "ère" if first[1] == "f" else "er",
        "p1_il": "elle" if first[1] == "f" else "il",
        "visites": str(rng.choice([30, 40, 50, 60, 80, 100, 150])),
        "fondateurs": rng.choice(FOUNDERS),
        "porteur": rng.choice(PORTEURS[prof]) if prof in PORTEURS else "",
    }
    ctx["p1_fm"] = "euse" if first[1] == "f" else "er"
    age = 2024 - year
    ctx["age"] = str(age) if age >= 3 else ""
    if c.kind == "ARM":
        num = c.arrondissement.rstrip("er").rstrip("e")
        ctx["ville_n"] = f"{city} {num}"
        ctx["de_ville_n"] = f"{de(city)} {num}"
    else:
        ctx["ville_n"] = city
        ctx["de_ville_n"] = de(city)
    short = [SHORT_LABELS[code] for code in sorted([x for x in d.caps if x in MACHINE_ORDER],
                                                      key=lambda x: _rank(x, prof))]
    ctx["acts"] = join_fr(short[:3]) if short else ""
    ctx["mach_one"] = a_det(short[0]) if short else ""
    ctx["de_mach_one"] = de_det(short[0]) if short else ""
    ctx["mach_list"] = join_fr([a_det(s) for s in short[:3]]) if short else ""
    ctx["de_acts"] = join_fr([de_det(s) for s in short[:3]]) if short else ""
    return ctx


def build_record(d: Draft, rng, used_names, used_ids, svc_counter, openings, desc_used) -> dict:
    c = d.commune
    ctx = make_context(d, rng)
    name, subject = build_name(d, ctx, rng, used_names)
    used_names.add(name)
    if subject.startswith("Les "):  # plural name: "le tiers-lieu Les Communs a ouvert..."
        subject = f"{ctx['pn']} {subject}"
    ctx["S"] = subject
    ctx["de_S"] = de(subject)
    ctx["nom"] = name

    # id: slug of the name, with the commune unless already in it
    base = slugify(name)
    city_slug = slugify(c.city) + (f"-{slugify(c.arrondissement)}" if c.arrondissement else "")
    if slugify(c.city) not in base:
        base = f"{base}-{city_slug}"
    wid = base
    k = 2
    while wid in used_ids:
        wid = f"{base}-{k}"
        k += 1
    used_ids.add(wid)

    machines = pick_machines(d, rng)
    accepts = d.accepts
    lo, hi = CAPACITY_RANGES[d.profile]
    capacity = rng.randint(lo, hi) if accepts else 0
    if accepts and rng.random() < 0.08 and not d.placement.forced_caps:
        capacity = 0
    lo, hi = LEAD_RANGES[d.profile]
    if d.placement.forced_caps:  # the README's example places: reachable quickly
        hi = min(hi, lo + 8)
    lead = rng.randint(lo, hi)
    pass_afn = accepts and rng.random() < 0.5
    if d.placement.forced_profile == "fablab":
        pass_afn = True
    d.record = {"pass_afn": pass_afn, "capacity": capacity}
    ctx["cap_projets"] = f"{NUM_WORDS[capacity]} projets" if capacity > 1 else ""
    ctx["cap_peut"] = (f"{NUM_WORDS[capacity]} projets peuvent" if capacity > 1 else "un seul projet peut")
    ctx["lead"] = str(lead)
    opening_hours = build_opening(d, rng)
    ctx["hours_main"] = opening_hours.split(" ; ")[0]

    services = build_services(d, machines, ctx, rng, svc_counter)
    d.sources = services
    description = build_description(d, machines, ctx, rng, openings, desc_used)

    # coordinates: jitter < 0.9 km around the commune point
    r_km = rng.uniform(0.05, 0.85)
    theta = rng.uniform(0, 2 * math.pi)
    dlat = (r_km * math.cos(theta)) / 111.2
    dlon = (r_km * math.sin(theta)) / (111.2 * math.cos(math.radians(c.lat)))
    materials: list[str] = []
    for code in d.caps:
        for mat in rng.sample(MATERIALS.get(code, []), min(len(MATERIALS.get(code, [])), rng.randint(2, 3))):
            if mat not in materials:
                materials.append(mat)
    record = {
        "id": wid,
        "name": name,
        "profile": d.profile,
        "commune": c.name,
        "insee": c.insee,
        "postcode": rng.choice(sorted(c.postcodes)),
        "lat": round(c.lat + dlat, 5),
        "lon": round(c.lon + dlon, 5),
        "description": description,
        "services": [s for _, s in services],
        "capabilities": list(d.caps),
        "machines": [{k: m[k] for k in ("name", "capability", "details")}
                     for code in d.caps for m in machines.get(code, [])],
        "materials": materials,
        "accepts_companies": accepts,
        "pass_afn": pass_afn,
        "capacity": capacity,
        "lead_time_days": lead,
        "opening": opening_hours,
        "website": f"https://{wid}.example.org",
    }
    d.record = record
    return record


# ===========================================================================
# TEXT MATERIAL (all invented for this project)
# ===========================================================================

FAB = ("fablab",)
TIERS = ("tiers_lieu",)
FT = ("fablab", "tiers_lieu")
MED = ("espace_mediation",)
PRO = ("atelier_pro",)
LAB = ("labo_innovation",)
FORM = ("espace_formation",)


def D(text: str, tags: str = "", caps: tuple = (), profs: tuple = ()) -> tuple:
    """A description template: text, tags (r/s/t/b sizes, PRO/ASSO, PL), required caps (any), profiles."""
    return (text, tags, caps, profs)


NUM_WORDS = {0: "zéro", 1: "un", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept",
             8: "huit", 9: "neuf", 10: "dix", 11: "onze", 12: "douze"}

REGIONS = {
    "Auvergne-Rhône-Alpes": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
    "Guadeloupe": ("971",), "Martinique": ("972",), "Guyane": ("973",),
    "La Réunion": ("974",), "Mayotte": ("976",),
}
DEP_REGION = {dep: region for region, deps in REGIONS.items() for dep in deps}


def dep_of(insee: str) -> str:
    return insee[:3] if insee.startswith("97") else insee[:2]


def dep_sort_key(insee: str) -> str:
    return dep_of(insee)


DEP_PREP = {
    "01": ("dans l'Ain", "de l'Ain"), "02": ("dans l'Aisne", "de l'Aisne"),
    "03": ("dans l'Allier", "de l'Allier"),
    "04": ("dans les Alpes-de-Haute-Provence", "des Alpes-de-Haute-Provence"),
    "05": ("dans les Hautes-Alpes", "des Hautes-Alpes"), "06": ("dans les Alpes-Maritimes", "des Alpes-Maritimes"),
    "07": ("en Ardèche", "de l'Ardèche"), "08": ("dans les Ardennes", "des Ardennes"),
    "09": ("en Ariège", "de l'Ariège"), "10": ("dans l'Aube", "de l'Aube"), "11": ("dans l'Aude", "de l'Aude"),
    "12": ("en Aveyron", "de l'Aveyron"), "13": ("dans les Bouches-du-Rhône", "des Bouches-du-Rhône"),
    "14": ("dans le Calvados", "du Calvados"), "15": ("dans le Cantal", "du Cantal"),
    "16": ("en Charente", "de la Charente"), "17": ("en Charente-Maritime", "de la Charente-Maritime"),
    "18": ("dans le Cher", "du Cher"), "19": ("en Corrèze", "de la Corrèze"),
    "21": ("en Côte-d'Or", "de la Côte-d'Or"), "22": ("dans les Côtes-d'Armor", "des Côtes-d'Armor"),
    "23": ("dans la Creuse", "de la Creuse"), "24": ("en Dordogne", "de la Dordogne"),
    "25": ("dans le Doubs", "du Doubs"), "26": ("dans la Drôme", "de la Drôme"),
    "27": ("dans l'Eure", "de l'Eure"), "28": ("en Eure-et-Loir", "de l'Eure-et-Loir"),
    "29": ("dans le Finistère", "du Finistère"), "2A": ("en Corse-du-Sud", "de la Corse-du-Sud"),
    "2B": ("en Haute-Corse", "de la Haute-Corse"), "30": ("dans le Gard", "du Gard"),
    "31": ("en Haute-Garonne", "de la Haute-Garonne"), "32": ("dans le Gers", "du Gers"),
    "33": ("en Gironde", "de la Gironde"), "34": ("dans l'Hérault", "de l'Hérault"),
    "35": ("en Ille-et-Vilaine", "de l'Ille-et-Vilaine"), "36": ("dans l'Indre", "de l'Indre"),
    "37": ("en Indre-et-Loire", "de l'Indre-et-Loire"), "38": ("en Isère", "de l'Isère"),
    "39": ("dans le Jura", "du Jura"), "40": ("dans les Landes", "des Landes"),
    "41": ("en Loir-et-Cher", "du Loir-et-Cher"), "42": ("dans la Loire", "de la Loire"),
    "43": ("en Haute-Loire", "de la Haute-Loire"), "44": ("en Loire-Atlantique", "de la Loire-Atlantique"),
    "45": ("dans le Loiret", "du Loiret"), "46": ("dans le Lot", "du Lot"),
    "47": ("en Lot-et-Garonne", "du Lot-et-Garonne"), "48": ("en Lozère", "de la Lozère"),
    "49": ("en Maine-et-Loire", "du Maine-et-Loire"), "50": ("dans la Manche", "de la Manche"),
    "51": ("dans la Marne", "de la Marne"), "52": ("en Haute-Marne", "de la Haute-Marne"),
    "53": ("en Mayenne", "de la Mayenne"), "54": ("en Meurthe-et-Moselle", "de la Meurthe-et-Moselle"),
    "55": ("dans la Meuse", "de la Meuse"), "56": ("dans le Morbihan", "du Morbihan"),
    "57": ("en Moselle", "de la Moselle"), "58": ("dans la Nièvre", "de la Nièvre"),
    "59": ("dans le Nord", "du Nord"), "60": ("dans l'Oise", "de l'Oise"), "61": ("dans l'Orne", "de l'Orne"),
    "62": ("dans le Pas-de-Calais", "du Pas-de-Calais"), "63": ("dans le Puy-de-Dôme", "du Puy-de-Dôme"),
    "64": ("dans les Pyrénées-Atlantiques", "des Pyrénées-Atlantiques"),
    "65": ("dans les Hautes-Pyrénées", "des Hautes-Pyrénées"),
    "66": ("dans les Pyrénées-Orientales", "des Pyrénées-Orientales"),
    "67": ("dans le Bas-Rhin", "du Bas-Rhin"), "68": ("dans le Haut-Rhin", "du Haut-Rhin"),
    "69": ("dans le Rhône", "du Rhône"), "70": ("en Haute-Saône", "de la Haute-Saône"),
    "71": ("en Saône-et-Loire", "de la Saône-et-Loire"), "72": ("dans la Sarthe", "de la Sarthe"),
    "73": ("en Savoie", "de la Savoie"), "74": ("en Haute-Savoie", "de la Haute-Savoie"),
    "75": ("à Paris", "de Paris"), "76": ("en Seine-Maritime", "de la Seine-Maritime"),
    "77": ("en Seine-et-Marne", "de la Seine-et-Marne"), "78": ("dans les Yvelines", "des Yvelines"),
    "79": ("dans les Deux-Sèvres", "des Deux-Sèvres"), "80": ("dans la Somme", "de la Somme"),
    "81": ("dans le Tarn", "du Tarn"), "82": ("en Tarn-et-Garonne", "du Tarn-et-Garonne"),
    "83": ("dans le Var", "du Var"), "84": ("dans le Vaucluse", "du Vaucluse"),
    "85": ("en Vendée", "de la Vendée"), "86": ("dans la Vienne", "de la Vienne"),
    "87": ("en Haute-Vienne", "de la Haute-Vienne"), "88": ("dans les Vosges", "des Vosges"),
    "89": ("dans l'Yonne", "de l'Yonne"), "90": ("dans le Territoire de Belfort", "du Territoire de Belfort"),
    "91": ("dans l'Essonne", "de l'Essonne"), "92": ("dans les Hauts-de-Seine", "des Hauts-de-Seine"),
    "93": ("en Seine-Saint-Denis", "de la Seine-Saint-Denis"), "94": ("dans le Val-de-Marne", "du Val-de-Marne"),
    "95": ("dans le Val-d'Oise", "du Val-d'Oise"),
    "971": ("en Guadeloupe", "de la Guadeloupe"), "972": ("en Martinique", "de la Martinique"),
    "973": ("en Guyane", "de la Guyane"), "974": ("à La Réunion", "de La Réunion"),
    "976": ("à Mayotte", "de Mayotte"),
}

_FLAVOURS = {
    "bzh": ("22", "29", "35", "56"),
    "oc": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "81", "82", "24", "47", "19", "23",
           "87", "15", "43", "07"),
    "prov": ("04", "06", "13", "83", "84", "26"),
    "cat": ("66",), "basque": ("64",), "alsace": ("67", "68"), "lorraine": ("54", "55", "57", "88"),
    "nord": ("59", "62"), "corse": ("2A", "2B"), "antilles": ("971", "972"), "guyane": ("973",),
    "reunion": ("974",), "mayotte": ("976",), "alpes": ("73", "74", "05", "38"),
    "normandie": ("14", "27", "50", "61", "76"), "gironde": ("33",), "lyon": ("69",),
    "loire": ("44", "49", "37", "41", "45"), "auvergne": ("63", "03"), "champagne": ("51", "10", "08", "52"),
}
DEP_FLAVOUR = {dep: fl for fl, deps in _FLAVOURS.items() for dep in deps}

PROFILE_NOUNS = {
    "fablab": [("le fablab", "m"), ("l'atelier", "m"), ("le lab", "m"), ("le fablab", "m")],
    "tiers_lieu": [("le tiers-lieu", "m"), ("le lieu", "m")],
    "espace_mediation": [("l'espace", "m"), ("l'espace numérique", "m"), ("le lieu", "m")],
    "atelier_pro": [("l'atelier", "m"), ("l'entreprise", "f")],
    "labo_innovation": [("le laboratoire", "m"), ("le lab", "m")],
    "espace_formation": [("le centre de formation", "m"), ("la plateforme", "f"), ("l'école", "f")],
}


def L(indef, definite, g, profs=(), sizes="", flav=()):
    return (indef, definite, g, profs, sizes, flav)


LIEUX = [
    L("une ancienne usine textile", "l'ancienne usine textile", "f", FT + FORM, "stb"),
    L("un ancien garage automobile", "l'ancien garage automobile", "m", FT + PRO),
    L("une ancienne imprimerie", "l'ancienne imprimerie", "f", FT + LAB),
    L("une ancienne école", "l'ancienne école", "f", FT + MED),
    L("un entrepôt réhabilité", "l'entrepôt réhabilité", "m", FT + PRO, "stb"),
    L("une ancienne caserne de pompiers", "l'ancienne caserne de pompiers", "f", FT, "stb"),
    L("un ancien bureau de poste", "l'ancien bureau de poste", "m", FT + MED),
    L("une ancienne boulangerie", "l'ancienne boulangerie", "f", FT + MED, "rs"),
    L("une friche industrielle", "la friche industrielle", "f", FT, "stb"),
    L("une halle des années 1930", "la halle des années 1930", "f", FT, "stb"),
    L("un ancien atelier de mécanique", "l'ancien atelier de mécanique", "m", FT + PRO + FORM),
    L("une ancienne menuiserie", "l'ancienne menuiserie", "f", FT + PRO),
    L("un ancien magasin de meubles", "l'ancien magasin de meubles", "m", FT, "stb"),
    L("une ancienne gare", "l'ancienne gare", "f", FT, "rst"),
    L("une grange rénovée", "la grange rénovée", "f", FT, "r"),
    L("une ancienne coopérative agricole", "l'ancienne coopérative agricole", "f", FT, "rs"),
    L("l'ancien presbytère", "l'ancien presbytère", "m", FT + MED, "r"),
    L("une longère", "la longère", "f", FT, "rs", ("bzh", "normandie")),
    L("une ancienne laiterie", "l'ancienne laiterie", "f", FT, "rs"),
    L("un ancien chai", "l'ancien chai", "m", FT, "rs", ("gironde", "oc", "champagne", "loire")),
    L("un ancien hangar du port", "l'ancien hangar du port", "m", FT + PRO, "st", ("bzh", "normandie", "antilles", "reunion")),
    L("une ancienne cristallerie", "l'ancienne cristallerie", "f", FT, "s", ("lorraine",)),
    L("un ancien carreau de mine", "l'ancien carreau de mine", "m", FT, "rs", ("nord", "lorraine")),
    L("une case créole rénovée", "la case créole rénovée", "f", FT + MED, "", ("reunion", "antilles", "guyane")),
    L("un ancien moulin", "l'ancien moulin", "m", FT, "rs"),
    L("le rez-de-chaussée de la médiathèque", "le rez-de-chaussée de la médiathèque", "m", MED + FAB),
    L("un local du centre social", "le local du centre social", "m", MED),
    L("la maison de quartier", "la maison de quartier", "f", MED, "stb"),
    L("une aile de la mairie", "l'aile est de la mairie", "f", MED, "rs"),
    L("un ancien commerce de la grand-rue", "l'ancien commerce de la grand-rue", "m", MED + FT, "rs"),
    L("un bâtiment du lycée professionnel", "le bâtiment B du lycée professionnel", "m", FORM, "stb"),
    L("les ateliers de l'IUT", "les ateliers de l'IUT", "m", FORM + LAB, "tb"),
    L("un plateau technique du campus", "le plateau technique du campus", "m", FORM + LAB, "tb"),
    L("les locaux d'un centre de formation d'apprentis", "les locaux du centre de formation d'apprentis", "m", FORM),
    L("un bâtiment de la technopole", "le bâtiment principal de la technopole", "m", LAB + PRO, "tb"),
    L("le rez-de-chaussée de la pépinière d'entreprises", "le rez-de-chaussée de la pépinière d'entreprises", "m", LAB + PRO),
    L("un ancien laboratoire universitaire", "l'ancien laboratoire universitaire", "m", LAB, "tb"),
    L("un bâtiment de la zone d'activités", "le bâtiment de la zone d'activités", "m", PRO),
    L("un ancien atelier de chaudronnerie", "l'ancien atelier de chaudronnerie", "m", PRO + FT),
    L("un hôtel d'entreprises", "l'hôtel d'entreprises", "m", PRO + LAB, "stb"),
    L("une ancienne menuiserie industrielle", "l'ancienne menuiserie industrielle", "f", PRO),
]

QUARTIERS = {
    "r": [("dans le centre-bourg", "du centre-bourg"), ("au cœur du village", "du village"),
          ("en pleine campagne", "de la campagne"), ("dans la vallée", "de la vallée"),
          ("près de la place du marché", "de la place du marché")],
    "s": [("en centre-ville", "du centre-ville"), ("dans le quartier de la gare", "du quartier de la gare"),
          ("dans la zone artisanale", "de la zone artisanale"), ("dans le vieux centre", "du vieux centre"),
          ("près du marché couvert", "du marché couvert"), ("sur la place de la mairie", "de la place de la mairie")],
    "t": [("en centre-ville", "du centre-ville"), ("dans le quartier de la gare", "du quartier de la gare"),
          ("dans un quartier prioritaire", "d'un quartier prioritaire"),
          ("dans un ancien quartier ouvrier", "d'un ancien quartier ouvrier"),
          ("près du campus", "du quartier universitaire"), ("dans la zone d'activités nord", "de la zone d'activités nord"),
          ("dans le faubourg", "du faubourg")],
    "b": [("dans un quartier populaire de l'est de la ville", "d'un quartier populaire de l'est de la ville"),
          ("dans le quartier de la gare", "du quartier de la gare"), ("en plein centre-ville", "du centre-ville"),
          ("dans un ancien quartier industriel", "d'un ancien quartier industriel"),
          ("près du campus universitaire", "du quartier universitaire"),
          ("dans un quartier prioritaire du nord de la ville", "d'un quartier prioritaire du nord de la ville"),
          ("sur les bords du canal", "des bords du canal")],
}

FOUNDERS = [
    "Trois amis d'enfance", "Des enseignants du collège voisin", "D'anciens salariés de la filature",
    "Des parents d'élèves", "Deux ingénieurs et une designer", "Des passionnés de modélisme",
    "Des membres du club de robotique", "Une menuisière et un électronicien", "Quelques artisans du coin",
    "Des étudiants en design",
]

PORTEURS = {
    "espace_mediation": ["la ville", "la communauté de communes", "le centre communal d'action sociale",
                         "une association d'éducation populaire", "le conseil départemental"],
    "labo_innovation": ["la communauté d'agglomération", "le conseil départemental", "la région",
                        "la chambre de commerce et d'industrie", "l'université", "un groupement de collectivités"],
    "espace_formation": ["la chambre de métiers et de l'artisanat", "un groupement d'organismes de formation",
                         "la région", "le réseau des lycées professionnels du secteur",
                         "une association d'éducation populaire"],
}

FIRST_NAMES = {
    None: [("Camille", "f"), ("Thomas", "m"), ("Inès", "f"), ("Karim", "m"), ("Sophie", "f"), ("Julien", "m"),
           ("Léa", "f"), ("Mehdi", "m"), ("Chloé", "f"), ("Romain", "m"), ("Aïcha", "f"), ("Nicolas", "m"),
           ("Manon", "f"), ("Bastien", "m"), ("Sarah", "f"), ("Antoine", "m"), ("Fatou", "f"), ("Hugo", "m"),
           ("Élodie", "f"), ("Samir", "m"), ("Pauline", "f"), ("Maxime", "m"), ("Clémence", "f"),
           ("Youssef", "m"), ("Margaux", "f"), ("Vincent", "m"), ("Laure", "f"), ("Damien", "m"),
           ("Nadia", "f"), ("Guillaume", "m")],
    "bzh": [("Gwenaëlle", "f"), ("Yann", "m"), ("Erwan", "m"), ("Maïwenn", "f"), ("Loïc", "m"),
            ("Nolwenn", "f"), ("Gaël", "m"), ("Soizic", "f"), ("Tanguy", "m"), ("Anaïg", "f"), ("Ronan", "m"),
            ("Klervi", "f")],
    "oc": [("Magali", "f"), ("Bernat", "m"), ("Estelle", "f"), ("Aurélien", "m"), ("Marion", "f"),
           ("Fabien", "m"), ("Mathilde", "f"), ("Jordi", "m")],
    "prov": [("Magali", "f"), ("Fabrice", "m"), ("Mireille", "f"), ("Marius", "m"), ("Sandrine", "f"),
             ("Olivier", "m")],
    "cat": [("Jordi", "m"), ("Laia", "f"), ("Núria", "f"), ("Pere", "m")],
    "basque": [("Peio", "m"), ("Maialen", "f"), ("Ander", "m"), ("Amaia", "f")],
    "alsace": [("Odile", "f"), ("Aloïs", "m"), ("Théo", "m"), ("Anne", "f"), ("Mathis", "m"), ("Lina", "f")],
    "corse": [("Paulu", "m"), ("Ghjulia", "f"), ("Ange", "m"), ("Marie-Ange", "f"), ("Petru", "m")],
    "antilles": [("Jocelyn", "m"), ("Ludivine", "f"), ("Maëva", "f"), ("Steeve", "m"), ("Nadège", "f"),
                 ("Harry", "m"), ("Katia", "f"), ("Wilfried", "m")],
    "guyane": [("Mickaël", "m"), ("Lyvia", "f"), ("Jessy", "m"), ("Sandrine", "f"), ("Rudy", "m")],
    "reunion": [("Mélissa", "f"), ("Dimitri", "m"), ("Nathalie", "f"), ("Kévin", "m"), ("Christelle", "f"),
                ("Fabrice", "m"), ("Sully", "m")],
    "mayotte": [("Zaïnaba", "f"), ("Soilihi", "m"), ("Mariama", "f"), ("Ibrahim", "m"), ("Fatima", "f"),
                ("Abdou", "m")],
}

# -- names -------------------------------------------------------------------------

GENERIC_NAMES = {
    "fablab": [
        "La Fabrique à Idées", "L'Établi numérique", "Copeaux & Octets", "Proto'Lab", "Le Bidouilloir",
        "Octet & Sciure", "Le Labo des Possibles", "Vis & Bits", "Le Chantier numérique", "Fil & Pixel",
        "La Forge numérique", "Atelier Rouages", "Le Fabricarium", "Le Tournevis", "Le Garage à Projets",
        "La Cabane à Prototypes", "L'Atelier des Bidouilleurs", "L'Écrou", "Le Pixel Fendu",
        "Mécanique Douce", "L'Étincelle", "Le Grand Établi", "La Boîte à Makers",
        "Le Petit Atelier Numérique", "La Manufacture des Curieux", "L'Atelier Pas Sage", "Bric & Broc Lab",
        "Le Fab'Coin", "Le Labo d'à Côté", "L'Atelier des Petites Mains", "Le Tiroir à Vis", "La Clé Plate",
        "Le Rabot Numérique", "Le Lab'Oratoire", "Atelier Bêta", "La Pièce Manquante", "Fab'Ensemble",
        "La Bricothèque", "L'Atelier du Faire", "Octopus Lab", "Le Labo Sauvage", "La Bobine",
        "Le Club des Makers du Dimanche", "Le Cric", "L'Engrenage", "La Perceuse Joyeuse", "Le Fil à Plomb",
        "Atelier Gamma", "La Ruche à Makers", "Le Labo du Coin", "Tournevis & Tableur", "Le Boulon Libre",
        "La Fabrique des Petits Riens", "L'Atelier Ouvert", "Makerspace du Pont", "Le Bricolab",
        "L'Atelier Coquelicot", "La Fabricole", "Le Repaire des Copains", "Le Hacklab des Tilleuls",
    ],
    "tiers_lieu": [
        "La Ruche", "Le Hangar", "La Grange Partagée", "L'Atelier du Coin", "Le Relais", "La Station",
        "La Filature", "Le Quai", "La Maison des Communs", "Le Lavoir", "La Coopé", "Le Moulin des Possibles",
        "La Halle", "Le Bercail", "La Smala", "L'Escale", "La Fourmilière", "Le Nid", "La Basse-Cour",
        "La Ferme des Octets", "La Cour Commune", "L'Entrepôt", "La Bascule", "Le Grenier", "La Remise",
        "L'Auberge des Projets", "Le Préau", "La Gare aux Idées", "Le Square", "L'Îlot", "La Volière",
        "Le Comptoir", "Le Quartier Général", "La Serre", "La Fabrique du Bourg", "Le Bazar Commun",
        "La Maison Pop'", "Le Local", "La Base", "La Cantine des Makers", "Le Rucher", "La Source",
        "La Coop du Coin", "L'Aiguillage", "Le Tiers-Temps", "La Clairière",
    ],
    "espace_mediation": [
        "Le Point Clic", "La Passerelle numérique", "Le Déclic", "Clic & Lien", "L'Escale numérique",
        "La Maison du Numérique", "Numéri'Cité", "Le Point Rencontre Numérique", "L'Arobase",
        "Le Clavier Partagé", "Bouton Marche", "Le Pas à Pas numérique", "Connect'Âges", "Le Fil Numérique",
        "À Portée de Clic", "Le Relais Numérique", "L'Écran Partagé", "Le Café des Écrans",
        "Pixels & Papotes", "Clic Solidaire", "L'Atelier du Clic", "Numérique Pour Tous",
        "La Boussole numérique", "Le Coin Connecté", "L'Appui numérique", "Le Trait d'Union numérique",
        "Souris & Compagnie", "La Borne",
    ],
    "atelier_pro": [
        "Usinage & Proto", "ProtoMéca", "Métal & Forme", "Atelier Précis", "Ateliers Réunis",
        "Maquettes & Moules", "Cap Proto", "Tôle & Fil", "Forme & Matière", "Série Courte",
        "Micro-Méca Services", "Atelier Laser & Métal", "Additiv'Pièces", "Prototypes & Cie", "Proto Express",
        "Atelier Pièce Unique", "MécaNova", "Axiome Prototypes", "Vecteur Fabrication", "Géode Industrie",
        "Ligne Droite Usinage", "ProtoBox", "Alliage Prototypage", "Quadra Proto", "Atelier Isocèle",
        "Facette 3D", "Copeau Fin", "Atelier Millimètre", "Tournesol Mécanique", "Strate & Pièce",
        "Orbe Prototypage", "Le Comptoir des Pièces", "Atelier Cote & Forme", "Prisme Fabrication",
    ],
    "labo_innovation": [
        "Le Lab Territorial", "Le Labo des Usages", "Cap Innovation", "La Fabrique des Transitions",
        "Lab'Ouvert", "Le Laboratoire d'Idées", "Hub Créatif", "Le Campus des Idées", "Territoires en Fabrique",
        "TransfoLab", "Le Labo Commun", "Synapse Lab", "Le Prisme", "Lab'Horizon", "L'Incubateur des Communs",
        "Le Carrefour des Idées", "Labo 2030", "Le Labo des Futurs", "Idées en Chantier", "Le Sas",
        "Cap Demain", "Le Labo Boussole",
    ],
    "espace_formation": [
        "L'École du Faire", "Fab'Formation", "La Manufacture des Savoirs", "Apprentis Makers",
        "Le Pôle Formation Fabrication", "L'Atelier-École", "Le Campus Numérique", "Savoir-Fab",
        "Le Centre des Métiers du Numérique", "Mains & Machines", "Le Campus du Geste", "L'Établi-École",
        "Forma'Proto", "Le Plateau Technique", "L'Académie des Makers", "Le Chantier-École",
        "Geste & Code", "Le Pôle des Métiers", "Compétences Fab", "L'École de la Matière",
    ],
}

REGIONAL_NAMES = {
    "bzh": [("Ti Ober", ()), ("Ti Kreiz", ()), ("Krouiñ Lab", FT + LAB), ("Ober Lab", FT), ("Kevre", MED + TIERS),
            ("Ti ar Fabrik", FT), ("An Ti Labour", FT + PRO), ("Mor Lab", LAB + FAB), ("L'Aber numérique", MED + FT),
            ("Le Penty numérique", MED + TIERS), ("La Longère", TIERS), ("Skol Ober", FORM),
            ("La Criée numérique", FT), ("Le Cabestan", FT + PRO), ("L'Estran", TIERS + FAB)],
    "oc": [("L'Ostal", TIERS + MED), ("L'Obrador", FT + PRO), ("La Fabrica", FT), ("Lo Talhièr", FT),
           ("Fai-lo", FT), ("L'Ostal numeric", MED), ("Le Pigeonnier", TIERS), ("Le Séchoir", TIERS + FAB),
           ("La Bòria", TIERS), ("L'Escòla del Far", FORM)],
    "prov": [("L'Oustau", TIERS + MED), ("Le Cabanon numérique", FT + MED), ("La Bastide", TIERS),
             ("Le Mas des Makers", FT), ("La Restanque", FT), ("Le Mistral Lab", LAB + FAB)],
    "cat": [("El Taller", FT), ("La Masia numérique", TIERS + MED)],
    "basque": [("Lantegi", FT + PRO), ("Sortu Lab", LAB + FAB), ("L'Etxe", TIERS + MED)],
    "alsace": [("La Werkstatt", FT + PRO), ("La Stub numérique", MED + TIERS), ("Le Bastel'Lab", FT)],
    "lorraine": [("Le Haut-Fourneau", FT), ("Le Carreau", TIERS), ("L'Aciérie numérique", FT + FORM),
                 ("Le Chevalement", TIERS + FAB)],
    "nord": [("L'Estaminet numérique", TIERS + MED), ("La Courée", TIERS + FAB), ("Le Terril", FT),
             ("Le Beffroi Lab", LAB + FAB)],
    "corse": [("A Forgia", FT + PRO), ("Fà Lab", FT + LAB), ("A Casa Cumuna", TIERS + MED)],
    "antilles": [("Lakou Fab", FT), ("Koudmen Lab", FT + LAB), ("Ti Kaz Fab", FT + MED), ("Bwa & Bits", FT),
                 ("Lakou Digital", MED + TIERS), ("Kaz'Atelier", FT + FORM)],
    "guyane": [("Le Karbet numérique", FT + MED), ("Karbet Lab", FT + LAB)],
    "reunion": [("La Kaz Numérik", MED + FT), ("Lakour Fab", FT), ("Ti Kaz", TIERS), ("Kartié Lab", FT + LAB),
                ("Kaz Marmay", MED), ("Varangue Lab", FT + TIERS)],
    "mayotte": [("Fundi Lab", FT + FORM + PRO), ("Le Banga numérique", MED + TIERS + FAB)],
    "alpes": [("Le Refuge numérique", MED + TIERS), ("La Grange d'en Haut", TIERS), ("Le Chalet des Makers", FT),
              ("Le Col", LAB + FAB)],
    "normandie": [("Le Pressoir", FT), ("La Chaumière numérique", MED + TIERS), ("Le Clos", TIERS),
                  ("Le Phare", FT + LAB)],
    "gironde": [("Le Chai numérique", FT), ("L'Échoppe", TIERS + MED), ("La Cale", FT + PRO)],
    "lyon": [("La Traboule", FT + TIERS), ("Le Canut Lab", FT)],
    "loire": [("La Gabare", FT + TIERS), ("Le Tuffeau", FT), ("La Toue", TIERS)],
    "auvergne": [("Le Buron", TIERS + FAB), ("La Burle", FT)],
    "champagne": [("La Cuverie", FT + TIERS), ("Le Cellier numérique", MED + FT)],
}

COMMUNE_NAME_PATTERNS = {
    "fablab": [("Fablab {de_ville_n}", "Le Fablab {de_ville_n}"), ("Le Labo {de_ville_n}", ""),
               ("{ville_n} Fablab", ""), ("Le Fab {de_ville_n}", ""), ("{ville_n} Makers", ""),
               ("Le Repaire des bidouilleurs {de_ville_n}", "")],
    "tiers_lieu": [("La Fabrique {de_ville_n}", ""), ("La Maison commune {de_ville_n}", ""),
                   ("{ville_n} en Commun", ""), ("La Coop {de_ville_n}", ""),
                   ("Tiers-lieu {de_ville_n}", "Le Tiers-lieu {de_ville_n}")],
    "espace_mediation": [("Espace public numérique {de_ville_n}", "L'Espace public numérique {de_ville_n}"),
                         ("Maison du numérique {de_ville_n}", "La Maison du numérique {de_ville_n}"),
                         ("Point numérique {de_ville_n}", "Le Point numérique {de_ville_n}"),
                         ("{ville_n} Connectée", "")],
    "atelier_pro": [("{ville_n} Prototypage", ""), ("Proto {ville_n}", ""),
                    ("{ville_n} Précision", ""),
                    ("Méca-Proto {ville_n}", "")],
    "labo_innovation": [("Living Lab {de_ville_n}", "Le Living Lab {de_ville_n}"),
                        ("Lab territorial {de_ville_n}", "Le Lab territorial {de_ville_n}"),
                        ("{ville_n} Innovation Lab", ""),
                        ("Laboratoire des usages {de_ville_n}", "Le Laboratoire des usages {de_ville_n}")],
    "espace_formation": [("Campus de la fabrication {de_ville_n}", "Le Campus de la fabrication {de_ville_n}"),
                         ("Plateforme technologique {de_ville_n}", "La Plateforme technologique {de_ville_n}"),
                         ("École du faire {de_ville_n}", "L'École du faire {de_ville_n}"),
                         ("Atelier-école {de_ville_n}", "L'Atelier-école {de_ville_n}")],
}

_ADDITIVE = ("impression_3d_fdm", "impression_3d_resine", "impression_3d_poudre")
_WOOD = ("menuiserie", "fraisage_cnc_bois")
#: names that promise a technique: the workshop must carry one of these codes
NAME_REQUIRES = {
    "Atelier Laser & Métal": ("marquage_laser_metal",), "Usinage & Proto": ("usinage_metal",),
    "Ligne Droite Usinage": ("usinage_metal",), "Tôle & Fil": ("metallerie_soudure",),
    "Métal & Forme": ("usinage_metal", "metallerie_soudure"), "Micro-Méca Services": ("fraisage_precision", "usinage_metal"),
    "Atelier Millimètre": ("fraisage_precision", "usinage_metal"), "Copeau Fin": ("usinage_metal", "fraisage_precision"),
    "Maquettes & Moules": ("moulage", "thermoformage"), "Additiv'Pièces": _ADDITIVE, "Facette 3D": _ADDITIVE,
    "Strate & Pièce": _ADDITIVE, "Série Courte": ("petite_serie",), "Octet & Sciure": _WOOD,
    "Copeaux & Octets": _WOOD, "Le Rabot Numérique": _WOOD, "Bwa & Bits": _WOOD, "Fil & Pixel": ("textile_numerique",),
    "La Bobine": ("textile_numerique",), "Le Canut Lab": ("textile_numerique",), "Proto Express": ("accompagnement_prototypage",),
    "Cap Proto": ("accompagnement_prototypage",), "ProtoMéca": ("usinage_metal", "fraisage_precision"),
    "Le Dé à Coudre": ("textile_numerique",), "La Forge numérique": ("metallerie_soudure", "usinage_metal"),
    "A Forgia": ("metallerie_soudure", "usinage_metal"), "Le Haut-Fourneau": ("metallerie_soudure",),
    "L'Aciérie numérique": ("metallerie_soudure", "usinage_metal"),
}


def name_fits(name: str, caps: list[str]) -> bool:
    need = NAME_REQUIRES.get(name)
    return not need or any(c in caps for c in need)


NAME_PARTS = {
    "espace_mediation": (
        [("Le Point", "m"), ("La Passerelle", "f"), ("Le Relais", "m"), ("L'Escale", "f"), ("La Maison", "f"),
         ("Le Carrefour", "m"), ("La Porte", "f"), ("Le Pont", "m")],
        [("numérique", "numérique"), ("connecté", "connectée"), ("des Clics", "des Clics"),
         ("des Écrans", "des Écrans"), ("solidaire", "solidaire"), ("du Numérique", "du Numérique"),
         ("Pas à Pas", "Pas à Pas"), ("des Savoirs numériques", "des Savoirs numériques")],
    ),
    "atelier_pro": (
        [("Axe", "m"), ("Proto", "m"), ("Méca", "f"), ("Forme", "f"), ("Série", "f"), ("Cap", "m"),
         ("Usinage", "m"), ("Fabrication", "f")],
        [("Précision", "Précision"), ("Concept", "Concept"), ("Industrie", "Industrie"), ("Express", "Express"),
         ("Système", "Système"), ("Technique", "Technique"), ("Avenir", "Avenir"), ("Ouest", "Ouest"),
         ("Est", "Est"), ("Sud", "Sud"), ("Horizon", "Horizon"), ("Services", "Services")],
    ),
    "labo_innovation": (
        [("Le Lab", "m"), ("Le Labo", "m"), ("La Fabrique", "f"), ("Le Studio", "m"), ("Le Hub", "m"),
         ("La Plateforme", "f")],
        [("des Usages", "des Usages"), ("des Transitions", "des Transitions"), ("d'Idées", "d'Idées"),
         ("des Territoires", "des Territoires"), ("des Communs", "des Communs"), ("ouvert", "ouverte"),
         ("des Futurs", "des Futurs"), ("citoyen", "citoyenne"), ("des Possibles", "des Possibles")],
    ),
    "espace_formation": (
        [("L'École", "f"), ("Le Campus", "m"), ("L'Académie", "f"), ("Le Pôle", "m"), ("La Plateforme", "f"),
         ("Le Centre", "m")],
        [("du Faire", "du Faire"), ("des Métiers du numérique", "des Métiers du numérique"),
         ("des Makers", "des Makers"), ("de la Fabrication", "de la Fabrication"), ("technique", "technique"),
         ("des Savoir-faire", "des Savoir-faire"), ("du Geste", "du Geste"), ("des Compétences", "des Compétences")],
    ),
}
NAME_HEADS = [("La Fabrique", "f"), ("L'Établi", "m"), ("Le Hangar", "m"), ("La Ruche", "f"), ("La Grange", "f"),
              ("La Forge", "f"), ("Le Garage", "m"), ("La Cabane", "f"), ("La Manufacture", "f"), ("Le Bocal", "m"),
              ("Le Chantier", "m"), ("La Serre", "f"), ("Le Dock", "m"), ("Le Nid", "m"), ("La Boîte", "f"),
              ("La Remise", "f"), ("Le Local", "m")]
NAME_TAILS = [("numérique", "numérique"), ("partagé", "partagée"), ("des Possibles", "des Possibles"),
              ("à Idées", "à Idées"), ("à Projets", "à Projets"), ("du Faire", "du Faire"),
              ("des Makers", "des Makers"), ("commun", "commune"), ("du Coin", "du Coin"),
              ("des Curieux", "des Curieux"), ("des Bricoleurs", "des Bricoleurs"), ("ouvert", "ouverte"),
              ("des Savoirs", "des Savoirs"), ("des Transitions", "des Transitions"),
              ("à Bidouilles", "à Bidouilles"), ("solidaire", "solidaire")]

# -- machines: (tier, model, details, working area) ------------------------------------

MACHINES = {
    "impression_3d_fdm": [
        (1, "Prusa MK4", "Impression FDM, plateau 250 × 210 × 220 mm, buse 0,4 mm, PLA, PETG et TPU", "250 × 210 mm"),
        (1, "Prusa MK3S+", "Impression FDM, 250 × 210 × 210 mm, PLA et PETG", "250 × 210 mm"),
        (1, "Bambu Lab P1S", "FDM fermée, 256 × 256 × 256 mm, module multicolore AMS", "256 × 256 mm"),
        (2, "Bambu Lab X1 Carbon", "FDM fermée, 256 × 256 × 256 mm, buse en acier trempé pour filaments chargés", "256 × 256 mm"),
        (2, "Ultimaker S5", "FDM double extrusion, 330 × 240 × 300 mm, supports solubles PVA", "330 × 240 mm"),
        (1, "Ultimaker 2+", "FDM, 223 × 223 × 205 mm, PLA", "223 × 223 mm"),
        (2, "Raise3D Pro3", "FDM double extrusion fermée, 300 × 300 × 300 mm", "300 × 300 mm"),
        (1, "Creality K1 Max", "FDM rapide, 300 × 300 × 300 mm", "300 × 300 mm"),
        (1, "Creality Ender 3 V3", "FDM d'initiation, 220 × 220 × 250 mm", "220 × 220 mm"),
        (2, "Prusa XL 5 têtes", "FDM multimatière, 360 × 360 × 360 mm", "360 × 360 mm"),
        (3, "BigRep ONE", "FDM grand format, 1005 × 1005 × 1005 mm, PLA et PETG", "1 m × 1 m"),
        (3, "Markforged Mark Two", "FDM composite à fibre continue (carbone, verre, kevlar), 320 × 132 × 154 mm", "320 × 132 mm"),
        (1, "Voron 2.4 montée par les bénévoles", "FDM CoreXY fermée, 350 × 350 × 340 mm, ABS et ASA", "350 × 350 mm"),
        (1, "Snapmaker 2.0 A350", "Machine 3 en 1 utilisée en impression FDM, 320 × 350 × 330 mm", "320 × 350 mm"),
        (3, "Stratasys F170", "FDM industrielle, 254 × 254 × 254 mm, ABS et ASA, supports solubles", "254 × 254 mm"),
        (2, "Raise3D E2", "FDM à têtes indépendantes (IDEX), 330 × 240 × 240 mm", "330 × 240 mm"),
        (1, "Anycubic Kobra 2", "FDM, 220 × 220 × 250 mm", "220 × 220 mm"),
    ],
    "impression_3d_resine": [
        (2, "Formlabs Form 3+", "SLA, 145 × 145 × 185 mm, résines standard, tough et calcinable", "145 × 145 × 185 mm"),
        (2, "Formlabs Form 4", "MSLA, 200 × 125 × 210 mm, avec Form Wash et Form Cure", "200 × 125 × 210 mm"),
        (3, "Formlabs Form 3L", "SLA grand format, 335 × 200 × 300 mm", "335 × 200 × 300 mm"),
        (1, "Elegoo Saturn 3 Ultra", "MSLA 12K, 218 × 123 × 260 mm", "218 × 123 × 260 mm"),
        (1, "Anycubic Photon Mono M5s", "MSLA 12K, 200 × 123 × 218 mm", "200 × 123 × 218 mm"),
        (1, "Phrozen Sonic Mini 8K", "MSLA, 165 × 72 × 180 mm, idéale pour les figurines", "165 × 72 × 180 mm"),
        (2, "Prusa SL1S Speed", "MSLA, 127 × 80 × 150 mm, avec station CW1S", "127 × 80 × 150 mm"),
        (3, "Asiga Max", "DLP haute résolution (62 µm), 119 × 67 × 75 mm, résines castables", "119 × 67 × 75 mm"),
    ],
    "impression_3d_poudre": [
        (3, "EOS Formiga P 110", "Frittage laser (SLS), PA12 et PA11, 200 × 250 × 330 mm", "200 × 250 × 330 mm"),
        (3, "HP Jet Fusion 5200", "Multi Jet Fusion, PA12, 380 × 284 × 380 mm, station de dépoudrage", "380 × 284 × 380 mm"),
        (2, "Formlabs Fuse 1+ 30W", "SLS, Nylon 12 et Nylon 11, 165 × 165 × 300 mm, avec Fuse Sift", "165 × 165 × 300 mm"),
        (2, "Sinterit Lisa X", "SLS compacte, PA12, PA11 et TPE, 130 × 180 × 330 mm", "130 × 180 × 330 mm"),
        (3, "Prodways ProMaker P1000", "SLS, PA12 et PA11, 300 × 300 × 360 mm", "300 × 300 × 360 mm"),
        (3, "EOS M 290", "Fusion laser sur lit de poudre métallique (inox 316L, aluminium), 250 × 250 × 325 mm", "250 × 250 × 325 mm"),
    ],
    "decoupe_laser": [
        (2, "Trotec Speedy 400", "Laser CO2 120 W, plateau 1000 × 610 mm, bois, carton, PMMA et cuir jusqu'à 10 mm", "1000 × 610 mm"),
        (2, "Trotec Speedy 300", "Laser CO2 80 W, plateau 726 × 432 mm", "726 × 432 mm"),
        (1, "Trotec Speedy 100", "Laser CO2 60 W, plateau 610 × 305 mm", "610 × 305 mm"),
        (2, "Epilog Fusion Pro 32", "Laser CO2 80 W, 812 × 508 mm, caméra de positionnement", "812 × 508 mm"),
        (1, "Epilog Zing 24", "Laser CO2 40 W, 610 × 305 mm", "610 × 305 mm"),
        (2, "Universal Laser Systems VLS 4.60", "Laser CO2 60 W, 610 × 457 mm", "610 × 457 mm"),
        (1, "Glowforge Pro", "Laser CO2 45 W, 495 × 279 mm, fente passe-matière", "495 × 279 mm"),
        (1, "Thunder Laser Nova 51", "Laser CO2 100 W, grand plateau 1300 × 900 mm, piloté sous LightBurn, contreplaqué jusqu'à 12 mm", "1300 × 900 mm"),
        (1, "xTool P2", "Laser CO2 55 W, 600 × 308 mm, caméra intégrée", "600 × 308 mm"),
        (3, "BRM 100160", "Laser CO2 150 W, 1600 × 1000 mm, table à lamelles", "1600 × 1000 mm"),
        (2, "GCC LaserPro Spirit GLS", "Laser CO2 100 W, 1016 × 610 mm", "1016 × 610 mm"),
        (3, "Trotec SP500", "Laser CO2 200 W, 1245 × 710 mm", "1245 × 710 mm"),
    ],
    "marquage_laser_metal": [
        (2, "Trotec SpeedMarker 300", "Laser fibre 20 W, champ de marquage 190 × 190 mm, axe rotatif", "190 × 190 mm"),
        (1, "xTool F1 Ultra", "Laser fibre 20 W et diode, champ 100 × 100 mm", "100 × 100 mm"),
        (2, "Cloudray MOPA 60", "Laser fibre MOPA 60 W (source JPT), marquage couleur sur inox, gravure profonde, champ 175 × 175 mm", "175 × 175 mm"),
        (3, "Gravotech LW2", "Station de marquage laser fibre avec porte-pièces motorisé", "160 × 160 mm"),
        (3, "Trotec SpeedMarker 700", "Laser fibre 50 W en cabine, marquage de séries", "300 × 300 mm"),
        (1, "Cloudray QD-30", "Laser fibre 30 W de table (source Raycus), champ 150 × 150 mm, acier, aluminium anodisé, laiton", "150 × 150 mm"),
    ],
    "fraisage_cnc_bois": [
        (2, "ShopBot PRSalpha 96-48", "Fraiseuse 3 axes, 2440 × 1220 mm, broche 2,2 kW", "2440 × 1220 mm"),
        (1, "ShopBot Desktop", "Fraiseuse 3 axes de table, 610 × 457 mm", "610 × 457 mm"),
        (1, "Shaper Origin", "Défonceuse portative guidée par ordinateur, profondeur de coupe 43 mm", ""),
        (1, "Stepcraft D.600", "Fraiseuse de table, 600 × 420 mm, bois, plastiques, aluminium tendre", "600 × 420 mm"),
        (2, "Charlyrobot CRP 1000", "Fraiseuse 3 axes, 1000 × 600 mm", "1000 × 600 mm"),
        (3, "MultiCam 1000 2513", "Fraiseuse industrielle 3 axes, 2500 × 1300 mm, table aspirante, changeur d'outils", "2500 × 1300 mm"),
        (2, "Fraiseuse grand format construite sur place", "Broche 3 kW, 2500 × 1250 mm, plans libres publiés", "2500 × 1250 mm"),
        (1, "Onefinity Woodworker X-50", "Fraiseuse de table, 816 × 816 mm", "816 × 816 mm"),
        (2, "Laguna SmartShop II", "Fraiseuse 3 axes, 2440 × 1220 mm, table à dépression", "2440 × 1220 mm"),
        (3, "Biesse Rover A", "Centre d'usinage CN pour panneaux, 3100 × 1300 mm, changeur d'outils", "3100 × 1300 mm"),
    ],
    "usinage_metal": [
        (3, "Haas Mini Mill", "Centre d'usinage vertical 3 axes, courses 406 × 305 × 254 mm", "406 × 305 × 254 mm"),
        (3, "Haas ST-10", "Tour à commande numérique, diamètre de passage 356 mm", "Ø 356 mm"),
        (3, "Haas TM-1", "Fraiseuse CN, courses 762 × 305 × 406 mm", "762 × 305 × 406 mm"),
        (2, "Tour conventionnel Cazeneuve HB 500", "Entre-pointes 1000 mm, pour reprises et pièces unitaires", "1000 mm entre pointes"),
        (2, "Fraiseuse conventionnelle Huron", "Table 1100 × 250 mm, visualisation numérique", "1100 × 250 mm"),
        (3, "DMG Mori CMX 600 V", "Centre d'usinage vertical, courses 600 × 560 × 510 mm", "600 × 560 × 510 mm"),
        (2, "Emco Concept Turn 250", "Tour CN pédagogique, diamètre 250 mm", "Ø 250 mm"),
        (2, "Tormach 1100MX", "Fraiseuse CN, courses 457 × 279 × 413 mm, aluminium et acier", "457 × 279 × 413 mm"),
    ],
    "fraisage_precision": [
        (2, "Roland MDX-50", "Fraiseuse de précision 4 axes, 400 × 305 × 135 mm, cire, résine, plastiques", "400 × 305 mm"),
        (2, "Roland MDX-540", "Fraiseuse de précision, 500 × 400 × 155 mm", "500 × 400 mm"),
        (3, "Datron neo", "Fraiseuse haute vitesse, 520 × 420 × 220 mm, aluminium et laiton au centième", "520 × 420 mm"),
        (3, "Hermle C 22", "Centre d'usinage 5 axes, courses 450 × 600 × 330 mm", "450 × 600 × 330 mm"),
        (1, "Bantam Tools Desktop CNC", "Fraiseuse de précision de table, 140 × 114 × 35 mm", "140 × 114 mm"),
        (2, "Makera Carvera", "Fraiseuse de bureau à changeur d'outils automatique, 360 × 240 mm", "360 × 240 mm"),
        (3, "Kern Micro", "Centre de micro-usinage 5 axes, précision ± 1 µm", "300 × 280 × 250 mm"),
    ],
    "decoupe_vinyle": [
        (2, "Roland GS2-24", "Plotter de découpe, laize 584 mm", "584 mm"),
        (2, "Roland CAMM-1 GS-24", "Plotter de découpe, laize 584 mm, vinyle et flex", "584 mm"),
        (1, "Silhouette Cameo 5", "Plotter de bureau, 305 mm de large, vinyle, flex, papier", "305 mm"),
        (1, "Cricut Maker 3", "Découpe vinyle, papier et tissu fin, 330 mm de large", "330 mm"),
        (3, "Graphtec CE7000-130", "Plotter de découpe grand format, laize 1300 mm", "1300 mm"),
        (2, "Summa S One D60", "Plotter de découpe, laize 600 mm, repérage optique", "600 mm"),
    ],
    "electronique": [
        (1, "Postes de soudure Weller WE1010 (×4)", "Stations 70 W, pannes fines pour composants traversants et CMS", ""),
        (2, "Oscilloscope Rigol DS1054Z", "4 voies, 50 MHz", ""),
        (1, "Kits Arduino, ESP32 et Raspberry Pi", "Cartes, capteurs, moteurs et afficheurs en prêt", ""),
        (2, "Station à air chaud Quick 861DW", "Dessoudage et reprise de composants CMS", ""),
        (2, "Alimentation de laboratoire Korad KA3005P", "0-30 V, 0-5 A", ""),
        (1, "Microscope de soudure binoculaire", "Grossissement de 7 à 45 fois", ""),
        (3, "Analyseur logique Saleae Logic Pro 16", "16 voies, 500 MS/s", ""),
    ],
    "fabrication_pcb": [
        (3, "LPKF ProtoMat S64", "Graveuse de circuits imprimés, 229 × 305 mm, simple et double face", "229 × 305 mm"),
        (2, "LPKF ProtoMat E34", "Graveuse mécanique de PCB, 229 × 305 mm", "229 × 305 mm"),
        (2, "Voltera V-One", "Impression de pistes conductrices et dépose de pâte à braser, 135 × 114 mm", "135 × 114 mm"),
        (1, "Bantam Tools PCB Milling Machine", "Gravure de PCB simple face, 140 × 114 mm", "140 × 114 mm"),
    ],
    "textile_numerique": [
        (2, "Brother PR1055X", "Brodeuse 10 aiguilles, cadre 360 × 200 mm, casquettes et tubulaire", "360 × 200 mm"),
        (2, "Brother PR680W", "Brodeuse 6 aiguilles, cadre 300 × 200 mm", "300 × 200 mm"),
        (1, "Brother Innov-is F580", "Machine à coudre et à broder, cadre 260 × 160 mm", "260 × 160 mm"),
        (1, "Janome MB-7", "Brodeuse 7 aiguilles, cadre 240 × 200 mm", "240 × 200 mm"),
        (1, "Bernina 790 Plus", "Machine à coudre et à broder, cadre 400 × 150 mm", "400 × 150 mm"),
        (3, "Tajima TMBR-SC", "Brodeuse industrielle 15 aiguilles, cadre 360 × 500 mm", "360 × 500 mm"),
    ],
    "thermoformage": [
        (1, "Mayku FormBox", "Thermoformeuse de table, feuilles 200 × 200 mm", "200 × 200 mm"),
        (2, "Mayku Multiplier", "Thermoformeuse de table sous pression, 430 × 280 mm", "430 × 280 mm"),
        (2, "Formech 508DT", "Thermoformeuse de table, 482 × 457 mm, feuilles jusqu'à 6 mm", "482 × 457 mm"),
        (3, "Formech 686", "Thermoformeuse semi-industrielle, 650 × 620 mm", "650 × 620 mm"),
        (1, "Vaquform DT2", "Thermoformeuse de bureau, 450 × 300 mm", "450 × 300 mm"),
    ],
    "moulage": [
        (1, "Cloche à vide Ø 30 cm et pompe bi-étagée", "Dégazage des silicones et des résines", ""),
        (2, "Pot de pression 10 L", "Coulée de résine sans bulles, 4 bars", ""),
        (3, "Machine de coulée sous vide", "Chambre 900 × 700 mm, résines polyuréthane bicomposant, mélange automatique", "900 × 700 mm"),
        (1, "Étuve de polymérisation 60 L", "Cuisson des moules et des résines jusqu'à 80 °C", ""),
    ],
    "scanner_3d": [
        (2, "Shining3D EinScan Pro HD", "Scanner 3D portable à lumière structurée, précision 0,04 mm", "objets de 3 cm à 4 m"),
        (1, "Shining3D EinScan SE", "Scanner 3D de bureau à plateau tournant", "objets de 3 à 70 cm"),
        (3, "Artec Eva", "Scanner 3D portable, précision 0,1 mm, texture couleur", "objets de 10 cm à plusieurs mètres"),
        (3, "Artec Leo", "Scanner 3D sans fil à écran intégré", "grands objets et personnes"),
        (1, "Revopoint POP 3", "Scanner 3D compact, précision 0,05 mm", "petits objets"),
        (1, "Creality CR-Scan Ferret Pro", "Scanner 3D portable", "objets de 15 cm à 2 m"),
        (3, "Creaform HandySCAN 3D", "Scanner laser métrologique, précision 0,025 mm", "pièces mécaniques"),
    ],
    "metallerie_soudure": [
        (2, "Poste MIG/MAG Lincoln Electric Powertec i250C", "Soudure acier et inox, 250 A", ""),
        (2, "Poste TIG Kemppi MasterTig 235ACDC", "Soudure acier, inox et aluminium", ""),
        (1, "Poste MIG GYS Smartmig 162", "Soudure au fil, 160 A, idéal pour débuter", ""),
        (2, "Découpeur plasma Hypertherm Powermax 45 XP", "Coupe jusqu'à 16 mm", ""),
        (3, "Table de découpe plasma CNC 3000 × 1500 mm", "Source Hypertherm Powermax 65, tôles jusqu'à 20 mm", "3000 × 1500 mm"),
        (1, "Plieuse manuelle 1250 mm", "Tôle acier jusqu'à 1,5 mm", ""),
    ],
    "menuiserie": [
        (2, "Scie à format Felder K 700", "Coupe jusqu'à 3 m, lame inclinable", ""),
        (2, "Combiné Hammer C3 31", "Scie, dégauchisseuse-raboteuse 310 mm et toupie", ""),
        (1, "Scie plongeante Festool TS 55 et rail de guidage", "Débit de panneaux", ""),
        (1, "Scie à ruban 400 mm", "Chantournage et délignage, hauteur de coupe 250 mm", ""),
        (2, "Dégauchisseuse-raboteuse Felder AD 741", "Largeur 410 mm", ""),
        (1, "Tour à bois Record Power", "Entre-pointes 900 mm", ""),
        (3, "Scie à format Altendorf F45", "Coupe 3,2 m, pour les panneaux d'agencement", ""),
    ],
}
#: machines named by what they are rather than by a model: not inserted inside sentences
GENERIC_MACHINE_WORDS = {
    "Postes", "Kits", "Station", "Alimentation", "Microscope", "Cloche", "Pot", "Machine", "Machines", "Étuve",
    "Balance", "Poste", "Découpeur", "Table", "Plieuse", "Cisaille", "Scie", "Combiné", "Dégauchisseuse-raboteuse", "Tour",
    "Fraiseuse", "Presse", "Four", "Surjeteuse", "Laser", "Oscilloscope", "Analyseur",
}
# second machines that are never the "main" one of a capability
MACHINE_EXTRAS = {
    "decoupe_vinyle": [(1, "Presse à chaud Secabo TC7", "Presse à transfert 40 × 50 cm pour le flex textile", "")],
    "fabrication_pcb": [(2, "Four de refusion T-962A", "Refusion CMS, zone 180 × 235 mm", ""),
                        (3, "Pick and place Neoden 4", "Placement automatique de composants CMS, 4 têtes", "")],
    "textile_numerique": [(1, "Surjeteuse Juki MO-654DE", "4 fils, pour jerseys et tricots", ""),
                          (1, "Machine à tricoter Brother KH-940", "Jacquard, pilotée par ordinateur", ""),
                          (1, "Machines à coudre Singer Heavy Duty (×3)", "Couture toutes épaisseurs", "")],
    "moulage": [(1, "Balance de précision et malaxeur", "Dosage des bicomposants au gramme près", "")],
    "metallerie_soudure": [(2, "Cisaille guillotine 2000 mm", "Tôle acier jusqu'à 3 mm", "")],
    "menuiserie": [(1, "Fraiseuse Domino Festool DF 500", "Assemblages par tourillons plats", "")],
    "impression_3d_resine": [(1, "Station de lavage et de post-cuisson", "Bac d'alcool isopropylique et lampe UV 405 nm", "")],
}

MATERIALS = {
    "impression_3d_fdm": ["PLA", "PETG", "TPU", "ABS", "ASA", "PLA recyclé"],
    "impression_3d_resine": ["résine standard", "résine transparente", "résine souple", "résine calcinable"],
    "impression_3d_poudre": ["PA12", "PA11", "TPU en poudre", "PA12 chargé verre"],
    "decoupe_laser": ["contreplaqué peuplier", "MDF", "PMMA (plexiglas)", "carton", "cuir", "feutre", "contreplaqué bouleau"],
    "marquage_laser_metal": ["inox", "aluminium anodisé", "laiton", "acier"],
    "fraisage_cnc_bois": ["contreplaqué bouleau", "MDF", "bois massif", "mousse polyuréthane", "PVC expansé", "OSB"],
    "usinage_metal": ["aluminium 6061", "aluminium 7075", "acier S235", "inox 316L", "laiton", "POM (Delrin)"],
    "fraisage_precision": ["laiton", "cire d'usinage", "POM (Delrin)", "PEEK", "aluminium"],
    "decoupe_vinyle": ["vinyle adhésif", "flex thermocollant", "vinyle réfléchissant", "papier"],
    "electronique": ["composants électroniques", "fil d'étain", "cartes Arduino"],
    "fabrication_pcb": ["FR4 simple face", "FR4 double face", "pâte à braser"],
    "textile_numerique": ["coton", "fil à broder polyester", "jersey", "feutrine", "fil conducteur"],
    "thermoformage": ["PETG en feuilles", "polystyrène choc", "ABS en feuilles", "PVC"],
    "moulage": ["silicone RTV", "résine polyuréthane", "plâtre", "jesmonite", "cire"],
    "metallerie_soudure": ["acier", "inox", "aluminium", "tôle galvanisée"],
    "menuiserie": ["chêne", "hêtre", "pin", "bois de récupération", "contreplaqué"],
}

SHORT_LABELS = {
    "impression_3d_fdm": "l'impression 3D", "impression_3d_resine": "l'impression résine",
    "impression_3d_poudre": "le frittage de poudre", "decoupe_laser": "la découpe laser",
    "marquage_laser_metal": "le marquage laser", "fraisage_cnc_bois": "la fraiseuse numérique",
    "usinage_metal": "l'usinage", "fraisage_precision": "le fraisage de précision",
    "decoupe_vinyle": "la découpe vinyle", "electronique": "l'électronique",
    "fabrication_pcb": "la fabrication de circuits imprimés", "textile_numerique": "la broderie numérique",
    "thermoformage": "le thermoformage", "moulage": "le moulage", "scanner_3d": "le scan 3D",
    "metallerie_soudure": "la soudure", "menuiserie": "la menuiserie",
}

EQUIP_NOUNS = {
    "impression_3d_fdm": ["des imprimantes 3D à filament", "un parc d'imprimantes 3D", "plusieurs imprimantes 3D FDM"],
    "impression_3d_resine": ["une imprimante 3D résine", "une imprimante résine haute définition"],
    "impression_3d_poudre": ["une imprimante 3D à frittage de poudre", "une imprimante SLS pour le polyamide"],
    "decoupe_laser": ["une découpeuse laser", "une découpeuse laser CO2", "un laser de découpe et de gravure"],
    "marquage_laser_metal": ["un laser fibre pour marquer le métal", "une station de marquage laser"],
    "fraisage_cnc_bois": ["une fraiseuse numérique", "une CNC grand format pour le bois", "une fraiseuse à commande numérique"],
    "usinage_metal": ["des machines-outils pour le métal", "un atelier d'usinage", "un centre d'usinage à commande numérique"],
    "fraisage_precision": ["une fraiseuse de précision", "une machine de micro-usinage"],
    "decoupe_vinyle": ["un plotter de découpe vinyle", "une découpeuse vinyle"],
    "electronique": ["un coin électronique", "des postes de soudure pour l'électronique", "un établi d'électronique"],
    "fabrication_pcb": ["une graveuse de circuits imprimés", "de quoi fabriquer des circuits imprimés"],
    "textile_numerique": ["une brodeuse numérique", "un espace couture avec brodeuse numérique", "des machines à coudre et à broder"],
    "thermoformage": ["une thermoformeuse", "une machine de thermoformage"],
    "moulage": ["un espace moulage", "du matériel de moulage et de coulée"],
    "scanner_3d": ["un scanner 3D", "un scanner 3D portable"],
    "metallerie_soudure": ["un atelier de soudure", "des postes de soudure MIG et TIG", "un espace métallerie"],
    "menuiserie": ["un atelier bois", "une menuiserie équipée", "des machines à bois"],
}

SERVICE_NOUNS = {
    "conception_cao": ["de l'aide à la conception 3D", "un accompagnement à la modélisation CAO", "de l'aide pour dessiner vos fichiers"],
    "accompagnement_prototypage": ["un accompagnement au prototypage", "un suivi de projet de l'idée au prototype"],
    "petite_serie": ["la fabrication de petites séries", "de la production en petite série"],
    "formation_fabrication": ["des formations aux machines", "des stages d'initiation à la fabrication numérique", "des formations pour les professionnels"],
    "atelier_innovation": ["des ateliers d'innovation", "des sessions d'idéation", "des hackathons"],
    "mediation_numerique": ["des permanences de médiation numérique", "un accompagnement aux démarches en ligne", "des ateliers d'initiation à l'ordinateur"],
    "coworking": ["un espace de coworking", "des postes de travail partagés", "des bureaux partagés avec salle de réunion"],
}

EQUIP_FRAMES = [
    D("On y trouve {eq}."),
    D("Le parc de machines comprend {eq}.", profs=FT + LAB + FORM + PRO),
    D("Côté équipement : {eq}."),
    D("Les adhérents ont accès à {eq}.", profs=FT),
    D("Dans l'atelier, {eq} attendent les projets.", tags="PL", profs=FT + LAB),
    D("L'équipement réunit {eq}.", tags="PL"),
    D("Vous y trouverez {eq}."),
    D("Pour fabriquer, {eq} sont à disposition.", tags="PL", profs=FT + LAB + FORM),
    D("Le parc machines compte {eq}.", profs=PRO),
    D("L'atelier de production rassemble {eq}.", tags="PL", profs=PRO),
    D("Les stagiaires s'exercent sur {eq}.", profs=FORM),
    D("Un petit coin fabrication propose aussi {eq}.", profs=MED),
    D("Pour s'initier à la fabrication, l'espace met à disposition {eq}.", profs=MED),
    D("Le lab s'appuie sur {eq}.", profs=LAB),
    D("Sur {surface} m², l'atelier regroupe {eq}.", profs=FT + FORM + PRO),
    D("Les machines ? {Eq}.", tags="PL", profs=FT),
]
EQUIP_MORE = ["On y trouve aussi {eq}.", "Complètent l'ensemble : {eq}.", "Sans oublier {eq}.",
              "L'atelier abrite également {eq}."]
SERVICE_FRAMES = [
    D("L'équipe propose aussi {sv}."),
    D("Au programme également : {sv}."),
    D("{Pn} propose également {sv}."),
    D("Côté accompagnement : {sv}."),
    D("À côté des machines, {pn} offre {sv}.", profs=FT + LAB + FORM + PRO),
    D("On peut aussi y trouver {sv}."),
    D("Les services ? {Sv}."),
    D("L'équipe accompagne aussi les projets : {sv}."),
    D("En plus des machines : {sv}.", caps=MACHINE_ORDER),
    D("{Pn} ne se limite pas aux machines : {sv} complètent l'offre.", tags="PL", caps=MACHINE_ORDER),
    D("Autour des machines, on trouve aussi {sv}.", caps=MACHINE_ORDER),
    D("L'offre comprend également {sv}."),
    D("L'entreprise propose aussi {sv}.", profs=PRO),
]

# -- service sentences: (template, tags). PRO = only for company-accepting workshops,
#    ASSO = only for workshops that do not take company projects. {m} = main machine
#    model, {zone} = its working area. [[a|b]] = alternatives. ---------------------------

SERVICES = {
    "impression_3d_fdm": [
        "Impression 3D FDM en PLA, PETG ou TPU.",
        "Impression 3D à filament, sur place ou à distance.",
        "Impression 3D FDM sur {m} : PLA, PETG et TPU, plateau de {zone}.",
        "Nous imprimons vos pièces en 3D par dépôt de fil, [[du porte-clés au boîtier technique|de la figurine à la pièce de rechange|du prototype à la pièce d'usage]].",
        "Accès libre aux imprimantes 3D à filament pour les adhérents formés ; le filament est facturé au poids ([[5|6|8]] centimes le gramme).",
        ("Pour les entreprises : impression 3D de pièces fonctionnelles en [[PETG, ASA ou nylon chargé carbone|PETG ou ABS|ASA résistant aux UV]], avec conseil sur l'orientation et le remplissage.", "PRO"),
        "Un parc de {m_n} imprimantes FDM ({m}) tourne en continu pour les projets des membres.",
        "Impression 3D en PLA de [[maquettes, figurines et pièces de rechange|jouets, supports et petits rangements|pièces de maquettes et de modélisme]] : apportez votre fichier STL ou venez le dessiner avec nous.",
        "Vous avez cassé [[un bouton de lave-linge|une pièce de vélo|un clip de store|une poignée de tiroir]] ? On la réimprime en 3D, en PLA ou en PETG.",
        "Impression 3D filament jusqu'à {zone} sur {m}.",
        ("Petites pièces techniques imprimées en FDM en [[48 h|trois jours|une semaine]], fichiers STEP ou STL acceptés.", "PRO"),
        "Impression 3D à la demande (PLA, PETG) : [[2|3|4]] € de l'heure machine, plus la matière.",
        "Initiation à l'impression 3D à filament pour débutants, [[le samedi matin|le mercredi après-midi|un soir par mois]] : du modèle simple au lancement de l'impression.",
        "Impressions 3D en PLA de couleur, idéales pour [[les maquettes de présentation|les pièces de jeux|les objets décoratifs]].",
        "Les adhérents peuvent lancer leurs impressions FDM en fin de journée et venir récupérer les pièces le lendemain.",
        "Impression 3D par fil fondu pour les écoles et les associations {du_dep}, à tarif solidaire.",
        ("Pièces de prototypage en ABS ou en PETG, imprimées en FDM puis poncées si besoin, pour valider une forme ou un assemblage.", "PRO"),
        "Impression 3D FDM ({m}) : nous vérifions votre fichier et vous conseillons la bonne matière avant de lancer.",
        ("Nous imprimons en filament technique (PETG, ASA, PA-CF) des gabarits, des supports et des outillages d'atelier pour les artisans et les PME.", "PRO"),
        ("Les imprimantes FDM sont réservées aux adhérents : une carte de [[10|15|20]] heures d'impression est en vente à l'accueil.", "ASSO"),
        "Bobines de PLA recyclé fabriquées à partir des chutes de l'atelier, pour des impressions 3D plus sobres.",
        "Impression 3D de pièces de rechange en PETG pour [[l'électroménager|les jouets|le mobilier|les vélos]], dans l'esprit du café réparation.",
        "Vous n'avez pas d'imprimante ? Envoyez votre STL, on l'imprime en PLA et on vous prévient quand c'est prêt.",
        "Filament PLA, PETG et TPU en [[une douzaine|une vingtaine|une trentaine]] de couleurs, vendu au gramme pour vos impressions 3D.",
        ("Impression 3D FDM de gabarits de perçage, de supports de capteurs et de pièces d'adaptation pour [[l'industrie|les ateliers de maintenance|les artisans]].", "PRO"),
        "Une imprimante 3D à filament est réservée aux [[enfants le mercredi|scolaires le jeudi|débutants le samedi]], avec un animateur.",
    ],
    "impression_3d_resine": [
        "Impression résine pour les petites pièces très détaillées.",
        "Impression 3D résine haute définition sur {m}, pour les pièces fines et les détails de moins d'un dixième de millimètre.",
        "Nous imprimons en résine [[les figurines, les bijoux et les petites pièces de précision|les miniatures de jeux de plateau|les pièces de maquettes ferroviaires]], lavées et post-polymérisées sur place.",
        ("Pour les entreprises : impression SLA de prototypes d'aspect (capots, boîtiers, pièces de démonstration) au rendu lisse.", "PRO"),
        "Imprimante résine ({m}) en accès accompagné uniquement : la manipulation des résines demande gants, lunettes et un peu de méthode.",
        "Résines standard, transparente, souple ou calcinable pour la bijouterie : on choisit ensemble celle qui convient.",
        "Tirages en résine de maquettes et de masters pour le moulage, volume utile {zone}.",
        "Impression 3D résine : [[10|12|15]] € de forfait, plus le volume de résine consommé.",
        ("Impression stéréolithographie de pièces de petite mécanique, d'optique ou d'horlogerie en petite quantité, sous [[cinq jours|une semaine|dix jours]].", "PRO"),
        "Vous voulez un rendu très fin ? Passez à l'imprimante résine, parfaite pour les miniatures et les pièces de joaillerie.",
        "Une station de lavage et de post-cuisson complète notre {m} pour des pièces en résine prêtes à l'emploi.",
        "Impression MSLA sur {m} : idéal pour les pièces très détaillées et les petits volumes.",
        "Atelier découverte de l'impression résine [[une fois par mois|chaque trimestre|pendant les vacances scolaires]], sur inscription.",
        ("Pour les créateurs et les marques : masters en résine calcinable pour la fonte à cire perdue.", "PRO"),
    ],
    "impression_3d_poudre": [
        "Frittage de poudre PA12, sans supports.",
        "Impression 3D par frittage laser de poudre (SLS) sur {m} : pièces en PA12 solides, sans supports, volume utile {zone}.",
        ("Pour les industriels : production de pièces fonctionnelles en polyamide PA12 ou PA11 par frittage de poudre, jusqu'à plusieurs centaines d'exemplaires.", "PRO"),
        "Nous imprimons en poudre de nylon les pièces complexes (charnières intégrées, canaux internes, assemblages mobiles) impossibles à obtenir autrement.",
        "Fabrication additive poudre ({m}) : devis sous 48 h, finition par microbillage et teinture noire en option.",
        "Pièces en PA12 imprimées par fusion de poudre, livrées sablées, en [[cinq|sept|dix]] jours ouvrés.",
        ("Validation de pièces techniques en frittage de poudre avant le passage en injection plastique.", "PRO"),
        "Impression SLS de boîtiers, clips et fixations pour les bureaux d'études {du_dep}.",
        "Conseil de conception pour la fabrication additive poudre : épaisseurs minimales, jeux fonctionnels, imbrication des pièces dans le bac.",
        ("Impression 3D poudre en petite série : un bac de {zone} accueille des dizaines de pièces en une seule fabrication.", "PRO"),
        "Pièces en polyamide chargé verre imprimées par frittage, pour les prototypes qui doivent encaisser des efforts.",
        ("Pour les entreprises : pièces de fin de série et pièces détachées en PA12, fabriquées à la demande par frittage de poudre, sans stock ni moule.", "PRO"),
    ],
    "decoupe_laser": [
        "Découpe laser du bois et du plexiglas.",
        "Gravure laser sur bois, cuir et verre.",
        "Découpe et gravure laser sur {m} (plateau {zone}) : contreplaqué, MDF, carton, PMMA et cuir.",
        "Nous découpons au laser vos pièces en bois, en carton ou en plexiglas jusqu'à [[6|8|10]] mm d'épaisseur.",
        ("Pour les entreprises : découpe laser de lettres, d'enseignes, de signalétique et de présentoirs, à partir de vos fichiers vectoriels (SVG, DXF, AI).", "PRO"),
        "Accès à la découpeuse laser en autonomie après une formation d'une heure, [[12|15|18|20]] € l'heure de machine.",
        "Gravure laser personnalisée sur [[bois, ardoise, verre ou cuir|bois et cuir|verre, ardoise et bambou]] : plaques, trophées, cadeaux.",
        ("Découpe laser sur devis en [[48 h|trois jours|une semaine]], matière fournie ou apportée par vos soins.", "PRO"),
        "Sur rendez-vous, un animateur vous aide à découper et à graver au laser vos plaques jusqu'à {zone}.",
        ("Séries de découpe laser pour les artisans et les commerçants : boîtes, coffrets, pochoirs, marque-pages, jusqu'à quelques centaines de pièces.", "PRO"),
        "Le [[mercredi après-midi|jeudi soir|samedi matin]], créneau libre sur la découpe laser pour les adhérents, sans réservation.",
        "Découpe laser CO2 ({zone}) : on vérifie ensemble votre fichier avant de lancer la coupe.",
        "Gravure et découpe laser de [[maquettes d'architecture|pièces de jeux de société|décors de théâtre|luminaires en kit]].",
        "Vous apportez votre planche, on la passe à la découpe laser : [[0,50|0,80|1]] € la minute de coupe.",
        ("Découpe laser pour la vitrine, l'enseigne ou le stand de votre entreprise : lettres en contreplaqué, logos en acrylique, panneaux ajourés.", "PRO"),
        "Petites découpes laser pour les projets d'écoles et d'associations, premier essai offert.",
        "Nous gravons au laser des tampons, des étiquettes en bois et des plaques de porte, à l'unité ou en quelques exemplaires.",
        ("La découpeuse laser est réservée aux adhérents formés ; les séances de prise en main ont lieu [[le jeudi soir|le samedi matin|deux fois par mois]].", "ASSO"),
        "Découpe laser de contreplaqué [[peuplier|bouleau]] en 3, 5 ou 8 mm, plaques disponibles à l'atelier.",
        "Nous découpons et gravons au laser [[des boîtes et des coffrets|des luminaires|des jeux en bois|des marque-places et des faire-part]] à partir de vos dessins, même à main levée.",
        "Découpe laser de [[feutre, de cuir et de tissu technique|carton et de papier épais|liège et de caoutchouc]] pour les créateurs et les costumiers.",
        "Formation express à la découpe laser [[le premier mardi du mois|le samedi matin|sur rendez-vous]], puis accès libre à la machine.",
        ("Prototypes d'emballages et de présentoirs découpés au laser en carton ou en PMMA, [[livrés à plat|assemblés|avec leur notice de montage]].", "PRO"),
        ("Lettres découpées au laser dans le contreplaqué ou le PMMA pour vos vitrines et vos enseignes, avec un bon à tirer avant la coupe.", "PRO"),
    ],
    "marquage_laser_metal": [
        "Marquage laser fibre sur inox et aluminium.",
        "Marquage laser sur métal avec {m} : numéros de série, logos et QR codes sur inox, aluminium anodisé ou laiton.",
        ("Pour les entreprises : marquage permanent de vos pièces, outillages et plaques signalétiques, de l'unité à quelques milliers.", "PRO"),
        "Gravure au laser fibre sur métal (champ de {zone}) : couteaux, médailles, plaques, outils.",
        "Nous marquons au laser fibre les pièces métalliques des artisans {du_dep} : traçabilité, personnalisation, décor.",
        "Marquage laser métal à partir de [[20|25|30]] € la série, fichier vectoriel fourni ou réalisé par nos soins.",
        ("Marquage de traçabilité (Datamatrix, numéro de lot) sur inox et acier, conforme aux exigences de vos clients.", "PRO"),
        "Gravure couleur sur inox et marquage noir profond sur aluminium anodisé avec notre laser fibre.",
        ("Personnalisation d'objets en métal (gourdes, stylos, mousquetons) par marquage laser, pour vos cadeaux clients ou vos événements.", "PRO"),
        "Le laser fibre est accessible aux adhérents formés pour marquer outils, bijoux et pièces de mécanique.",
        "Marquage laser fibre en [[24|48]] h pour les petites quantités, sur pièces plates ou cylindriques grâce à l'axe rotatif.",
    ],
    "fraisage_cnc_bois": [
        "Fraisage CNC de panneaux de bois.",
        "Fraisage numérique sur {m} (surface utile {zone}) : mobilier, panneaux, pièces en contreplaqué ou en bois massif.",
        "Nous usinons vos panneaux de bois à la CNC : pièces de [[mobilier, d'agencement ou de signalétique|mobilier et de jeux|cabanes, d'étagères et de bacs]].",
        ("Pour les entreprises : présentoirs, stands et agencements de boutique réalisés à la fraiseuse numérique, à partir de vos plans.", "PRO"),
        "Accès à la fraiseuse CNC après une formation sécurité de [[deux|trois]] heures, [[15|20|25]] € de l'heure.",
        "Fraisage du bois, du MDF, du PVC expansé et de l'aluminium tendre sur notre CNC.",
        "Mobilier en kit assemblé sans vis, fraisé en CNC dans du contreplaqué bouleau : on vous aide à adapter les modèles libres.",
        "Fraisage de panneaux jusqu'à {zone} avec {m} : contreplaqué, MDF, bois massif, plastiques techniques.",
        "Gravure et fraisage de [[plaques signalétiques|tampons|reliefs et bas-reliefs]] en bois sur la CNC de l'atelier.",
        ("Découpe CNC de pièces en série pour les menuisiers et agenceurs {du_dep}, fichiers DXF ou G-code acceptés.", "PRO"),
        "Fraisage CNC de moules et de gabarits en bois ou en mousse pour vos projets de stratification.",
        "Une journée « mon premier meuble à la CNC » est proposée [[chaque trimestre|deux fois par an|chaque mois]].",
        "Nous fraisons à la demande des pièces de jeux, des nichoirs et des bacs de jardin pour les écoles et les associations.",
        ("La fraiseuse numérique ({m}) est ouverte aux adhérents habilités, sur réservation d'un créneau de deux heures.", "ASSO"),
    ],
    "usinage_metal": [
        "Usinage d'aluminium, d'acier et de laiton.",
        "Usinage de pièces métalliques sur {m} : aluminium, acier, inox, laiton et plastiques techniques.",
        ("Pour les industriels : usinage de pièces unitaires ou de petites séries sur plan, avec contrôle dimensionnel.", "PRO"),
        "Tournage et fraisage de pièces de rechange introuvables pour [[machines agricoles|véhicules anciens|équipements de production]].",
        ("Nous usinons vos prototypes mécaniques en aluminium 6061 ou 7075 en [[cinq|huit|dix]] jours ouvrés.", "PRO"),
        "Atelier d'usinage conventionnel et à commande numérique (tour, fraiseuse, perceuse à colonne), accessible avec un encadrant.",
        "Usinage CN 3 axes à partir de vos fichiers STEP, programmation FAO comprise.",
        "Reprise d'usinage de pièces brutes, de fonderie ou imprimées en 3D : alésages, taraudages, surfaçages.",
        ("Usinage de montages et de gabarits pour vos lignes de production, livrés avec des plans à jour.", "PRO"),
        "Usinage métal sur devis : comptez [[55|60|65|75]] € de l'heure machine, programmation comprise.",
        "Initiation au tournage sur tour conventionnel, en petits groupes de trois.",
        ("Usinage sur {m} ({zone}) pour [[la mécanique|le nautisme|le matériel agricole|l'agroalimentaire]] et les bureaux d'études.", "PRO"),
    ],
    "fraisage_precision": [
        "Fraisage de précision au centième.",
        "Fraisage de précision sur {m} : tolérances au centième pour les pièces mécaniques de petite taille.",
        "Micro-usinage de cire, de résine et de métaux non ferreux pour la bijouterie et l'horlogerie.",
        ("Pour les entreprises : fraisage 5 axes de précision pour les pièces complexes en aluminium et en plastiques techniques, contrôlées au micromètre.", "PRO"),
        "Nous fraisons avec précision les moules prototypes, les inserts et les petites pièces d'optique.",
        "Fraiseuse de précision ({m}, course {zone}) pour les maquettes, les moules de coulée et les pièces d'horlogerie.",
        "Fraisage fin de Delrin, de PEEK et de laiton, avec une précision de quelques microns.",
        ("Pièces mécaniques de précision livrées sous dix jours avec un rapport de mesure.", "PRO"),
        "Gravure de précision de plaques, de tampons et de matrices, jusqu'au centième de millimètre.",
        "Le fraisage de précision est réservé aux projets encadrés par notre technicien, sur rendez-vous.",
        "Usinage de précision pour la recherche et les jeunes entreprises du matériel : supports optiques, pièces de capteurs.",
    ],
    "decoupe_vinyle": [
        "Découpe de vinyle adhésif et de flex.",
        "Découpe vinyle adhésif sur {m} : [[lettrage de vitrine, stickers, signalétique intérieure|autocollants, étiquettes et décors muraux|stickers et pochoirs]].",
        "Flocage textile : découpe de flex thermocollant et pressage sur [[t-shirts, sacs ou maillots|sweats et tote bags|tabliers et casquettes]].",
        ("Pour les commerçants : lettrage adhésif de vitrine et de véhicule, de la maquette à la pose.", "PRO"),
        "Nous découpons vos autocollants et vos pochoirs au plotter, en petite ou moyenne quantité.",
        "Plotter de découpe ({m}, laize {zone}) en libre accès après une courte prise en main.",
        "Stickers personnalisés pour les associations : fournissez le logo, on s'occupe de la vectorisation et de la découpe vinyle.",
        "Atelier « t-shirt floqué » pour les jeunes pendant les vacances scolaires.",
        "Découpe de vinyle et de flex : le rouleau est vendu au mètre ([[4|5|6]] € le mètre).",
        ("Lettrage adhésif et signalétique pour vos salons, stands et événements, découpés au plotter.", "PRO"),
        "Vinyle mat, brillant, pailleté ou réfléchissant : un nuancier est disponible à l'accueil.",
        "Pochoirs adhésifs découpés au plotter pour [[la peinture|le sablage|la gravure sur verre]].",
        "Un plotter de découpe ({m}) pour personnaliser [[cartes, étiquettes et emballages|mugs, boîtes et carnets|vitres et portes]].",
        ("Marquage adhésif des véhicules et des vitrines pour les artisans {du_dep}, en petite série.", "PRO"),
    ],
    "electronique": [
        "Soudure et réparation électronique.",
        "Initiation à Arduino et aux capteurs.",
        "Coin électronique équipé de postes de soudure, d'un oscilloscope et d'alimentations de laboratoire.",
        "Initiation à Arduino et aux capteurs : faire clignoter une LED, mesurer la température, piloter un moteur.",
        ("Pour les entreprises : maquettes électroniques fonctionnelles à base d'ESP32 ou de Raspberry Pi pour tester un objet connecté.", "PRO"),
        "Nous réparons l'électronique du quotidien lors du café réparation [[mensuel|du premier samedi du mois|du jeudi soir]] : [[grille-pain, radios, manettes|lampes, enceintes, chargeurs|jouets, radios, cafetières]].",
        "Stock de composants courants (résistances, LED, capteurs, microcontrôleurs) vendus au prix coûtant.",
        "Accompagnement sur vos projets électroniques : choix des composants, schéma, premiers programmes.",
        "Soudure à l'étain, station à air chaud et microscope pour les composants CMS.",
        "[[Domotique, robotique, instruments de musique|Robots, stations météo, jeux lumineux|Synthétiseurs, capteurs, petits automates]] : le club électronique se réunit [[le mardi soir|le jeudi soir|un samedi sur deux]].",
        "Prototypage électronique rapide : plaques d'essai, kits de capteurs et cartes de développement à disposition.",
        ("Instrumentation sur mesure (capteurs, enregistreurs de données, petits automates) pour vos ateliers ou vos essais.", "PRO"),
        "Programmation de microcontrôleurs et de cartes Raspberry Pi, du premier script au projet complet.",
        "Prêt de kits Arduino aux enseignants et aux animateurs, avec des fiches d'activités prêtes à l'emploi.",
        "Atelier électronique pour les [[8-12 ans|collégiens|familles]] : souder son premier circuit et repartir avec.",
        ("Pour les artisans et les PME : petits boîtiers de commande, minuteries et capteurs électroniques sur mesure, [[documentés et garantis|livrés avec leur schéma|testés avant livraison]].", "PRO"),
        "Réparation et modification d'appareils électroniques avec les bénévoles : [[diagnostic, remplacement de composants, soudure|changement de piles soudées, de condensateurs ou de connecteurs]].",
        "Cartes Arduino, Raspberry Pi et micro:bit en prêt pour [[les projets scolaires|les clubs de robotique|les projets des adhérents]], avec un coin électronique pour les tester.",
        "Électronique pour les arts et le spectacle : [[lumières, capteurs de mouvement, installations sonores|guirlandes pilotées, décors animés|instruments et contrôleurs MIDI]].",
    ],
    "fabrication_pcb": [
        "Gravure de PCB simple et double face.",
        "Fabrication de circuits imprimés simple et double face par gravure mécanique sur {m}.",
        ("Pour les entreprises : prototypes de cartes électroniques en [[48 h|trois jours|une semaine]], de la gravure du PCB au montage des composants.", "PRO"),
        "Nous gravons vos PCB à partir de fichiers Gerber (KiCad, Eagle, EasyEDA) et les perçons sur place.",
        "Four de refusion et pochoirs pour l'assemblage de cartes électroniques CMS en petite quantité.",
        "Circuits imprimés prototypes en FR4, pistes de 0,2 mm minimum, pour tester vos montages avant l'industrialisation.",
        "Formation KiCad : dessiner son schéma, router sa carte électronique et la graver dans la journée.",
        "Réalisation de cartes électroniques pour les projets pédagogiques et associatifs, à prix coûtant.",
        "PCB sur mesure : [[15|20|25]] € de forfait, plus la surface de FR4 utilisée.",
        "Montage et soudure de cartes électroniques : à la main, à l'air chaud ou au four de refusion selon les composants.",
        "Gravure de circuits imprimés ({m}, surface {zone}) pour les jeunes entreprises du matériel.",
    ],
    "textile_numerique": [
        "Broderie numérique de logos et d'écussons.",
        "Broderie numérique sur {m} : logos, écussons et personnalisation de vêtements.",
        "Atelier couture équipé de machines à coudre et d'une brodeuse numérique ({m}).",
        ("Pour les entreprises : broderie de logos sur polos, casquettes et tabliers, à partir de [[10|20|25]] pièces.", "PRO"),
        "Nous numérisons vos motifs pour la brodeuse, puis vous lancez la broderie vous-même.",
        "Textile connecté : coudre des LED et des capteurs dans un vêtement avec du fil conducteur.",
        "Café couture le [[mercredi|samedi|jeudi]] [[après-midi|soir]] : réparer, ajuster, transformer ses vêtements avec les machines de l'atelier.",
        "Patronage numérique et découpe de tissu pour les costumiers et les créateurs de mode {du_dep}.",
        "Broderie machine de patchs et d'écussons pour [[les clubs sportifs et les associations|les fanfares et les chorales|les écoles et les centres de loisirs]].",
        "Accès à la brodeuse ({m}, cadre {zone}) après une séance de prise en main.",
    ],
    "thermoformage": [
        "Thermoformage de petites coques et de blisters.",
        "Thermoformage sous vide sur {m} : blisters, coques, emballages et moules à chocolat.",
        ("Pour les entreprises : petites séries de coques et d'emballages thermoformés en PETG ou en polystyrène.", "PRO"),
        "Nous thermoformons des feuilles de plastique jusqu'à {zone} sur vos formes imprimées en 3D ou fraisées.",
        "Thermoformage de maquettes, de masques et de pièces de décor pour le spectacle.",
        "Une thermoformeuse de table permet de fabriquer des moules pour le savon, le béton ou le chocolat.",
        "Formage sous vide de feuilles de PETG, PVC ou ABS de 0,5 à [[3|4|6]] mm d'épaisseur.",
        ("Emballages thermoformés sur mesure pour présenter vos produits en salon.", "PRO"),
        "Initiation au thermoformage : préparer la forme, chauffer la feuille, démouler, le tout en une matinée.",
        "Thermoformage de coques de protection et de capots pour les prototypes.",
        "Thermoformage à la demande : [[15|20|25]] € la mise en route, puis quelques euros la feuille selon la matière.",
    ],
    "moulage": [
        "Moulage silicone et tirages en résine.",
        "Moulage silicone et coulée de résine polyuréthane pour reproduire vos pièces en quelques dizaines d'exemplaires.",
        "Nous réalisons le moule à partir de votre modèle imprimé en 3D, puis les tirages en [[résine, en plâtre ou en cire|résine teintée|plâtre ou en béton]].",
        ("Pour les entreprises : pièces coulées sous vide, teintées dans la masse, en [[dix|quinze]] jours environ.", "PRO"),
        "Dégazage sous vide des silicones et des résines pour des moulages sans bulles.",
        "Atelier moulage : reproduire [[un objet du patrimoine|un bouton ancien|une pièce de maquette|un jouet d'autrefois]].",
        "Moules en silicone alimentaire pour les pâtissiers et les chocolatiers {du_dep}.",
        "Coulée de béton, de jesmonite et de plâtre dans des moules imprimés ou fraisés, pour les designers et les architectes.",
        "Moulage de pièces en résine transparente : inclusions, lentilles, trophées.",
        "Matériaux de moulage vendus sur place : silicones, résines, agents démoulants.",
        "Moule silicone d'une petite pièce à partir de [[40|50|60]] €, tirages en résine facturés à l'unité.",
    ],
    "scanner_3d": [
        "Scan 3D de pièces et d'objets.",
        "Numérisation 3D d'objets et de pièces avec {m}, précision jusqu'à [[0,05|0,1]] mm.",
        ("Pour les entreprises : scan 3D de pièces existantes et reconstruction d'un modèle CAO exploitable (rétroconception).", "PRO"),
        "Nous scannons en 3D les pièces cassées pour les refaire à l'identique.",
        "Scanner 3D portable pour numériser [[des personnes, des sculptures ou de grands objets|des bustes et des statues|des meubles et des pièces de carrosserie]].",
        "Photogrammétrie et scan 3D pour le patrimoine {du_dep} : statues, objets de musée, éléments d'architecture.",
        "Scan 3D d'un buste et impression de la figurine : un atelier qui plaît toujours aux familles.",
        ("Contrôle dimensionnel par scan 3D et comparaison avec votre modèle CAO.", "PRO"),
        "Numérisation 3D à [[30|40|50]] € de l'heure, nettoyage du maillage compris.",
        "Prêt du scanner 3D ({m}) aux adhérents formés, pour leurs projets de reproduction ou de réparation.",
        "Scan 3D [[de pièces de moto ancienne|de pièces de bateau|d'outils anciens|de maquettes d'architecte]] pour les refaire ou les adapter.",
    ],
    "metallerie_soudure": [
        "Soudure de l'acier et de l'inox.",
        "Atelier métallerie pour souder, découper et plier l'acier, avec les conseils d'un ancien chaudronnier.",
        ("Pour les entreprises : petites structures métalliques, supports, châssis et chaudronnerie légère sur plan.", "PRO"),
        "Nous soudons l'acier, l'inox et l'aluminium pour vos prototypes et vos réparations.",
        "Initiation à la soudure au poste MIG, en petits groupes de [[trois|quatre]], [[le samedi|un soir par semaine]].",
        "Découpe plasma de tôles jusqu'à [[10|15|20]] mm et pliage jusqu'à 1,25 m de long.",
        "Accès encadré au poste de soudure ({m}) sur réservation, équipements de protection fournis.",
        "Ferronnerie et petite métallerie : [[garde-corps, mobilier, enseignes en acier|portails, tables et luminaires|supports de vélos et mobilier urbain]].",
        "Réparation de matériel agricole et de remorques par soudure, le samedi matin.",
        "Soudure et assemblage de cadres de vélos cargo, de remorques et de structures pour les festivals.",
    ],
    "menuiserie": [
        "Menuiserie et ébénisterie partagées.",
        "Mise à disposition d'établis et de machines à bois pour vos projets de menuiserie, [[à la demi-journée|à l'heure|au mois]].",
        ("Pour les artisans : débit et usinage de panneaux à la demande dans notre atelier de menuiserie.", "PRO"),
        "Atelier bois complet : machines stationnaires, outillage portatif et [[quatre|six|huit]] établis de menuisier.",
        "Menuiserie partagée : venez fabriquer vos meubles avec les machines de l'atelier et les conseils [[d'un menuisier|d'une ébéniste|des bénévoles]].",
        ("Pour les entreprises : agencement, mobilier sur mesure et présentoirs en bois massif ou en panneaux.", "PRO"),
        "Nous débitons et rabotons le bois brut pour vos projets de menuiserie, avec du bois local quand c'est possible.",
        "Stage d'initiation au travail du bois [[sur deux samedis|pendant les vacances|en cinq soirées]] : assemblages, ponçage, finitions.",
        "Tour à bois et outillage d'ébénisterie à disposition des adhérents formés.",
        "Réemploi : du bois de récupération (palettes, chutes de chantier) à disposition pour vos projets de menuiserie.",
        "Location de l'atelier bois à la demi-journée ([[20|25|30]] €), machines comprises.",
        "Petite ébénisterie et restauration de meubles, avec l'aide des bénévoles menuisiers.",
        "Menuiserie : débit, rabotage et assemblages pour vos meubles et vos aménagements, avec {m} et l'outillage portatif de l'atelier.",
        "Construction de [[cabanes, poulaillers et bacs potagers|tables, bancs et étagères|jeux en bois et mobilier d'extérieur]] dans l'atelier bois, seul ou accompagné.",
    ],
    "conception_cao": [
        "Modélisation 3D à la demande.",
        "Aide à la conception 3D sur [[Fusion 360, FreeCAD ou Onshape|FreeCAD|Onshape ou SolidWorks|Fusion 360]] : on part de votre croquis pour arriver au fichier prêt à fabriquer.",
        ("Pour les entreprises : conception CAO de pièces, de boîtiers et d'assemblages, plans et fichiers STEP livrés.", "PRO"),
        "Nous dessinons avec vous les fichiers de fabrication, même si vous partez [[d'une photo|d'un dessin à main levée|d'une pièce cassée]].",
        "Permanence CAO le [[mardi|mercredi|jeudi]] [[soir|après-midi]] : posez vos questions de modélisation à un bénévole.",
        "Modélisation 3D et dessin vectoriel ([[Inkscape, Illustrator|Inkscape|Blender et Inkscape]]) pour préparer vos projets.",
        "Conception de pièces sur mesure à partir de cotes relevées [[sur place|chez vous|sur l'objet d'origine]].",
        ("Bureau d'études : modélisation paramétrique, mise en plan et optimisation pour la fabrication.", "PRO"),
        "Cours de modélisation sur Tinkercad pour les débutants, puis [[FreeCAD|Fusion 360|Onshape]] pour aller plus loin.",
        ("Conception assistée par ordinateur : [[35|40|45|50|55]] € de l'heure pour les professionnels.", "PRO"),
        "Reprise de vos plans papier ou de vos fichiers existants pour les adapter à nos machines.",
        "[[Quatre|Six|Huit]] postes équipés de logiciels de CAO et de DAO sont en libre accès aux heures d'ouverture.",
        "Un bénévole ingénieur aide à concevoir les pièces mécaniques un peu complexes : [[engrenages, charnières, assemblages|clips, glissières et pas de vis|boîtiers et supports]].",
        ("Nous concevons pour vous la pièce, le boîtier ou le gabarit dont vous avez besoin, avec [[deux|trois]] allers-retours compris dans le devis.", "PRO"),
        "Accompagnement à la conception : on transforme votre idée en plan coté et en fichier 3D, [[à votre rythme|en une ou deux séances|sans jargon]].",
    ],
    "accompagnement_prototypage": [
        "Prototypage rapide sur rendez-vous.",
        "Accompagnement de votre projet de l'idée au prototype : faisabilité, choix des procédés, fabrication, essais.",
        ("Pour les entreprises : prototypage rapide d'un nouveau produit, avec un interlocuteur unique et un devis [[clair|sous 48 heures|détaillé]].", "PRO"),
        "Nous aidons les porteurs de projet à fabriquer leur premier prototype fonctionnel, en les faisant participer à chaque étape.",
        "Prototypage accompagné : un fabmanager suit votre projet sur [[trois|quatre|six]] rendez-vous.",
        "Maquettes et prototypes pour les créateurs d'entreprise, en lien avec les couveuses et les incubateurs {du_dep}.",
        ("Preuve de concept en quelques semaines : on fabrique, on teste, on corrige avant [[votre premier salon|votre levée de fonds|vos premiers tests clients]].", "PRO"),
        "Accompagnement au prototypage gratuit pour [[les étudiants et les demandeurs d'emploi|les jeunes de moins de 26 ans|les personnes en reconversion]] qui créent leur activité.",
        "Du croquis sur [[une nappe|un coin de carnet|un ticket de caisse]] au prototype qui fonctionne : on vous accompagne, sans jargon.",
        "Revue de conception et aide à l'itération : chaque version du prototype est testée et discutée avec vous.",
        "Prototypage d'objets, d'outils et de petits équipements pour [[les artisans et les agriculteurs|les associations et les artisans|les soignants et les aidants]].",
        ("Pour les PME : prototypes fonctionnels et maquettes d'aspect livrés avec un compte rendu des essais.", "PRO"),
        "Un rendez-vous « prototype » [[chaque mardi|un jeudi sur deux|le premier lundi du mois]] : vous présentez votre idée, on cherche ensemble comment la fabriquer.",
        "Maquettes d'étude et prototypes fonctionnels pour les projets {du_dep}, avec les machines et les conseils de l'équipe.",
    ],
    "petite_serie": [
        ("Petites séries à la demande.", "PRO"),
        ("Fabrication de petites séries, de [[10|20|50]] à quelques centaines de pièces, avec un contrôle qualité sur chaque lot.", "PRO"),
        ("Pour les entreprises : présérie de votre produit pour tester le marché avant d'investir dans un outillage.", "PRO"),
        ("Nous produisons en petite quantité les objets de nos clients : [[goodies, pièces détachées, coffrets|accessoires, emballages, présentoirs|pièces de rechange, supports, gabarits]].", "PRO"),
        ("Production à la demande, sans minimum de commande, idéale pour [[les créateurs et les boutiques|les marques locales|les artisans et les designers]].", "PRO"),
        ("Petites séries livrées emballées et étiquetées, prêtes à vendre.", "PRO"),
        ("Production de quelques dizaines d'exemplaires pour [[une levée de fonds|un salon|un test client|un lancement]].", "PRO"),
        ("Fabrication en série limitée pour les artisans d'art et les marques {du_dep}.", "PRO"),
        ("Petite série : le prix unitaire baisse dès [[20|30|50]] pièces, demandez-nous un devis.", "PRO"),
        ("Nous gérons l'approvisionnement en matière et le suivi de production de vos séries courtes.", "PRO"),
        ("Séries de [[50|100|200]] pièces livrées en [[deux|trois|quatre]] semaines, avec un échantillon validé avant lancement.", "PRO"),
    ],
    "formation_fabrication": [
        "Formations machines en petits groupes.",
        "Formations {mach_list} en petits groupes, indispensables pour utiliser les machines en autonomie.",
        ("Pour les entreprises : formation de vos équipes {mach_one}, sur [[une journée|une ou deux journées|deux journées]], finançable par votre OPCO.", "PRO"),
        "Nous formons [[les salariés, les enseignants et les animateurs|les bibliothécaires et les animateurs|les enseignants de technologie]] au prototypage numérique.",
        "Habilitations machines le [[premier|dernier]] samedi du mois, sur inscription ([[gratuit|5 €]] pour les adhérents).",
        "Stages de découverte pour les [[11-17 ans|8-12 ans|collégiens]] pendant les vacances : on conçoit, on fabrique, on repart avec son objet.",
        "Parcours de formation « fabmanager » en [[six|huit|dix]] semaines pour les personnes en reconversion.",
        "Apprendre les bases {de_mach_one} en une soirée : c'est le format court proposé [[chaque mois|deux fois par mois|chaque semaine]].",
        "Cours du soir de fabrication numérique : modélisation, préparation des fichiers, réglages des machines.",
        "Formation de formateurs pour les établissements scolaires {du_dep} qui s'équipent en machines de fabrication numérique.",
        "Sessions d'initiation gratuites pour les demandeurs d'emploi, en partenariat avec [[les acteurs de l'insertion|la mission locale|France Travail]].",
        "Initiation {mach_one} en [[deux|trois]] heures, [[25|30|40]] € la séance, matériel compris.",
        ("Formations intra-entreprise sur mesure, dans nos ateliers ou dans vos locaux.", "PRO"),
        "Formation courte {mach_one} [[le samedi matin|le mercredi soir|pendant les vacances]] : théorie le matin, pratique l'après-midi.",
    ],
    "atelier_innovation": [
        "Ateliers de créativité pour les équipes.",
        "Ateliers d'innovation pour les équipes : [[design thinking, idéation et maquettage rapide|idéation et prototypage papier|exploration des usages et maquettage]] sur une journée.",
        ("Pour les entreprises : sprint créatif de [[deux|trois]] à cinq jours pour explorer un nouveau produit ou service.", "PRO"),
        "Nous animons des hackathons et des week-ends de créativité [[ouverts à tous|avec les écoles du secteur|sur les enjeux du territoire]].",
        ("Séminaires d'équipe « mains dans la matière » : on imagine, on fabrique, on présente, dans un esprit d'innovation.", "PRO"),
        "Ateliers d'intelligence collective pour [[les collectivités et les associations|les conseils de quartier|les équipes municipales]] qui repensent un service.",
        "Co-conception avec les usagers : habitants, élus et techniciens réunis autour d'une même table.",
        "Un programme d'innovation ouverte avec les entreprises et les écoles {du_dep}.",
        ("Atelier d'idéation d'une demi-journée : [[300|450|600]] € pour un groupe de 12 personnes au plus.", "PRO"),
        "Des défis créatifs chaque trimestre sur [[la transition écologique et le réemploi|la mobilité douce|l'alimentation locale|le grand âge]].",
        "Séances de créativité pour les classes et les conseils municipaux de jeunes.",
        "Atelier « innovation frugale » : imaginer des solutions simples avec les moyens du bord, [[en une soirée|sur un week-end|en trois séances]].",
        "Nous accueillons des résidences d'innovation de [[deux|trois|quatre]] semaines pour les équipes qui veulent tester une idée sur le terrain.",
    ],
    "mediation_numerique": [
        "Aide aux démarches en ligne.",
        "Initiation au smartphone et à la tablette.",
        "Accompagnement aux démarches en ligne ([[impôts, CAF, ANTS, Ameli|retraite, santé, carte grise|CAF, France Travail, impôts]]) avec un conseiller numérique, sur rendez-vous.",
        "Ateliers débutants : allumer un ordinateur, utiliser une souris, créer son adresse électronique.",
        "Permanence smartphone et tablette [[le mardi matin|le jeudi après-midi|le samedi matin]] : réglages, applications, photos, appels vidéo avec les petits-enfants.",
        "Médiation numérique pour [[les seniors|les personnes isolées|les aidants familiaux]], en petits groupes et à leur rythme.",
        "Accès libre aux ordinateurs, à une imprimante et au wifi pour tous, aux heures d'ouverture.",
        "Nous aidons les demandeurs d'emploi à rédiger leur CV et à postuler sur internet.",
        "Sensibilisation aux arnaques en ligne et aux bons réflexes de sécurité sur internet.",
        "Ateliers parents-enfants sur les écrans, les réseaux sociaux et le jeu vidéo.",
        "Inclusion numérique : diagnostic des besoins et orientation vers le bon accompagnement.",
        "Cafés numériques [[mensuels|du vendredi|du samedi matin]] : on apporte son smartphone, son ordinateur et ses questions.",
        ("Pour les petites entreprises et les artisans : prise en main des outils numériques (messagerie, agenda partagé, facturation en ligne).", "PRO"),
        "Initiation à la bureautique (traitement de texte, tableur) sur les ordinateurs de l'espace.",
        "Un conseiller numérique se déplace dans les mairies des communes voisines [[le mardi|le jeudi|deux fois par mois]].",
        "Ateliers « mon smartphone au quotidien » en [[quatre|cinq|six]] séances : photos, messages, applications utiles.",
        "Aide individuelle sur ordinateur ou smartphone pour [[créer son espace sur le site des impôts|prendre rendez-vous chez le médecin en ligne|sauvegarder ses photos]], sans rendez-vous aux heures d'ouverture.",
        "Vente d'ordinateurs reconditionnés à petit prix, avec une séance de prise en main offerte.",
    ],
    "coworking": [
        "Coworking à la journée ou au mois.",
        "Espace de coworking de [[8|10|12|15|20]] postes avec fibre, café et salle de réunion.",
        "Bureaux partagés à la journée ([[10|12|15]] €), au mois ou à l'année.",
        ("Pour les entreprises : location de la salle de réunion (jusqu'à [[10|12|20]] personnes) avec écran et visioconférence.", "PRO"),
        "Un poste de travail au calme, à deux pas de l'atelier, pour les télétravailleurs et les indépendants [[du coin|{du_dep}|de passage]].",
        "Coworking ouvert aux indépendants, aux salariés en télétravail et aux porteurs de projet, avec une communauté qui s'entraide.",
        ("Domiciliation d'entreprise et bureaux fermés pour les jeunes structures.", "PRO"),
        "Nous accueillons les télétravailleurs dans un open space [[lumineux|sous la verrière|à l'étage]], avec une cuisine partagée.",
        "Pass coworking de 10 jours : [[80|90|100|120]] €, valable six mois.",
        "Salle de réunion et espace de travail partagé prêtés aux associations en semaine.",
        "Le coworking donne accès à l'atelier aux heures d'ouverture, sur présentation du badge.",
        "Coworking à [[120|150|180|200]] € le mois en poste fixe, fibre et imprimante comprises.",
        "Bureau nomade ou poste fixe : le coworking accueille [[les indépendants|les salariés en télétravail|les étudiants]] du lundi au vendredi.",
    ],
}

# offers not tied to one capability (logistics, membership, public)
SERVICE_EXTRAS = [
    "Adhésion annuelle : [[20|25|30|40]] € ([[10|15]] € pour les étudiants et les demandeurs d'emploi).",
    "Visite de l'atelier sur rendez-vous pour [[les écoles, les élus et les curieux|les groupes|les classes et les centres de loisirs]].",
    "Accueil de groupes scolaires et de centres de loisirs toute l'année.",
    "Prêt de matériel aux associations adhérentes.",
    "Matériaux de base vendus sur place au prix coûtant.",
    "Les projets sont documentés et partagés sous licence libre sur le wiki du lieu.",
    "Parking gratuit et accès de plain-pied pour les personnes à mobilité réduite.",
    "Une boutique de créations fabriquées sur place est ouverte le samedi.",
    "Vente de chutes de matière à petit prix.",
    "Accueil des stagiaires de troisième et de volontaires en service civique.",
    "Carte de dix passages à [[40|50|60]] €, sans engagement.",
    "Goûter partagé le dernier samedi du mois, ouvert aux familles.",
    ("Devis gratuit sous 48 heures sur simple envoi de vos plans ou de vos croquis.", "PRO"),
    ("Facturation possible sur bon de commande pour les collectivités et les entreprises.", "PRO"),
    "Soirée portes ouvertes [[chaque trimestre|deux fois par an|chaque mois]], avec démonstration des machines.",
    "Tarif solidaire sur présentation d'un justificatif, sans autre condition.",
    "Accès de plain-pied, toilettes adaptées et places de stationnement réservées.",
    "Consigne de projets : une étagère est prêtée à chaque adhérent pour laisser ses travaux en cours.",
]

# -- descriptions ------------------------------------------------------------------------

MACHINE_CAPS = (
    "impression_3d_fdm", "impression_3d_resine", "impression_3d_poudre", "decoupe_laser",
    "marquage_laser_metal", "fraisage_cnc_bois", "usinage_metal", "fraisage_precision", "decoupe_vinyle",
    "electronique", "fabrication_pcb", "textile_numerique", "thermoformage", "moulage", "scanner_3d",
    "metallerie_soudure", "menuiserie",
)

OPENINGS = [
    # fablabs and tiers-lieux: history, place, association, people
    D("{S} a ouvert ses portes en {annee} dans {lieu}, {dans_q}.", profs=FT),
    D("Né{e} en {annee} de l'envie de quelques habitants de partager leurs outils, {pn} occupe aujourd'hui {lieu} {dans_q}.", profs=FT),
    D("En {annee}, une poignée de bricoleurs {de_ville} a investi {lieu_def}, resté{el} vide pendant des années : ainsi est né{e} {pn}.", tags="rst", profs=FT),
    D("{Lieu_def} {de_ville}, longtemps fermé{el}, abrite depuis {annee} un atelier de fabrication numérique ouvert à tous.", tags="rst", profs=FT),
    D("Depuis {annee}, {S} rassemble {dans_q} des makers, des artisans et des curieux de tous âges.", profs=FT),
    D("Au cœur {du_q}, {pn} est devenu{e} en quelques années le rendez-vous de tous ceux qui aiment fabriquer de leurs mains.", profs=FT),
    D("Association loi 1901 créée en {annee}, {S} compte aujourd'hui {nb_adh} adhérents et une équipe de {nb_ben} bénévoles.", profs=FT),
    D("Nous sommes une association de bricoleurs, d'ingénieurs à la retraite, d'étudiants et de parents, installée {a_ville} depuis {annee}.", profs=FT),
    D("{p1} et {p2} ont lancé {S} en {annee}, après des années à bricoler chacun dans son garage.", profs=FT),
    D("Pas besoin d'être ingénieur pour pousser la porte {de_pn} : ici, chacun apprend des autres et personne ne reste bloqué longtemps.", profs=FT),
    D("Chaque semaine, près de {visites} personnes passent la porte {de_pn} pour avancer sur un projet, réparer un objet ou simplement voir les machines tourner.", profs=FT),
    D("Seul lieu de fabrication partagé à {dist} kilomètres à la ronde, {pn} rayonne sur une bonne partie {du_dep}.", tags="rs", profs=FT),
    D("Le pari {de_S}, lancé en {annee} : mettre des machines de pointe à la portée de tous, pour le prix d'une adhésion.", profs=FT),
    D("{ville} a son atelier de fabrication numérique depuis {annee}, et il ne désemplit pas.", tags="rst", profs=FT),
    D("Quand la commune a confié {lieu_def} à un collectif d'habitants en {annee}, personne n'imaginait qu'on y fabriquerait un jour des pièces pour des entreprises.", tags="rsPRO", profs=FT),
    D("Ici, on vient réparer une chaise, imprimer une pièce de vélo ou graver un cadeau : la porte {de_pn} est ouverte à tous depuis {annee}.", caps=("impression_3d_fdm",), profs=FT),
    D("Le lieu est né en {annee} d'une idée simple : ce qui manque {a_ville}, ce ne sont pas les idées, ce sont les outils.", tags="rst", profs=FT),
    D("Installé{e} {dans_q} depuis {annee}, {pn} occupe {surface} m² dans {lieu}.", profs=FT),
    D("Ouvert{e} en {annee}, {pn} est d'abord parti{e} d'un atelier de réparation de vélos, avant de s'équiper en machines numériques.", profs=FT),
    D("{fondateurs} ont monté {S} en {annee}, dans {lieu}.", profs=FT),
    D("{hours_main} : ce sont les horaires {de_pn}, mais la lumière reste souvent allumée plus tard les soirs de projet.", profs=FT),
    D("Bricoler ensemble plutôt que chacun chez soi : c'est la philosophie {de_pn} depuis {annee}.", profs=FT),
    D("{S} a fêté ses {age} ans l'an dernier, avec une journée portes ouvertes et un concours de fabrication entre adhérents.", profs=FT),
    # tiers-lieux
    D("Tiers-lieu rural installé dans {lieu}, {S} mêle atelier partagé, coworking et vie de village.", tags="r", caps=("coworking",), profs=TIERS),
    D("À la fois café associatif, atelier et lieu de travail partagé, {S} a ouvert en {annee} {dans_q}.", caps=("coworking",), profs=TIERS),
    D("Lieu hybride ouvert en {annee}, {pn} accueille aussi bien des télétravailleurs que des bricoleurs du dimanche.", caps=("coworking",), profs=TIERS),
    D("Société coopérative d'intérêt collectif fondée en {annee}, {S} associe habitants, salariés, artisans et collectivités.", profs=TIERS),
    D("Dans {lieu}, {dans_q}, {pn} mélange depuis {annee} ateliers, repas partagés et projets de quartier.", profs=TIERS),
    D("Un atelier, une grande table, une cuisine et des gens qui ont envie de faire ensemble : voilà {S}, qui a ouvert ses portes en {annee}.", profs=TIERS),
    D("Porté par {nb_adh} sociétaires, {pn} fait vivre depuis {annee} {lieu_def} {de_ville}.", tags="rst", profs=TIERS),
    # mediation
    D("Espace public numérique géré par la commune, {pn} accompagne depuis {annee} les habitants dans leurs usages du numérique.", profs=MED),
    D("Installé{e} dans {lieu}, {pn} accueille chaque semaine des personnes qui veulent apprivoiser l'ordinateur ou le smartphone.", profs=MED),
    D("Depuis {annee}, le centre social {de_ville} fait vivre {S}, un lieu ouvert à tous, sans condition d'âge ni de niveau.", tags="stb", profs=MED),
    D("Ici, personne n'est jugé sur ce qu'il ne sait pas faire : {S} est d'abord un lieu d'accueil et d'écoute.", profs=MED),
    D("{p1}, conseill{p1_ere} numérique, a ouvert {pn} en {annee} avec une idée simple : que personne ne reste seul face à une démarche en ligne.", profs=MED),
    D("Grâce au soutien de la ville et du département, {S} offre un accès gratuit aux ordinateurs et un accompagnement personnalisé.", profs=MED),
    D("Au rez-de-chaussée de la médiathèque {de_ville}, {S} ouvre ses ordinateurs et ses ateliers à tous les publics.", tags="rst", profs=MED),
    D("Dans un territoire où les services publics se sont éloignés, {S} fait le lien entre les habitants et le numérique.", tags="rs", profs=MED),
    D("Le mardi matin, on y croise des retraités venus apprendre à envoyer des photos, des jeunes qui cherchent un stage et des parents qui remplissent un dossier en ligne.", profs=MED),
    D("Ouvert{e} en {annee} {dans_q}, {pn} est devenu{e} l'un des lieux de médiation numérique les plus fréquentés {du_dep}.", profs=MED),
    D("En {annee}, la mairie {de_ville} a transformé {lieu_def} en espace numérique de proximité : c'est aujourd'hui {S}.", tags="rst", profs=MED),
    D("Apprendre à son rythme, sans jargon ni pression : c'est la promesse {de_pn} depuis {annee}.", profs=MED),
    D("Chaque semaine, près de {visites} personnes poussent la porte {de_pn} pour une démarche, une question ou un atelier.", profs=MED),
    D("Porté{e} par {porteur}, {pn} propose depuis {annee} un accompagnement numérique gratuit et des ateliers collectifs.", profs=MED),
    D("{hours_main}, {pn} accueille sans rendez-vous toutes les personnes qui ont une question sur le numérique.", profs=MED),
    # professional workshops
    D("Créée en {annee} par deux anciens ingénieurs de [[l'aéronautique|l'automobile|la construction navale|la plasturgie|l'horlogerie]], {S} est une entreprise de prototypage et de fabrication à la demande.", profs=PRO),
    D("{S} est une PME de [[8|12|15|20|25]] personnes spécialisée dans le prototypage rapide et les petites séries.", caps=("petite_serie",), profs=PRO),
    D("Bureau d'études et atelier de fabrication sous le même toit : c'est ce que propose {S} depuis {annee}, {dans_q}.", caps=("conception_cao",), profs=PRO),
    D("Implantée dans la zone d'activités {de_ville} depuis {annee}, l'entreprise travaille pour l'industrie, le design et l'artisanat.", tags="stb", profs=PRO),
    D("Sous-traitant de proximité, {S} réalise des prototypes, des outillages et des pièces unitaires pour les entreprises {du_dep} et d'ailleurs.", profs=PRO),
    D("Ancien atelier de mécanique générale reconverti dans la fabrication numérique, {S} a gardé le goût de la pièce bien faite.", profs=PRO),
    D("Nos clients ? Des jeunes entreprises du matériel, des bureaux d'études, des designers et des industriels qui ont besoin d'une pièce vite et bien faite.", profs=PRO),
    D("Depuis {annee}, l'équipe {de_S} transforme des fichiers 3D en pièces réelles, de l'exemplaire unique à quelques centaines d'unités.", profs=PRO),
    D("Atelier de prototypage professionnel ouvert en {annee}, {S} réunit {acts} sous un même toit.", profs=PRO),
    D("Fondée en {annee} {a_ville}, la société est passée de deux à [[neuf|douze|quinze|vingt]] salariés en accompagnant les PME de la région dans leurs nouveaux produits.", profs=PRO),
    D("Prototypes, outillages, pièces de rechange : {S} fabrique ce que d'autres ne savent pas, ou plus, fabriquer.", profs=PRO),
    D("Spécialiste {de_acts}, {S} travaille aussi bien pour l'industrie que pour les designers et les artisans d'art.", profs=PRO),
    D("À l'origine, une petite entreprise de mécanique ; depuis {annee}, un atelier de prototypage numérique au service des entreprises {du_dep}.", profs=PRO),
    # innovation labs
    D("Laboratoire d'innovation territoriale lancé en {annee} par {porteur}, {S} expérimente de nouvelles façons de concevoir services et objets.", profs=LAB),
    D("Porté{e} par {porteur}, {pn} réunit chercheurs, entreprises, associations et habitants autour de projets concrets.", profs=LAB),
    D("Living lab ouvert en {annee}, {S} teste avec les habitants de nouveaux services avant leur déploiement.", profs=LAB),
    D("Ici, les idées passent vite du tableau blanc à la maquette : c'est la promesse {de_pn} depuis {annee}.", profs=LAB),
    D("Installé{e} dans {lieu}, {pn} accompagne les collectivités et les entreprises qui veulent innover autrement.", profs=LAB),
    D("Né{e} en {annee} d'un partenariat entre l'université, la technopole et les entreprises du territoire, {pn} fait se rencontrer recherche et terrain.", tags="tb", profs=LAB),
    D("{S} est un lieu d'expérimentation : on y teste une idée en quelques jours plutôt qu'en quelques mois.", profs=LAB),
    D("Depuis {annee}, {S} aide les PME {du_dep} à explorer de nouveaux produits, avec des méthodes de design et des machines de prototypage.", tags="PRO", profs=LAB),
    D("Plateforme d'innovation ouverte, {S} accueille aussi bien une jeune entreprise en quête de son premier client qu'une collectivité qui repense un service public.", profs=LAB),
    D("Transition écologique, santé, mobilité : les projets menés par {S} depuis {annee} partent tous d'un besoin du territoire.", profs=LAB),
    # training
    D("Plateforme technologique du lycée professionnel {de_ville}, {S} ouvre ses ateliers aux adultes en formation continue depuis {annee}.", tags="stb", profs=FORM),
    D("Centre de formation aux métiers de la fabrication numérique, {S} accueille chaque année [[120|150|200|250|300]] stagiaires.", profs=FORM),
    D("{S} forme depuis {annee} des techniciens, des fabmanagers et des salariés en reconversion.", profs=FORM),
    D("Installé{e} dans {lieu}, {pn} propose des parcours courts et des formations qualifiantes autour de la fabrication numérique.", profs=FORM),
    D("Pensé{e} comme une école du faire, {pn} mêle théorie et pratique dès la première heure.", profs=FORM),
    D("Adossé{e} à l'IUT {de_ville}, {pn} prépare aux métiers du prototypage et de la fabrication additive.", tags="tb", profs=FORM),
    D("Apprendre en fabriquant : depuis {annee}, c'est la méthode {de_pn}, ouvert{e} aux jeunes comme aux adultes.", profs=FORM),
    D("Créé{e} en {annee} par {porteur}, {pn} répond au besoin de techniciens formés aux outils numériques de fabrication.", profs=FORM),
    D("Ici, les stagiaires passent plus de temps devant les machines que devant un tableau : c'est le parti pris {de_pn} depuis {annee}.", profs=FORM),
    D("{S} accueille depuis {annee} des lycéens, des demandeurs d'emploi et des salariés, dans {lieu}.", profs=FORM),
]

TEAM = [
    D("L'équipe compte {nb_sal} salarié{s_sal}, épaulé{s_sal} par {nb_ben} bénévoles qui tiennent les permanences.", profs=FT),
    D("{p1}, fabmanag{p1_fm} depuis {annee2}, connaît chaque machine par cœur et adore les projets un peu fous.", profs=FT + FORM + LAB),
    D("Les permanences sont tenues par {nb_ben} bénévoles : retraités de l'industrie, étudiants, artisans, enseignants.", profs=FT + MED),
    D("{p1} et {p2} se relaient à l'accueil et accompagnent les projets du premier croquis à la dernière vis.", profs=FT + LAB),
    D("Un volontaire en service civique et deux apprentis complètent l'équipe pendant l'année scolaire.", profs=FT + MED + FORM),
    D("Derrière les machines, il y a {p1}, ancien{p1_ne} technicien{p1_ne} de maintenance, qui a toujours une astuce pour sauver une pièce ratée.", profs=FT + FORM),
    D("L'équipe réunit [[trois|quatre|cinq]] techniciens, un designer industriel et un ingénieur méthodes.", profs=PRO),
    D("Chaque projet est suivi par un chef de projet unique, de la demande de devis à la livraison.", profs=PRO),
    D("{p1}, responsable de l'atelier, a passé quinze ans dans [[l'aéronautique|l'industrie automobile|la mécanique de précision|la plasturgie]] avant de rejoindre l'équipe.", profs=PRO + FORM),
    D("Les formateurs sont tous d'anciens professionnels : menuisier, électronicien, technicien en plasturgie.", profs=FORM),
    D("{p1}, conseill{p1_ere} numérique, et {p2}, bénévole depuis l'ouverture, accueillent le public avec patience.", profs=MED),
    D("Une équipe pluridisciplinaire (designers, ingénieurs, sociologue) anime les projets.", profs=LAB),
    D("{p1} coordonne le lieu ; {p2} s'occupe de l'atelier et des formations.", profs=FT),
    D("{p1} a quitté un poste d'ingénieur{p1_e} pour faire vivre le lieu à plein temps.", profs=FT + LAB),
]

PUBLIC = [
    D("On y croise des lycéens, des retraités, des artisans et des porteurs de projet, parfois autour de la même machine.", profs=FT),
    D("Les familles viennent le samedi, les étudiants en semaine et les artisans plutôt en soirée.", profs=FT),
    D("Les écoles du secteur y viennent régulièrement pour des ateliers de découverte.", profs=FT + MED + LAB),
    D("Le public est très varié, des enfants de huit ans aux retraités passionnés de maquettes.", profs=FT),
    D("Beaucoup d'adhérents viennent d'abord pour réparer un objet, puis reviennent pour créer.", profs=FT),
    D("Les seniors représentent près de la moitié du public, mais les ateliers jeunesse du mercredi font le plein.", profs=MED),
    D("Demandeurs d'emploi, seniors, parents, jeunes : l'accueil est gratuit et sans condition.", profs=MED),
    D("Les clients viennent de l'industrie, du design, du médical et du nautisme.", profs=PRO),
    D("Les stagiaires viennent de tout le département, beaucoup en reconversion professionnelle.", profs=FORM),
    D("Jeunes entreprises, collectivités, associations et chercheurs s'y croisent chaque semaine.", profs=LAB),
    D("La moitié des adhérents habitent à moins de dix minutes à pied.", tags="tb", profs=FT),
    D("Beaucoup viennent des villages alentour, parfois à plus de vingt minutes de route.", tags="r", profs=FT + MED),
    D("Les artisans du coin y passent souvent entre deux chantiers pour une pièce ou un conseil.", tags="rs", profs=FT),
]

LIFE = [
    D("L'adhésion annuelle donne accès aux machines après une courte formation.", caps=MACHINE_CAPS, profs=FT),
    D("Le lieu vit grâce aux adhésions, au soutien de la commune et à quelques prestations.", profs=FT),
    D("Les décisions se prennent en assemblée d'adhérents, une fois par trimestre.", profs=FT),
    D("Le lieu fonctionne en SCIC : usagers, salariés et collectivités partagent la gouvernance.", profs=TIERS),
    D("Une soirée « open lab » par semaine réunit tous ceux qui veulent avancer sur leur projet en bonne compagnie.", profs=FAB),
    D("Tout ce qui est fabriqué ici est documenté et partagé sous licence libre.", profs=FT + LAB),
    D("Un repas partagé clôt chaque premier vendredi du mois.", profs=TIERS),
    D("Le lieu accueille aussi une ressourcerie, un jardin partagé et une petite scène pour les concerts.", profs=TIERS),
    D("L'atelier est certifié ISO 9001 et travaille sous accord de confidentialité quand le projet l'exige.", profs=PRO),
    D("Les devis sont envoyés sous 48 heures et chaque pièce est contrôlée avant expédition.", profs=PRO),
    D("Les formations sont finançables par le CPF, les OPCO ou France Travail selon les cas.", profs=FORM),
    D("Les projets sont menés en cycles courts : explorer, prototyper, tester, recommencer.", profs=LAB),
    D("Les ateliers sont gratuits ; seule l'impression de documents est facturée quelques centimes.", profs=MED),
    D("Un espace enfants permet aux parents de suivre un atelier l'esprit tranquille.", profs=MED),
    D("Le lieu est accessible aux personnes à mobilité réduite et dispose d'une boucle magnétique.", profs=MED + FT),
    D("Les sessions démarrent toutes les six semaines, avec au plus douze stagiaires par groupe.", profs=FORM),
    D("Une partie des machines a été financée par un budget participatif voté par les habitants.", profs=FT + MED),
]

PROJECTS = [
    D("Au printemps 2020, les imprimantes 3D du lieu ont tourné jour et nuit pour produire des visières destinées aux soignants du secteur.", caps=("impression_3d_fdm",), profs=FT + LAB + FORM),
    D("Des bénévoles y impriment des prothèses de main pour des enfants, en lien avec une association spécialisée.", caps=("impression_3d_fdm",), profs=FT),
    D("Un collectif de parents y a conçu un jeu de société adapté aux enfants malvoyants, imprimé en 3D.", caps=("impression_3d_fdm",), profs=FT + MED),
    D("Les pièces imprimées lors des cafés réparation ont évité la poubelle à des dizaines d'appareils.", caps=("impression_3d_fdm",), profs=FT + MED),
    D("Les lettres en contreplaqué de l'enseigne de la boulangerie voisine, découpées au laser, sont devenues une petite attraction du quartier.", tags="stb", caps=("decoupe_laser",), profs=FT),
    D("Les maquettes du futur écoquartier, découpées au laser, ont servi à la concertation avec les habitants.", caps=("decoupe_laser",), profs=FT + LAB),
    D("Chaque année, la signalétique du festival local sort de la découpeuse laser.", caps=("decoupe_laser",), profs=FT),
    D("Une créatrice de bijoux du coin y a mis au point sa première collection en résine calcinable.", caps=("impression_3d_resine",)),
    D("Une jeune entreprise de drones y a fait imprimer en polyamide toute la structure de son appareil de démonstration.", caps=("impression_3d_poudre",)),
    D("Une coutellerie artisanale y fait marquer au laser fibre la lame de chacun de ses couteaux.", caps=("marquage_laser_metal",)),
    D("Le mobilier de la médiathèque voisine, fraisé dans du contreplaqué, est sorti de la CNC de l'atelier.", caps=("fraisage_cnc_bois",), profs=FT + FORM),
    D("Les bacs potagers des écoles de la commune ont été fraisés dans l'atelier par des parents d'élèves.", caps=("fraisage_cnc_bois",), profs=FT),
    D("Une entreprise agroalimentaire du secteur y a fait refaire en urgence une pièce de sa ligne de conditionnement, introuvable chez le fabricant.", caps=("usinage_metal",)),
    D("Les pièces d'un moteur de moto des années 1950 y ont été refaites au tour pour un collectionneur.", caps=("usinage_metal",)),
    D("Un horloger y a fait usiner les platines d'un mouvement ancien en cours de restauration.", caps=("fraisage_precision",)),
    D("Les maillots floqués du club de foot local sortent chaque saison du plotter de l'atelier.", caps=("decoupe_vinyle",), profs=FT + MED),
    D("Des capteurs de qualité de l'air conçus ici équipent désormais plusieurs écoles de la commune.", caps=("electronique",), profs=FT + LAB),
    D("Le café réparation mensuel a déjà évité la déchetterie à plusieurs centaines d'appareils.", caps=("electronique",), profs=FT + MED),
    D("Une équipe d'étudiants y a conçu la carte de pilotage de son bateau autonome.", caps=("fabrication_pcb",)),
    D("Les costumes du carnaval sont brodés et cousus dans l'atelier textile chaque hiver.", caps=("textile_numerique",), profs=FT + MED),
    D("Un chocolatier y a thermoformé les moules de ses sujets de Pâques.", caps=("thermoformage",)),
    D("Le musée voisin y a fait reproduire des fossiles fragiles pour ses ateliers tactiles.", caps=("moulage",)),
    D("Les statues de l'église ont été scannées en 3D avant leur restauration.", caps=("scanner_3d",), profs=FT + LAB),
    D("Les supports à vélos installés devant la mairie ont été soudés par les adhérents.", caps=("metallerie_soudure",), profs=FT),
    D("Les bénévoles ont construit une boîte à livres pour chaque hameau de la commune.", tags="r", caps=("menuiserie",), profs=FT),
    D("La scène mobile du festival d'été a été construite dans l'atelier bois.", caps=("menuiserie",), profs=FT),
    D("Un maraîcher y a conçu, avec l'aide des bénévoles, un outil de désherbage adapté à ses planches de culture.", caps=("conception_cao",), profs=FT),
    D("Plusieurs entreprises du territoire y ont mis au point leur premier prototype, dont un fabricant de matériel de randonnée.", tags="PRO", caps=("accompagnement_prototypage",)),
    D("Une marque locale de luminaires y fait produire ses séries de quelques dizaines de pièces.", tags="PRO", caps=("petite_serie",)),
    D("Plus de [[200|300|400]] personnes y ont suivi une formation aux machines l'an dernier.", caps=("formation_fabrication",)),
    D("Le hackathon organisé avec la communauté de communes a débouché sur trois projets toujours actifs.", caps=("atelier_innovation",)),
    D("L'an dernier, l'équipe a accompagné plus de [[500|800|1 200]] personnes dans leurs démarches en ligne.", caps=("mediation_numerique",)),
    D("Une dizaine d'indépendants y ont pris un poste de travail à l'année.", caps=("coworking",)),
]

REGIONAL_SENTENCES = {
    "bzh": [D("Les ateliers se tiennent parfois en breton, à la demande des écoles bilingues du secteur."),
            D("Ici, on fête chaque projet réussi autour d'une bolée de cidre.", profs=FT),
            D("Beaucoup de projets viennent du monde de la mer : pièces de bateau, outils de pêche, accastillage.", profs=FT + PRO)],
    "oc": [D("Le nom du lieu vient de l'occitan, que plusieurs bénévoles parlent encore au quotidien.", profs=FT + MED),
           D("L'été, les ateliers se déplacent sur les marchés de producteurs.", profs=FT + MED)],
    "prov": [D("L'été, les ateliers se tiennent à l'ombre des platanes de la cour.", profs=FT + MED)],
    "cat": [D("Certaines animations se font en catalan, en lien avec les écoles bilingues.", profs=FT + MED)],
    "basque": [D("Les ateliers se tiennent en français ou en basque, selon le public.", profs=FT + MED + FORM)],
    "alsace": [D("La winstub d'en face accueille souvent les adhérents après les soirées de projet.", profs=FT)],
    "lorraine": [D("Le lieu revendique l'héritage industriel de la vallée : plusieurs bénévoles sont d'anciens sidérurgistes.", profs=FT)],
    "nord": [D("Le vendredi, les bénévoles prolongent la soirée à l'estaminet d'en face.", profs=FT)],
    "corse": [D("Le lieu travaille avec les artisans de l'intérieur de l'île, souvent loin de tout fournisseur.", profs=FT + PRO + LAB)],
    "antilles": [D("Les ateliers se déroulent en français ou en créole, selon le public.", profs=FT + MED + FORM),
                 D("Beaucoup de projets répondent aux contraintes de l'île : humidité, cyclones, pièces qui mettent des semaines à arriver de l'Hexagone.", profs=FT + PRO + LAB)],
    "guyane": [D("Certains ateliers se déroulent en créole guyanais ou en portugais, selon le public.", profs=FT + MED + FORM),
               D("Fabriquer sur place plutôt que d'attendre un colis de l'Hexagone : c'est l'une des raisons d'être du lieu.", profs=FT + PRO + LAB + FORM)],
    "reunion": [D("Les ateliers se déroulent en français ou en créole réunionnais, selon le public.", profs=FT + MED + FORM),
                D("Fabriquer sur place plutôt que d'attendre un colis de l'Hexagone : c'est l'une des raisons d'être du lieu.", profs=FT + PRO + LAB + FORM)],
    "mayotte": [D("Les ateliers se déroulent en français, en shimaoré ou en kibushi selon le public.")],
    "alpes": [D("Beaucoup de projets viennent des métiers de la montagne : matériel de ski, équipement de refuge, outils de bergers.", profs=FT + PRO + LAB)],
    "normandie": [D("Les liens avec les chantiers navals et les entreprises agroalimentaires du coin sont nombreux.", profs=PRO + LAB + FAB)],
    "lyon": [D("Clin d'œil à l'histoire des canuts, l'atelier textile est l'un des plus fréquentés.", caps=("textile_numerique",))],
    "champagne": [D("Plusieurs maisons de champagne y ont fait prototyper des présentoirs et des coffrets.", tags="PRO", caps=("decoupe_laser", "fraisage_cnc_bois"))],
    "gironde": [D("Plusieurs domaines viticoles y font fabriquer leurs coffrets et leurs présentoirs.", tags="PRO", caps=("decoupe_laser", "fraisage_cnc_bois"))],
    "auvergne": [D("Le lieu partage ses machines avec les artisans des vallées voisines.", tags="PRO", profs=FT)],
    "loire": [D("Les bords de Loire ne sont qu'à quelques minutes : l'été, certains ateliers se tiennent en plein air.", profs=FT + MED)],
}

COMPANY_YES = [
    D("Les entreprises sont les bienvenues : l'équipe peut suivre jusqu'à {cap_projets} en parallèle, avec un premier retour sous {lead} jours.", profs=FT + LAB),
    D("Côté professionnels, comptez environ {lead} jours entre le premier contact et la première pièce.", profs=FT + PRO + LAB),
    D("Artisans, TPE et PME du territoire y font réaliser des pièces sur mesure ; comptez {lead} jours en moyenne.", profs=FT + PRO),
    D("Nous travaillons régulièrement avec les entreprises {du_dep}, de la jeune pousse à la PME industrielle ; délai habituel : {lead} jours.", profs=FT + PRO + LAB),
    D("Pour un projet d'entreprise, le délai habituel est de {lead} jours, et {cap_peut} être menés de front.", profs=FT + PRO + LAB),
    D("Les projets d'entreprise sont accueillis sur devis, dans la limite de {cap_projets} à la fois.", profs=FT + LAB + FORM),
    D("Les professionnels peuvent réserver des créneaux machines ou confier leur projet à l'équipe (délai moyen : {lead} jours).", profs=FT),
    D("Délai moyen de réalisation : {lead} jours ; l'atelier gère jusqu'à {cap_projets} clients en même temps.", profs=PRO),
    D("L'espace accompagne aussi, ponctuellement, les commerçants et les artisans qui veulent se mettre au numérique ({cap_projets} au plus en même temps).", profs=MED),
    D("Les entreprises peuvent y faire réaliser un projet par les stagiaires, encadrés par les formateurs ; comptez {lead} jours.", profs=FORM),
    D("Les TPE et les artisans y trouvent un interlocuteur pour leurs projets de fabrication, avec un premier rendez-vous sous {lead} jours.", profs=TIERS + MED + FORM),
    D("Commerçants, artisans et petites entreprises {du_dep} peuvent aussi y être accompagnés, sur rendez-vous ; délai habituel : {lead} jours.", profs=MED + TIERS),
    D("Les entreprises du secteur y confient des projets [[ponctuels|de fabrication|de prototypage]], dans la limite de {cap_projets} à la fois.", profs=TIERS + FORM + LAB),
    D("Pour les professionnels, l'équipe répond sous quelques jours et livre en {lead} jours en moyenne.", profs=FT + PRO + LAB + FORM),
]
COMPANY_FULL = [
    D("Victime de son succès, [[l'atelier|l'équipe]] ne prend plus de nouveau projet d'entreprise pour le moment ; une liste d'attente est ouverte."),
    D("Le carnet de commandes est plein pour les [[prochaines semaines|deux prochains mois|semaines à venir]] : les nouveaux projets d'entreprise sont inscrits sur liste d'attente."),
    D("Les entreprises restent bienvenues, mais tous les créneaux professionnels sont pris ; comptez au moins {lead} jours d'attente."),
    D("Complet pour les projets d'entreprise jusqu'à [[la rentrée|la fin du trimestre|nouvel ordre]] : laissez vos coordonnées, l'équipe vous rappellera."),
    D("Aucune nouvelle commande professionnelle n'est acceptée [[en ce moment|ce trimestre]] ; les formations restent ouvertes.", caps=("formation_fabrication",)),
]
COMPANY_NO = [
    D("{Pn} est réservé{e} aux [[particuliers et aux associations|habitants et aux associations|adhérents]] : pas de prestation pour les entreprises.", profs=FT + MED),
    D("L'espace se consacre aux habitants ; les entreprises sont orientées vers [[les ateliers voisins|les fablabs {du_dep}|la chambre de commerce]].", profs=MED),
    D("Ici, pas de prestation pour les professionnels : tout est pensé pour [[l'apprentissage et l'entraide|la transmission|le faire ensemble]].", profs=FT + MED),
    D("L'atelier fonctionne uniquement grâce aux bénévoles et ne prend pas de commandes d'entreprises.", profs=FT),
    D("Les projets professionnels ne sont pas accueillis : les machines sont réservées aux adhérents pour leurs projets [[personnels|associatifs et personnels]].", profs=FT),
    D("Pas de sous-traitance ici : on vous apprend à faire, on ne fait pas à votre place.", profs=FT + LAB),
    D("Les machines sont là pour apprendre et bricoler, pas pour produire : les demandes d'entreprises sont réorientées [[vers les prestataires du secteur|vers les ateliers professionnels voisins]].", profs=FT),
    D("Le lieu privilégie les projets d'habitants et d'associations ; les commandes d'entreprises ne sont pas prises en charge.", profs=TIERS),
    D("Les ateliers sont réservés aux [[stagiaires et aux apprenants|élèves et aux stagiaires de la formation continue]] ; l'établissement ne réalise pas de prestations pour les entreprises.", profs=FORM),
    D("Les machines servent d'abord à la pédagogie : aucune commande d'entreprise n'est prise en charge.", profs=FORM),
    D("Pas de prestation de fabrication pour les entreprises : elles peuvent en revanche [[inscrire leurs salariés aux formations|accueillir des stagiaires|proposer des sujets de projets aux stagiaires]].", profs=FORM),
    D("Le lab travaille avec les collectivités et les associations, mais ne prend pas de commandes d'entreprises.", profs=LAB),
    D("Les projets menés ici sont collectifs et non commerciaux : pas de prestation pour les entreprises.", profs=LAB + TIERS),
    D("Les entreprises ne sont pas accueillies : l'accompagnement est réservé aux [[particuliers|habitants|publics éloignés du numérique]].", profs=MED),
    D("Service public gratuit, l'espace n'accompagne pas les projets d'entreprise.", profs=MED),
    D("Les professionnels sont redirigés vers [[la chambre de commerce|la chambre de métiers|les ateliers voisins]] pour leurs besoins.", profs=MED + TIERS),
]
PASS_AFN = [
    D("Le Pass AFN est accepté [[pour les projets d'entreprise|pour les TPE et les PME|dès le premier devis|pour les prestations comme pour les formations]]."),
    D("Les projets financés par le Pass AFN sont [[les bienvenus|acceptés sans frais de dossier|traités en priorité]]."),
    D("Bonne nouvelle pour les [[TPE|artisans|petites entreprises]] : le Pass AFN peut couvrir une partie de la facture."),
    D("Le lieu est référencé pour le Pass AFN [[et l'équipe aide à monter le dossier|depuis son lancement|pour l'ensemble de ses prestations]]."),
    D("Le Pass AFN est accepté, y compris pour une première prise en main des machines.", profs=FT + FORM),
    D("Vous avez un Pass AFN ? Il peut financer [[votre prototype|une partie de votre projet|vos premières pièces]] ici."),
    D("Paiement possible avec le Pass AFN, [[sur présentation du bon|après validation du devis|sans avance de frais]]."),
    D("Les entreprises peuvent régler tout ou partie de leur projet avec le Pass AFN."),
    D("Pass AFN accepté : [[l'équipe vous aide à remplir la demande|la demande se fait en ligne en quelques minutes|signalez-le dès le premier contact]]."),
    D("Le Pass AFN [[fonctionne ici|est utilisable ici|peut être utilisé ici]] pour [[la conception comme pour la fabrication|les prototypes et les petites séries|l'accompagnement et les heures machine]]."),
]
CLOSINGS = [
    D("Le plus simple pour découvrir le lieu : passer pendant une permanence, il y a toujours quelqu'un pour faire visiter.", profs=FT + MED),
    D("Venez avec une idée, vous repartirez avec un objet.", profs=FT),
    D("Une visite vaut mieux qu'un long discours : la porte est ouverte pendant les permanences.", profs=FT + MED),
    D("Renseignements et inscriptions sur le site du lieu ou directement à l'accueil."),
    D("Le café est offert, les idées aussi.", profs=FT + MED),
    D("Premier rendez-vous gratuit pour parler de votre projet.", tags="PRO", profs=PRO + LAB),
    D("Devis gratuit sur simple envoi de vos fichiers ou de vos croquis.", tags="PRO", profs=PRO),
    D("Les inscriptions aux sessions se font en ligne ou à l'accueil.", profs=FORM),
]

# -- opening hours -------------------------------------------------------------------

DAYSETS = ["Du lundi au vendredi", "Du mardi au samedi", "Du mercredi au samedi", "Du mardi au vendredi",
           "Lundi, mercredi et vendredi", "Mardi, jeudi et samedi", "Mercredi et samedi",
           "Mercredi, vendredi et samedi", "Du lundi au samedi", "Mardi et jeudi"]
HOURS = ["9h-12h / 14h-18h", "14h-19h", "10h-18h", "13h30-18h30", "9h30-17h30", "14h-20h",
         "10h-12h30 / 14h-18h", "15h-21h", "10h-19h"]
HOURS_PRO = ["Du lundi au vendredi, 8h30-12h30 / 13h30-17h30", "Du lundi au jeudi 8h-17h, le vendredi 8h-12h",
             "Sur rendez-vous du lundi au vendredi, 9h-18h", "Du lundi au vendredi, 8h-18h",
             "Du lundi au vendredi de 7h30 à 16h30", "Du lundi au vendredi, 9h-12h30 / 14h-18h"]
HOURS_MEDIATION = ["Lundi, mardi, jeudi et vendredi, 9h-12h / 14h-17h", "Du mardi au samedi, 10h-12h / 14h-18h",
                   "Mardi et jeudi 14h-18h, mercredi 9h-12h", "Du lundi au vendredi, 9h-17h",
                   "Mercredi et samedi de 10h à 17h", "Mardi, mercredi et vendredi, 13h30-17h30",
                   "Du lundi au vendredi, 8h30-12h / 13h30-17h"]
HOURS_FORMATION = ["Du lundi au vendredi, 8h-17h (sessions sur inscription)", "Du lundi au vendredi, 8h30-17h30",
                   "Du lundi au jeudi, 8h-18h ; cours du soir le mardi de 18h à 21h",
                   "Du lundi au vendredi de 9h à 17h, hors vacances scolaires"]
HOURS_EXTRAS_LAB = ["nocturne le jeudi jusqu'à 22h", "open lab le vendredi de 18h à 22h", "le samedi de 10h à 17h",
                    "fermé en août", "fermé pendant les vacances de Noël", "sur rendez-vous pour les entreprises",
                    "un samedi par mois de 10h à 16h", "horaires réduits pendant les vacances scolaires",
                    "permanence pour les entreprises le mardi matin"]
HOURS_EXTRAS_PRO = ["fermé trois semaines en août", "accueil des livraisons jusqu'à 16h",
                    "permanence téléphonique le samedi matin"]
HOURS_EXTRAS_PUBLIC = ["fermé en août", "sur rendez-vous le samedi matin", "fermé les jours fériés",
                       "horaires réduits pendant les vacances scolaires"]


# ---------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------


def build_catalogue(gazetteer: Path = DEFAULT_GAZETTEER) -> tuple[list[dict], dict[str, list[tuple[str | None, str]]]]:
    """All records (sorted) and, per workshop id, the capability each service sentence was written for."""
    rng = random.Random(SEED)
    communes = load_communes(gazetteer)
    placements = plan_placements(communes, rng)
    profiles = assign_profiles(placements, rng)
    drafts = [Draft(pl, prof) for pl, prof in zip(placements, profiles)]
    for d in drafts:
        draw_capabilities(d, rng)
    finalize_capabilities(drafts, rng)
    used_names: set[str] = set()
    used_ids: set[str] = set()
    svc_counter: Counter[str] = Counter()
    openings: Counter[str] = Counter()
    desc_used: Counter[str] = Counter()
    records = []
    sources = {}
    for d in drafts:
        rec = build_record(d, rng, used_names, used_ids, svc_counter, openings, desc_used)
        records.append(rec)
        sources[rec["id"]] = d.sources
    records.sort(key=lambda r: (dep_sort_key(r["insee"]), r["id"]))
    return records, sources


def render(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Génère le catalogue de démonstration des ateliers.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    args = parser.parse_args(argv)
    records, _ = build_catalogue(args.gazetteer)
    data = render(records).encode("utf-8")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    print(f"{len(records)} ateliers écrits dans {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
