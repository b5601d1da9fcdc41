"""Alert receivers for tests, on 127.0.0.1 ephemeral ports only: webhook, syslog (UDP, TCP), SMTP."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import socketserver
import ssl
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"


def wait_for(pred: Any, timeout: float = 5.0) -> bool:
    """Poll ``pred()`` until true or ``timeout``."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.02)
    return bool(pred())


class WebhookSink:
    """An HTTP server recording POSTs; ``statuses`` are answered in turn (then 200)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.redirect_to: str | None = None
        sink = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                sink.requests.append((self.path, dict(self.headers.items()), body))
                if sink.redirect_to:
                    self.send_response(307)
                    self.send_header("Location", sink.redirect_to)
                else:
                    self.send_response(sink.statuses.pop(0) if sink.statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((HOST, 0), H)
        self.url = f"http://{HOST}:{self.server.server_address[1]}/hook"

    def __enter__(self) -> WebhookSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class SyslogUdpSink:
    """A UDP socket recording datagrams."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.messages: list[bytes] = []
        self._stop = threading.Event()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.messages.append(data)

    def __enter__(self) -> SyslogUdpSink:
        threading.Thread(target=self._run, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()


class SyslogTcpSink:
    """A TCP server reading octet-counted syslog frames (RFC 6587)."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        sink = self

        class H(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                while True:
                    n = b""
                    while (c := self.rfile.read(1)) not in (b" ", b""):
                        n += c
                    if not n:
                        return
                    sink.messages.append(self.rfile.read(int(n)))

        self.server = socketserver.ThreadingTCPServer((HOST, 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def __enter__(self) -> SyslogTcpSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A throw-away certificate for 127.0.0.1 (cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(HOST))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    c, k = tmp / "cert.pem", tmp / "key.pem"
    c.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    k.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return c, k


class SmtpSink:
    """A minimal SMTP server (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.raw: list[bytes] = []
        self.auth: list[str] = []
        self.tls_used: list[bool] = []
        sink = self

        class H(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                secure = False
                sender, rcpts = "", list[str]()
                self.wfile.write(b"220 sink ESMTP\r\n")
                while True:
                    line = self.rfile.readline(4096)
                    if not line:
                        return
                    cmd = line.decode("ascii", "replace").strip()
                    verb = cmd.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        ext = [b"250-sink", b"250-8BITMIME", b"250-AUTH PLAIN"]
                        if tls is not None and not secure:
                            ext.append(b"250-STARTTLS")
                        self.wfile.write(b"\r\n".join(ext) + b"\r\n250 SMTPUTF8\r\n")
                    elif verb == "STARTTLS" and tls is not None:
                        self.wfile.write(b"220 go ahead\r\n")
                        self.wfile.flush()
                        self.request = tls.wrap_socket(self.request, server_side=True)
                        self.rfile = self.request.makefile("rb")
                        self.wfile = self.request.makefile("wb", buffering=0)
                        secure = True
                    elif verb == "AUTH":
                        sink.auth.append(cmd)
                        self.wfile.write(b"235 ok\r\n")
                    elif verb == "MAIL":
                        sender, rcpts = cmd.split(":", 1)[1].strip(), []
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == "RCPT":
                        rcpts.append(cmd.split(":", 1)[1].strip())
                        self.wfile.write(b"250 ok\r\n")
                    elif verb == "DATA":
                        self.wfile.write(b"354 end with .\r\n")
                        lines = []
                        while (d := self.rfile.readline(65536)) not in (b".\r\n", b""):
                            lines.append(d[1:] if d.startswith(b"..") else d)
                        raw = b"".join(lines)
                        sink.raw.append(raw)
                        msg = email.message_from_bytes(raw, policy=email.policy.default)
                        assert isinstance(msg, EmailMessage)
                        sink.messages.append((sender, rcpts, msg))
                        sink.tls_used.append(secure)
                        self.wfile.write(b"250 queued\r\n")
                    elif verb == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif verb in ("RSET", "NOOP"):
                        self.wfile.write(b"250 ok\r\n")
                    else:
                        self.wfile.write(b"502 no\r\n")

        self.server = socketserver.ThreadingTCPServer((HOST, 0), H)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]

    def __enter__(self) -> SmtpSink:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
