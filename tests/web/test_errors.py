"""One error shape everywhere: every error kind the server can return is the envelope."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import HTML, login, make_app

from trueoem.web import auth


def assert_envelope(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "errors", "status"}, body
    assert body["ok"] is False and body["status"] == status and isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)
    return body  # type: ignore[no-any-return]


def test_every_error_kind(app: FastAPI, client: TestClient) -> None:
    assert_envelope(client.get("/api/v1/assets"), 401)  # not logged in
    assert_envelope(client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}), 401)
    token = login(client, "viewer")
    assert_envelope(client.get("/api/v1/nowhere"), 404)  # unknown path
    assert_envelope(client.get("/nowhere", headers={"accept": "application/json"}), 404)
    assert_envelope(client.get("/api/v1/assets/12345"), 404)  # unknown asset
    assert_envelope(client.get("/api/v1/scans/12345"), 404)
    assert_envelope(client.get("/api/v1/kb/entities/nobody"), 404)
    assert_envelope(client.delete("/api/v1/dashboard", headers={auth.CSRF_HEADER: token}), 405)
    body = assert_envelope(client.get("/api/v1/assets?limit=0"), 422)  # validation
    assert body["errors"][0]["loc"] == ["query", "limit"]
    assert_envelope(client.get("/api/v1/assets/abc"), 422)
    assert_envelope(client.get("/api/v1/users"), 403)  # role
    assert_envelope(client.post("/api/v1/tokens", json={"name": "x"}), 403)  # CSRF
    client.post("/logout", data={"csrf_token": token})
    token = login(client, "operator")
    h = {auth.CSRF_HEADER: token}
    assert_envelope(client.post("/api/v1/scans", json={"targets": ["10.0.0.1"]}, headers=h), 422)  # policy
    assert_envelope(client.post("/api/v1/scans", json={"targets": []}, headers=h), 422)
    assert_envelope(client.post("/api/v1/scans", json={"targets": ["camera.example"]}, headers=h), 422)
    assert_envelope(
        client.post("/api/v1/scans", content=b"{not json", headers={**h, "content-type": "application/json"}), 422
    )
    files = {"file": ("c.csv", b"")}
    assert_envelope(client.post("/api/v1/catalogs", files=files, headers=h), 422)  # empty upload
    files = {"file": ("c.csv", b"colour,size\nred,3\n")}
    assert "columns" in assert_envelope(client.post("/api/v1/catalogs", files=files, headers=h), 422)["error"]


def test_conflict_and_too_large(tmp_path: Path) -> None:
    app = make_app(tmp_path, max_upload=1000)
    auth.add_user(app.state.ctx.store, "admin", "correct horse battery", "admin")
    with TestClient(app) as c:
        token = login(c, "admin")
        h = {auth.CSRF_HEADER: token}
        files = {"file": ("c.csv", b"brand,model\n" + b"Hikvision,DS-2CD\n" * 200)}
        assert_envelope(c.post("/api/v1/catalogs", files=files, headers=h), 413)
        body = {"username": "admin", "password": "another password"}
        assert_envelope(c.post("/api/v1/users", json=body, headers=h), 409)
        s = app.state.ctx.store.begin_scan("check")
        assert_envelope(c.post(f"/api/v1/scans/{s}/cancel", headers=h), 409)


def test_server_error(app: FastAPI, client: TestClient) -> None:
    @app.get("/api/v1/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    body = assert_envelope(client.get("/api/v1/boom"), 500)
    assert "secret" not in body["error"]


def test_browser_errors_are_pages(client: TestClient) -> None:
    login(client, "viewer")
    r = client.get("/assets/999", headers=HTML)
    assert r.status_code == 404 and 'data-testid="error"' in r.text and "no asset 999" in r.text
