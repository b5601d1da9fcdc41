"""CLI wiring of users, serve's loopback rule, schedules and alert channels (the modules have their own tests)."""

from __future__ import annotations

import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trueoem.cli import app

runner = CliRunner()


@pytest.fixture()
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/a.db"


def test_user_add(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from argon2 import PasswordHasher

    import trueoem.web.auth as auth

    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    r = runner.invoke(app, ["user", "add", "alice", "--role", "operator", "--password", "correct horse", "--db", db])
    assert r.exit_code == 0 and "alice (operator)" in r.stdout
    again = runner.invoke(app, ["user", "add", "alice", "--password", "correct horse", "--db", db])
    assert again.exit_code == 2 and "Traceback" not in again.output
    short = runner.invoke(app, ["user", "add", "bob", "--password", "x", "--db", db])
    assert short.exit_code == 2


def test_serve_refuses_no_auth_off_loopback(db: str) -> None:
    r = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--no-auth", "--db", db])
    assert r.exit_code == 2 and "loopback" in r.stderr.lower()


def test_schedule_add_list_remove(db: str) -> None:
    r = runner.invoke(app, ["schedule", "add", "nightly", "127.0.0.1", "--every", "daily at 02:30", "--db", db])
    assert r.exit_code == 0, r.output
    listed = [json.loads(x) for x in runner.invoke(app, ["schedule", "list", "--db", db]).stdout.splitlines()]
    assert [s["name"] for s in listed] == ["nightly"]
    assert (
        runner.invoke(app, ["schedule", "add", "bad", "127.0.0.1", "--every", "sometimes", "--db", db]).exit_code == 2
    )
    assert runner.invoke(app, ["schedule", "remove", "nightly", "--db", db]).exit_code == 0
    assert runner.invoke(app, ["schedule", "list", "--db", db]).stdout.strip() == ""


@pytest.fixture()
def hook() -> Iterator[tuple[str, list[bytes]]]:
    got: list[bytes] = []

    class H(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            got.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *a: object) -> None:
            pass

    srv = http.server.HTTPServer(("127.0.0.1", 0), H)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_port}/hook", got
    srv.shutdown()


def test_alert_add_list_test(db: str, hook: tuple[str, list[bytes]]) -> None:
    url, got = hook
    r = runner.invoke(app, ["alert", "add", "ops", "webhook", "--set", f"url={url}", "--set", "secret=s3cret",
                            "--db", db])  # fmt: skip
    assert r.exit_code == 0, r.output
    listed = runner.invoke(app, ["alert", "list", "--db", db]).stdout
    assert "ops" in listed and "s3cret" not in listed
    t = runner.invoke(app, ["alert", "test", "ops", "--db", db])
    assert t.exit_code == 0, t.output
    assert got and json.loads(got[0])
    assert runner.invoke(app, ["alert", "add", "x", "carrier-pigeon", "--db", db]).exit_code == 2
