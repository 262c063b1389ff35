"""``afn-match import`` end to end: every sample into one catalogue that the CLI and the API
match on; into SQLite and PostgreSQL in one transaction; the index published after import."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from matcher.catalogue import load_catalogue, texts_digest
from matcher.cli import app
from matcher.db import make_engine, migrate, sessions, transaction

from importer_samples import all_samples, sample

runner = CliRunner()
LASER = "découpe laser de lettres en contreplaqué pour une vitrine"
BRITTANY = "bretagne_fablabs_tierslieux_2020.geojson"


@pytest.fixture
def env(monkeypatch, tmp_path):
    """Settings from the environment, read afresh; the index in a folder of this test."""
    from matcher.settings import get_settings

    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, str(value))
        get_settings.cache_clear()

    monkeypatch.setenv("AFN_INDEX_DIR", str(tmp_path / "index"))
    get_settings.cache_clear()
    yield set_env
    get_settings.cache_clear()


@pytest.fixture
def shared_encoder(encoder, monkeypatch):
    """The session's model wherever the CLI would load its own (same model, loaded once)."""
    import matcher.encoder
    import matcher.service

    monkeypatch.setattr(matcher.service, "load_encoder", lambda settings: encoder)
    monkeypatch.setattr(matcher.encoder, "load_encoder", lambda settings: encoder)
    return encoder


@pytest.fixture(scope="module")
def catalogue_file(tmp_path_factory):
    """``afn-match import <every sample> --out catalogue.jsonl``."""
    out = tmp_path_factory.mktemp("import") / "catalogue.jsonl"
    res = runner.invoke(app, ["import", *map(str, all_samples()), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "1071 ateliers dans le catalogue" in res.output and "Rapport :" in res.output
    return out


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("import-index")


def test_import_out_writes_catalogue_and_report(catalogue_file):
    workshops = load_catalogue(catalogue_file).workshops
    assert len(workshops) == 1071
    report = json.loads(catalogue_file.with_suffix(".rapport.json").read_text(encoding="utf-8"))
    assert report["totaux"]["ateliers"] == 1071 and report["destination"].startswith("catalogue ")
    assert {s["fichier"] for s in report["sources"]} == {p.name for p in all_samples()}


def test_cli_match_on_the_imported_catalogue(catalogue_file, index_dir, env, shared_encoder):
    env(AFN_CATALOGUE=catalogue_file, AFN_INDEX_DIR=index_dir)
    res = runner.invoke(app, ["match", LASER, "--commune", "Rennes", "--rayon", "30", "--top", "5", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["commune"]["insee"] == "35238" and data["inferred_capabilities"] == [["decoupe_laser"]]
    by_id = load_catalogue(catalogue_file).by_id()
    breton = [r for r in data["results"] if "decoupe_laser" in r["matched_capabilities"]
              and BRITTANY in {p.file for p in by_id[r["workshop_id"]].sources}]
    assert breton, data["results"]
    assert all(r["distance_km"] <= 30 for r in breton)


def test_api_match_on_the_imported_catalogue(catalogue_file, index_dir, encoder, tmp_path):
    from api.app import create_app
    from matcher.platform import Platform
    from matcher.settings import Settings

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'api.db'}", catalogue=catalogue_file, index_dir=index_dir)
    platform = Platform.open(settings, encoder=encoder)
    try:
        with TestClient(create_app(platform)) as client:
            body = client.post("/v1/match", json={"text": LASER, "commune": "Rennes", "radius_km": 30, "top_k": 5})
            assert body.status_code == 200, body.text
            results = body.json()["results"]
            ids = {w.id for w in load_catalogue(catalogue_file).workshops}
            assert results and {r["workshop_id"] for r in results} <= ids
            assert results[0]["matched_capabilities"] == ["decoupe_laser"]
            first = client.get(f"/v1/workshops/{results[0]['workshop_id']}")
            assert first.status_code == 200 and first.json()["capacity"] == 1
    finally:
        platform.close()


# --- into the database ---------------------------------------------------------------------
def _rows(url: str):
    from matcher import store
    from matcher.models import EventRow

    engine = make_engine(url)
    migrate(engine)  # a failed import may have stopped before creating the tables
    with transaction(sessions(engine)) as s:
        workshops = store.load_workshops(s)
        events = [(e.kind, e.data) for e in s.query(EventRow).order_by(EventRow.id)]
    engine.dispose()
    return workshops, events


SUBSET = [BRITTANY, "fablabsio_fr_2017.json", "fablabsio_machines_world_2023-06.csv"]


def test_import_into_the_database_upserts_in_one_transaction(database_url, env, tmp_path):
    env(AFN_DATABASE_URL=database_url)
    files = [str(sample(n)) for n in SUBSET]
    res = runner.invoke(app, ["import", *files, "--sans-index", "--json", "--rapport", str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    n = report["totaux"]["ateliers"]
    assert report["base"] == {"crees": n, "mis_a_jour": 0} and n == 244
    workshops, events = _rows(database_url)
    assert len(workshops) == n  # imported places only: the demonstration catalogue is not seeded
    lh3d = next(w for w in workshops if w.id == "lh3d-fab-lab-le-havre")
    assert {p.source_id for p in lh3d.sources} == {"lhfablab", "LH3Dfablab"} and not lh3d.capacity_known
    assert [k for k, _ in events] == ["catalogue.imported"]
    assert events[0][1]["created"] == n and events[0][1]["files"] == [BRITTANY, "fablabsio_fr_2017.json"]

    again = runner.invoke(app, ["import", *files, "--sans-index", "--json", "--rapport", str(tmp_path / "r2.json")])
    assert again.exit_code == 0, again.output
    assert json.loads(again.stdout)["base"] == {"crees": 0, "mis_a_jour": n}
    workshops, events = _rows(database_url)
    assert len(workshops) == n and [k for k, _ in events] == ["catalogue.imported"] * 2


def test_a_bad_file_imports_nothing(database_url, env, tmp_path):
    env(AFN_DATABASE_URL=database_url)
    broken = tmp_path / "carte.json"
    broken.write_text('[{"name": "A", "kind_name": "fab_lab"},\n{"name": ]', encoding="utf-8")
    res = runner.invoke(app, ["import", str(sample(BRITTANY)), str(broken), "--sans-index",
                              "--out", str(tmp_path / "c.jsonl")])
    assert res.exit_code == 2
    assert "carte.json, ligne 2, colonne 10 : JSON invalide" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "c.jsonl").exists()
    res = runner.invoke(app, ["import", str(sample(BRITTANY)), str(broken), "--sans-index"])
    assert res.exit_code == 2
    assert _rows(database_url) == ([], [])


def test_a_failure_while_writing_rolls_everything_back(database_url, env, monkeypatch):
    from matcher import store

    env(AFN_DATABASE_URL=database_url)

    def boom(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(store, "add_event", boom)  # after every row was added to the session
    res = runner.invoke(app, ["import", str(sample(BRITTANY)), "--sans-index"])
    assert res.exit_code == 1 and "panne simulée" in res.output
    monkeypatch.undo()
    assert _rows(database_url) == ([], [])


def test_import_publishes_the_index_of_the_database(env, shared_encoder, tmp_path):
    from matcher.index import read_manifest
    from matcher.platform import Platform
    from matcher.settings import Settings

    url = f"sqlite:///{tmp_path / 'afn.db'}"
    env(AFN_DATABASE_URL=url, AFN_INDEX_DIR=tmp_path / "index")
    res = runner.invoke(app, ["import", str(sample("archipel_auvergne_labs_2023.json")), "--rapport",
                              str(tmp_path / "r.json")])
    assert res.exit_code == 0, res.output
    assert "Index à jour" in res.output
    workshops, _ = _rows(url)
    manifest = read_manifest(tmp_path / "index")
    assert manifest is not None and manifest.catalogue_digest == texts_digest(workshops)
    platform = Platform.open(Settings(database_url=url, index_dir=tmp_path / "index"), encoder=shared_encoder)
    try:  # the next start reuses the published index (same manifest, nothing rebuilt)
        assert read_manifest(tmp_path / "index") == manifest
        assert {w.id for w in platform.service.workshops} == {w.id for w in workshops}
    finally:
        platform.close()
