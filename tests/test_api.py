"""The HTTP API on the real model, on SQLite and on PostgreSQL: lifecycle, roles, exports, edits."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient

from matcher.catalogue import texts_digest
from matcher.index import read_manifest
from matcher.platform import Platform
from matcher.settings import Settings

from conftest import fresh_database

LASER = {"text": "découper au laser des lettres en contreplaqué pour notre vitrine", "commune": "Lorient",
         "radius_km": 40, "top_k": 5}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def platform(request, encoder, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"api-{request.param}")
    settings = Settings(database_url=fresh_database(request.param, tmp), index_dir=tmp / "index")
    p = Platform.open(settings, encoder=encoder)
    yield p
    p.close()


@pytest.fixture(scope="module")
def client(platform):
    from api.app import create_app

    with TestClient(create_app(platform)) as c:
        yield c


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def new_need(client, **over) -> dict:
    r = client.post("/v1/needs", json={**LASER, "contact_email": "atelier@vitrines-lorient.fr", **over})
    assert r.status_code == 201, r.text
    return r.json()


def workshop_key(platform, workshop_id: str) -> str:
    return platform.create_key("workshop", workshop_id, "test").key


def test_health_docs_and_openapi(client):
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {"/v1/match", "/v1/needs", "/v1/leads/{lead_id}", "/v1/shortlists", "/v1/stats"} <= set(spec["paths"])


def test_match_returns_the_cli_json(client, service):
    from matcher.service import MatchRequest

    body = client.post("/v1/match", json=LASER).json()
    direct = service.match(MatchRequest(**LASER))
    assert [r["workshop_id"] for r in body["results"]] == [r.workshop_id for r in direct.results]
    assert body["results"][0]["matched_capabilities"] == ["decoupe_laser"]


def test_whole_lead_lifecycle_over_http(client, platform):
    created = new_need(client)
    need, token = created["need"], created["token"]
    assert token.startswith("afns_") and need["shortlist"]["results"]
    target = next(r for r in need["shortlist"]["results"] if r["remaining_capacity"] > 0)
    wid = target["workshop_id"]

    r = client.post(f"/v1/needs/{need['id']}/leads", json={"workshop_ids": [wid]}, headers={"X-Follow-Token": token})
    assert r.status_code == 201, r.text
    lead = r.json()[0]
    assert lead["status"] == "new" and lead["expires_at"]

    key = workshop_key(platform, wid)
    inbox = client.get("/v1/leads", headers=bearer(key)).json()
    mine = next(x for x in inbox if x["id"] == lead["id"])
    assert mine["contact_email"] == "atelier@vitrines-lorient.fr" and "contreplaqué" in mine["need_text"]

    r = client.patch(f"/v1/leads/{lead['id']}", json={"action": "decline"}, headers=bearer(key))
    assert r.status_code == 422 and "motivé" in r.json()["error"]["message"]
    r = client.patch(f"/v1/leads/{lead['id']}", json={"action": "close_done"}, headers=bearer(key))
    assert r.status_code == 409 and r.json()["error"]["code"] == "transition_impossible"
    assert client.patch(f"/v1/leads/{lead['id']}", json={"action": "take"}, headers=bearer(key)).json()["status"] == "taken"

    followed = client.get(f"/v1/needs/{need['id']}", params={"token": token}).json()
    assert [x["status"] for x in followed["leads"]] == ["taken"]
    r = client.patch(f"/v1/leads/{lead['id']}", json={"action": "close_done", "comment": "Livré."}, headers=bearer(key))
    assert r.json()["status"] == "done" and r.json()["closed_at"]
    assert client.get(f"/v1/leads?status=done", headers=bearer(key)).json()[0]["id"] == lead["id"]

    stats = client.get("/v1/stats").json()
    assert stats["leads_by_status"].get("done", 0) >= 1 and stats["take_up_rate"] > 0
    assert stats["leads_by_capability"].get("decoupe_laser", 0) >= 1


def test_decline_with_reason_is_counted(client, platform):
    created = new_need(client)
    wid = next(r["workshop_id"] for r in created["need"]["shortlist"]["results"] if r["remaining_capacity"] > 0)
    lead = client.post(f"/v1/needs/{created['need']['id']}/leads", json={"workshop_ids": [wid]},
                       headers=bearer(created["token"])).json()[0]
    before = client.get("/v1/stats").json()["declines_by_reason"].get("complet", 0)
    r = client.patch(f"/v1/leads/{lead['id']}", json={"action": "decline", "reason": "complet"},
                     headers=bearer(workshop_key(platform, wid)))
    assert r.status_code == 200 and r.json()["status_label"] == "Refusée"
    assert client.get("/v1/stats").json()["declines_by_reason"]["complet"] == before + 1


def test_full_workshop_gets_no_lead_and_is_left_out_with_room_only(client, platform):
    created = new_need(client)
    wid = created["need"]["shortlist"]["results"][0]["workshop_id"]
    key = workshop_key(platform, wid)
    assert client.patch("/v1/workshops/me", json={"capacity": 0}, headers=bearer(key)).json()["remaining_capacity"] == 0
    r = client.post(f"/v1/needs/{created['need']['id']}/leads", json={"workshop_ids": [wid]},
                    headers=bearer(created["token"]))
    assert r.status_code == 409 and r.json()["error"]["code"] == "atelier_complet"
    room_only = client.post("/v1/match", json={**LASER, "only_with_capacity": True}).json()
    assert wid not in [x["workshop_id"] for x in room_only["results"]]
    client.patch("/v1/workshops/me", json={"capacity": 5}, headers=bearer(key))


def test_editing_services_updates_the_index_at_once(client, platform):
    wid = "an-ti-labour-lanester" if "an-ti-labour-lanester" in platform.service.position else platform.service.workshops[0].id
    key = workshop_key(platform, wid)
    me = client.get("/v1/workshops/me", headers=bearer(key)).json()
    novel = "Découpe laser de xylophones et de carillons en bambou, accordés à l'oreille"
    need = {"text": "fabriquer un xylophone en bambou accordé", "commune": me["commune"], "radius_km": 30}
    before = client.post("/v1/match", json=need).json()["results"]
    assert all(novel != r["best_service"] for r in before)
    r = client.patch("/v1/workshops/me", json={"services": [*me["services"], novel]}, headers=bearer(key))
    assert r.status_code == 200 and novel in r.json()["services"]
    after = client.post("/v1/match", json=need).json()["results"]
    assert after[0]["workshop_id"] == wid and after[0]["best_service"] == novel
    # published for the next start: the saved index matches the edited workshops
    manifest = read_manifest(platform.settings.resolved_index_dir)
    assert manifest.catalogue_digest == texts_digest(platform.service.workshops)
    client.patch("/v1/workshops/me", json={"services": me["services"]}, headers=bearer(key))


def test_adviser_shortlist_assignment_and_exports(client, platform):
    adviser = platform.create_key("adviser", label="CCI Morbihan").key
    body = {"k": 2, "send_leads": True, "needs": [
        {"reference": "Crêperie Ker Avel", "text": "graver notre logo sur des planches en bois", "commune": "Vannes"},
        {"reference": "Cabinet Durand", "text": "faire notre comptabilité annuelle", "commune": "Lorient"},
        {"reference": "Inconnue", "text": "impression 3D de pièces", "commune": "Zzyzxville"},
        {"reference": "=HYPERLINK(\"x\")", "text": "découpe laser de plexiglas pour une enseigne", "commune": "Quimper"},
    ]}
    r = client.post("/v1/shortlists", json=body, headers=bearer(adviser))
    assert r.status_code == 201, r.text
    out = r.json()
    status = [i["status"] for i in out["items"]]
    assert status[1] == "out_of_scope" and status[2] == "error" and "Zzyzxville" in out["items"][2]["message"]
    assert status[0] in ("assigned", "partial") and status[3] in ("assigned", "partial")
    picks = out["items"][0]["picks"]
    assert 1 <= len(picks) <= 2 and len({p["workshop_id"] for p in picks}) == len(picks)
    assert all(p["lead_id"] for p in picks)
    assert out["summary"]["needs"] == 4

    mine = client.get("/v1/adviser/leads", headers=bearer(adviser)).json()
    assert {p["lead_id"] for i in out["items"] for p in i["picks"]} <= {x["id"] for x in mine}
    assert "Crêperie Ker Avel" in {x["need_reference"] for x in mine}
    need_id = out["items"][0]["need_id"]
    assert client.get(f"/v1/needs/{need_id}", headers=bearer(adviser)).status_code == 200

    csv_text = client.get(f"/v1/shortlists/{out['id']}.csv", headers=bearer(adviser)).content.decode("utf-8-sig")
    lines = csv_text.splitlines()
    assert lines[0].startswith("n°;référence;besoin") and "Crêperie Ker Avel" in csv_text
    assert "'=HYPERLINK" in csv_text  # a formula in user text is neutralised
    from openpyxl import load_workbook

    xlsx = client.get(f"/v1/shortlists/{out['id']}.xlsx", headers=bearer(adviser))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A1"].value == "n°" and ws.max_row == len(lines)


# --- roles: every cross-role access is refused without saying whether the object exists ---------
@pytest.fixture(scope="module")
def world(client, platform):
    created = new_need(client)
    results = [r for r in created["need"]["shortlist"]["results"] if r["remaining_capacity"] > 0]
    w1, w2 = results[0]["workshop_id"], results[1]["workshop_id"]
    lead = client.post(f"/v1/needs/{created['need']['id']}/leads", json={"workshop_ids": [w1]},
                       headers=bearer(created["token"])).json()[0]
    adviser = platform.create_key("adviser").key
    other_adviser = platform.create_key("adviser").key
    sl = client.post("/v1/shortlists", json={"k": 1, "needs": [{"text": "découpe laser", "commune": "Brest"}]},
                     headers=bearer(adviser)).json()
    revoked = platform.create_key("adviser")
    from matcher import store
    from matcher.db import transaction

    with transaction(platform.sessions) as s:
        store.revoke_key(s, revoked.id)
    return {"need": created["need"]["id"], "token": created["token"], "lead": lead["id"], "shortlist": sl["id"],
            "w1": workshop_key(platform, w1), "w2": workshop_key(platform, w2), "adviser": adviser,
            "other_adviser": other_adviser, "revoked": revoked.key, "none": None, "wrong": "afnk_faux"}


ACCESS = [
    # (method, path, json body, who, expected status)
    ("GET", "/v1/leads", None, "none", 401),
    ("GET", "/v1/leads", None, "wrong", 401),
    ("GET", "/v1/leads", None, "revoked", 401),
    ("GET", "/v1/leads", None, "adviser", 403),
    ("GET", "/v1/leads", None, "token", 401),
    ("PATCH", "/v1/leads/{lead}", {"action": "take"}, "w2", 404),
    ("PATCH", "/v1/leads/{lead}", {"action": "take"}, "adviser", 403),
    ("PATCH", "/v1/leads/{lead}", {"action": "take"}, "none", 401),
    ("PATCH", "/v1/leads/lead_doesnotexist", {"action": "take"}, "w2", 404),
    ("PATCH", "/v1/workshops/me", {"capacity": 3}, "adviser", 403),
    ("PATCH", "/v1/workshops/me", {"capacity": 3}, "none", 401),
    ("GET", "/v1/workshops/me", None, "adviser", 403),
    ("POST", "/v1/shortlists", {"needs": [{"text": "laser", "commune": "Brest"}]}, "w1", 403),
    ("POST", "/v1/shortlists", {"needs": [{"text": "laser", "commune": "Brest"}]}, "none", 401),
    ("GET", "/v1/shortlists/{shortlist}", None, "w1", 403),
    ("GET", "/v1/shortlists/{shortlist}", None, "other_adviser", 404),
    ("GET", "/v1/shortlists/{shortlist}.csv", None, "other_adviser", 404),
    ("GET", "/v1/shortlists/{shortlist}.xlsx", None, "w1", 403),
    ("GET", "/v1/adviser/leads", None, "w1", 403),
    ("GET", "/v1/needs/{need}", None, "none", 404),
    ("GET", "/v1/needs/{need}", None, "w1", 404),
    ("GET", "/v1/needs/{need}", None, "other_adviser", 404),
    ("GET", "/v1/needs/need_doesnotexist", None, "token", 404),
    ("POST", "/v1/needs/{need}/leads", {"workshop_ids": ["x"]}, "none", 404),
    ("POST", "/v1/needs/{need}/leads", {"workshop_ids": ["x"]}, "other_adviser", 404),
]


@pytest.mark.parametrize(("method", "path", "body", "who", "status"), ACCESS)
def test_cross_role_access_is_refused(client, world, method, path, body, who, status):
    secret = world[who]
    headers = {} if secret is None else bearer(secret)
    r = client.request(method, path.format(**world), json=body, headers=headers)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"][0].isupper()
    assert "Traceback" not in r.text and world["lead"] not in r.text


def test_the_company_still_reaches_its_own_need(client, world):
    assert client.get(f"/v1/needs/{world['need']}", headers={"X-Follow-Token": world["token"]}).status_code == 200


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**LASER, "contact_email": "pas-un-mail"}, "contact_email"),
        ({**LASER, "contact_email": "a@b.fr", "siret": "12345678901234"}, "siret"),
        ({**LASER, "contact_email": "a@b.fr", "radius_km": -3}, "radius_km"),
        ({**LASER, "contact_email": "a@b.fr", "text": "x" * 6000}, "text"),
        ({**LASER, "contact_email": "a@b.fr", "surprise": 1}, "surprise"),
        ({"commune": "Lorient", "contact_email": "a@b.fr"}, "text"),
    ],
)
def test_bad_need_input_is_a_french_422(client, payload, field):
    r = client.post("/v1/needs", json=payload)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "requete_invalide" and field in err["message"]
    assert err["message"].startswith("Requête invalide")


def test_broken_json_and_huge_bodies(client):
    r = client.post("/v1/match", content=b"{pas du json", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "requete_invalide"
    r = client.post("/v1/match", content=b"x" * (9 * 2**20), headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "volumineuse" in r.json()["error"]["message"]
    r = client.get("/v1/nulle-part")
    assert r.status_code == 404 and r.json()["error"]["message"] == "Adresse introuvable."


def test_workshop_directory_filters_and_pages(client):
    page = client.get("/v1/workshops", params={"capability": "decoupe_laser", "near": "Lorient", "radius_km": 60,
                                               "per_page": 3}).json()
    assert page["total"] >= 3 and len(page["items"]) == 3
    assert all("decoupe_laser" in w["capabilities"] for w in page["items"])
    dists = [w["distance_km"] for w in page["items"]]
    assert dists == sorted(dists) and dists[-1] <= 60
    drom = client.get("/v1/workshops", params={"dep": "974"}).json()
    assert drom["total"] >= 1 and all(w["dep"] == "974" for w in drom["items"])
    r = client.get("/v1/workshops", params={"profile": "boulangerie"})
    assert r.status_code == 422 and "Profil inconnu" in r.json()["error"]["message"]
    one = client.get(f"/v1/workshops/{page['items'][0]['id']}").json()
    assert one["id"] == page["items"][0]["id"]
    assert client.get("/v1/workshops/nope-nope").status_code == 404


def test_reference_data_for_the_ui(client):
    tax = client.get("/v1/taxonomy").json()
    assert tax["capabilities"]["decoupe_laser"]["label"] and tax["decline_reasons"]["complet"] == "Atelier complet"
    sugg = client.get("/v1/communes", params={"q": "Lori"}).json()
    assert sugg[0]["name"] == "Lorient"
    assert json.dumps(tax, ensure_ascii=False)


def test_shortlist_job_runs_in_the_background_with_progress(client, platform):
    import time

    adviser = platform.create_key("adviser").key
    needs = [{"text": "découpe laser de plexiglas", "commune": "Rennes"},
             {"text": "impression 3D de prototypes en PETG", "commune": "Nantes"},
             {"text": "formation au logiciel Fusion 360", "commune": "Angers"}]
    r = client.post("/v1/shortlists/jobs", json={"k": 2, "needs": needs}, headers=bearer(adviser))
    assert r.status_code == 202 and r.json()["total"] == 3
    job_id = r.json()["job_id"]
    deadline = time.monotonic() + 120
    while (job := client.get(f"/v1/shortlists/jobs/{job_id}", headers=bearer(adviser)).json())["status"] == "running":
        assert 0.0 <= job["progress"] <= 1.0
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert job["status"] == "done" and job["progress"] == 1.0 and job["done"] == 3
    out = client.get(f"/v1/shortlists/{job['shortlist_id']}", headers=bearer(adviser)).json()
    assert [i["status"] for i in out["items"]] == ["assigned"] * 3
    for item in out["items"]:
        assert not {p["workshop_id"] for p in item["picks"]} & {a["workshop_id"] for a in item["alternatives"]}
    other = platform.create_key("adviser").key
    assert client.get(f"/v1/shortlists/jobs/{job_id}", headers=bearer(other)).status_code == 404
    w = platform.create_key("workshop", platform.service.workshops[0].id).key
    assert client.get(f"/v1/shortlists/jobs/{job_id}", headers=bearer(w)).status_code == 403


def test_quality_report_and_plots(client):
    q = client.get("/v1/quality").json()
    assert set(q["splits"]) == {"dev", "test"}
    assert q["splits"]["test"]["systems"]["complet"]["ndcg@10"] > 0.5
    assert "systems.png" in q["plots"]["dev"]
    png = client.get("/v1/quality/dev/systems.png")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    for bad in ("/v1/quality/prod/systems.png", "/v1/quality/dev/..%2Fresults.json", "/v1/quality/dev/secret.png"):
        assert client.get(bad).status_code == 404
