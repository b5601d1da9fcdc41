"""ONVIF WS-Discovery (UDP 3702): the Probe, and what a ProbeMatches says. Pure, no I/O.

PROTOCOLS.md "ONVIF WS-Discovery": a SOAP 1.2 envelope, WS-Addressing 2004/08, Action
``…/ws/2005/04/discovery/Probe``, a fresh MessageID, body ``<d:Probe>`` with or without
``<d:Types>dn:NetworkVideoTransmitter</d:Types>`` (some cameras answer only the typed probe:
edgexfoundry/device-onvif-camera #135), to 239.255.255.250:3702, sent more than once from one socket
(nmap ``nselib/wsdd.lua``). ProbeMatches come back unicast to the probe's source port after a random
delay up to 500 ms (Microsoft WSDAPI "ProbeMatches message").

Public Hikvision captures carry the device MAC as the last 12 hex digits of the reply's
``MessageID urn:uuid:…`` (PROTOCOLS.md); that MAC is read only from Hikvision-looking replies.
"""

from __future__ import annotations

import re
import uuid

PORT = 3702
GROUP = "239.255.255.250"
NVT = "dn:NetworkVideoTransmitter"

_ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"'
    ' xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
    ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"'
    ' xmlns:dn="http://www.onvif.org/ver10/network/wsdl">'
    "<s:Header>"
    "<a:MessageID>urn:uuid:{mid}</a:MessageID>"
    '<a:To s:mustUnderstand="true">urn:schemas-xmlsoap-org:ws:2005:04:discovery</a:To>'
    '<a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</a:Action>'
    "</s:Header>"
    "<s:Body>{body}</s:Body>"
    "</s:Envelope>"
)

_MESSAGE_ID = re.compile(rb"<(?:[\w\-]+:)?MessageID[^>]{0,128}>\s*(?:urn:)?uuid:([0-9A-Fa-f\-]{32,40})\s*<")
_PER_MESSAGE = re.compile(
    rb"<(?:[\w\-]+:)?(MessageID|RelatesTo)\b[^>]{0,256}>[^<]{0,256}</(?:[\w\-]+:)?\1>"
    rb"|<(?:[\w\-]+:)?AppSequence\b[^>]{0,256}/?>"
)
_HIK_TELL = re.compile(rb"onvif://www\.onvif\.org/(?:name/HIKVISION|hardware/i?DS-)", re.I)


def probe(types: str | None, message_id: str | None = None) -> bytes:
    """A Probe typed ``types`` (``None``: untyped) with a fresh MessageID (or ``message_id``)."""
    mid = message_id or str(uuid.uuid4())
    body = f"<d:Probe><d:Types>{types}</d:Types></d:Probe>" if types else "<d:Probe/>"
    return _ENVELOPE.format(mid=mid, body=body).encode()


def probes() -> list[bytes]:
    """The probes of one round: typed NetworkVideoTransmitter and untyped."""
    return [probe(NVT), probe(None)]


def is_reply(data: bytes) -> bool:
    """A ProbeMatches envelope (not a Probe, Hello or Bye)."""
    return b"ProbeMatches" in data[:8192]


def identity(data: bytes) -> bytes:
    """The reply without per-message parts (MessageID, RelatesTo, AppSequence): one fact per device state."""
    return _PER_MESSAGE.sub(b"", data)


def macs(data: bytes) -> list[str]:
    """The MAC in the MessageID of a Hikvision-style reply (last 12 hex digits), else nothing."""
    head = data[:16384]
    if not _HIK_TELL.search(head):
        return []
    m = _MESSAGE_ID.search(head)
    if not m:
        return []
    h = re.sub(rb"[^0-9A-Fa-f]", b"", m.group(1)).decode("ascii").lower()
    if len(h) != 32:
        return []
    node = h[-12:]
    if int(node[:2], 16) & 1 or node in ("000000000000", "ffffffffffff"):  # multicast bit / empty
        return []
    return [":".join(node[i : i + 2] for i in range(0, 12, 2))]
