"""« Suivre ma demande »: a company follows its request with the need id and the follow-up token."""

from __future__ import annotations

import html
import re

import streamlit as st

from ui.common import call, client, fr_num, setup, taxonomy
from ui.views.find_parts import STATUS_COLOURS, STATUS_HINTS, commune_label, fr_date, fr_datetime, plural

NEED_ID = re.compile(r"[A-Za-z0-9_-]{1,120}")
state = st.session_state


def param(name: str) -> str:
    value = st.query_params.get(name, "")
    return value.strip() if isinstance(value, str) else ""


setup("Suivre ma demande",
      "Retrouvez les réponses des ateliers à qui vous avez envoyé votre demande, avec le numéro de demande "
      "et le jeton de suivi reçus lors de l'envoi.")

linked = (param("need"), param("token"))
if all(linked) and state.get("follow_linked") != linked:  # a link from « Trouver un atelier »: show it at once
    state.follow_linked = state.follow_ids = linked
    state.follow_need, state.follow_token = linked
state.setdefault("follow_need", "")
state.setdefault("follow_token", "")

with st.form("follow_form", border=True):
    left, right = st.columns(2, gap="medium")
    left.text_input("Numéro de demande", key="follow_need", max_chars=120, placeholder="need_…")
    right.text_input("Jeton de suivi", key="follow_token", type="password", max_chars=200, placeholder="afns_…",
                     help="Affiché une seule fois, lors de l'envoi de votre demande.")
    submitted = st.form_submit_button("Afficher ma demande", type="primary", icon=":material/visibility:",
                                      key="follow_submit")

if submitted:
    state.follow_ids = ((state.follow_need or "").strip(), (state.follow_token or "").strip())

need_id, token = state.get("follow_ids", ("", ""))
need = None
if not (need_id or token):
    with st.container(border=True):
        st.markdown("Saisissez le **numéro de demande** et le **jeton de suivi** affichés lors de l'envoi de "
                    "votre demande aux ateliers.")
        st.markdown("Pas encore de demande ? Décrivez votre projet sur la page « Trouver un atelier ».")
elif not need_id or not token:
    st.warning("Indiquez le numéro de demande et le jeton de suivi.", icon="✏️")
elif not NEED_ID.fullmatch(need_id):
    st.error("Numéro de demande invalide : il commence par « need_ » et ne contient ni espace ni "
             "caractère spécial.", icon="⚠️")
elif not (token.isascii() and token.isprintable()):
    st.error("Jeton de suivi invalide : copiez-le tel qu'il vous a été affiché (il commence par « afns_ »).",
             icon="⚠️")
else:
    with st.spinner("Chargement de votre demande…"):
        need = call(client().need, need_id, token)

if need is not None:
    created = fr_datetime(need.get("created_at"))
    radius = fr_num(need.get("radius_km", 0.0), 0)
    with st.container(border=True):
        st.markdown("#### Votre besoin")
        st.markdown(f'<div class="afn-service" style="border-left-color:#1a3e8a;background:#f3f6fc">'
                    f'{html.escape(need.get("text", ""))}</div>', unsafe_allow_html=True)
        st.markdown(f"📍 {need.get('commune', '')} · rayon {radius} km · enregistrée le {created}")
    if need.get("out_of_scope"):
        st.warning(need.get("shortlist", {}).get("message")
                   or "Cette demande ne relève pas d'un atelier de fabrication numérique.", icon="🧭")

    leads = need.get("leads", [])
    head, refresh = st.columns([4, 1], vertical_alignment="bottom")
    head.subheader(f"Ateliers contactés ({len(leads)})")
    refresh.button("Actualiser", icon=":material/refresh:", key="follow_refresh")
    if not leads:
        proposed = len(need.get("shortlist", {}).get("results", []))
        text = "Cette demande n'a encore été envoyée à aucun atelier."
        if proposed and not need.get("out_of_scope"):
            was = plural(proposed, "atelier vous avait été proposé", "ateliers vous avaient été proposés")
            text += (f" {was} "
                     f"autour de {commune_label(need['shortlist'].get('commune', {}))} : relancez la recherche "
                     "sur la page « Trouver un atelier » pour leur écrire.")
        st.info(text, icon="📭")
    reasons = taxonomy().get("decline_reasons", {})
    for lead in leads:
        status = lead.get("status", "")
        with st.container(border=True):
            colour = STATUS_COLOURS.get(status, "gray")
            st.markdown(f"**{html.escape(lead.get('workshop_name', ''))}** &nbsp; "
                        f":{colour}-badge[{lead.get('status_label', status)}]", unsafe_allow_html=True)
            lines = [f"Envoyée le {fr_datetime(lead.get('created_at'))}"]
            if lead.get("taken_at"):
                lines.append(f"prise en charge le {fr_datetime(lead['taken_at'])}")
            if lead.get("closed_at"):
                lines.append(f"close le {fr_datetime(lead['closed_at'])}")
            elif lead.get("updated_at") and status in ("declined", "expired"):
                lines.append(f"mise à jour le {fr_datetime(lead['updated_at'])}")
            st.markdown(" · ".join(lines))
            if STATUS_HINTS.get(status):
                st.caption(STATUS_HINTS[status])
            if status == "new" and lead.get("expires_at"):
                st.caption(f"⏳ Sans réponse de l'atelier, cette mise en relation expirera le "
                           f"{fr_date(lead['expires_at'])}.")
            if lead.get("decline_reason"):
                st.markdown(f"Raison : {reasons.get(lead['decline_reason'], lead['decline_reason'])}")
            if lead.get("comment"):
                st.markdown(f"Message de l'atelier : « {html.escape(lead['comment'])} »", unsafe_allow_html=True)
