"""HTML pages (Jinja2, autoescape on) with HTMX for partial updates; the same functions as the API.

Stable hooks for browser tests: ``#login-form``, ``#scan-form``, ``#scan-progress``,
``[data-testid=asset-row]``, ``#evidence-table``, ``[data-testid=report-<fmt>]`` and others named
in ``docs/web.md``.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from trueoem import __version__
from trueoem.web import auth, queries
from trueoem.web.deps import csrf_for, ctx, find_principal, operator, viewer
from trueoem.web.errors import ApiError

TEMPLATES = Path(__file__).parent / "templates"
router = APIRouter(include_in_schema=False)
Viewer = Annotated[auth.Principal, Depends(viewer)]
Operator = Annotated[auth.Principal, Depends(operator)]


def bar_chart(items: list[tuple[str, int]] | list[list[Any]], width: int = 420) -> dict[str, Any]:
    """Rows of an SVG bar chart: label, value and bar width (no inline style: CSP-safe)."""
    top = max((int(v) for _, v in items), default=0) or 1
    rows = [{"label": str(k), "value": int(v), "w": max(1, round(int(v) * (width - 200) / top))} for k, v in items]
    return {"rows": rows, "height": 22 * len(rows) + 4, "width": width}


def trend_chart(trend: list[dict[str, Any]], height: int = 140) -> dict[str, Any]:
    """Stacked columns per scan: covered, likely covered, other."""
    cols = []
    top = max((t["covered"] + t["likely_covered"] + t["not_covered"] + t["unknown"] for t in trend), default=0) or 1
    for i, t in enumerate(trend[-30:]):
        other = t["not_covered"] + t["unknown"]
        hc = round(t["covered"] * height / top)
        hl = round(t["likely_covered"] * height / top)
        ho = round(other * height / top)
        cols.append({"x": 10 + i * 22, "scan": t["scan_id"], "hc": hc, "hl": hl, "ho": ho, "t": t, "base": height})
    return {"cols": cols, "height": height + 20, "width": max(200, 20 + 22 * len(cols))}


@cache
def environment() -> Environment:
    """The UI's Jinja2 environment (autoescape on for every template)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True, default_for_string=True)
    )
    env.globals.update(version=__version__, bar_chart=bar_chart, trend_chart=trend_chart, urlencode=urlencode)
    return env


def page(request: Request, name: str, status: int = 200, **values: Any) -> HTMLResponse:
    """Render template ``name`` with the common values (user, CSRF token, nav)."""
    try:
        user = getattr(request.state, "principal", None) or find_principal(request)
    except ApiError:
        user = None
    html = (
        environment()
        .get_template(name)
        .render(request=request, user=user, csrf=csrf_for(request), auth_enabled=ctx(request).auth, **values)
    )
    return HTMLResponse(html, status_code=status)


def error_page(request: Request, status: int, error: str, errors: list[dict[str, Any]]) -> Response:
    """The HTML form of the error envelope."""
    return page(request, "error.html.j2", status=status, status_code=status, error=error, errors=errors)


@router.get("/login")
def login_form(request: Request, next: Annotated[str, Query(max_length=500)] = "/") -> Response:
    return page(request, "login.html.j2", next=_safe_next(next), failed=False)


def _safe_next(target: str) -> str:
    """Only same-site paths (no ``//host`` or scheme): an open redirect otherwise."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@router.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    c = ctx(request)
    if not auth.csrf_ok(c.secret, request.cookies.get(auth.CSRF_COOKIE), csrf_token):
        raise ApiError(403, "CSRF token missing or wrong: reload the page and try again")
    p = auth.verify(c.store, username, password)
    if p is None or p.id is None:
        return page(request, "login.html.j2", status=401, next=_safe_next(next), failed=True)
    token = auth.new_session(c.store, p.id)
    r = RedirectResponse(_safe_next(next), status_code=303)
    r.set_cookie(
        auth.SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(auth.SESSION_TTL.total_seconds()),
    )
    return r


@router.post("/logout")
async def logout(request: Request, _p: Viewer) -> Response:
    cookie = request.cookies.get(auth.SESSION_COOKIE)
    if cookie:
        auth.end_session(ctx(request).store, cookie)
    r = RedirectResponse("/login", status_code=303)
    r.delete_cookie(auth.SESSION_COOKIE)
    return r


@router.get("/")
def home(request: Request, _p: Viewer) -> Response:
    c = ctx(request)
    model = c.models.get()
    return page(request, "dashboard.html.j2", d=queries.dashboard(model, c.store), flagged=model.flagged[:20])


@router.get("/assets")
def asset_list(
    request: Request,
    _p: Viewer,
    verdict: Annotated[str, Query(max_length=20)] = "",
    oem: Annotated[str, Query(max_length=200)] = "",
    brand: Annotated[str, Query(max_length=200)] = "",
    site: Annotated[str, Query(max_length=200)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
    offset: Annotated[int, Query(ge=0)] = 0,
) -> Response:
    f = queries.AssetFilter(verdict or None, oem or None, brand or None, site or None, q or None)
    found = queries.filter_assets(ctx(request).models.get(), f)
    values: dict[str, Any] = {"f": f, "rows": found[offset : offset + 200], "total": len(found), "offset": offset}
    name = "_asset_rows.html.j2" if request.headers.get("hx-request") else "assets.html.j2"
    return page(request, name, **values)


@router.get("/assets/{asset_id}")
def asset_page(request: Request, _p: Viewer, asset_id: int) -> Response:
    try:
        d = queries.asset_detail(ctx(request).store, asset_id)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return page(request, "asset.html.j2", d=d, a=d["report"])


@router.get("/scans")
def scans_page(request: Request, _p: Viewer) -> Response:
    c = ctx(request)
    return page(request, "scans.html.j2", scans=c.store.scans(), jobs=c.scans.jobs, error=None, form={})


@router.post("/scans")
async def scan_start(
    request: Request,
    p: Operator,
    targets: Annotated[str, Form(max_length=20000)],
    exclude: Annotated[str, Form(max_length=20000)] = "",
    ports: Annotated[str, Form(max_length=2000)] = "default",
    max_rate: Annotated[float, Form(gt=0, le=100000)] = 200.0,
) -> Response:
    from trueoem.web.api import ScanRequest, start_scan

    c = ctx(request)
    form: dict[str, Any] = {"targets": targets, "exclude": exclude, "ports": ports, "max_rate": max_rate}
    try:
        body = ScanRequest(targets=targets.split() or [""], exclude=exclude.split(), ports=ports, max_rate=max_rate)
        out = start_scan(request, body)
    except (ApiError, ValueError) as exc:
        msg = exc.error if isinstance(exc, ApiError) else "check the targets, ports and rate"
        return page(
            request, "scans.html.j2", status=422, scans=c.store.scans(), jobs=c.scans.jobs, error=msg, form=form
        )
    return RedirectResponse(f"/scans/{out.id}", status_code=303)


@router.get("/scans/{scan_id}")
def scan_page(request: Request, _p: Viewer, scan_id: int) -> Response:
    from trueoem.web.api import scan_out

    s = scan_out(request, scan_id)
    found = list(queries.filter_assets(ctx(request).models.get(), queries.AssetFilter()))
    seen = {a.asset_id for a in found} & {x.id for x in ctx(request).store.iter_assets(scan_id=scan_id)}
    rows = [a for a in found if a.asset_id in seen][:500]
    others = [x for x in ctx(request).store.scans() if x.id != scan_id]
    return page(request, "scan.html.j2", s=s, rows=rows, others=others)


@router.get("/scans/{scan_id}/progress")
def scan_progress(request: Request, _p: Viewer, scan_id: int) -> Response:
    from trueoem.web.api import scan_out

    s = scan_out(request, scan_id)
    resp = page(request, "_progress.html.j2", s=s)
    if request.headers.get("hx-request") and s.status in ("done", "interrupted", "failed"):
        resp.headers["HX-Refresh"] = "true"  # the whole page (finished time, counts, assets) is now stale
    return resp


@router.post("/scans/{scan_id}/cancel")
async def scan_cancel(request: Request, _p: Operator, scan_id: int) -> Response:
    job = ctx(request).scans.get(scan_id)
    if job is None:
        raise ApiError(409, f"scan {scan_id} is not running in this server")
    job.cancel()
    if request.headers.get("hx-request"):
        from trueoem.web.api import scan_out

        return page(request, "_progress.html.j2", s=scan_out(request, scan_id))
    return RedirectResponse(f"/scans/{scan_id}", status_code=303)


@router.get("/diff")
def diff_page(
    request: Request, _p: Viewer, old: Annotated[int, Query(ge=1)], new: Annotated[int, Query(ge=1)]
) -> Response:
    try:
        d = queries.diff_scans(ctx(request).store, old, new)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return page(request, "diff.html.j2", d=d)


@router.get("/catalog")
def catalog_form(request: Request, _p: Operator) -> Response:
    return page(request, "catalog.html.j2", result=None, error=None)


@router.post("/catalog")
async def catalog_upload(
    request: Request,
    _p: Operator,
    file: Annotated[UploadFile, File()],
    save: Annotated[bool, Form()] = False,
) -> Response:
    from trueoem.web.screening import screen_upload

    try:
        result = await screen_upload(ctx(request), file, save)
    except ApiError as exc:
        if exc.status == 403:
            raise
        return page(request, "catalog.html.j2", status=exc.status, result=None, error=exc.error)
    return page(request, "catalog.html.j2", result=result, error=None)


@router.get("/kb")
def kb_page(
    request: Request,
    _p: Viewer,
    section: Annotated[str, Query(max_length=20)] = "entities",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    try:
        rows = queries.kb_items(ctx(request).ckb, section, q or None)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return page(
        request,
        "kb.html.j2",
        section=section,
        q=q,
        rows=rows,
        sections=queries.KB_KINDS,
        version=ctx(request).ckb.kb.version,
    )


@router.get("/kb/entities/{entity_id}")
def kb_entity_page(request: Request, _p: Viewer, entity_id: str) -> Response:
    try:
        e = queries.kb_entity(ctx(request).ckb, entity_id)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return page(request, "kb_entity.html.j2", e=e)


@router.get("/reports/{fmt}")
def report_download(
    request: Request, _p: Viewer, fmt: str, scan_id: Annotated[int | None, Query(ge=1)] = None
) -> Response:
    from trueoem.web.api import REPORT_TYPES, render_report

    if fmt not in REPORT_TYPES:
        raise ApiError(404, f"no report format {fmt!r}")
    return render_report(request, fmt, scan_id)


@router.get("/account")
def account(request: Request, p: Viewer) -> Response:
    store = ctx(request).store
    return page(request, "account.html.j2", tokens=auth.list_tokens(store, p.username), new=None)


@router.post("/account/tokens")
async def account_token(request: Request, p: Viewer, name: Annotated[str, Form(max_length=200)] = "api") -> Response:
    store = ctx(request).store
    if p.id is None:
        raise ApiError(409, "the anonymous --no-auth user has no API tokens")
    new = auth.new_token(store, p.username, name or "api")
    return page(request, "account.html.j2", tokens=auth.list_tokens(store, p.username), new=new)
