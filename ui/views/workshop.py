"""Espace atelier: the leads a workshop receives (take, decline, close) and its own record."""

from __future__ import annotations

from collections import Counter

import streamlit as st

from ui.common import call, capability_label, chips, client, fr_num, key_box, profile_label, setup, taxonomy
from ui.views.pro_parts import CSS, LEAD_COLORS, LEAD_FILTERS, LEAD_ICONS, esc, fr_date, md, need_box, plural, tiles

PER_PAGE = 15
ORDER = {"new": 0, "taken": 1}
FLASH = "ws_flash"

setup("Espace atelier",
      "Les demandes que les entreprises et les conseillers vous adressent : prenez-les en charge, "
      "refusez-les ou clôturez-les, et tenez votre fiche à jour.")
st.markdown(CSS, unsafe_allow_html=True)

key = key_box("d'atelier", "ws_key", "La clé de votre atelier, remise par l'administrateur du réseau "
                                     "(elle commence par afnk_). Elle reste dans cet onglet le temps de la session.")
if not key:
    st.info("Saisissez la **clé de votre atelier** dans le panneau latéral pour voir vos demandes.", icon="🔑")
    st.markdown(
        "**Comment obtenir une clé ?** Chaque atelier du réseau reçoit sa propre clé d'accès. "
        "Demandez-la à l'administrateur du réseau afn-match, en lui donnant l'identifiant de votre atelier "
        "(il figure dans l'adresse de votre fiche, sur la carte des ateliers). Il la crée avec la commande :")
    st.code("afn-match admin create-key --role workshop --atelier ID", language="bash")
    st.caption("La clé n'est affichée qu'une fois : conservez-la dans un gestionnaire de mots de passe. "
               "Si elle est perdue ou a fuité, l'administrateur la révoque et vous en donne une nouvelle.")
    st.stop()

api = client(key)
me = call(api.my_workshop)
if me is None:
    st.caption("Vérifiez la clé saisie dans le panneau latéral : elle doit être celle d'un atelier.")
    st.stop()
leads = call(api.my_leads)
if leads is None:
    st.stop()

tax = taxonomy()
STATUS = {"new": "Nouvelle", "taken": "Prise en charge", "done": "Terminée", "done_no_help": "Terminée sans suite",
          "unreachable": "Entreprise injoignable", "declined": "Refusée", "expired": "Expirée",
          **(tax.get("lead_statuses") or {})}
REASONS: dict[str, str] = tax.get("decline_reasons") or {}
OUTCOMES = {"close_done": f"{STATUS['done']} : le projet a été accompagné",
            "close_no_help": f"{STATUS['done_no_help']} : l'entreprise n'a pas donné suite",
            "close_unreachable": f"{STATUS['unreachable']} : impossible de la joindre"}
CLOSED = {"close_done": "done", "close_no_help": "done_no_help", "close_unreachable": "unreachable"}


def status_label(code: str) -> str:
    return STATUS.get(code, code)


def flash(message: str) -> None:
    st.session_state[FLASH] = message
    st.rerun()


# --- header and dashboard ----------------------------------------------------------------------
st.header(me["name"], anchor=False)
tags = [profile_label(me["profile"]), f"{me['commune']} ({me['dep']})"]
st.markdown(chips(tags) + (chips(["Pass AFN"], "ok") if me["pass_afn"] else ""), unsafe_allow_html=True)

message = st.session_state.pop(FLASH, None)
if message:
    st.success(message, icon="✅")
    st.toast(message, icon="✅")

counts = Counter(lead["status"] for lead in leads)
took = counts["taken"] + counts["done"] + counts["done_no_help"] + counts["unreachable"]
decided = took + counts["declined"] + counts["expired"]
closed = counts["done"] + counts["done_no_help"] + counts["unreachable"]

free = me["remaining_capacity"]
st.markdown(tiles([
    ("Nouvelles", counts["new"], "à traiter" if counts["new"] else "rien en attente",
     "info" if counts["new"] else "muted"),
    ("Prises en charge", counts["taken"], "en cours", "muted"),
    ("Places libres", f"{free} / {me['capacity']}", "complet" if free <= 0 else "pour de nouvelles demandes",
     "bad" if free <= 0 else "good"),
    ("Taux de prise en charge", f"{fr_num(100 * took / decided, 0)} %" if decided else "—",
     f"parmi {plural(decided, 'demande')}" if decided else "pas encore de réponse", "muted"),
]), unsafe_allow_html=True)
if leads:
    st.caption(f"Depuis le début : {plural(len(leads), 'demande reçue', 'demandes reçues')} · "
               f"{plural(closed, 'terminée')} · {plural(counts['declined'], 'refusée')} · "
               f"{plural(counts['expired'], 'expirée')}")

if not me["accepts_companies"]:
    st.warning("Votre fiche indique que vous n'accueillez pas de projets d'entreprise : vous ne recevez pas de "
               "nouvelles demandes. Modifiez-la dans l'onglet « Ma fiche » si cela a changé.", icon="🚪")
elif me["remaining_capacity"] <= 0:
    st.warning("Votre atelier est complet : vous ne recevez plus de nouvelles demandes. Une place se libère "
               "dès qu'une demande est clôturée, refusée ou expire ; vous pouvez aussi augmenter votre capacité "
               "dans l'onglet « Ma fiche ».", icon="⏳")

tab_inbox, tab_record = st.tabs(["📥 Demandes reçues", "✏️ Ma fiche"], key="ws_tab", on_change="rerun")


# --- inbox ---------------------------------------------------------------------------------------
def lead_card(lead: dict) -> None:
    lid, status = lead["id"], lead["status"]
    with st.container(border=True, key=f"ws_lead_{lid}"):
        top = st.container(horizontal=True, vertical_alignment="center", gap="small")
        top.badge(status_label(status), icon=LEAD_ICONS.get(status), color=LEAD_COLORS.get(status, "gray"))
        when = f"Reçue le {fr_date(lead['created_at'], with_time=True)}"
        if status == "new" and lead.get("expires_at"):
            when += f" · à traiter avant le **{fr_date(lead['expires_at'])}**"
        elif status == "taken" and lead.get("taken_at"):
            when += f" · prise en charge le {fr_date(lead['taken_at'])}"
        elif lead.get("closed_at") or status == "expired":
            verb = {"declined": "refusée", "expired": "expirée"}.get(status, "close")
            when += f" · {verb} le {fr_date(lead.get('closed_at') or lead['updated_at'])}"
        top.markdown(when)
        st.markdown(need_box(lead["need_text"]), unsafe_allow_html=True)
        email = esc(lead.get("contact_email"))
        meta = [f"<span class='nowrap'>📍 <b>{esc(lead['commune'])}</b></span>",
                f'✉️ <a href="mailto:{email}">{email}</a>' if email else "✉️ e-mail non communiqué"]
        meta.append(f"<span class='nowrap'>🏢 SIRET {esc(lead['siret'])}</span>" if lead.get("siret")
                    else "<span class='nowrap'>🏢 SIRET non communiqué</span>")
        st.markdown(f'<div class="afn-meta">{" &nbsp;·&nbsp; ".join(meta)}</div>', unsafe_allow_html=True)
        notes = []
        if status == "declined" and lead.get("decline_reason"):
            notes.append(f"Motif du refus : {REASONS.get(lead['decline_reason'], lead['decline_reason'])}")
        if lead.get("comment"):
            notes.append(f"Commentaire : « {md(lead['comment'])} »")
        if notes:
            st.caption(" · ".join(notes))
        if status in ("new", "taken"):
            actions(lead)


def actions(lead: dict) -> None:
    lid, status = lead["id"], lead["status"]
    bar = st.container(horizontal=True, gap="small")
    if status == "new":
        if bar.button("Prendre en charge", key=f"ws_take_{lid}", type="primary", icon="🤝"):
            if call(api.act, lid, "take") is not None:
                flash("Demande prise en charge : contactez l'entreprise"
                      + (f" à {lead['contact_email']}." if lead.get("contact_email") else "."))
    else:
        with bar.popover("Clore", icon="🏁", key=f"ws_closepop_{lid}"):
            outcome = st.radio("Issue de la demande", list(OUTCOMES), format_func=OUTCOMES.get,
                               key=f"ws_outcome_{lid}")
            comment = st.text_area("Commentaire (facultatif)", key=f"ws_closecomment_{lid}", max_chars=1000,
                                   height=80)
            if st.button("Clore la demande", key=f"ws_close_{lid}", type="primary"):
                if call(api.act, lid, outcome, None, comment.strip() or None) is not None:
                    flash(f"Demande close : « {status_label(CLOSED[outcome])} ». Merci pour votre réponse.")
    with bar.popover("Refuser", icon="🚫", key=f"ws_declinepop_{lid}"):
        reason = st.selectbox("Raison du refus", list(REASONS), index=None, format_func=lambda r: REASONS.get(r, r),
                              placeholder="Choisissez une raison", key=f"ws_reason_{lid}")
        comment = st.text_area("Commentaire pour l'entreprise ou le conseiller (facultatif)",
                               key=f"ws_comment_{lid}", max_chars=1000, height=80)
        if st.button("Confirmer le refus", key=f"ws_decline_{lid}"):
            if call(api.act, lid, "decline", reason, comment.strip() or None) is not None:
                flash("Demande refusée : la place est libérée.")


with tab_inbox:
    options = list(LEAD_FILTERS)

    def option_label(name: str) -> str:
        n = len(leads) if not LEAD_FILTERS[name] else sum(counts[s] for s in LEAD_FILTERS[name])
        return f"{name} ({n})"

    chosen = st.segmented_control("Afficher", options, default="Toutes", format_func=option_label,
                                  key="ws_filter", label_visibility="collapsed") or "Toutes"
    wanted = LEAD_FILTERS[chosen]
    shown = [lead for lead in leads if not wanted or lead["status"] in wanted]
    shown.sort(key=lambda lead: ORDER.get(lead["status"], 2))  # to do first; the API gives the newest first
    if not leads:
        st.info("Aucune demande pour l'instant. Les entreprises et les conseillers vous écrivent quand votre atelier "
                "répond à leur besoin : une fiche complète (services détaillés, horaires, capacité) vous rend "
                "plus facile à trouver.", icon="📭")
    elif not shown:
        st.info(f"Aucune demande dans « {chosen} ».", icon="🔍")
    else:
        pages = max(1, -(-len(shown) // PER_PAGE))
        page = 1
        if pages > 1:
            page = st.pagination(pages, key=f"ws_page_{chosen}")
            st.caption(f"{len(shown)} demandes · page {page} sur {pages}")
        for lead in shown[(page - 1) * PER_PAGE: page * PER_PAGE]:
            lead_card(lead)


# --- record ------------------------------------------------------------------------------------------
with tab_record:
    st.caption("Ces informations servent à vous proposer aux entreprises : décrivez chaque service en une phrase "
               "concrète (machines, matériaux, délais). Les modifications sont prises en compte immédiatement.")
    version = me["updated_at"]  # a fresh form after each save, filled with what the API kept
    with st.form(f"ws_form_{version}", border=True):
        services = st.text_area("Services proposés (un par ligne)", "\n".join(me["services"]), height=300,
                                key=f"ws_services_{version}",
                                help="Entre 1 et 40 services, de 3 à 300 caractères chacun.")
        c1, c2 = st.columns(2)
        capacity = c1.number_input("Capacité (demandes en cours au plus)", min_value=0, max_value=1000,
                                   value=int(me["capacity"]), step=1, key=f"ws_capacity_{version}",
                                   help="Nombre de demandes nouvelles ou prises en charge que vous pouvez suivre "
                                        "en même temps. À 0, vous ne recevez plus de demandes.")
        lead_time = c2.number_input("Délai habituel (jours)", min_value=0, max_value=365,
                                    value=int(me["lead_time_days"]), step=1, key=f"ws_leadtime_{version}")
        opening = st.text_input("Horaires d'ouverture", me["opening"], max_chars=500, key=f"ws_opening_{version}",
                                placeholder="ex. Du mardi au vendredi 9h-18h")
        t1, t2 = st.columns(2)
        pass_afn = t1.toggle("Pass AFN accepté", me["pass_afn"], key=f"ws_pass_{version}",
                             help="Les entreprises peuvent régler avec le Pass AFN.")
        accepts = t2.toggle("Accueille les projets d'entreprise", me["accepts_companies"],
                            key=f"ws_accepts_{version}",
                            help="Désactivé, vous ne recevez plus de nouvelles demandes.")
        submitted = st.form_submit_button("Enregistrer", type="primary", icon="💾")
    if submitted:
        wanted_services = [line.strip() for line in services.splitlines() if line.strip()]
        values = {"services": wanted_services, "capacity": int(capacity), "lead_time_days": int(lead_time),
                  "opening": opening.strip(), "pass_afn": pass_afn, "accepts_companies": accepts}
        patch = {k: v for k, v in values.items() if v != me[k]}
        if not patch:
            st.info("Aucune modification à enregistrer.", icon="ℹ️")
        elif call(api.update_my_workshop, patch) is not None:
            flash("Fiche mise à jour.")
    if me["capabilities"]:
        st.markdown("**Savoir-faire reconnus sur votre fiche**")
        st.markdown(chips([capability_label(c) for c in me["capabilities"]]), unsafe_allow_html=True)
    st.caption(f"Identifiant de l'atelier : {me['id']} · fiche mise à jour le {fr_date(me['updated_at'])}")
