"""The "Réseau" pages (map and directory, quality and statistics) against a real API on loopback."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx
import pytest
from conftest import serve_api
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
DIRECTORY = str(ROOT / "ui" / "views" / "directory.py")
QUALITY = str(ROOT / "ui" / "views" / "quality.py")
LASER = "Découpe laser"
REMOTE_NEED = {"text": "impression 3D métal par fusion laser sur lit de poudre", "commune": "Saint-Pierre (974)",
               "radius_km": 5, "contact_email": "atelier.test@entreprise.example"}


def page(path: str) -> AppTest:
    at = AppTest.from_file(path, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    """Everything the page printed as text (markdown, captions, alerts, metrics)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [a.value for kind in (at.info, at.success, at.warning, at.error) for a in kind]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    return "\n".join(parts)


def decks(at: AppTest) -> list[dict]:
    return [json.loads(el.proto.json) for el in at.get("deck_gl_json_chart")]


def layer(spec: dict, layer_id: str) -> dict:
    return next(lay for lay in spec["layers"] if lay.get("id") == layer_id)


# --- Carte des ateliers ----------------------------------------------------------------------
def test_directory_lists_the_whole_catalogue_on_a_map(live_api):
    at = page(DIRECTORY)
    assert "444 ateliers" in texts(at)
    (spec,) = decks(at)
    assert len(layer(spec, "ateliers")["data"]) == 444
    assert "mapStyle" not in spec or spec["mapStyle"] == "__MAP_STYLE__"  # no tile server: works offline
    assert spec["initialViewState"]["latitude"] == pytest.approx(46.5, abs=1)  # métropole
    table = at.dataframe[0].value
    assert len(table) == 444
    assert {"Atelier", "Profil", "Commune", "Dép.", "Savoir-faire", "Places libres", "Pass AFN",
            "Site web"} <= set(table.columns)
    assert set(table["Profil"]) >= {"Fablab", "Tiers-lieu"}  # labels, not codes


def test_capability_filter_keeps_only_laser_workshops(live_api):
    at = page(DIRECTORY)
    at.selectbox(key="dir_capability").set_value("decoupe_laser").run()
    assert not at.exception
    expected = httpx.get(f"{live_api}/v1/workshops", params={"capability": "decoupe_laser"}).json()["total"]
    assert 0 < expected < 444
    assert f"{expected} ateliers" in texts(at)
    table = at.dataframe[0].value
    assert len(table) == expected
    assert all(LASER in list(caps) for caps in table["Savoir-faire"])
    (spec,) = decks(at)
    assert len(layer(spec, "ateliers")["data"]) == expected


def test_overseas_views(live_api):
    at = page(DIRECTORY)
    at.segmented_control(key="dir_view").set_value("La Réunion").run()
    assert not at.exception
    (spec,) = decks(at)
    assert spec["initialViewState"]["latitude"] == pytest.approx(-21.1, abs=0.5)
    assert spec["initialViewState"]["longitude"] == pytest.approx(55.5, abs=0.5)

    # a département filter in Guyane moves the map there by itself
    at.text_input(key="dir_dep").input("973").run()
    assert not at.exception
    assert at.segmented_control(key="dir_view").value == "Guyane"
    (spec,) = decks(at)
    assert spec["initialViewState"]["latitude"] == pytest.approx(4.9, abs=1.5)
    table = at.dataframe[0].value
    assert len(table) >= 1 and set(table["Dép."]) == {"973"}


def test_workshop_detail_and_empty_filters(live_api):
    at = page(DIRECTORY)
    first = httpx.get(f"{live_api}/v1/workshops", params={"per_page": 1}).json()["items"][0]
    at.selectbox(key="dir_detail").set_value(first["id"]).run()
    assert not at.exception
    (box,) = at.expander
    assert first["name"] in box.label
    shown = texts(at)
    assert "Services proposés" in shown and "Machines" in shown and "Horaires" in shown

    at.text_input(key="dir_dep").input("99").run()  # no workshop there
    assert not at.exception
    assert "0 atelier" in texts(at)
    assert any("Aucun atelier ne correspond" in i.value for i in at.info)
    assert not decks(at)


def test_near_filter_lists_the_closest_workshops_with_their_distance(live_api):
    at = page(DIRECTORY)
    at.text_input(key="dir_near").input("Lorient").run()
    assert not at.exception
    api = httpx.get(f"{live_api}/v1/workshops", params={"near": "Lorient", "radius_km": 50, "per_page": 200}).json()
    assert 0 < api["total"] < 444
    assert "à moins de 50 km de Lorient" in texts(at)
    table = at.dataframe[0].value
    assert list(table["Atelier"]) == [w["name"] for w in api["items"]]  # nearest first, as the API sorts them
    assert all(d.endswith(" km") and "." not in d for d in table["Distance"])  # French decimals
    (spec,) = decks(at)
    assert spec["initialViewState"]["zoom"] > 5  # framed on the results, not the whole country


def test_unknown_commune_near_filter_is_a_french_message(live_api):
    at = page(DIRECTORY)
    at.text_input(key="dir_near").input("Zzzyxville-sur-Rien").run()
    assert not at.exception
    assert at.error and "commune" in at.error[0].value.lower()


def test_api_down_is_a_readable_message_on_both_pages(monkeypatch):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("AFN_API_URL", f"http://127.0.0.1:{port}")
    for path in (DIRECTORY, QUALITY):
        at = page(path)
        assert len(at.error) == 1 and "ne répond pas" in at.error[0].value
        assert not at.get("deck_gl_json_chart")


# --- Qualité des recommandations --------------------------------------------------------------
def quality_published(url: str) -> bool:
    return httpx.get(f"{url}/v1/quality").status_code == 200


def test_quality_report_shows_the_systems_table(live_api):
    if not quality_published(live_api):
        pytest.skip("GET /v1/quality n'est pas (encore) servi par l'API")
    report = httpx.get(f"{live_api}/v1/quality").json()
    at = page(QUALITY)
    table = at.dataframe[0].value
    assert "complet" in list(table["Système"])
    assert {"nDCG@10", "MRR@10", "P@1", "Rappel@10", "Hors-sujet préc.", "Hors-sujet rappel", "Couverture", "Gini",
            "Besoins/s"} <= set(table.columns)
    full = table[table["Système"] == "complet"].iloc[0]
    expected = f"{report['splits']['dev']['systems']['complet']['ndcg@10']:.3f}".replace(".", ",")
    assert full["nDCG@10"] == expected  # French decimal comma
    assert len(at.get("image")) == len(report["plots"].get("dev", []))

    if "test" in report["splits"]:
        at.segmented_control(key="quality_split").set_value("test").run()
        assert not at.exception
        full = at.dataframe[0].value.set_index("Système").loc["complet"]
        expected = f"{report['splits']['test']['systems']['complet']['ndcg@10']:.3f}".replace(".", ",")
        assert full["nDCG@10"] == expected


def test_missing_report_is_a_readable_message(live_api, live_platform, monkeypatch):
    from matcher.errors import NotFound

    def no_report():
        raise NotFound("Aucun rapport d'évaluation publié.", code="rapport_introuvable")

    monkeypatch.setattr(live_platform, "quality", no_report, raising=False)
    at = page(QUALITY)
    assert any("Aucun rapport d'évaluation publié." in i.value for i in at.info)
    assert not at.error
    assert "Le réseau en chiffres" in [h.value for h in at.header]  # the statistics still show


@pytest.fixture(scope="module")
def empty_api(encoder, tmp_path_factory):
    """An API on a database of its own, with no need yet (the shared one is used by other UI tests)."""
    from matcher.platform import Platform
    from matcher.settings import Settings

    tmp = tmp_path_factory.mktemp("ui-empty")
    platform = Platform.open(Settings(database_url=f"sqlite:///{tmp / 'empty.db'}", index_dir=tmp / "index"),
                             encoder=encoder)
    with serve_api(platform) as url:
        yield url
    platform.close()


def test_statistics_empty_state_on_a_fresh_database(empty_api, monkeypatch):
    monkeypatch.setenv("AFN_API_URL", empty_api)
    assert httpx.get(f"{empty_api}/v1/stats").json()["needs"] == 0
    at = page(QUALITY)
    assert any("Pas encore de demande" in i.value for i in at.info)
    assert not at.get("deck_gl_json_chart")  # no gap map without data


def test_a_need_without_workshop_in_range_appears_in_the_gap_table(live_api):
    from matcher.platform import covered
    from matcher.service import MatchResponse

    r = httpx.post(f"{live_api}/v1/needs", json=REMOTE_NEED, timeout=120)
    assert r.status_code == 201, r.text
    need = r.json()["need"]
    assert need["commune"] == "Saint-Pierre" and not need["out_of_scope"]
    shortlist = MatchResponse.model_validate(need["shortlist"])
    assert not covered(shortlist)  # nothing within 5 km covers metal powder-bed printing
    gaps = httpx.get(f"{live_api}/v1/stats").json()["gaps"]
    assert any(g["commune"] == "Saint-Pierre" and g["dep"] == "974" for g in gaps)

    at = page(QUALITY)
    assert not any("Pas encore de demande" in i.value for i in at.info)
    shown = texts(at)
    assert "Demandes" in shown
    gap_table = at.dataframe[-1].value
    row = gap_table[gap_table["Commune"] == "Saint-Pierre"]
    assert len(row) == 1 and row.iloc[0]["Dép."] == "974" and row.iloc[0]["Demandes"] >= 1
    assert "Impression 3D poudre (SLS/MJF)" in list(row.iloc[0]["Savoir-faire demandés"])

    at.segmented_control(key="gap_view").set_value("La Réunion").run()
    assert not at.exception
    spec = decks(at)[-1]
    assert spec["initialViewState"]["latitude"] == pytest.approx(-21.1, abs=0.5)
    assert any(p["commune"] == "Saint-Pierre" for p in layer(spec, "manques")["data"])
