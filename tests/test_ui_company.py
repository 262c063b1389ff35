"""The company pages (« Trouver un atelier », « Suivre ma demande ») against a real API on loopback."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

VIEWS = Path(__file__).resolve().parents[1] / "ui" / "views"
FIND, FOLLOW = str(VIEWS / "find.py"), str(VIEWS / "follow.py")
LASER = "Découper au laser des lettres en contreplaqué pour notre vitrine"
FR_DATE = re.compile(r"\d{2}/\d{2}/\d{4} à \d{2}:\d{2}")


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote (markdown, captions, alerts, headings), one string."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [s.value for s in at.subheader]
    for alerts in (at.error, at.warning, at.info, at.success):
        parts += [a.value for a in alerts]
    return "\n".join(parts)


def find(text: str, commune: str, *, radius: int = 50, pass_afn: bool = False) -> AppTest:
    at = ok(AppTest.from_file(FIND, default_timeout=60).run())
    at.text_area(key="find_text").input(text)
    at.text_input(key="find_commune").input(commune)
    at.slider(key="find_radius").set_value(radius)
    if pass_afn:
        at.toggle(key="find_pass").set_value(True)
    return ok(at.button(key="find_submit").click().run())


def cards(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if re.match(r"#### \d+\. ", m.value)]


def test_search_shows_cards_with_the_laser_capability_near_lorient(live_api):
    at = find(LASER, "Lorient")
    assert any("autour de Lorient (56)" in s.value for s in at.subheader)
    assert cards(at), texts(at)
    page = texts(at)
    # the matched capability, as a chip, with its evidence
    assert '<span class="afn-chip ok">✓ Découpe laser — déclaré par l&#x27;atelier</span>' in page
    assert 'class="afn-service"' in page  # the closest service sentence, highlighted
    assert re.search(r"à \d+,\d km", page)  # French decimal comma
    assert "places libres" in page and "Délai indicatif" in page
    assert [c.label for c in at.checkbox].count("Choisir cet atelier") == len(cards(at))
    assert not at.error


def test_pass_afn_filter_keeps_only_workshops_that_accept_it(live_api):
    at = find(LASER, "Lorient", pass_afn=True)
    shown = cards(at)
    assert shown
    badges = [m.value for m in at.markdown if "Délai indicatif" in m.value]
    assert len(badges) == len(shown) and all("Pass AFN accepté" in b for b in badges)


def test_empty_need_asks_for_a_description(live_api):
    at = find("   ", "Lorient")
    assert any("Décrivez votre besoin" in w.value for w in at.warning)
    assert not cards(at)


def test_unknown_commune_shows_the_french_error_and_suggestions(live_api):
    at = find(LASER, "Lorinet")
    assert any("Commune inconnue" in e.value and "Lorient (56)" in e.value for e in at.error), texts(at)
    picker = at.selectbox(key="find_suggestion")
    assert "Lorient (56)" in picker.options
    assert not cards(at)
    picker.set_value("Lorient (56)")
    at = ok(at.button(key="find_use_commune").click().run())
    assert at.text_input(key="find_commune").value == "Lorient (56)"
    assert cards(at) and not at.error


def test_ambiguous_commune_lists_the_homonyms(live_api):
    at = find(LASER, "Saint-Denis")
    assert any("plusieurs communes" in e.value for e in at.error)
    assert {"Saint-Denis (93)", "Saint-Denis (974)"} <= set(at.selectbox(key="find_suggestion").options)


def test_out_of_scope_need_shows_the_message_and_no_results(live_api):
    at = find("je cherche un expert-comptable pour mon bilan", "Lorient")
    assert any("ne semble pas relever d'un atelier de fabrication numérique" in w.value for w in at.warning)
    assert not cards(at) and not at.checkbox
    assert not any("Envoyer ma demande" in s.value for s in at.subheader)


def test_route_box_when_no_single_workshop_covers_the_need(live_api):
    text = "imprimer des pièces en nylon PA12 par frittage laser SLS et broder notre logo sur des casquettes"
    at = find(text, "Toulon")
    page = texts(at)
    assert "Parcours à plusieurs ateliers" in page
    assert "Aucun atelier ne couvre seul tout le besoin" in page


@pytest.fixture(scope="module")
def sent(live_api) -> dict:
    """A search near Lorient, one workshop chosen, the request sent: what the page showed."""
    at = find(LASER, "Lorient")
    box = next(c for c in at.checkbox if c.label == "Choisir cet atelier" and not c.disabled)
    ok(box.check().run())
    assert any("Ateliers choisis" in m.value for m in at.markdown)
    at.text_input(key="find_email").input("contact@exemple.fr")
    ok(at.button(key="find_send").click().run())
    return {"at": at, "workshop": box.key.removeprefix("pick_")}


def test_sending_a_lead_shows_the_follow_up_token_once(sent):
    at = sent["at"]
    assert not at.error, [e.value for e in at.error]
    assert any("Demande envoyée à 1 atelier" in s.value for s in at.success)
    need_id, token = (c.value for c in at.code)
    assert need_id.startswith("need_") and token.startswith("afns_")
    assert any("affiché qu'une seule fois" in w.value for w in at.warning)
    assert any(f"need={need_id}" in m.value and f"token={token}" in m.value for m in at.markdown)
    chosen = at.checkbox(key=f"pick_{sent['workshop']}")
    assert chosen.value and chosen.disabled and chosen.label == "Demande envoyée"


def test_sending_needs_an_email_and_a_workshop(live_api):
    at = find(LASER, "Lorient")
    ok(at.button(key="find_send").click().run())
    assert any("Choisissez au moins un atelier" in w.value for w in at.warning)
    box = next(c for c in at.checkbox if not c.disabled)
    ok(box.check().run())
    ok(at.button(key="find_send").click().run())
    assert any("e-mail de contact" in w.value for w in at.warning)
    at.text_input(key="find_email").input("pas-un-email")
    ok(at.button(key="find_send").click().run())
    assert any("E-mail de contact" in e.value and "invalide" in e.value for e in at.error)
    assert not at.code


def follow(**params: str) -> AppTest:
    at = AppTest.from_file(FOLLOW, default_timeout=60)
    for name, value in params.items():
        at.query_params[name] = value
    return ok(at.run())


def test_follow_page_from_the_link_shows_the_new_lead(sent):
    need_id, token = (c.value for c in sent["at"].code)
    at = follow(need=need_id, token=token)
    assert not at.error, [e.value for e in at.error]
    page = texts(at)
    assert LASER in page and "Lorient" in page
    assert ":blue-badge[Nouvelle]" in page
    assert "Ateliers contactés (1)" in page
    assert FR_DATE.search(page) and "Envoyée le" in page
    assert re.search(r"expirera le \d{2}/\d{2}/\d{4}", page)


def test_follow_page_form_and_wrong_token(sent):
    need_id, token = (c.value for c in sent["at"].code)
    at = follow()
    assert "Saisissez le **numéro de demande**" in texts(at)
    at.text_input(key="follow_need").input(need_id)
    at.text_input(key="follow_token").input("afns_ce-jeton-est-faux")
    ok(at.button(key="follow_submit").click().run())
    assert any("jeton de suivi incorrect" in e.value for e in at.error)
    assert "Nouvelle" not in texts(at)
    at.text_input(key="follow_token").input(token)
    ok(at.button(key="follow_submit").click().run())
    assert not at.error and ":blue-badge[Nouvelle]" in texts(at)


def test_follow_page_refuses_a_malformed_need_id(live_api):
    at = follow(need="need/../../x", token="afns_x")
    assert any("Numéro de demande invalide" in e.value for e in at.error)


def test_api_down_is_a_readable_message(monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AFN_API_URL", f"http://127.0.0.1:{port}")  # nothing listens there any more
    at = find(LASER, "Lorient")
    assert any("ne répond pas" in e.value for e in at.error), texts(at)
    assert not cards(at)
    at = follow(need="need_abc", token="afns_abc")
    assert any("ne répond pas" in e.value for e in at.error)
