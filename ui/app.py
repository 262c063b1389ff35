"""Streamlit entry point (``afn-match ui``): a French multipage app that talks to the API over HTTP."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

VIEWS = Path(__file__).parent / "views"

st.set_page_config(page_title="afn-match — ateliers de fabrication numérique", page_icon="🛠️", layout="wide")

pages = {
    "Entreprises": [
        st.Page(VIEWS / "find.py", title="Trouver un atelier", icon="🔎", default=True),
        st.Page(VIEWS / "follow.py", title="Suivre ma demande", icon="📬", url_path="suivi"),
    ],
    "Professionnels": [
        st.Page(VIEWS / "adviser.py", title="Conseiller", icon="🧭", url_path="conseiller"),
        st.Page(VIEWS / "workshop.py", title="Espace atelier", icon="🛠️", url_path="atelier"),
    ],
    "Réseau": [
        st.Page(VIEWS / "directory.py", title="Carte des ateliers", icon="🗺️", url_path="carte"),
        st.Page(VIEWS / "quality.py", title="Qualité des recommandations", icon="📊", url_path="qualite"),
    ],
}
st.navigation(pages).run()
