"""Placing a record: its commune (INSEE code, postcode) and its point, with the gazetteer.

* The commune comes from the postcode and the commune name together, else the name alone
  (the département of the postcode, or of the point, picks among homonyms), else the
  postcode alone, else the point (nearest commune).
* A postcode that is not five digits (``"2100"``) or that does not serve the commune (CEDEX)
  is replaced by the commune's own, and the correction is reported.
* Missing coordinates: the commune's point (``geocoded``). Coordinates farther than
  ``settings.import_far_km`` from the stated commune are flagged; swapped latitude and longitude
  are put back. A flagged point is replaced by the commune's when the postcode and the commune
  name agree (the text is then the safer evidence), kept otherwise; farther than
  ``settings.import_reject_km`` without that agreement, the row is rejected (incoherent, or
  outside France).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import numpy as np

from ..errors import AmbiguousCommune, InvalidInput, UnknownCommune
from ..gazetteer import Commune, Gazetteer, haversine_km
from ..text import fr_number

_ARTICLE_AFTER = re.compile(r"^(.*?)\s*\((le|la|les|l')\)\s*$", re.IGNORECASE)
_DIGITS = re.compile(r"\s+")


class Unlocatable(Exception):
    """The record cannot be placed; ``reason`` is French."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Location:
    commune: Commune
    postcode: str
    lat: float
    lon: float
    geocoded: bool = False
    far_km: float | None = None  # distance to the stated commune, when flagged
    notes: list[str] = field(default_factory=list)
    corrections: list[str] = field(default_factory=list)  # postcode fixes, swapped coordinates


def clean_city(text: str) -> str:
    """``"Havre (Le)"`` → ``"Le Havre"``; ``"nc/Paris"`` → ``"Paris"``; trailing ``France`` dropped."""
    t = " ".join((text or "").split()).strip(" ,;-")
    t = t.split("/")[-1].strip()
    t = re.sub(r",?\s*\bfrance\s*$", "", t, flags=re.IGNORECASE).strip(" ,;-")
    m = _ARTICLE_AFTER.match(t)
    if m:
        article = m.group(2).capitalize()
        t = f"{article}{m.group(1)}" if article.endswith("'") else f"{article} {m.group(1)}"
    return t


def clean_postcode(raw: str) -> str | None:
    code = _DIGITS.sub("", raw or "")
    return code if re.fullmatch(r"\d{5}", code) else None


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if lat is None or lon is None or not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or (abs(lat) < 1e-9 and abs(lon) < 1e-9):
        return None
    return lat, lon


def km(a: tuple[float, float], c: Commune) -> float:
    return float(haversine_km(a[0], a[1], np.array([c.lat]), np.array([c.lon]))[0])


def _deps(postcode: str | None, near: Commune | None) -> str | None:
    if postcode:
        if postcode.startswith("97"):
            return postcode[:3]
        return None if postcode.startswith("20") else postcode[:2]
    return near.dep if near is not None else None


def _resolve(gaz: Gazetteer, query: str, point: tuple[float, float] | None) -> tuple[Commune | None, str, bool]:
    """One gazetteer query: the commune, how it was found, whether it came with a note."""
    try:
        res = gaz.resolve(query)
        return res.commune, res.method, bool(res.note)
    except AmbiguousCommune as exc:
        found = [gaz.by_insee(c["insee"]) for c in exc.details.get("candidates", [])]
        if point is not None and found:
            return min(found, key=lambda c: km(point, c)), "nom", True
    except (UnknownCommune, InvalidInput):
        pass
    return None, "", False


def _by_name(gaz: Gazetteer, city: str, postcode: str | None, near: Commune | None,
             point: tuple[float, float] | None) -> tuple[Commune | None, bool]:
    """The commune named ``city`` and whether the postcode agrees with it (strong evidence).

    Without that agreement, the candidates of several readings (with the postcode, in the
    département of the postcode or of the point, alone) compete: the nearest to the point wins."""
    found: list[Commune] = []
    if postcode:
        commune, method, noted = _resolve(gaz, f"{postcode} {city}", point)
        if commune is not None and method == "code_postal" and not noted:
            return commune, True
        if commune is not None:
            found.append(commune)
    for dep in dict.fromkeys(d for d in (_deps(None, near), _deps(postcode, None)) if d):
        commune, _, _ = _resolve(gaz, f"{city} ({dep})", point)
        if commune is not None:
            found.append(commune)
    commune, _, _ = _resolve(gaz, city, point)
    if commune is not None:
        found.append(commune)
    if not found:
        return None, False
    if point is not None:
        return min(found, key=lambda c: km(point, c)), False
    return found[0], False


def locate(gaz: Gazetteer, cities: list[str], postcode_raw: str, lat: float | None, lon: float | None,
           far_km: float, reject_km: float) -> Location:
    """Commune, postcode and point of a record (see the module docstring)."""
    point = _point(lat, lon)
    postcode = clean_postcode(postcode_raw)
    near = gaz.nearest(*point) if point is not None else None
    notes: list[str] = []
    commune: Commune | None = None
    strong = False  # postcode and commune name agree
    names = [c for c in (clean_city(x) for x in cities) if c and any(ch.isalpha() for ch in c)]
    for city in names:
        commune, strong = _by_name(gaz, city, postcode, near, point)
        if commune is not None:
            break
    if commune is None and postcode:
        served = gaz.by_postcode(postcode)
        if served:
            commune = min(served, key=lambda c: km(point, c)) if point is not None else served[0]
            if names:
                notes.append(f"Commune « {names[0]} » non reconnue : commune du code postal {postcode} retenue.")
    if commune is None and near is not None and not names and not postcode_raw.strip():
        commune = near
        notes.append("Commune déduite des coordonnées (la source n'en indique pas).")
    if commune is None:
        said = " ; ".join(x for x in [", ".join(f"« {n} »" for n in names),
                                      f"code postal « {postcode_raw.strip()} »" if postcode_raw.strip() else ""] if x)
        raise Unlocatable(f"commune non reconnue ({said or 'ni commune ni code postal'})")

    corrections: list[str] = []
    if postcode and postcode in commune.postcodes:
        final = postcode
    else:
        final = commune.postcodes[0] if commune.postcodes else ""
        if not re.fullmatch(r"\d{5}", final):
            raise Unlocatable(f"aucun code postal connu pour {commune.label}")
        raw = postcode_raw.strip()
        if raw and not postcode:
            corrections.append(f"code postal « {raw} » invalide : {final} retenu ({commune.label})")
        elif postcode:
            corrections.append(f"code postal {postcode} (CEDEX ou d'une autre commune) : {final} retenu "
                               f"({commune.label})")
        else:
            notes.append(f"Code postal absent de la source : {final} ({commune.label}).")
    loc = Location(commune=commune, postcode=final, lat=commune.lat, lon=commune.lon, notes=notes,
                   corrections=corrections)
    if point is None:
        loc.geocoded = True
        loc.notes.append(f"Coordonnées absentes de la source : point de la commune ({commune.label}).")
        return loc
    d = km(point, commune)
    if d > far_km:
        swapped = _point(point[1], point[0])
        if swapped is not None and km(swapped, commune) <= far_km:
            point, d = swapped, km(swapped, commune)
            corrections.append("latitude et longitude inversées dans la source : remises dans l'ordre")
    if d > reject_km and strong:
        loc.geocoded = True
        loc.corrections.append(f"coordonnées à {fr_number(round(d))} km de {commune.label}, commune confirmée par "
                               "son code postal : point de la commune retenu")
        return loc
    if d > reject_km:
        raise Unlocatable(f"point à {fr_number(round(d))} km de {commune.label}, commune indiquée : "
                          "lieu incohérent ou hors de France")
    if d > far_km:
        loc.far_km = round(d, 1)
        if strong:  # the postcode confirms the commune: its point is the safer one
            loc.geocoded = True
            loc.notes.append(f"Point de la source à {fr_number(round(d, 1))} km du centre de {commune.label}, "
                             "commune confirmée par son code postal : point de la commune retenu (à vérifier).")
            return loc
        loc.notes.append(f"Point à {fr_number(round(d, 1))} km du centre de {commune.label} : à vérifier.")
    loc.lat, loc.lon = round(point[0], 6), round(point[1], 6)
    return loc
