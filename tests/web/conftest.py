"""Fixtures of the web tests: an app over a temporary SQLite store, users of every role, hostile data."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from trueoem.attribute import attribute
from trueoem.kb.compiled import load_compiled
from trueoem.match.engine import CompiledKB
from trueoem.model import Observation
from trueoem.web import auth, create_app

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery"
HTML = {"accept": "text/html"}
SCRIPT = "<script>alert('x')</script>"
IMG = '"><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 with test-sized parameters (the defaults cost ~0.5 s a hash here)."""
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(auth, "_hasher", fast)
    monkeypatch.setattr(auth, "_DUMMY", fast.hash("dummy"))


_KB: list[CompiledKB] = []


def make_app(tmp_path: Path, **kw: Any) -> FastAPI:
    """An app over a fresh store, scans limited to loopback (the KB is compiled once)."""
    if not _KB:
        _KB.append(load_compiled())
    kw.setdefault("ckb", _KB[0])
    return create_app(f"sqlite:///{tmp_path}/web.db", secret=b"test-secret", allowed_networks=["127.0.0.0/8"], **kw)


@pytest.fixture
def app(tmp_path: Path) -> FastAPI:
    a = make_app(tmp_path)
    store = a.state.ctx.store
    for role in ("viewer", "operator", "admin"):
        auth.add_user(store, role, PASSWORD, role)
    return a


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's browser (from a rendered form)."""
    r = client.get("/login", headers=HTML)
    m = re.search(r'name="csrf_token" value="([^"]+)"', r.text)
    assert m, r.text
    return m.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> str:
    """Log ``client`` in as ``user``; return its CSRF token."""
    token = csrf_of(client)
    r = client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": token},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return token


def seed(app: FastAPI, ckb: CompiledKB) -> dict[str, int]:
    """Two runs: a hostile device and a Hikvision camera; the second run adds a Dahua camera."""
    store = app.state.ctx.store
    hostile = [
        Observation("brand", SCRIPT, "hostile.csv:2"),
        Observation("model", IMG, "hostile.csv:2"),
        Observation("http", f"HTTP/1.1 200 OK\r\nServer: {SCRIPT}\r\n\r\n<html>{IMG}\u202e</html>", "127.0.0.9:80"),
    ]
    hik = [
        Observation("brand", "Hikvision", "cat.csv:3"),
        Observation("model", "DS-2CD2143G2-I", "cat.csv:3"),
    ]
    dahua = [Observation("brand", "Dahua", "cat.csv:4"), Observation("model", "IPC-HFW2431S-S-S2", "cat.csv:4")]
    s1 = store.begin_scan("check", {"files": ["cat.csv"]}, ckb.kb.version)
    ids = {
        "hostile": store.record_asset(
            s1, external_id="hostile.csv#2", observations=hostile, attribution=attribute("h", hostile, ckb)
        ),
        "hik": store.record_asset(s1, external_id="cat.csv#3", observations=hik, attribution=attribute("k", hik, ckb)),
    }
    store.finish_scan(s1)
    s2 = store.begin_scan("check", {"files": ["cat.csv"]}, ckb.kb.version)
    store.record_asset(s2, external_id="cat.csv#3", observations=hik, attribution=attribute("k", hik, ckb))
    ids["dahua"] = store.record_asset(
        s2, external_id="cat.csv#4", observations=dahua, attribution=attribute("d", dahua, ckb)
    )
    store.finish_scan(s2)
    ids["s1"], ids["s2"] = s1, s2
    return ids
