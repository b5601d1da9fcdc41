"""Per-protocol extractors: from a UDP payload or a reassembled TCP stream head to raw observations.

Each extractor returns :class:`Found` items: the observation kind and its raw text as
``match/facets.py`` reads it, an identity (the bytes that make two sightings the same fact, e.g. an
SSDP NOTIFY without its DATE header) and a short protocol label for the observation source.
Extractors never raise on bad input; sizes are capped before anything is decoded, and XML is only
carried as text here (``facets.py`` parses it through defusedxml with its own caps).
"""

from __future__ import annotations

import re
import ssl
import struct
from dataclasses import dataclass

import dpkt  # type: ignore[import-untyped, unused-ignore]

from trueoem.match.facets import decode_bytes
from trueoem.sources.discovery import dhip, sadp, ssdp, wsd

MAX_DATAGRAM = 16 * 1024  # bytes of one discovery datagram kept
MAX_HTTP = 64 * 1024  # bytes of one HTTP/RTSP response kept
MAX_RESPONSES = 4  # responses read from one stream head
MAX_BANNER = 1024
MAX_MDNS_RECORDS = 64
MAX_CERT = 32 * 1024

SSDP_PORT, WSD_PORT, SADP_PORT, DHIP_PORT = 1900, 3702, 37020, 37810
DHCP_PORTS = (67, 68)
MDNS_PORT = 5353

_UPNP_DESCRIPTION = re.compile(rb"urn:schemas-upnp-org:device-\d-\d", re.I)
_CONTENT_LENGTH = re.compile(rb"(?im)^content-length[ \t]*:[ \t]*(\d{1,9})[ \t]*\r?$")
_PRINTABLE = re.compile(rb"^[\x20-\x7e\t\r\n]{4,}$")
_WSD_WANTED = re.compile(rb"<(?:[\w\-]+:)?(?:ProbeMatches|Hello)\b")


@dataclass(frozen=True, slots=True)
class Found:
    """One raw fact extracted from a packet or stream."""

    kind: str
    value: str
    identity: bytes
    label: str


# --- UDP ---------------------------------------------------------------------------------------


def udp(sport: int, dport: int, payload: bytes) -> list[Found]:
    """Observations in one UDP datagram (dispatch on the well-known port at either end)."""
    data = payload[:MAX_DATAGRAM]
    ports = (sport, dport)
    if SADP_PORT in ports and sadp.is_reply(data):
        return [Found("sadp", decode_bytes(data), sadp.identity(data), "sadp")]
    if DHIP_PORT in ports and dhip.is_reply(data):
        return [Found("dhip", dhip.render(data), dhip.body_text(data).encode("utf-8", "replace"), "dhip")]
    if WSD_PORT in ports and _WSD_WANTED.search(data[:4096]):
        return [Found("ws_discovery", decode_bytes(data), wsd.identity(data), "ws-discovery")]
    if SSDP_PORT in ports and data.startswith((b"NOTIFY ", b"HTTP/1.1 200", b"HTTP/1.0 200")):
        return [Found("ssdp_description", decode_bytes(data), ssdp.identity(data), "ssdp")]
    if MDNS_PORT in ports:
        return mdns(data)
    return []


def dhcp(payload: bytes) -> tuple[str | None, str | None, str | None, list[Found]]:
    """A DHCP message: ``(client MAC, client IP, yiaddr-bound IP, observations)``.

    Client messages (BOOTREQUEST) carry the host name (option 12), vendor class (60) and client
    identifier (61); a server's ACK binds ``chaddr`` to ``yiaddr``.
    """
    try:
        msg = dpkt.dhcp.DHCP(payload[:MAX_DATAGRAM])
    except (dpkt.Error, struct.error, ValueError, IndexError):
        return None, None, None, []
    chaddr = bytes(msg.chaddr)[:6]
    mac = chaddr.hex(":") if len(chaddr) == 6 and chaddr != b"\x00" * 6 and not chaddr[0] & 1 else None
    opts: dict[int, bytes] = {}
    for code, val in list(msg.opts)[:64]:
        opts.setdefault(code, bytes(val))
    out: list[Found] = []
    ciaddr = _ipv4(msg.ciaddr)
    if msg.op == dpkt.dhcp.DHCP_OP_REQUEST:
        if 12 in opts:
            v = decode_bytes(opts[12]).strip("\x00 ")
            if v:
                out.append(Found("description", v, b"h" + opts[12], "dhcp hostname"))
        if 60 in opts:
            v = decode_bytes(opts[60]).strip("\x00 ")
            if v:
                out.append(Found("description", v, b"v" + opts[60], "dhcp vendor-class"))
        if 61 in opts:
            cid = opts[61]
            if len(cid) == 7 and cid[0] == 1:
                out.append(Found("mac", cid[1:].hex(":"), b"c" + cid, "dhcp client-id"))
            elif cid and cid[0] == 0 and len(cid) > 1:
                text = decode_bytes(cid[1:]).strip("\x00 ")
                if text.isprintable() and text:
                    out.append(Found("description", text, b"c" + cid, "dhcp client-id"))
        requested = _ipv4_bytes(opts.get(50, b""))
        return mac, ciaddr or requested, None, out
    yiaddr = _ipv4(msg.yiaddr)
    return mac, None, yiaddr, out


def _ipv4(v: int) -> str | None:
    return _ipv4_bytes(struct.pack(">I", v & 0xFFFFFFFF)) if v else None


def _ipv4_bytes(b: bytes) -> str | None:
    if len(b) != 4 or b == b"\x00\x00\x00\x00" or b == b"\xff\xff\xff\xff":
        return None
    return ".".join(str(x) for x in b)


def _label(name: str) -> str:
    """The first label of a DNS name, with DNS-SD's ``\\032``/``\\.`` escapes undone."""
    first = re.split(r"(?<!\\)\.", name, maxsplit=1)[0]
    first = re.sub(r"\\(\d{3})", lambda m: chr(int(m.group(1))) if int(m.group(1)) < 256 else "", first)
    return first.replace("\\.", ".").replace("\\\\", "\\")


def mdns(data: bytes) -> list[Found]:
    """An mDNS/DNS-SD response: instance and host names (as descriptions) and TXT key=value lines."""
    try:
        msg = dpkt.dns.DNS(data)
    except (dpkt.Error, struct.error, ValueError, IndexError, RecursionError, UnicodeDecodeError):
        return []
    if not msg.qr:
        return []
    out: list[Found] = []
    txt_lines: list[str] = []
    names: list[str] = []
    for rr in list(msg.an)[:MAX_MDNS_RECORDS] + list(msg.ar)[:MAX_MDNS_RECORDS]:
        t = getattr(rr, "type", None)
        if t == dpkt.dns.DNS_PTR and rr.name.lower().endswith((".local", "._tcp.local", "._udp.local")):
            ptr = getattr(rr, "ptrname", "")
            if "._" in ptr:  # a service instance: "HIKVISION DS-2CD2143G0-I._http._tcp.local"
                names.append(_label(ptr))
        elif t == dpkt.dns.DNS_SRV:
            names.append(_label(rr.name))
            target = getattr(rr, "srvname", "")
            if target:
                names.append(_label(target))
        elif t == dpkt.dns.DNS_A or t == dpkt.dns.DNS_AAAA:
            if rr.name.lower().endswith(".local"):
                names.append(_label(rr.name))
        elif t == dpkt.dns.DNS_TXT:
            for item in list(getattr(rr, "text", []))[:64]:
                s = decode_bytes(item if isinstance(item, bytes) else str(item).encode()).strip()
                if "=" in s and s.isprintable():
                    txt_lines.append(s[:512])
    for n in dict.fromkeys(x for x in names if x and "._" not in x and x.isprintable()):
        out.append(Found("description", n[:256], b"n" + n.encode("utf-8", "replace"), "mdns"))
    if txt_lines:
        text = "\n".join(dict.fromkeys(txt_lines))[:4096]
        out.append(Found("banner", text, b"t" + text.encode("utf-8", "replace"), "mdns txt"))
    return out


# --- TCP stream heads --------------------------------------------------------------------------


def wanted(head: bytes) -> bool | None:
    """Whether a stream starting with ``head`` is one we read (None: not enough bytes to tell)."""
    if head.startswith((b"HTTP/1.", b"RTSP/1.")):
        return True
    if head[:1] == b"\x16":
        if len(head) < 6:
            return None
        return head[1] == 3 and head[5] == 2  # a TLS handshake starting with ServerHello
    if head[:1] == b"\x15" or head[:1] == b"\x17":
        return False
    if head.startswith((b"GET ", b"POST ", b"HEAD ", b"PUT ", b"OPTIONS ", b"DESCRIBE ", b"SETUP ", b"PLAY ")):
        return False
    if len(head) < 4:
        return None
    return bool(_PRINTABLE.match(head[:16]))


def stream(data: bytes, server_side: bool) -> list[Found]:
    """Observations in a reassembled stream head."""
    if data.startswith(b"HTTP/1."):
        return http_responses(data)
    if data.startswith(b"RTSP/1."):
        return [Found("rtsp", decode_bytes(r), r, "rtsp") for r in _split_responses(data, b"RTSP/1.")]
    if data[:1] == b"\x16":
        pem = tls_certificate(data)
        return [Found("tls_cert", pem, pem.encode(), "tls")] if pem else []
    if server_side and _PRINTABLE.match(data[:64]):
        text = decode_bytes(data[:MAX_BANNER])
        return [Found("banner", text, data[:MAX_BANNER], "banner")]
    return []


def _split_responses(data: bytes, start: bytes) -> list[bytes]:
    """Up to :data:`MAX_RESPONSES` responses of a stream head, cut by their Content-Length."""
    out: list[bytes] = []
    pos = 0
    while pos < len(data) and len(out) < MAX_RESPONSES and data.startswith(start, pos):
        end_head = data.find(b"\r\n\r\n", pos, pos + MAX_HTTP)
        if end_head < 0:
            out.append(data[pos : pos + MAX_HTTP])
            break
        body_at = end_head + 4
        m = _CONTENT_LENGTH.search(data, pos, body_at)
        if not m:
            out.append(data[pos : min(len(data), pos + MAX_HTTP)])
            break
        end = body_at + int(m.group(1))
        out.append(data[pos : min(end, pos + MAX_HTTP)])
        pos = end
    return out


def http_responses(data: bytes) -> list[Found]:
    """``http`` observations (and a UPnP device description found in a body as ``ssdp_description``)."""
    out: list[Found] = []
    for r in _split_responses(data, b"HTTP/1."):
        out.append(Found("http", decode_bytes(r), _without_date(r), "http"))
        body = r.partition(b"\r\n\r\n")[2]
        if body and _UPNP_DESCRIPTION.search(body[:4096]):
            out.append(Found("ssdp_description", decode_bytes(body), body, "upnp description"))
    return out


def _without_date(r: bytes) -> bytes:
    return re.sub(rb"(?im)^(?:date|expires|last-modified|set-cookie|etag)[ \t]*:[^\r\n]{0,512}\r?\n", b"", r[:8192])


def tls_certificate(data: bytes) -> str | None:
    """The leaf certificate of a TLS 1.0-1.2 server's Certificate message, as PEM; None otherwise.

    Handshake records (type 22) are concatenated until a ChangeCipherSpec or anything else; the
    handshake messages in them are walked to the first Certificate (type 11).
    """
    hs = bytearray()
    pos = 0
    while pos + 5 <= len(data) and len(hs) < 2 * MAX_HTTP:
        ctype, major, length = data[pos], data[pos + 1], int.from_bytes(data[pos + 3 : pos + 5], "big")
        if ctype != 22 or major != 3:
            break
        hs += data[pos + 5 : pos + 5 + length]
        pos += 5 + length
    i = 0
    while i + 4 <= len(hs):
        mtype, mlen = hs[i], int.from_bytes(hs[i + 1 : i + 4], "big")
        body = hs[i + 4 : i + 4 + mlen]
        if mtype == 11:
            if len(body) < 6:
                return None
            total = int.from_bytes(body[0:3], "big")
            clen = int.from_bytes(body[3:6], "big")
            if clen == 0 or clen > MAX_CERT or clen > total or 6 + clen > len(body):
                return None
            der = bytes(body[6 : 6 + clen])
            if der[:1] != b"\x30":
                return None
            return ssl.DER_cert_to_PEM_cert(der)
        if mlen == 0 and mtype not in (14, 0):
            return None
        i += 4 + mlen
    return None
