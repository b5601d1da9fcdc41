"""The one interface discovery may use, and sockets pinned to it.

DESIGN.md (network safety): multicast/broadcast discovery only on the interface the user names.
:func:`resolve_interface` refuses to go on without a usable name; :func:`udp_socket` and
:func:`tcp_socket` return sockets bound to that device (``SO_BINDTODEVICE``) and to its IPv4
address, with ``IP_MULTICAST_IF`` set to that address and a multicast TTL of 1, so no datagram
can leave by another interface or be routed beyond the link.
"""

from __future__ import annotations

import fcntl
import ipaddress
import socket
import struct
from dataclasses import dataclass

SIOCGIFFLAGS = 0x8913
SIOCGIFADDR = 0x8915
SIOCGIFNETMASK = 0x891B
IFF_UP = 0x1
IFF_LOOPBACK = 0x8
SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)


class DiscoveryError(RuntimeError):
    """Discovery cannot run safely (no interface, unknown interface, loopback, no IPv4 address)."""


@dataclass(frozen=True, slots=True)
class Interface:
    """A network interface discovery is pinned to."""

    name: str
    index: int
    address: str
    network: ipaddress.IPv4Network

    def on_link(self, ip: str) -> bool:
        """True when ``ip`` is in the interface's own IPv4 subnet (reachable without a router)."""
        try:
            return ipaddress.IPv4Address(ip) in self.network
        except ValueError:
            return False


def _ifreq(sock: socket.socket, request: int, name: str) -> bytes:
    return fcntl.ioctl(sock.fileno(), request, struct.pack("256s", name.encode()[:15]))


def resolve_interface(name: str | None) -> Interface:
    """Look ``name`` up; raise :class:`DiscoveryError` unless it is an up, non-loopback IPv4 interface.

    Loopback is refused: it is not a network segment, and multicast "discovery" there would only
    find local processes.
    """
    if not name or not isinstance(name, str) or not name.strip():
        raise DiscoveryError("discovery needs --interface NAME: multicast/broadcast goes only out of a named interface")
    name = name.strip()
    if len(name) > 15 or "/" in name or "\x00" in name:
        raise DiscoveryError(f"{name!r} is not a valid interface name")
    try:
        index = socket.if_nametoindex(name)
    except OSError as exc:
        raise DiscoveryError(f"no such interface: {name!r}") from exc
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = struct.unpack_from("H", _ifreq(s, SIOCGIFFLAGS, name), 16)[0]
        if flags & IFF_LOOPBACK:
            raise DiscoveryError(f"refusing loopback interface {name!r}: discovery needs a real link")
        if not flags & IFF_UP:
            raise DiscoveryError(f"interface {name!r} is down")
        try:
            addr = socket.inet_ntoa(_ifreq(s, SIOCGIFADDR, name)[20:24])
            mask = socket.inet_ntoa(_ifreq(s, SIOCGIFNETMASK, name)[20:24])
        except OSError as exc:
            raise DiscoveryError(f"interface {name!r} has no IPv4 address") from exc
    network = ipaddress.IPv4Network(f"{addr}/{mask}", strict=False)
    return Interface(name, index, addr, network)


def _pin(sock: socket.socket, iface: Interface) -> bool:
    """Bind ``sock`` to the device; True when SO_BINDTODEVICE took (it needs CAP_NET_RAW)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, iface.name.encode() + b"\x00")
    except (OSError, PermissionError):
        return False
    return True


def udp_socket(iface: Interface, *, port: int = 0, group: str | None = None) -> tuple[socket.socket, bool]:
    """A non-blocking UDP socket pinned to ``iface``; returns it and whether the device binding took.

    With ``group`` the socket is a listener: bound to ``group:port`` and joined to the group on
    this interface only. Otherwise it is bound to the interface's address (ephemeral ``port``),
    sends multicast out of this interface only (``IP_MULTICAST_IF``), TTL 1, no loopback.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_UDP)
    try:
        sock.setblocking(False)
        pinned = _pin(sock, iface)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(iface.address))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        if group is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((group, port))
            mreqn = struct.pack("4s4si", socket.inet_aton(group), socket.inet_aton(iface.address), iface.index)
            sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        else:
            if pinned:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
            sock.bind((iface.address, port))
    except BaseException:
        sock.close()
        raise
    return sock, pinned


def tcp_socket(iface: Interface) -> socket.socket:
    """A non-blocking TCP socket pinned to ``iface`` (device and source address)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setblocking(False)
        _pin(sock, iface)
        sock.bind((iface.address, 0))
    except BaseException:
        sock.close()
        raise
    return sock
