"""The records that flow through an import: what a reader found, and what was rejected."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalogue import Machine, Provenance

#: Input formats (``--format``); ``auto`` detects them. ``machines`` and ``codebook`` are
#: companion files (fablabs.io machines CSV, BFC codebook JSON).
FORMATS: tuple[str, ...] = ("fablabs-json", "fablabs-csv", "geojson", "bfc-csv", "csv")
COMPANIONS: tuple[str, ...] = ("machines", "codebook")

#: Longest description of a workshop (``Workshop.description``).
DESCRIPTION_MAX = 3000

#: Country codes that are France (metropolitan and overseas départements).
FRANCE = {"FR", "GP", "MQ", "GF", "RE", "YT"}


@dataclass
class RawMachine:
    """One machine of the fablabs.io machines file."""

    model: str
    brand: str
    klass: str
    lab: str
    slug: str


@dataclass
class RawRecord:
    """One place as read from a source, before mapping, geocoding and merging."""

    source: str  # format code
    file: str  # file name
    source_id: str
    line: int  # line (CSV) or element (JSON) number, 1-based, for messages
    name: str
    kinds: list[str] = field(default_factory=list)  # the source's own categories
    kind_field: str = ""  # the field they come from (kind_name, structure, code_typo...)
    flags: list[str] = field(default_factory=list)  # fablabs.io capability flags
    raw_machines: list[RawMachine] = field(default_factory=list)
    text: str = ""  # the source's free text (blurb, description, desc)
    facts: list[str] = field(default_factory=list)  # French sentences built from coded fields
    address: str = ""
    postcode: str = ""
    cities: list[str] = field(default_factory=list)  # commune names to try, best first
    lat: float | None = None
    lon: float | None = None
    websites: list[str] = field(default_factory=list)
    opening: str = ""
    date: str = ""  # YYYY, YYYY-MM or YYYY-MM-DD
    country: str = ""  # ISO code, upper case; "" when the source does not say
    join_keys: set[str] = field(default_factory=set)  # to attach machines (slug, name)
    profile: str | None = None  # set by the reader when its typology maps to one
    capabilities: dict[str, str] = field(default_factory=dict)  # code -> what it comes from
    unmapped: list[str] = field(default_factory=list)  # "field : value" not mapped
    notes: list[str] = field(default_factory=list)  # French notes about this record
    truncated_name: bool = False


@dataclass
class Rejection:
    """A row that is not imported, and why (French)."""

    file: str
    line: int
    source_id: str
    name: str
    reason: str  # short, countable: "hors de France", "commune non reconnue"...
    detail: str = ""

    def to_dict(self) -> dict[str, object]:
        return {"fichier": self.file, "ligne": self.line, "identifiant": self.source_id, "nom": self.name,
                "motif": self.reason, "detail": self.detail}


@dataclass
class SourceFile:
    """Everything one input file gave: its records, its rejected rows and its oddities."""

    path: str
    file: str
    format: str
    date: str = ""  # the file's date (from --date, its name or its modification time)
    date_origin: str = ""
    read: int = 0  # rows or elements read (before any filter)
    kept: int = 0  # companion files: what was used (French machines, code lists)
    records: list[RawRecord] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    unmapped: Counter[str] = field(default_factory=Counter)
    personal: Counter[str] = field(default_factory=Counter)  # personal data removed, by kind
    dropped_columns: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, record_or_line: RawRecord | int, reason: str, detail: str = "", source_id: str = "",
               name: str = "") -> None:
        if isinstance(record_or_line, RawRecord):
            r = record_or_line
            self.rejected.append(Rejection(self.file, r.line, r.source_id, r.name, reason, detail))
        else:
            self.rejected.append(Rejection(self.file, record_or_line, source_id, name, reason, detail))


@dataclass
class Place:
    """A record ready to merge: mapped, cleaned and located."""

    raw: RawRecord
    name: str
    profile: str | None
    capabilities: dict[str, tuple[str, str]]  # code -> (evidence kind, what was found)
    machines: list[Machine]
    text: str  # cleaned free text of the source (may be empty)
    facts: list[str]
    commune: str
    insee: str
    postcode: str
    lat: float
    lon: float
    geocoded: bool  # the point is the commune's, not the source's
    website: str
    site_key: str
    opening: str
    date: str
    provenance: Provenance
    notes: list[str] = field(default_factory=list)
    #: codes this record's own lists of equipment could name (fablabs.io flags, machine classes,
    #: an equipment column): those it leaves out count against the place
    closed: frozenset[str] = frozenset()
