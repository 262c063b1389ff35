"""The real public directories used by the importer tests (``../shared/data/real/``, not copied here)."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path

import pytest

#: ``../shared/data/real`` beside the repository; ``AFN_REAL_DATA`` points elsewhere (another clone).
REAL = Path(os.environ.get("AFN_REAL_DATA") or Path(__file__).resolve().parents[2] / "shared" / "data" / "real")
#: The import date of the tests: staleness is measured from it.
TODAY = date(2026, 11, 28)
SUFFIXES = (".json", ".csv", ".geojson")


def sample(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"fichier d'exemple manquant : {path}")
        pytest.skip(f"fichiers d'exemple absents ({REAL})")
    return path


def all_samples() -> list[Path]:
    sample("README.md")
    return sorted(p for p in REAL.iterdir() if p.suffix in SUFFIXES)


@lru_cache(maxsize=1)
def gazetteer():
    from matcher.gazetteer import Gazetteer
    from matcher.settings import Settings

    return Gazetteer.load(Settings().gazetteer)


@lru_cache(maxsize=1)
def full_import():
    """Every sample imported together, once per test session."""
    from matcher.importers import run_import
    from matcher.settings import Settings

    return run_import(all_samples(), settings=Settings(), gazetteer=gazetteer(), today=TODAY)
