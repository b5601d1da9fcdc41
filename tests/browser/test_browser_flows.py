"""The main flows in a real browser (Debian's chromium through Playwright) against ``trueoem serve``.

A user logs in (a wrong password is refused), starts a scan of the emulated devices from the scan
form, watches it to the end, reads the dashboard counts, filters the asset list by verdict, opens a
white-labelled covered device and its evidence trail, downloads every report format from the UI
links, and logs out. A device whose Server header, HTML title, ONVIF identity, TLS subject and SSDP
friendly name are script and markup payloads is rendered through every page: no dialog fires, no
console error, nothing injected into the DOM, nothing widens the page. Screenshots of every step
land in ``tests/browser/artifacts/``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path
from urllib.parse import quote
from xml.sax.saxutils import escape

import pytest

if not os.environ.get("CI"):  # in CI a missing playwright is a collection error, never a skip
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")

from playwright.sync_api import Page, expect  # noqa: E402
from tests.browser.conftest import (  # noqa: E402
    ARTIFACTS,
    SSDP_IP,
    Server,
    Session,
    ip_of,
    log_in,
    shot,
)
from tests.browser.hostile import FRIENDLY_NAME, MANUFACTURER, SCRIPT  # noqa: E402
from tests.emulators import Device  # noqa: E402

pytestmark = pytest.mark.slow  # ~60-70 s: a server, a browser, a scan and a WeasyPrint PDF

FORMATS = ["html", "pdf", "far", "cyclonedx", "json"]
REPORTS = ARTIFACTS / "reports"


def test_the_watch_sees_dialogs_and_errors(fresh: Session) -> None:
    """The detector the hostile-string test relies on is not blind (outside any CSP: a blank page)."""
    fresh.page.set_content("<p>x</p>")
    fresh.page.evaluate("() => { alert('probe'); console.error('probe'); setTimeout(() => { throw Error('probe') }) }")
    fresh.page.wait_for_timeout(200)
    w = fresh.watch
    assert len(w.dialogs) == 1 and "probe" in w.dialogs[0]
    assert any("probe" in e for e in w.console_errors) and any("probe" in e for e in w.page_errors)


# --- login / logout ------------------------------------------------------------------------------


def test_login_refuses_wrong_password_then_accepts(fresh: Session) -> None:
    page = fresh.page
    page.goto("/")
    expect(page).to_have_url(f"{fresh.base}/login?next=/")  # a 401 sends a browser to the login form
    expect(page.locator("#login-form")).to_be_visible()
    shot(page, "01-login")

    fresh.watch.allowed.append("status of 401")  # the refused login page itself is a 401 document
    log_in(fresh, password="not the password")
    expect(page.locator("#login-error")).to_be_visible()
    expect(page.locator("#who")).to_have_count(0)
    shot(page, "02-login-refused")

    log_in(fresh)
    expect(page).to_have_url(f"{fresh.base}/")
    expect(page.locator("#who")).to_contain_text("admin (admin)")
    fresh.watch.assert_clean()


def test_logout_ends_the_session(fresh: Session) -> None:
    page = fresh.page
    log_in(fresh)
    expect(page.locator("#logout")).to_be_visible()
    page.click("#logout")
    expect(page).to_have_url(f"{fresh.base}/login")
    shot(page, "90-logged-out")
    page.goto("/assets")  # the session is gone server-side: back to the login form
    expect(page).to_have_url(f"{fresh.base}/login?next=/assets")
    expect(page.locator("#who")).to_have_count(0)
    fresh.watch.assert_clean()


# --- scan from the form, watched to the end ------------------------------------------------------


@pytest.fixture(scope="package")
def scanned(admin: Session, fleet: dict[str, Device], server: Server) -> dict[str, object]:
    """Start a scan of the fleet from the scan form and watch its progress until it is done."""
    page = admin.page
    page.goto("/scans")
    expect(page.locator("#scan-form")).to_be_visible()
    page.fill("#scan-targets", " ".join(fleet))
    page.fill("#scan-rate", "1000")
    shot(page, "03-scan-form")
    page.click("#scan-submit")
    page.wait_for_url("**/scans/*")
    scan_id = int(page.url.rsplit("/", 1)[1])
    progress = page.locator("#scan-progress")
    states, done_counts = [], []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        state = progress.get_attribute("data-state")
        if state and (not states or states[-1] != state):
            states.append(state)
            if state == "running":
                shot(page, "04-scan-running")
        value = page.locator("#scan-bar").get_attribute("value")
        if value is not None:
            done_counts.append(int(value))
        if state in ("done", "interrupted", "failed"):
            break
        time.sleep(0.25)
    shot(page, "05-scan-finished")
    return {"id": scan_id, "states": states, "done": done_counts, "ips": list(fleet)}


def test_scan_from_form_runs_to_done(admin: Session, scanned: dict[str, object], fleet: dict[str, Device]) -> None:
    page = admin.page
    assert scanned["states"][-1] == "done", scanned["states"]  # type: ignore[index]
    done = scanned["done"]
    assert done == sorted(done), f"progress went backwards: {done}"  # type: ignore[type-var]
    expect(page.locator("#scan-progress")).to_contain_text(f"{len(fleet)} of {len(fleet)} addresses")
    expect(page.locator("#scan-cancel")).to_have_count(0)  # nothing left to cancel
    page.reload()
    rows = page.locator("#asset-table [data-testid=asset-row]")
    expect(rows).to_have_count(len(fleet))
    shown = set(rows.locator("td:nth-child(5)").all_inner_texts())
    assert shown == set(fleet)


# --- dashboard, asset list, evidence -------------------------------------------------------------


def _expected(fleet: dict[str, Device]) -> dict[str, int]:
    """Verdict counts of the fleet plus the seeded SSDP device (covered: it names Hikvision)."""
    out = {"covered": 1, "likely_covered": 0, "not_covered": 0, "unknown": 0}
    for d in fleet.values():
        out[d.expect_verdict] += 1
    return out


def test_dashboard_counts(admin: Session, scanned: dict[str, object], fleet: dict[str, Device]) -> None:
    page = admin.page
    page.goto("/")
    exp = _expected(fleet)
    expect(page.locator("[data-testid=count-total] b")).to_have_text(str(sum(exp.values())))
    for verdict, n in exp.items():
        card = page.locator(f"[data-testid=count-{verdict}] b")
        if n:
            expect(card).to_have_text(str(n))
    expect(page.locator("[data-testid=flagged-row]")).to_have_count(exp["covered"] + exp["likely_covered"])
    expect(page.locator("[data-testid=chart-oem]")).to_contain_text("Hikvision")
    expect(page.locator("[data-testid=chart-oem]")).to_contain_text("Dahua")
    shot(page, "06-dashboard")
    page.click("[data-testid=count-covered]")  # a count card opens the filtered list
    expect(page).to_have_url(f"{admin.base}/assets?verdict=covered")
    expect(page.locator("[data-testid=asset-row]")).to_have_count(exp["covered"])


def test_asset_list_filter_by_verdict(admin: Session, scanned: dict[str, object], fleet: dict[str, Device]) -> None:
    page = admin.page
    page.goto("/assets")
    exp = _expected(fleet)
    rows = page.locator("[data-testid=asset-row]")
    expect(rows).to_have_count(sum(exp.values()))
    for verdict in ("covered", "not_covered", "unknown"):
        page.select_option("#filter-verdict", verdict)  # HTMX swaps the rows and pushes the URL
        expect(page).to_have_url(f"{admin.base}/assets?verdict={verdict}&oem=&brand=&site=&q=")
        expect(rows).to_have_count(exp[verdict])
        assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.verdict)")) == {verdict}
        shot(page, f"07-assets-{verdict}")
    page.select_option("#filter-verdict", "")
    page.locator("#filter-q").press_sequentially(ip_of(fleet, "lts-nvr"))  # live search as one types
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("LTS")


@pytest.mark.parametrize(
    ("device", "label", "oem"), [("lts-nvr", "LTS", "Hikvision"), ("amcrest-camera", "Amcrest", "Dahua")]
)
def test_white_label_asset_evidence(
    admin: Session, scanned: dict[str, object], fleet: dict[str, Device], device: str, label: str, oem: str
) -> None:
    page = admin.page
    ip = ip_of(fleet, device)
    page.goto(f"/assets?q={ip}")
    row = page.locator("[data-testid=asset-row]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-verdict", "covered")
    row.locator("a").first.click()
    page.wait_for_url("**/assets/*")
    expect(page.locator("[data-testid=verdict-pill]")).to_have_text("covered")
    expect(page.locator("#verdict")).to_contain_text("white label")
    facts = page.locator("#verdict dl.facts")
    expect(facts).to_contain_text(label)
    expect(facts).to_contain_text(oem)
    expect(facts).to_contain_text(ip)
    ev = page.locator("#evidence-table [data-testid=evidence-row]")
    assert ev.count() >= 2, "a white-label verdict rests on more than one piece of evidence"
    for i in range(ev.count()):
        cells = ev.nth(i).locator("td").all_inner_texts()
        rule, origin, source = cells[0], cells[5], cells[6]
        # every piece of evidence names its rule, where it was observed and the KB's source for the rule
        assert rule.strip() and origin.strip() and source.strip(), cells
    assert any(label.lower() in c.lower() for c in ev.locator("td:nth-child(3)").all_inner_texts())
    expect(page.locator("#observation-table [data-testid=observation-row]").first).to_be_visible()
    expect(page.locator("#history-table [data-testid=history-row]")).to_have_count(1)
    shot(page, f"08-asset-{device}")


# --- reports -------------------------------------------------------------------------------------


def _download(page: Page, testid: str, name: str) -> Path:
    REPORTS.mkdir(parents=True, exist_ok=True)
    with page.expect_download(timeout=120_000) as info:  # a PDF takes WeasyPrint 10-30 s on a busy CI box
        page.click(f"[data-testid={testid}]", timeout=120_000)
    d = info.value
    assert d.failure() is None, d.failure()
    path = REPORTS / f"{name}-{d.suggested_filename}"
    d.save_as(path)
    return path


def _check_report(fmt: str, data: bytes, ips: set[str]) -> None:
    if fmt == "pdf":
        assert data.startswith(b"%PDF-"), data[:20]
        from pypdf import PdfReader

        text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)
        assert "Hikvision" in text and "Dahua" in text
        return
    text = data.decode("utf-8")
    assert "<script>alert(" not in text or fmt in ("far", "json", "cyclonedx", "csv"), "raw markup in the HTML report"
    if fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html") and all(ip in text for ip in ips)
    elif fmt == "far":
        assert text.lstrip().startswith("#") and "52.204-2" in text  # FAR 52.204-24/25/26 representation
        assert "Hikvision" in text and "Dahua" in text
    elif fmt == "cyclonedx":
        bom = json.loads(text)
        assert bom["bomFormat"] == "CycloneDX" and bom["specVersion"] == "1.6", (
            bom.get("bomFormat"),
            bom.get("specVersion"),
        )
        names = json.dumps(bom.get("components", []))
        assert all(ip in names for ip in ips), "every scanned device is a component"
    elif fmt == "json":
        doc = json.loads(text)
        assert doc["schema_version"] == 1
        assert ips <= {r.get("ip") for r in doc["results"]}
        assert {r["verdict"] for r in doc["results"]} >= {"covered", "not_covered", "unknown"}
    elif fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows and "verdict" in rows[0]


@pytest.mark.parametrize("fmt", FORMATS)
def test_report_downloads(admin: Session, scanned: dict[str, object], fmt: str) -> None:
    """Each format from the dashboard (whole store) and from the scan's page (that run only)."""
    page = admin.page
    ips = set(scanned["ips"])  # type: ignore[call-overload]
    page.goto("/")
    whole = _download(page, f"report-{fmt}", "store")
    _check_report(fmt, whole.read_bytes(), ips)
    page.goto(f"/scans/{scanned['id']}")
    link = page.locator(f"#scan-reports [data-testid=report-{fmt}]")
    expect(link).to_have_attribute("href", f"/reports/{fmt}?scan_id={scanned['id']}")
    if fmt == "pdf":  # WeasyPrint takes ~10 s a PDF here: the whole-store one above is enough
        shot(page, "09-scan-reports")
        return
    one = _download(page, f"report-{fmt}", f"scan{scanned['id']}")
    assert f"-scan{scanned['id']}." in one.name
    _check_report(fmt, one.read_bytes(), ips)
    if fmt in ("json", "cyclonedx", "html"):  # the seeded SSDP device is in the store report, not the scan's
        assert SSDP_IP in whole.read_text() and SSDP_IP not in one.read_text()


def test_report_csv_download(admin: Session, scanned: dict[str, object]) -> None:
    page = admin.page
    page.goto("/")
    expect(page.locator("[data-testid=report-csv]")).to_have_count(1, timeout=2000)
    path = _download(page, "report-csv", "store")
    _check_report("csv", path.read_bytes(), set(scanned["ips"]))  # type: ignore[call-overload]


# --- hostile device strings ----------------------------------------------------------------------

INERT = """() => {
  const all = [...document.querySelectorAll('*')];
  return {
    scripts: [...document.scripts].map(s => s.getAttribute('src') || s.textContent.slice(0, 40)),
    handlers: all.filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).map(e => e.outerHTML.slice(0, 120)),
    injected: document.querySelectorAll('iframe, object, embed, img[src=x], svg[onload], b[style]').length,
    styled: all.filter(e => e.hasAttribute('style')).map(e => e.tagName),
    overflow: document.documentElement.scrollWidth - window.innerWidth,
    title: document.title,
  };
}"""


def _assert_inert(page: Page, where: str, html_report: bool = False) -> None:
    r = page.evaluate(INERT)
    if not html_report:
        assert r["scripts"] == ["/static/htmx.min.js"], (where, r["scripts"])
        assert r["title"].endswith("· trueoem"), (where, r["title"])
        assert r["styled"] == [], (where, r["styled"])
    else:  # the report's own filter script (allowed by hash in its CSP), nothing else
        assert len(r["scripts"]) == 1 and r["scripts"][0].startswith('(function () {\n  "use strict";'), r["scripts"]
    assert r["handlers"] == [] and r["injected"] == 0, (where, r)
    assert r["overflow"] <= 1, f"{where}: the page is {r['overflow']} px wider than the window"


def _asset_id(page: Page, ip: str) -> int:
    page.goto(f"/assets?q={ip}")
    row = page.locator("[data-testid=asset-row]")
    expect(row).to_have_count(1)
    return int(row.get_attribute("data-asset-id") or 0)


def test_hostile_strings_render_inertly(
    admin: Session, scanned: dict[str, object], fleet: dict[str, Device], server: Server
) -> None:
    page = admin.page
    hostile_ip = ip_of(fleet, "hostile-web")
    web_id, ssdp_id = _asset_id(page, hostile_ip), _asset_id(page, SSDP_IP)
    q = quote("\"><script>alert('xss-q')</script><img src=x onerror=alert(1)>")
    pages = {
        "dashboard": "/",
        "assets": "/assets",
        "assets-search": f"/assets?q={q}&oem={q}",
        "asset-hostile-web": f"/assets/{web_id}",
        "asset-hostile-ssdp": f"/assets/{ssdp_id}",
        "scans": "/scans",
        "scan": f"/scans/{scanned['id']}",
        "scan-ssdp": f"/scans/{server.seeded['run']}",
        "diff": f"/diff?old={server.seeded['run']}&new={scanned['id']}",
        "kb-search": f"/kb?q={q}",
        "account": "/account",
        "login-next": f"/login?next=/{q}",
    }
    for name, path in pages.items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        _assert_inert(page, name)
        shot(page, f"10-hostile-{name}")
    page.goto(f"/assets/{web_id}")  # the payloads are there, shown as text
    raw = page.locator("#observation-table").inner_text()
    assert SCRIPT in raw and "alert('xss-title')" in raw and "alert('xss-onvif')" in raw
    page.goto(f"/assets/{ssdp_id}")
    assert MANUFACTURER in page.locator("#verdict").inner_text()  # the label brand, as text
    assert escape(FRIENDLY_NAME) in page.locator("#observation-table").inner_text()  # the SSDP XML, verbatim
    page.goto("/")
    expect(page.locator("#flagged-table")).to_contain_text(MANUFACTURER)
    # a missing page reflecting markup in its path is an error page, not a script
    admin.watch.allowed.append("status of 404")
    page.goto(f"/{q}")
    _assert_inert(page, "404")
    expect(page.locator("main")).to_contain_text("404")
    shot(page, "10-hostile-404")
    admin.watch.allowed.remove("status of 404")
    # the downloaded HTML report, opened from disk (no CSP there: only escaping protects it)
    report = _download_store_html(page)
    page.goto(report.as_uri())
    _assert_inert(page, "html-report", html_report=True)
    assert SCRIPT in page.inner_text("body") or MANUFACTURER in page.inner_text("body")
    shot(page, "11-hostile-html-report")


def _download_store_html(page: Page) -> Path:
    page.goto("/")
    return _download(page, "report-html", "hostile")


def test_hostile_catalog_upload(admin: Session, scanned: dict[str, object]) -> None:
    """A catalog whose cells and file name are payloads screens without running anything."""
    page = admin.page
    page.goto("/catalog")
    body = (
        "Line,Brand,Model\n"
        f'1,"{SCRIPT}","\\"><img src=x onerror=alert(\'csv\')>"\n'
        "2,LTS,LTN8708K-P8\n"
        f"3,Hikvision,{'X' * 400}\n"
    )
    page.set_input_files(
        "#catalog-file",
        files=[{"name": "<svg onload=alert(1)>.csv", "mimeType": "text/csv", "buffer": body.encode()}],
    )
    page.click("#catalog-submit")
    rows = page.locator("[data-testid=catalog-row]")
    expect(rows).to_have_count(3)
    expect(rows.nth(1)).to_have_attribute("data-verdict", "covered")
    _assert_inert(page, "catalog")
    shot(page, "12-hostile-catalog")
