"""What a need says the company **is**, and what the thing is **for**, apart from what it needs.

« Notre menuiserie artisanale cherche une fraiseuse numérique » asks for a CNC router, not for
joinery; « imprimer des boîtiers pour nos capteurs » asks for 3D printing, not for electronics.
These functions blank out (with spaces, keeping every other character in place) the parts of a
need that describe the company or the purpose, so that capabilities are read from the rest.
Pure text rules, no model.
"""

from __future__ import annotations

import re

_F = re.IGNORECASE
_STOP = r"(?=[,.;:!?()]|\s(?:et|qui|depuis|avec|dont|mais)\s|$)"
_VERBS = (r"(?:souhait|cherch|recherch|voudr|aimer|a\s+besoin|ont\s+besoin|avons|aurait|aurions|vient|viennent|"
          r"organis|doit|doiv|veut|veul|propos|lanc|prépar|prepar|démén|demen|fabriqu|produi|vend|conçoi|concoi|"
          r"travaill|a\s+|ont\s+|est\s+|sont\s+|fait|font|réalis|realis|souhaiterai|envisag|compt|pens)")

#: the company: a heading before a colon, « nous sommes … », « notre menuiserie … cherche »,
#: « Coutellerie familiale, nous … »
IDENTITY = [
    re.compile(r"^\s*([^:.!?\n]{3,60}?)\s*:\s*(?=nous\b|je\b|j'|on\b|notre\b|nos\b)", _F),
    re.compile(r"\b(?:nous\s+sommes|je\s+suis|on\s+est|c'est|il\s+s'agit\s+d')\s+([^,.;:!?]{2,80}?)" + _STOP, _F),
    re.compile(r"(?:^|[.!?]\s+|,\s*)(?:notre|nos|mon|ma|mes)\s+([^,.;:!?]{2,60}?)\s+" + _VERBS, _F),
    re.compile(r"(?:^|[.!?]\s+)([^,.;:!?\n]{3,50}),\s*(?=nous\b|on\b|je\b|j')", _F),
]
#: what the thing is for: « pour nos capteurs », « pour la fonte », « destinés à notre vitrine »
PURPOSE = [
    re.compile(r"\b(?:pour|destinée?s?\s+à|destinee?s?\s+a)\s+(?:des|les|le|la|l'|nos|notre|vos|votre|un|une|mes|ses|"
               r"leurs?|ce|cette|ces|du|au|aux)\s*([^,.;:!?]{1,50}?)" + _STOP, _F),
]


def _blank(text: str, patterns: list[re.Pattern[str]]) -> str:
    chars = list(text)
    for pattern in patterns:
        for m in pattern.finditer(text):
            group = m.lastindex or 0
            start, end = m.span(group)
            for i in range(start, end):
                if not chars[i].isspace():
                    chars[i] = " "
    return "".join(chars)


def without_identity(text: str) -> str:
    """``text`` with what it says of the company blanked out."""
    return _blank(text, IDENTITY)


def focus(text: str) -> str:
    """``text`` with the company and the purpose blanked out: what is asked for remains."""
    return _blank(without_identity(text), PURPOSE)
