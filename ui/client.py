"""The UI's only door to afn-match: the HTTP API (httpx). No business logic here."""

from __future__ import annotations

from typing import Any

import httpx

TIMEOUT = httpx.Timeout(30.0, read=600.0)  # a long shortlist can take minutes


class ApiError(Exception):
    """An API error, with its French message and stable code, ready to show."""

    def __init__(self, message: str, code: str = "erreur", status: int = 0, details: dict | None = None):
        super().__init__(message)
        self.message, self.code, self.status, self.details = message, code, status, details or {}


class ApiClient:
    def __init__(self, base_url: str, key: str | None = None, transport: httpx.BaseTransport | None = None):
        self.base_url = base_url.rstrip("/")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=TIMEOUT, transport=transport)

    def close(self) -> None:
        self._http.close()

    def with_key(self, key: str | None) -> ApiClient:
        return ApiClient(self.base_url, key, self._http._transport)

    # --- plumbing ------------------------------------------------------------------------
    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        try:
            r = self._http.request(method, path, **kw)
        except httpx.TimeoutException:
            raise ApiError("Le service met trop de temps à répondre : réessayez dans un instant.",
                           "delai_depasse") from None
        except httpx.TransportError:
            raise ApiError(f"Le service afn-match ne répond pas ({self.base_url}). "
                           "Vérifiez qu'il est démarré (make run).", "api_injoignable") from None
        if r.status_code >= 400:
            try:
                err = r.json()["error"]
                raise ApiError(err["message"], err.get("code", "erreur"), r.status_code, err.get("details"))
            except (ValueError, KeyError, TypeError):
                raise ApiError(f"Réponse inattendue du service (HTTP {r.status_code}).", "erreur_http",
                               r.status_code) from None
        return r

    def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v is not None}
        return self.request("GET", path, params=clean).json()

    def post(self, path: str, body: Any, **kw: Any) -> Any:
        return self.request("POST", path, json=body, **kw).json()

    def patch(self, path: str, body: Any) -> Any:
        return self.request("PATCH", path, json=body).json()

    # --- endpoints -------------------------------------------------------------------------
    def health(self) -> dict:
        return self.get("/healthz")

    def taxonomy(self) -> dict:
        return self.get("/v1/taxonomy")

    def communes(self, q: str, limit: int = 8) -> list[dict]:
        return self.get("/v1/communes", q=q, limit=limit)

    def match(self, text: str, commune: str, radius_km: float, top_k: int = 10,
              only_with_capacity: bool = False) -> dict:
        return self.post("/v1/match", {"text": text, "commune": commune, "radius_km": radius_km, "top_k": top_k,
                                       "only_with_capacity": only_with_capacity})

    def create_need(self, text: str, commune: str, radius_km: float, contact_email: str, siret: str | None = None,
                    top_k: int = 10, only_with_capacity: bool = False) -> dict:
        return self.post("/v1/needs", {"text": text, "commune": commune, "radius_km": radius_km, "top_k": top_k,
                                       "only_with_capacity": only_with_capacity, "contact_email": contact_email,
                                       "siret": siret or None})

    def send_leads(self, need_id: str, token: str, workshop_ids: list[str]) -> list[dict]:
        return self.post(f"/v1/needs/{need_id}/leads", {"workshop_ids": workshop_ids},
                         headers={"X-Follow-Token": token})

    def need(self, need_id: str, token: str) -> dict:
        return self.request("GET", f"/v1/needs/{need_id}", headers={"X-Follow-Token": token}).json()

    def workshops(self, **filters: Any) -> dict:
        return self.get("/v1/workshops", **filters)

    def workshop(self, workshop_id: str) -> dict:
        return self.get(f"/v1/workshops/{workshop_id}")

    def my_workshop(self) -> dict:
        return self.get("/v1/workshops/me")

    def update_my_workshop(self, changes: dict) -> dict:
        return self.patch("/v1/workshops/me", changes)

    def my_leads(self, status: str | None = None) -> list[dict]:
        return self.get("/v1/leads", status=status)

    def act(self, lead_id: str, action: str, reason: str | None = None, comment: str | None = None) -> dict:
        return self.patch(f"/v1/leads/{lead_id}", {"action": action, "reason": reason, "comment": comment})

    def create_shortlist(self, needs: list[dict], k: int = 3, only_with_capacity: bool = True,
                         send_leads: bool = False) -> dict:
        return self.post("/v1/shortlists", {"needs": needs, "k": k, "only_with_capacity": only_with_capacity,
                                            "send_leads": send_leads})

    def shortlist(self, shortlist_id: str) -> dict:
        return self.get(f"/v1/shortlists/{shortlist_id}")

    def shortlist_file(self, shortlist_id: str, fmt: str) -> bytes:
        return self.request("GET", f"/v1/shortlists/{shortlist_id}.{fmt}").content

    def adviser_leads(self) -> list[dict]:
        return self.get("/v1/adviser/leads")

    def stats(self) -> dict:
        return self.get("/v1/stats")

    def quality(self) -> dict:
        return self.get("/v1/quality")

    def quality_plot(self, split: str, name: str) -> bytes:
        return self.request("GET", f"/v1/quality/{split}/{name}").content
