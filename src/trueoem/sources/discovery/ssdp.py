"""SSDP (UDP 1900) M-SEARCH, its replies, and the description XML a reply's LOCATION names.

PROTOCOLS.md "SSDP": ``M-SEARCH * HTTP/1.1`` with HOST, ``MAN: "ssdp:discover"``, MX and ST to
239.255.255.250:1900; replies are ``HTTP/1.1 200 OK`` unicast to the M-SEARCH's source address and
port (bwssytems/ha-bridge #176), after a random delay of up to MX seconds (UPnP DA 2.0). LOCATION
points to the description XML over HTTP.

async-upnp-client builds the M-SEARCH (:func:`build_ssdp_search_packet`), validates replies
(:func:`is_valid_ssdp_packet`) and parses their headers (:func:`decode_ssdp_packet`). The
description is fetched here, not with its ``AiohttpRequester``/``UpnpFactory``: those read a whole
body without a size cap, cannot pin the connection to the named interface, and go on to fetch
every service description. Safety rules of the fetch: only ``http://`` to the *replying device's
own* IPv4 address (never a third host: SSRF), a size cap, a time cap, one GET per LOCATION.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import re
from urllib.parse import urlsplit

import h11
from async_upnp_client.ssdp import build_ssdp_search_packet, decode_ssdp_packet, is_valid_ssdp_packet

from trueoem.sources.discovery.iface import Interface, tcp_socket

PORT = 1900
GROUP = "239.255.255.250"
_DATE = re.compile(rb"(?im)^date:[^\r\n]{0,128}\r?\n")
SEARCH_TARGETS = ("ssdp:all", "upnp:rootdevice")
MAX_DESCRIPTION = 64 * 1024
DESCRIPTION_TIMEOUT = 3.0


def probes(mx: int) -> list[bytes]:
    """One M-SEARCH per search target, with ``MX: mx`` (1..5)."""
    mx = max(1, min(5, mx))
    return [build_ssdp_search_packet((GROUP, PORT), mx, st) for st in SEARCH_TARGETS]


def is_reply(data: bytes) -> bool:
    """An ``HTTP/1.1 200 OK`` search response (not an M-SEARCH or NOTIFY)."""
    return data.startswith(b"HTTP/1.1 200 OK") and is_valid_ssdp_packet(data)


def identity(data: bytes) -> bytes:
    """The reply without its DATE header: replies to repeated M-SEARCHes are one fact."""
    return _DATE.sub(b"", data)


def location(data: bytes, ip: str) -> str | None:
    """The LOCATION header of a reply from ``ip`` as sent, or None."""
    try:
        _line, headers = decode_ssdp_packet(data, None, (ip, PORT))
    except Exception:  # noqa: BLE001 - third-party header parser on attacker bytes; unreadable means none
        return None
    loc = headers.get("_location_original") or headers.get("location")
    return loc.strip() if isinstance(loc, str) and loc.strip() else None


def fetchable(url: str, ip: str) -> tuple[int, str] | None:
    """``(port, target)`` when ``url`` is plain HTTP to the literal address ``ip``; else None.

    Hostnames are refused (no DNS, and a name could point anywhere); so are user-info, other
    schemes, another address, control characters and over-long targets.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port or 80
    except ValueError:
        return None
    if parts.scheme.lower() != "http" or not host or parts.username or parts.password:
        return None
    try:
        if ipaddress.IPv4Address(host) != ipaddress.IPv4Address(ip):
            return None
    except ValueError:
        return None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if len(target) > 1024 or any(ord(c) < 0x21 or ord(c) == 0x7F for c in target):
        return None
    return port, target


async def fetch_description(
    iface: Interface, ip: str, url: str, *, max_bytes: int = MAX_DESCRIPTION, timeout: float = DESCRIPTION_TIMEOUT
) -> str | None:
    """GET the description at ``url`` from ``ip`` over a socket pinned to ``iface``.

    Returns the response head as received and the (de-chunked) body, both capped; None when the
    URL is not fetchable, the connection fails, or nothing arrives in time.
    """
    spec = fetchable(url, ip)
    if spec is None:
        return None
    port, target = spec
    try:
        return await asyncio.wait_for(_get(iface, ip, port, target, max_bytes), timeout)
    except (TimeoutError, OSError, h11.ProtocolError):
        return None


async def _get(iface: Interface, ip: str, port: int, target: str, max_bytes: int) -> str | None:
    loop = asyncio.get_running_loop()
    sock = tcp_socket(iface)
    writer: asyncio.StreamWriter | None = None
    try:
        await loop.sock_connect(sock, (ip, port))
        reader, writer = await asyncio.open_connection(sock=sock)
        conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=16 * 1024)
        host = ip if port == 80 else f"{ip}:{port}"
        req = h11.Request(
            method="GET",
            target=target,
            headers=[("Host", host), ("User-Agent", "trueoem"), ("Accept", "*/*"), ("Connection", "close")],
        )
        writer.write(conn.send(req) + conn.send(h11.EndOfMessage()))
        await writer.drain()
        raw = bytearray()
        while len(raw) < max_bytes:
            chunk = await reader.read(min(65536, max_bytes - len(raw)))
            if not chunk:
                break
            raw += chunk
        return _render(bytes(raw))
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        else:
            sock.close()


def _render(raw: bytes) -> str | None:
    """Head as received plus the body de-chunked by h11; None when it is not an HTTP response.

    When h11 cannot read the response (a malformed head), the bytes after the head are kept as sent.
    """
    if not raw.startswith(b"HTTP/"):
        return None
    head, sep, rest = raw.partition(b"\r\n\r\n")
    if not sep:
        head, sep, rest = raw.partition(b"\n\n")
    conn = h11.Connection(h11.CLIENT, max_incomplete_event_size=16 * 1024)
    conn.send(h11.Request(method="GET", target="/", headers=[("Host", "x")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(raw)
    conn.receive_data(b"")  # the connection is closed (or we stopped reading at the cap)
    body = bytearray()
    readable = False
    try:
        while True:
            ev = conn.next_event()
            if isinstance(ev, h11.Response):
                readable = True
            elif isinstance(ev, h11.Data):
                body += ev.data
            elif ev is h11.NEED_DATA or ev is h11.PAUSED or isinstance(ev, h11.EndOfMessage | h11.ConnectionClosed):
                break
    except h11.ProtocolError:
        pass
    text = head + b"\r\n\r\n" + (bytes(body) if readable else rest)
    try:
        return text.decode("utf-8")
    except UnicodeDecodeError:
        return text.decode("latin-1")
