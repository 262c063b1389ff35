"""From a source record to a place ready to merge: mapped, cleaned of personal data, located."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..catalogue import Machine, Provenance
from ..gazetteer import Gazetteer
from ..taxonomy import MACHINE_CODES
from ..settings import Settings
from .clean import EMAIL, PHONE, best_website, clip, scrub, site_key, tidy
from .geo import Unlocatable, km, locate
from .mapping import MACHINE_VOCABULARY, flag_capabilities, flag_vocabulary, machine_capability, text_capabilities
from .records import DESCRIPTION_MAX, FRANCE, Place, RawMachine, RawRecord, SourceFile


#: A point farther than this from any French commune's point is outside France.
ABROAD_KM = 30.0


@dataclass
class Issue:
    """Something worth listing in the report about one record (a correction, a far point)."""

    file: str
    source_id: str
    name: str
    text: str
    km: float | None = None


def machines_of(raw: list[RawMachine], src: SourceFile) -> list[Machine]:
    """Our machines (same model counted once, with how many), unknown models counted as unmapped."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for m in raw:
        model = " ".join(f"{m.brand} {m.model}".split()) if m.brand and m.brand.lower() not in m.model.lower() \
            else m.model
        code = machine_capability(m.klass, f"{m.brand} {m.model}")
        if code is None:
            src.unmapped[f"machine ({m.klass}) : {model}"] += 1
            continue
        counts[(model[:200], code, m.klass)] += 1
    return [Machine(name=name if len(name) >= 2 else f"{name} ({klass})", capability=code,
                    details=f"classe fablabs.io : {klass}" + (f" ; {n} exemplaires" if n > 1 else ""))
            for (name, code, klass), n in sorted(counts.items())]


def abroad(gaz: Gazetteer, lat: float, lon: float) -> bool:
    """Whether a point is far from every French commune (farther than :data:`ABROAD_KM`)."""
    try:
        nearest = gaz.nearest(lat, lon)
    except (ValueError, IndexError):
        return False
    return km((lat, lon), nearest) > ABROAD_KM


def prepare(raw: RawRecord, src: SourceFile, gaz: Gazetteer, settings: Settings, imported: str,
            issues: dict[str, list[Issue]]) -> Place | None:
    """The place for one record, or ``None`` (the record is then listed as rejected in ``src``)."""
    name = tidy(PHONE.sub("", EMAIL.sub("", raw.name)))
    if len(name) < 2:
        src.reject(raw, "nom manquant")
        return None
    if raw.country and raw.country not in FRANCE:
        src.reject(raw, "hors de France", f"pays : {raw.country}")
        return None
    try:
        loc = locate(gaz, raw.cities, raw.postcode, raw.lat, raw.lon, settings.import_far_km,
                     settings.import_reject_km)
    except Unlocatable as exc:
        if raw.lat is not None and raw.lon is not None and abroad(gaz, raw.lat, raw.lon):
            reason = "hors de France"
        else:
            reason = "point incohérent" if exc.reason.startswith("point") else "lieu non reconnu"
        src.reject(raw, reason, exc.reason)
        return None

    text = clip(scrub(raw.text, src.personal), DESCRIPTION_MAX - 400)
    machines = machines_of(raw.raw_machines, src)
    codes = {m.capability for m in machines}
    caps, closed = reader_capabilities(raw)
    flags, unknown = flag_capabilities(raw.flags, codes)
    for flag in unknown:
        src.unmapped[f"capacité fablabs.io : {flag}"] += 1
    for code, flag in flags.items():
        caps.setdefault(code, ("flag", flag))
    if flags:
        closed |= flag_vocabulary(raw.flags)
    for m in machines:
        caps.setdefault(m.capability, ("machine", m.name))
    if raw.raw_machines:
        closed |= MACHINE_VOCABULARY
    for code, words in text_capabilities(text).items():
        caps.setdefault(code, ("text", words))
    for item in raw.unmapped:
        src.unmapped[item] += 1

    site = best_website(raw.websites)
    notes = list(raw.notes) + loc.notes + [c[0].upper() + c[1:] + "." for c in loc.corrections]
    who = (src.file, raw.source_id, name)
    for c in loc.corrections:
        issues["corrections"].append(Issue(*who, c))
    if loc.far_km is not None:
        issues["far"].append(Issue(*who, f"à {loc.far_km} km de {loc.commune.label}", loc.far_km))
    if loc.geocoded:
        issues["geocoded"].append(Issue(*who, f"point de la commune {loc.commune.label}"))
    date = raw.date or src.date
    return Place(
        raw=raw, name=name, profile=raw.profile, capabilities=caps, machines=machines, text=text,
        facts=list(raw.facts), commune=loc.commune.name, insee=loc.commune.insee, postcode=loc.postcode,
        lat=loc.lat, lon=loc.lon, geocoded=loc.geocoded, website=site, site_key=site_key(site),
        opening=tidy(scrub(raw.opening, src.personal)), date=date,
        provenance=Provenance(source=raw.source, file=src.file, source_id=raw.source_id[:300], date=date,
                              imported=imported),
        notes=notes, closed=frozenset(closed),
    )


#: Coded fields that state a place's category (not a list of its equipment).
TYPOLOGY_FIELDS = frozenset({"code_typo", "code_accomp", "kind_name", "structure", "type_lab"})


def reader_capabilities(raw: RawRecord) -> tuple[dict[str, tuple[str, str]], set[str]]:
    """The capabilities a reader found in coded fields (``"field : value"`` origins), as evidence,
    and the codes a list of equipment of the record could have named (an equipment column lists
    machines: a machine it leaves out counts against the place)."""
    caps: dict[str, tuple[str, str]] = {}
    closed: set[str] = set()
    for code, origin in raw.capabilities.items():
        field_name = origin.split(" : ", 1)[0].strip()
        if field_name == raw.kind_field or field_name in TYPOLOGY_FIELDS:
            caps[code] = ("typology", origin)
        else:
            caps[code] = ("column", origin)
            closed |= set(MACHINE_CODES)
    return caps, closed
