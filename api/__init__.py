"""HTTP API (FastAPI) — thin adapter over :class:`matcher.service.MatchService` (à venir, ticket 4)."""
