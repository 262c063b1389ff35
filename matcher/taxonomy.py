"""Capability taxonomy and workshop profiles.

The codes are fixed (the API, the catalogue and the evaluation labels use them); labels,
descriptions and synonyms are French text kept in ``data/taxonomy.json``.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, ValidationError

from .errors import DataError

MACHINE_CODES: tuple[str, ...] = (
    "impression_3d_fdm",
    "impression_3d_resine",
    "impression_3d_poudre",
    "decoupe_laser",
    "marquage_laser_metal",
    "fraisage_cnc_bois",
    "usinage_metal",
    "fraisage_precision",
    "decoupe_vinyle",
    "electronique",
    "fabrication_pcb",
    "textile_numerique",
    "thermoformage",
    "moulage",
    "scanner_3d",
    "metallerie_soudure",
    "menuiserie",
)
SERVICE_CODES: tuple[str, ...] = (
    "conception_cao",
    "accompagnement_prototypage",
    "petite_serie",
    "formation_fabrication",
    "atelier_innovation",
    "mediation_numerique",
    "coworking",
)
CAPABILITY_CODES: tuple[str, ...] = MACHINE_CODES + SERVICE_CODES

PROFILE_CODES: tuple[str, ...] = (
    "espace_mediation",
    "tiers_lieu",
    "fablab",
    "labo_innovation",
    "atelier_pro",
    "espace_formation",
)


def _capability_code(v: str) -> str:
    if v not in CAPABILITY_CODES:
        raise ValueError(f"code de capacité inconnu : {v}")
    return v


def _profile_code(v: str) -> str:
    if v not in PROFILE_CODES:
        raise ValueError(f"profil inconnu : {v}")
    return v


#: A string that must be one of the fixed capability codes (French error otherwise).
CapabilityCode = Annotated[str, AfterValidator(_capability_code)]
#: A string that must be one of the six profile codes.
ProfileCode = Annotated[str, AfterValidator(_profile_code)]


class Capability(BaseModel):
    code: CapabilityCode
    kind: Literal["machine", "service"]
    label: str = Field(min_length=2)
    description: str = Field(min_length=20)
    synonyms: list[str] = Field(min_length=8)


Prior = Annotated[float, Field(ge=0.0, le=1.0)]


class Plausibility(BaseModel):
    """How plausible a capability that no source confirms nor rules out is, at a kind of place:
    one value for machines, one for services, and exceptions by code."""

    machines: Prior = 0.0
    services: Prior = 0.0
    codes: dict[CapabilityCode, Prior] = Field(default_factory=dict)

    def of(self, code: str) -> float:
        if code in self.codes:
            return self.codes[code]
        return self.machines if code in MACHINE_CODES else self.services


class Profile(BaseModel):
    code: ProfileCode
    label: str
    description: str
    plausible: Plausibility = Field(default_factory=Plausibility)


class Taxonomy(BaseModel):
    version: str
    capabilities: list[Capability]
    profiles: list[Profile]
    #: the plausibility at a place a source calls a place of fabrication, whatever its profile
    fabrication_place: Plausibility = Field(default_factory=Plausibility)
    #: phrases that name a material or an object, not a way of making: when a need also names a
    #: process, they qualify it (« fraisage d'une plaque d'aluminium ») instead of being required
    qualifiers: list[str] = Field(default_factory=list)
    #: sha256 of the file, part of the index manifest
    digest: str = ""

    def prior(self, profile: str, code: str, fabrication_place: bool = False) -> float:
        """Plausibility of ``code``, unknown to the sources, at a place of ``profile``."""
        value = self.profile(profile).plausible.of(code)
        return max(value, self.fabrication_place.of(code)) if fabrication_place else value

    def capability(self, code: str) -> Capability:
        return self._caps()[code]

    def profile(self, code: str) -> Profile:
        return {p.code: p for p in self.profiles}[code]

    def label(self, code: str) -> str:
        caps = self._caps()
        if code in caps:
            return caps[code].label
        return self.profile(code).label

    def _caps(self) -> dict[str, Capability]:
        return {c.code: c for c in self.capabilities}


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate the taxonomy file; every fixed code must be present exactly once."""
    try:
        raw = Path(path).read_bytes()
        tax = Taxonomy.model_validate(json.loads(raw))
    except FileNotFoundError as exc:
        raise DataError(f"Fichier de taxonomie introuvable : {path}") from exc
    except (json.JSONDecodeError, ValidationError) as exc:
        raise DataError(f"Taxonomie invalide ({path}) : {exc}") from exc
    codes = [c.code for c in tax.capabilities]
    if sorted(codes) != sorted(CAPABILITY_CODES):
        missing = sorted(set(CAPABILITY_CODES) - set(codes))
        raise DataError(f"Taxonomie incomplète ou en double ({path}) ; manquants : {missing}")
    if sorted(p.code for p in tax.profiles) != sorted(PROFILE_CODES):
        raise DataError(f"Profils incomplets ou en double dans la taxonomie ({path})")
    for cap in tax.capabilities:
        expected = "machine" if cap.code in MACHINE_CODES else "service"
        if cap.kind != expected:
            raise DataError(f"La capacité {cap.code} doit être de type {expected}")
    tax.digest = hashlib.sha256(raw).hexdigest()
    return tax


@lru_cache(maxsize=4)
def _cached(path: str) -> Taxonomy:
    return load_taxonomy(Path(path))


def get_taxonomy(path: Path | None = None) -> Taxonomy:
    """The taxonomy named in the settings (cached)."""
    if path is None:
        from .settings import get_settings

        path = get_settings().taxonomy
    return _cached(str(path))
