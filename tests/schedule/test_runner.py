"""The runner with an injected clock: scheduled scans of emulated devices on loopback, alerts once.

The fleet (127.34.0.x only) has two covered devices (Hikvision, and an Amcrest whose answers carry
control characters), one non-covered (Axis) and one unknown. The first due run alerts for the two
covered devices on every channel, exactly once; the next run finds nothing new and sends nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tests.emulators import BY_NAME, Device, FleetThread
from tests.emulators.profiles import MAGICBOX, Reply
from tests.scan.conftest import needs_low_ports
from tests.schedule.sinks import SmtpSink, SyslogUdpSink, WebhookSink, wait_for

from trueoem.match.engine import CompiledKB
from trueoem.schedule import (
    ScheduleError,
    add_channel,
    add_schedule,
    deliveries,
    get_schedule,
    list_schedules,
    remove_schedule,
    run_once,
    set_enabled,
    verify_signature,
)
from trueoem.schedule.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER
from trueoem.schedule.model import set_state
from trueoem.store import Store

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AM = BY_NAME["amcrest-camera"]
EVIL_AMCREST = replace(
    AM,
    name="evil-amcrest",
    http={
        **AM.http,
        MAGICBOX: Reply(
            200,
            (("Content-Type", "text/plain"),),
            "deviceType=IP4M\x1b[2J\u202eBcc: x@evil.example\r\nserialNumber=AMC1\r\n"
            "updateSerial=IPC-AW46WN-S2\x1b]0;pwn\x07\r\n".encode(),
        ),
    },
)
LAYOUT = [
    ("127.34.0.1", BY_NAME["hikvision-camera"]),
    ("127.34.0.2", EVIL_AMCREST),
    ("127.34.0.3", BY_NAME["axis-camera"]),
    ("127.34.0.4", BY_NAME["generic-goahead"]),
]
COVERED = {"127.34.0.1", "127.34.0.2"}


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Device]]:
    with FleetThread(LAYOUT):
        yield dict(LAYOUT)


def _schedule(store: Store, name: str = "cams", **kw: object) -> None:
    add_schedule(
        store,
        name,
        ["127.34.0.1-4"],
        "every 1h",
        max_rate=1000,
        timeout=2,
        now=T0,
        **kw,  # type: ignore[arg-type]
    )


@needs_low_ports
def test_scheduled_scan_alerts_once(
    fleet: dict[str, Device],
    tmp_path: Path,
    ckb: CompiledKB,
    webhook: WebhookSink,
    syslog_udp: SyslogUdpSink,
    smtp: SmtpSink,
) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    with Store.open(db) as store:
        _schedule(store)
        add_channel(store, "hook", "webhook", {"url": webhook.url, "secret": "k"})
        add_channel(store, "log", "syslog", {"host": "127.0.0.1", "port": syslog_udp.port})
        mail = {"host": "127.0.0.1", "port": smtp.port, "from": "t@example.org", "to": ["s@example.org"]}
        add_channel(store, "mail", "email", mail)
        assert run_once(store, ckb, T0 - timedelta(minutes=1)) == []  # not due yet: nothing runs
        (rep,) = run_once(store, ckb, T0)
        assert rep.status == "done" and rep.totals is not None and rep.totals.covered == 2
        assert (rep.alerts.sent, rep.alerts.failed) == (6, 0), rep.alerts.errors
    ips = set()
    for _, h, body in webhook.requests:
        assert verify_signature("k", h[TIMESTAMP_HEADER], body, h[SIGNATURE_HEADER])
        d = json.loads(body)
        assert d["event"] == "new_asset" and d["verdict"] == "covered" and d["legal_basis"]
        assert "\x1b" not in body.decode() and "\\u001b" not in body.decode() and "\\u202e" not in body.decode()
        ips.add(d["ip"])
    assert ips == COVERED and len(webhook.requests) == 2
    assert wait_for(lambda: len(syslog_udp.messages) == 2 and len(smtp.messages) == 2)
    for m in syslog_udp.messages:
        assert b"\n" not in m and b"\x1b" not in m
    for _, _, msg in smtp.messages:
        assert "\n" not in str(msg["Subject"]) and msg.get_all("Bcc") is None

    with Store.open(db) as store:  # a restarted runner: state comes from the store
        sched = get_schedule(store, "cams")
        assert sched.next_run == T0 + timedelta(hours=1) and sched.last_status == "done"
        assert sched.alerted_scan_id == sched.last_scan_id
        assert run_once(store, ckb, T0 + timedelta(minutes=30)) == []
        (rep2,) = run_once(store, ckb, T0 + timedelta(hours=1, seconds=5))  # nothing new appeared
        assert rep2.status == "done" and rep2.totals is not None and rep2.totals.covered == 2
        assert (rep2.alerts.sent, rep2.alerts.skipped) == (0, 0)
        assert get_schedule(store, "cams").next_run == T0 + timedelta(hours=2)
        assert len(deliveries(store)) == 6
    assert len(webhook.requests) == 2 and len(syslog_udp.messages) == 2 and len(smtp.messages) == 2


@needs_low_ports
def test_killed_runner_resumes_scan_and_sends_alerts(
    fleet: dict[str, Device], tmp_path: Path, ckb: CompiledKB, webhook: WebhookSink
) -> None:
    with Store.open(f"sqlite:///{tmp_path}/k.db") as store:
        _schedule(store)
        add_channel(store, "hook", "webhook", {"url": webhook.url, "secret": "k"})
        sched = get_schedule(store, "cams")
        # what a runner killed mid-scan leaves: a claimed run, a scan 'running' with targets pending
        scan_id = store.begin_scan("scan", {"schedule": "cams"}, ckb.kb.version, targets=[ip for ip, _ in LAYOUT])
        store.mark_target(scan_id, "127.34.0.3", "done")
        set_state(store, sched.id, last_scan_id=scan_id, last_status="running", next_run=T0 + timedelta(hours=1))
        (rep,) = run_once(store, ckb, T0 + timedelta(minutes=5))
        assert rep.status == "resumed-done" and rep.scan_id == scan_id
        assert rep.totals is not None and rep.totals.targets == 3 and rep.alerts.sent == 2
        info = store.scan(scan_id)
        assert info is not None and info.status == "done"
        # killed after the scan but before its alerts were recorded as sent: sent once, not twice
        set_state(store, sched.id, alerted_scan_id=None)
        (rep2,) = run_once(store, ckb, T0 + timedelta(minutes=6))
        assert rep2.status == "alerts-only" and (rep2.alerts.sent, rep2.alerts.skipped) == (0, 2)
        assert len(webhook.requests) == 2


def test_schedule_crud(store: Store) -> None:
    s = add_schedule(store, "nightly", ["127.0.0.1"], "daily at 02:30", exclusions=["127.0.0.2"], now=T0)
    assert s.next_run == datetime(2026, 6, 2, 2, 30, tzinfo=UTC) and s.spec == "daily at 02:30"
    assert s.as_dict()["targets"] == ["127.0.0.1"]
    with pytest.raises(ScheduleError, match="already exists"):
        add_schedule(store, "nightly", ["127.0.0.1"], "every 1h")
    for bad in (
        {"name": "x", "targets": [], "spec": "every 1h"},
        {"name": "x", "targets": ["127.0.0.1"], "spec": "sometimes"},
        {"name": "x y", "targets": ["127.0.0.1"], "spec": "every 1h"},
        {"name": "123", "targets": ["127.0.0.1"], "spec": "every 1h"},
        {"name": "x", "targets": ["127.0.0.1"], "spec": "every 1h", "ports": "99999"},
        {"name": "x", "targets": ["127.0.0.1"], "spec": "every 1h", "exclusions": ["127.0.0.1"]},
    ):
        with pytest.raises(ScheduleError):
            add_schedule(store, **bad)  # type: ignore[arg-type]
    paused = set_enabled(store, "nightly", False)
    assert not paused.enabled and run_once.__name__  # a paused schedule is never due
    resumed = set_enabled(store, "nightly", True, now=datetime(2026, 6, 5, tzinfo=UTC))
    assert resumed.next_run == datetime(2026, 6, 5, 2, 30, tzinfo=UTC)
    assert [x.name for x in list_schedules(store)] == ["nightly"]
    remove_schedule(store, "nightly")
    assert list_schedules(store) == []
