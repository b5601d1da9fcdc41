"""Serve emulated devices on loopback addresses (127.0.0.0/8 gives every device its own address).

:class:`Fleet` binds each device's ports on its own 127.x.y.z address inside one event loop and
logs every accepted connection (monotonic time, address, port) so tests can measure what the
scanner did (for example its connection rate). :class:`FleetThread` runs a fleet on a background
thread, so a scan can run on the test's own loop or through ``scan_blocking``.
Only loopback addresses are accepted: the emulators never listen anywhere else.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import random
import resource
import ssl
import tempfile
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.emulators.profiles import Device, Reply

MAX_REQUEST = 64 * 1024
FLOOD_BYTES = 100 * 1024 * 1024


def raise_nofile(wanted: int) -> int:
    """Raise the soft RLIMIT_NOFILE towards ``wanted`` (up to the hard limit); return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(max(soft, wanted), hard if hard != resource.RLIM_INFINITY else wanted)
    if target > soft:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return max(soft, target)


_CERTS: dict[str, tuple[str, str]] = {}
_CERT_DIR = Path(tempfile.mkdtemp(prefix="trueoem-emu-certs-"))


def cert_files(subject: str) -> tuple[str, str]:
    """A self-signed EC certificate for an RFC 4514 subject: (cert path, key path), cached."""
    if subject in _CERTS:
        return _CERTS[subject]
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name.from_rfc4514_string(subject)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("device.local")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    n = len(_CERTS)
    cp, kp = _CERT_DIR / f"c{n}.pem", _CERT_DIR / f"k{n}.pem"
    cp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kp.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    _CERTS[subject] = (str(cp), str(kp))
    return _CERTS[subject]


def _server_context(subject: str) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(*cert_files(subject))
    return ctx


def _response(r: Reply, server: str, proto: str = "HTTP/1.1", extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    reason = r.reason or {200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}.get(
        r.status, "OK"
    )
    lines = [f"{proto} {r.status} {reason}"]
    if server:
        lines.append(f"Server: {server}")
    lines += [f"{k}: {v}" for k, v in (*extra, *r.headers)]
    if proto.startswith("HTTP"):
        lines += [f"Content-Length: {len(r.body)}", "Connection: close"]
    elif r.body:
        lines.append(f"Content-Length: {len(r.body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + r.body


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str], bytes] | None:
    """Method, target, headers (lower-case names) and body of one request, or None."""
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 3:
        return None
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    body = b""
    n = int(headers.get("content-length", "0") or 0)
    if 0 < n <= MAX_REQUEST:
        with contextlib.suppress(asyncio.IncompleteReadError, OSError):
            body = await reader.readexactly(n)
    return parts[0], parts[1], headers, body


class Fleet:
    """Devices served on loopback addresses, with a log of accepted connections."""

    def __init__(self) -> None:
        self.servers: list[asyncio.Server] = []
        self.accepts: list[tuple[float, str, int]] = []
        self.devices: dict[str, Device] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def add(self, ip: str, device: Device) -> None:
        """Bind every port of ``device`` on ``ip`` (which must be a 127.0.0.0/8 address)."""
        if not ipaddress.ip_address(ip).is_loopback:
            raise ValueError(f"emulators listen on loopback only, not {ip}")
        self.devices[ip] = device
        for port, service in device.ports.items():
            ctx = _server_context(device.cert_subject or f"CN={ip}") if service == "https" else None

            async def handler(
                r: asyncio.StreamReader,
                w: asyncio.StreamWriter,
                _service: str = service,
                _port: int = port,
                _ip: str = ip,
            ) -> None:
                self.accepts.append((time.monotonic(), _ip, _port))
                task = asyncio.current_task()
                if task is not None:
                    self._tasks.add(task)
                try:
                    await self._serve(device, _service, r, w)
                except (OSError, asyncio.IncompleteReadError, ssl.SSLError, TimeoutError, asyncio.CancelledError):
                    pass  # the client went away, or the fleet is closing
                finally:
                    w.transport.abort()
                    if task is not None:
                        self._tasks.discard(task)

            srv = await asyncio.start_server(handler, ip, port, ssl=ctx, backlog=512, reuse_address=True)
            self.servers.append(srv)

    async def _serve(self, dev: Device, service: str, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        if service in ("http", "https"):
            req = await _read_request(r)
            if req is None:
                return
            method, target, _h, body = req
            reply = self._route(dev, method, target, body)
            w.write(_response(reply, dev.server))
            await w.drain()
            await asyncio.sleep(0.05)  # let the client read before the close
        elif service == "rtsp":
            await self._rtsp(dev, r, w)
        elif service == "open":  # a binary SDK port: waits for a client that speaks its protocol
            await r.read(1024)
        elif service == "flood":
            await _read_request(r)
            w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n" % FLOOD_BYTES)
            block = b"A" * 65536
            for _ in range(FLOOD_BYTES // len(block)):
                w.write(block)
                await w.drain()
        elif service == "silent":
            await asyncio.sleep(3600)
        elif service == "garbage":
            await asyncio.sleep(0.01)
            w.write(random.Random(7).randbytes(4096))
            await w.drain()
            await asyncio.sleep(0.05)
        elif service == "trickle":
            await _read_request(r)
            for b in b"HTTP/1.1 200 OK\r\nServer: slow\r\n" * 1000:
                w.write(bytes([b]))
                await w.drain()
                await asyncio.sleep(0.2)
        elif service == "tls-broken":
            await r.read(4096)  # the ClientHello
            w.write(b"\x15\x03\x01\x00\x02\x02\x28" + b"\x16\x03\x03\xff\xff" + os.urandom(64))
            await w.drain()

    @staticmethod
    def _route(dev: Device, method: str, target: str, body: bytes) -> Reply:
        if method == "POST" and target.startswith("/onvif/"):
            for action, reply in dev.onvif.items():
                if action.encode() in body:
                    return reply
            return Reply(404, (), b"")
        if method == "GET" and target in dev.http:
            return dev.http[target]
        return Reply(404, (("Content-Type", "text/html"),), b"<html><body>404 Not Found</body></html>")

    async def _rtsp(self, dev: Device, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while True:
            req = await _read_request(r)
            if req is None:
                return
            method, _target, headers, _b = req
            cseq = (("CSeq", headers.get("cseq", "1")),)
            if method == "OPTIONS":
                reply = Reply(200, (("Public", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN, GET_PARAMETER"),))
            elif method == "DESCRIBE" and dev.rtsp_realm:
                reply = Reply(401, (("WWW-Authenticate", f'Digest realm="{dev.rtsp_realm}", nonce="abc123"'),))
            elif method == "DESCRIBE":
                sdp = b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=Session\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\n"
                reply = Reply(200, (("Content-Type", "application/sdp"),), sdp)
            else:
                reply = Reply(405, ())
            w.write(_response(reply, dev.rtsp_server, "RTSP/1.0", cseq))
            await w.drain()

    async def close(self) -> None:
        for s in self.servers:
            s.close()
        for t in list(self._tasks):
            t.cancel()
        for s in self.servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(s.wait_closed(), 2)
        self.servers.clear()


def loopback_addresses(net: str, count: int, spread: bool = False) -> list[str]:
    """``count`` host addresses of a 127.0.0.0/8 network, in order.

    By default the first ``count`` hosts; with ``spread`` they are evenly spaced over the whole
    network (the first host, then every ``hosts // count``-th), so a scan of the network meets
    empty addresses between the devices as it would on a real one.
    """
    n = ipaddress.ip_network(net)
    if not isinstance(n, ipaddress.IPv4Network) or not n.subnet_of(ipaddress.IPv4Network("127.0.0.0/8")):
        raise ValueError(f"{net} is not inside 127.0.0.0/8")
    hosts = n.num_addresses - 2 if n.prefixlen < 31 else n.num_addresses
    if count < 0 or count > hosts:
        raise ValueError(f"{net} has fewer than {count} host addresses")
    first = int(n.network_address) + (1 if n.prefixlen < 31 else 0)
    step = max(1, hosts // count) if spread and count else 1
    return [str(ipaddress.IPv4Address(first + i * step)) for i in range(count)]


class FleetThread:
    """A fleet running on its own thread and event loop; a context manager."""

    def __init__(self, layout: Iterable[tuple[str, Device]]) -> None:
        self.layout = list(layout)
        self.fleet = Fleet()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="emulators")

    def __enter__(self) -> FleetThread:
        raise_nofile(len(self.layout) * 8 + 4096)
        self._thread.start()

        async def start() -> None:
            for ip, dev in self.layout:
                await self.fleet.add(ip, dev)

        asyncio.run_coroutine_threadsafe(start(), self._loop).result(120)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.fleet.close(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    @property
    def accepts(self) -> list[tuple[float, str, int]]:
        return list(self.fleet.accepts)
