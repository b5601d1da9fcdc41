"""Alert rules and the delivery ledger, store-level (no scanning): new asset, verdict change, once only."""

from __future__ import annotations

from typing import Any

import pytest
from tests.schedule.helpers import record
from tests.schedule.sinks import SmtpSink, WebhookSink, wait_for

from trueoem.schedule import (
    Alert,
    AlertError,
    ChannelError,
    add_channel,
    deliveries,
    dispatch,
    list_channels,
    remove_channel,
    retry_failed,
    scan_alerts,
    send_test_alert,
)
from trueoem.store import Store


def test_new_and_changed_assets(store: Store) -> None:
    s1 = store.begin_scan("scan")
    record(store, s1, "127.0.0.2", "covered")
    record(store, s1, "127.0.0.3", "unknown", oem=None)
    record(store, s1, "127.0.0.4", "likely_covered")
    record(store, s1, "127.0.0.5", "not_covered", oem="axis")
    a1 = {a.ip: a for a in scan_alerts(store, s1)}
    assert set(a1) == {"127.0.0.2", "127.0.0.4"} and {a.event for a in a1.values()} == {"new_asset"}
    assert a1["127.0.0.2"].legal_basis.startswith("NDAA") and a1["127.0.0.2"].oem == "hikvision"
    s2 = store.begin_scan("scan")
    record(store, s2, "127.0.0.2", "covered")  # unchanged: nothing
    record(store, s2, "127.0.0.3", "covered")  # unknown -> covered: change
    record(store, s2, "127.0.0.4", "covered")  # likely -> covered: change
    record(store, s2, "127.0.0.5", "not_covered", oem="axis")
    a2 = {a.ip: a for a in scan_alerts(store, s2)}
    assert set(a2) == {"127.0.0.3", "127.0.0.4"}
    assert a2["127.0.0.3"].event == "verdict_change" and a2["127.0.0.3"].previous_verdict == "unknown"
    s3 = store.begin_scan("scan")
    record(store, s3, "127.0.0.4", "likely_covered")  # de-escalation: nothing
    assert scan_alerts(store, s3) == []


def test_dispatch_exactly_once_and_rules(store: Store, webhook: WebhookSink, smtp: SmtpSink) -> None:
    add_channel(store, "hook", "webhook", {"url": webhook.url, "secret": "k"})
    add_channel(
        store,
        "mail",
        "email",
        {"host": "127.0.0.1", "port": smtp.port, "from": "t@example.org", "to": ["s@example.org"]},
        verdicts=["covered"],
        events=["new_asset"],
    )
    s1 = store.begin_scan("scan")
    record(store, s1, "127.0.0.2", "covered")
    record(store, s1, "127.0.0.4", "likely_covered")
    rep = dispatch(store, scan_alerts(store, s1))
    assert (rep.sent, rep.failed, rep.skipped) == (3, 0, 0)  # hook: 2, mail: covered only
    assert len(webhook.requests) == 2 and wait_for(lambda: len(smtp.messages) == 1)
    again = dispatch(store, scan_alerts(store, s1))  # same scan evaluated again: nothing re-sent
    assert (again.sent, again.skipped) == (0, 3) and len(webhook.requests) == 2
    assert {d["status"] for d in deliveries(store, scan_id=s1)} == {"sent"}
    assert [c.name for c in list_channels(store)] == ["hook", "mail"]
    assert list_channels(store)[0].redacted()["secret"] == "***"


def test_failed_delivery_is_retried(store: Store, webhook: WebhookSink) -> None:
    add_channel(store, "hook", "webhook", {"url": webhook.url, "secret": "k", "retries": 0})
    s1 = store.begin_scan("scan")
    record(store, s1, "127.0.0.2", "covered")
    webhook.statuses = [500]
    rep = dispatch(store, scan_alerts(store, s1))
    assert rep.failed == 1 and "HTTP 500" in rep.errors[0]
    assert deliveries(store)[0]["status"] == "failed"
    rep2 = retry_failed(store)
    assert rep2.sent == 1 and deliveries(store)[0]["status"] == "sent" and deliveries(store)[0]["attempts"] == 2
    assert retry_failed(store).sent == 0 and len(webhook.requests) == 2


def test_hostile_strings_from_the_store(store: Store) -> None:
    sent: list[Alert] = []

    class Capture:
        def send(self, alert: Alert) -> None:
            sent.append(alert)

    def make(kind: str, cfg: dict[str, Any]) -> Capture:
        return Capture()

    add_channel(store, "cap", "webhook", {"url": "http://127.0.0.1:9/", "secret": "k"})
    s1 = store.begin_scan("scan")
    evil = "Evil\r\nBcc: a@evil\x00\x1b]0;pwn\x07\u202e\udcff"
    record(store, s1, "127.0.0.2", "covered", label=evil, model=evil)
    dispatch(store, scan_alerts(store, s1), make=make)
    (a,) = sent
    for text in (a.label_brand, a.model, a.subject(), a.one_line()):
        assert not any(c in text for c in "\r\n\x00\x1b\x07\u202e\udcff"), repr(text)
    assert a.label_brand.startswith("Evil Bcc: a@evil")


def test_channel_validation_and_test_alert(store: Store, webhook: WebhookSink) -> None:
    with pytest.raises(AlertError, match="kind"):
        add_channel(store, "x", "pager", {})
    with pytest.raises(AlertError, match="events"):
        add_channel(store, "x", "webhook", {"url": webhook.url, "secret": "k"}, events=["offline"])
    with pytest.raises(AlertError, match="http"):
        add_channel(store, "x", "webhook", {"url": "file:///etc/passwd", "secret": "k"})
    with pytest.raises(AlertError, match="name"):
        add_channel(store, "bad name\n", "webhook", {"url": webhook.url, "secret": "k"})
    add_channel(store, "x", "webhook", {"url": webhook.url, "secret": "k"})
    with pytest.raises(AlertError, match="already exists"):
        add_channel(store, "x", "webhook", {"url": webhook.url, "secret": "k"})
    a = send_test_alert(store, "x")
    assert a.event == "test" and len(webhook.requests) == 1 and deliveries(store) == []
    remove_channel(store, "x")
    with pytest.raises(AlertError):
        remove_channel(store, "x")
    assert issubclass(ChannelError, RuntimeError)


def test_keyless_hosts_are_matched_by_address_and_oem(store: Store) -> None:
    from tests.schedule.helpers import attribution

    def keyless(scan: int, ip: str, oem: str) -> None:
        store.record_asset(scan, ip=ip, attribution=attribution(ip, "covered", oem=oem))

    s1 = store.begin_scan("scan")
    keyless(s1, "127.0.0.2", "hikvision")
    keyless(s1, "127.0.0.3", "hikvision")
    assert len(scan_alerts(store, s1)) == 2
    s2 = store.begin_scan("scan")
    keyless(s2, "127.0.0.2", "hikvision")  # same address, same OEM: already seen
    keyless(s2, "127.0.0.3", "dahua")  # same address, another OEM: a new device
    (a,) = scan_alerts(store, s2)
    assert (a.ip, a.oem, a.event) == ("127.0.0.3", "dahua", "new_asset")
