"""Writing an import: a JSONL catalogue, or the database (one transaction); then the index."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..catalogue import Catalogue, Workshop, texts_digest
from ..errors import DataError
from ..settings import Settings
from .pipeline import ImportResult


def write_jsonl(path: Path, workshops: list[Workshop]) -> Path:
    """The catalogue file, written whole or not at all (temporary file, then renamed)."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"--out désigne un dossier : {path} (un fichier .jsonl est attendu).", code="sortie_invalide")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for w in sorted(workshops, key=lambda w: w.id):
                fh.write(w.model_dump_json() + "\n")
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_to_database(settings: Settings, result: ImportResult, actor: str = "import") -> tuple[int, int]:
    """Upsert the workshops and record the event, in one transaction (nothing on failure).

    The demonstration catalogue is not seeded: a database filled by imports holds real places only."""
    from .. import store
    from ..db import make_engine, migrate, sessions, transaction

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        files = [s.file for s in result.sources]
        with transaction(sessions(engine)) as s:
            return store.upsert_workshops(
                s, result.workshops, source="import : " + ", ".join(files), actor=actor,
                data={"files": files, "report": result.report.totaux})
    finally:
        engine.dispose()


def database_label(settings: Settings) -> str:
    """The database URL without its password, for the report."""
    from sqlalchemy.engine import make_url

    return make_url(settings.database_url).render_as_string(hide_password=True)


def database_workshops(settings: Settings) -> list[Workshop]:
    from .. import store
    from ..db import make_engine, sessions, transaction

    engine = make_engine(settings.database_url)
    try:
        with transaction(sessions(engine)) as s:
            return store.load_workshops(s)
    finally:
        engine.dispose()


def publish_index(settings: Settings, workshops: list[Workshop]) -> int:
    """Build (or reuse) and publish the vector index of these workshops; returns its rows.

    Loads the sentence model (:class:`~matcher.errors.ModelUnavailable` when not prepared)."""
    from ..encoder import load_encoder
    from ..service import ensure_index
    from ..taxonomy import load_taxonomy

    encoder = load_encoder(settings)
    catalogue = Catalogue(workshops=workshops, digest=texts_digest(workshops))
    index = ensure_index(settings, encoder, catalogue, load_taxonomy(settings.taxonomy))
    return index.n_rows
