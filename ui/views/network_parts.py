"""Shared pieces of the "Réseau" pages: fetching the directory, map views, colours, French formats.

Presentation only: everything shown comes from the API; this module arranges it.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

import pandas as pd
import pydeck as pdk
import streamlit as st

from ui.client import ApiClient
from ui.common import fr_num

PER_PAGE = 200  # the API's maximum page size
MAX_PAGES = 100  # safety net: 20 000 workshops

# --- territories: the five overseas départements are far from the mainland map -----------
#: name -> (latitude, longitude, zoom) of the initial view
TERRITORIES: dict[str, tuple[float, float, float]] = {
    "Métropole": (46.5, 2.4, 4.1),
    "Guadeloupe": (16.2, -61.55, 8.4),
    "Martinique": (14.64, -61.02, 9.0),
    "Guyane": (4.3, -53.1, 6.2),
    "La Réunion": (-21.13, 55.53, 8.7),
    "Mayotte": (-12.82, 45.15, 9.6),
}
OVERSEAS = {"971": "Guadeloupe", "972": "Martinique", "973": "Guyane", "974": "La Réunion", "976": "Mayotte"}


def territory(dep: str) -> str:
    """Which map view shows a département."""
    return OVERSEAS.get(str(dep), "Métropole")


def busiest_territory(deps: Iterable[str]) -> str | None:
    """The territory that holds most of these départements (None when empty)."""
    counts: dict[str, int] = {}
    for dep in deps:
        name = territory(dep)
        counts[name] = counts.get(name, 0) + 1
    if not counts:
        return None
    order = list(TERRITORIES)
    return max(counts, key=lambda name: (counts[name], -order.index(name)))


def territory_view(name: str) -> pdk.ViewState:
    lat, lon, zoom = TERRITORIES.get(name, TERRITORIES["Métropole"])
    return pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, pitch=0, bearing=0)


def fitted_view(lats: Sequence[float], lons: Sequence[float], max_zoom: float = 10.5) -> pdk.ViewState:
    """A view framing these points (a few hundred pixels wide: fits a phone too)."""
    lat_min, lat_max, lon_min, lon_max = min(lats), max(lats), min(lons), max(lons)
    lat_c, lon_c = (lat_min + lat_max) / 2, (lon_min + lon_max) / 2
    lon_span = max(lon_max - lon_min, 0.02)
    lat_span = max(lat_max - lat_min, 0.02) / max(math.cos(math.radians(lat_c)), 0.2)
    zoom = min(math.log2(280 / lon_span), math.log2(230 / lat_span))
    return pdk.ViewState(latitude=lat_c, longitude=lon_c, zoom=max(3.0, min(max_zoom, zoom)), pitch=0, bearing=0)


def view_selector(key: str, suggested: str | None, signature: object, counts: dict[str, int] | None = None,
                  label: str = "Vue de la carte") -> str:
    """Segmented control Métropole / DROM; jumps to ``suggested`` whenever ``signature`` (the filters) changes."""
    sig_key = f"{key}__sig"
    if st.session_state.get(sig_key) != signature:
        st.session_state[sig_key] = signature
        st.session_state[key] = suggested or "Métropole"
    counts = counts or {}

    def fmt(name: str) -> str:
        n = counts.get(name)
        return f"{name} · {n}" if n else name

    choice = st.segmented_control(label, list(TERRITORIES), key=key, required=True, format_func=fmt,
                                  help="Les départements d'outre-mer sont loin de la métropole : "
                                       "choisissez le territoire à afficher.")
    return choice or "Métropole"


# --- colours -----------------------------------------------------------------------------
#: colour-blind safe (Okabe-Ito) colour of each profile
PROFILE_COLOURS: dict[str, tuple[int, int, int]] = {
    "fablab": (0, 114, 178),
    "tiers_lieu": (230, 159, 0),
    "espace_mediation": (0, 158, 115),
    "atelier_pro": (213, 94, 0),
    "espace_formation": (204, 121, 167),
    "labo_innovation": (86, 180, 233),
}
OTHER_COLOUR = (120, 120, 120)
GAP_COLOUR = (200, 30, 45)


def profile_colour(code: str) -> list[int]:
    return [*PROFILE_COLOURS.get(code, OTHER_COLOUR), 215]


def legend(entries: list[tuple[tuple[int, int, int], str]]) -> str:
    """HTML legend: a coloured dot and a label per entry (wraps on narrow screens)."""
    items = "".join(
        f'<span style="display:inline-flex;align-items:center;margin:0 0.9rem 0.3rem 0;white-space:nowrap;'
        f'font-size:0.88rem;"><span style="display:inline-block;width:0.75rem;height:0.75rem;border-radius:50%;'
        f'background:rgb{colour};margin-right:0.35rem;border:1px solid #fff;box-shadow:0 0 0 1px #bbb;"></span>'
        f'{html.escape(text)}</span>'
        for colour, text in entries)
    return f'<div style="display:flex;flex-wrap:wrap;">{items}</div>'


# --- maps --------------------------------------------------------------------------------
TOOLTIP_STYLE = {"backgroundColor": "#1f2937", "color": "#f9fafb", "fontSize": "0.85rem",
                 "padding": "0.4rem 0.6rem", "borderRadius": "0.3rem", "maxWidth": "18rem"}


def deck(layers: list[pdk.Layer], view: pdk.ViewState, tooltip_html: str) -> pdk.Deck:
    """A deck that needs no network (the machine may be offline, there is no Mapbox token): no tile
    provider (``map_provider=None`` keeps Streamlit from fetching Carto tiles), and a light outline of
    France drawn underneath so that the points keep their bearings."""
    return pdk.Deck(layers=[outline_layer(), *layers], initial_view_state=view, map_provider=None,
                    tooltip={"html": tooltip_html, "style": TOOLTIP_STYLE})


def outline_layer() -> pdk.Layer:
    return pdk.Layer("PolygonLayer", data=[{"polygon": [[lon, lat] for lat, lon in ring]} for ring in OUTLINES],
                     id="contours", get_polygon="polygon", filled=True, stroked=True,
                     get_fill_color=[250, 250, 247, 255], get_line_color=[150, 163, 176, 255],
                     line_width_min_pixels=1, pickable=False)


#: CSS for the map frame: a sea-coloured background under the outline (no tiles to show).
MAP_CSS = """<style>
[data-testid="stDeckGlJsonChart"] {background:#dbe7f1; border-radius:0.5rem; overflow:hidden;
                                   border:1px solid #c9d6e2;}
</style>"""


def scatter(data: pd.DataFrame, layer_id: str, radius: str | int = 6, line: bool = True) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer", data=data, id=layer_id, get_position=["lon", "lat"], get_fill_color="colour",
        get_radius=radius, radius_units="'pixels'", radius_min_pixels=3, radius_max_pixels=40,
        stroked=line, get_line_color=[255, 255, 255, 230], line_width_min_pixels=1, pickable=True,
        auto_highlight=True, highlight_color=[255, 255, 255, 120],
    )


# --- fetching ------------------------------------------------------------------------------
@st.cache_data(ttl=60, show_spinner=False)
def fetch_workshops(url: str, filters: tuple[tuple[str, object], ...]) -> dict:
    """Every page of GET /v1/workshops for these filters (raises ApiError; errors are not cached)."""
    api = ApiClient(url)
    try:
        first = api.workshops(**dict(filters), page=1, per_page=PER_PAGE)
        items, total = list(first["items"]), int(first["total"])
        pages = min(math.ceil(total / PER_PAGE), MAX_PAGES)
        for page in range(2, pages + 1):
            items.extend(api.workshops(**dict(filters), page=page, per_page=PER_PAGE)["items"])
        return {"items": items, "total": total}
    finally:
        api.close()


# --- French formats ------------------------------------------------------------------------
def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if n in (0, 1) else (plural_form or singular + "s")
    return f"{fr_num(n, 0)} {word}"


def fr_hours(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        return f"{fr_num(hours * 60, 0)} min"
    if hours < 48:
        return f"{fr_num(hours, 1)} h"
    return f"{fr_num(hours / 24, 1)} j"


def fr_percent(x: float | None, digits: int = 0) -> str:
    return "—" if x is None else f"{fr_num(100 * x, digits)}\u202f%"


# --- simplified outlines (orientation only: coarse, hand-simplified coastlines and borders) -----
#: rings of (latitude, longitude)
OUTLINES: list[list[tuple[float, float]]] = [
    # metropolitan France, clockwise from the Belgian border on the North Sea
    [(51.08, 2.54), (51.03, 2.37), (50.95, 1.85), (50.87, 1.58), (50.72, 1.59), (50.40, 1.56), (50.18, 1.63),
     (49.93, 1.08), (49.77, 0.37), (49.49, 0.10), (49.42, 0.22), (49.28, -0.25), (49.34, -0.55), (49.41, -1.17),
     (49.67, -1.26), (49.64, -1.62), (49.72, -1.94), (49.20, -1.62), (48.84, -1.60), (48.64, -1.51),
     (48.65, -2.02), (48.68, -2.32), (48.51, -2.76), (48.78, -3.05), (48.82, -3.45), (48.73, -3.98),
     (48.62, -4.55), (48.33, -4.77), (48.09, -4.33), (48.04, -4.73), (47.80, -4.37), (47.87, -3.92),
     (47.73, -3.37), (47.48, -3.12), (47.55, -2.85), (47.29, -2.51), (47.27, -2.20), (47.11, -2.10),
     (46.90, -2.15), (46.70, -1.94), (46.49, -1.78), (46.30, -1.35), (46.16, -1.15), (45.99, -1.09),
     (45.75, -1.15), (45.62, -1.03), (45.57, -1.06), (45.20, -1.17), (44.63, -1.25), (44.20, -1.30),
     (43.66, -1.44), (43.48, -1.56), (43.37, -1.78), (43.31, -1.61), (43.23, -1.41), (43.04, -1.30),
     (42.95, -0.97), (42.80, -0.53), (42.77, -0.15), (42.69, 0.00), (42.70, 0.60), (42.85, 0.75),
     (42.77, 1.00), (42.65, 1.45), (42.50, 1.73), (42.43, 1.95), (42.38, 2.12), (42.40, 2.48), (42.46, 2.86),
     (42.44, 3.17), (42.52, 3.10), (42.70, 3.04), (42.95, 3.06), (43.18, 3.20), (43.28, 3.50), (43.40, 3.70),
     (43.53, 4.00), (43.45, 4.43), (43.38, 4.82), (43.33, 5.05), (43.30, 5.36), (43.21, 5.54), (43.10, 5.93),
     (43.04, 6.15), (43.17, 6.55), (43.27, 6.64), (43.42, 6.77), (43.55, 7.02), (43.57, 7.13), (43.69, 7.27),
     (43.78, 7.53), (44.00, 7.65), (44.15, 7.70), (44.20, 7.14), (44.42, 6.89), (44.67, 7.09), (44.93, 6.72),
     (45.10, 6.65), (45.25, 6.95), (45.45, 7.10), (45.68, 6.88), (45.83, 6.86), (46.03, 7.04), (46.39, 6.80),
     (46.37, 6.48), (46.26, 6.23), (46.13, 6.10), (46.13, 5.96), (46.28, 6.00), (46.45, 6.10), (46.71, 6.37),
     (46.90, 6.46), (47.06, 6.75), (47.37, 6.98), (47.51, 7.00), (47.59, 7.59), (47.85, 7.55), (48.10, 7.58),
     (48.30, 7.73), (48.57, 7.80), (48.80, 8.05), (48.97, 8.23), (49.04, 7.94), (49.16, 7.48), (49.11, 7.07),
     (49.19, 6.90), (49.47, 6.37), (49.52, 5.77), (49.52, 5.37), (49.70, 4.94), (49.96, 4.80), (50.17, 4.83),
     (49.98, 4.43), (50.03, 4.15), (50.28, 3.97), (50.45, 3.60), (50.62, 3.24), (50.78, 3.13), (50.72, 2.93),
     (50.77, 2.73), (50.82, 2.63), (50.98, 2.58)],
    # Corse
    [(43.01, 9.41), (42.70, 9.45), (42.38, 9.54), (42.10, 9.51), (41.86, 9.40), (41.59, 9.28), (41.39, 9.16),
     (41.48, 8.90), (41.68, 8.90), (41.76, 8.66), (41.92, 8.73), (42.13, 8.59), (42.27, 8.69), (42.38, 8.55),
     (42.57, 8.76), (42.64, 8.94), (42.68, 9.30), (42.97, 9.34)],
    # Guadeloupe: Basse-Terre, Grande-Terre, Marie-Galante
    [(16.34, -61.70), (16.37, -61.76), (16.30, -61.80), (16.15, -61.78), (16.00, -61.74), (15.95, -61.68),
     (16.00, -61.59), (16.13, -61.57), (16.25, -61.59), (16.33, -61.63)],
    [(16.24, -61.53), (16.21, -61.48), (16.22, -61.38), (16.25, -61.27), (16.25, -61.17), (16.30, -61.22),
     (16.38, -61.40), (16.47, -61.48), (16.51, -61.47), (16.44, -61.53), (16.33, -61.51)],
    [(16.00, -61.32), (15.98, -61.20), (15.88, -61.19), (15.86, -61.30), (15.93, -61.34)],
    # Martinique
    [(14.87, -61.18), (14.74, -61.18), (14.60, -61.07), (14.49, -61.08), (14.43, -60.88), (14.39, -60.86),
     (14.55, -60.84), (14.77, -60.87), (14.87, -61.11)],
    # Guyane
    [(5.75, -54.00), (5.66, -53.78), (5.48, -53.20), (5.16, -52.65), (4.94, -52.33), (4.70, -51.95),
     (4.30, -51.62), (3.89, -51.80), (3.17, -52.33), (2.50, -52.60), (2.11, -54.00), (2.30, -54.40),
     (3.00, -54.20), (3.60, -54.00), (5.50, -54.03)],
    # La Réunion
    [(-20.87, 55.45), (-20.90, 55.60), (-21.00, 55.72), (-21.13, 55.79), (-21.25, 55.82), (-21.37, 55.77),
     (-21.38, 55.62), (-21.34, 55.48), (-21.27, 55.35), (-21.17, 55.29), (-21.01, 55.23), (-20.94, 55.29)],
    # Mayotte: Grande-Terre, Petite-Terre
    [(-12.65, 45.10), (-12.72, 45.20), (-12.78, 45.23), (-12.88, 45.20), (-12.99, 45.15), (-12.95, 45.10),
     (-12.83, 45.03), (-12.70, 45.04)],
    [(-12.77, 45.27), (-12.79, 45.30), (-12.82, 45.28), (-12.80, 45.25)],
]
