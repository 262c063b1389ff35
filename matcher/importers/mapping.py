"""How each source's categories become our six profiles and our capability codes.

Every table here is explicit: a value that is not listed is *unmapped* and shows in the
import report (never guessed). The rules, in French, are summarised in the README.

* fablabs.io ``kind_name`` (fab_lab, mini_fab_lab, supernode) → ``fablab``.
* fablabs.io capability flags → one code each; ``three_d_printing`` → ``impression_3d_fdm``
  unless the lab's machines (machines file) are all resin or powder printers.
* machine classes (machines file) → one code, refined by the model name (resin, SLS, fibre laser,
  embroidery...); machines of class ``other`` are mapped only when their model is recognised.
* GeoJSON ``structure`` / ``type_lab`` (Brittany map, Makery map) → :data:`KIND_PROFILES`.
* Bourgogne-Franche-Comté ``code_typo`` → :data:`BFC_TYPOLOGY` (see :func:`bfc_profile`).
* A record with no capability at all keeps none: what it offers is unknown, not assumed from
  its profile (counted in the report). A list of equipment (fablabs.io flags, machines, an
  equipment column) rules out what it could name and does not (:data:`FLAG_VOCABULARY`,
  :data:`MACHINE_VOCABULARY`); a category or a text rules out nothing.
* ``accepts_companies`` defaults by profile (:data:`ACCEPTS_COMPANIES`): the majority value of
  each profile in the bundled catalogue; only mediation spaces default to ``False``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import normalize

# --- profiles -----------------------------------------------------------------------------

#: Source category (lower case) → (profile, capabilities the category itself implies).
#: Shared by the GeoJSON maps (Brittany ``structure``, Makery ``type_lab``), fablabs.io
#: ``kind_name`` and generic files whose typology column uses these words.
KIND_PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    # fablabs.io kind_name
    "fab_lab": ("fablab", ()),
    "mini_fab_lab": ("fablab", ()),
    "supernode": ("fablab", ()),
    # Brittany map (structure)
    "fablab": ("fablab", ()),
    "fablabmit": ("fablab", ()),
    "makerspace": ("fablab", ()),
    "hakerspace": ("fablab", ()),
    "hackerspace": ("fablab", ()),
    "tierslieu": ("tiers_lieu", ()),
    "tiers-lieu": ("tiers_lieu", ()),
    "tiers lieu": ("tiers_lieu", ()),
    "usages": ("espace_mediation", ("mediation_numerique",)),
    "cantine": ("tiers_lieu", ("coworking",)),
    "formation": ("espace_formation", ()),
    "frenchtech": ("labo_innovation", ("atelier_innovation",)),
    # Makery map (type_lab); "biohacklab" and "Art" have no counterpart: left unmapped
    "educ": ("espace_formation", ()),
    "medialab": ("labo_innovation", ()),
    # our own codes, for generic files that already use them
    "espace_mediation": ("espace_mediation", ()),
    "tiers_lieu": ("tiers_lieu", ()),
    "labo_innovation": ("labo_innovation", ()),
    "atelier_pro": ("atelier_pro", ()),
    "espace_formation": ("espace_formation", ()),
}

#: Bourgogne-Franche-Comté ``code_typo`` (codebook ``bfc_codebook_fields.json``):
#: code → (profile, implied capabilities, precedence: the highest wins when a place has several).
BFC_TYPOLOGY: dict[str, tuple[str, tuple[str, ...], int]] = {
    "M": ("espace_mediation", ("mediation_numerique",), 1),  # médiation publique
    "I": ("espace_mediation", ("mediation_numerique",), 1),  # information et accès aux droits
    "T": ("tiers_lieu", ("coworking",), 2),  # travail et collaboration
    "TL": ("tiers_lieu", (), 3),  # tiers-lieux
    "O": ("espace_formation", (), 4),  # formation
    "F": ("espace_mediation", (), 1),  # médiation et fabrication: noisy, see bfc_profile
}

#: Default ``accepts_companies`` per profile (majority in the bundled catalogue).
ACCEPTS_COMPANIES: dict[str, bool] = {
    "fablab": True,
    "atelier_pro": True,
    "labo_innovation": True,
    "espace_formation": True,
    "tiers_lieu": True,
    "espace_mediation": False,
}

#: Names that say "fablab" (used for the noisy BFC class F and for files without typology).
FABLAB_NAME = re.compile(r"\bfab\s*-?\s*lab\b|\bfablab|makerspace|hackerspace|\bfab\s*-?\s*lab", re.IGNORECASE)

#: Words of a name or a free text that name a profile, for files without a typology column.
PROFILE_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bfab\s*-?\s*lab|\bfablab|makerspace|hackerspace|atelier de fabrication num", re.I), "fablab"),
    (re.compile(r"\btiers[\s-]?lieux?\b", re.I), "tiers_lieu"),
    (re.compile(r"living\s*lab|laboratoire d'innovation|lab d'innovation", re.I), "labo_innovation"),
    (re.compile(r"m[ée]diath[èe]que|biblioth[èe]que|espace public num|\bepn\b|m[ée]diation num", re.I),
     "espace_mediation"),
)

#: Places that are out of scope whatever their category (bank branches in the BFC class F).
OUT_OF_SCOPE_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\bagence\b.*\bcr[ée]dit\b|\bcr[ée]dit agri?c?ole\b|\bbanque\b|\bcaisse d'[ée]pargne\b", re.I),
     "hors champ : agence bancaire"),
)


#: Source categories that name a place of fabrication (BFC code ``F`` counts only beside ``TL``
#: or a fablab's name: alone it also covers youth clubs and bank branches).
FABRICATION_KINDS = frozenset({"fab_lab", "mini_fab_lab", "supernode", "fablab", "fablabmit", "makerspace",
                               "hakerspace", "hackerspace"})
FABRICATION_WORDS = re.compile(r"\bfab\s*-?\s*lab|\bfablab|makerspace|hackerspace|atelier de fabrication|"
                               r"atelier (?:partag|collaboratif)|fabrication num[ée]rique|machines? [àa] commande num",
                               re.IGNORECASE)


def is_fabrication_place(profile: str | None, kinds: list[str], name: str, text: str, machine_found: bool) -> bool:
    """Whether a source says the place makes things: its category, its name or its own text, or
    a machine it lists (then a capability it does not list is plausible, not absent)."""
    if machine_found or profile in ("fablab", "atelier_pro"):
        return True
    lowered = {k.strip().lower() for k in kinds}
    if lowered & FABRICATION_KINDS:
        return True
    if "f" in lowered and ("tl" in lowered or FABLAB_NAME.search(name or "")):
        return True
    return bool(FABRICATION_WORDS.search(name or "") or FABRICATION_WORDS.search(text or ""))


def kind_profile(value: str) -> tuple[str, tuple[str, ...]] | None:
    """Profile and implied capabilities of one source category, or ``None`` when unknown."""
    return KIND_PROFILES.get(value.strip().lower())


def profile_from_words(*texts: str) -> str | None:
    """The profile named by words of a name or text (first rule that matches), if any."""
    for pattern, profile in PROFILE_WORDS:
        if any(pattern.search(t or "") for t in texts):
            return profile
    return None


@dataclass(frozen=True)
class BfcClass:
    profile: str | None
    capabilities: tuple[str, ...]
    unmapped: tuple[str, ...]


def bfc_profile(codes: list[str], name: str) -> BfcClass:
    """Profile of a BFC place from its ``code_typo`` codes (and its name for class ``F``).

    Class F ("médiation et fabrication") is noisy: a place of class F is a ``fablab`` only
    when its name says so (fablab, fab lab, makerspace...); otherwise it is read like the other
    codes it carries, or as a mediation space."""
    best: tuple[int, str] | None = None
    caps: list[str] = []
    unmapped: list[str] = []
    for raw in codes:
        code = raw.strip().upper()
        if not code:
            continue
        entry = BFC_TYPOLOGY.get(code)
        if entry is None:
            unmapped.append(raw.strip())
            continue
        profile, implied, rank = entry
        caps.extend(c for c in implied if c not in caps)
        if best is None or rank > best[0]:
            best = (rank, profile)
    upper = {c.strip().upper() for c in codes}
    if "F" in upper and FABLAB_NAME.search(name):
        return BfcClass("fablab", tuple(caps), tuple(unmapped))
    return BfcClass(best[1] if best else None, tuple(caps), tuple(unmapped))


def out_of_scope(name: str) -> str | None:
    """A rejection reason when the name is that of an out-of-scope place."""
    for pattern, reason in OUT_OF_SCOPE_NAMES:
        if pattern.search(name):
            return reason
    return None


# --- capabilities -------------------------------------------------------------------------

#: fablabs.io capability flags (``capabilities`` field).
FABLABS_FLAGS: dict[str, str] = {
    "three_d_printing": "impression_3d_fdm",
    "laser": "decoupe_laser",
    "cnc_milling": "fraisage_cnc_bois",
    "precision_milling": "fraisage_precision",
    "vinyl_cutting": "decoupe_vinyle",
    "circuit_production": "fabrication_pcb",
}

#: Codes a list of fablabs.io flags can name: a lab that flags some and not one of these does not
#: have it, by its record. ``three_d_printing`` stands for every 3D printing process: without it
#: resin and powder printing are ruled out too; with it they stay unknown.
FLAG_VOCABULARY: frozenset[str] = frozenset(FABLABS_FLAGS.values())
PRINTING_CODES: frozenset[str] = frozenset({"impression_3d_fdm", "impression_3d_resine", "impression_3d_poudre"})


def flag_vocabulary(flags: list[str]) -> frozenset[str]:
    """What a non-empty list of fablabs.io flags can rule out (see :data:`FLAG_VOCABULARY`)."""
    if not any(f.strip().lower() == "three_d_printing" for f in flags):
        return FLAG_VOCABULARY | PRINTING_CODES
    return FLAG_VOCABULARY

#: Machine classes of the fablabs.io machines file (``class_1``); ``other`` is read from the model.
MACHINE_CLASSES: dict[str, str] = {
    "three_d_printer": "impression_3d_fdm",
    "laser": "decoupe_laser",
    "cnc_milling": "fraisage_cnc_bois",
    "precision_milling": "fraisage_precision",
    "vinyl_cutting": "decoupe_vinyle",
    "scanner": "scanner_3d",
    "circuit_production": "fabrication_pcb",
}

_RESIN = re.compile(r"formlabs|\bform\s?[1-4]\b|\bsla\b|\bdlp\b|r[ée]sine|\bresin|photon|asiga|peopoly|elegoo|"
                    r"phrozen|\bb9|objet\s?\d|polyjet|duplicator 7|\bd7\b", re.I)
_POWDER = re.compile(r"\bsls\b|sinterit|formiga|\bfuse\b|jet fusion|\bmjf\b|projet cjp|\bcjp\b|\bslm\b|dmls", re.I)
_FIBRE = re.compile(r"\bfib(re|er)\b|laser fibre|fiber laser", re.I)
_SCAN = re.compile(r"\bscan", re.I)

#: Model words of machines of class ``other`` (and refinements of the other classes).
MODEL_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"embroider|brod|in+ov-?'?is|\bpe\s?800|\bpr[\s-]?6\d\d|sewing|coudre|couture|singer|"
                r"knit|tricot|kh930|surjeteuse|heat press|presse? (à|a) chaud|sublimation|holipress|"
                r"hotronix|prensa termica", re.I), "textile_numerique"),
    (re.compile(r"vacuum form|formbox|formech|thermoform|instaforma", re.I), "thermoformage"),
    (re.compile(r"reflow|refusion|pick and place|pick-and-place|voltera", re.I), "fabrication_pcb"),
    (re.compile(r"solder|soudure [àa] l'[ée]tain|oscilloscope|power supply|function generator|"
                r"alimentation de labo|picoscope|otii", re.I), "electronique"),
    (re.compile(r"\blathe\b|\btour (à|a) m[ée]taux\b", re.I), "usinage_metal"),
    (re.compile(r"table saw|band saw|scie|mitre|miter|esquadria|serra de fita|raboteuse|toupie", re.I), "menuiserie"),
    (re.compile(r"ciclop|nextengine|kinect|carmine|einscan|scanner|digitizer", re.I), "scanner_3d"),
    (re.compile(r"projet cjp|\bcjp\b", re.I), "impression_3d_poudre"),
    (re.compile(r"epilog|trotec|laser cut|découpe laser", re.I), "decoupe_laser"),
    (re.compile(r"silicone|moulage|casting", re.I), "moulage"),
    (re.compile(r"\bwelder\b|\bmig\b|\btig\b|plasma", re.I), "metallerie_soudure"),
)


#: Codes a lab's list of machines can name through their classes (``other`` names anything, so
#: nothing beyond these is ruled out by a list that does not show it).
MACHINE_VOCABULARY: frozenset[str] = frozenset(
    {*MACHINE_CLASSES.values(), "impression_3d_resine", "impression_3d_poudre", "marquage_laser_metal"})


def machine_capability(klass: str, model: str) -> str | None:
    """Our capability for one machine: its class, refined by its model; ``None`` when unknown."""
    k = klass.strip().lower()
    if k == "three_d_printer":
        if _POWDER.search(model):
            return "impression_3d_poudre"
        if _RESIN.search(model):
            return "impression_3d_resine"
        return "impression_3d_fdm"
    if k == "laser":
        if _SCAN.search(model):
            return "scanner_3d"
        return "marquage_laser_metal" if _FIBRE.search(model) else "decoupe_laser"
    if k in MACHINE_CLASSES:
        return MACHINE_CLASSES[k]
    for pattern, code in MODEL_WORDS:
        if pattern.search(model):
            return code
    return None


def flag_capabilities(flags: list[str], machine_codes: set[str]) -> tuple[dict[str, str], list[str]]:
    """fablabs.io flags → {code: flag}; unknown flags returned apart.

    ``three_d_printing`` gives ``impression_3d_fdm`` unless the lab's machines list 3D
    printers and none of them is a filament printer (then the machines say resin or powder)."""
    out: dict[str, str] = {}
    unknown: list[str] = []
    printers = machine_codes & {"impression_3d_fdm", "impression_3d_resine", "impression_3d_poudre"}
    for flag in flags:
        f = flag.strip().lower()
        if not f:
            continue
        code = FABLABS_FLAGS.get(f)
        if code is None:
            unknown.append(flag.strip())
            continue
        if f == "three_d_printing" and printers and "impression_3d_fdm" not in printers:
            for c in sorted(printers):
                out.setdefault(c, f)
            continue
        out.setdefault(code, f)
    return out, unknown


#: Words of a source's own free text that name a capability (French and English).
TEXT_WORDS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"imprimante(s)? 3d|impression 3d|impressions 3d|3d print|imprimante(s)? 3 ?d\b", re.I),
     "impression_3d_fdm"),
    (re.compile(r"r[ée]sine|\bsla\b|resin print", re.I), "impression_3d_resine"),
    (re.compile(r"d[ée]coupe(use)? laser|graveuse laser|gravure laser|laser cut|lasercut|laser co2|\blasers?\b", re.I),
     "decoupe_laser"),
    (re.compile(r"\bcnc\b|fraiseuse num|fraisage num|shopbot|\brouter\b|d[ée]fonceuse num", re.I), "fraisage_cnc_bois"),
    (re.compile(r"d[ée]coupe vinyle|vinyl|plotter de d[ée]coupe|plotter|traceur de d[ée]coupe|cameo", re.I),
     "decoupe_vinyle"),
    (re.compile(r"[ée]lectronique|electronics|arduino|raspberry|microcontr[ôo]leur", re.I), "electronique"),
    (re.compile(r"circuits? imprim[ée]s?|\bpcb\b", re.I), "fabrication_pcb"),
    (re.compile(r"brodeuse|broderie|machines? [àa] coudre|couture|textile|embroider|sewing", re.I),
     "textile_numerique"),
    (re.compile(r"thermoform", re.I), "thermoformage"),
    (re.compile(r"scanner 3d|scan 3d|3d scan|photogramm[ée]trie", re.I), "scanner_3d"),
    (re.compile(r"usinage|tournage|\btour [àa] m[ée]taux", re.I), "usinage_metal"),
    (re.compile(r"m[ée]tallerie|soudure|welding", re.I), "metallerie_soudure"),
    (re.compile(r"atelier bois|menuiserie|woodwork|[ée]b[ée]nisterie", re.I), "menuiserie"),
    (re.compile(r"moulage|\bmoules?\b|silicone", re.I), "moulage"),
    (re.compile(r"coworking|co-working|espace de travail partag[ée]|bureaux? partag[ée]s?", re.I), "coworking"),
    (re.compile(r"m[ée]diation num[ée]rique|initiation [àa] l'informatique|accompagnement informatique|"
                r"inclusion num[ée]rique|d[ée]marches en ligne", re.I), "mediation_numerique"),
)


def text_capabilities(text: str) -> dict[str, str]:
    """Capabilities a source's own text names: {code: the words found}."""
    out: dict[str, str] = {}
    for pattern, code in TEXT_WORDS:
        m = pattern.search(text or "")
        if m and code not in out:
            out[code] = m.group(0)
    return out


_INNER_APOSTROPHE = re.compile(r"(?<=\w\w)['’](?=\w)")


def name_key(name: str) -> str:
    """A name reduced for comparison: accents, case and "fab lab" forms normalised, an
    apostrophe inside a word dropped ("Fab'rique" = "Fabrique"; "L'Abscisse" keeps its elision)."""
    n = normalize(_INNER_APOSTROPHE.sub("", name))
    n = re.sub(r"\bfab\s+lab\b|\bfab-lab\b", "fablab", n)
    return " ".join(n.split())
