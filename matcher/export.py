"""Shortlist exports for advisers: CSV (UTF-8 with BOM, for spreadsheet software) and XLSX."""

from __future__ import annotations

import csv
import io

from .schemas import ShortlistOut

HEADERS = ["n°", "référence", "besoin", "commune", "statut", "rang", "atelier", "identifiant atelier",
           "commune de l'atelier", "distance (km)", "score", "mise en relation", "explication", "message"]
XLSX_MEDIA = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_FR = {"assigned": "affecté", "partial": "affecté en partie", "unassigned": "non affecté",
             "out_of_scope": "hors champ", "error": "erreur"}


def cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula is quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def rows(shortlist: ShortlistOut) -> list[list[object]]:
    """One row per proposed workshop; a need without any keeps one row saying why."""
    out: list[list[object]] = []
    for item in shortlist.items:
        head = [item.position, item.reference or "", item.text, item.commune or "", STATUS_FR[item.status]]
        if not item.picks:
            out.append([*head, "", "", "", "", "", "", "", "", item.message or ""])
        for rank, p in enumerate(item.picks, start=1):
            out.append([*head, rank, p.name, p.workshop_id, p.commune, p.distance_km, round(p.score, 4),
                        p.lead_id or "", p.explanation, item.message or ""])
    return [[cell(v) for v in row] for row in out]


def to_csv(shortlist: ShortlistOut) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";")
    writer.writerow(HEADERS)
    writer.writerows(rows(shortlist))
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(shortlist: ShortlistOut) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "Liste"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows(shortlist):
        ws.append(row)
    ws.freeze_panes = "A2"
    for col, width in zip("ABCDEFGHIJKLMN", (5, 18, 50, 18, 14, 6, 30, 30, 18, 12, 8, 26, 80, 40), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
