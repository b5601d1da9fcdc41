"""Hikvision SADP discovery (UDP 37020): the probe, and what a reply says. Pure, no I/O.

PROTOCOLS.md "Hikvision SADP": the probe ``<Probe><Uuid>GUID</Uuid><Types>inquiry</Types></Probe>``
goes to 239.255.255.250:37020 (julienblitte/UniversalScanner ``Hikvision.cs``); a second probe typed
``inquiry_v32`` and a broadcast copy are sent too (cameronnewman/hikvision-tooling
``internal/sadp/scanner.go``). Devices answer ``<ProbeMatch>`` (one element per line, MAC written
``xx-xx-xx-xx-xx-xx``) to the sender's address and port *and* as a multicast copy to
239.255.255.250:37020, so both the probe socket and a group listener are read.
"""

from __future__ import annotations

import re
import uuid

PORT = 37020
GROUP = "239.255.255.250"
TYPES = ("inquiry", "inquiry_v32")

_MAC = re.compile(rb"<MAC>\s*([0-9A-Fa-f]{2}(?:[-:][0-9A-Fa-f]{2}){5})\s*</MAC>")
_UUID_ELEMENT = re.compile(rb"<Uuid>[^<]{0,128}</Uuid>")
_UUID = re.compile(rb"<Uuid>\s*([^<]{1,64}?)\s*</Uuid>")


def probe(types: str, probe_id: str | None = None) -> bytes:
    """One SADP probe of ``types`` with a fresh upper-case GUID (or ``probe_id``)."""
    pid = probe_id or str(uuid.uuid4()).upper()
    return (f'<?xml version="1.0" encoding="utf-8"?><Probe><Uuid>{pid}</Uuid><Types>{types}</Types></Probe>').encode()


def probes() -> list[bytes]:
    """The probes of one round: ``inquiry`` and ``inquiry_v32``, each with a fresh Uuid."""
    return [probe(t) for t in TYPES]


def is_reply(data: bytes) -> bool:
    """A ProbeMatch (not a Probe — our own or another scanner's — and not noise)."""
    head = data[:4096]
    return b"<ProbeMatch" in head and b"<Probe>" not in head


def identity(data: bytes) -> bytes:
    """The reply without the echoed Uuid: replies to successive probes that differ only there are one fact."""
    return _UUID_ELEMENT.sub(b"", data)


def macs(data: bytes) -> list[str]:
    """The MAC field of a reply, as ``aa:bb:cc:dd:ee:ff``."""
    m = _MAC.search(data[:16384])
    if not m:
        return []
    return [m.group(1).decode("ascii").replace("-", ":").lower()]


def reply_uuid(data: bytes) -> str | None:
    """The Uuid a reply echoes (the probe's, per PROTOCOLS.md)."""
    m = _UUID.search(data[:16384])
    return m.group(1).decode("ascii", "replace") if m else None
