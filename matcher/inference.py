"""What a need asks for: capabilities inferred from its words and its meaning, and its scope.

Two signals:
- lexical: the taxonomy's synonyms (stemmed, accents and stop words forgiven) found in the
  need, longest phrase first; each phrase found becomes a required group of capability codes;
- semantic: cosine between the need and each capability (its label, description and
  synonyms), used when the words alone say nothing and as a soft preference otherwise.

Words are read from what the need **asks**, not from what the company **is** or what the thing is
**for** (:mod:`matcher.need_roles`); a material or an object (``qualifiers`` of the taxonomy:
« contreplaqué », « capteurs ») is required only when no process is named; a group implied by another
(``[usinage]`` and ``[soudure ou usinage]``) is dropped.

A need with no word of the taxonomy whose nearest "hors sujet" examples are closer than its nearest
in-scope examples (``data/scope.json``) is out of scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import need_roles
from .errors import DataError
from .settings import Settings
from .taxonomy import MACHINE_CODES, Taxonomy
from .text import query_tokens, tokens


@dataclass
class Inference:
    """Capabilities a need requires, why, and whether it is in scope."""

    #: conjunction of groups; a workshop satisfies a group with any one of its codes
    groups: list[list[str]] = field(default_factory=list)
    #: phrase of the need → codes it revealed
    evidence: dict[str, list[str]] = field(default_factory=dict)
    #: semantic affinity of the need with every capability, in [0, 1] (softmax-like)
    affinity: dict[str, float] = field(default_factory=dict)
    best_capability_sim: float = 0.0
    best_out_sim: float = 0.0
    best_in_sim: float = 0.0
    out_of_scope: bool = False

    @property
    def codes(self) -> list[str]:
        return sorted({c for g in self.groups for c in g})


def _phrase_table(taxonomy: Taxonomy) -> tuple[dict[tuple[str, ...], set[str]], int]:
    table: dict[tuple[str, ...], set[str]] = {}
    for cap in taxonomy.capabilities:
        for phrase in [cap.label, *cap.synonyms]:
            key = tuple(tokens(phrase))
            if key:
                table.setdefault(key, set()).add(cap.code)
    return table, max((len(k) for k in table), default=1)


class CapabilityInferer:
    """Infers capabilities from a need's text and vector; one per taxonomy and encoder."""

    def __init__(self, taxonomy: Taxonomy, cap_vectors: np.ndarray, out_vectors: np.ndarray, settings: Settings,
                 in_vectors: np.ndarray | None = None):
        self.taxonomy = taxonomy
        self.codes = [c.code for c in taxonomy.capabilities]
        self.cap_vectors = cap_vectors
        self.out_vectors = out_vectors
        self.in_vectors = cap_vectors if in_vectors is None else in_vectors
        self.settings = settings
        self.table, self.max_len = _phrase_table(taxonomy)
        self.qualifiers = {tuple(tokens(q)) for q in taxonomy.qualifiers} - {()}

    def _is_qualifier(self, phrase: str) -> bool:
        return tuple(phrase.split()) in self.qualifiers

    def _qualified(self, found: dict[str, list[str]]) -> dict[str, list[str]]:
        """Process phrases, with the materials and objects that qualify them folded in: a material
        narrows an ambiguous process (« fraisage » of « aluminium » → metal); a material of the
        same family as a named process is not a need of its own (« fraiseuse » + « MDF »); one of
        another family stays (« imprimés en 3D » + « carton » découpé)."""
        process = {p: c for p, c in found.items() if not self._is_qualifier(p)}
        out = dict(process)
        for phrase, codes in found.items():
            if phrase in process:
                continue
            material = next((m for m in MATERIALS if set(codes) <= m), None)
            if material is not None:
                for p, c in process.items():
                    narrow = [x for x in c if x in material]
                    if narrow and len(narrow) < len(c):
                        out[p] = narrow
            if not any(family_of(codes) & family_of(c) for c in process.values()):
                out[phrase] = codes
        return out

    def asked(self, text: str) -> tuple[dict[str, list[str]], bool]:
        """The phrases of what ``text`` asks for, and whether it names anything the taxonomy knows:
        read without the company and the purpose, then without the company only, then whole, until
        a process is named; materials and objects only when no process is named anywhere."""
        readings = [self.lexical(t) for t in (need_roles.focus(text), need_roles.without_identity(text), text)]
        for found in readings:
            if any(not self._is_qualifier(p) for p in found):
                return self._qualified(found), True
        found = next((found for found in readings if found), {})
        return found, bool(found)

    @staticmethod
    def capability_texts(taxonomy: Taxonomy) -> list[list[str]]:
        """Texts whose mean embedding stands for each capability."""
        return [
            [f"{c.label} : {c.description}", f"{c.label} : {', '.join(c.synonyms[:25])}"]
            for c in taxonomy.capabilities
        ]

    def lexical(self, text: str) -> dict[str, list[str]]:
        """Phrases of the taxonomy found in ``text`` (longest first, no overlap)."""
        toks = query_tokens(text)
        found: dict[str, list[str]] = {}
        i = 0
        while i < len(toks):
            for n in range(min(self.max_len, len(toks) - i), 0, -1):
                key = tuple(toks[i : i + n])
                codes = self.table.get(key)
                if codes:
                    found[" ".join(key)] = sorted(codes)
                    i += n
                    break
            else:
                i += 1
        return found

    def infer(self, text: str, vector: np.ndarray) -> Inference:
        s = self.settings
        evidence, named = self.asked(text)
        sims = self.cap_vectors @ vector
        best = float(sims.max())
        best_out = _knn(self.out_vectors, vector, self.settings.scope_neighbours)
        best_in = _knn(self.in_vectors, vector, self.settings.scope_neighbours)
        z = np.exp((sims - best) / s.affinity_temperature)
        affinity = {c: float(v) for c, v in zip(self.codes, z / z.sum(), strict=True)}

        groups = required_groups(list(evidence.values()))
        if not groups:
            order = np.argsort(-sims)
            top, second = order[0], order[1]
            if sims[top] >= s.capability_sim_threshold:
                group = [self.codes[top]]
                if sims[top] - sims[second] < s.capability_sim_margin:
                    group.append(self.codes[second])
                groups.append(group)
        out_of_scope = not named and best_out - best_in > s.out_of_scope_margin
        return Inference(
            groups=[] if out_of_scope else groups,
            evidence=evidence,
            affinity=affinity,
            best_capability_sim=best,
            best_out_sim=best_out,
            best_in_sim=best_in,
            out_of_scope=out_of_scope,
        )


#: families of ways of making: a material of a family qualifies a process of the same family
FAMILIES = (
    frozenset({"decoupe_laser", "fraisage_cnc_bois", "usinage_metal", "fraisage_precision", "decoupe_vinyle",
               "marquage_laser_metal", "menuiserie", "metallerie_soudure"}),
    frozenset({"impression_3d_fdm", "impression_3d_resine", "impression_3d_poudre", "moulage", "thermoformage"}),
    frozenset({"electronique", "fabrication_pcb"}),
)
#: materials: what a wood or a metal narrows an ambiguous machining process to
MATERIALS = (
    frozenset({"decoupe_laser", "fraisage_cnc_bois", "menuiserie"}),
    frozenset({"usinage_metal", "metallerie_soudure", "fraisage_precision", "marquage_laser_metal"}),
)


def family_of(codes: list[str]) -> frozenset[str]:
    return frozenset().union(*(f for f in FAMILIES if f & set(codes)))


def required_groups(found: list[list[str]]) -> list[list[str]]:
    """The groups a workshop must satisfy, from the codes of each phrase found (in order): each
    once, without one implied by another (a group that contains another one is satisfied by it)."""
    groups: list[list[str]] = []
    for codes in found:
        if codes not in groups:
            groups.append(list(codes))
    return [g for g in groups if not any(set(h) < set(g) for h in groups)]


def _knn(anchors: np.ndarray, vector: np.ndarray, k: int) -> float:
    """Mean cosine of the ``k`` nearest anchors (0 without anchors)."""
    if not len(anchors):
        return 0.0
    sims = anchors @ vector
    k = min(k, len(sims))
    return float(np.sort(sims)[-k:].mean())


def is_machine_group(group: list[str]) -> bool:
    return any(c in MACHINE_CODES for c in group)


def load_scope_examples(path: Path) -> tuple[list[str], list[str]]:
    """(in-scope examples, out-of-scope examples) of ``data/scope.json``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        inside = [str(x) for x in data["in_scope_examples"]]
        outside = [str(x) for x in data["out_of_scope_examples"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DataError(f"Fichier d'exemples de périmètre invalide : {path} ({exc})") from exc
    return inside, outside
