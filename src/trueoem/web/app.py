"""The web application: ``create_app`` builds it, ``serve`` runs it under uvicorn (``trueoem serve``).

Security posture: every page is rendered by Jinja2 with autoescape and served under a strict
Content-Security-Policy (scripts only from ``/static``, no inline script or style, no external
origin), so a device string can neither run nor restyle anything. Anonymous access (``auth=False``)
is refused on anything but a loopback address, and then only for requests whose ``Host`` is a
loopback name (no DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from trueoem import __version__
from trueoem.kb.compiled import load_compiled
from trueoem.match.engine import CompiledKB
from trueoem.store import Store
from trueoem.web import auth
from trueoem.web.deps import Context
from trueoem.web.errors import envelope, install
from trueoem.web.queries import ModelCache
from trueoem.web.scans import ScanManager

STATIC = Path(__file__).parent / "static"
MAX_UPLOAD = 50 * 1024 * 1024
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_LOOPBACK_NAMES = ("localhost", "localhost.")


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is a loopback address."""
    h = host.strip().strip("[]").lower()
    if h in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def _host_only(value: str) -> str:
    if value.startswith("["):
        return value[1:].split("]", 1)[0]
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def create_app(
    store_url: str | None = None,
    *,
    auth: bool = True,
    secret: bytes | None = None,
    allowed_networks: Sequence[str] | None = None,
    max_scans: int = 2,
    max_upload: int = MAX_UPLOAD,
    kb_overlays: Sequence[Path] = (),
    ckb: CompiledKB | None = None,
) -> FastAPI:
    """The FastAPI app over the store at ``store_url`` (None: the default SQLite file).

        ``auth=False`` serves everyone as an anonymous admin (only ever bind it to loopback: see
        :func:`check_bind`). ``secret`` signs CSRF tokens (random per process by default).
        ``allowed_networks`` limits what scans may target (e.g. ``["127.0.0.0/8"]`` in tests; host
        names are then refused). ``ckb`` reuses an already compiled KB (else the packaged KB plus
    ``kb_overlays``). Opening migrates the store to head (auth tables included).
    """
    store = Store.open(store_url)
    ckb = ckb or load_compiled(list(kb_overlays))
    context = Context(
        store=store,
        ckb=ckb,
        models=ModelCache(store),
        scans=ScanManager(store, ckb, max_scans),
        secret=secret or secrets.token_bytes(32),
        auth=auth,
        allowed_networks=list(allowed_networks) if allowed_networks is not None else None,
        max_upload=max_upload,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        context.scans.shutdown()

    app = FastAPI(
        title="trueoem",
        version=__version__,
        description="Find covered (NDAA s.889 / FCC Covered List) equipment, white-labelled or not, with evidence.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = context
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    from trueoem.web import api, ui

    app.include_router(api.router)
    app.include_router(ui.router)
    install(app, ui.error_page)
    app.middleware("http")(_middleware(context))
    return app


def _middleware(c: Context) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    async def security(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not c.auth and not is_loopback(_host_only(request.headers.get("host", ""))):
            from fastapi.responses import JSONResponse

            msg = "this server runs without authentication and answers only to a loopback Host"
            return JSONResponse(envelope(403, msg), status_code=403)
        seed = request.cookies.get(auth.CSRF_COOKIE)
        new_seed = None
        if not seed:
            new_seed = secrets.token_urlsafe(24)
            request.state.csrf_seed = new_seed
        response = await call_next(request)
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "no-referrer")
        h.setdefault("Cache-Control", "no-store")
        if new_seed:
            secure = request.url.scheme == "https"
            response.set_cookie(auth.CSRF_COOKIE, new_seed, httponly=True, samesite="strict", secure=secure)
        return response

    return security


def check_bind(host: str, auth_enabled: bool) -> None:
    """Refuse ``--no-auth`` on anything but a loopback address (raises ValueError)."""
    if not auth_enabled and not is_loopback(host):
        raise ValueError(f"--no-auth serves everyone as admin: bind it to a loopback address, not {host!r}")


def serve(host: str = "127.0.0.1", port: int = 8000, store_url: str | None = None, *, auth: bool = True) -> None:
    """Run the server (the ``trueoem serve`` command). Raises ValueError for ``--no-auth`` off loopback."""
    import uvicorn

    check_bind(host, auth)
    app = create_app(store_url, auth=auth)
    if auth and not auth_users(app):
        print("trueoem: no users yet: create the first admin with 'trueoem user add NAME --role admin'")
    uvicorn.run(app, host=host, port=port, proxy_headers=False, server_header=False, log_level="info")


def auth_users(app: FastAPI) -> int:
    """How many users the app's store has."""
    c: Context = app.state.ctx
    return auth.count_users(c.store)
