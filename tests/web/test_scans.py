"""Scans from the web: start, live progress, cancel; emulated devices on 127.35.0.0/16 only."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.emulators import CAMERAS, Device, FleetThread
from tests.emulators.profiles import SILENT
from tests.scan.conftest import needs_low_ports
from tests.web.conftest import HTML, login

from trueoem.web import auth

pytestmark = needs_low_ports


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Device]]:
    lay = [(f"127.35.0.{i + 1}", d) for i, d in enumerate(CAMERAS)]
    lay += [(f"127.35.1.{i + 1}", SILENT) for i in range(4)]
    with FleetThread(lay):
        yield dict(lay)


def _wait(client: TestClient, scan_id: int, states: tuple[str, ...], limit: float = 60.0) -> dict[str, Any]:
    end = time.monotonic() + limit
    while time.monotonic() < end:
        s: dict[str, Any] = client.get(f"/api/v1/scans/{scan_id}").json()
        if s["progress"]["state"] in states:
            return s
        time.sleep(0.2)
    raise AssertionError(f"scan {scan_id} did not reach {states}: {s}")


def test_scan_start_progress_done(app: FastAPI, client: TestClient, fleet: dict[str, Device]) -> None:
    token = login(client, "operator")
    h = {auth.CSRF_HEADER: token}
    body = {"targets": ["127.35.0.0/28"], "max_rate": 1000, "timeout": 2}
    r = client.post("/api/v1/scans", json=body, headers=h)
    assert r.status_code == 202, r.text
    scan_id = r.json()["id"]
    assert r.json()["progress"]["targets"] == 14
    page = client.get(f"/scans/{scan_id}", headers=HTML).text
    assert 'id="scan-progress"' in page
    s = _wait(client, scan_id, ("done", "failed"))
    assert s["progress"]["state"] == "done" and s["status"] == "done", s
    assert s["progress"]["hosts_done"] == 14 and s["progress"]["covered"] >= 6
    assets = client.get("/api/v1/assets?verdict=covered").json()
    assert {a["ip"] for a in assets["items"]} >= {ip for ip, d in fleet.items() if d.name == "hikvision-camera"}
    frag = client.get(f"/scans/{scan_id}/progress", headers=HTML).text
    assert 'data-state="done"' in frag and "hx-trigger" not in frag  # polling stops when done


def test_scan_form_and_cancel(app: FastAPI, client: TestClient, fleet: dict[str, Device]) -> None:
    token = login(client, "operator")
    r = client.post(
        "/scans",
        data={"csrf_token": token, "targets": "127.35.1.0/24", "ports": "80,554,8000", "max_rate": "10"},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    scan_id = int(r.headers["location"].rsplit("/", 1)[1])
    frag = client.get(f"/scans/{scan_id}/progress", headers=HTML).text
    assert 'data-state="running"' in frag and 'id="scan-cancel"' in frag and "every 1s" in frag
    time.sleep(1.0)
    r = client.post(f"/scans/{scan_id}/cancel", headers={**HTML, "HX-Request": "true", auth.CSRF_HEADER: token})
    assert r.status_code == 200 and 'id="scan-progress"' in r.text
    s = _wait(client, scan_id, ("interrupted", "done", "failed"), limit=30)
    assert s["progress"]["state"] == "interrupted" and s["status"] == "interrupted", s
    assert s["progress"]["hosts_done"] < 254
    pending = app.state.ctx.store.pending_targets(scan_id)
    assert pending  # what is left can be resumed from the CLI (trueoem scan --resume)


def test_scan_refuses_outside_policy(client: TestClient) -> None:
    token = login(client, "operator")
    r = client.post("/scans", data={"csrf_token": token, "targets": "192.0.2.1"}, headers=HTML)
    assert r.status_code == 422 and 'data-testid="scan-error"' in r.text and "outside" in r.text
