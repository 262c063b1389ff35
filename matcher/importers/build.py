"""A group of records of the same place → one catalogue workshop, filled honestly.

Fields a source does not give are filled visibly (``notes`` on the record, counts in the report):

* ``services``: none (no source writes service sentences; the importer writes none in their name);
* ``description``: the sources' own texts (cleaned of personal data), ``description_origin`` =
  ``source``; without any, a French sentence from the profile, the commune and the coded fields,
  ``description_origin`` = ``composed`` (shown as the importer's, never embedded nor quoted);
* ``facts``: the coded fields of the sources (typology, labels...) in the importer's sentences;
* ``capabilities``: the union of what the sources list, each with its ``evidence`` (flag,
  machine, words of the text, category: source, record and date); ``ruled_out``: what a source's
  list of equipment could name but does not (``listing = "sources"``: anything else is unknown);
* ``fabrication_place``: a category, a name, a text or a machine says the place makes things;
* ``capacity``: ``settings.import_default_capacity``, with ``capacity_known = False``;
* ``lead_time_days``: ``settings.import_default_lead_time_days``; ``pass_afn``: false;
* ``accepts_companies``: the default of the profile (``mapping.ACCEPTS_COMPANIES``), with
  ``accepts_known = False``;
* ``possibly_stale``: the newest source is older than ``settings.import_stale_years``.

When merging, the newest source wins for the name, the website and the opening hours; a
point given by a source wins over a commune's point; the profile is the one most sources
give (ties: the newest source's).
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

from pydantic import ValidationError

from ..catalogue import Evidence, Machine, Workshop
from ..taxonomy import CAPABILITY_CODES, MACHINE_CODES, Taxonomy
from ..text import normalize
from .clean import clip
from .files import period_end
from .mapping import ACCEPTS_COMPANIES, is_fabrication_place
from .records import DESCRIPTION_MAX, Place

MAX_NOTES = 40
MAX_EVIDENCE = 200
MAX_FACTS = 20


class Unbuildable(Exception):
    def __init__(self, reason: str, detail: str = ""):
        super().__init__(reason)
        self.reason, self.detail = reason, detail


def slugify(text: str) -> str:
    return "-".join(normalize(text).replace("+", " ").split()) or "atelier"


def base_id(name: str, commune: str) -> str:
    slug, town = slugify(name), slugify(commune)
    if town not in slug:
        slug = f"{slug}-{town}"
    return slug[:110].strip("-")


def _priority(p: Place) -> tuple:
    end = period_end(p.date) or date.min
    return (-end.toordinal(), p.geocoded, p.raw.truncated_name, "?" in p.name, -len(p.text))


def _profile(members: list[Place]) -> str:
    votes = Counter(p.profile for p in members if p.profile)
    if not votes:
        kinds = sorted({f"{p.raw.kind_field} : {k}" for p in members for k in p.raw.kinds if p.raw.kind_field})
        detail = f"catégorie non reconnue ({', '.join(kinds)})" if kinds else "aucune catégorie dans la source"
        raise Unbuildable("profil inconnu", detail)
    top = max(votes.values())
    return next(p.profile for p in members if p.profile and votes[p.profile] == top)


def _texts(members: list[Place]) -> str:
    seen: set[str] = set()
    out: list[str] = []
    for p in members:
        key = normalize(p.text)
        if p.text and key not in seen and not any(key in s for s in seen):
            seen.add(key)
            out.append(p.text)
    return "\n\n".join(out)


def describe(profile_label: str, commune: str, dep: str, caps: list[str], tax: Taxonomy, unknown: bool) -> str:
    """A French sentence for a place whose sources give no text of their own."""
    head = f"{profile_label} à {commune} ({dep}), d'après les annuaires publics."
    if unknown:
        return f"{head} Équipements et services non précisés par les sources."
    labels = [tax.label(c).lower() for c in caps]
    what = (", ".join(labels[:-1]) + " et " + labels[-1]) if len(labels) > 1 else labels[0]
    return f"{head} Capacités indiquées : {what}."


def build(members: list[Place], tax: Taxonomy, settings, today: date) -> Workshop:
    """The workshop of one group (its ``id`` is set by the caller)."""
    members = sorted(members, key=_priority)
    profile = _profile(members)
    newest = members[0]
    name = next((p.name for p in members if not p.raw.truncated_name and "?" not in p.name), newest.name)
    where = next((p for p in members if not p.geocoded), newest)
    notes: list[str] = []
    if len(members) > 1:
        notes.append(f"Fiche fusionnée de {len(members)} enregistrements : "
                     + ", ".join(sorted({p.provenance.file for p in members})) + ".")
    for p in members:
        notes.extend(n for n in p.notes if n not in notes)

    evidence = [Evidence(code=code, kind=kind, source=p.provenance.source, file=p.provenance.file,
                         source_id=p.provenance.source_id, date=p.provenance.date, detail=detail[:300])
                for p in members for code, (kind, detail) in p.capabilities.items()][:MAX_EVIDENCE]
    machines: dict[tuple[str, str], Machine] = {}
    for p in members:
        for m in p.machines:
            machines.setdefault((m.name, m.capability), m)
    found = {code for p in members for code in p.capabilities}
    caps = [c for c in CAPABILITY_CODES if c in found]
    ruled_out = [c for c in CAPABILITY_CODES if c not in found and any(c in p.closed for p in members)]
    if not caps:
        notes.append("Aucune capacité indiquée par les sources : à confirmer avec l'atelier.")
    if ruled_out:
        notes.append("Absent des listes d'équipements des sources : "
                     + ", ".join(tax.label(c).lower() for c in ruled_out) + ".")
    fabrication = is_fabrication_place(profile, [k for p in members for k in p.raw.kinds], name,
                                       " ".join(p.text for p in members),
                                       any(c in MACHINE_CODES for c in caps))

    dep = where.insee[:3] if where.insee.startswith("97") else where.insee[:2]
    text = _texts(members)
    facts = list(dict.fromkeys(f for p in members for f in p.facts))[:MAX_FACTS]
    if text:  # the sources' own words, embedded and quotable (with their source)
        description, origin = text, "source"
    else:  # the importer's words: shown as such, never embedded nor quoted
        description = " ".join([describe(tax.profile(profile).label, where.commune, dep, caps, tax, not caps), *facts])
        origin = "composed"
        notes.append("Description rédigée par l'import à partir du profil, de la commune et des capacités "
                     "(la source n'en donne pas).")
    description = clip(description, DESCRIPTION_MAX)
    notes.append(f"Capacité inconnue des sources : {settings.import_default_capacity} par défaut ; délai indicatif "
                 f"de {settings.import_default_lead_time_days} jours par défaut.")
    notes.append("Accueil des entreprises : valeur par défaut du profil "
                 f"({'oui' if ACCEPTS_COMPANIES[profile] else 'non'}), non indiquée par les sources.")
    dated = [d for d in (period_end(p.date) for p in members) if d]
    newest_date = max(dated) if dated else None
    cutoff = today - timedelta(days=round(365.25 * settings.import_stale_years))
    stale = newest_date is None or newest_date < cutoff
    if stale:
        when = f"du {newest_date.isoformat()}" if newest_date else "non datée"
        notes.append(f"Source la plus récente {when} : fiche peut-être périmée.")
    if len(notes) > MAX_NOTES:
        notes = notes[: MAX_NOTES - 1] + [f"… et {len(notes) - MAX_NOTES + 1} autres remarques."]
    website = next((p.website for p in members if p.website), "")
    opening = next((p.opening for p in members if p.opening), "")
    try:
        return Workshop(
            id="import-en-cours", name=name[:200], profile=profile, commune=where.commune, insee=where.insee,
            postcode=where.postcode, lat=where.lat, lon=where.lon, description=description, services=[],
            capabilities=caps, machines=list(machines.values()), materials=[],
            accepts_companies=ACCEPTS_COMPANIES[profile], pass_afn=False,
            capacity=settings.import_default_capacity, lead_time_days=settings.import_default_lead_time_days,
            opening=opening[:500], website=website,
            sources=sorted((p.provenance for p in members), key=lambda v: (v.source, v.file, v.source_id)),
            possibly_stale=stale, capacity_known=False, notes=notes, listing="sources", evidence=evidence,
            ruled_out=ruled_out, description_origin=origin, facts=facts, accepts_known=False,
            fabrication_place=fabrication,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(x) for x in first["loc"]) or "(fiche)"
        raise Unbuildable("fiche invalide", f"champ « {field} » : {first['msg']}") from None


def assign_ids(workshops: list[Workshop]) -> list[Workshop]:
    """Stable, unique slugs: name (+ commune), then ``-2``, ``-3``... in a fixed order."""
    order = sorted(range(len(workshops)), key=lambda i: (base_id(workshops[i].name, workshops[i].commune),
                                                         workshops[i].insee, workshops[i].lat, workshops[i].lon))
    used: Counter[str] = Counter()
    out: list[Workshop | None] = [None] * len(workshops)
    for i in order:
        w = workshops[i]
        base = base_id(w.name, w.commune)
        used[base] += 1
        wid = base if used[base] == 1 else f"{base}-{used[base]}"
        out[i] = w.model_copy(update={"id": re.sub(r"-+", "-", wid).strip("-")})
    return [w for w in out if w is not None]
