"""HTTP API (FastAPI): a thin adapter over :class:`matcher.platform.Platform`."""
