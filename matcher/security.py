"""Secrets: API keys and follow-up tokens. Only their SHA-256 is ever stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from enum import StrEnum

KEY_PREFIX = "afnk_"
TOKEN_PREFIX = "afns_"
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[A-Za-z]{2,24}$")
SIRET_RE = re.compile(r"^\d{14}$")


class Role(StrEnum):
    workshop = "workshop"
    adviser = "adviser"
    admin = "admin"


def new_secret(prefix: str) -> str:
    """A random secret with a readable prefix (``afnk_`` keys, ``afns_`` follow-up tokens)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def same(secret: str, stored_digest: str) -> bool:
    return hmac.compare_digest(digest(secret), stored_digest)


def siret_ok(siret: str) -> bool:
    """14 digits with a valid Luhn checksum (La Poste's own SIRET are the documented exception)."""
    if not SIRET_RE.match(siret):
        return False
    if siret.startswith("356000000"):
        return sum(int(c) for c in siret) % 5 == 0
    total = 0
    for i, c in enumerate(reversed(siret)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0
