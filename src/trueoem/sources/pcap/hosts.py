"""Group observations per host (IP, else MAC) and hand each host out once it is done, in bounded memory.

A host is keyed by its IP address; facts seen before a host has one (a DHCP DISCOVER from
0.0.0.0) are keyed by its MAC and merged into the IP host when ARP or a DHCP ACK binds the two.
Where a host's MAC comes from, best first: ARP, DHCP, the Ethernet source of its packets (only for
private/link-local/documentation addresses, and dropped for a MAC seen as the source of more than
``router_ips`` addresses: that is a router), a MAC written in a discovery reply.

Bounds: per host at most ``max_observations`` observations (``max_per_kind`` of one kind) and
``max_host_bytes`` of text; at most ``max_hosts`` hosts and ``max_pending_bytes`` of text held at
once (past either cap the least recently seen host is handed out early); a host idle for
``host_idle`` seconds of capture time is handed out (its TCP flows have timed out by then). The same
fact (kind and identity) is kept once per host, also across an early hand-out, through a bounded
memory of digests; a host that is seen again after its hand-out is handed out again with what is new.
"""

from __future__ import annotations

import datetime as _dt
import functools
import ipaddress
from collections import OrderedDict
from dataclasses import dataclass, field

from trueoem.model import Observation
from trueoem.sources.pcap.extract import Found

#: MAC provenance, best first
MAC_PRIORITY: dict[str, int] = {"arp": 4, "dhcp": 3, "ether": 2, "payload": 1}


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host seen in a capture: its address, MAC, open TCP ports and raw observations."""

    ip: str | None
    mac: str | None
    ports: list[int]
    observations: list[Observation]


@dataclass(frozen=True, slots=True)
class HostLimits:
    """Caps of the host table."""

    max_hosts: int = 65536
    max_observations: int = 64
    max_per_kind: int = 8
    max_host_bytes: int = 512 * 1024
    max_pending_bytes: int = 64 * 1024 * 1024
    host_idle: float = 600.0
    max_seen: int = 131072
    router_ips: int = 8
    max_ports: int = 256


@dataclass(slots=True)
class _Host:
    ip: str | None
    macs: dict[str, str] = field(default_factory=dict)  # provenance -> MAC
    ports: set[int] = field(default_factory=set)
    obs: list[Observation] = field(default_factory=list)
    per_kind: dict[str, int] = field(default_factory=dict)
    size: int = 0
    last: float = 0.0


@functools.lru_cache(maxsize=65536)
def local_address(ip: str) -> bool:
    """True for addresses whose Ethernet source MAC is the host's own (private, link-local, test ranges)."""
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return (a.is_private or a.is_link_local) and not (a.is_multicast or a.is_unspecified or a.is_loopback)


@functools.lru_cache(maxsize=65536)
def host_address(ip: str) -> bool:
    """True for an address that can be one host (not unspecified, multicast or broadcast)."""
    try:
        a = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return not (a.is_multicast or a.is_unspecified or ip == "255.255.255.255")


def iso_time(ts: float) -> str | None:
    """A capture timestamp as ISO 8601 UTC, or None when it is not a plausible time."""
    try:
        return _dt.datetime.fromtimestamp(ts, _dt.UTC).isoformat(timespec="seconds")
    except (ValueError, OverflowError, OSError):
        return None


class HostTable:
    """The hosts of one capture; methods return the :class:`HostRecord` s that became ready."""

    def __init__(self, limits: HostLimits, source: str) -> None:
        self.limits = limits
        self.source = source
        self.hosts: OrderedDict[str, _Host] = OrderedDict()
        self.pending = 0
        self.seen: dict[int, None] = {}
        self.ip_by_mac: dict[str, str] = {}
        self.mac_ips: dict[str, set[str]] = {}
        self.early = 0  # hosts handed out before the end because of a cap

    # --- bookkeeping ---------------------------------------------------------------------------

    def _get(self, key: str, ip: str | None, now: float) -> tuple[_Host, list[HostRecord]]:
        out: list[HostRecord] = []
        h = self.hosts.get(key)
        if h is None:
            while len(self.hosts) >= self.limits.max_hosts:
                out += self._pop_oldest()
            h = _Host(ip)
            self.hosts[key] = h
        else:
            self.hosts.move_to_end(key)
        h.last = now
        return h, out

    def _pop_oldest(self) -> list[HostRecord]:
        _key, h = self.hosts.popitem(last=False)
        self.early += 1
        return self._finish(h)

    def _key(self, ip: str | None, mac: str | None) -> tuple[str, str | None] | None:
        if ip and host_address(ip):
            return ip, ip
        if mac:
            bound = self.ip_by_mac.get(mac)
            if bound:
                return bound, bound
            return "mac:" + mac, None
        return None

    def _remember(self, digest: int) -> bool:
        """False when the digest was seen already; else remember it (FIFO-bounded)."""
        if digest in self.seen:
            return False
        if len(self.seen) >= self.limits.max_seen:
            del self.seen[next(iter(self.seen))]
        self.seen[digest] = None
        return True

    # --- input ---------------------------------------------------------------------------------

    def touch(self, ip: str, now: float) -> None:
        """A packet from ``ip``: keep an existing host from going idle."""
        h = self.hosts.get(ip)
        if h is not None:
            h.last = now
            self.hosts.move_to_end(ip)

    def bind(self, ip: str | None, mac: str, how: str, now: float) -> list[HostRecord]:
        """``mac`` belongs to ``ip`` (or to an address-less host when ``ip`` is None)."""
        if ip and not host_address(ip):
            ip = None
        if how == "ether":
            if not ip or not local_address(ip):
                return []
            ips = self.mac_ips.get(mac)
            if ips is None:
                if len(self.mac_ips) >= self.limits.max_hosts:
                    del self.mac_ips[next(iter(self.mac_ips))]
                ips = self.mac_ips[mac] = set()
            if len(ips) <= self.limits.router_ips:
                ips.add(ip)
        out: list[HostRecord] = []
        if ip and how in ("arp", "dhcp"):
            if self.ip_by_mac.get(mac) != ip:
                if len(self.ip_by_mac) >= self.limits.max_hosts:
                    del self.ip_by_mac[next(iter(self.ip_by_mac))]
                self.ip_by_mac[mac] = ip
            orphan = self.hosts.pop("mac:" + mac, None)
        else:
            orphan = None
        key = self._key(ip, mac)
        if key is None:
            return out
        h, out2 = self._get(key[0], key[1], now)
        out += out2
        cur = h.macs.get(how)
        if cur is None or how in ("arp", "dhcp"):
            h.macs[how] = mac
        if orphan is not None:  # facts seen under the MAC alone join the IP host
            for o in orphan.obs:
                self._append(h, o)
            self.pending -= orphan.size
            for k, v in orphan.macs.items():
                h.macs.setdefault(k, v)
        return out

    def port(self, ip: str, port: int, now: float) -> list[HostRecord]:
        """``ip`` answers on TCP ``port``."""
        if not host_address(ip):
            return []
        h, out = self._get(ip, ip, now)
        if len(h.ports) < self.limits.max_ports:
            h.ports.add(port)
        return out

    def add(
        self, ip: str | None, mac: str | None, found: Found, number: int, ts: float, now: float
    ) -> list[HostRecord]:
        """Record one extracted fact for the host ``ip`` (or ``mac``)."""
        key = self._key(ip, mac)
        if key is None:
            return []
        if not self._remember(hash((key[0], found.kind, found.identity))):
            self.touch(key[0], now)
            return []
        h, out = self._get(key[0], key[1], now)
        if mac and key[1] is None:
            h.macs.setdefault("dhcp", mac)
        obs = Observation(found.kind, found.value, f"{self.source}#{number}/{found.label}", iso_time(ts))
        self._append(h, obs)
        while self.pending > self.limits.max_pending_bytes and self.hosts:
            out += self._pop_oldest()
        return out

    def _append(self, h: _Host, o: Observation) -> None:
        lim = self.limits
        n = h.per_kind.get(o.kind, 0)
        if n >= lim.max_per_kind or len(h.obs) >= lim.max_observations or h.size + len(o.value) > lim.max_host_bytes:
            return
        h.per_kind[o.kind] = n + 1
        h.obs.append(o)
        h.size += len(o.value)
        self.pending += len(o.value)

    # --- output --------------------------------------------------------------------------------

    def _mac(self, h: _Host) -> tuple[str | None, str]:
        for how in sorted(h.macs, key=lambda k: -MAC_PRIORITY.get(k, 0)):
            mac = h.macs[how]
            if how == "ether" and len(self.mac_ips.get(mac, ())) > self.limits.router_ips:
                continue  # the MAC of a router, not of this host
            return mac, how
        return None, ""

    def _finish(self, h: _Host) -> list[HostRecord]:
        self.pending -= h.size
        mac, how = self._mac(h)
        obs = list(h.obs)
        if mac and not any(o.kind == "mac" and o.value == mac for o in obs):
            key = h.ip or "mac:" + mac
            if self._remember(hash((key, "mac", mac.encode()))) or obs:
                obs.insert(0, Observation("mac", mac, f"{self.source}/{how}"))
        if not obs:
            return []
        return [HostRecord(h.ip, mac, sorted(h.ports), obs)]

    def sweep(self, now: float) -> list[HostRecord]:
        """Hand out hosts idle for longer than ``host_idle`` (capture time)."""
        out: list[HostRecord] = []
        limit = now - self.limits.host_idle
        while self.hosts:
            key, h = next(iter(self.hosts.items()))
            if h.last >= limit:
                break
            del self.hosts[key]
            out += self._finish(h)
        return out

    def drain(self) -> list[HostRecord]:
        """Hand out every host still held (end of capture)."""
        out: list[HostRecord] = []
        while self.hosts:
            _key, h = self.hosts.popitem(last=False)
            out += self._finish(h)
        return out
