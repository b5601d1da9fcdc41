"""Fixtures of the schedule/alert tests: loopback alert sinks and a store.

Every sink listens on 127.0.0.1 on an ephemeral port: an HTTP server receiving webhooks, a UDP and
a TCP syslog receiver, and a small SMTP server (with optional STARTTLS on a throw-away certificate).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.schedule.sinks import SmtpSink, SyslogTcpSink, SyslogUdpSink, WebhookSink  # noqa: E402

from trueoem.store import Store  # noqa: E402


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(f"sqlite:///{tmp_path}/sched.db") as s:
        yield s


@pytest.fixture
def webhook() -> Iterator[WebhookSink]:
    with WebhookSink() as w:
        yield w


@pytest.fixture
def syslog_udp() -> Iterator[SyslogUdpSink]:
    with SyslogUdpSink() as s:
        yield s


@pytest.fixture
def syslog_tcp() -> Iterator[SyslogTcpSink]:
    with SyslogTcpSink() as s:
        yield s


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as s:
        yield s
