"""The REST API under ``/api/v1``: the same functions as the UI, JSON in and out.

Authentication: ``Authorization: Bearer toem_…`` (API tokens, see ``POST /api/v1/tokens``) or the
browser session cookie (then unsafe methods need the ``X-CSRF-Token`` header). Every error is the
envelope of :mod:`trueoem.web.errors`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from trueoem.web import auth, queries
from trueoem.web.deps import admin, ctx, operator, viewer
from trueoem.web.errors import ERROR_RESPONSES, ApiError
from trueoem.web.scans import BusyError, ScanRequestError, plan

router = APIRouter(prefix="/api/v1", responses=ERROR_RESPONSES)

Viewer = Annotated[auth.Principal, Depends(viewer)]
Operator = Annotated[auth.Principal, Depends(operator)]
Admin = Annotated[auth.Principal, Depends(admin)]
Verdict = Literal["covered", "likely_covered", "not_covered", "unknown"]
ReportFormat = Literal["html", "pdf", "far", "cyclonedx", "json"]
KbSection = Literal["entities", "families", "brands", "relations"]


class Me(BaseModel):
    """The caller."""

    username: str
    role: str
    via: str


class Dashboard(BaseModel):
    """Counts, charts and the trend across scans."""

    total: int
    verdicts: dict[str, int]
    white_label_flagged: int
    by_oem: list[list[Any]]
    by_brand: list[list[Any]]
    by_site: list[list[Any]]
    trend: list[dict[str, Any]]
    scans: int


class AssetRow(BaseModel):
    """One asset in the list."""

    asset_id: int | None
    name: str
    verdict: str
    confidence: float
    label_brand: str | None
    oem: str | None
    oem_name: str | None
    white_label: bool
    model: str | None
    ip: str | None
    mac: str | None
    site: str


class AssetPage(BaseModel):
    """A page of the asset list."""

    total: int
    offset: int
    items: list[AssetRow]


class AssetDetail(BaseModel):
    """One asset: newest attribution with its evidence, every raw observation, history."""

    asset: dict[str, Any]
    attribution: dict[str, Any] | None
    observations: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    sightings: list[dict[str, Any]]
    attributions: list[dict[str, Any]]


class ScanOut(BaseModel):
    """A stored scan, with live progress when this server runs it."""

    id: int
    kind: str
    status: str
    started_at: str
    finished_at: str | None
    kb_version: str
    params: dict[str, Any]
    counts: dict[str, Any]
    progress: dict[str, Any] | None = None


class ScanRequest(BaseModel):
    """What to scan: explicit targets (IPs, CIDRs, ranges), exclusions, ports and pace."""

    targets: list[Annotated[str, Field(max_length=200)]] = Field(min_length=1, max_length=1000)
    exclude: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=1000)
    ports: str = Field(default="default", max_length=2000)
    max_rate: float = Field(default=200.0, gt=0, le=100000)
    intensity: int = Field(default=2, ge=0, le=3)
    timeout: float = Field(default=5.0, gt=0, le=120)


class Diff(BaseModel):
    """From one scan to another: new devices (covered first), removed ones, verdict changes."""

    old: int
    new: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    changed: list[dict[str, Any]]
    unchanged: int
    new_covered: int


class Screening(BaseModel):
    """The result of screening an uploaded catalog."""

    file: str
    total: int
    counts: dict[str, int]
    rows: list[dict[str, Any]]
    truncated: bool
    warnings: list[str]
    scan_id: int | None


class KbSummary(BaseModel):
    """The KB version and how many entries each section has."""

    version: str
    sections: dict[str, int]


class TokenRequest(BaseModel):
    """A name for a new API token."""

    name: str = Field(default="api", min_length=1, max_length=200)


class NewToken(BaseModel):
    """A new API token: shown once."""

    id: int
    token: str
    prefix: str
    name: str


class TokenOut(BaseModel):
    """An API token as listed."""

    id: int
    name: str
    prefix: str
    username: str


class UserRequest(BaseModel):
    """A new local user."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=8, max_length=1000)
    role: Literal["viewer", "operator", "admin"] = "viewer"


class UserOut(BaseModel):
    """A user as listed."""

    id: int
    username: str
    role: str
    disabled: bool


class Ok(BaseModel):
    """A done action."""

    ok: bool = True


def scan_out(request: Request, scan_id: int) -> ScanOut:
    """A scan with live progress, or a 404."""
    c = ctx(request)
    s = c.store.scan(scan_id)
    if s is None:
        raise ApiError(404, f"no scan {scan_id}")
    job = c.scans.get(scan_id)
    return ScanOut(**queries.scan_dict(s), progress=job.progress() if job else None)


@router.get("/me", response_model=Me, summary="Who am I")
def me(p: Viewer) -> Me:
    return Me(username=p.username, role=p.role, via=p.via)


@router.get("/dashboard", response_model=Dashboard, summary="Counts, charts and trend")
def dashboard(request: Request, _p: Viewer) -> Dashboard:
    c = ctx(request)
    return Dashboard(**queries.dashboard(c.models.get(), c.store))


@router.get("/assets", response_model=AssetPage, summary="List assets (filter and search)")
def assets(
    request: Request,
    _p: Viewer,
    verdict: Verdict | None = None,
    oem: Annotated[str | None, Query(max_length=200)] = None,
    brand: Annotated[str | None, Query(max_length=200)] = None,
    site: Annotated[str | None, Query(max_length=200)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AssetPage:
    found = queries.filter_assets(ctx(request).models.get(), queries.AssetFilter(verdict, oem, brand, site, q))
    rows = [AssetRow(**queries.asset_row(a)) for a in found[offset : offset + limit]]
    return AssetPage(total=len(found), offset=offset, items=rows)


@router.get("/assets/{asset_id}", response_model=AssetDetail, summary="One asset with evidence and history")
def asset(request: Request, _p: Viewer, asset_id: Annotated[int, Path(ge=1, le=2**62)]) -> AssetDetail:
    try:
        d = queries.asset_detail(ctx(request).store, asset_id)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None
    return AssetDetail(
        asset=d["asset"],
        attribution=queries.report_asset_dict(d["report"]),
        observations=d["observations"],
        addresses=d["addresses"],
        sightings=d["sightings"],
        attributions=d["attributions"],
    )


@router.get("/scans", response_model=list[ScanOut], summary="List scans and runs, newest first")
def scans(request: Request, _p: Viewer) -> list[ScanOut]:
    c = ctx(request)
    out = []
    for s in c.store.scans():
        job = c.scans.get(s.id)
        out.append(ScanOut(**queries.scan_dict(s), progress=job.progress() if job else None))
    return out


def start_scan(request: Request, body: ScanRequest) -> ScanOut:
    """Plan and start a scan (shared with the UI)."""
    c = ctx(request)
    try:
        addresses, options = plan(
            body.targets,
            body.exclude,
            body.ports,
            body.max_rate,
            body.intensity,
            body.timeout,
            allowed=c.allowed_networks,
        )
        params: dict[str, object] = {
            "targets": list(body.targets),
            "exclude": list(body.exclude),
            "ports": list(options.ports),
            "max_rate": body.max_rate,
            "intensity": body.intensity,
            "timeout": body.timeout,
            "via": "web",
        }
        job = c.scans.start(addresses, options, params)
    except ScanRequestError as exc:
        raise ApiError(422, str(exc), [{"loc": ["body", "targets"], "msg": str(exc), "type": "target"}]) from None
    except BusyError as exc:
        raise ApiError(429, str(exc)) from None
    return scan_out(request, job.scan_id)


@router.post("/scans", response_model=ScanOut, status_code=202, summary="Start a scan")
def post_scan(request: Request, _p: Operator, body: ScanRequest) -> ScanOut:
    return start_scan(request, body)


@router.get("/scans/{scan_id}", response_model=ScanOut, summary="One scan with live progress")
def get_scan(request: Request, _p: Viewer, scan_id: Annotated[int, Path(ge=1, le=2**62)]) -> ScanOut:
    return scan_out(request, scan_id)


@router.post("/scans/{scan_id}/cancel", response_model=ScanOut, summary="Cancel a running scan")
def cancel_scan(request: Request, _p: Operator, scan_id: Annotated[int, Path(ge=1, le=2**62)]) -> ScanOut:
    c = ctx(request)
    job = c.scans.get(scan_id)
    if job is None:
        if c.store.scan(scan_id) is None:
            raise ApiError(404, f"no scan {scan_id}")
        raise ApiError(409, f"scan {scan_id} is not running in this server")
    job.cancel()
    return scan_out(request, scan_id)


@router.get("/scans/{old}/diff/{new}", response_model=Diff, summary="What changed between two scans")
def diff(
    request: Request,
    _p: Viewer,
    old: Annotated[int, Path(ge=1, le=2**62)],
    new: Annotated[int, Path(ge=1, le=2**62)],
) -> Diff:
    try:
        return Diff(**queries.diff_scans(ctx(request).store, old, new))
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None


@router.post("/catalogs", response_model=Screening, summary="Upload and screen a catalog")
async def catalogs(
    request: Request,
    _p: Operator,
    file: Annotated[UploadFile, File(description="CSV, TSV, XLSX, JSON or JSONL")],
    save: Annotated[bool, Form()] = False,
) -> Screening:
    from trueoem.web.screening import screen_upload

    return Screening(**await screen_upload(ctx(request), file, save))


@router.get("/kb", response_model=KbSummary, summary="KB version and section sizes")
def kb(request: Request, _p: Viewer) -> KbSummary:
    ckb = ctx(request).ckb
    return KbSummary(
        version=ckb.kb.version,
        sections={k: len(queries.kb_items(ckb, k)) for k in queries.KB_KINDS},
    )


@router.get("/kb/entities/{entity_id}", response_model=dict[str, Any], summary="One KB entity")
def kb_entity(request: Request, _p: Viewer, entity_id: Annotated[str, Path(max_length=200)]) -> dict[str, Any]:
    try:
        return queries.kb_entity(ctx(request).ckb, entity_id)
    except queries.NotFound as exc:
        raise ApiError(404, str(exc)) from None


@router.get("/kb/{section}", response_model=list[dict[str, Any]], summary="KB entries, each with its source")
def kb_section(
    request: Request, _p: Viewer, section: KbSection, q: Annotated[str | None, Query(max_length=200)] = None
) -> list[dict[str, Any]]:
    return queries.kb_items(ctx(request).ckb, section, q)


REPORT_TYPES = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "far": ("text/markdown; charset=utf-8", "md"),
    "cyclonedx": ("application/vnd.cyclonedx+json", "cdx.json"),
    "json": ("application/json", "json"),
    "csv": ("text/csv; charset=utf-8", "csv"),
}


def render_report(request: Request, fmt: str, scan_id: int | None) -> Response:
    """A report of the store (or one scan) as a download (shared with the UI)."""
    import json

    from trueoem.report.data import model_from_store

    c = ctx(request)
    if scan_id is not None and c.store.scan(scan_id) is None:
        raise ApiError(404, f"no scan {scan_id}")
    model = model_from_store(c.store, scan_id=scan_id)
    body: str | bytes
    if fmt == "html":
        from trueoem.report.html import render_html

        body = render_html(model)
    elif fmt == "pdf":
        try:
            from trueoem.report.pdf import render_pdf

            body = render_pdf(model)
        except (ImportError, OSError) as exc:
            raise ApiError(500, f"PDF rendering is unavailable here: {exc}") from None
    elif fmt == "far":
        from trueoem.report.far import render_far

        body = render_far(model)
    elif fmt == "cyclonedx":
        from trueoem.report.cyclonedx import render_cyclonedx

        body = render_cyclonedx(model)
    elif fmt == "csv":
        from trueoem.report.writers import REPORT_CSV_COLUMNS, records_csv

        rows = (dict(sa.record, asset_id=sa.asset_id) for sa in c.store.latest_attributions(scan_id=scan_id))
        body = records_csv(rows, ("asset_id", *REPORT_CSV_COLUMNS))
    else:
        recs = [dict(sa.record, asset_id=sa.asset_id) for sa in c.store.latest_attributions(scan_id=scan_id)]
        body = json.dumps({"schema_version": 1, "results": recs}, ensure_ascii=False, default=str)
    media, ext = REPORT_TYPES[fmt]
    name = f"trueoem-report{'-scan' + str(scan_id) if scan_id else ''}.{ext}"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/reports/{fmt}",
    summary="Download a report (html, pdf, far, cyclonedx, json, csv)",
    response_class=Response,
    responses={200: {"content": {m: {} for m, _ in REPORT_TYPES.values()}, "description": "The report"}},
)
def report(
    request: Request,
    _p: Viewer,
    fmt: ReportFormat,
    scan_id: Annotated[int | None, Query(ge=1, le=2**62)] = None,
) -> Response:
    return render_report(request, fmt, scan_id)


@router.get("/tokens", response_model=list[TokenOut], summary="My API tokens (admins: all)")
def tokens(request: Request, p: Viewer) -> list[TokenOut]:
    who = None if p.role == "admin" else p.username
    return [
        TokenOut(id=t.id, name=t.name, prefix=t.prefix, username=t.username)
        for t in auth.list_tokens(ctx(request).store, who)
    ]


@router.post("/tokens", response_model=NewToken, status_code=201, summary="Create an API token for me")
def new_token(request: Request, p: Viewer, body: TokenRequest) -> NewToken:
    if p.id is None:
        raise ApiError(409, "the anonymous --no-auth user has no API tokens")
    store = ctx(request).store
    token = auth.new_token(store, p.username, body.name)
    t = [x for x in auth.list_tokens(store, p.username) if x.prefix == token[:12]][-1]
    return NewToken(id=t.id, token=token, prefix=t.prefix, name=t.name)


@router.delete("/tokens/{token_id}", response_model=Ok, summary="Revoke an API token")
def revoke(request: Request, p: Viewer, token_id: Annotated[int, Path(ge=1, le=2**62)]) -> Ok:
    who = None if p.role == "admin" else p.username
    if not auth.revoke_token(ctx(request).store, token_id, who):
        raise ApiError(404, f"no token {token_id}")
    return Ok()


@router.get("/users", response_model=list[UserOut], summary="Users (admin)")
def users(request: Request, _p: Admin) -> list[UserOut]:
    return [
        UserOut(id=u.id, username=u.username, role=u.role, disabled=u.disabled)
        for u in auth.list_users(ctx(request).store)
    ]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create a user (admin)")
def add_user(request: Request, _p: Admin, body: UserRequest) -> UserOut:
    try:
        u = auth.add_user(ctx(request).store, body.username, body.password, body.role)
    except auth.AuthError as exc:
        raise ApiError(409 if "exists" in str(exc) else 422, str(exc)) from None
    return UserOut(id=u.id, username=u.username, role=u.role, disabled=u.disabled)
