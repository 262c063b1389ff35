"""End to end in a real headless Chromium (Debian's, driven by Playwright): API + UI on loopback.

A company types a need, sees the result cards and the map, sends a lead; the workshop logs in
with its key and finds the lead in its inbox. Screenshots of every page, wide and narrow, go
to ``test-output/screenshots/browser/``.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from matcher.settings import REPO_ROOT

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO_ROOT / "test-output" / "screenshots" / "browser"
NEED = "Découper au laser des lettres en contreplaqué pour notre vitrine"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 60_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_ui(api_url: str):
    """``afn-match ui`` as a real process, pointed at the API at ``api_url``: its base URL."""
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "matcher.cli", "ui", "--port", str(port), "--api-url", api_url],
                            env={**os.environ, "AFN_API_URL": api_url}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    try:
        while True:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=2).text.strip() == "ok":
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "l'interface n'a pas démarré en 90 s"
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out, out


@pytest.fixture(scope="module")
def ui_url(live_api):
    with serve_ui(live_api) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium manquant : `make test` installe le paquet Debian chromium.")
        pytest.skip("Chromium absent (/usr/bin/chromium) : lancez `make test`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    yield pg
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)  # let the last rerun paint
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_python_error(page) -> None:
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.content()


def test_company_finds_sends_and_the_workshop_takes_the_lead(page, ui_url, live_api, live_platform):
    # 1. the company searches
    page.goto(ui_url)
    page.get_by_text("Trouver un atelier").first.wait_for()
    page.get_by_role("textbox", name="Votre besoin").fill(NEED)
    page.get_by_role("textbox", name="Commune", exact=True).fill("Lorient")
    page.get_by_role("button", name=re.compile("Rechercher")).click()
    page.get_by_text(re.compile(r"ateliers? proposés? autour de Lorient")).wait_for()
    first = httpx.post(f"{live_api}/v1/match", json={"text": NEED, "commune": "Lorient", "radius_km": 50}).json()
    top = first["results"][0]
    page.get_by_text(top["name"]).first.wait_for()
    assert page.get_by_text("Découpe laser").count() >= 1  # the capability chip on the cards
    page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.wait_for()  # the map is drawn
    no_python_error(page)
    shoot(page, "trouver-resultats-1280")

    # 2. it chooses the first workshop and sends its request
    page.get_by_text("Choisir cet atelier").first.click()
    page.get_by_role("textbox", name="E-mail de contact").fill("vitrine@exemple.fr")
    page.get_by_role("button", name=re.compile("Envoyer ma demande")).click()
    token = page.get_by_text(re.compile(r"^afns_[\w-]+$")).first
    token.wait_for()
    assert token.inner_text().strip().startswith("afns_")
    no_python_error(page)
    shoot(page, "trouver-envoyee-1280")

    # 3. the workshop logs in with its key and sees the lead in its inbox
    key = live_platform.create_key("workshop", top["workshop_id"], "test navigateur").key
    page.goto(f"{ui_url}/atelier")
    field = page.get_by_role("textbox", name="Clé d'atelier")
    field.fill(key)
    field.press("Enter")
    page.get_by_text(top["name"]).first.wait_for()
    page.get_by_text("vitrine@exemple.fr").first.wait_for()
    page.get_by_text(re.compile("lettres en contreplaqué")).first.wait_for()
    no_python_error(page)
    shoot(page, "atelier-boite-1280")
    page.get_by_role("button", name=re.compile("Prendre en charge")).first.click()
    page.get_by_text("Demande prise en charge").first.wait_for()
    leads = httpx.get(f"{live_api}/v1/leads", headers={"Authorization": f"Bearer {key}"}).json()
    assert any(x["status"] == "taken" and x["contact_email"] == "vitrine@exemple.fr" for x in leads)
    shoot(page, "atelier-prise-1280")


@pytest.mark.parametrize("width", [1280, 420])
@pytest.mark.parametrize(
    ("path", "marker"),
    [
        ("", "Trouver un atelier"),
        ("suivi", "Suivre ma demande"),
        ("conseiller", "Conseiller"),
        ("atelier", "Espace atelier"),
        ("carte", "Carte des ateliers"),
        ("qualite", "Qualité des recommandations"),
    ],
)
def test_every_page_renders_wide_and_narrow(browser, ui_url, path, marker, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(f"{ui_url}/{path}")
        page.get_by_role("heading", name=marker).first.wait_for()
        page.wait_for_load_state("networkidle")
        no_python_error(page)
        shoot(page, f"{path or 'trouver'}-{width}")
        # nothing overflows sideways on a narrow window
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 2, f"la page déborde de {overflow} px à {width} px"
    finally:
        context.close()


@pytest.fixture(scope="module")
def imported_ui(encoder, tmp_path_factory):
    """API and UI on the real public directories imported by our importer (not the bundled catalogue)."""
    from conftest import serve_api
    from importer_samples import full_import

    from matcher.importers.output import write_jsonl
    from matcher.platform import Platform
    from matcher.settings import Settings

    tmp = tmp_path_factory.mktemp("ui-imported")
    workshops = full_import().workshops
    write_jsonl(tmp / "catalogue.jsonl", workshops)
    platform = Platform.open(Settings(catalogue=tmp / "catalogue.jsonl", database_url=f"sqlite:///{tmp / 'ui.db'}",
                                      index_dir=tmp / "index"), encoder=encoder)
    try:
        with serve_api(platform) as api, serve_ui(api) as ui:
            yield api, ui, {w.id: w for w in workshops}
    finally:
        platform.close()


IMPORTED_NEED = "Découpe laser de lettres en contreplaqué pour notre vitrine"


def test_an_imported_place_shows_its_evidence_and_no_invented_words(page, imported_ui):
    """A card of an imported place: where each capability comes from (« d'après … ») or « à confirmer »,
    its section heading, and no sentence in quotation marks that its sources did not write."""
    api, ui, workshops = imported_ui
    answer = httpx.post(f"{api}/v1/match", json={"text": IMPORTED_NEED, "commune": "Rennes", "radius_km": 50}).json()
    results = answer["results"]
    assert results and all(e["text"] for r in results for e in r["evidence"])
    quoted = [r["best_service"] for r in results if r["best_service"]]
    # a quoted service is one of the place's own service texts, never the importer's composition
    assert all(r["best_service"] in workshops[r["workshop_id"]].services for r in results if r["best_service"])
    page.goto(ui)
    page.get_by_role("textbox", name="Votre besoin").fill(IMPORTED_NEED)
    page.get_by_role("textbox", name="Commune", exact=True).fill("Rennes")
    page.get_by_role("button", name=re.compile("Rechercher")).click()
    page.get_by_text(re.compile(r"ateliers? proposés? autour de Rennes")).wait_for()
    page.get_by_text(results[0]["name"]).first.wait_for()
    no_python_error(page)
    shoot(page, "trouver-annuaires-reels-1280")
    # every evidence line of the API is on a card, word for word
    for text in {e["text"] for r in results for e in r["evidence"]}:
        assert page.get_by_text(text, exact=False).count() >= 1, text
    levels = {(r["within_radius"], r["evidence_level"]) for r in results}
    if (True, "to_confirm") in levels:
        page.get_by_text("Ateliers proches où c'est possible, à confirmer avec l'atelier").first.wait_for()
    # the only sentences in quotation marks are the workshops' own service texts
    shown = page.locator(".afn-service").all_inner_texts()
    assert len(shown) == len(quoted)
    assert all(any(q in s for q in quoted) for s in shown)
