"""Pieces of the professional pages (workshop space, adviser): labels, dates, the needs file, shortlist runs.

Nothing here decides anything: it reads files into the API's request shape, formats what the
API answers, and calls endpoints that :mod:`ui.client` does not wrap yet (shortlist jobs,
leads sent with an adviser key).
"""

from __future__ import annotations

import csv
import html
import io
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from ui.client import ApiClient, ApiError

# --- labels and colours ------------------------------------------------------------------
#: shortlist item status → (French label, badge colour)
ITEM_STATUS: dict[str, tuple[str, str]] = {
    "assigned": ("affecté", "green"),
    "partial": ("affecté en partie", "orange"),
    "unassigned": ("non affecté", "red"),
    "out_of_scope": ("hors champ", "gray"),
    "error": ("erreur", "red"),
}
ITEM_ICONS = {"assigned": "🟢", "partial": "🟠", "unassigned": "🔴", "out_of_scope": "⚪", "error": "❌"}

#: lead status → badge colour (the labels come from the API's taxonomy)
LEAD_COLORS = {"new": "blue", "taken": "violet", "done": "green", "done_no_help": "gray",
               "unreachable": "orange", "declined": "red", "expired": "gray"}
LEAD_ICONS = {"new": "📩", "taken": "🤝", "done": "✅", "done_no_help": "☑️", "unreachable": "📵",
              "declined": "🚫", "expired": "⌛"}

#: inbox filters of the workshop page → statuses shown
LEAD_FILTERS: dict[str, tuple[str, ...]] = {
    "Toutes": (),
    "Nouvelles": ("new",),
    "Prises en charge": ("taken",),
    "Terminées": ("done", "done_no_help", "unreachable"),
    "Refusées": ("declined",),
    "Expirées": ("expired",),
}

CSS = """
<style>
.afn-need {border-left:4px solid #4c6ef5; background:#f3f5ff; padding:0.5rem 0.8rem; margin:0.2rem 0 0.5rem 0;
           border-radius:0 0.4rem 0.4rem 0; color:#222; white-space:pre-wrap; overflow-wrap:anywhere;}
.afn-meta {color:#444; font-size:0.92rem; overflow-wrap:anywhere; margin:0.1rem 0;}
.afn-meta b {color:#222;}
.afn-meta .nowrap {white-space:nowrap;}
.afn-pick {margin:0.15rem 0 0.45rem 0; overflow-wrap:anywhere;}
.afn-pick .why {color:#555; font-size:0.88rem;}
.afn-tiles {display:grid; grid-template-columns:repeat(auto-fit, minmax(9.5rem, 1fr)); gap:0.6rem;
            margin:0.4rem 0 0.6rem 0;}
.afn-tile {border:1px solid rgba(49,51,63,0.18); border-radius:0.6rem; padding:0.55rem 0.85rem; min-width:0;}
.afn-tile .lbl {font-size:0.85rem; color:#555; white-space:nowrap; overflow:hidden; text-overflow:ellipsis;}
.afn-tile .val {font-size:1.75rem; font-weight:600; line-height:1.25; color:#222;}
.afn-tile .sub {font-size:0.78rem; color:#777; white-space:nowrap; overflow:hidden; text-overflow:ellipsis;}
.afn-tile.good {border-left:4px solid #2e7d32;} .afn-tile.warn {border-left:4px solid #ef8c00;}
.afn-tile.bad {border-left:4px solid #c62828;} .afn-tile.info {border-left:4px solid #4c6ef5;}
.afn-tile.muted {border-left:4px solid #9e9e9e;}
div[data-testid="stMultiSelect"] span[data-tag] {background-color:#e8f0fe !important; color:#1a3e8a !important;}
div[data-testid="stMultiSelect"] span[data-tag] button {color:#1a3e8a !important;}
</style>
"""


def esc(text: object) -> str:
    return "" if text is None else html.escape(str(text))


def md(text: object) -> str:
    """User text shown through Markdown: its punctuation is escaped (a file named ``*_x_*`` stays as is)."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|~<>$])", r"\\\1", "" if text is None else str(text))


def clip(text: str, n: int = 60) -> str:
    text = " ".join(str(text or "").split())
    return text if len(text) <= n else text[: n - 1].rstrip() + "…"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 besoin``, ``3 besoins``, ``0 besoin`` (French: 0 and 1 are singular)."""
    return f"{n} {word if abs(n) < 2 else many or word + 's'}"


def tiles(items: list[tuple[str, object, str, str]]) -> str:
    """Key figures as a responsive grid (two a row on a phone): ``(label, value, note, tone)``."""
    cells = "".join(
        f'<div class="afn-tile {esc(tone)}" title="{esc(label)}"><div class="lbl">{esc(label)}</div>'
        f'<div class="val">{esc(value)}</div><div class="sub">{esc(note) or "&nbsp;"}</div></div>'
        for label, value, note, tone in items)
    return f'<div class="afn-tiles">{cells}</div>'


def need_box(text: str, limit: int | None = None) -> str:
    """A need, quoted as the company wrote it (escaped: it is user input)."""
    text = text.strip()
    if limit and len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return f'<div class="afn-need">{esc(text)}</div>'


# --- dates -------------------------------------------------------------------------------
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def _paris():
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Paris")
    except Exception:  # noqa: BLE001 - no time-zone database: show UTC
        return timezone.utc


def parse_time(value: str | datetime | None) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        dt = value
    else:
        try:
            dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return None
    if dt.tzinfo is None:  # the API speaks UTC
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(_paris())


def fr_date(value: str | datetime | None, with_time: bool = False) -> str:
    """``12 mars 2025`` (``à 14 h 05`` with the time), in Paris time; ``—`` when absent."""
    dt = parse_time(value)
    if dt is None:
        return "—"
    day = "1er" if dt.day == 1 else str(dt.day)
    out = f"{day} {MONTHS[dt.month - 1]} {dt.year}"
    return f"{out} à {dt.hour} h {dt.minute:02d}" if with_time else out


def short_date(value: str | datetime | None) -> str:
    """``12/03/2025 14:05`` for tables."""
    dt = parse_time(value)
    return dt.strftime("%d/%m/%Y %H:%M") if dt else ""


# --- the needs file (advisers) -----------------------------------------------------------
MAX_ROWS = 1000

#: API field → French header of the template
COLUMNS: dict[str, str] = {
    "reference": "référence",
    "text": "besoin",
    "commune": "commune",
    "radius_km": "rayon_km",
    "contact_email": "email",
    "siret": "siret",
}
REQUIRED = ("text", "commune")
ALIASES: dict[str, str] = {
    **{a: "reference" for a in ("reference", "ref", "entreprise", "nom", "societe", "raison_sociale")},
    **{a: "text" for a in ("text", "texte", "besoin", "besoins", "description", "projet", "demande")},
    **{a: "commune" for a in ("commune", "ville", "localite", "lieu", "code_postal", "cp", "code_insee")},
    **{a: "radius_km" for a in ("radius_km", "radius", "rayon_km", "rayon", "distance_km", "distance")},
    **{a: "contact_email" for a in ("contact_email", "email", "e_mail", "mail", "courriel", "adresse_email",
                                    "adresse_e_mail", "email_contact", "contact")},
    "siret": "siret",
}
TEMPLATE_ROWS = [
    ["Boulangerie Le Goff", "Découpe laser de lettres en contreplaqué pour notre vitrine", "Lorient", "30",
     "contact@boulangerie-legoff.example", ""],
    ["Menuiserie Tanguy", "Prototype d'une pièce de fixation en impression 3D, petite série ensuite", "Vannes",
     "50", "", ""],
]


class NeedsFileError(ValueError):
    """The file cannot become a list of needs; ``message`` says why, in French."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class NeedsFile:
    """Needs ready for ``POST /v1/shortlists``, with the file line of each (to point at errors)."""

    needs: list[dict[str, Any]]
    lines: list[int]
    ignored: list[str] = field(default_factory=list)  # columns the page does not know


def template_csv() -> bytes:
    """The template: ``;``-separated UTF-8 with a BOM (spreadsheet software opens it with its accents)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS.values())
    writer.writerows(TEMPLATE_ROWS)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def _norm(header: str) -> str:
    s = unicodedata.normalize("NFKD", str(header)).encode("ascii", "ignore").decode().lower().strip()
    s = re.sub(r"[()\[\]]", " ", s)
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def _cell(value: Any) -> str:
    """A spreadsheet cell as text (numbers typed by Excel lose their ``.0``)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise NeedsFileError("Fichier illisible : enregistrez-le en CSV UTF-8.")  # pragma: no cover - latin-1 never fails


def _csv_rows(data: bytes) -> list[tuple[int, list[str]]]:
    text = _decode(data)
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (";", ",", "\t")}
    sep = max(counts, key=lambda s: counts[s]) if any(counts.values()) else ";"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        return [(reader.line_num, [c.strip() for c in row]) for row in reader]
    except csv.Error as exc:
        raise NeedsFileError(f"Ligne {reader.line_num} : CSV mal formé ({exc}).") from None


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same problem for the adviser
        raise NeedsFileError("Fichier Excel illisible : enregistrez-le au format .xlsx ou en CSV.") from None
    try:
        ws = wb.worksheets[0]
        return [(n, [_cell(v) for v in row]) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)]
    finally:
        wb.close()


def parse_needs(filename: str, data: bytes) -> NeedsFile:
    """Read a CSV (UTF-8 or cp1252, ``;`` or ``,``) or XLSX file of needs; :class:`NeedsFileError` in French."""
    name = (filename or "").lower()
    if name.endswith(".xls"):
        raise NeedsFileError("Le format .xls (Excel 97-2003) n'est pas pris en charge : "
                             "enregistrez le fichier en .xlsx ou en CSV.")
    if not data or not data.strip():
        raise NeedsFileError("Le fichier est vide : partez du modèle à télécharger.")
    is_xlsx = name.endswith(".xlsx") or data[:2] == b"PK"
    rows = _xlsx_rows(data) if is_xlsx else _csv_rows(data)
    rows = [(n, r) for n, r in rows if any(c for c in r)]
    if not rows:
        raise NeedsFileError("Le fichier est vide : partez du modèle à télécharger.")
    header_line, header = rows[0]
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for i, title in enumerate(header):
        fld = ALIASES.get(_norm(title))
        if fld is None:
            if title:
                ignored.append(title)
            continue
        if fld in columns:
            raise NeedsFileError(f"La colonne « {COLUMNS[fld]} » apparaît deux fois (« {header[columns[fld]]} » "
                                 f"et « {title} ») : gardez-en une seule.")
        columns[fld] = i
    missing = [f for f in REQUIRED if f not in columns]
    if missing:
        found = ", ".join(f"« {h} »" for h in header if h) or "aucune"
        names = " et ".join(f"« {COLUMNS[f]} »" for f in missing)
        plural = "s" if len(missing) > 1 else ""
        raise NeedsFileError(f"Colonne{plural} manquante{plural} : {names} (ligne {header_line}, l'en-tête). "
                             f"Colonnes trouvées : {found}. Partez du modèle à télécharger.")
    body = rows[1:]
    if not body:
        raise NeedsFileError("Le fichier ne contient aucun besoin : seulement la ligne d'en-tête.")
    if len(body) > MAX_ROWS:
        raise NeedsFileError(f"Le fichier contient {len(body)} besoins : {MAX_ROWS} au plus par envoi. "
                             "Découpez-le en plusieurs fichiers.")
    needs, lines = [], []
    for line, row in body:
        get = {f: (row[i].strip() if i < len(row) else "") for f, i in columns.items()}
        if not get["text"]:
            raise NeedsFileError(f"Ligne {line} : la colonne « besoin » est vide.")
        if not get["commune"]:
            raise NeedsFileError(f"Ligne {line} : la colonne « commune » est vide.")
        need: dict[str, Any] = {"reference": get.get("reference") or None, "text": get["text"],
                                "commune": get["commune"]}
        radius = get.get("radius_km", "")
        if radius:
            try:
                need["radius_km"] = float(radius.replace(",", ".").replace("km", "").strip())
            except ValueError:
                raise NeedsFileError(f"Ligne {line} : rayon « {radius} » illisible "
                                     "(un nombre de kilomètres, par exemple 30).") from None
        need["contact_email"] = get.get("contact_email") or None
        siret = re.sub(r"\s", "", get.get("siret", ""))
        need["siret"] = siret or None
        needs.append(need)
        lines.append(line)
    return NeedsFile(needs, lines, ignored)


def preview_rows(parsed: NeedsFile) -> list[dict[str, Any]]:
    """The parsed needs as table rows with French headers."""
    return [{"ligne": line, "référence": n.get("reference") or "", "besoin": n["text"], "commune": n["commune"],
             "rayon (km)": n.get("radius_km"), "email": n.get("contact_email") or "", "siret": n.get("siret") or ""}
            for n, line in zip(parsed.needs, parsed.lines, strict=True)]


def explain_error(exc: ApiError, lines: list[int] | None = None) -> str:
    """The API's message; a validation error on ``needs.3.siret`` points at the file's line and column."""
    fields = (exc.details or {}).get("champs") or []
    if lines and fields:
        m = re.match(r"needs\.(\d+)\.?(\w*)", str(fields[0].get("champ", "")))
        if m and int(m.group(1)) < len(lines):
            column = COLUMNS.get(m.group(2), m.group(2))
            where = f"Ligne {lines[int(m.group(1))]} du fichier" + (f", colonne « {column} »" if column else "")
            more = f" ({plural(len(fields) - 1, 'autre erreur', 'autres erreurs')})" if len(fields) > 1 else ""
            return f"{where} : {fields[0].get('message', 'valeur invalide')}{more}."
    return exc.message


# --- API calls the shared client does not wrap ---------------------------------------------
def shortlist_body(needs: list[dict], k: int, only_with_capacity: bool) -> dict:
    return {"needs": needs, "k": k, "only_with_capacity": only_with_capacity, "send_leads": False}


def start_shortlist(api: ApiClient, body: dict) -> dict:
    """``{"job": ...}`` when the API computes in the background, else ``{"shortlist": ...}`` (older API)."""
    try:
        return {"job": api.post("/v1/shortlists/jobs", body)}
    except ApiError as exc:
        if exc.status not in (404, 405):
            raise
    return {"shortlist": api.post("/v1/shortlists", body)}


def wait_job(api: ApiClient, job: dict, on_progress: Callable[[dict], None] | None = None,
             poll: float = 0.5, sleep: Callable[[float], None] = time.sleep) -> dict:
    """Poll a shortlist job until it ends; the shortlist, or :class:`ApiError` with the job's French error."""
    while True:
        if on_progress:
            on_progress(job)
        if job.get("status") == "done" and job.get("shortlist_id"):
            return api.shortlist(job["shortlist_id"])
        if job.get("status") == "error":
            err = job.get("error") or {}
            raise ApiError(err.get("message") or "Le calcul de la liste a échoué.", err.get("code", "erreur"))
        sleep(poll)
        job = api.get(f"/v1/shortlists/jobs/{job['job_id']}")


def send_adviser_leads(api: ApiClient, need_id: str, workshop_ids: list[str]) -> list[dict]:
    """``POST /v1/needs/{id}/leads`` with the adviser's key (the client already carries it)."""
    return api.post(f"/v1/needs/{need_id}/leads", {"workshop_ids": workshop_ids})


def pick_label(p: dict) -> str:
    """``Atelier (Commune, 12 km)`` for pick lists."""
    from ui.common import fr_num

    return f"{p['name']} ({p['commune']}, {fr_num(p['distance_km'], 0)} km)"
