"""Dahua DHIP discovery (UDP 37810): the probe, and what a reply says. Pure, no I/O.

PROTOCOLS.md "Dahua DHIP discovery": a 32-byte header — ``20 00 00 00``, ``DHIP``, 8 zero bytes,
body length LE32 at offset 16, 4 zero bytes, body length LE32 at offset 24, 4 zero bytes — then
``{"method":"DHDiscover.search","params":{"mac":"","uni":1}}`` (UniversalScanner ``Dahua2.cs``;
rroller/dahua ``discovery.py``). It goes to 239.255.255.251:37810 and to the broadcast address
(brianegge/aiodahua). The reply is the same header, then ``{"mac":…,"method":"client.notifyDevInfo",
"params":{"deviceInfo":{…}}}`` and one trailing byte (Rapid7 parses ``response[32..length-2]``;
aiodahua/rroller strip ``\\x00``), unicast to the sender's address and port.
"""

from __future__ import annotations

import json
import re
import struct

PORT = 37810
GROUP = "239.255.255.251"
HEADER_LEN = 32
MAGIC = b"DHIP"
BODY = b'{"method":"DHDiscover.search","params":{"mac":"","uni":1}}'

_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:[:\-]?[0-9A-Fa-f]{2}){5}$")


def header(body_len: int) -> bytes:
    """The 32-byte DHIP header for a body of ``body_len`` bytes."""
    return struct.pack(
        "<4s4s8sI4sI4s", b"\x20\x00\x00\x00", MAGIC, b"\x00" * 8, body_len, b"\x00" * 4, body_len, b"\x00" * 4
    )


def probe() -> bytes:
    """The ``DHDiscover.search`` probe (header plus JSON)."""
    return header(len(BODY)) + BODY


def is_reply(data: bytes) -> bool:
    """A DHIP reply: the magic at offset 4 and a JSON body that is not our own search."""
    if len(data) < HEADER_LEN + 2 or data[4:8] != MAGIC:
        return False
    body = data[HEADER_LEN:]
    return body.lstrip()[:1] == b"{" and b"DHDiscover.search" not in body[:256]


def body_text(data: bytes) -> str:
    """The reply's JSON text: after the header, trailing NUL/whitespace byte(s) stripped."""
    body = data[HEADER_LEN:].rstrip(b"\x00\r\n ")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return body.decode("latin-1")


def render(data: bytes) -> str:
    """The observation text: the header in hex, a space, then the body as sent (trailing byte kept).

    ``match/facets.py`` (``parse_dhip``) reads "the 32-byte DHIP header (or its hex/escaped
    rendering) before the JSON body" and strips the trailing ``\\x00``.
    """
    body = data[HEADER_LEN:]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("latin-1")
    return data[:HEADER_LEN].hex() + " " + text


def macs(data: bytes) -> list[str]:
    """The top-level ``mac`` of a reply and any ``mac``/``MAC`` in ``params.deviceInfo``."""
    try:
        obj = json.loads(body_text(data)[:65536])
    except ValueError:
        return []
    found: list[object] = []
    if isinstance(obj, dict):
        found.append(obj.get("mac"))
        params = obj.get("params")
        info = params.get("deviceInfo") if isinstance(params, dict) else None
        if isinstance(info, dict):
            found += [info.get("mac"), info.get("MAC")]
    out: list[str] = []
    for v in found:
        if isinstance(v, str) and _MAC.match(v.strip()):
            h = re.sub(r"[^0-9A-Fa-f]", "", v).lower()
            mac = ":".join(h[i : i + 2] for i in range(0, 12, 2))
            if mac not in out:
                out.append(mac)
    return out
