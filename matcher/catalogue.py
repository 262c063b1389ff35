"""Workshop records: the pydantic model and the JSONL catalogue reader."""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal, overload

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


#: What, in a source record, says that a place has a capability.
EvidenceKind = Literal["flag", "machine", "text", "typology", "column"]


class Evidence(BaseModel):
    """One source record's support for one capability of an imported workshop."""

    model_config = ConfigDict(extra="forbid")

    code: CapabilityCode
    kind: EvidenceKind  # a capability flag, a listed machine, words of its text, its category, a column
    source: str = Field(min_length=1, max_length=40)  # format code, as in :class:`Provenance`
    file: str = Field(min_length=1, max_length=300)
    source_id: str = Field(min_length=1, max_length=300)
    date: str = Field("", pattern=r"^(\d{4}(-\d{2}(-\d{2})?)?)?$")
    detail: str = Field("", max_length=300)  # what was found: the flag, the machine, the words


#: Who wrote a workshop's description: the workshop itself (the bundled catalogue, or an edit by
#: the workshop), a source (an imported directory's own text), or the importer (« composed »: a
#: sentence built from the profile, the commune and the coded fields; never embedded nor quoted).
DescriptionOrigin = Literal["workshop", "source", "composed"]

#: Optional fields filled by ``afn-match import`` only; left out of the serialisation when they
#: hold their default, so that hand-written catalogues (``data/workshops.jsonl``) dump unchanged.
IMPORT_FIELDS: dict[str, object] = {
    "sources": [], "possibly_stale": False, "capacity_known": True, "notes": [], "listing": "declared",
    "evidence": [], "ruled_out": [], "description_origin": "workshop", "facts": [], "accepts_known": True,
    "fabrication_place": False,
}


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
    description: str = Field(min_length=1, max_length=3000)
    services: list[str] = Field(default_factory=list, max_length=40)
    capabilities: list[CapabilityCode] = Field(default_factory=list)
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
    #: ``declared``: ``capabilities`` is the workshop's own, complete list (what it does not list,
    #: it does not do). ``sources``: read from public directories; a capability they do not list
    #: is unknown, unless a source that lists such equipment leaves it out (``ruled_out``).
    listing: Literal["declared", "sources"] = "declared"
    evidence: list[Evidence] = Field(default_factory=list, max_length=200)  # why each capability is listed
    ruled_out: list[CapabilityCode] = Field(default_factory=list)
    description_origin: DescriptionOrigin = "workshop"
    facts: list[str] = Field(default_factory=list, max_length=20)  # coded source fields, in the importer's words
    accepts_known: bool = True  # False: ``accepts_companies`` is the profile's default, not the source's
    fabrication_place: bool = False  # a source says it is a place of fabrication (category, code, name)

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
        if self.listing == "declared" and not self.capabilities:
            raise ValueError("un atelier qui déclare ses capacités en déclare au moins une")
        if self.description_origin == "workshop" and len(self.description) < 40:
            raise ValueError("la description de l'atelier fait au moins 40 caractères")
        both = set(self.ruled_out) & set(self.capabilities)
        if both:
            raise ValueError(f"capacités à la fois confirmées et écartées : {sorted(both)}")
        return self

    @property
    def embeds_description(self) -> bool:
        """Whether the description is the workshop's or a source's own words (a composed one is
        neither embedded nor quoted)."""
        return self.description_origin != "composed"

    def texts(self) -> list[str]:
        """Texts embedded for this workshop: each service sentence, then the description when it
        is the workshop's or a source's own (never a text the importer composed)."""
        return [*self.services, *([self.description] if self.embeds_description else [])]

    def content_hash(self) -> str:
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class PackedWorkshops(Sequence[Workshop]):
    """A read-only sequence of workshops kept as compressed JSON (about 1.5 kB each instead of
    about 12 kB as pydantic objects), decoded on access with a small shared cache.

    Used above ``AFN_PACKED_CATALOGUE_ABOVE`` workshops: at 100,000 workshops the objects alone
    took 1.8 GB of the API's memory. Matching reads the arrays of the catalogue state, and
    decodes only the workshops it shows. Edits return a new sequence sharing the other rows."""

    __slots__ = ("_blobs", "ids")

    def __init__(self, workshops: Iterable[Workshop] = (), *, _rows: tuple[list[bytes], list[str]] | None = None):
        if _rows is not None:
            self._blobs, self.ids = _rows
            return
        self._blobs: list[bytes] = []
        self.ids: list[str] = []  # id of each workshop, in order (no decoding needed)
        for w in workshops:
            self._blobs.append(_pack(w))
            self.ids.append(w.id)

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, i: int) -> Workshop: ...
    @overload
    def __getitem__(self, i: slice) -> PackedWorkshops: ...
    def __getitem__(self, i):  # type: ignore[no-untyped-def]
        if isinstance(i, slice):
            return PackedWorkshops(_rows=(self._blobs[i], self.ids[i]))
        return _unpack(self._blobs[i])

    def __iter__(self) -> Iterator[Workshop]:
        for blob in self._blobs:  # not through the cache: a pass over everything would flush it
            yield _decode(blob)

    def replaced(self, pos: int, w: Workshop) -> PackedWorkshops:
        blobs, ids = list(self._blobs), list(self.ids)
        blobs[pos], ids[pos] = _pack(w), w.id
        return PackedWorkshops(_rows=(blobs, ids))

    def appended(self, w: Workshop) -> PackedWorkshops:
        return PackedWorkshops(_rows=([*self._blobs, _pack(w)], [*self.ids, w.id]))

    def removed(self, pos: int) -> PackedWorkshops:
        return PackedWorkshops(_rows=(self._blobs[:pos] + self._blobs[pos + 1 :], self.ids[:pos] + self.ids[pos + 1 :]))


def _pack(w: Workshop) -> bytes:
    return zlib.compress(w.model_dump_json().encode("utf-8"), 1)


def _decode(blob: bytes) -> Workshop:
    # the record was validated when it was packed: rebuilt without validation (about 3× faster)
    return _construct(json.loads(zlib.decompress(blob)))


def _construct(data: dict) -> Workshop:
    data["machines"] = [Machine.model_construct(**m) for m in data.get("machines", [])]
    data["sources"] = [Provenance.model_construct(**p) for p in data.get("sources", [])]
    data["evidence"] = [Evidence.model_construct(**e) for e in data.get("evidence", [])]
    return Workshop.model_construct(**data)


@lru_cache(maxsize=4096)
def _unpack(blob: bytes) -> Workshop:
    """The decoded workshop, cached by its bytes (never mutated: workshops are replaced whole)."""
    return _decode(blob)


def pack(workshops: Iterable[Workshop], above: int | None) -> Sequence[Workshop]:
    """``workshops`` as a list, or packed when there are more than ``above`` of them."""
    items = workshops if isinstance(workshops, PackedWorkshops) else list(workshops)
    if above is None or len(items) <= above or isinstance(items, PackedWorkshops):
        return items
    return PackedWorkshops(items)


def replaced(workshops: Sequence[Workshop], pos: int, w: Workshop) -> Sequence[Workshop]:
    """A copy of ``workshops`` with ``w`` at ``pos`` (a tuple, or packed like the original)."""
    if isinstance(workshops, PackedWorkshops):
        return workshops.replaced(pos, w)
    return (*workshops[:pos], w, *workshops[pos + 1 :])


def appended(workshops: Sequence[Workshop], w: Workshop) -> Sequence[Workshop]:
    return workshops.appended(w) if isinstance(workshops, PackedWorkshops) else (*workshops, w)


def removed(workshops: Sequence[Workshop], pos: int) -> Sequence[Workshop]:
    if isinstance(workshops, PackedWorkshops):
        return workshops.removed(pos)
    return (*workshops[:pos], *workshops[pos + 1 :])


def workshop_ids(workshops: Sequence[Workshop]) -> list[str]:
    """The ids, in order, without decoding packed workshops."""
    return list(workshops.ids) if isinstance(workshops, PackedWorkshops) else [w.id for w in workshops]


@dataclass
class Catalogue:
    """The workshops (a list, or :class:`PackedWorkshops` for large catalogues) and the digest
    of their texts (see :func:`texts_digest`)."""

    workshops: Sequence[Workshop]
    digest: str

    def by_id(self) -> dict[str, Workshop]:
        return {w.id: w for w in self.workshops}


def _parsed(lines: Iterable[str], source: str) -> Iterator[Workshop]:
    """Validate JSONL lines; errors name the line number (1-based) and the field."""
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
        yield w


def _collect(workshops: Iterable[Workshop], count: int, packed_above: int | None, source: str) -> Sequence[Workshop]:
    if packed_above is not None and count > packed_above:
        out: Sequence[Workshop] = PackedWorkshops(workshops)
    else:
        out = list(workshops)
    if not out:
        raise DataError(f"{source} : aucun atelier.")
    return out


def parse_lines(lines: list[str], source: str = "catalogue", packed_above: int | None = None) -> Sequence[Workshop]:
    """Validate JSONL lines; errors name the line number (1-based) and the field. More than
    ``packed_above`` workshops are packed as they are read (never all held as objects)."""
    count = sum(1 for line in lines if line.strip())
    return _collect(_parsed(lines, source), count, packed_above, source)


def load_catalogue(path: Path, packed_above: int | None = None) -> Catalogue:
    """Read a JSONL catalogue a line at a time; raise :class:`DataError` with a French message
    when invalid."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8") as f:
            count = sum(1 for line in f if line.strip())
        with path.open(encoding="utf-8") as f:
            workshops = _collect(_parsed(f, str(path)), count, packed_above, str(path))
    except FileNotFoundError as exc:
        raise DataError(f"Catalogue introuvable : {path}") from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"Catalogue {path} : encodage invalide (UTF-8 attendu).") from exc
    return Catalogue(workshops=workshops, digest=texts_digest(workshops))


def texts_digest(workshops: Sequence[Workshop]) -> str:
    """What the vector index depends on: each workshop's id and embedded texts, in id order.

    The same whether the workshops come from the JSONL file or from the database, and
    unchanged by edits that do not touch the texts (capacity, opening...)."""
    ids = workshop_ids(workshops)
    h = hashlib.sha256()
    for i in sorted(range(len(ids)), key=ids.__getitem__):
        w = workshops[i]
        h.update(json.dumps([w.id, w.texts()], ensure_ascii=False).encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()
