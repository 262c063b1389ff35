"""Lead lifecycle rules (pure, table-driven)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from matcher.errors import Conflict, InvalidInput
from matcher.leads import FINAL, OCCUPYING, LeadStatus, is_expired, next_status


@pytest.mark.parametrize(
    ("current", "action", "reason", "expected"),
    [
        ("new", "take", None, "taken"),
        ("new", "decline", "complet", "declined"),
        ("taken", "decline", "hors_competences", "declined"),
        ("taken", "close_done", None, "done"),
        ("taken", "close_no_help", None, "done_no_help"),
        ("taken", "close_unreachable", None, "unreachable"),
    ],
)
def test_allowed_moves(current, action, reason, expected):
    assert next_status(current, action, reason) == expected


@pytest.mark.parametrize(
    ("current", "action"),
    [
        ("new", "close_done"),  # must be taken first
        ("new", "close_unreachable"),
        ("taken", "take"),
        ("done", "take"),
        ("declined", "take"),
        ("expired", "take"),
        ("done", "decline"),
        ("unreachable", "close_done"),
    ],
)
def test_forbidden_moves_are_conflicts_in_french(current, action):
    with pytest.raises(Conflict) as exc:
        next_status(current, action, "autre")
    assert exc.value.code == "transition_impossible"
    assert "Impossible de passer" in exc.value.message


@pytest.mark.parametrize(
    ("action", "reason", "code"),
    [
        ("decline", None, "raison_manquante"),
        ("decline", "", "raison_manquante"),
        ("decline", "flemme", "raison_inconnue"),
        ("archive", None, "action_inconnue"),
    ],
)
def test_bad_actions_and_reasons(action, reason, code):
    with pytest.raises(InvalidInput) as exc:
        next_status("new", action, reason)
    assert exc.value.code == code


NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "age_days", "expired"),
    [("new", 14, True), ("new", 13.9, False), ("new", 30, True), ("taken", 30, False), ("declined", 30, False)],
)
def test_expiry_after_n_days_only_for_new(status, age_days, expired):
    assert is_expired(status, NOW - timedelta(days=age_days), NOW, 14) is expired


def test_occupying_and_final_partition_the_statuses():
    assert OCCUPYING | FINAL == set(LeadStatus)
    assert not OCCUPYING & FINAL
