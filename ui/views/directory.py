"""Carte des ateliers: the national map and directory of the network, with filters."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from ui.client import ApiError
from ui.common import (
    PROFILE_ICONS, api_url, capability_label, chips, fr_num, profile_label, service_quote, setup, show_error,
    taxonomy,
)
from ui.views.network_parts import (
    MAP_CSS, PROFILE_COLOURS, busiest_territory, deck, fetch_workshops, fitted_view, legend, plural, profile_colour,
    scatter, territory, territory_view, view_selector,
)

setup("Carte des ateliers",
      "Les ateliers de fabrication numérique du réseau : fablabs, tiers-lieux, ateliers professionnels... "
      "Filtrez par profil, savoir-faire, département ou autour d'une commune.")

st.markdown(MAP_CSS, unsafe_allow_html=True)
tax = taxonomy()
profiles = tax["profiles"]
capabilities = tax["capabilities"]

# --- filters -------------------------------------------------------------------------------
with st.container(border=True):
    c1, c2, c3 = st.columns([1, 1.3, 0.7])
    profile = c1.selectbox("Profil", list(profiles), index=None, placeholder="Tous les profils", key="dir_profile",
                           format_func=lambda c: f"{PROFILE_ICONS.get(c, '')} {profile_label(c)}".strip())
    capability = c2.selectbox("Savoir-faire", sorted(capabilities, key=lambda c: capability_label(c).lower()),
                              index=None, placeholder="Tous les savoir-faire", key="dir_capability",
                              format_func=capability_label)
    dep_text = c3.text_input("Département", max_chars=3, placeholder="ex. 29, 2A, 974", key="dir_dep",
                             help="Numéro du département : 01, 29, 2A, 974...")
    c4, c5, c6 = st.columns([1.3, 1, 0.7], vertical_alignment="bottom")
    near = c4.text_input("Près de", placeholder="Commune ou code postal (facultatif)", key="dir_near",
                         help="N'affiche que les ateliers à moins du rayon choisi de cette commune.").strip()
    radius = c5.slider("Rayon (km)", min_value=5, max_value=200, value=50, step=5, key="dir_radius",
                       disabled=not near)
    pass_only = c6.toggle("Pass AFN", key="dir_pass", help="N'afficher que les ateliers qui acceptent le Pass AFN.")

dep = dep_text.strip().upper()
if dep.isdigit() and len(dep) == 1:
    dep = dep.zfill(2)
filters: dict[str, object] = {"profile": profile, "capability": capability, "dep": dep or None,
                              "pass_afn": True if pass_only else None}
if near:
    filters.update(near=near, radius_km=radius)
signature = tuple(sorted((k, v) for k, v in filters.items() if v is not None))

try:
    with st.spinner("Chargement de l'annuaire…"):
        page = fetch_workshops(api_url(), signature)
except ApiError as exc:
    show_error(exc)
    st.stop()

items: list[dict] = page["items"]
total: int = page["total"]

# --- headline --------------------------------------------------------------------------------
where = f" à moins de {fr_num(radius, 0)} km de {near}" if near else ""
st.markdown(f"### {plural(total, 'atelier')}{html.escape(where)}")
if not items:
    st.info("Aucun atelier ne correspond à ces filtres. Retirez un filtre"
            + (", élargissez le rayon" if near else "") + " ou vérifiez le numéro de département.", icon="🔍")
    st.stop()

n_pass = sum(1 for w in items if w["pass_afn"])
n_companies = sum(1 for w in items if w["accepts_companies"])
free = sum(w["remaining_capacity"] for w in items)
st.caption(f"{plural(n_companies, 'atelier accueille', 'ateliers accueillent')} les entreprises · "
           f"{plural(n_pass, 'atelier')} Pass AFN · {plural(free, 'place libre', 'places libres')} "
           "pour de nouvelles demandes")

# --- map -------------------------------------------------------------------------------------
counts: dict[str, int] = {}
for w in items:
    counts[territory(w["dep"])] = counts.get(territory(w["dep"]), 0) + 1
view_name = view_selector("dir_view", busiest_territory(w["dep"] for w in items), signature, counts)
in_view = [w for w in items if territory(w["dep"]) == view_name]
if (near or dep) and in_view:
    view = fitted_view([w["lat"] for w in in_view], [w["lon"] for w in in_view], max_zoom=6.3)
else:
    view = territory_view(view_name)

points = pd.DataFrame({
    "lat": [w["lat"] for w in items],
    "lon": [w["lon"] for w in items],
    "name": [w["name"] for w in items],
    "commune": [w["commune"] for w in items],
    "dep": [w["dep"] for w in items],
    "profile_label": [profile_label(w["profile"]) for w in items],
    "colour": [profile_colour(w["profile"]) for w in items],
    "places": [plural(w["remaining_capacity"], "place libre", "places libres") for w in items],
})
present = [code for code in PROFILE_COLOURS if any(w["profile"] == code for w in items)]
st.markdown(legend([(PROFILE_COLOURS[c], profile_label(c)) for c in present]), unsafe_allow_html=True)
st.pydeck_chart(
    deck([scatter(points, "ateliers")], view,
         "<b>{name}</b><br/>{commune} ({dep})<br/>{profile_label}<br/><i>{places}</i>"),
    height=480, alt=f"Carte des ateliers : {view_name}",
)
if not in_view:
    st.caption(f"Aucun atelier de cette sélection sur cette vue ({view_name}) : choisissez un autre territoire.")

# --- directory table -------------------------------------------------------------------------
st.markdown("### Annuaire")
rows = pd.DataFrame({
    "Atelier": [w["name"] for w in items],
    "Profil": [profile_label(w["profile"]) for w in items],
    "Commune": [w["commune"] for w in items],
    "Dép.": [w["dep"] for w in items],
    **({"Distance": [f"{fr_num(w['distance_km'], 1)} km" if w["distance_km"] is not None else "—"
                     for w in items]} if near else {}),
    "Savoir-faire": [[capability_label(c) for c in w["capabilities"]] for w in items],
    "Places libres": [w["remaining_capacity"] for w in items],
    "Entreprises": [w["accepts_companies"] for w in items],
    "Pass AFN": [w["pass_afn"] for w in items],
    "Site web": [w["website"] or None for w in items],
})
st.dataframe(
    rows, hide_index=True, height="auto" if len(rows) <= 10 else 420,
    column_config={
        "Atelier": st.column_config.TextColumn(pinned=True, width="medium"),
        "Dép.": st.column_config.TextColumn(width="small"),
        "Distance": st.column_config.TextColumn(width="small", alignment="right"),
        "Savoir-faire": st.column_config.ListColumn(width="large"),
        "Places libres": st.column_config.NumberColumn(width="small",
                                                       help="Places encore disponibles pour de nouvelles demandes"),
        "Entreprises": st.column_config.CheckboxColumn(width="small", help="Accueille les entreprises"),
        "Pass AFN": st.column_config.CheckboxColumn(width="small"),
        "Site web": st.column_config.LinkColumn(display_text=r"https?://(?:www\.)?([^/]+).*", width="medium"),
    },
)

# --- one workshop in detail --------------------------------------------------------------------
by_id = {w["id"]: w for w in items}
chosen = st.selectbox("Fiche détaillée", list(by_id), index=None, key="dir_detail",
                      placeholder="Choisissez un atelier pour voir ses services et ses machines",
                      format_func=lambda i: f"{by_id[i]['name']} — {by_id[i]['commune']} ({by_id[i]['dep']})")
if chosen:
    w = by_id[chosen]
    icon = PROFILE_ICONS.get(w["profile"], "🛠️")
    with st.expander(f"{icon} {w['name']} — {w['commune']}", expanded=True):
        left, right = st.columns([1.6, 1])
        with left:
            st.markdown(f"**{profile_label(w['profile'])}** · {w['commune']} ({w['dep']})")
            if w["description"]:
                st.write(w["description"])
        with right:
            facts = [
                ("Accueil des entreprises", "oui" if w["accepts_companies"] else "non"),
                ("Pass AFN", "oui" if w["pass_afn"] else "non"),
                ("Places libres", f"{fr_num(w['remaining_capacity'], 0)} sur {fr_num(w['capacity'], 0)}"),
                ("Délai habituel", plural(w["lead_time_days"], "jour")),
                ("Horaires", w["opening"] or "non précisés"),
            ]
            if w.get("distance_km") is not None:
                facts.insert(0, ("Distance", f"{fr_num(w['distance_km'], 1)} km"))
            st.markdown("\n".join(f"- **{k}** : {html.escape(str(v))}" for k, v in facts))
            if w["website"]:
                st.link_button("Site web de l'atelier", w["website"], icon="🌐")
        st.markdown("**Savoir-faire**")
        st.markdown(chips([capability_label(c) for c in w["capabilities"]]) or "—", unsafe_allow_html=True)
        st.markdown("**Services proposés**")
        if w["services"]:
            st.markdown("".join(service_quote(s) for s in w["services"]), unsafe_allow_html=True)
        else:
            st.caption("Aucun service décrit pour l'instant.")
        if w["materials"]:
            st.markdown("**Matériaux**")
            st.markdown(chips(w["materials"]), unsafe_allow_html=True)
        st.markdown("**Machines**")
        if w["machines"]:
            st.dataframe(pd.DataFrame({
                "Machine": [m.get("name", "") for m in w["machines"]],
                "Savoir-faire": [capability_label(m.get("capability", "")) for m in w["machines"]],
                "Détails": [m.get("details", "") for m in w["machines"]],
            }), hide_index=True)
        else:
            st.caption("Aucune machine déclarée : cet atelier propose surtout de l'accompagnement.")
