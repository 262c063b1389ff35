"""Shared look and plumbing of the Streamlit pages: API client, errors, chips, numbers."""

from __future__ import annotations

import html
import os
from collections.abc import Callable
from typing import Any, TypeVar

import streamlit as st

from ui.client import ApiClient, ApiError

T = TypeVar("T")

PROFILE_ICONS = {"fablab": "🛠️", "tiers_lieu": "🏘️", "espace_mediation": "💬", "atelier_pro": "🏭",
                 "espace_formation": "🎓", "labo_innovation": "💡"}

CSS = """
<style>
.afn-chip {display:inline-block; padding:0.1rem 0.55rem; margin:0 0.3rem 0.3rem 0; border-radius:1rem;
           background:#e8f0fe; color:#1a3e8a; font-size:0.85rem; white-space:nowrap;}
.afn-chip.missing {background:#fdecea; color:#8a1a1a;}
.afn-chip.ok {background:#e6f4ea; color:#1e5e2f;}
.afn-service {border-left:4px solid #f4b400; background:#fff8e1; padding:0.4rem 0.7rem; margin:0.3rem 0;
              border-radius:0 0.4rem 0.4rem 0; color:#333;}
.afn-muted {color:#666; font-size:0.9rem;}
@media (max-width: 640px) { .afn-chip {font-size:0.78rem;} }
</style>
"""


def api_url() -> str:
    """Where the API is: ``AFN_API_URL`` (set by ``afn-match ui --api-url``), else the settings' default."""
    url = os.environ.get("AFN_API_URL")
    if url:
        return url
    from matcher.settings import get_settings

    return get_settings().api_url


def client(key: str | None = None) -> ApiClient:
    base = st.session_state.setdefault("_afn_client", ApiClient(api_url()))
    return base.with_key(key) if key else base


def setup(title: str, intro: str | None = None) -> None:
    """Common header of every page."""
    st.markdown(CSS, unsafe_allow_html=True)
    st.title(title)
    if intro:
        st.caption(intro)


def call(fn: Callable[..., T], *args: Any, **kw: Any) -> T | None:
    """Run an API call; on error show its French message and return None (never a traceback)."""
    try:
        return fn(*args, **kw)
    except ApiError as exc:
        show_error(exc)
        return None


def show_error(exc: ApiError) -> None:
    st.error(exc.message, icon="⚠️")
    suggestions = exc.details.get("suggestions") or exc.details.get("candidates")
    if suggestions and not any(s.get("label", s.get("name", "")) in exc.message for s in suggestions):
        st.info("Communes possibles : " + ", ".join(s.get("label", s.get("name", "")) for s in suggestions))


@st.cache_data(ttl=3600, show_spinner=False)
def _taxonomy(url: str) -> dict:
    return ApiClient(url).taxonomy()


def taxonomy() -> dict:
    """Labels of capabilities, profiles, statuses and decline reasons (cached for an hour)."""
    try:
        return _taxonomy(api_url())
    except ApiError:
        return {"capabilities": {}, "profiles": {}, "lead_statuses": {}, "decline_reasons": {}}


def capability_label(code: str) -> str:
    return taxonomy()["capabilities"].get(code, {}).get("label", code)


def profile_label(code: str) -> str:
    return taxonomy()["profiles"].get(code, {}).get("label", code)


def chips(labels: list[str], kind: str = "") -> str:
    cls = f"afn-chip {kind}".strip()
    return "".join(f'<span class="{cls}">{html.escape(label)}</span>' for label in labels)


def service_quote(text: str) -> str:
    return f'<div class="afn-service">« {html.escape(text)} »</div>'


def fr_num(x: float, digits: int = 1) -> str:
    """French decimal comma, narrow no-break space for thousands."""
    s = f"{x:,.{digits}f}".replace(",", "\u202f").replace(".", ",")
    return s[:-2] if digits and s.endswith(",0") else s


def key_box(role: str, state_key: str, help_text: str) -> str | None:
    """A password field in the sidebar for an API key, kept for the session."""
    with st.sidebar:
        value = st.text_input(f"Clé {role}", type="password", key=state_key, help=help_text)
    return value.strip() or None
