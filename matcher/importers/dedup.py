"""Finding the same place within and across sources.

Two records are the same place when

* their names are similar (rapidfuzz, see :func:`name_similarity`, ≥
  ``settings.import_name_similarity``; names compared without accents, case or punctuation,
  "fab lab"/"fab-lab" written "fablab", generic words and the commune's name left out) and
  their points are within ``settings.import_duplicate_m`` metres; or
* two different sources give them the same name (similarity ≥
  ``settings.import_same_name_similarity``) within ``settings.import_same_name_km`` kilometres
  (one source geocoded the address, the other the town; or the place moved); or
* they have the same website (:func:`~matcher.importers.clean.same_site`) and are within
  ``settings.import_same_site_km`` kilometres — unless that website is a network's: one source
  gives it to several places more than ``import_duplicate_m`` apart (the LabFab sites of Rennes).

Groups are closed transitively (union-find).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from rapidfuzz import fuzz

from ..gazetteer import haversine_km
from ..settings import Settings
from .clean import registered_domain, same_site
from .mapping import name_key
from .records import Place


@dataclass
class Group:
    members: list[Place]
    rules: set[str] = field(default_factory=set)  # "nom et distance", "site web"


#: Words that say what kind of place it is, not which one (left out when comparing names).
GENERIC_WORDS = frozenset("""
    fablab fablabs lab labs fab espace espaces numerique numeriques multimedia multimedias public publique centre
    social sociale socio culturel maison maisons agence association asso mediatheque bibliotheque cyber base
    point tiers lieu lieux atelier ateliers club informatique service services france msap mfs epn
    saint sainte st ste de du des la le les l d et en au aux a sur sous""".split())


def distinctive(name: str, communes: tuple[str, ...] = ()) -> list[str]:
    """The words of a name that tell the place apart: no generic word, no commune name."""
    places = {w for c in communes for w in name_key(c).split()}
    return [w for w in name_key(name).split() if w not in GENERIC_WORDS and w not in places]


def name_similarity(a: str, b: str, communes: tuple[str, ...] = ()) -> float:
    """0-100: the mean of rapidfuzz ``token_set_ratio`` and ``token_sort_ratio`` of the distinctive
    words of both names (the first alone forgives a missing word entirely: "Maladière" would
    equal "MJC Balzac-Maladière"); when one name has no distinctive word ("Espace multimédia
    de Lux"), the plain ``ratio`` of the whole names."""
    da, db = " ".join(distinctive(a, communes)), " ".join(distinctive(b, communes))
    if da and db:
        return (fuzz.token_set_ratio(da, db) + fuzz.token_sort_ratio(da, db)) / 2.0
    ka, kb = name_key(a), name_key(b)
    return float(fuzz.ratio(ka, kb)) if ka and kb else 0.0


def network_sites(places: list[Place], duplicate_km: float) -> set[str]:
    """Websites that one source gives to places farther apart than ``duplicate_km``."""
    by_file: dict[str, list[Place]] = defaultdict(list)
    for p in places:
        if p.site_key:
            by_file[p.provenance.file].append(p)
    shared: set[str] = set()
    for group in by_file.values():
        by_domain: dict[str, list[Place]] = defaultdict(list)
        for p in group:
            by_domain[registered_domain(p.site_key.partition("/")[0])].append(p)
        for members in by_domain.values():
            for i, p in enumerate(members):
                for q in members[i + 1 :]:
                    if same_site(p.site_key, q.site_key) and _km(p, q) > duplicate_km:
                        shared |= {p.site_key, q.site_key}
    return shared


def _km(p: Place, q: Place) -> float:
    return float(haversine_km(p.lat, p.lon, np.array([q.lat]), np.array([q.lon]))[0])


def group_places(places: list[Place], settings: Settings) -> list[Group]:
    """The places grouped by identity (groups in the order of their first member)."""
    n = len(places)
    parent = list(range(n))
    edges: list[tuple[int, str]] = []

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int, rule: str) -> None:
        ri, rj = find(i), find(j)
        if ri != rj:
            parent[max(ri, rj)] = min(ri, rj)
        edges.append((i, rule))

    if n == 0:
        return []
    dup_km = settings.import_duplicate_m / 1000.0
    networks = network_sites(places, dup_km)
    lats = np.array([p.lat for p in places])
    lons = np.array([p.lon for p in places])
    reach = max(dup_km, settings.import_same_site_km, settings.import_same_name_km)
    for i, p in enumerate(places):
        d = haversine_km(p.lat, p.lon, lats[i + 1 :], lons[i + 1 :])
        for off in np.nonzero(d <= reach)[0]:
            j, km = i + 1 + int(off), float(d[off])
            q = places[j]
            if (km <= settings.import_same_site_km and p.site_key not in networks and q.site_key not in networks
                    and same_site(p.site_key, q.site_key)):
                union(i, j, "site web")
                continue
            if km > max(dup_km, settings.import_same_name_km):
                continue
            sim = name_similarity(p.name, q.name, (p.commune, q.commune))
            if km <= dup_km and sim >= settings.import_name_similarity:
                union(i, j, "nom et distance")
            elif (km <= settings.import_same_name_km and sim >= settings.import_same_name_similarity
                  and p.provenance.file != q.provenance.file):
                union(i, j, "même nom, autre source")
    groups: dict[int, Group] = {}
    for i, p in enumerate(places):
        groups.setdefault(find(i), Group(members=[])).members.append(p)
    for i, rule in edges:
        groups[find(i)].rules.add(rule)
    return list(groups.values())
