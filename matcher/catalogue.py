"""Workshop records: the pydantic model and the JSONL catalogue reader."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    field_validator,
    model_serializer,
    model_validator,
)

from .errors import DataError
from .taxonomy import CapabilityCode, ProfileCode

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Machine(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=200)
    capability: CapabilityCode
    details: str = Field("", max_length=500)


class Provenance(BaseModel):
    """Where an imported record comes from: one entry per source record merged into it."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=40)  # format code: fablabs-json, geojson, bfc-csv...
    file: str = Field(min_length=1, max_length=300)  # file name (no folder)
    source_id: str = Field(min_length=1, max_length=300)  # the record's id in that file (slug, id, line)
    date: str = Field("", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")  # when the source described it
    imported: str = Field("", pattern=r"^(\d{4}-\d{2}-\d{2})?$")  # day of the import


#: Optional fields filled by ``afn-match import`` only; left out of the serialisation when they
#: hold their default, so that hand-written catalogues (``data/workshops.jsonl``) dump unchanged.
IMPORT_FIELDS: dict[str, object] = {"sources": [], "possibly_stale": False, "capacity_known": True, "notes": []}


class Workshop(BaseModel):
    """One atelier de fabrication numérique, as stored in ``data/workshops.jsonl``."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=3, max_length=120)
    name: str = Field(min_length=2, max_length=200)
    profile: ProfileCode
    commune: str = Field(min_length=1)
    insee: str = Field(pattern=r"^(\d{5}|2[AB]\d{3})$")
    postcode: str = Field(pattern=r"^\d{5}$")
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    description: str = Field(min_length=40, max_length=3000)
    services: list[str] = Field(min_length=1, max_length=40)
    capabilities: list[CapabilityCode] = Field(min_length=1)
    machines: list[Machine] = Field(default_factory=list)
    materials: list[str] = Field(default_factory=list)
    accepts_companies: bool
    pass_afn: bool
    capacity: int = Field(ge=0, le=1000)
    lead_time_days: int = Field(ge=0, le=365)
    opening: str = ""
    website: str = ""
    # --- filled by the importers (matcher.importers); defaults are never serialised ----------
    sources: list[Provenance] = Field(default_factory=list)
    possibly_stale: bool = False  # the newest source is older than ``settings.import_stale_years``
    capacity_known: bool = True  # False: ``capacity`` is ``settings.import_default_capacity``
    notes: list[str] = Field(default_factory=list, max_length=40)  # French notes on what was inferred

    @model_serializer(mode="wrap")
    def _omit_import_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, object]:
        data = handler(self)
        for key, default in IMPORT_FIELDS.items():
            if key in data and data[key] == default:
                del data[key]
        return data

    @field_validator("id")
    @classmethod
    def _slug(cls, v: str) -> str:
        if not SLUG_RE.match(v):
            raise ValueError("l'identifiant doit être un slug (minuscules, chiffres, tirets)")
        return v

    @field_validator("capabilities")
    @classmethod
    def _caps(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("capacités en double")
        return v

    @model_validator(mode="after")
    def _machines_agree(self) -> Workshop:
        missing = {m.capability for m in self.machines} - set(self.capabilities)
        if missing:
            raise ValueError(f"machines dont la capacité n'est pas déclarée : {sorted(missing)}")
        return self

    def texts(self) -> list[str]:
        """Texts embedded for this workshop: each service sentence, then the description."""
        return [*self.services, self.description]

    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class Catalogue(BaseModel):
    workshops: list[Workshop]
    digest: str

    def by_id(self) -> dict[str, Workshop]:
        return {w.id: w for w in self.workshops}


def parse_lines(lines: list[str], source: str = "catalogue") -> list[Workshop]:
    """Validate JSONL lines; errors name the line number (1-based) and the field."""
    out: list[Workshop] = []
    seen: set[str] = set()
    for no, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            w = Workshop.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataError(f"{source}, ligne {no} : JSON invalide ({exc.msg}).") from exc
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "(objet)"
            raise DataError(f"{source}, ligne {no}, champ « {field} » : {first['msg']}.") from exc
        if w.id in seen:
            raise DataError(f"{source}, ligne {no} : identifiant en double « {w.id} ».")
        seen.add(w.id)
        out.append(w)
    if not out:
        raise DataError(f"{source} : aucun atelier.")
    return out


def load_catalogue(path: Path) -> Catalogue:
    """Read a JSONL catalogue; raise :class:`DataError` with a French message when invalid."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise DataError(f"Catalogue introuvable : {path}") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"Catalogue {path} : encodage invalide (UTF-8 attendu).") from exc
    workshops = parse_lines(text.splitlines(), source=str(path))
    return Catalogue(workshops=workshops, digest=texts_digest(workshops))


def texts_digest(workshops: list[Workshop]) -> str:
    """What the vector index depends on: each workshop's id and embedded texts, in id order.

    The same whether the workshops come from the JSONL file or from the database, and
    unchanged by edits that do not touch the texts (capacity, opening...)."""
    h = hashlib.sha256()
    for w in sorted(workshops, key=lambda w: w.id):
        h.update(json.dumps([w.id, w.texts()], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
