"""One error shape everywhere: ``{"ok": false, "error": str, "errors": [...], "status": int}``.

Every error the server returns -- a 404 for an unknown path, a 405, a 422 from request
validation, 401/403 from auth, 409/413/429 from the API, a 500 from a bug -- goes through
:func:`install`. API requests (``/api/…``, or a client that does not accept HTML) get the JSON
envelope; browsers get an HTML page carrying the same fields (a 401 redirects to the login page).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

log = logging.getLogger("trueoem.web")


class ErrorBody(BaseModel):
    """The error envelope (documented in the OpenAPI schema of every operation)."""

    ok: bool = False
    error: str
    errors: list[dict[str, Any]] = []
    status: int


class ApiError(Exception):
    """An error with a status, a one-line message and optional details."""

    def __init__(self, status: int, error: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(error)
        self.status, self.error, self.errors = status, error, errors or []


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": desc}
    for code, desc in (
        (400, "Bad request"),
        (401, "Not authenticated"),
        (403, "Not allowed (role or CSRF)"),
        (404, "Not found"),
        (409, "Conflict"),
        (413, "Too large"),
        (422, "Invalid input"),
        (429, "Busy"),
        (500, "Server error"),
    )
}


def envelope(status: int, error: str, errors: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The error envelope as a dict."""
    return {"ok": False, "error": error, "errors": errors or [], "status": status}


def _wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path == "/openapi.json":
        return True
    accept = request.headers.get("accept", "")
    return "text/html" not in accept or "application/json" in accept.split(",")[0]


def _jsonable(errors: list[Any]) -> list[dict[str, Any]]:
    out = []
    for e in errors:
        d = dict(e) if isinstance(e, dict) else {"msg": str(e)}
        out.append(
            {
                "loc": [str(x) for x in d.get("loc", ())],
                "msg": str(d.get("msg", "")),
                "type": str(d.get("type", "")),
            }
        )
    return out


def _allowed(request: Request) -> list[str]:
    """Every method some route serves at this path (Starlette names only the first route's)."""
    methods: set[str] = set()
    for route in request.app.router.routes:
        match, _ = route.matches({**request.scope, "method": "GET"})
        if match != Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods)


HtmlRenderer = Callable[[Request, int, str, list[dict[str, Any]]], Response]


def install(app: FastAPI, html: HtmlRenderer) -> None:
    """Register the handlers that turn every error into the envelope (or its HTML page)."""

    def respond(
        request: Request, status: int, error: str, errors: list[dict[str, Any]], headers: dict[str, str] | None = None
    ) -> Response:
        if _wants_json(request):
            h = dict(headers or {})
            if status == 401:
                h["WWW-Authenticate"] = "Bearer"
            return JSONResponse(envelope(status, error, errors), status_code=status, headers=h)
        if status == 401:
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
        return html(request, status, error, errors)

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> Response:
        return respond(request, exc.status, exc.error, exc.errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        msg = exc.detail if isinstance(exc.detail, str) else "error"
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed(request))
        return respond(request, exc.status_code, msg, [], headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errs = _jsonable(list(exc.errors()))
        loc: list[str] = list(errs[0]["loc"]) if errs else []
        msg = str(errs[0]["msg"]) if errs else "invalid request"
        where = ".".join(loc[1:] if len(loc) > 1 else loc)
        return respond(request, 422, f"invalid input: {where}: {msg}" if where else msg, errs)

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(request, 500, "internal server error", [])
