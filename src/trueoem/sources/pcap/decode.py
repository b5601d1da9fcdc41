"""Decode one captured frame to the few fields extraction needs, with dpkt.

Link types: Ethernet (with 802.1Q/QinQ tags), Linux cooked v1 and v2, raw IPv4/IPv6, BSD loopback.
A frame dpkt cannot decode, or that carries nothing we read, yields ``None``; a truncated one
yields what its headers still say (dpkt keeps the bytes it has).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from struct import error as struct_error

import dpkt  # type: ignore[import-untyped, unused-ignore]

LINK_ETHERNET = 1
LINK_RAW = (12, 14, 101, 228)
LINK_RAW6 = (229,)
LINK_NULL = (0, 108)
LINK_SLL = 113
LINK_SLL2 = 276

TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10


@dataclass(slots=True)
class Packet:
    """What one frame says: link source, addresses, transport and payload (or an ARP binding)."""

    src_mac: str | None = None
    src_ip: str | None = None
    dst_ip: str | None = None
    proto: int = 0  # 6 TCP, 17 UDP, 0 other
    sport: int = 0
    dport: int = 0
    flags: int = 0
    seq: int = 0
    payload: bytes = b""
    arp: tuple[str, str] | None = None  # (sender MAC, sender IPv4) of an ARP packet
    ethertype: int = 0


def mac_text(b: bytes) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` for a unicast, non-zero 6-byte MAC; None otherwise."""
    if len(b) != 6 or b[0] & 1 or b == b"\x00" * 6:
        return None
    return b.hex(":")


def _ip_text(b: bytes) -> str | None:
    try:
        if len(b) == 4:
            return socket.inet_ntop(socket.AF_INET, b)
        if len(b) == 16:
            return socket.inet_ntop(socket.AF_INET6, b)
    except (ValueError, OSError):
        return None
    return None


def decode(linktype: int, data: bytes) -> Packet | None:
    """Decode ``data`` of ``linktype``; None when it is not something we read."""
    try:
        return _decode(linktype, data)
    except (dpkt.Error, struct_error, ValueError, IndexError, TypeError, AttributeError, KeyError):
        return None


def _decode(linktype: int, data: bytes) -> Packet | None:
    pkt = Packet()
    layer: object
    if linktype == LINK_ETHERNET:
        eth = dpkt.ethernet.Ethernet(data)
        pkt.src_mac = mac_text(eth.src)
        pkt.ethertype = eth.type
        layer = eth.data
    elif linktype == LINK_SLL:
        sll = dpkt.sll.SLL(data)
        if sll.hlen == 6:
            pkt.src_mac = mac_text(sll.hdr[:6])
        pkt.ethertype = sll.ethtype
        layer = sll.data
    elif linktype == LINK_SLL2:
        sll2 = dpkt.sll2.SLL2(data)
        if sll2.hlen == 6:
            pkt.src_mac = mac_text(sll2.hdr[:6])
        pkt.ethertype = sll2.ethtype
        layer = sll2.data
    elif linktype in LINK_RAW:
        layer = dpkt.ip.IP(data) if data[:1] and data[0] >> 4 == 4 else dpkt.ip6.IP6(data)
    elif linktype in LINK_RAW6:
        layer = dpkt.ip6.IP6(data)
    elif linktype in LINK_NULL:
        layer = dpkt.loopback.Loopback(data).data
    else:
        return None
    if isinstance(layer, dpkt.arp.ARP):
        smac, sip = mac_text(layer.sha), _ip_text(layer.spa)
        if smac and sip and sip != "0.0.0.0":
            pkt.arp = (smac, sip)
        elif smac:
            pkt.arp = (smac, "")
        return pkt
    if isinstance(layer, dpkt.ip.IP | dpkt.ip6.IP6):
        pkt.src_ip, pkt.dst_ip = _ip_text(layer.src), _ip_text(layer.dst)
        if isinstance(layer, dpkt.ip.IP) and layer.offset & 0x1FFF:
            return pkt  # a non-first fragment: its bytes are not a transport header
        t = layer.data
        if isinstance(t, dpkt.tcp.TCP):
            pkt.proto, pkt.sport, pkt.dport = 6, t.sport, t.dport
            pkt.flags, pkt.seq, pkt.payload = t.flags, t.seq, bytes(t.data)
        elif isinstance(t, dpkt.udp.UDP):
            pkt.proto, pkt.sport, pkt.dport = 17, t.sport, t.dport
            pkt.payload = bytes(t.data)
        return pkt
    return pkt if pkt.src_mac else None
