"""Labelled evaluation needs: the pydantic model, the JSONL loader and the label check.

One need per line of ``eval/needs_dev.jsonl`` (tuning) or ``eval/needs_test.jsonl`` (held out)::

    {"id": "d001", "text": "...", "commune": "Lorient", "requires": [["decoupe_laser", "fraisage_cnc_bois"]],
     "radius_km": 40, "out_of_scope": false, "register": "formel"}

``requires`` is a conjunction of groups; a group is satisfied when a workshop has at least one
of its capability codes. A flat list of codes (``["decoupe_laser", "conception_cao"]``) means
every code is required and is normalised to groups of one. An out-of-scope need has
``requires == []`` and ``out_of_scope == true``, and only then.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from matcher.errors import DataError
from matcher.taxonomy import CAPABILITY_CODES

#: How a need is written; the evaluation breaks its results down by register.
REGISTERS: tuple[str, ...] = (
    "formel",  # formal request
    "mots_cles",  # terse keywords
    "recit_long",  # a 4-6 sentence story about the company
    "fautes",  # spelling mistakes
    "sans_accents",  # accents missing
    "anglais",  # written in English
    "jargon_marque",  # jargon and brand names
    "implicite",  # the process is only implied by the object wanted
    "hors_sujet",  # out of scope
)

MAX_RADIUS_KM = 500.0

_ID_PATTERN = r"^[A-Za-z0-9_-]+$"


def normalize_requires(value: Any) -> list[list[str]]:
    """Groups of codes from what a file holds: a flat string becomes a group of one.

    ``["a", "b"]`` → ``[["a"], ["b"]]`` (both required); ``[["a", "b"]]`` stays (either one).
    Raises ``ValueError`` with a French message on anything else.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError("une liste de groupes de codes de capacité est attendue")
    groups: list[list[str]] = []
    for i, item in enumerate(value, 1):
        if isinstance(item, str):
            group = [item]
        elif isinstance(item, list) and all(isinstance(c, str) for c in item):
            group = list(item)
        else:
            raise ValueError(f"le groupe n° {i} doit être un code ou une liste de codes (texte)")
        if not group:
            raise ValueError(f"le groupe n° {i} est vide")
        unknown = [c for c in group if c not in CAPABILITY_CODES]
        if unknown:
            raise ValueError(f"code de capacité inconnu : {', '.join(unknown)}")
        if len(set(group)) != len(group):
            raise ValueError(f"le groupe n° {i} contient un code en double")
        groups.append(group)
    return groups


# ``register`` is also the name of ABCMeta.register on pydantic's metaclass: pydantic warns that
# the field "shadows" it, which is harmless (instances read the field; nobody registers ABCs here).
warnings.filterwarnings("ignore", message='Field name "register" in "Need" shadows', category=UserWarning)


class Need(BaseModel):
    """A company's need written in plain language, with the capabilities it truly requires."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=40, pattern=_ID_PATTERN)
    text: str = Field(min_length=3, max_length=5000)
    commune: str = Field(min_length=1, max_length=200)
    requires: list[list[str]] = Field(default_factory=list)
    radius_km: float = Field(gt=0, le=MAX_RADIUS_KM)
    out_of_scope: bool = False
    register: str | None = None

    @field_validator("text", "commune")
    @classmethod
    def _not_blank(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("ne doit pas être vide")
        return v

    @field_validator("requires", mode="before")
    @classmethod
    def _groups(cls, v: Any) -> list[list[str]]:
        return normalize_requires(v)

    @field_validator("register")
    @classmethod
    def _register(cls, v: str | None) -> str | None:
        if v is not None and v not in REGISTERS:
            raise ValueError(f"registre inconnu : {v} (attendu : {', '.join(REGISTERS)})")
        return v

    @model_validator(mode="after")
    def _scope(self) -> Need:
        if self.out_of_scope and self.requires:
            raise ValueError(
                "champs « out_of_scope » et « requires » incohérents : un besoin hors sujet "
                "n'exige aucune capacité (« requires » doit être [])"
            )
        if not self.out_of_scope and not self.requires:
            raise ValueError(
                "champs « out_of_scope » et « requires » incohérents : un besoin dans le champ "
                "doit exiger au moins une capacité (sinon « out_of_scope » vaut true)"
            )
        return self

    @property
    def codes(self) -> set[str]:
        """Every capability code named by the need, in any group."""
        return {c for group in self.requires for c in group}


def satisfies(requires: Iterable[Iterable[str] | str], capabilities: Iterable[str]) -> bool:
    """True when every group of ``requires`` has at least one code in ``capabilities``.

    A bare code in ``requires`` is a group of one (so a flat list means each code is
    required). An empty ``requires`` (out-of-scope need) is vacuously satisfied: callers
    decide what a hit means for such needs. An empty group can never be satisfied.
    """
    caps = set(capabilities)
    for group in requires:
        options = (group,) if isinstance(group, str) else tuple(group)
        if not any(code in caps for code in options):
            return False
    return True


# ------------------------------------------------------------------------ loader

def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _french(err: dict[str, Any]) -> str:
    """A French sentence for one pydantic error."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", ""))).removeprefix("Value error, ")
    messages = {
        "missing": "champ obligatoire absent",
        "extra_forbidden": "champ inconnu",
        "string_type": "du texte est attendu",
        "string_too_short": "texte trop court",
        "string_too_long": "texte trop long",
        "string_pattern_mismatch": "seuls les lettres, chiffres, « - » et « _ » sont permis",
        "float_type": "un nombre est attendu",
        "float_parsing": "un nombre est attendu",
        "finite_number": "un nombre fini est attendu",
        "greater_than": f"doit être strictement supérieur à {_num(ctx.get('gt'))}",
        "less_than_equal": f"doit être inférieur ou égal à {_num(ctx.get('le'))}",
        "bool_type": "un booléen (true ou false) est attendu",
        "bool_parsing": "un booléen (true ou false) est attendu",
        "list_type": "une liste est attendue",
    }
    return messages.get(kind, err.get("msg", "valeur invalide"))


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        field = loc[0] if loc else ""
        parts.append(f"champ « {field} » : {_french(err)}" if field else _french(err))
    return " ; ".join(parts)


def parse_need(line: str, *, where: str) -> Need:
    """One need from one JSON line; ``where`` (« fichier, ligne n ») prefixes error messages."""
    try:
        raw = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where} : JSON invalide ({exc.msg}, colonne {exc.colno}).", details={"where": where}) from exc
    if not isinstance(raw, dict):
        raise DataError(f"{where} : un objet JSON {{...}} est attendu.", details={"where": where})
    try:
        return Need.model_validate(raw)
    except ValidationError as exc:
        fields = sorted({str(e["loc"][0]) for e in exc.errors() if e.get("loc")})
        raise DataError(f"{where}, {_describe(exc)}.", details={"where": where, "fields": fields}) from exc


def load_needs(path: Path | str) -> list[Need]:
    """Read and validate a JSONL file of needs (blank lines are skipped).

    Raises :class:`~matcher.errors.DataError` with a French message naming the file,
    the line and the field at fault; ids must be unique within the file.
    """
    path = Path(path)
    try:
        content = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"Fichier de besoins introuvable : {path}", details={"path": str(path)}) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(f"Fichier de besoins illisible : {path} ({exc})", details={"path": str(path)}) from exc
    needs: list[Need] = []
    seen: dict[str, int] = {}
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path.name}, ligne {lineno}"
        need = parse_need(line, where=where)
        if need.id in seen:
            raise DataError(
                f"{where}, champ « id » : identifiant {need.id} déjà utilisé ligne {seen[need.id]}.",
                details={"where": where, "fields": ["id"]},
            )
        seen[need.id] = lineno
        needs.append(need)
    if not needs:
        raise DataError(f"Aucun besoin dans {path}", details={"path": str(path)})
    return needs
