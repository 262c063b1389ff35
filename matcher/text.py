"""French text normalisation shared by the lexical matcher, the taxonomy and the gazetteer-free parts."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_APOS = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "«": " ", "»": " ", "œ": "oe", "Œ": "oe", "æ": "ae"})
_NON_WORD = re.compile(r"[^a-z0-9+]+")
_ELISION = re.compile(r"\b(?:l|d|j|qu|n|s|c|m|t|jusqu|lorsqu|puisqu)'")

# French stop words (short list: articles, pronouns, auxiliaries, frequent request words).
STOPWORDS_FR = frozenset(
    """a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui
    ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te
    tes toi ton tu un une vos votre vous c d j l m n s t y ete etre avoir ai as avons avez ont est sont
    suis etes etait sera serait faire fait faut peut pouvez pourriez voudrais voudrions souhaite
    souhaitons cherche cherchons besoin bonjour merci svp possible quelqu quelque tres plus aussi comme
    dont donc alors car si tout tous toute toutes cela ca ceci nos chez entre sans sous vers afin
    voudrions voulons voudrait aimerions souhaiterions cherchons recherche recherchons aider aide""".split()
)


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower-case, accents removed, elisions split, punctuation to spaces, single spaces."""
    t = strip_accents(text.translate(_APOS).lower())
    t = _ELISION.sub(" ", t)
    return " ".join(_NON_WORD.sub(" ", t).split())


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light French stemmer: plural, verb ending -ons and a few frequent suffixes."""
    w = word
    if len(w) <= 4:
        return w
    if w.endswith("aux"):
        return w[:-3] + "al"
    if w.endswith("ons") and not w.endswith("ions"):
        w = w[:-3]
    elif w.endswith(("s", "x")):
        w = w[:-1]
    for suffix in ("ation", "ement", "euse", "eur", "ee", "er", "ez", "e"):
        if len(w) - len(suffix) >= 4 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def tokens(text: str, *, stemmed: bool = True, drop_stopwords: bool = True) -> list[str]:
    """Normalised tokens of ``text`` (single letters dropped except digits and '3d'-like forms)."""
    out = []
    for tok in normalize(text).split():
        if drop_stopwords and tok in STOPWORDS_FR:
            continue
        if len(tok) < 2 and not tok.isdigit():
            continue
        out.append(stem(tok) if stemmed else tok)
    return out


@lru_cache(maxsize=4096)
def query_tokens(text: str) -> tuple[str, ...]:
    """:func:`tokens` of a need, cached: the capability inference and BM25 both tokenise it."""
    return tuple(tokens(text))


def fr_number(x: float, digits: int = 1) -> str:
    """A number as French readers write it: decimal comma, no useless zeros (3,6 ; 40)."""
    return f"{round(x, digits):g}".replace(".", ",")
