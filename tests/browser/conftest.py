"""Fixtures of the browser tests: a real ``trueoem serve``, emulated devices on loopback, Debian's chromium.

The server is the installed command (``python -m trueoem serve --db sqlite:///…``) in a subprocess on
127.0.0.1 and an ephemeral port, with its first admin created by ``trueoem user add`` — what a user
types. The fleet is the emulated cameras of :mod:`tests.emulators` plus one hostile web device
(:mod:`tests.browser.hostile`), each on its own 127.44.0.x address (loopback only). A hostile asset
seen over SSDP is stored through the Store API before the server starts.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``), driven by Playwright's
bundled driver (``playwright install`` is never needed). Without it, or without Playwright, or when
the emulators cannot bind ports 80/443/554, the tests fail under ``CI`` and skip elsewhere.
Screenshots go to ``tests/browser/artifacts/`` (kept out of git by its ``.gitignore``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.browser.hostile import HOSTILE_WEB, MANUFACTURER, MODEL, SSDP_DESCRIPTION  # noqa: E402
from tests.emulators import CAMERAS, Device, FleetThread  # noqa: E402
from tests.scan.conftest import can_bind_low_ports  # noqa: E402

try:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, sync_playwright
except ImportError:  # reported by the `browser` fixture (fail in CI, skip elsewhere)
    sync_playwright = None  # type: ignore[assignment]

CHROMIUM = os.environ.get("TRUEOEM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
ADMIN, PASSWORD = "admin", "correct horse battery staple"
NET = "127.44.0"
SSDP_IP = f"{NET}.200"


def require(ok: bool, why: str) -> None:
    """Fail under CI (a skip there would hide a broken set-up), skip elsewhere."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{why} (CI must run the browser tests: see .ci/run)", pytrace=False)
    pytest.skip(why)


def shot(page: Page, name: str) -> Path:
    """A full-page screenshot kept as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="package", autouse=True)
def _fresh_artifacts() -> None:
    """Screenshots and downloads of this run only (the .gitignore stays)."""
    ARTIFACTS.mkdir(exist_ok=True)
    for p in ARTIFACTS.iterdir():
        if p.name == ".gitignore":
            continue
        if p.is_dir():
            shutil.rmtree(p)
        else:
            p.unlink()


# --- the emulated fleet --------------------------------------------------------------------------


@pytest.fixture(scope="package")
def fleet() -> Iterator[dict[str, Device]]:
    """The emulated cameras and the hostile web device, one per 127.44.0.x address."""
    require(can_bind_low_ports(), "the emulators cannot bind ports 80/443/554 on loopback (needs root)")
    lay = [(f"{NET}.{i + 1}", d) for i, d in enumerate((*CAMERAS, HOSTILE_WEB))]
    with FleetThread(lay):
        yield dict(lay)


def ip_of(fleet: dict[str, Device], name: str) -> str:
    return next(ip for ip, d in fleet.items() if d.name == name)


# --- the server ----------------------------------------------------------------------------------


@dataclass
class Server:
    url: str
    db: str
    log: Path
    seeded: dict[str, int] = field(default_factory=dict)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _seed_ssdp(db: str) -> dict[str, int]:
    """A device seen only over SSDP whose friendly name, manufacturer and model are payloads (a run of its own)."""
    from trueoem.attribute import attribute
    from trueoem.kb.compiled import load_compiled
    from trueoem.model import Observation
    from trueoem.store import Store

    ckb = load_compiled()
    obs = [
        Observation("ssdp_description", SSDP_DESCRIPTION, f"{SSDP_IP}:80/ssdp"),
        Observation("brand", MANUFACTURER, f"{SSDP_IP}:80/ssdp"),
        Observation("brand", "Hikvision", f"{SSDP_IP}:80/ssdp"),
        Observation("model", MODEL, f"{SSDP_IP}:80/ssdp"),
    ]
    with Store.open(db) as store:
        run = store.begin_scan("import", {"files": ["ssdp-capture"]}, ckb.kb.version)
        asset = store.record_asset(run, ip=SSDP_IP, observations=obs, attribution=attribute(SSDP_IP, obs, ckb))
        store.finish_scan(run)
    return {"run": run, "asset": asset}


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``trueoem serve`` on 127.0.0.1:<ephemeral> over a fresh SQLite store with one admin."""
    home = tmp_path_factory.mktemp("serve")
    db = f"sqlite:///{home}/trueoem.db"
    env = {**os.environ, "TRUEOEM_HOME": str(home / "home"), "PYTHONUNBUFFERED": "1"}
    add = subprocess.run(
        [sys.executable, "-m", "trueoem", "user", "add", ADMIN, "--role", "admin", "--password", PASSWORD, "--db", db],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert add.returncode == 0, add.stderr
    seeded = _seed_ssdp(db)
    port = _free_port()
    ARTIFACTS.mkdir(exist_ok=True)
    log = ARTIFACTS / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "trueoem", "serve", "--host", "127.0.0.1", "--port", str(port), "--db", db],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"trueoem serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/login", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"trueoem serve did not answer in 90 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Server(url, db, log, seeded)
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


# --- the browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """Debian's chromium, headless (Playwright gives each launch a fresh temporary profile)."""
    require(sync_playwright is not None, "the playwright package is not installed (pip install playwright)")
    require(Path(CHROMIUM).exists(), f"no chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@dataclass
class Watch:
    """What the pages of a context did that they must not: JS dialogs, console errors, uncaught errors."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    # console error substrings a test expects; the browser's own favicon request may 404 (not a page's doing)
    allowed: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        def on_dialog(d: Dialog) -> None:
            self.dialogs.append(f"{d.type}: {d.message} on {page.url}")
            d.dismiss()

        def on_console(m: ConsoleMessage) -> None:
            text = f"{m.text} ({m.location.get('url', '')}) on {page.url}"
            if m.type == "error" and not any(a in text for a in self.allowed):
                self.console_errors.append(text)

        page.on("dialog", on_dialog)
        page.on("console", on_console)
        page.on("pageerror", lambda e: self.page_errors.append(f"{e} on {page.url}"))

    def assert_clean(self) -> None:
        assert not self.dialogs, f"a JS dialog fired: {self.dialogs}"
        assert not self.page_errors, f"uncaught page errors: {self.page_errors}"
        assert not self.console_errors, f"console errors: {self.console_errors}"


@dataclass
class Session:
    context: BrowserContext
    page: Page
    watch: Watch
    base: str


def new_session(browser: Browser, server: Server) -> Session:
    ctx = browser.new_context(base_url=server.url, accept_downloads=True, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(15_000)
    watch = Watch()
    ctx.on("page", watch.attach)
    page = ctx.new_page()
    return Session(ctx, page, watch, server.url)


def log_in(s: Session, user: str = ADMIN, password: str = PASSWORD) -> None:
    s.page.goto("/login")
    s.page.fill("#username", user)
    s.page.fill("#password", password)
    s.page.click("#login-submit")


@pytest.fixture
def fresh(browser: Browser, server: Server) -> Iterator[Session]:
    """A new browser context, not logged in."""
    s = new_session(browser, server)
    yield s
    s.context.close()


@pytest.fixture(scope="package")
def admin(browser: Browser, server: Server) -> Iterator[Session]:
    """One logged-in admin browser context shared by the flow tests (like one user's afternoon)."""
    s = new_session(browser, server)
    log_in(s)
    s.page.wait_for_url(f"{server.url}/")
    yield s
    s.context.close()


@pytest.fixture(autouse=True)
def _clean_console(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test ends with no dialog, no console error and no uncaught error in the shared admin context."""
    yield
    if "admin" in request.fixturenames:
        s: Session = request.getfixturevalue("admin")
        w = s.watch
        found = (list(w.dialogs), list(w.page_errors), list(w.console_errors))
        w.dialogs.clear(), w.page_errors.clear(), w.console_errors.clear()
        assert found == ([], [], []), f"dialogs, page errors, console errors: {found}"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[Any]:
    """On a failure, a screenshot of where the admin's page was (artifacts/FAILED-<test>.png)."""
    rep = yield
    if rep.failed and call.when == "call" and "admin" in getattr(item, "fixturenames", ()):
        s = item.funcargs.get("admin")  # type: ignore[attr-defined]
        if isinstance(s, Session):
            try:
                shot(s.page, f"FAILED-{item.name}")
            except Exception:  # noqa: BLE001 - best effort: never hide the real failure
                pass
    return rep
