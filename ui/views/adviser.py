"""Conseiller: a file of company needs → a capacity-aware shortlist → adjustments → leads sent and followed."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from ui.client import ApiError
from ui.common import call, chips, client, fr_num, key_box, setup, taxonomy
from ui.views.pro_parts import (
    CSS, ITEM_ICONS, ITEM_STATUS, LEAD_ICONS, MAX_ROWS, NeedsFileError, clip, esc, explain_error, fr_date, md, need_box,
    parse_needs, pick_label, plural, preview_rows, send_adviser_leads, short_date, shortlist_body, start_shortlist,
    template_csv, tiles, wait_job,
)

PER_PAGE = 10
FETCH_NEEDS = 40  # need summaries fetched per page view for the follow-up table
MAX_PICKS = 5
TABS = ["📄 Besoins", "✅ Résultats et envoi", "📬 Suivi"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REVIEW = ("partial", "unassigned", "out_of_scope", "error")

setup("Conseiller",
      "Déposez les besoins de vos entreprises : chacun est affecté aux ateliers qui peuvent le réaliser, "
      "dans la limite de leurs places libres. Ajustez, envoyez les mises en relation, suivez les réponses.")
st.markdown(CSS, unsafe_allow_html=True)
state = st.session_state


def template_button() -> None:
    st.download_button("Télécharger le modèle (CSV)", template_csv(), file_name="modele-besoins-afn-match.csv",
                       mime="text/csv", icon="📥", key="adv_template",
                       help="Colonnes : référence ; besoin ; commune ; rayon_km ; email ; siret. "
                            "Seules « besoin » et « commune » sont obligatoires.")


key = key_box("de conseiller", "adv_key", "Votre clé de conseiller, remise par l'administrateur du réseau "
                                          "(elle commence par afnk_). Elle reste dans cet onglet le temps "
                                          "de la session.")
if not key:
    st.info("Saisissez votre **clé de conseiller** dans le panneau latéral pour lancer une affectation.", icon="🔑")
    st.markdown("**Comment obtenir une clé ?** Les conseillers (CCI, agences de développement...) reçoivent "
                "une clé personnelle de l'administrateur du réseau afn-match, qui la crée avec la commande :")
    st.code("afn-match admin create-key --role adviser --label \"Votre nom, votre structure\"", language="bash")
    st.markdown("**En attendant, préparez votre fichier** : une ligne par entreprise, à partir du modèle "
                "(CSV ou Excel, jusqu'à 1 000 besoins).")
    template_button()
    st.stop()

api = client(key)
my_leads = call(api.adviser_leads)  # also checks the key before anything else
if my_leads is None:
    st.caption("Vérifiez la clé saisie dans le panneau latéral : elle doit être celle d'un conseiller.")
    st.stop()

if state.get("adv_owner") != key:  # another adviser's key: forget the previous one's work
    for name in [n for n in state if str(n).startswith(("adv_sl", "adv_choice", "adv_sent", "adv_exports",
                                                         "adv_needs", "adv_job", "adv_lines", "adv_notice"))]:
        del state[name]
    state["adv_owner"] = key

SENT: dict[str, list[str]] = {}  # need id → workshops it was already sent to (from the API, survives a reload)
for lead in my_leads:
    SENT.setdefault(lead["need_id"], []).append(lead["workshop_name"])

tax = taxonomy()
LEAD_STATUS: dict[str, str] = tax.get("lead_statuses") or {}
REASONS: dict[str, str] = tax.get("decline_reasons") or {}
state.setdefault("adv_choice", {})  # need id → workshop ids the adviser keeps
state.setdefault("adv_sent", {})  # need id → {"ok", "message", "names"}
state.setdefault("adv_exports", {})  # (shortlist id, format, sends) → bytes

notice = state.pop("adv_notice", None)
if notice:
    getattr(st, notice[0])(notice[1], icon="✅" if notice[0] == "success" else "⚠️")
    st.toast(notice[1], icon="✅" if notice[0] == "success" else "⚠️")

if "adv_goto" in state:  # open a tab from the previous run (a widget's state is set before it is drawn)
    state["adv_tab"] = state.pop("adv_goto")
tab_needs, tab_results, tab_follow = st.tabs(TABS, key="adv_tab", on_change="rerun")


def show_shortlist(shortlist: dict) -> None:
    """Keep a shortlist and open its results."""
    state["adv_sl"] = shortlist
    state["adv_goto"] = TABS[1]
    done = plural(shortlist["summary"].get("needs", 0), "besoin traité", "besoins traités")
    state["adv_notice"] = ("success", f"Affectation terminée : {done}.")
    st.rerun()


# --- 1. needs file and run -------------------------------------------------------------------
with tab_needs:
    st.markdown("Une ligne par besoin d'entreprise, avec au moins les colonnes **besoin** et **commune** "
                "(facultatives : référence, rayon_km, email, siret). CSV séparé par des points-virgules ou des "
                f"virgules (UTF-8 ou Windows), ou classeur Excel .xlsx ; {fr_num(MAX_ROWS, 0)} lignes au plus.")
    template_button()
    upload = st.file_uploader("Fichier des besoins", type=["csv", "xlsx", "txt"], key="adv_file",
                              help="La première ligne donne les noms des colonnes.")
    parsed = None
    if upload is not None:
        try:
            parsed = parse_needs(upload.name, upload.getvalue())
        except NeedsFileError as exc:
            st.error(md(exc.message), icon="⚠️")
    if parsed is not None:
        read = plural(len(parsed.needs), "besoin lu", "besoins lus")
        st.success(f"{read} dans « {md(upload.name)} ».", icon="📄")
        if parsed.ignored:
            st.caption("Colonnes ignorées : " + ", ".join(f"« {md(c)} »" for c in parsed.ignored))
        st.dataframe(pd.DataFrame(preview_rows(parsed)), hide_index=True,
                     height=min(38 + 35 * len(parsed.needs), 320),
                     column_config={"ligne": st.column_config.NumberColumn("ligne", width=50),
                                    "besoin": st.column_config.TextColumn("besoin", width="large"),
                                    "rayon (km)": st.column_config.NumberColumn("rayon (km)", format="%g")})
    elif upload is None:
        st.caption("Aucun fichier déposé : partez du modèle ci-dessus, complétez-le dans votre tableur, "
                   "puis déposez-le ici.")

    with st.container(border=True):
        st.markdown("**Options de l'affectation**")
        c1, c2 = st.columns([1, 1], vertical_alignment="center")
        k = c1.slider("Ateliers proposés par besoin", 1, MAX_PICKS, 3, key="adv_k")
        only_free = c2.toggle("Seulement les ateliers qui ont de la place", value=True, key="adv_only_free",
                              help="Tient compte des places libres de chaque atelier : un atelier n'est pas proposé "
                                   "à plus d'entreprises qu'il ne peut en accueillir.")
        run = st.button("Lancer l'affectation", type="primary", icon="🚀", key="adv_run",
                        disabled=parsed is None or "adv_job" in state,
                        help=None if parsed else "Déposez d'abord un fichier de besoins.")
    progress_slot = st.empty()

    if run and parsed is not None and "adv_job" not in state:  # a click during a run does not start another
        state["adv_lines"] = parsed.lines
        try:
            with st.spinner("Affectation en cours…"):
                started = start_shortlist(api, shortlist_body(parsed.needs, k, only_free))
        except ApiError as exc:
            st.error(explain_error(exc, parsed.lines), icon="⚠️")
            started = None
        if started and "shortlist" in started:
            show_shortlist(started["shortlist"])
        elif started:
            state["adv_job"] = started["job"]

    if "adv_job" in state:  # a background run (also resumed after a rerun)
        def on_progress(job: dict) -> None:
            total = max(job.get("total") or 0, 1)
            progress_slot.progress(min(float(job.get("progress") or 0.0), 1.0),
                                   text=f"Affectation en cours : {job.get('done', 0)} / {total} besoins traités…")

        try:
            done = wait_job(api, state["adv_job"], on_progress)
        except ApiError as exc:
            state.pop("adv_job", None)
            progress_slot.empty()
            st.error(explain_error(exc, state.get("adv_lines")), icon="⚠️")
        else:
            state.pop("adv_job", None)
            show_shortlist(done)


# --- 2. results, adjustments, sending -------------------------------------------------------------
def choice_of(item: dict) -> list[str]:
    return state["adv_choice"].setdefault(item["need_id"], [p["workshop_id"] for p in item["picks"]])


def keep_choice(need_id: str, widget: str) -> None:
    state["adv_choice"][need_id] = list(state[widget])


def sendable(item: dict) -> bool:
    return bool(item.get("need_id")) and item["status"] not in ("out_of_scope", "error")


def item_card(sl: dict, item: dict) -> None:
    status = item["status"]
    label, colour = ITEM_STATUS.get(status, (status, "gray"))
    with st.container(border=True, key=f"adv_item_{sl['id']}_{item['position']}"):
        top = st.container(horizontal=True, vertical_alignment="center", gap="small")
        top.badge(label, icon=ITEM_ICONS.get(status), color=colour)
        title = [f"<b>n° {item['position']}</b>"]
        if item.get("reference"):
            title.append(f"<b>{esc(item['reference'])}</b>")
        if item.get("commune"):
            title.append(f"📍 {esc(item['commune'])}")
        top.markdown(" · ".join(title), unsafe_allow_html=True)
        st.markdown(need_box(item["text"], limit=400), unsafe_allow_html=True)
        for note in [item.get("message"), *(item.get("notes") or [])]:  # notes: when the API sends them
            if note:
                st.caption(f"ℹ️ {md(note)}")
        if not sendable(item):
            return
        need_id = item["need_id"]
        sent = state["adv_sent"].get(need_id)
        if need_id in SENT:
            st.success(f"Mise en relation envoyée à : {md(', '.join(SENT[need_id]))}.", icon="📨")
            return
        options = {p["workshop_id"]: p for p in [*item["picks"], *(item.get("alternatives") or [])]}
        if not options:
            st.caption("Pour trouver un atelier : élargissez le rayon de ce besoin dans votre fichier, ou relancez "
                       "sans l'option « Seulement les ateliers qui ont de la place ».")
            return
        picked = {p["workshop_id"] for p in item["picks"]}
        widget = f"adv_sel_{sl['id']}_{need_id}"
        chosen = st.multiselect(
            "Ateliers à contacter", list(options), default=[w for w in choice_of(item) if w in options],
            format_func=lambda w: ("★ " if w in picked else "") + pick_label(options[w]), key=widget,
            max_selections=MAX_PICKS, on_change=keep_choice, args=(need_id, widget),
            placeholder="Aucun atelier : ce besoin ne sera pas envoyé",
            help="★ : ateliers affectés par le calcul. Les autres couvrent aussi le besoin ; s'ils n'ont plus de "
                 "place, l'envoi vous le dira.")
        for wid in chosen:
            p = options[wid]
            tag = "" if wid in picked else ' <span class="afn-chip">autre proposition</span>'
            st.markdown(f'<div class="afn-pick"><b>{esc(p["name"])}</b> — {esc(p["commune"])} · '
                        f'{fr_num(p["distance_km"], 0)} km · score {fr_num(p["score"], 2)}{tag}<br>'
                        f'<span class="why">{esc(p["explanation"])}</span></div>', unsafe_allow_html=True)
        if sent and not sent["ok"]:
            st.error(md(sent["message"]), icon="⚠️")


def export_bytes(sl: dict, fmt: str) -> bytes | None:
    cache_key = (sl["id"], fmt, len(my_leads))
    if cache_key not in state["adv_exports"]:
        data = call(api.shortlist_file, sl["id"], fmt)
        if data is None:
            return None
        state["adv_exports"][cache_key] = data
    return state["adv_exports"][cache_key]


def send_all(sl: dict, ready: list[dict]) -> None:
    bar = st.progress(0.0, text="Envoi des mises en relation…")
    ok = failed = 0
    for i, item in enumerate(ready, start=1):
        ids = choice_of(item)
        options = {p["workshop_id"]: p for p in [*item["picks"], *(item.get("alternatives") or [])]}
        try:
            leads = send_adviser_leads(api, item["need_id"], ids)
        except ApiError as exc:
            state["adv_sent"][item["need_id"]] = {"ok": False, "message": exc.message, "position": item["position"]}
            failed += 1
        else:
            names = ", ".join(lead.get("workshop_name") or options.get(lead["workshop_id"], {}).get("name", "")
                              for lead in leads)
            state["adv_sent"][item["need_id"]] = {"ok": True, "names": names, "position": item["position"],
                                                  "message": ""}
            ok += 1
        bar.progress(i / len(ready), text=f"Envoi des mises en relation : {i} / {len(ready)}")
    if failed:
        state["adv_notice"] = ("warning", f"{plural(ok, 'besoin envoyé', 'besoins envoyés')}, {failed} en échec : "
                                          "lisez le compte rendu ci-dessous, ajustez et renvoyez.")
    else:
        state["adv_notice"] = ("success", f"Mises en relation envoyées pour {plural(ok, 'besoin')}.")
    state["adv_goto"] = TABS[1]
    st.rerun()


with tab_results:
    sl = state.get("adv_sl")
    with st.expander("Rouvrir une liste précédente", icon="🗂️"):
        old = st.text_input("Identifiant de la liste", placeholder="short_…", key="adv_open_id",
                            help="Il figure dans le nom des fichiers exportés.").strip()
        if st.button("Ouvrir", key="adv_open") and old:
            again = call(api.shortlist, old)
            if again is not None:
                state["adv_sl"] = again
                state["adv_goto"] = TABS[1]
                st.rerun()
    if not sl:
        st.info("Aucune liste pour l'instant : déposez un fichier dans l'onglet « Besoins » puis lancez "
                "l'affectation. Les ateliers proposés pour chaque besoin s'afficheront ici.", icon="🧭")
    else:
        items: list[dict] = sl["items"]
        summary = sl["summary"]
        st.subheader(f"Liste du {fr_date(sl['created_at'], with_time=True)}", anchor=False)
        st.caption(f"Identifiant : {sl['id']} (pour la rouvrir plus tard)")
        n_needs = summary.get("needs", len(items)) or 1
        tones = {"assigned": "good", "partial": "warn", "unassigned": "bad", "out_of_scope": "muted", "error": "bad"}
        codes = ["assigned", "partial", "unassigned", "out_of_scope"] + (["error"] if summary.get("error") else [])
        st.markdown(tiles([("Besoins", summary.get("needs", len(items)), f"{plural(sl['k'], 'atelier')} au plus",
                            "info")] + [
            (ITEM_STATUS[code][0].capitalize(), summary.get(code, 0),
             f"{fr_num(100 * summary.get(code, 0) / n_needs, 0)} % des besoins", tones[code])
            for code in codes]), unsafe_allow_html=True)

        bar = st.container(horizontal=True, gap="small")
        csv_data, xlsx_data = export_bytes(sl, "csv"), export_bytes(sl, "xlsx")
        if csv_data is not None:
            bar.download_button("Exporter en CSV", csv_data, file_name=f"{sl['id']}.csv", mime="text/csv",
                                icon="⬇️", key="adv_export_csv")
        if xlsx_data is not None:
            bar.download_button("Exporter en Excel", xlsx_data, file_name=f"{sl['id']}.xlsx", mime=XLSX,
                                icon="⬇️", key="adv_export_xlsx")

        table = pd.DataFrame([{
            "n°": it["position"], "référence": it.get("reference") or "", "besoin": it["text"],
            "commune": it.get("commune") or "",
            "statut": f"{ITEM_ICONS.get(it['status'], '')} {ITEM_STATUS.get(it['status'], (it['status'],))[0]}",
            "ateliers proposés": " · ".join(f"{p['name']} ({fr_num(p['distance_km'], 0)} km)" for p in it["picks"]),
            "message": it.get("message") or "",
        } for it in items])
        st.dataframe(table, hide_index=True, height=min(38 + 35 * len(items), 420),
                     column_config={"n°": st.column_config.NumberColumn("n°", width=45),
                                    "besoin": st.column_config.TextColumn("besoin", width="medium"),
                                    "ateliers proposés": st.column_config.TextColumn("ateliers proposés",
                                                                                     width="large")})

        st.subheader("Ajuster puis envoyer", anchor=False)
        st.caption("Pour chaque besoin, gardez, retirez ou remplacez les ateliers proposés (★ : affectés par le "
                   "calcul ; les autres couvrent aussi le besoin). Chaque atelier retenu recevra le besoin et "
                   "l'e-mail de contact de l'entreprise.")
        n_review = sum(1 for it in items if it["status"] in REVIEW)
        filters = {"Tous": None, f"À revoir ({n_review})": REVIEW,
                   f"Affectés ({summary.get('assigned', 0)})": ("assigned",)}
        chosen_filter = st.segmented_control("Besoins affichés", list(filters), default="Tous", key="adv_filter",
                                             label_visibility="collapsed") or "Tous"
        wanted = filters.get(chosen_filter)
        shown = [it for it in items if not wanted or it["status"] in wanted]
        if not shown:
            st.info("Aucun besoin dans cette catégorie.", icon="🔍")
        else:
            pages = max(1, -(-len(shown) // PER_PAGE))
            page = st.pagination(pages, key=f"adv_page_{sl['id']}_{chosen_filter}") if pages > 1 else 1
            for it in shown[(page - 1) * PER_PAGE: page * PER_PAGE]:
                item_card(sl, it)

        ready = [it for it in items if sendable(it) and it["need_id"] not in SENT and choice_of(it)]
        n_leads = sum(len(choice_of(it)) for it in ready)
        with st.container(border=True):
            if ready:
                st.markdown(f"**{plural(len(ready), 'besoin prêt', 'besoins prêts')} à envoyer**, soit "
                            f"{plural(n_leads, 'mise en relation', 'mises en relation')}.")
            else:
                st.markdown("**Rien à envoyer** : tous les besoins retenus ont été envoyés, ou aucun atelier "
                            "n'est choisi.")
            if st.button("Envoyer les mises en relation", type="primary", icon="📨", key="adv_send",
                         disabled=not ready):
                send_all(sl, ready)
        in_list = {it["need_id"] for it in items if it.get("need_id")}
        report = [(v["position"], v) for need_id, v in state["adv_sent"].items() if need_id in in_list]
        if report:
            by_position = {it["position"]: it for it in items}
            st.markdown("**Compte rendu d'envoi**")
            st.dataframe(pd.DataFrame([{
                "n°": pos, "référence": (by_position.get(pos) or {}).get("reference") or "",
                "résultat": f"✅ envoyée à {v['names']}" if v["ok"] else f"⚠️ {v['message']}",
            } for pos, v in sorted(report, key=lambda x: x[0])]), hide_index=True,
                column_config={"n°": st.column_config.NumberColumn("n°", width=45),
                               "résultat": st.column_config.TextColumn("résultat", width="large")})


# --- 3. leads and their answers -------------------------------------------------------------------
with tab_follow:
    c1, c2 = st.columns([4, 1], vertical_alignment="center")
    c1.markdown("Les mises en relation que vous avez envoyées et la réponse de chaque atelier.")
    if c2.button("Actualiser", icon="🔄", key="adv_refresh"):
        st.rerun()
    if not my_leads:
        st.info("Aucune mise en relation envoyée pour l'instant : après l'envoi, vous suivez ici la réponse de "
                "chaque atelier (prise en charge, refus et son motif, clôture).", icon="📭")
    else:
        counts = Counter(lead["status"] for lead in my_leads)
        st.markdown(chips([f"{LEAD_ICONS.get(s, '')} {LEAD_STATUS.get(s, s)} : {n}" for s, n in counts.most_common()]),
                    unsafe_allow_html=True)
        known = state.setdefault("adv_needs", {})  # need id → "reference or text, commune"
        for it in (state.get("adv_sl") or {}).get("items", []):
            if it.get("need_id"):
                known[it["need_id"]] = f"{it.get('reference') or clip(it['text'])} ({it.get('commune') or ''})"
        missing = [lead["need_id"] for lead in my_leads if lead["need_id"] not in known]
        for need_id in list(dict.fromkeys(missing))[:FETCH_NEEDS]:  # older lists: ask the API, once
            try:
                need = api.request("GET", f"/v1/needs/{need_id}").json()
                known[need_id] = f"{clip(need['text'])} ({need['commune']})"
            except ApiError:
                known[need_id] = need_id

        def need_ref(need_id: str) -> str:
            return known.get(need_id, need_id)

        st.dataframe(pd.DataFrame([{
            "statut": f"{LEAD_ICONS.get(lead['status'], '')} {lead['status_label']}",
            "atelier": lead["workshop_name"],
            "demande": need_ref(lead["need_id"]),
            "envoyée le": short_date(lead["created_at"]),
            "mise à jour": short_date(lead["updated_at"]),
            "motif du refus": REASONS.get(lead.get("decline_reason") or "", lead.get("decline_reason") or ""),
            "commentaire": lead.get("comment") or "",
        } for lead in my_leads]), hide_index=True, height=min(38 + 35 * len(my_leads), 460),
            column_config={"demande": st.column_config.TextColumn("demande", width="medium")})
