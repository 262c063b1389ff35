"""Qualité des recommandations: the latest evaluation report, and the network's figures (GET /v1/stats)."""

from __future__ import annotations

import math

import altair as alt
import pandas as pd
import streamlit as st

from ui.client import ApiError
from ui.common import call, capability_label, client, fr_num, setup, show_error, taxonomy
from ui.views.network_parts import (
    GAP_COLOUR, MAP_CSS, busiest_territory, deck, fr_hours, fr_percent, legend, plural, scatter, territory,
    territory_view, view_selector,
)

SPLITS = {"dev": "Réglage (dev)", "test": "Test"}
TOP_DEPS = 15  # départements shown in the bar chart
FULL = "complet"
#: results.json key -> (column, digits, help)
COLUMNS = {
    "ndcg@10": ("nDCG@10", 3, "Qualité du classement des 10 premiers ateliers (1 = parfait)."),
    "mrr@10": ("MRR@10", 3, "Rang moyen inverse du premier atelier pertinent."),
    "precision@1": ("P@1", 3, "Part des besoins dont le premier atelier proposé est pertinent."),
    "recall@10": ("Rappel@10", 3, "Part des ateliers pleinement pertinents présents dans les 10 premiers."),
    "oos_precision": ("Hors-sujet préc.", 3,
                      "Parmi les besoins signalés hors du champ des ateliers, part qui l'étaient vraiment "
                      "(— : aucun besoin signalé)."),
    "oos_recall": ("Hors-sujet rappel", 3, "Part des besoins hors du champ des ateliers bien signalés."),
    "in_scope_flagged": ("Écartés à tort", 3, "Part des besoins légitimes signalés à tort comme hors sujet."),
    "coverage": ("Couverture", 3, "Part des ateliers du réseau présents dans au moins un top 10."),
    "gini": ("Gini", 3, "Concentration des recommandations sur quelques ateliers (0 = répartition égale)."),
    "queries_per_s": ("Besoins/s", 1, "Besoins traités par seconde lors de l'évaluation."),
}
#: plot file -> (tab title, caption)
PLOT_CAPTIONS = {
    "systems.png": ("Par système", "nDCG@10 et P@1 de chaque système"),
    "ndcg_by_capability.png": ("Par savoir-faire", "Classement complet : nDCG@10 selon le savoir-faire demandé"),
}

setup("Qualité des recommandations",
      "Ce que mesure l'évaluation sur des besoins étiquetés, et ce qui se passe dans le réseau : "
      "demandes, mises en relation, et communes où aucun atelier n'a été trouvé.")


def number(x: object, digits: int) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    return fr_num(float(x), digits)


def bars(values: dict[str, int], measure: str, colour: str, sort: bool = True) -> None:
    """Horizontal bars with readable labels and whole-number ticks."""
    data = pd.DataFrame({"label": list(values), "n": list(values.values())})
    order = "-x" if sort else None
    chart = (
        alt.Chart(data)
        .mark_bar(color=colour, cornerRadiusEnd=3, height={"band": 0.7})
        .encode(
            y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=190, labelFontSize=12)),
            x=alt.X("n:Q", title=measure, axis=alt.Axis(tickMinStep=1, format="d")),
            tooltip=[alt.Tooltip("label:N", title=""), alt.Tooltip("n:Q", title=measure)],
        )
    )
    st.altair_chart(chart, width="stretch", height=60 + 30 * len(data))


# === evaluation report =========================================================================
st.header("Évaluation du classement")
report: dict | None = None
try:
    report = client().quality()
except ApiError as exc:
    if exc.status == 404:
        st.info("Aucun rapport d'évaluation publié.", icon="📭")
        st.caption("Le rapport apparaîtra ici dès qu'une évaluation aura été publiée par l'équipe afn-match.")
    else:
        show_error(exc)
        if exc.code == "api_injoignable":  # the statistics below would only repeat it
            st.stop()

splits = {k: v for k, v in ((report or {}).get("splits") or {}).items() if v}
if report is not None and not splits:
    st.info("Aucun rapport d'évaluation publié.", icon="📭")
elif splits:
    order = [s for s in SPLITS if s in splits] + [s for s in splits if s not in SPLITS]
    split = st.segmented_control("Jeu de besoins", order, default=order[0], required=True, key="quality_split",
                                 format_func=lambda s: SPLITS.get(s, s),
                                 help="Réglage : besoins utilisés pour régler le classement. "
                                      "Test : besoins tenus à l'écart, jamais vus pendant le réglage.")
    split = split or order[0]
    results = splits[split]
    systems: dict[str, dict] = results.get("systems") or {}

    full = systems.get(FULL)
    if full:
        m1, m2, m3, m4 = st.columns(4)
        m1.metric("nDCG@10 (complet)", number(full.get("ndcg@10"), 3), border=True,
                  help=COLUMNS["ndcg@10"][2])
        m2.metric("P@1 (complet)", number(full.get("precision@1"), 3), border=True,
                  help=COLUMNS["precision@1"][2])
        m3.metric("Hors-sujet repérés", fr_percent(full.get("oos_recall")), border=True,
                  help=COLUMNS["oos_recall"][2])
        gain = results.get("full_minus_best_baseline_ndcg@10")
        gain_text = "—" if gain is None else ("+" if gain >= 0 else "") + number(gain, 3)
        m4.metric("Gain sur référence", gain_text, border=True,
                  help="Écart de nDCG@10 entre le classement complet et la meilleure méthode simple "
                       "(aléatoire, plus proches, BM25 + distance, dense seul).")

    if systems:
        # formatted here (French decimals, "—" when undefined): st.dataframe would print None otherwise
        table = pd.DataFrame([{"Système": name, **{col: number(values.get(key), digits)
                                                   for key, (col, digits, _) in COLUMNS.items()}}
                              for name, values in systems.items()])

        def highlight(row: pd.Series) -> list[str]:
            style = "background-color: #e6f4ea; color: #1e5e2f; font-weight: 700" if row["Système"] == FULL else ""
            return [style] * len(row)

        st.markdown("##### Systèmes comparés")
        st.dataframe(
            table.style.apply(highlight, axis=1), hide_index=True,
            column_config={"Système": st.column_config.TextColumn(pinned=True),
                           **{col: st.column_config.TextColumn(help=text, alignment="right")
                              for col, _, text in COLUMNS.values()}},
        )
        st.caption("En vert, le classement complet d'afn-match. Il est comparé aux méthodes de référence "
                   "(aléatoire, plus proches, BM25 + distance, dense seul) et à lui-même privé d'un ingrédient "
                   "(« complet sans … »).")
    else:
        st.info("Ce rapport ne contient aucun système évalué.")

    meta = []
    if results.get("needs_file"):
        meta.append(f"Besoins évalués : {results['needs_file']}")
    missing = results.get("needs_without_relevant") or []
    if missing:
        meta.append(f"{plural(len(missing), 'besoin')} de ce jeu sans atelier pertinent dans le catalogue")
    if meta:
        st.caption(" · ".join(meta))

    plots = ((report or {}).get("plots") or {}).get(split) or []
    if plots:
        tabs = st.tabs([PLOT_CAPTIONS.get(name, (name, ""))[0] for name in plots])
        for tab, name in zip(tabs, plots, strict=True):
            data = call(client().quality_plot, split, name)
            if data:
                tab.image(data, caption=PLOT_CAPTIONS.get(name, ("", name))[1])

# === network statistics ==========================================================================
st.divider()
st.header("Le réseau en chiffres")
stats = call(client().stats)
if stats is None:
    st.stop()

tax = taxonomy()
if not stats["needs"] and not stats["leads"]:
    st.info("Pas encore de demande enregistrée : les chiffres du réseau (demandes, mises en relation, "
            "délais de prise en charge, communes sans atelier) apparaîtront ici dès les premières demandes "
            "des entreprises.", icon="🌱")
    st.stop()

m1, m2, m3, m4 = st.columns(4)
m1.metric("Demandes", fr_num(stats["needs"], 0), border=True, help="Demandes enregistrées par les entreprises.")
m2.metric("Mises en relation", fr_num(stats["leads"], 0), border=True,
          help="Demandes transmises à un atelier.")
m3.metric("Taux de prise en charge", fr_percent(stats["take_up_rate"]), border=True,
          help="Part des mises en relation décidées par l'atelier qui ont été prises en charge.")
m4.metric("Délai médian", fr_hours(stats["median_hours_to_take"]), border=True,
          help="Temps médian entre l'envoi d'une demande à un atelier et sa prise en charge.")

left, right = st.columns(2)
with left:
    st.markdown("##### Mises en relation par savoir-faire")
    by_cap = stats.get("leads_by_capability") or {}
    if by_cap:
        bars({capability_label(c): n for c, n in by_cap.items()}, "Mises en relation", "#1a73e8")
    else:
        st.caption("Aucune mise en relation pour l'instant.")
with right:
    st.markdown("##### Refus par raison")
    reasons = tax.get("decline_reasons") or {}
    declines = stats.get("declines_by_reason") or {}
    if declines:
        bars({reasons.get(r, r): n for r, n in declines.items()}, "Refus", "#d93025")
    else:
        st.caption("Aucun refus pour l'instant.")

left, right = st.columns(2)
with left:
    st.markdown("##### Mises en relation par état")
    statuses = tax.get("lead_statuses") or {}
    by_status = {statuses.get(k, k): v for k, v in (stats.get("leads_by_status") or {}).items() if v}
    if by_status:
        bars(by_status, "Mises en relation", "#5f6b7a")
    else:
        st.caption("Aucune mise en relation pour l'instant.")
with right:
    st.markdown("##### Par département de l'atelier")
    by_dep = stats.get("leads_by_dep") or {}
    if by_dep:
        shown = (dict(sorted(by_dep.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_DEPS])
                 if len(by_dep) > TOP_DEPS else by_dep)
        bars({f"Dép. {d}": n for d, n in shown.items()}, "Mises en relation", "#1a73e8",
             sort=len(by_dep) > TOP_DEPS)
        if len(shown) < len(by_dep):
            st.caption(f"Les {TOP_DEPS} départements les plus sollicités, sur {len(by_dep)}.")
    else:
        st.caption("Aucune mise en relation pour l'instant.")

# --- gap map ---------------------------------------------------------------------------------------
st.markdown("##### Carte des manques")
st.caption("Communes dont les demandes n'ont trouvé aucun atelier capable de les réaliser dans le rayon demandé : "
           "là où le réseau gagnerait à s'étendre. Plus le cercle est grand, plus il y a de demandes.")
gaps = stats.get("gaps") or []
if not gaps:
    st.success("Aucun manque : chaque demande a trouvé au moins un atelier capable dans son rayon.", icon="✅")
    st.stop()

counts: dict[str, int] = {}
for g in gaps:
    counts[territory(g["dep"])] = counts.get(territory(g["dep"]), 0) + g["needs"]
signature = tuple((g["insee"], g["needs"]) for g in gaps)
view_name = view_selector("gap_view", busiest_territory(g["dep"] for g in gaps), signature, counts,
                          label="Territoire")
in_view = [g for g in gaps if territory(g["dep"]) == view_name]
view = territory_view(view_name)
points = pd.DataFrame({
    "lat": [g["lat"] for g in gaps],
    "lon": [g["lon"] for g in gaps],
    "commune": [g["commune"] for g in gaps],
    "dep": [g["dep"] for g in gaps],
    "needs_text": [plural(g["needs"], "demande") + " sans atelier" for g in gaps],
    "caps": [", ".join(capability_label(c) for c in g["capabilities"]) or "—" for g in gaps],
    "radius": [6 + 5 * math.sqrt(g["needs"]) for g in gaps],
    "colour": [[*GAP_COLOUR, 170] for _ in gaps],
})
st.markdown(MAP_CSS, unsafe_allow_html=True)
st.markdown(legend([(GAP_COLOUR, "Demandes sans atelier dans le rayon")]), unsafe_allow_html=True)
st.pydeck_chart(deck([scatter(points, "manques", radius="radius")], view,
                     "<b>{commune}</b> ({dep})<br/>{needs_text}<br/><i>{caps}</i>"),
                height=420, alt=f"Carte des manques : {view_name}")
if not in_view:
    st.caption(f"Aucun manque sur cette vue ({view_name}) : choisissez un autre territoire.")

st.dataframe(
    pd.DataFrame({
        "Commune": [g["commune"] for g in gaps],
        "Dép.": [g["dep"] for g in gaps],
        "Demandes": [g["needs"] for g in gaps],
        "Savoir-faire demandés": [[capability_label(c) for c in g["capabilities"]] for g in gaps],
    }),
    hide_index=True,
    column_config={"Commune": st.column_config.TextColumn(pinned=True),
                   "Dép.": st.column_config.TextColumn(width="small"),
                   "Demandes": st.column_config.NumberColumn(width="small",
                                                             help="Demandes de cette commune restées sans atelier"),
                   "Savoir-faire demandés": st.column_config.ListColumn(width="large")},
)
