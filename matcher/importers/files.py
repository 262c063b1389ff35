"""Reading input files with French errors that name the file, the line and the field."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..errors import DataError

_FILE_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?:[-_.]?(0[1-9]|1[0-2]))?(?!\d)")
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?\s*$")


def read_bytes(path: Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise DataError(f"Fichier introuvable : {path}.", code="fichier_introuvable") from None
    except IsADirectoryError:
        raise DataError(f"{path} est un dossier : donnez des fichiers.", code="fichier_invalide") from None
    except OSError as exc:
        raise DataError(f"Fichier illisible : {path} ({exc.strerror}).", code="fichier_invalide") from None


def decode(raw: bytes, name: str, encoding: str = "utf-8") -> str:
    """The text of a file; a wrong encoding names the line and the byte."""
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start : exc.start + 1].hex()
        raise DataError(
            f"{name}, ligne {line} : encodage invalide (octet 0x{byte}, {encoding.upper()} attendu). "
            "Réenregistrez le fichier en UTF-8, ou indiquez son encodage avec --encodage (ex. cp1252).",
            code="encodage_invalide", details={"file": name, "line": line},
        ) from None
    except LookupError:
        raise DataError(f"Encodage inconnu : {encoding}.", code="encodage_inconnu") from None
    return text.removeprefix("\ufeff")


def load_json(path: Path, encoding: str = "utf-8") -> Any:
    name = Path(path).name
    text = decode(read_bytes(path), name, encoding)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{name}, ligne {exc.lineno}, colonne {exc.colno} : JSON invalide ({exc.msg}).",
                        code="json_invalide", details={"file": name, "line": exc.lineno}) from None


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def read_csv(path: Path, encoding: str = "utf-8", delimiter: str | None = None
             ) -> tuple[list[str], list[tuple[int, dict[str, str], str | None]]]:
    """Header and rows ``(line, {column: value}, problem)``; ``problem`` names a malformed row.

    Line numbers are those of the file (the header is line 1)."""
    name = Path(path).name
    text = decode(read_bytes(path), name, encoding)
    if not text.strip():
        raise DataError(f"{name} : fichier vide.", code="fichier_vide")
    delim = delimiter or sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        header = [h.strip() for h in next(reader)]
        rows: list[tuple[int, dict[str, str], str | None]] = []
        line = reader.line_num + 1
        for values in reader:
            start, line = line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            problem = None
            if len(values) != len(header):
                problem = f"ligne mal formée : {len(values)} champs au lieu de {len(header)}"
            values = (values + [""] * len(header))[: len(header)]
            rows.append((start, dict(zip(header, values, strict=True)), problem))
    except csv.Error as exc:
        raise DataError(f"{name}, ligne {reader.line_num} : CSV illisible ({exc}).", code="csv_invalide",
                        details={"file": name, "line": reader.line_num}) from None
    return header, rows


def require_columns(header: list[str], required: list[str], name: str, what: str) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "aucune"
        raise DataError(
            f"{name} : colonne{'s' if len(missing) > 1 else ''} manquante{'s' if len(missing) > 1 else ''} "
            f"pour le format {what} : {', '.join(missing)} (colonnes trouvées : {found}).",
            code="colonnes_manquantes", details={"file": name, "missing": missing},
        )


def parse_float(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def parse_date(value: object) -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` from a date written as ``dd/mm/yyyy`` or ISO; else ``""``."""
    text = str(value or "").strip()
    if not text:
        return ""
    m = _DMY.match(text)
    if m:
        d, mth, y = (int(g) for g in m.groups())
        try:
            return date(y, mth, d).isoformat()
        except ValueError:
            return ""
    m = _ISO.match(text)
    if m:
        y, mth, d = m.groups()
        if mth and not 1 <= int(mth) <= 12:
            return ""
        return "-".join(p for p in (y, mth, d) if p)
    return ""


def file_date(path: Path, override: str | None = None) -> tuple[str, str]:
    """The date of a source file and where it comes from (French).

    ``--date`` first, then a year (and month) in the file name (``labs_2014``,
    ``world_2023-06``), then the file's modification time."""
    if override:
        parsed = parse_date(override)
        if not parsed:
            raise DataError(f"Date invalide : « {override} » (AAAA, AAAA-MM ou AAAA-MM-JJ attendu).",
                            code="date_invalide")
        return parsed, "--date"
    matches = list(_FILE_DATE.finditer(Path(path).stem))
    if matches:
        y, m = matches[-1].groups()
        return (f"{y}-{m}" if m else y), "nom du fichier"
    mtime = datetime.fromtimestamp(Path(path).stat().st_mtime, tz=UTC).date()
    return mtime.isoformat(), "date de modification du fichier"


def period_end(value: str) -> date | None:
    """The last day a partial date can mean (``2023`` → 2023-12-31)."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 1:
        return date(parts[0], 12, 31)
    if len(parts) == 2:
        nxt = date(parts[0] + (parts[1] == 12), parts[1] % 12 + 1, 1)
        return date.fromordinal(nxt.toordinal() - 1)
    return date(*parts)
