"""Errors a person can read: a stable code for programs, a French message for people."""

from __future__ import annotations


class AfnError(Exception):
    """Base error of afn-match. ``code`` is stable; ``message`` is French and shown as is."""

    code = "erreur"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class InvalidInput(AfnError):
    """The request itself is wrong (empty text, absurd radius...)."""

    code = "entree_invalide"


class UnknownCommune(AfnError):
    """No commune matches; ``details['suggestions']`` lists close names."""

    code = "commune_inconnue"


class AmbiguousCommune(AfnError):
    """Several communes match and none clearly dominates; ``details['candidates']``."""

    code = "commune_ambigue"


class DataError(AfnError):
    """A data file (catalogue, gazetteer, taxonomy) is missing or invalid."""

    code = "donnees_invalides"


class ModelUnavailable(AfnError):
    """The sentence model is not prepared or cannot be loaded."""

    code = "modele_indisponible"


class NotFound(AfnError):
    """The object does not exist, or the caller may not know that it does."""

    code = "introuvable"


class Unauthorized(AfnError):
    """No valid key or follow-up token."""

    code = "non_authentifie"


class Forbidden(AfnError):
    """A valid key, but the wrong role for this action."""

    code = "interdit"


class Conflict(AfnError):
    """The action contradicts the current state (a full workshop, a lead already closed...)."""

    code = "conflit"
