"""« Trouver un atelier »: describe a need, see the workshops the API proposes, send them the request."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAPIException

from ui.client import ApiError
from ui.common import chips, client, fr_num, setup
from ui.views.find_parts import (
    MAX_PICKS, SECTION_TITLES, commune_label, plural, pick_key, result_card, results_map, route_box, section_of,
    show_api_error, understood,
)

PLACEHOLDER = "Découper au laser des lettres en contreplaqué pour notre vitrine"
COMMUNE_CODES = ("commune_inconnue", "commune_ambigue")

state = st.session_state
state.setdefault("find_radius", 50)


# --- actions -------------------------------------------------------------------------------
def search(query: dict) -> None:
    """Ask the API; keep the query, the answer or the error for the next reruns."""
    for key in [k for k in state if isinstance(k, str) and k.startswith("pick_")]:
        del state[key]
    for key in ("find_response", "find_error", "find_need", "find_sent"):
        state.pop(key, None)
    state.find_query = query
    with st.spinner("Recherche des ateliers qui peuvent réaliser votre projet…"):
        try:
            state.find_response = client().match(query["text"], query["commune"], query["radius_km"],
                                                 only_with_capacity=query["only_with_capacity"])
        except ApiError as exc:
            state.find_error = exc


def use_commune(label_key: str) -> None:
    """Callback of the suggestion picker: put the commune in the form and search again."""
    state.find_commune = state[label_key]
    state.find_again = True


def pick_all(workshop_ids: list[str]) -> None:
    picked = sum(1 for k, v in state.items() if isinstance(k, str) and k.startswith("pick_") and v)
    for wid in workshop_ids:
        if not state.get(pick_key(wid)) and picked < MAX_PICKS:
            state[pick_key(wid)] = True
            picked += 1


def send(query: dict, picked: list[str], email: str, siret: str) -> None:
    """Record the need once (token shown once), then send it to the chosen workshops."""
    need = state.get("find_need")
    if need is None:
        try:
            created = client().create_need(query["text"], query["commune"], query["radius_km"], email,
                                           siret or None, only_with_capacity=query["only_with_capacity"])
        except ApiError as exc:
            show_api_error(exc)
            return
        need = state.find_need = {"id": created["need"]["id"], "token": created["token"], "email": email}
    try:
        leads = client().send_leads(need["id"], need["token"], picked)
    except ApiError as exc:
        show_api_error(exc)
        return
    state.find_sent = [*state.get("find_sent", []), *leads]


def follow_panel(need: dict, sent_leads: list[dict]) -> None:
    """What was sent, the need id and the follow-up token (shown once), and the way to the follow-up page."""
    with st.container(border=True):
        if sent_leads:
            names = [lead["workshop_name"] for lead in sent_leads]
            reply = "Il vous répondra" if len(names) == 1 else "Ils vous répondront"
            st.success(f"Demande envoyée à {plural(len(names), 'atelier', 'ateliers')} : {', '.join(names)}. "
                       f"{reply} par e-mail.", icon="✅")
        else:
            st.info("Votre demande est enregistrée mais n'a été envoyée à aucun atelier : corrigez votre choix "
                    "puis renvoyez-la.", icon="ℹ️")
        st.markdown("**Votre numéro de demande**")
        st.code(need["id"], language=None)
        st.markdown("**Votre jeton de suivi**")
        st.code(need["token"], language=None, wrap_lines=True)
        st.warning("Conservez ce jeton : il n'est affiché qu'une seule fois. Avec le numéro de demande, "
                   "il permet de suivre les réponses des ateliers.", icon="🔑")
        params = {"need": need["id"], "token": need["token"]}
        try:
            st.page_link("views/follow.py", label="Suivre ma demande", icon="📬", query_params=params)
        except StreamlitAPIException:  # the page is run on its own (tests): a plain link
            st.markdown(f"[📬 Suivre ma demande](suivi?need={need['id']}&token={need['token']})")


# --- page ----------------------------------------------------------------------------------------
setup("Trouver un atelier",
      "Décrivez votre projet en quelques phrases : nous vous proposons les ateliers de fabrication numérique "
      "(fablabs, tiers-lieux, ateliers professionnels…) proches de chez vous qui savent le réaliser.")

with st.form("find_form", border=True):
    st.text_area("Votre besoin", key="find_text", height=120, max_chars=5000, placeholder=PLACEHOLDER,
                 help="Décrivez l'objet à fabriquer, la machine ou l'accompagnement recherché, "
                      "en français courant.")
    left, right = st.columns(2, gap="medium")  # two rows of two: on a phone they stack in reading order
    left.text_input("Commune", key="find_commune", max_chars=200, placeholder="Lorient, 56100 ou Saint-Denis (93)",
                    help="Nom de la commune, code postal ou code INSEE. En cas d'homonymes, précisez le "
                         "département : « Saint-Denis (93) ».")
    right.slider("Rayon de recherche", min_value=5, max_value=200, step=5, key="find_radius", format="%d km")
    left, right = st.columns(2, gap="medium")
    left.toggle("Seulement les ateliers qui ont de la place", key="find_capacity")
    right.toggle("Pass AFN accepté", key="find_pass",
                 help="N'afficher que les ateliers qui acceptent le Pass AFN.")
    submitted = st.form_submit_button("Rechercher", type="primary", icon=":material/search:", key="find_submit")

if submitted or state.pop("find_again", False):
    text, commune = (state.get("find_text") or "").strip(), (state.get("find_commune") or "").strip()
    if not text:
        st.warning("Décrivez votre besoin pour obtenir des propositions, par exemple : « " + PLACEHOLDER + " ».",
                   icon="✏️")
    elif not commune:
        st.warning("Indiquez votre commune (ou son code postal) pour trouver les ateliers proches.", icon="📍")
    else:
        search({"text": text, "commune": commune, "radius_km": float(state.find_radius),
                "only_with_capacity": bool(state.find_capacity), "pass_afn": bool(state.find_pass)})

error: ApiError | None = state.get("find_error")
answer: dict | None = state.get("find_response")
query: dict = state.get("find_query", {})

if error is not None:
    if error.code in COMMUNE_CODES:
        st.error(error.message, icon="📍")
        options = [s.get("label") or s.get("name", "")
                   for s in error.details.get("suggestions") or error.details.get("candidates") or []]
        if not options and query.get("commune"):
            try:
                options = [c["label"] for c in client().communes(query["commune"])]
            except ApiError:
                options = []
        if options:
            with st.container(border=True):
                st.selectbox("Communes proposées", options, key="find_suggestion")
                st.button("Rechercher avec cette commune", on_click=use_commune, args=("find_suggestion",),
                          icon=":material/search:", key="find_use_commune")
    else:
        show_api_error(error)

elif answer is None:
    with st.container(border=True):
        st.markdown("**Comment ça marche ?**")
        st.markdown(
            "1. Décrivez votre besoin et votre commune, puis lancez la recherche.\n"
            "2. Comparez les ateliers proposés : savoir-faire, distance, places libres et délai.\n"
            f"3. Choisissez jusqu'à {MAX_PICKS} ateliers et envoyez-leur votre demande : ils vous répondent "
            "par e-mail, et vous suivez leurs réponses avec votre jeton de suivi.")

elif answer.get("out_of_scope"):
    st.warning(answer.get("message") or "Cette demande ne relève pas d'un atelier de fabrication numérique.",
               icon="🧭")
    st.caption("Exemples : « Imprimer en 3D des pièces de rechange pour nos machines », « Former notre équipe "
               "à la découpe laser », « Broder notre logo sur des tabliers ».")

else:
    commune = answer["commune"]
    sent_leads = state.get("find_sent", [])
    sent = {lead["workshop_id"] for lead in sent_leads}
    results = answer.get("results", [])
    ranked = list(enumerate(results, start=1))
    if query.get("pass_afn"):
        ranked = [(i, r) for i, r in ranked if r.get("pass_afn")]
    shown = {r["workshop_id"]: i for i, r in ranked}
    route = answer.get("route")
    known = {r["workshop_id"]: r for r in results} | {w["workshop_id"]: w for w in (route or {}).get("workshops", [])}
    picked = {wid for wid in known if state.get(pick_key(wid))}

    st.subheader(f"{plural(len(ranked), 'atelier proposé', 'ateliers proposés')} autour de {commune_label(commune)}")
    where = f"Rayon de recherche : {fr_num(answer.get('radius_km', 0.0), 0)} km"
    if commune.get("note"):
        where += f" · {commune['note']}"
    st.caption(where)
    if answer.get("inferred_capabilities"):
        st.markdown("Ce que nous avons compris de votre besoin : " + understood(answer["inferred_capabilities"]),
                    unsafe_allow_html=True)
    for note in answer.get("notes", []):
        st.info(note, icon="ℹ️")

    if not results:
        st.info("Aucun atelier ne correspond à ce besoin dans ce rayon. Élargissez le rayon de recherche, "
                "désactivez « Seulement les ateliers qui ont de la place », ou décrivez votre besoin autrement.",
                icon="🔎")
    elif not ranked:
        nobody, them = (("L'atelier proposé n'accepte pas", "le") if len(results) == 1
                        else (f"Aucun des {len(results)} ateliers proposés n'accepte", "les"))
        st.info(f"{nobody} le Pass AFN. Désactivez le filtre « Pass AFN accepté » pour {them} voir.", icon="🔎")

    if route:
        route_box(route, shown, picked, sent, pick_all)

    if ranked:
        results_map(commune, answer.get("radius_km", 0.0), ranked, picked)
        st.caption(f"Cochez jusqu'à {MAX_PICKS} ateliers, puis envoyez votre demande en bas de page.")
        heading = None
        for rank, r in ranked:
            if section_of(r) != heading and len({section_of(x) for _, x in ranked}) > 1:
                heading = section_of(r)
                st.markdown(f"##### {SECTION_TITLES.get(heading, '')}")
            result_card(rank, r, picked, sent)

    # --- sending ------------------------------------------------------------------------------
    need = state.get("find_need")
    to_send = [wid for wid in known if wid in picked and wid not in sent]
    if results:
        st.subheader("Votre demande" if need else "Envoyer ma demande")
    if need is not None:
        follow_panel(need, sent_leads)
    if results and (need is None or to_send):
        with st.form("find_send_form", border=True):
            if to_send:
                st.markdown("Ateliers choisis : " + chips([known[w]["name"] for w in to_send], "ok"),
                            unsafe_allow_html=True)
            else:
                st.markdown("Aucun atelier choisi pour l'instant : cochez « Choisir cet atelier » sur les "
                            "fiches ci-dessus.")
            if need is None:
                left, right = st.columns(2, gap="medium")
                left.text_input("E-mail de contact *", key="find_email", max_chars=254, type="email", validate="",
                                placeholder="prenom.nom@entreprise.fr",
                                help="Transmis aux seuls ateliers choisis, pour qu'ils vous répondent.")
                right.text_input("SIRET (facultatif)", key="find_siret", max_chars=20, placeholder="14 chiffres",
                                 help="Aide l'atelier à identifier votre entreprise.")
                st.caption("Votre e-mail n'est transmis qu'aux ateliers que vous choisissez.")
            label = "Envoyer ma demande" if need is None else "Envoyer aussi à ces ateliers"
            go = st.form_submit_button(label, type="primary", icon=":material/send:", key="find_send")
        if go:
            email = (state.get("find_email") or "").strip()
            if not to_send:
                st.warning("Choisissez au moins un atelier avant d'envoyer votre demande.", icon="☝️")
            elif need is None and not email:
                st.warning("Indiquez votre e-mail de contact : les ateliers vous répondront à cette adresse.",
                           icon="✉️")
            else:
                send(query, to_send, email, (state.get("find_siret") or "").strip())
                if any(lead["workshop_id"] in to_send for lead in state.get("find_sent", [])):
                    st.rerun()
    elif need is not None and len(picked | sent) < MAX_PICKS:
        st.caption(f"Vous pouvez encore envoyer cette demande à d'autres ateliers ({MAX_PICKS} au plus) : "
                   "cochez-les dans la liste.")
