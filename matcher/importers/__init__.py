"""Importing real public directories of workshops (``afn-match import``).

Readers, one module per source family: :mod:`.fablabs` (fablabs.io JSON, CSV and machines),
:mod:`.geojson` (point maps), :mod:`.bfc` (Bourgogne-Franche-Comté inventory), :mod:`.generic`
(any CSV or JSON list with a column mapping). Then :mod:`.prepare` (mapping, personal data
removal, placing with the gazetteer), :mod:`.dedup` (same place within and across sources),
:mod:`.build` (one workshop per place, missing fields filled visibly) and :mod:`.report`.
:func:`run_import` chains them; nothing is written until the caller writes the result.
"""

from .detect import detect_format
from .pipeline import ALL_FORMATS, ImportResult, run_import
from .report import ImportReport, render

__all__ = ["ALL_FORMATS", "ImportReport", "ImportResult", "detect_format", "render", "run_import"]
