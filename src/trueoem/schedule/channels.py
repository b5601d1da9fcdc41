"""Alert transports: webhook (HTTP POST JSON, HMAC-signed), syslog (RFC 5424, UDP/TCP), e-mail (SMTP).

Each channel is built from its stored configuration by :func:`make_channel` and has one method,
``send(alert)``, which raises :class:`ChannelError` when the alert could not be delivered. Every
device-controlled string has been cleaned by :class:`~trueoem.schedule.alerts.Alert` already; the
transports clean again whatever lands in a header (subject, syslog header fields), so no caller
can inject a header line.

Webhook signature: ``X-Trueoem-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``
with ``X-Trueoem-Timestamp: <unix seconds>``; receivers check it with :func:`verify_signature`
and reject stale timestamps (replays). Secrets can be given by environment variable name
(``secret_env``, ``password_env``) so they are not stored in the database.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from trueoem.schedule.text import ascii_token, clean

if TYPE_CHECKING:
    from trueoem.schedule.alerts import Alert

SIGNATURE_HEADER = "X-Trueoem-Signature"
TIMESTAMP_HEADER = "X-Trueoem-Timestamp"
EVENT_HEADER = "X-Trueoem-Event"
#: RFC 5612's documentation enterprise number: the SD-ID of trueoem's structured data.
SD_ID = "trueoem@32473"
FACILITIES = {"user": 1, "daemon": 3, "auth": 4, "local0": 16, "local1": 17, "local2": 18, "local3": 19,
              "local4": 20, "local5": 21, "local6": 22, "local7": 23}  # fmt: skip
SEVERITY = {"covered": 3, "likely_covered": 4}  # error, warning; anything else (tests): notice (5)


class ChannelError(RuntimeError):
    """An alert could not be delivered (or a channel is misconfigured)."""


class Channel(Protocol):
    """Something that delivers an alert."""

    def send(self, alert: Alert) -> None:
        """Deliver ``alert``; raise :class:`ChannelError` on failure."""


def _secret(cfg: dict[str, Any], key: str, check_only: bool = False) -> str | None:
    env = cfg.get(f"{key}_env")
    if env:
        val = os.environ.get(str(env))
        if val is None and check_only:
            return "(set at send time)"
        if val is None:
            raise ChannelError(f"environment variable {env} (the {key}) is not set")
        return val
    v = cfg.get(key)
    return None if v is None else str(v)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={mac}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None, tolerance: float = 300
) -> bool:
    """True if ``signature`` is ``body``'s and ``timestamp`` is within ``tolerance`` seconds of ``now``."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is a failure: a signed alert is never re-sent somewhere else


@dataclass
class WebhookChannel:
    """HTTP(S) POST of the alert as JSON, HMAC-signed; retried on network errors, 429 and 5xx."""

    url: str
    secret: str
    timeout: float = 10.0
    retries: int = 3
    backoff: float = 1.0
    cafile: str | None = None
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)
    clock: Callable[[], float] = field(default=time.time, repr=False)

    def __post_init__(self) -> None:
        u = urlsplit(self.url)
        if u.scheme not in ("http", "https") or not u.hostname:
            raise ChannelError(f"webhook URL must be http:// or https:// with a host, not {self.url!r}")
        if not self.secret:
            raise ChannelError("a webhook needs a secret (secret or secret_env) to sign its alerts")

    def send(self, alert: Alert) -> None:
        body = json.dumps(alert.as_dict(), ensure_ascii=True, sort_keys=True).encode()
        ctx = ssl.create_default_context(cafile=self.cafile) if self.url.startswith("https") else None
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({}), _NoRedirect()]
        if ctx is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ctx))
        opener = urllib.request.build_opener(*handlers)
        last = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(self.backoff * 2 ** (attempt - 1))
            ts = str(int(self.clock()))
            req = urllib.request.Request(self.url, data=body, method="POST")
            req.add_header("Content-Type", "application/json")
            req.add_header("User-Agent", "trueoem-alerts")
            req.add_header(TIMESTAMP_HEADER, ts)
            req.add_header(EVENT_HEADER, ascii_token(alert.event, 32))
            req.add_header(SIGNATURE_HEADER, sign(self.secret, ts, body))
            try:
                with opener.open(req, timeout=self.timeout) as resp:
                    resp.read(65536)
                    return
            except urllib.error.HTTPError as e:
                last = f"HTTP {e.code}"
                if e.code != 429 and e.code < 500:
                    break  # the receiver refused it: retrying will not help
            except (urllib.error.URLError, OSError) as e:
                last = clean(getattr(e, "reason", e), 200)
        raise ChannelError(f"webhook {_where(self.url)}: {last}")


def _where(url: str) -> str:
    u = urlsplit(url)
    return f"{u.scheme}://{u.hostname}{f':{u.port}' if u.port else ''}"  # no path/query: they may hold tokens


@dataclass
class SyslogChannel:
    """One RFC 5424 message per alert, over UDP (one datagram) or TCP (octet-counted, RFC 6587)."""

    host: str
    port: int = 514
    protocol: str = "udp"
    facility: str = "local0"
    app_name: str = "trueoem"
    hostname: str = field(default_factory=socket.gethostname)
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if self.protocol not in ("udp", "tcp"):
            raise ChannelError(f"syslog protocol must be udp or tcp, not {self.protocol!r}")
        if self.facility not in FACILITIES:
            raise ChannelError(f"unknown syslog facility {self.facility!r} ({', '.join(FACILITIES)})")
        if not 0 < int(self.port) < 65536:
            raise ChannelError(f"bad syslog port {self.port}")

    def format(self, alert: Alert) -> bytes:
        """The RFC 5424 message (header, structured data, BOM + UTF-8 text)."""
        pri = FACILITIES[self.facility] * 8 + SEVERITY.get(alert.verdict, 5)
        ts = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        hdr = " ".join(
            (
                f"<{pri}>1",
                ts,
                ascii_token(self.hostname, 255),
                ascii_token(self.app_name, 48),
                ascii_token(os.getpid(), 128),
                ascii_token(alert.event, 32),
            )
        )
        sd = "[" + SD_ID + "".join(f' {k}="{_sd_escape(v)}"' for k, v in alert.fields() if v) + "]"
        return f"{hdr} {sd} ".encode() + b"\xef\xbb\xbf" + alert.one_line().encode("utf-8")

    def send(self, alert: Alert) -> None:
        msg = self.format(alert)
        try:
            if self.protocol == "udp":
                with socket.socket(_family(self.host), socket.SOCK_DGRAM) as s:
                    s.settimeout(self.timeout)
                    s.sendto(msg[:8192], (self.host, int(self.port)))
            else:
                with socket.create_connection((self.host, int(self.port)), timeout=self.timeout) as s:
                    s.sendall(str(len(msg)).encode() + b" " + msg)
        except OSError as e:
            raise ChannelError(f"syslog {self.protocol}://{self.host}:{self.port}: {clean(e, 200)}") from None


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _sd_escape(v: str) -> str:
    """An SD-PARAM value: '"', '\\' and ']' escaped (RFC 5424 s.6.3.3), on one clean line."""
    return clean(v, 256).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


@dataclass
class EmailChannel:
    """A plain-text e-mail through a configured SMTP server; ``tls``: ``none``, ``starttls`` or ``ssl``.

    Credentials are only sent over TLS (or to a loopback server).
    """

    host: str
    sender: str
    recipients: list[str]
    port: int = 25
    tls: str = "none"
    username: str | None = None
    password: str | None = None
    timeout: float = 30.0
    cafile: str | None = None

    def __post_init__(self) -> None:
        if self.tls not in ("none", "starttls", "ssl"):
            raise ChannelError(f"e-mail tls must be none, starttls or ssl, not {self.tls!r}")
        for a in [self.sender, *self.recipients]:
            if not a or any(c in a for c in "\r\n\0,;<>") or "@" not in a:
                raise ChannelError(f"not a plain e-mail address: {a!r}")
        if not self.recipients:
            raise ChannelError("an e-mail channel needs at least one recipient")
        loopback = self.host in ("localhost", "::1") or self.host.startswith("127.")
        if self.username and self.tls == "none" and not loopback:
            raise ChannelError("refusing to send SMTP credentials without TLS: use tls=starttls or tls=ssl")

    def message(self, alert: Alert) -> EmailMessage:
        """The e-mail: a one-line clean subject, the plain-text summary as the body."""
        m = EmailMessage()
        m["Subject"] = clean(alert.subject(), 180)
        m["From"] = self.sender
        m["To"] = ", ".join(self.recipients)
        m["Date"] = formatdate(usegmt=True)
        m["Message-ID"] = make_msgid(domain="trueoem.invalid")
        m["X-Trueoem-Event"] = ascii_token(alert.event, 32)
        m.set_content(alert.summary())
        return m

    def send(self, alert: Alert) -> None:
        ctx = ssl.create_default_context(cafile=self.cafile)
        try:
            smtp: smtplib.SMTP
            if self.tls == "ssl":
                smtp = smtplib.SMTP_SSL(self.host, int(self.port), timeout=self.timeout, context=ctx)
            else:
                smtp = smtplib.SMTP(self.host, int(self.port), timeout=self.timeout)
            with smtp:
                smtp.ehlo()
                if self.tls == "starttls":
                    smtp.starttls(context=ctx)
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(self.message(alert))
        except (smtplib.SMTPException, OSError) as e:
            raise ChannelError(f"smtp {self.host}:{self.port}: {clean(e, 200)}") from None


def make_channel(kind: str, config: dict[str, Any], *, check_only: bool = False) -> Channel:
    """A channel from its stored ``kind`` and ``config`` (see docs/schedule.md for the keys).

    ``check_only`` validates a configuration whose secrets come from environment variables that
    need not be set yet (``alert add`` on another machine than the runner).
    """
    c = dict(config)
    try:
        if kind == "webhook":
            return WebhookChannel(
                url=str(c["url"]),
                secret=_secret(c, "secret", check_only) or "",
                timeout=float(c.get("timeout", 10.0)),
                retries=int(c.get("retries", 3)),
                backoff=float(c.get("backoff", 1.0)),
                cafile=c.get("cafile"),
            )
        if kind == "syslog":
            return SyslogChannel(
                host=str(c["host"]),
                port=int(c.get("port", 514)),
                protocol=str(c.get("protocol", "udp")),
                facility=str(c.get("facility", "local0")),
                app_name=str(c.get("app_name", "trueoem")),
                hostname=str(c.get("hostname") or socket.gethostname()),
                timeout=float(c.get("timeout", 10.0)),
            )
        if kind == "email":
            rcpt = c.get("to", [])
            return EmailChannel(
                host=str(c["host"]),
                port=int(c.get("port", 25)),
                sender=str(c["from"]),
                recipients=[rcpt] if isinstance(rcpt, str) else [str(r) for r in rcpt],
                tls=str(c.get("tls", "none")),
                username=c.get("username"),
                password=_secret(c, "password", check_only),
                timeout=float(c.get("timeout", 30.0)),
                cafile=c.get("cafile"),
            )
    except KeyError as e:
        raise ChannelError(f"{kind} channel: missing setting {e.args[0]!r}") from None
    except (TypeError, ValueError) as e:
        raise ChannelError(f"{kind} channel: {e}") from None
    raise ChannelError(f"unknown channel kind {kind!r} (webhook, syslog, email)")
