"""What we know of each capability of each workshop, and how sure we are.

A capability of a workshop is, by the records:

* **confirmed**: declared by the workshop itself (its own listing: the bundled catalogue, or a
  workshop's edit), or listed by a source (a fablabs.io flag, a machine, the words of its text,
  its category; with the source and its date);
* **absent**: the workshop's own listing leaves it out, or a source that lists such equipment
  lists others and not this one (``Workshop.ruled_out``);
* **unknown**: anything else at an imported place. How plausible it is depends on the kind of
  place (``data/taxonomy.json``, ``plausible`` of each profile, and ``fabrication_place`` for a
  place a source calls a place of fabrication): an unknown capability at a fablab is plausible
  (« à confirmer avec l'atelier »), at a library it is not.

Matching reads one number per workshop and capability, its **support**: 1 confirmed, the prior
when unknown, 0 absent. A need's group is confirmed when one of its codes is, plausible when one
of its codes has a support of at least ``settings.plausible_min_support``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, Field

from .catalogue import Evidence, Provenance, Workshop
from .taxonomy import CAPABILITY_CODES, PROFILE_CODES, Taxonomy

CODE_POS = {c: j for j, c in enumerate(CAPABILITY_CODES)}
PROFILE_POS = {p: j for j, p in enumerate(PROFILE_CODES)}

Status = Literal["confirmed", "to_confirm", "absent"]
Level = Literal["confirmed", "to_confirm", "partial"]

#: French names of the source formats, for « d'après ... »
SOURCE_LABELS = {"fablabs-json": "fablabs.io", "fablabs-csv": "fablabs.io",
                 "bfc-csv": "l'inventaire régional de Bourgogne-Franche-Comté"}


def source_label(source: str, file: str) -> str:
    """How a company reads a source: « fablabs.io », or the file it came from."""
    return SOURCE_LABELS.get(source) or file


def year_of(date: str) -> str:
    return date[:4] if date else ""


def according_to(items: Iterable[Provenance | Evidence]) -> str:
    """« d'après fablabs.io, 2023 et carte.geojson, 2020 »: each source once, its newest year."""
    newest: dict[str, str] = {}
    for it in items:
        label = source_label(it.source, it.file)
        newest[label] = max(newest.get(label, ""), year_of(it.date))
    parts = [f"{label}, {year}" if year else label for label, year in newest.items()]
    if not parts:
        return ""
    return "d'après " + (", ".join(parts[:-1]) + " et " + parts[-1] if len(parts) > 1 else parts[0])


# --- the support matrix ----------------------------------------------------------------
_TABLES: dict[str, np.ndarray] = {}


def prior_table(taxonomy: Taxonomy) -> np.ndarray:
    """(profiles, fabrication place or not, capabilities) → prior of an unknown capability,
    computed once per taxonomy (by its digest)."""
    key = taxonomy.digest or f"id-{id(taxonomy)}"
    table = _TABLES.get(key)
    if table is None:
        table = np.zeros((len(PROFILE_CODES), 2, len(CAPABILITY_CODES)), dtype=np.float32)
        for p, profile in enumerate(PROFILE_CODES):
            for fab in (0, 1):
                table[p, fab] = [taxonomy.prior(profile, c, bool(fab)) for c in CAPABILITY_CODES]
        _TABLES[key] = table
    return table


def support_row(w: Workshop, priors: np.ndarray) -> np.ndarray:
    """One workshop's support of every capability: 1 confirmed, 0 absent, its prior if unknown."""
    if w.listing == "declared":
        row = np.zeros(len(CAPABILITY_CODES), dtype=np.float32)
    else:
        row = priors[PROFILE_POS[w.profile], int(w.fabrication_place)].copy()
        row[[CODE_POS[c] for c in w.ruled_out]] = 0.0
    row[[CODE_POS[c] for c in w.capabilities]] = 1.0
    return row


@dataclass
class NeedSupport:
    """How every workshop (or candidate) stands against the groups a need requires."""

    confirmed: np.ndarray  # bool: every group confirmed
    plausible: np.ndarray  # bool: every group at least plausible (confirmed included)
    machine_coverage: np.ndarray  # mean support over the machine groups (1 when none)
    service_coverage: np.ndarray


def need_support(groups: Sequence[Sequence[str]], support_by_code: np.ndarray, is_machine, threshold: float,
                 at: np.ndarray | None = None) -> NeedSupport:
    """:class:`NeedSupport` from the transposed support matrix (one contiguous row per code);
    ``at``: only those workshops."""
    n = support_by_code.shape[1] if at is None else at.size
    confirmed = np.ones(n, dtype=bool)
    plausible = np.ones(n, dtype=bool)
    sums = {True: np.zeros(n, dtype=np.float32), False: np.zeros(n, dtype=np.float32)}
    counts = {True: 0, False: 0}
    for g in groups:
        rows = support_by_code[[CODE_POS[c] for c in g]]
        if at is not None:
            rows = rows[:, at]
        best = rows.max(axis=0)
        confirmed &= best >= 1.0
        plausible &= best >= threshold
        kind = bool(is_machine(g))
        sums[kind] += best
        counts[kind] += 1
    cov = {k: (sums[k] / counts[k]).astype(np.float32) if counts[k] else np.ones(n, dtype=np.float32)
           for k in (True, False)}
    return NeedSupport(confirmed, plausible, cov[True], cov[False])


# --- what a result shows ---------------------------------------------------------------
class EvidenceSource(BaseModel):
    source: str  # « fablabs.io », a file name
    date: str
    kind: str  # flag, machine, text, typology, column
    detail: str


class CapabilityEvidence(BaseModel):
    """One capability the need asks for, at one workshop: where we stand and why."""

    code: str
    label: str
    status: Status
    basis: Literal["declared", "source", "unknown", "ruled_out", "not_declared"]
    text: str = Field(description="En français : « déclaré par l'atelier », « d'après fablabs.io, 2023 »...")
    sources: list[EvidenceSource] = Field(default_factory=list)


KIND_WORDS = {"flag": "capacité", "machine": "machine", "text": "texte", "typology": "catégorie",
              "column": "équipements"}


def capability_evidence(w: Workshop, code: str, taxonomy: Taxonomy, support: float, threshold: float
                        ) -> CapabilityEvidence:
    label = taxonomy.label(code)
    if code in w.capabilities:
        if w.listing == "declared" or not w.evidence:
            return CapabilityEvidence(code=code, label=label, status="confirmed", basis="declared",
                                      text="déclaré par l'atelier")
        found = [e for e in w.evidence if e.code == code]
        return CapabilityEvidence(
            code=code, label=label, status="confirmed", basis="source", text=according_to(found) or "d'après les sources",
            sources=[EvidenceSource(source=source_label(e.source, e.file), date=e.date, kind=e.kind, detail=e.detail)
                     for e in found])
    if w.listing == "declared":
        return CapabilityEvidence(code=code, label=label, status="absent", basis="not_declared",
                                  text="non déclaré par l'atelier")
    if code in w.ruled_out:
        return CapabilityEvidence(code=code, label=label, status="absent", basis="ruled_out",
                                  text="absent de la liste d'équipements de " + (according_to(w.sources)[len("d'après "):]
                                                                                or "la source"))
    status: Status = "to_confirm" if support >= threshold else "absent"
    return CapabilityEvidence(code=code, label=label, status=status, basis="unknown",
                              text="à confirmer avec l'atelier" if status == "to_confirm"
                              else "non indiqué par les sources")


def group_evidence(w: Workshop, groups: Sequence[Sequence[str]], taxonomy: Taxonomy, support: np.ndarray,
                   threshold: float) -> list[CapabilityEvidence]:
    """For each group of the need, the code that serves it best at ``w`` (confirmed, else the most
    plausible), with its evidence; ``support``: the workshop's support row."""
    out: list[CapabilityEvidence] = []
    seen: set[str] = set()
    for g in groups:
        code = max(g, key=lambda c: (support[CODE_POS[c]], -g.index(c)))
        if code not in seen:
            seen.add(code)
            out.append(capability_evidence(w, code, taxonomy, float(support[CODE_POS[code]]), threshold))
    return out


def level_of(evidence: Sequence[CapabilityEvidence]) -> Level:
    if all(e.status == "confirmed" for e in evidence):
        return "confirmed"
    if all(e.status != "absent" for e in evidence):
        return "to_confirm"
    return "partial"
