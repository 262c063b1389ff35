"""Secrets and identifiers."""

from __future__ import annotations

import pytest

from matcher.security import KEY_PREFIX, digest, new_secret, same, siret_ok


def test_secrets_are_random_prefixed_and_only_hashes_compare():
    a, b = new_secret(KEY_PREFIX), new_secret(KEY_PREFIX)
    assert a != b and a.startswith(KEY_PREFIX) and len(a) > 40
    assert same(a, digest(a)) and not same(b, digest(a))
    assert len(digest(a)) == 64 and a not in digest(a)


@pytest.mark.parametrize(
    ("siret", "ok"),
    [
        ("73282932000074", True),  # a real published SIRET (Luhn-valid)
        ("73282932000075", False),
        ("7328293200007", False),
        ("7328293200007A", False),
        ("35600000000001", True),  # La Poste: digit sum multiple of 5
        ("35600000000002", False),
    ],
)
def test_siret_checksum(siret, ok):
    assert siret_ok(siret) is ok
