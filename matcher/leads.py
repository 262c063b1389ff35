"""Lead lifecycle: statuses, who may move a lead where, decline reasons. Pure, no storage.

``new`` → ``taken`` → ``done`` | ``done_no_help`` | ``unreachable``; ``new`` or ``taken`` →
``declined`` (a reason is mandatory); ``new`` → ``expired`` after ``lead_expiry_days``.
A lead holds one of its workshop's slots while it is ``new`` or ``taken``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from .errors import Conflict, InvalidInput


class LeadStatus(StrEnum):
    new = "new"
    taken = "taken"
    done = "done"
    done_no_help = "done_no_help"
    unreachable = "unreachable"
    declined = "declined"
    expired = "expired"


class Action(StrEnum):
    """What a workshop does to a lead (``PATCH /v1/leads/{id}``)."""

    take = "take"
    decline = "decline"
    close_done = "close_done"
    close_no_help = "close_no_help"
    close_unreachable = "close_unreachable"


class DeclineReason(StrEnum):
    out_of_skills = "hors_competences"
    full = "complet"
    delay = "delai_trop_court"
    too_far = "trop_loin"
    not_eligible = "projet_non_eligible"
    other = "autre"


STATUS_LABELS: dict[str, str] = {
    "new": "Nouvelle",
    "taken": "Prise en charge",
    "done": "Terminée",
    "done_no_help": "Terminée sans suite",
    "unreachable": "Entreprise injoignable",
    "declined": "Refusée",
    "expired": "Expirée",
}

REASON_LABELS: dict[str, str] = {
    "hors_competences": "Hors de nos compétences",
    "complet": "Atelier complet",
    "delai_trop_court": "Délai trop court",
    "trop_loin": "Trop loin",
    "projet_non_eligible": "Projet non éligible",
    "autre": "Autre raison",
}

#: statuses that hold a slot of the workshop's capacity
OCCUPYING = frozenset({LeadStatus.new, LeadStatus.taken})
FINAL = frozenset({LeadStatus.done, LeadStatus.done_no_help, LeadStatus.unreachable,
                   LeadStatus.declined, LeadStatus.expired})

_MOVES: dict[Action, tuple[frozenset[LeadStatus], LeadStatus]] = {
    Action.take: (frozenset({LeadStatus.new}), LeadStatus.taken),
    Action.decline: (frozenset({LeadStatus.new, LeadStatus.taken}), LeadStatus.declined),
    Action.close_done: (frozenset({LeadStatus.taken}), LeadStatus.done),
    Action.close_no_help: (frozenset({LeadStatus.taken}), LeadStatus.done_no_help),
    Action.close_unreachable: (frozenset({LeadStatus.taken}), LeadStatus.unreachable),
}


def next_status(current: str, action: str, reason: str | None = None) -> LeadStatus:
    """The status after ``action``; :class:`Conflict` or :class:`InvalidInput` in French otherwise."""
    try:
        act = Action(action)
    except ValueError:
        raise InvalidInput(
            f"Action inconnue « {action} » : choisissez parmi {', '.join(a.value for a in Action)}.",
            code="action_inconnue",
        ) from None
    status = LeadStatus(current)
    allowed, target = _MOVES[act]
    if status not in allowed:
        raise Conflict(
            f"Impossible de passer une mise en relation « {STATUS_LABELS[status]} » "
            f"à « {STATUS_LABELS[target]} ».",
            code="transition_impossible",
        )
    if act is Action.decline:
        check_reason(reason)
    return target


def check_reason(reason: str | None) -> DeclineReason:
    if not reason:
        raise InvalidInput("Un refus doit être motivé : indiquez une raison.", code="raison_manquante")
    try:
        return DeclineReason(reason)
    except ValueError:
        raise InvalidInput(
            f"Raison de refus inconnue « {reason} » : choisissez parmi "
            f"{', '.join(r.value for r in DeclineReason)}.",
            code="raison_inconnue",
        ) from None


def is_expired(status: str, created_at: datetime, now: datetime, expiry_days: int) -> bool:
    """A lead left ``new`` for ``expiry_days`` days or more expires."""
    return status == LeadStatus.new and now - created_at >= timedelta(days=expiry_days)
