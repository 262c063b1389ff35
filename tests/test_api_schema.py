"""Schemathesis over the API's OpenAPI spec, on SQLite and on PostgreSQL.

Every operation is fuzzed (examples, coverage and fuzzing phases, valid and invalid data) and
every answer must be documented: no 5xx, a status code, content type and body that the spec
describes (errors included: ``{"error": {"code", "message", "details"}}``). Secured operations
are called as generated (no key, or a random one), then with an adviser key, a workshop key
and a follow-up token; operations on one object are also called on a real need, lead,
shortlist and job, so that fuzzed bodies reach matching and the database, not only the 404.
Fuzz dictionaries mix real values (communes, e-mails, actions...) with hostile ones (NUL bytes).

Bounded and reproducible: fixed seed, derandomized Hypothesis, no example database, 30 examples
per operation (15 for those that run the sentence model), at most 3 needs per fuzzed shortlist.
The inputs the fuzzer found to break the API are pinned down at the end, as plain tests.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from matcher.catalogue import load_catalogue
from matcher.leads import REASON_LABELS, STATUS_LABELS, Action
from matcher.platform import Platform
from matcher.schemas import LeadsIn, NeedIn, ShortlistIn, ShortlistNeedIn
from matcher.settings import Settings
from matcher.taxonomy import CAPABILITY_CODES, PROFILE_CODES

from conftest import fresh_database

CONFORMANCE = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
               response_headers_conformance]
# Only on the request as generated: with a real key or a real id substituted, an invalid request may become valid.
CHECKS = [*CONFORMANCE, negative_data_rejection]
SHORTLIST_CAP = 3  # the API takes up to 1000 needs; each costs a model call, so the fuzzer sends at most 3
MODEL_HEAVY = r"^/v1/(match|needs|shortlists|shortlists/jobs)$"

# --- the spec, as the app serves it (create_app needs no platform to describe itself) -------
SPEC = create_app(settings=Settings()).openapi()
FUZZED_SPEC = copy.deepcopy(SPEC)
FUZZED_SPEC["components"]["schemas"]["ShortlistIn"]["properties"]["needs"]["maxItems"] = SHORTLIST_CAP

# Fuzz dictionaries: real values, drawn now and then instead of random strings, so that fuzzed requests
# also get past the commune lookup, the e-mail, action and reason checks... and reach matching and the
# database; and hostile ones (a NUL byte, which PostgreSQL text cannot hold, blanks, markup, emoji).
HOSTILE = ["\x00", "texte\x00nul", "   ", "<script>alert(1)</script>", "' OR 1=1 --", "🛠️ atelier ☕"]
WORKSHOP_IDS = [w.id for w in load_catalogue(Settings().catalogue).workshops[:40]]
NEED_TEXTS = [
    "découper au laser des lettres en contreplaqué pour notre vitrine",
    "impression 3D de pièces détachées en PETG",
    "graver notre logo sur des planches en bois",
    "faire notre comptabilité annuelle",
    "former deux salariés à la modélisation 3D",
    "découpe laser de plexiglas\x00 pour une enseigne",
]
COMMUNES = ["Lorient", "Brest", "Vannes", "Quimper", "56100", "29019", "Saint-Denis", "Paris", "Lyon 3e"]
SERVICES = ["Découpe laser de contreplaqué jusqu'à 6 mm", "Impression 3D résine haute définition",
            "Gravure laser\x00 sur bois"]
DICTIONARIES = {
    "communes": COMMUNES + ["Lorient\x00", "Zzyzxville"],
    "texts": NEED_TEXTS + HOSTILE,
    "free_text": ["Livré, merci.", "Pris en charge : rappel demain.", *HOSTILE],
    "services": SERVICES + HOSTILE,
    "emails": ["atelier@vitrines-lorient.fr", "contact@exemple.fr", "nul\x00@exemple.fr"],
    "sirets": ["73282932000074", "356000000", "\x00"],
    "workshops": WORKSHOP_IDS + ["\x00", "atelier-inconnu"],
    "actions": [a.value for a in Action],
    "reasons": list(REASON_LABELS),
    "statuses": list(STATUS_LABELS),
    "profiles": list(PROFILE_CODES),
    "capabilities": list(CAPABILITY_CODES),
    "deps": ["56", "29", "2A", "974", "75", "\x00", " "],
}
BINDINGS = {  # where each dictionary is used, and how often: the gates (commune, e-mail, codes) mostly pass
    "body.text": ("texts", 0.6), "body.commune": ("communes", 0.85), "body.contact_email": ("emails", 0.85),
    "body.siret": ("sirets", 0.5),
    "body.needs[*].text": ("texts", 0.6), "body.needs[*].commune": ("communes", 0.85),
    "body.needs[*].contact_email": ("emails", 0.85), "body.needs[*].reference": ("free_text", 0.5),
    "body.needs[*].siret": ("sirets", 0.5),
    "body.workshop_ids[*]": ("workshops", 0.7),
    "body.action": ("actions", 0.85), "body.reason": ("reasons", 0.85), "body.comment": ("free_text", 0.6),
    "body.services[*]": ("services", 0.6), "body.opening": ("free_text", 0.6),
    "query.near": ("communes", 0.85), "query.q": ("communes", 0.5), "query.status": ("statuses", 0.85),
    "query.profile": ("profiles", 0.85), "query.capability": ("capabilities", 0.85), "query.dep": ("deps", 0.85),
    "path.workshop_id": ("workshops", 0.7),
}

CONFIG = schemathesis.Config.from_dict({
    "seed": 20250611,
    "suppress-health-check": ["too_slow"],  # a slow CI machine must not fail the run
    "generation": {"max-examples": 30, "deterministic": True, "database": "none"},
    # reproducible: what is generated never depends on what the server answered
    "phases": {"stateful": {"enabled": False},
               "fuzzing": {"extra-data-sources": {"responses": False}, "error-feedback": {"enabled": False}}},
    "dictionaries": {name: {"values": values} for name, values in DICTIONARIES.items()},
    "parameters": {key: {"dictionary": name, "probability": prob} for key, (name, prob) in BINDINGS.items()},
    "operations": [
        # each call embeds its text(s) with the real model: fewer examples
        {"include-path-regex": MODEL_HEAVY, "include-method": "POST", "generation": {"max-examples": 15}},
        # a valid edit re-embeds the workshop's services and republishes the index
        {"include-path": "/v1/workshops/me", "include-method": "PATCH", "generation": {"max-examples": 12}},
    ],
})
schema = schemathesis.openapi.from_dict(FUZZED_SPEC, config=CONFIG)


# --- one platform per backend, with a few real objects to aim at ----------------------------
@dataclass
class World:
    app: FastAPI
    identities: dict[str, dict[str, str]]
    # path parameter -> [(real value, identity that may see it)]
    targets: dict[str, list[tuple[str, str]]] = field(default_factory=dict)


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def world(request, encoder, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"schema-{request.param}")
    settings = Settings(database_url=fresh_database(request.param, tmp), index_dir=tmp / "index")
    p = Platform.open(settings, encoder=encoder)
    try:
        created = p.create_need(NeedIn(text=NEED_TEXTS[0], commune="Lorient", radius_km=40,
                                       contact_email="atelier@vitrines-lorient.fr"))
        wid = next(r.workshop_id for r in created.need.shortlist.results if r.remaining_capacity > 0)
        lead = p.send_leads(created.need.id, LeadsIn(workshop_ids=[wid]), created.token)[0]
        workshop = p.create_key("workshop", wid, "schemathesis").key
        adviser_key = p.create_key("adviser", label="schemathesis")
        adviser = p.authenticate(adviser_key.key)
        one = ShortlistIn(k=1, needs=[ShortlistNeedIn(text=NEED_TEXTS[1], commune="Brest")])
        sl = p.create_shortlist(adviser, one)
        job = p.start_shortlist_job(adviser, one)
        yield World(
            app=create_app(p),
            identities={"anonymous": {}, "adviser": bearer(adviser_key.key), "workshop": bearer(workshop),
                        "token": bearer(created.token)},
            targets={
                "need_id": [(created.need.id, "token"), (sl.items[0].need_id, "adviser")],
                "lead_id": [(lead.id, "workshop")],
                "shortlist_id": [(sl.id, "adviser")],
                "job_id": [(job.job_id, "adviser")],
                "workshop_id": [(wid, "anonymous")],
            },
        )
    finally:
        for thread in threading.enumerate():  # shortlists computed in the background by the fuzzed requests
            if thread.name.startswith("job_"):
                thread.join(60)
        p.close()


def test_the_fuzzed_spec_is_the_served_one(world):
    with TestClient(world.app) as client:
        served = client.get("/openapi.json").json()
    assert served == SPEC
    for path, operations in served["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "404", "409", "413", "422"} <= set(responses), (method, path)
            error_schema = responses["422"]["content"]["application/json"]["schema"]
            assert error_schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)


@schema.parametrize()
def test_api_conforms_to_its_schema(case, world):
    case.call_and_validate(app=world.app, checks=CHECKS)  # as generated: no key, or a random one
    if case.method.upper() != case.operation.method.upper():
        return  # an undocumented method (405): no need to try it with every key
    variants: list[tuple[dict[str, str], dict[str, str]]] = []
    if case.operation.definition.raw.get("security"):
        variants += [({}, headers) for name, headers in world.identities.items() if name != "anonymous"]
    for param in case.path_parameters:  # the same request on a real object, by whoever may see it
        variants += [({param: value}, world.identities[who]) for value, who in world.targets.get(param, [])]
    for path, headers in variants:
        if path:
            case.path_parameters = {**case.path_parameters, **path}
        case.call_and_validate(app=world.app, headers=headers or None, checks=CONFORMANCE)


# --- what the fuzzer found, pinned down (each was a 500, or an English or unclear answer) ---------------
JSON = {"Content-Type": "application/json"}
NEED = {"text": "découpe laser de contreplaqué", "commune": "Lorient", "contact_email": "a@exemple.fr"}
MATCH = b'{"text": "laser", "commune": "Lorient", '
HOSTILE_REQUESTS = [  # (what, method, path, who, request keywords); {need} and {lead} are real objects
    # a NUL byte reaches PostgreSQL (its text cannot hold one) unless refused first
    ("nul-dep", "GET", "/v1/workshops", "anonymous", {"params": {"dep": "\x00"}}),
    ("nul-need-text", "POST", "/v1/needs", "anonymous", {"json": {**NEED, "text": "découpe laser\x00"}}),
    ("nul-need-email", "POST", "/v1/needs", "anonymous", {"json": {**NEED, "contact_email": "a\x00@exemple.fr"}}),
    ("nul-shortlist-text", "POST", "/v1/shortlists", "adviser",
     {"json": {"needs": [{"text": "découpe\x00 laser", "commune": "Brest"}]}}),
    ("nul-shortlist-reference", "POST", "/v1/shortlists", "adviser",
     {"json": {"needs": [{**NEED, "reference": "Ker\x00Avel"}]}}),
    ("nul-lead-comment", "PATCH", "/v1/leads/{lead}", "workshop", {"json": {"action": "take", "comment": "ok\x00"}}),
    ("nul-opening", "PATCH", "/v1/workshops/me", "workshop", {"json": {"opening": "lundi\x00"}}),
    ("nul-service", "PATCH", "/v1/workshops/me", "workshop", {"json": {"services": ["découpe\x00 laser"]}}),
    ("nul-workshop-id", "POST", "/v1/needs/{need}/leads", "token", {"json": {"workshop_ids": ["\x00"]}}),
    # a lone surrogate is valid JSON, but no text encoding takes it (the model's cache hashes UTF-8)
    ("surrogate-service", "PATCH", "/v1/workshops/me", "workshop",
     {"content": b'{"services": ["d\\ud800coupe laser"]}', "headers": JSON}),
    ("surrogate-text", "POST", "/v1/match", "anonymous",
     {"content": b'{"text": "laser \\udc00", "commune": "Lorient"}', "headers": JSON}),
    # not numbers, or numbers too big to parse
    ("nan", "POST", "/v1/match", "anonymous", {"content": MATCH + b'"radius_km": NaN}', "headers": JSON}),
    ("-infinity", "POST", "/v1/match", "anonymous", {"content": MATCH + b'"radius_km": -Infinity}', "headers": JSON}),
    ("1e400", "POST", "/v1/match", "anonymous", {"content": MATCH + b'"radius_km": 1e400}', "headers": JSON}),
    ("5000-digits", "POST", "/v1/match", "anonymous", {"content": MATCH + b'"top_k": ' + b"9" * 5000 + b"}",
                                                       "headers": JSON}),
    ("query-nan", "GET", "/v1/workshops", "anonymous", {"params": {"radius_km": "nan"}}),
    ("query-inf", "GET", "/v1/workshops", "anonymous", {"params": {"radius_km": "inf"}}),
    ("query-5000-digits", "GET", "/v1/workshops", "anonymous", {"params": {"page": "9" * 5000}}),
    # a body that is not UTF-8 (a Latin-1 é)
    ("latin-1-body", "POST", "/v1/match", "anonymous",
     {"content": b'{"text": "d\xe9coupe laser", "commune": "Lorient"}', "headers": JSON}),
    # more needs than a shortlist takes: refused before any model call
    ("1001-needs", "POST", "/v1/shortlists", "adviser",
     {"json": {"needs": [{"text": "laser", "commune": "Brest"}] * 1001}}),
]


@pytest.mark.parametrize(("method", "path", "who", "kwargs"), [r[1:] for r in HOSTILE_REQUESTS],
                         ids=[r[0] for r in HOSTILE_REQUESTS])
def test_hostile_input_gets_a_french_422(world, method, path, who, kwargs):
    path = path.format(need=world.targets["need_id"][0][0], lead=world.targets["lead_id"][0][0])
    headers = {**world.identities[who], **kwargs.get("headers", {})}
    with TestClient(world.app, raise_server_exceptions=False) as client:
        r = client.request(method, path, **{**kwargs, "headers": headers})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] and error["message"].startswith("Requête invalide"), error
    assert "Input should" not in r.text and "Value error" not in r.text, error


def test_pages_beyond_the_end_are_empty(world):
    with TestClient(world.app) as client:
        r = client.get("/v1/workshops", params={"page": 10000, "per_page": 200})
    assert r.status_code == 200, r.text
    assert r.json()["items"] == [] and r.json()["total"] > 0
