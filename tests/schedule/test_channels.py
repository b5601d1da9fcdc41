"""Alert transports against loopback receivers: webhook HMAC/retries, syslog RFC 5424, SMTP (STARTTLS)."""

from __future__ import annotations

import json
import re
import ssl
import time
from pathlib import Path

import pytest
from tests.schedule.sinks import SmtpSink, SyslogTcpSink, SyslogUdpSink, WebhookSink, self_signed, wait_for

from trueoem.schedule.alerts import Alert
from trueoem.schedule.channels import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    ChannelError,
    EmailChannel,
    SyslogChannel,
    WebhookChannel,
    make_channel,
    verify_signature,
)

SECRET = "s3cret-for-tests"
EVIL = "Hik\r\nBcc: victim@evil.example\r\nSubject: pwned\x1b[31m\u202e\x00 http://evil.example/x"


def hostile_alert() -> Alert:
    return Alert.make(
        event="new_asset",
        verdict="covered",
        confidence=0.97,
        ip="127.0.0.9",
        label_brand=EVIL,
        model=EVIL,
        oem="hikvision",
        oem_name="Hikvision",
        legal_basis='NDAA s.889 "] [x y="z"',
        asset_id=7,
        attribution_id=9,
        scan_id=3,
    )


def _no_controls(s: str) -> None:
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f\u202e\u2028\u2029]", s), repr(s)


def test_webhook_signed_and_verified(webhook: WebhookSink) -> None:
    WebhookChannel(webhook.url, SECRET).send(hostile_alert())
    assert len(webhook.requests) == 1
    path, headers, body = webhook.requests[0]
    assert path == "/hook" and headers["Content-Type"] == "application/json"
    assert verify_signature(SECRET, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature("wrong", headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER])
    assert not verify_signature(SECRET, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER])
    stale = str(int(headers[TIMESTAMP_HEADER]) - 3600)
    assert not verify_signature(SECRET, stale, body, headers[SIGNATURE_HEADER])  # replay window
    d = json.loads(body)
    assert d["verdict"] == "covered" and d["ip"] == "127.0.0.9" and d["legal_basis"].startswith("NDAA")
    for v in (d["label_brand"], d["model"], d["summary"].replace("\n", " ")):
        _no_controls(v)
    assert "http://" not in d["summary"]


def test_webhook_retries_5xx_not_4xx(webhook: WebhookSink) -> None:
    waits: list[float] = []
    webhook.statuses = [500, 503]
    WebhookChannel(webhook.url, SECRET, retries=3, backoff=0.5, sleep=waits.append).send(hostile_alert())
    assert len(webhook.requests) == 3 and waits == [0.5, 1.0]
    webhook.requests.clear()
    webhook.statuses = [400]
    with pytest.raises(ChannelError, match="HTTP 400"):
        WebhookChannel(webhook.url, SECRET, retries=3, sleep=waits.append).send(hostile_alert())
    assert len(webhook.requests) == 1


def test_webhook_does_not_follow_redirects(webhook: WebhookSink) -> None:
    webhook.redirect_to = webhook.url + "/elsewhere"
    with pytest.raises(ChannelError, match="307"):
        WebhookChannel(webhook.url, SECRET, retries=0).send(hostile_alert())
    assert [p for p, _, _ in webhook.requests] == ["/hook"]


def test_webhook_unreachable_and_bad_config() -> None:
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    t = time.monotonic()
    with pytest.raises(ChannelError, match="webhook http://127.0.0.1"):
        WebhookChannel(f"http://127.0.0.1:{port}/x?token=abc", SECRET, retries=1, sleep=lambda _s: None).send(
            hostile_alert()
        )
    assert time.monotonic() - t < 5
    for url in ("file:///etc/passwd", "ftp://127.0.0.1/", "http:///nohost"):
        with pytest.raises(ChannelError):
            WebhookChannel(url, SECRET)
    with pytest.raises(ChannelError, match="secret"):
        WebhookChannel("http://127.0.0.1:9/", "")


def test_webhook_secret_from_environment(webhook: WebhookSink, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = {"url": webhook.url, "secret_env": "TRUEOEM_TEST_HOOK_SECRET"}
    with pytest.raises(ChannelError, match="TRUEOEM_TEST_HOOK_SECRET"):
        make_channel("webhook", cfg)
    make_channel("webhook", cfg, check_only=True)  # validation need not see the secret
    monkeypatch.setenv("TRUEOEM_TEST_HOOK_SECRET", SECRET)
    make_channel("webhook", cfg).send(hostile_alert())
    _, h, body = webhook.requests[0]
    assert verify_signature(SECRET, h[TIMESTAMP_HEADER], body, h[SIGNATURE_HEADER])


RFC5424 = re.compile(rb"^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*\]) \xef\xbb\xbf(.*)$", re.S)


def _check_syslog(raw: bytes) -> None:
    m = RFC5424.match(raw)
    assert m, raw
    assert int(m.group(1)) == 16 * 8 + 3  # local0.error for covered
    assert m.group(4) == b"trueoem" and m.group(6) == b"new_asset"
    assert b"\n" not in raw and b"\r" not in raw and b"\x1b" not in raw and b"\x00" not in raw
    sd = m.group(7).decode()
    assert sd.startswith("[trueoem@32473 ") and 'verdict="covered"' in sd and 'ip="127.0.0.9"' in sd
    # the SD-ELEMENT ends once: every ']' and '"' inside values is escaped
    assert re.fullmatch(r'\[trueoem@32473( [a-z_]+="([^"\\\]]|\\.)*")+\]', sd), sd
    _no_controls(m.group(8).decode())


def test_syslog_udp(syslog_udp: SyslogUdpSink) -> None:
    SyslogChannel("127.0.0.1", syslog_udp.port, hostname="host\r\nevil").send(hostile_alert())
    assert wait_for(lambda: syslog_udp.messages)
    _check_syslog(syslog_udp.messages[0])
    assert b" hostevil trueoem " in syslog_udp.messages[0]


def test_syslog_tcp_octet_counted(syslog_tcp: SyslogTcpSink) -> None:
    ch = make_channel("syslog", {"host": "127.0.0.1", "port": syslog_tcp.port, "protocol": "tcp"})
    ch.send(hostile_alert())
    ch.send(hostile_alert())
    assert wait_for(lambda: len(syslog_tcp.messages) == 2)
    for m in syslog_tcp.messages:
        _check_syslog(m)


def test_email_no_header_injection(smtp: SmtpSink) -> None:
    EmailChannel("127.0.0.1", "trueoem@example.org", ["secops@example.org"], port=smtp.port).send(hostile_alert())
    assert wait_for(lambda: smtp.messages)
    sender, rcpts, msg = smtp.messages[0]
    assert sender == "<trueoem@example.org>" and rcpts == ["<secops@example.org>"]
    assert msg.get_all("Bcc") is None and len(msg.get_all("Subject") or []) == 1
    subject = str(msg["Subject"])
    _no_controls(subject)
    assert subject.startswith("trueoem: new covered asset at 127.0.0.9")
    assert "http://" not in subject
    raw_headers = smtp.raw[0].split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|Subject: pwned)", raw_headers, re.M | re.I)
    body = msg.get_content()
    assert "Legal basis:" in body and "Verdict:     covered" in body and "http://" not in body
    _no_controls(body.replace("\r\n", "\n").replace("\n", " "))


def test_email_starttls_and_auth(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    with SmtpSink(tls=ctx) as sink:
        ch = make_channel(
            "email",
            {
                "host": "127.0.0.1",
                "port": sink.port,
                "from": "trueoem@example.org",
                "to": "secops@example.org",
                "tls": "starttls",
                "cafile": str(cert),
                "username": "u",
                "password": "p",
            },
        )
        ch.send(hostile_alert())
        assert wait_for(lambda: sink.messages)
        assert sink.tls_used == [True] and sink.auth and sink.auth[0].startswith("AUTH PLAIN")
        bad = EmailChannel("127.0.0.1", "a@example.org", ["b@example.org"], port=sink.port, tls="starttls")
        with pytest.raises(ChannelError, match="smtp"):  # the default trust store does not know the test CA
            bad.send(hostile_alert())


def test_email_config_validation() -> None:
    with pytest.raises(ChannelError, match="e-mail address"):
        EmailChannel("127.0.0.1", "a@example.org", ["b@example.org\r\nBcc: c@evil"])
    with pytest.raises(ChannelError, match="without TLS"):
        EmailChannel("smtp.example.org", "a@example.org", ["b@example.org"], username="u", password="p")
    with pytest.raises(ChannelError, match="missing setting 'from'"):
        make_channel("email", {"host": "127.0.0.1", "to": ["b@example.org"]})
