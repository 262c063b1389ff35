"""Cleaning on the way in: personal data out, texts tidied, websites normalised.

Personal data is dropped, never stored: e-mail addresses, phone numbers, and person names
introduced by a civility or a contact word ("M. Dupont", "contact : Jeanne Martin",
"demandez Paul") are removed from free texts; columns that hold personal data
(:data:`PERSONAL_COLUMNS`) are never read. Organisation websites are kept (links to
``mailto:``/``tel:`` are not websites and are dropped).
"""

from __future__ import annotations

import re
from collections import Counter
from urllib.parse import urlsplit

#: Column names (normalised: lower case, no accents) that hold personal data.
PERSONAL_COLUMNS = re.compile(
    r"e-?mail|courriel|\bmail\b|t[ée]l[ée]phone|\btel\b|\bphone\b|portable|mobile|\bfax\b|"
    r"contact|responsable|r[ée]f[ée]rent|pr[ée]nom|first_?name|last_?name|\bnom_(?:du_)?contact|"
    r"\bpersonne\b|g[ée]rant|directeur|directrice|president|pr[ée]sident",
    re.IGNORECASE,
)

EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,190}\.[A-Za-z]{2,24}\b")
#: French numbers (0X XX XX XX XX with spaces, dots or dashes; +33 / 0033 forms) and other
#: international numbers written with a leading "+".
PHONE = re.compile(
    r"(?<![\w/.])(?:(?:\+|00)\s?33\s?(?:\(0\)\s?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)"
    r"|(?<![\w/])\+\d{1,3}(?:[\s.\-]?\(?\d{1,4}\)?){2,5}(?!\d)"
)
PLACEHOLDER = re.compile(r"\[(?:courriel|e-?mail|t[ée]l[ée]phone|num[ée]ro) retir[ée]\]", re.IGNORECASE)
_NAME = r"[A-ZÉÈÀÂÎÔÛÇ][a-zéèêëàâîïôöûüç'\-]+"
_SURNAME = r"(?:[A-ZÉÈÀÂÎÔÛÇ][A-Za-zéèêëàâîïôöûüç'\-]+|[A-Z]{2,})"
#: "M. Dupont", "Mme Jeanne Martin", "Monsieur Paul Durand"
CIVILITY_NAME = re.compile(
    rf"\b(?:M\.|Mr\.?|Mme|Mlle|Monsieur|Madame|Mademoiselle|Dr\.?)\s+(?:{_NAME}\s+)?{_SURNAME}(?:\s+{_SURNAME})?"
)
#: "contact : Jeanne Martin", "contacter Paul Durand", "demandez Paul", "responsable : Anne Petit"
CONTACT_NAME = re.compile(
    rf"\b(?:[Cc]ontact(?:ez|er)?|[Dd]emandez|[Rr]esponsable|[Rr][ée]f[ée]rente?|[Aa]nim[ée]e? par|"
    rf"[Ff]ab-?manager)\s*:?\s+(?!Nous\b|Vous\b){_NAME}(?:\s+{_SURNAME})?"
)
_SPACES = re.compile(r"[ \t\u00a0]+")
_EMPTY_PUNCT = re.compile(r"(?:\(\s*\)|\[\s*\]|:\s*(?=[.;,]|$))")


def scrub(text: str, counts: Counter[str] | None = None) -> str:
    """The text without e-mails, phones and person names; ``counts`` tallies what was removed."""
    if not text:
        return ""
    counts = counts if counts is not None else Counter()
    for label, pattern, repl in (
        ("courriels", EMAIL, ""),
        ("courriels", PLACEHOLDER, ""),
        ("téléphones", PHONE, ""),
        ("noms de personnes", CIVILITY_NAME, ""),
        ("noms de personnes", CONTACT_NAME, ""),
    ):
        text, n = pattern.subn(repl, text)
        if n:
            counts[label] += n
    return tidy(_EMPTY_PUNCT.sub("", text))


def tidy(text: str) -> str:
    """One space between words, paragraphs kept (one blank line at most), no stray spaces."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    text = "\n".join(out).strip()
    text = re.sub(r"\s+([,.])(?=\s|$)", r"\1", text)
    text = re.sub(r"([,;:])\1+", r"\1", text)
    return text


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at the end of a sentence (or a word) when possible."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "), cut.rfind("\n"))
    if end >= limit // 2:
        return cut[: end + 1].rstrip()
    space = cut.rfind(" ")
    return (cut[:space] if space > 0 else cut).rstrip(" ,;:") + "…"


# --- websites -----------------------------------------------------------------------------

SOCIAL_HOSTS = ("facebook.com", "fb.com", "fb.me", "twitter.com", "x.com", "instagram.com", "linkedin.com",
                "youtube.com", "vimeo.com", "plus.google.com", "framapiaf.org", "tumblr.com", "flickr.com",
                "github.com", "netvibes.com", "urbidesk.com")
SHORTENERS = ("bit.ly", "cutt.ly", "goo.gl", "tinyurl.com", "ow.ly")
#: Hosts shared by many sites (blogs, free hosting, institutions): the path tells sites apart.
SHARED_HOSTS = SOCIAL_HOSTS + SHORTENERS + (
    "wordpress.com", "wix.com", "wixsite.com", "e-monsite.com", "jimdo.com", "jimdofree.com", "jimdosite.com",
    "blogspot.com", "blogspot.fr", "over-blog.com", "free.fr", "github.io", "sites.google.com", "google.com",
    "webnode.fr", "canalblog.com", "hautetfort.com", "eklablog.com", "fr.fr")


def website(raw: str) -> str:
    """An organisation website as ``http(s)://...``, or ``""`` for what is not one."""
    url = (raw or "").strip().strip("<>\"'")
    if not url or " " in url or url.lower().startswith(("mailto:", "tel:")) or EMAIL.fullmatch(url):
        return ""
    if url.startswith("@"):  # a social handle, not a website
        return ""
    if not re.match(r"^https?://", url, re.IGNORECASE):
        url = "http://" + url.lstrip("/")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if "." not in host or "@" in parts.netloc:
        return ""
    return url


def _on(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def is_social(url: str) -> bool:
    return _on((urlsplit(url).hostname or "").lower(), SOCIAL_HOSTS)


def site_key(url: str) -> str:
    """What identifies a website: host without ``www.`` and path without trailing slash, lower
    case (``""`` for a social network's or a shortener's home page, which identifies nothing)."""
    if not url:
        return ""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = parts.path.rstrip("/").lower()
    for index in ("/index.html", "/index.php", "/accueil", "/home", "/#!"):
        path = path.removesuffix(index)
    if _on(host, SOCIAL_HOSTS + SHORTENERS) and not path:
        return ""
    return host + path


def registered_domain(host: str) -> str:
    return ".".join(host.split(".")[-2:])


def same_site(a: str, b: str) -> bool:
    """Whether two site keys (:func:`site_key`) are one organisation's website.

    Equal keys; or, on the organisation's own domain (not a shared host), the same host or
    the domain and one of its subdomains (``pingbase.net``, ``fablab.pingbase.net``), with one
    path inside the other (``graoulab.org``, ``graoulab.org/wiki``; but not two pages
    ``/pij-de-quetigny`` and ``/pij-de-chevigny``)."""
    if not a or not b:
        return False
    if a == b:
        return True
    ha, _, pa = a.partition("/")
    hb, _, pb = b.partition("/")
    if _on(ha, SHARED_HOSTS) or _on(hb, SHARED_HOSTS) or registered_domain(ha) != registered_domain(hb):
        return False
    domain = registered_domain(ha)
    if ha != hb and domain not in (ha, hb):
        return False
    pa, pb = pa.strip("/"), pb.strip("/")
    return not pa or not pb or pa == pb or pa.startswith(pb + "/") or pb.startswith(pa + "/")


def best_website(urls: list[str]) -> str:
    """The first organisation website, preferring one that is not a social network page."""
    clean = [u for u in (website(x) for x in urls) if u]
    own = [u for u in clean if not is_social(u)]
    return (own or clean or [""])[0]
