"""Every error as French JSON with a stable code: ``{"error": {"code", "message", "details"}}``."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from matcher.errors import (
    AfnError, AmbiguousCommune, Conflict, DataError, Forbidden, InvalidInput, ModelUnavailable, NotFound,
    Unauthorized, UnknownCommune,
)

log = logging.getLogger("afn_match.api")


class ErrorBody(BaseModel):
    code: str = Field(description="Code stable, pour les programmes (ex. : commune_inconnue).")
    message: str = Field(description="Message en français, à afficher tel quel.")
    details: dict[str, Any] = Field(description="Précisions (champs en erreur, suggestions...).")


class ErrorOut(BaseModel):
    """Every error answer: ``{"error": {"code", "message", "details"}}``."""

    error: ErrorBody


STATUS: list[tuple[type[AfnError], int]] = [
    (Unauthorized, 401), (Forbidden, 403), (NotFound, 404), (Conflict, 409),
    (UnknownCommune, 422), (AmbiguousCommune, 422), (InvalidInput, 422),
    (DataError, 503), (ModelUnavailable, 503),
]
HTTP_MESSAGES = {
    404: ("introuvable", "Adresse introuvable."),
    405: ("methode_interdite", "Méthode non autorisée pour cette adresse."),
    413: ("requete_trop_grosse", "Requête trop volumineuse."),
    415: ("type_non_supporte", "Type de contenu non pris en charge : envoyez du JSON."),
}
PYDANTIC_FR = {
    "missing": "champ obligatoire manquant",
    "string_too_short": "texte trop court",
    "string_too_long": "texte trop long",
    "too_short": "liste trop courte",
    "too_long": "liste trop longue",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than": "valeur trop grande",
    "less_than_equal": "valeur trop grande",
    "int_parsing": "nombre entier attendu",
    "int_type": "nombre entier attendu",
    "int_from_float": "nombre entier attendu",
    "float_parsing": "nombre attendu",
    "float_type": "nombre attendu",
    "finite_number": "nombre fini attendu",
    "bool_parsing": "booléen attendu (true ou false)",
    "bool_type": "booléen attendu (true ou false)",
    "string_type": "texte attendu",
    "list_type": "liste attendue",
    "dict_type": "objet JSON attendu",
    "model_type": "objet JSON attendu",
    "model_attributes_type": "objet JSON attendu",
    "extra_forbidden": "champ inconnu",
    "json_invalid": "JSON invalide",
    "literal_error": "valeur non autorisée",
    "enum": "valeur non autorisée",
    "string_pattern_mismatch": "format invalide",
    "string_unicode": "texte Unicode invalide",
    "int_parsing_size": "nombre trop grand",
}


def body(code: str, message: str, details: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def status_of(exc: AfnError) -> int:
    for cls, status in STATUS:
        if isinstance(exc, cls):
            return status
    return 400


def describe(errors: list[dict]) -> tuple[str, list[dict]]:
    """French summary of pydantic errors, and one entry per field."""
    fields = []
    for err in errors[:20]:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header")]
        kind = err.get("type", "")
        msg = PYDANTIC_FR.get(kind)
        if msg is None:  # our own validators already speak French ("Value error, ..."), pydantic does not
            msg = str(err.get("msg")).removeprefix("Value error, ") if kind == "value_error" else "valeur invalide"
        fields.append({"champ": ".".join(loc) or "(corps)", "message": msg})
    first = fields[0] if fields else {"champ": "(corps)", "message": "requête invalide"}
    more = f" (et {len(fields) - 1} autre{'s' if len(fields) > 2 else ''})" if len(fields) > 1 else ""
    return f"Requête invalide : « {first['champ']} » : {first['message']}{more}.", fields


def install(app: FastAPI) -> None:
    @app.exception_handler(AfnError)
    async def _afn(_: Request, exc: AfnError) -> JSONResponse:
        if isinstance(exc, (DataError, ModelUnavailable)):
            log.error("%s: %s", exc.code, exc.message)
        return JSONResponse(body(exc.code, exc.message, exc.details), status_code=status_of(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, fields = describe(list(exc.errors()))
        return JSONResponse(body("requete_invalide", message, {"champs": fields}), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:  # FastAPI could not read the body (not UTF-8...): invalid, like broken JSON
            fields = [{"champ": "(corps)", "message": "JSON invalide"}]
            return JSONResponse(body("requete_invalide", "Requête invalide : corps illisible, envoyez du JSON "
                                     "encodé en UTF-8.", {"champs": fields}), status_code=422)
        code, message = HTTP_MESSAGES.get(exc.status_code, ("erreur_http", "Requête refusée."))
        return JSONResponse(body(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _crash(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error")
        return JSONResponse(body("erreur_interne", "Erreur interne : l'incident est enregistré, réessayez plus tard."),
                            status_code=500)
