"""Pieces of the company pages (« Trouver un atelier », « Suivre ma demande »): they only format API answers."""

from __future__ import annotations

import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pydeck as pdk
import streamlit as st

from ui.client import ApiError
from ui.common import PROFILE_ICONS, capability_label, chips, fr_num, profile_label, service_quote, show_error

try:
    PARIS: ZoneInfo | None = ZoneInfo("Europe/Paris")
except ZoneInfoNotFoundError:  # no time-zone database: dates stay in UTC
    PARIS = None

MAX_PICKS = 5  # the API refuses more than 5 workshops per need (max_leads_per_need)

# colours of the map (RGBA)
COMPANY_COLOUR = [214, 69, 65, 235]
WORKSHOP_COLOUR = [26, 62, 138, 210]
PICKED_COLOUR = [30, 142, 62, 235]

FIELD_LABELS = {"contact_email": "E-mail de contact", "siret": "SIRET", "text": "Besoin", "commune": "Commune",
                "radius_km": "Rayon", "workshop_ids": "Ateliers choisis"}

STATUS_COLOURS = {"new": "blue", "taken": "green", "done": "green", "done_no_help": "gray",
                  "unreachable": "orange", "declined": "red", "expired": "gray"}
STATUS_HINTS = {
    "new": "L'atelier n'a pas encore répondu.",
    "taken": "L'atelier a pris votre demande en charge : il va vous écrire à l'adresse indiquée.",
    "done": "Le projet est terminé avec cet atelier.",
    "done_no_help": "L'atelier a clos la demande sans suite.",
    "unreachable": "L'atelier n'a pas réussi à vous joindre : vérifiez l'adresse e-mail indiquée.",
    "declined": "L'atelier ne peut pas réaliser ce projet.",
    "expired": "L'atelier n'a pas répondu à temps : choisissez-en un autre si besoin.",
}


# --- words and dates ---------------------------------------------------------------------
def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n <= 1 else many}"


def fr_datetime(value: str | None) -> str:
    """``2026-11-28T09:15:00Z`` → ``28/11/2026 à 10:15`` (heure de Paris)."""
    if not value:
        return ""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    if PARIS is not None:
        dt = dt.astimezone(PARIS)
    return dt.strftime("%d/%m/%Y à %H:%M")


def fr_date(value: str | None) -> str:
    return fr_datetime(value).split(" à ")[0]


def commune_label(commune: dict) -> str:
    return f"{commune.get('name', '')} ({commune.get('dep', '')})" if commune.get("dep") else commune.get("name", "")


def show_api_error(exc: ApiError) -> None:
    """The API's French message; for an invalid form, one line per field with its French name."""
    fields = exc.details.get("champs") if exc.code == "requete_invalide" else None
    if fields:
        lines = [f"- **{FIELD_LABELS.get(f.get('champ', ''), f.get('champ', ''))}** : {f.get('message', '')}"
                 for f in fields]
        st.error("Certaines informations sont à corriger :\n" + "\n".join(lines), icon="⚠️")
    else:
        show_error(exc)


# --- what the service understood ------------------------------------------------------------
def understood(groups: list[list[str]]) -> str:
    """Chips for the inferred capability groups (alternatives within a group joined by « ou »)."""
    return chips([" ou ".join(capability_label(c) for c in group) for group in groups])


# --- result cards ---------------------------------------------------------------------------
def pick_key(workshop_id: str) -> str:
    return f"pick_{workshop_id}"


def badges(r: dict) -> str:
    """Markdown badges: places, lead time, Pass AFN, website."""
    out = []
    left = int(r.get("remaining_capacity", 0))
    known = r.get("capacity_known", True)
    if not r.get("accepts_companies", True):
        out.append(":gray-badge[Accueil des entreprises à confirmer]" if not r.get("accepts_known", True)
                   else ":gray-badge[N'accueille pas de projets d'entreprise]")
    elif not known:
        out.append(":gray-badge[Capacité non renseignée]")
    elif left <= 0:
        out.append(":red-badge[:material/block: Complet pour le moment]")
    else:
        out.append(f":green-badge[:material/event_available: {plural(left, 'place libre', 'places libres')}]")
    if known:
        days = int(r.get("lead_time_days", 0))
        delay = "moins d'un jour" if days <= 0 else plural(days, "jour", "jours")
        out.append(f":gray-badge[:material/schedule: Délai indicatif : {delay}]")
    if r.get("possibly_stale"):
        out.append(":orange-badge[:material/history: Fiche peut-être périmée]")
    if r.get("pass_afn"):
        out.append(":violet-badge[:material/verified: Pass AFN accepté]")
    return " ".join(out)


#: the headings of a shortlist's sections: (within the radius, evidence level) → title
SECTION_TITLES = {
    (True, "confirmed"): "Ateliers qui confirment ce besoin",
    (True, "to_confirm"): "Ateliers proches où c'est possible, à confirmer avec l'atelier",
    (False, "confirmed"): "Un peu plus loin, au-delà du rayon",
    (False, "to_confirm"): "Un peu plus loin, à confirmer",
    (True, "partial"): "Ateliers qui couvrent une partie du besoin",
}


def section_of(r: dict) -> tuple[bool, str]:
    return bool(r.get("within_radius", True)), str(r.get("evidence_level", "confirmed"))


def evidence_chips(r: dict) -> str:
    """One chip per capability asked: ✓ confirmed (and by whom), ? to confirm, ✗ missing."""
    items = r.get("evidence") or []
    if not items:  # a shortlist stored before evidence existed
        return (chips([f"✓ {capability_label(c)}" for c in r.get("matched_capabilities", [])], "ok")
                + chips([f"✗ {capability_label(c)}" for c in r.get("missing_capabilities", [])], "missing"))
    marks = {"confirmed": ("✓", "ok"), "to_confirm": ("?", ""), "absent": ("✗", "missing")}
    out = []
    for e in items:
        mark, kind = marks.get(e.get("status"), ("?", ""))
        out.append(chips([f"{mark} {capability_label(e['code'])} — {e.get('text', '')}"], kind))
    return "".join(out)


def pick_state(r: dict, picked: set[str], sent: set[str]) -> tuple[bool, str | None]:
    """(disabled, why) of a workshop's checkbox."""
    wid = r["workshop_id"]
    if wid in sent:
        return True, "Votre demande a déjà été envoyée à cet atelier."
    if not r.get("accepts_companies", True):
        return True, "Cet atelier n'accueille pas de projets d'entreprise."
    if int(r.get("remaining_capacity", 0)) <= 0:
        return True, "Cet atelier n'a plus de place pour le moment."
    if wid not in picked and len(picked | sent) >= MAX_PICKS:
        return True, f"Une demande peut être envoyée à {MAX_PICKS} ateliers au plus."
    return False, None


def result_card(rank: int, r: dict, picked: set[str], sent: set[str]) -> None:
    wid = r["workshop_id"]
    with st.container(border=True):
        head, side = st.columns([5, 2], vertical_alignment="top")
        with head:
            st.markdown(f"#### {rank}. {html.escape(r['name'])}")
            icon = PROFILE_ICONS.get(r.get("profile", ""), "📍")
            st.markdown(f"{icon} {profile_label(r.get('profile', ''))} · {r.get('commune', '')} · "
                        f"**à {fr_num(r.get('distance_km', 0.0))} km**")
        with side:
            disabled, why = pick_state(r, picked, sent)
            label = "Demande envoyée" if wid in sent else "Choisir cet atelier"
            if wid in sent:
                st.session_state[pick_key(wid)] = True
            st.checkbox(label, key=pick_key(wid), disabled=disabled, help=why)
        st.markdown(badges(r))
        st.markdown(evidence_chips(r), unsafe_allow_html=True)
        if r.get("best_service"):
            st.markdown(service_quote(r["best_service"]), unsafe_allow_html=True)
        why = r.get("explanation", "")
        bits = [html.escape(why[:1].upper() + why[1:])]
        if r.get("website"):
            url = html.escape(r["website"], quote=True)
            bits.append(f'<a href="{url}" target="_blank" rel="noopener">Site de l\'atelier ↗</a>')
        st.markdown(f'<div class="afn-muted">{" — ".join(b for b in bits if b)}</div>', unsafe_allow_html=True)


def route_box(route: dict, shown: dict[str, int], picked: set[str], sent: set[str], on_pick_all) -> None:
    """« Parcours à plusieurs ateliers »: the reason, the workshops, a button to choose them all."""
    with st.container(border=True):
        st.markdown("#### :material/alt_route: Parcours à plusieurs ateliers")
        st.markdown(route.get("reason", ""))
        for w in route.get("workshops", []):
            wid = w["workshop_id"]
            caps = chips([capability_label(c) for c in w.get("matched_capabilities", [])], "ok")
            where = f"{html.escape(w.get('commune', ''))}, à {fr_num(w.get('distance_km', 0.0))} km"
            ref = f" — n° {shown[wid]} de la liste" if wid in shown else ""
            st.markdown(f"**{html.escape(w['name'])}** · {where}{ref}<br>{caps}", unsafe_allow_html=True)
            if wid not in shown:  # not among the cards: its own checkbox here
                disabled, why = pick_state(w, picked, sent)
                st.checkbox(f"Choisir {w['name']}", key=pick_key(wid), disabled=disabled, help=why)
        free = [w for w in route.get("workshops", []) if not pick_state(w, set(), sent)[0]]
        if free and not all(w["workshop_id"] in picked for w in free):
            st.button(f"Choisir ces {len(free)} ateliers", icon=":material/playlist_add_check:",
                      on_click=on_pick_all, args=([w["workshop_id"] for w in free],), key="find_pick_route")


# --- map ------------------------------------------------------------------------------------
def results_map(commune: dict, radius_km: float, results: list[tuple[int, dict]], picked: set[str]) -> None:
    """The company's commune, the search radius and the workshops shown (numbered like the cards).

    No base map is required (no token, works offline): the radius circle gives the scale.
    """
    here = {"lat": commune["lat"], "lon": commune["lon"], "name": f"Votre commune : {commune_label(commune)}",
            "detail": f"Rayon de recherche : {fr_num(radius_km, 0)} km", "label": ""}
    spots = [{"lat": r["lat"], "lon": r["lon"], "name": f"{rank}. {r['name']}", "label": str(rank),
              "detail": f"{r.get('commune', '')} · à {fr_num(r.get('distance_km', 0.0))} km",
              "colour": PICKED_COLOUR if r["workshop_id"] in picked else WORKSHOP_COLOUR}
             for rank, r in results]
    view = pdk.ViewState(latitude=here["lat"], longitude=here["lon"], zoom=9)
    if spots:  # centred on the company, every workshop in the frame (each point and its mirror image)
        frame = [[2 * here[k] - s[k] if mirror else s[k] for k in ("lon", "lat")]
                 for s in spots for mirror in (False, True)]
        view.zoom = min(max(pdk.data_utils.compute_view(frame, view_proportion=1).zoom - 0.5, 3), 12)
    layers = [  # drawn in this order: the radius, the company, then the workshops on top
        pdk.Layer("ScatterplotLayer", data=[here], get_position="[lon, lat]", get_radius=radius_km * 1000,
                  get_fill_color=[214, 69, 65, 18], get_line_color=[214, 69, 65, 140], stroked=True,
                  line_width_min_pixels=1.5, pickable=False),
        pdk.Layer("ScatterplotLayer", data=[here], get_position="[lon, lat]", get_fill_color=COMPANY_COLOUR,
                  get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=2,
                  get_radius=900, radius_min_pixels=12, radius_max_pixels=18, pickable=True),
        pdk.Layer("ScatterplotLayer", data=spots, get_position="[lon, lat]", get_fill_color="colour",
                  get_line_color=[255, 255, 255], stroked=True, line_width_min_pixels=1.5,
                  get_radius=600, radius_min_pixels=8, radius_max_pixels=14, pickable=True),
        pdk.Layer("TextLayer", data=spots, get_position="[lon, lat]", get_text="label", get_size=11,
                  get_color=[255, 255, 255], get_text_anchor="'middle'", get_alignment_baseline="'center'",
                  font_weight=700),
    ]
    deck = pdk.Deck(layers=layers, initial_view_state=view, map_style=None,
                    tooltip={"html": "<b>{name}</b><br/>{detail}",
                             "style": {"fontSize": "0.85rem", "backgroundColor": "#1f2937", "color": "white"}})
    with st.container(border=True):
        st.pydeck_chart(deck, height=360, alt="Carte de votre commune et des ateliers proposés")
        st.markdown(
            '<div class="afn-muted"><span style="color:#d64541">●</span> votre commune et le rayon de recherche '
            '&nbsp; <span style="color:#1a3e8a">●</span> ateliers proposés (numérotés comme la liste) &nbsp; '
            '<span style="color:#1e8e3e">●</span> ateliers choisis</div>', unsafe_allow_html=True)
