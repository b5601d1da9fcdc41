"""Login and logout, roles, CSRF, API tokens, and the ``--no-auth`` loopback rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.conftest import HTML, PASSWORD, csrf_of, login, make_app

from trueoem.web import auth, check_bind


def test_pages_need_login(client: TestClient) -> None:
    r = client.get("/assets", headers=HTML, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=/assets")
    assert client.get("/api/v1/assets").status_code == 401


def test_login_logout(client: TestClient) -> None:
    token = login(client, "viewer")
    r = client.get("/", headers=HTML)
    assert r.status_code == 200 and 'data-testid="counts"' in r.text and "viewer (viewer)" in r.text
    assert client.get("/api/v1/me").json() == {"username": "viewer", "role": "viewer", "via": "session"}
    r = client.post("/logout", data={"csrf_token": token}, headers=HTML, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/api/v1/me").status_code == 401


def test_wrong_password(client: TestClient) -> None:
    token = csrf_of(client)
    r = client.post("/login", data={"username": "admin", "password": "nope-nope", "csrf_token": token}, headers=HTML)
    assert r.status_code == 401 and 'id="login-error"' in r.text
    r = client.post("/login", data={"username": "ghost", "password": PASSWORD, "csrf_token": token}, headers=HTML)
    assert r.status_code == 401


def test_login_refused_without_csrf(client: TestClient) -> None:
    csrf_of(client)
    r = client.post("/login", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 403 and r.json()["error"].startswith("CSRF")


def test_open_redirect_refused(client: TestClient) -> None:
    token = csrf_of(client)
    data = {"username": "admin", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"}
    r = client.post("/login", data=data, headers=HTML, follow_redirects=False)
    assert r.headers["location"] == "/"


def test_roles_enforced(client: TestClient) -> None:
    token = login(client, "viewer")
    h = {auth.CSRF_HEADER: token}
    r = client.post("/api/v1/scans", json={"targets": ["127.0.0.1"]}, headers=h)
    assert r.status_code == 403 and "operator" in r.json()["error"]
    assert client.get("/api/v1/users").status_code == 403
    files = {"file": ("c.csv", b"brand,model\nHikvision,DS-2CD2143G2-I\n")}
    assert client.post("/api/v1/catalogs", files=files, headers=h).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    token = login(client, "operator")
    r = client.post("/api/v1/catalogs", files=files, headers={auth.CSRF_HEADER: token})
    assert r.status_code == 200 and r.json()["rows"][0]["verdict"] == "covered"
    assert client.get("/api/v1/users").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login(client, "admin")
    assert [u["role"] for u in client.get("/api/v1/users").json()] == ["viewer", "operator", "admin"]


def test_csrf_refused_without_token(client: TestClient) -> None:
    token = login(client, "operator")
    files = {"file": ("c.csv", b"brand,model\nHikvision,DS-2CD2143G2-I\n")}
    # a form post without the token, and one with a wrong token
    assert client.post("/catalog", files=files, headers=HTML).status_code == 403
    assert client.post("/catalog", files=files, data={"csrf_token": "0" * 64}, headers=HTML).status_code == 403
    assert client.post("/api/v1/catalogs", files=files).status_code == 403
    r = client.post("/catalog", files=files, data={"csrf_token": token}, headers=HTML)
    assert r.status_code == 200 and 'data-testid="catalog-result"' in r.text
    # the token belongs to this browser's cookie: another browser's cookie does not match it
    client.cookies.set(auth.CSRF_COOKIE, "another-browser")
    assert client.post("/api/v1/catalogs", files=files, headers={auth.CSRF_HEADER: token}).status_code == 403


def test_api_tokens(app: FastAPI, client: TestClient) -> None:
    token = login(client, "operator")
    r = client.post("/api/v1/tokens", json={"name": "ci"}, headers={auth.CSRF_HEADER: token})
    assert r.status_code == 201
    bearer = r.json()["token"]
    assert bearer.startswith("toem_")
    with TestClient(app) as api:  # no cookies: the token alone
        h = {"Authorization": f"Bearer {bearer}"}
        assert api.get("/api/v1/me", headers=h).json()["via"] == "token"
        files = {"file": ("c.csv", b"brand,model\nDahua,IPC-HFW2431S\n")}
        assert api.post("/api/v1/catalogs", files=files, headers=h).status_code == 200  # no CSRF with a token
        assert api.get("/api/v1/me", headers={"Authorization": "Bearer toem_wrong"}).status_code == 401
        tid = r.json()["id"]
        assert api.delete(f"/api/v1/tokens/{tid}", headers=h).json() == {"ok": True}
        assert api.get("/api/v1/me", headers=h).status_code == 401
    stored = [t.prefix for t in auth.list_tokens(app.state.ctx.store)]
    assert bearer not in str(stored)


def test_password_hashes_are_argon2(app: FastAPI) -> None:
    from sqlalchemy import select

    from trueoem.store.auth_tables import User

    with app.state.ctx.store.engine.connect() as c:
        hashes = list(c.scalars(select(User.password_hash)))
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    with pytest.raises(auth.AuthError):
        auth.add_user(app.state.ctx.store, "admin", PASSWORD)


def test_no_auth_only_on_loopback(tmp_path: Path) -> None:
    check_bind("127.0.0.1", False)
    check_bind("::1", False)
    check_bind("0.0.0.0", True)
    with pytest.raises(ValueError):
        check_bind("0.0.0.0", False)
    app = make_app(tmp_path, auth=False)
    with TestClient(app, base_url="http://127.0.0.1:8000") as c:
        assert c.get("/api/v1/me").json()["via"] == "anonymous"
        # DNS rebinding: a foreign Host name is refused
        r = c.get("/api/v1/me", headers={"host": "evil.example"})
        assert r.status_code == 403 and r.json()["ok"] is False
        assert c.get("/api/v1/me", headers={"host": "127.0.0.1:8000"}).status_code == 200
        files = {"file": ("c.csv", b"brand,model\nDahua,IPC-HFW2431S\n")}
        assert c.post("/api/v1/catalogs", files=files).status_code == 403  # a browser's cross-site post
        c.cookies.clear()  # a script: no cookies, and a header no cross-site form can send
        assert c.post("/api/v1/catalogs", files=files, headers={"X-Requested-By": "cli"}).status_code == 200
