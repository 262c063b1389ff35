"""``afn-match admin`` and ``afn-match serve``: keys on a real database, the API as a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import pytest
from typer.testing import CliRunner

from matcher.cli import app
from matcher.db import make_engine, sessions, transaction
from matcher import store

runner = CliRunner()


@pytest.fixture
def db_env(database_url, monkeypatch):
    from matcher.settings import get_settings

    monkeypatch.setenv("AFN_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_create_key_stores_only_its_hash_and_revokes(db_env):
    res = runner.invoke(app, ["admin", "create-key", "--role", "adviser", "--label", "CCI", "--json"])
    assert res.exit_code == 0, res.output
    key = json.loads(res.stdout)
    assert key["role"] == "adviser" and key["key"].startswith("afnk_")
    engine = make_engine(db_env)
    with transaction(sessions(engine)) as s:
        assert store.find_key(s, key["key"]).id == key["id"]
    res = runner.invoke(app, ["admin", "revoke-key", key["id"]])
    assert res.exit_code == 0 and "révoquée" in res.output
    with transaction(sessions(engine)) as s:
        assert store.find_key(s, key["key"]) is None
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["admin", "create-key", "--role", "pirate"], "Rôle inconnu"),
        (["admin", "create-key", "--role", "workshop"], "doit désigner son atelier"),
        (["admin", "create-key", "--role", "workshop", "--atelier", "nulle-part"], "Atelier introuvable"),
        (["admin", "revoke-key", "key_inconnue"], "Clé introuvable"),
    ],
)
def test_admin_errors_are_french_with_exit_2(db_env, args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2
    assert needle in res.output and "Traceback" not in res.output


def test_expire_command(db_env):
    res = runner.invoke(app, ["admin", "expire"])
    assert res.exit_code == 0 and "expirée" in res.output


def test_unreachable_database_is_a_french_error(monkeypatch):
    from matcher.settings import get_settings

    monkeypatch.setenv("AFN_DATABASE_URL", "postgresql+psycopg://afn@127.0.0.1:1/rien")
    get_settings.cache_clear()
    try:
        res = runner.invoke(app, ["admin", "expire"])
    finally:
        get_settings.cache_clear()
    assert res.exit_code == 2 and "Base de données inaccessible" in res.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_the_api_on_a_fresh_sqlite_database(tmp_path, encoder):
    """The real process: migrations applied, catalogue seeded, /docs and a match answered."""
    port = free_port()
    env = {**os.environ, "AFN_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}"}
    proc = subprocess.Popen([sys.executable, "-m", "matcher.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stdout.read()
            assert time.monotonic() < deadline, "l'API n'a pas démarré en 120 s"
            time.sleep(0.5)
        health = httpx.get(f"{base}/healthz").json()
        assert health["workshops"] == 444 and health["database"] == "sqlite"
        assert httpx.get(f"{base}/docs").status_code == 200
        r = httpx.post(f"{base}/v1/match", json={"text": "impression 3D de pièces en PETG", "commune": "Nantes"},
                       timeout=30)
        assert r.status_code == 200 and r.json()["results"]
        r = httpx.post(f"{base}/v1/match", json={"text": "impression 3D", "commune": "Nulle-Part-sur-Mer"}, timeout=30)
        assert r.status_code == 422 and r.json()["error"]["code"] == "commune_inconnue"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert "Traceback" not in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["ui", "--api-url", "ftp://exemple"], "Adresse d'API invalide"),
        (["ui", "--port", "70000"], "Port invalide"),
        (["serve", "--port", "0"], "Port invalide"),
    ],
)
def test_ui_and_serve_reject_bad_options_in_french(args, needle):
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and needle in res.output
