"""Pages and their API twins: hostile strings escaped everywhere, KB browser, catalog screening, diff."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import HTML, IMG, SCRIPT, login, seed

from trueoem.match.engine import CompiledKB
from trueoem.web import auth


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def _no_live_markup(html: str) -> None:
    """Nothing a device sent became markup: no script element but ours, no img, no event handler attribute."""
    p = _Tags()
    p.feed(html)
    scripts = [dict(a).get("src") for t, a in p.tags if t == "script"]
    assert scripts == ["/static/htmx.min.js"], scripts
    assert not [t for t, _ in p.tags if t in ("img", "iframe", "object", "embed", "style", "base")]
    handlers = [(t, k) for t, a in p.tags for k, _ in a if k.startswith("on")]
    assert not handlers, handlers
    assert not re.search(r"<(script|img)\b", html.replace('<script src="/static/htmx.min.js" defer>', ""))


def test_hostile_strings_escaped_everywhere(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    ids = seed(app, ckb)
    login(client, "viewer")
    pages = [
        "/",
        "/assets",
        f"/assets/{ids['hostile']}",
        f"/scans/{ids['s1']}",
        "/scans",
        f"/diff?old={ids['s2']}&new={ids['s1']}",
    ]
    pages += ["/assets?q=script", "/assets?brand=%3Cscript"]
    for p in pages:
        r = client.get(p, headers=HTML)
        assert r.status_code == 200, (p, r.text[:300])
        _no_live_markup(r.text)
        assert "default-src 'none'" in r.headers["content-security-policy"]
    r = client.get(f"/assets/{ids['hostile']}", headers=HTML)
    assert "&lt;script&gt;alert(" in r.text and "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in r.text
    assert "[U+202E]" in r.text  # a bidi override is shown, not obeyed
    assert 'id="evidence-table"' in r.text and 'data-testid="observation-row"' in r.text
    # the API returns the same strings verbatim as JSON data
    d = client.get(f"/api/v1/assets/{ids['hostile']}").json()
    assert any(o["value"] == SCRIPT for o in d["observations"]) and any(o["value"] == IMG for o in d["observations"])


def test_asset_page_has_evidence_and_history(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    ids = seed(app, ckb)
    login(client, "viewer")
    r = client.get(f"/assets/{ids['hik']}", headers=HTML)
    assert 'data-testid="verdict-pill">covered' in r.text and r.text.count('data-testid="history-row"') == 2
    assert r.text.count('data-testid="evidence-row"') >= 1
    d = client.get(f"/api/v1/assets/{ids['hik']}").json()
    assert d["attribution"]["verdict"] == "covered" and d["attribution"]["evidence"][0]["source"]
    assert [s["scan_id"] for s in d["sightings"]] == [ids["s1"], ids["s2"]]


def test_asset_list_filters(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    seed(app, ckb)
    login(client, "viewer")
    page = client.get("/api/v1/assets").json()
    assert page["total"] == 3 and page["items"][0]["verdict"] == "covered"
    assert {a["oem"] for a in client.get("/api/v1/assets?verdict=covered").json()["items"]} == {"hikvision", "dahua"}
    assert client.get("/api/v1/assets?oem=dahua").json()["total"] == 1
    assert client.get("/api/v1/assets?brand=hikvision").json()["total"] == 1
    assert client.get("/api/v1/assets?q=hfw2431").json()["total"] == 1
    r = client.get("/assets?verdict=covered", headers={**HTML, "HX-Request": "true"})
    assert r.text.count('data-testid="asset-row"') == 2 and "<html" not in r.text  # an HTMX fragment


def test_dashboard_counts_and_trend(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    ids = seed(app, ckb)
    login(client, "viewer")
    d = client.get("/api/v1/dashboard").json()
    assert d["total"] == 3 and d["verdicts"]["covered"] == 2
    assert [t["scan_id"] for t in d["trend"]] == [ids["s1"], ids["s2"]] and d["trend"][1]["covered"] == 2
    r = client.get("/", headers=HTML)
    assert 'data-testid="chart-oem"' in r.text and 'data-testid="report-html"' in r.text


def test_scan_diff_new_covered_first(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    ids = seed(app, ckb)
    login(client, "viewer")
    d = client.get(f"/api/v1/scans/{ids['s1']}/diff/{ids['s2']}").json()
    assert [r["asset_id"] for r in d["added"]] == [ids["dahua"]] and d["new_covered"] == 1
    assert [r["asset_id"] for r in d["removed"]] == [ids["hostile"]] and d["unchanged"] == 1
    r = client.get(f"/diff?old={ids['s1']}&new={ids['s2']}", headers=HTML)
    assert r.status_code == 200 and 'data-testid="diff-added"' in r.text and 'data-verdict="covered"' in r.text


def test_kb_browser(client: TestClient) -> None:
    login(client, "viewer")
    kb = client.get("/api/v1/kb").json()
    assert kb["sections"]["entities"] > 0 and kb["sections"]["relations"] > 0
    for section in ("entities", "families", "brands", "relations"):
        rows = client.get(f"/api/v1/kb/{section}").json()
        assert rows and all(r["source"] for r in rows), section
        r = client.get(f"/kb?section={section}", headers=HTML)
        assert r.status_code == 200 and 'data-testid="kb-row"' in r.text
    hik = client.get("/api/v1/kb/entities/hikvision").json()
    assert hik["covered"] is True and hik["source"]
    assert client.get("/api/v1/kb/brands?q=lorex").json()
    r = client.get("/kb/entities/hikvision", headers=HTML)
    assert 'data-testid="kb-source"' in r.text


def test_catalog_upload_and_screening(app: FastAPI, client: TestClient) -> None:
    token = login(client, "operator")
    csv = (
        "Manufacturer,Model,Description\n"
        "Hikvision,DS-2CD2143G2-I,dome camera\n"
        "Axis,P3245-LVE,dome camera\n"
        f"{SCRIPT},{IMG},hostile\n"
    ).encode()
    r = client.post(
        "/catalog",
        files={"file": ("../../etc/passwd<x>.csv", csv)},
        data={"csrf_token": token, "save": "true"},
        headers=HTML,
    )
    assert r.status_code == 200, r.text
    _no_live_markup(r.text)
    assert r.text.count('data-testid="catalog-row"') == 3 and 'data-verdict="covered"' in r.text
    res = client.post("/api/v1/catalogs", files={"file": ("inv.csv", csv)}, headers={auth.CSRF_HEADER: token}).json()
    assert res["total"] == 3 and res["counts"]["covered"] == 1 and res["scan_id"] is None
    assert res["rows"][0]["verdict"] == "covered" and res["file"] == "inv.csv"
    runs = [s for s in app.state.ctx.store.scans() if s.kind == "check"]
    assert len(runs) == 1 and runs[0].params["files"] == ["passwd_x_.csv"]


def test_reports_download(app: FastAPI, client: TestClient, ckb: CompiledKB) -> None:
    ids = seed(app, ckb)
    login(client, "viewer")
    for fmt, media in (
        ("html", "text/html"),
        ("far", "text/markdown"),
        ("cyclonedx", "application/vnd.cyclonedx+json"),
        ("json", "application/json"),
    ):
        r = client.get(f"/api/v1/reports/{fmt}?scan_id={ids['s2']}")
        assert r.status_code == 200 and r.headers["content-type"].startswith(media), fmt
        assert "attachment" in r.headers["content-disposition"]
    # the same document shape as `trueoem check -f json` and `trueoem report -f json`
    doc = client.get(f"/api/v1/reports/json?scan_id={ids['s2']}").json()
    assert doc["schema_version"] == 1 and doc["results"] and all("verdict" in r for r in doc["results"])
    assert client.get("/reports/cyclonedx", headers=HTML).status_code == 200
