"""Request-scoped pieces shared by the API and the UI: the app context, who is asking, CSRF checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request

from trueoem.match.engine import CompiledKB
from trueoem.store import Store
from trueoem.web import auth
from trueoem.web.errors import ApiError
from trueoem.web.queries import ModelCache
from trueoem.web.scans import ScanManager

ANONYMOUS = auth.Principal(None, "anonymous", "admin", "anonymous")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: A header a browser cannot send cross-origin without a CORS preflight (which is never granted).
CLIENT_HEADER = "X-Requested-By"


@dataclass
class Context:
    """What every request handler needs: the store, the KB, caches, scans and settings."""

    store: Store
    ckb: CompiledKB
    models: ModelCache
    scans: ScanManager
    secret: bytes
    auth: bool
    allowed_networks: list[str] | None
    max_upload: int


def ctx(request: Request) -> Context:
    """The app's context."""
    c: Context = request.app.state.ctx
    return c


def csrf_seed(request: Request) -> str:
    """This browser's CSRF cookie value (set by the middleware when missing)."""
    return str(getattr(request.state, "csrf_seed", "") or request.cookies.get(auth.CSRF_COOKIE, ""))


def csrf_for(request: Request) -> str:
    """The CSRF token to put in this browser's forms."""
    return auth.csrf_token(ctx(request).secret, csrf_seed(request))


def find_principal(request: Request) -> auth.Principal | None:
    """Who is asking: a bearer token, else a session cookie, else (``--no-auth``) anonymous."""
    c = ctx(request)
    if not c.auth:
        return ANONYMOUS
    header = request.headers.get("authorization", "")
    if header[:7].lower() == "bearer ":
        p = auth.token_principal(c.store, header[7:].strip())
        if p is None:
            raise ApiError(401, "invalid or revoked API token")
        return p
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    return auth.session_principal(c.store, cookie) if cookie else None


async def check_csrf(request: Request, p: auth.Principal) -> None:
    """Refuse a state-changing browser request without the CSRF token (bearer tokens need none)."""
    if request.method not in UNSAFE or p.via == "token":
        return
    c = ctx(request)
    seed = request.cookies.get(auth.CSRF_COOKIE)
    sent = request.headers.get(auth.CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(auth.CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if auth.csrf_ok(c.secret, seed, sent):
        return
    if p.via == "anonymous" and seed is None and request.headers.get(CLIENT_HEADER):
        return  # a script under --no-auth on loopback, not a browser form
    raise ApiError(403, "CSRF token missing or wrong: reload the page and try again")


def require(role: str) -> Callable[[Request], Awaitable[auth.Principal]]:
    """A dependency: the principal, who must have ``role`` (and the CSRF token on unsafe requests)."""

    async def dep(request: Request) -> auth.Principal:
        p = find_principal(request)
        if p is None:
            raise ApiError(401, "log in or send an API token (Authorization: Bearer …)")
        if not p.may(role):
            raise ApiError(403, f"this needs the {role} role (you are {p.role})")
        await check_csrf(request, p)
        request.state.principal = p
        return p

    return dep


viewer = require("viewer")
operator = require("operator")
admin = require("admin")
