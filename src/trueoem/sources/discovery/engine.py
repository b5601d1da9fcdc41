"""Run UDP discovery on one named interface and group the replies by device.

:func:`discover` sends SADP, DHIP, WS-Discovery and SSDP probes (each ``1 + retries`` times within
``timeout``) out of the named interface only, listens for replies for ``timeout`` seconds, fetches
SSDP descriptions from the replying devices themselves, adds MACs from reply payloads and from the
kernel neighbour table, and yields one :class:`Discovered` per replying address.

Safety (DESIGN.md "Network safety"): no interface name, an unknown one, or loopback → a
:class:`~trueoem.sources.discovery.iface.DiscoveryError` before any socket exists. Every socket is
bound to the device and its address, multicast TTL 1. Broadcast copies are sent only when the
device binding took (it needs CAP_NET_RAW); otherwise multicast alone goes out (``IP_MULTICAST_IF``
pins it). Replies from addresses ``allowed`` rejects are dropped unread; every reply is capped
at :data:`MAX_REPLY` bytes; per-device and total caps bound memory.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import socket
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from trueoem.match.facets import decode_bytes
from trueoem.model import Observation
from trueoem.sources.discovery import dhip, sadp, ssdp, wsd
from trueoem.sources.discovery.iface import Interface, resolve_interface, udp_socket
from trueoem.sources.discovery.neighbours import read_neighbours

log = logging.getLogger(__name__)

PROTOCOLS: tuple[str, ...] = ("sadp", "dhip", "wsd", "ssdp")
MAX_REPLY = 16 * 1024  # bytes of one datagram kept (and looked at)
MAX_HOSTS = 1024  # replying addresses kept per run
MAX_OBSERVATIONS_PER_HOST = 32
MAX_FETCHES_PER_HOST = 2
FETCH_CONCURRENCY = 8
BROADCAST = "255.255.255.255"


@dataclass(frozen=True, slots=True)
class Discovered:
    """One replying address: its MAC (neighbour table first, else a payload MAC) and raw observations."""

    ip: str
    mac: str | None
    observations: list[Observation]


@dataclass(slots=True)
class DiscoveryStats:
    """Counters of one run (for logs, progress and tests)."""

    sent: int = 0
    send_errors: int = 0
    received: int = 0
    accepted: int = 0
    dropped_not_allowed: int = 0
    dropped_invalid: int = 0
    dropped_over_cap: int = 0
    truncated: int = 0
    duplicates: int = 0
    fetched: int = 0
    fetch_refused: int = 0
    fetch_failed: int = 0
    broadcast: bool = False


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str
    kind: str
    port: int
    group: str
    broadcast: bool
    listen_group: bool
    probes: Callable[[int], list[bytes]]
    is_reply: Callable[[bytes], bool]
    render: Callable[[bytes], str]
    macs: Callable[[bytes], list[str]]
    identity: Callable[[bytes], bytes]


SPECS: dict[str, _Spec] = {
    "sadp": _Spec("sadp", "sadp", sadp.PORT, sadp.GROUP, True, True, lambda _mx: sadp.probes(),
                  sadp.is_reply, decode_bytes, sadp.macs, sadp.identity),
    "dhip": _Spec("dhip", "dhip", dhip.PORT, dhip.GROUP, True, False, lambda _mx: [dhip.probe()],
                  dhip.is_reply, dhip.render, dhip.macs, bytes),
    "wsd": _Spec("wsd", "ws_discovery", wsd.PORT, wsd.GROUP, False, False, lambda _mx: wsd.probes(),
                 wsd.is_reply, decode_bytes, wsd.macs, wsd.identity),
    "ssdp": _Spec("ssdp", "ssdp_description", ssdp.PORT, ssdp.GROUP, False, False, ssdp.probes,
                  ssdp.is_reply, decode_bytes, lambda _d: [], ssdp.identity),
}  # fmt: skip


@dataclass(slots=True)
class _Host:
    observations: list[Observation] = field(default_factory=list)
    seen: set[tuple[str, bytes]] = field(default_factory=set)  # (kind, digest of the reply's identity)
    payload_macs: list[tuple[str, str]] = field(default_factory=list)  # (mac, source)
    locations: set[str] = field(default_factory=set)


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self, spec: _Spec, on_datagram: Callable[[_Spec, bytes, tuple[str, int]], None]) -> None:
        self.spec, self.on_datagram = spec, on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | int, int]) -> None:
        if isinstance(addr, tuple) and len(addr) >= 2 and isinstance(addr[0], str):
            self.on_datagram(self.spec, data, (addr[0], int(addr[1])))

    def error_received(self, exc: Exception) -> None:
        log.debug("discovery %s socket error: %s", self.spec.name, exc)


class _Run:
    """The state of one discovery run."""

    def __init__(self, iface: Interface, allowed: Callable[[str], bool] | None, stats: DiscoveryStats) -> None:
        self.iface, self.allowed, self.stats = iface, allowed, stats
        self.hosts: dict[str, _Host] = {}
        self.fetches: list[asyncio.Task[None]] = []
        self.fetch_gate = asyncio.Semaphore(FETCH_CONCURRENCY)
        self.fetch_descriptions = True

    def permitted(self, ip: str) -> bool:
        if ip == self.iface.address:
            return False
        if self.allowed is None:
            return True
        try:
            return bool(self.allowed(ip))
        except Exception:  # noqa: BLE001 - a faulty filter must fail closed, not kill the run
            return False

    def on_datagram(self, spec: _Spec, data: bytes, addr: tuple[str, int]) -> None:
        ip, port = addr
        self.stats.received += 1
        if not self.permitted(ip):
            self.stats.dropped_not_allowed += 1
            return
        if len(data) > MAX_REPLY:
            self.stats.truncated += 1
            data = data[:MAX_REPLY]
        if not spec.is_reply(data):
            self.stats.dropped_invalid += 1
            return
        source = f"{ip}:{port}/{spec.name}"
        if not self._record(ip, Observation(spec.kind, spec.render(data), source), spec.identity(data)):
            return
        host = self.hosts[ip]
        for mac in spec.macs(data):
            if all(m != mac for m, _ in host.payload_macs):
                host.payload_macs.append((mac, source))
        if spec.name == "ssdp" and self.fetch_descriptions:
            self._maybe_fetch(ip, data)

    def _record(self, ip: str, obs: Observation, identity: bytes) -> bool:
        """Keep ``obs`` unless the host has one of the same kind and identity, or is over a cap."""
        host = self.hosts.get(ip)
        if host is None:
            if len(self.hosts) >= MAX_HOSTS:
                self.stats.dropped_over_cap += 1
                return False
            host = self.hosts[ip] = _Host()
        key = (obs.kind, hashlib.sha256(identity).digest())
        if key in host.seen:
            self.stats.duplicates += 1
            return False
        if len(host.observations) >= MAX_OBSERVATIONS_PER_HOST:
            self.stats.dropped_over_cap += 1
            return False
        host.seen.add(key)
        host.observations.append(obs)
        self.stats.accepted += 1
        return True

    def _maybe_fetch(self, ip: str, data: bytes) -> None:
        url = ssdp.location(data, ip)
        host = self.hosts[ip]
        if url is None or url in host.locations:
            return
        if ssdp.fetchable(url, ip) is None:
            self.stats.fetch_refused += 1
            log.info("not fetching SSDP LOCATION %r from %s: not plain HTTP to the replying device", url, ip)
            return
        if len(host.locations) >= MAX_FETCHES_PER_HOST:
            return
        host.locations.add(url)
        self.fetches.append(asyncio.get_running_loop().create_task(self._fetch(ip, url)))

    async def _fetch(self, ip: str, url: str) -> None:
        async with self.fetch_gate:
            text = await ssdp.fetch_description(self.iface, ip, url)
        spec = ssdp.fetchable(url, ip)
        if text is None or spec is None:
            self.stats.fetch_failed += 1
            return
        self.stats.fetched += 1
        self._record(ip, Observation("ssdp_description", text, f"{ip}:{spec[0]}/ssdp"), text.encode())

    def results(self, neighbours: dict[str, str]) -> list[Discovered]:
        out = []
        for ip in sorted(self.hosts, key=lambda a: socket.inet_aton(a)):
            host = self.hosts[ip]
            obs = list(host.observations)
            seen_macs = set()
            neigh = neighbours.get(ip) if self.iface.on_link(ip) else None
            if neigh:
                obs.append(Observation("mac", neigh, f"{ip}/neighbour"))
                seen_macs.add(neigh)
            for mac, source in host.payload_macs:
                if mac not in seen_macs:
                    seen_macs.add(mac)
                    obs.append(Observation("mac", mac, source))
            best = neigh or (host.payload_macs[0][0] if host.payload_macs else None)
            out.append(Discovered(ip, best, obs))
        return out


def _factory(spec: _Spec, run: _Run) -> Callable[[], _Receiver]:
    return lambda: _Receiver(spec, run.on_datagram)


def _plan(timeout: float, retries: int) -> tuple[float, int]:
    """Seconds between send rounds, and the SSDP MX that lets late replies land inside ``timeout``."""
    interval = min(1.0, timeout / (retries + 2))
    mx = max(1, min(5, math.floor(timeout - retries * interval)))
    return interval, mx


async def discover(
    interface: str,
    *,
    timeout: float = 3.0,
    retries: int = 2,
    protocols: Iterable[str] = PROTOCOLS,
    allowed: Callable[[str], bool] | None = None,
    fetch_descriptions: bool = True,
    stats: DiscoveryStats | None = None,
) -> AsyncIterator[Discovered]:
    """Discover devices on ``interface``; yield one :class:`Discovered` per replying address.

    ``protocols`` is any of ``sadp``, ``dhip``, ``wsd``, ``ssdp``. ``allowed(ip)`` returning False
    (exclusions, outside the targets) drops that address's replies and anything that would be
    fetched from it. Raises :class:`~trueoem.sources.discovery.iface.DiscoveryError` before sending
    anything when the interface is missing, unknown, loopback or has no IPv4 address.
    """
    iface = resolve_interface(interface)
    names = list(dict.fromkeys(protocols))
    unknown = [p for p in names if p not in SPECS]
    if unknown:
        raise ValueError(f"unknown discovery protocol(s): {', '.join(unknown)}; known: {', '.join(PROTOCOLS)}")
    if timeout <= 0 or retries < 0:
        raise ValueError("timeout must be > 0 and retries >= 0")
    stats = stats if stats is not None else DiscoveryStats()
    run = _Run(iface, allowed, stats)
    run.fetch_descriptions = fetch_descriptions
    loop = asyncio.get_running_loop()
    senders: list[tuple[_Spec, asyncio.DatagramTransport, bool]] = []
    transports: list[asyncio.DatagramTransport] = []
    try:
        for name in names:
            spec = SPECS[name]
            sock, pinned = udp_socket(iface)
            tr, _ = await loop.create_datagram_endpoint(_factory(spec, run), sock=sock)
            transports.append(tr)
            senders.append((spec, tr, pinned))
            if spec.listen_group:
                try:
                    lsock, _p = udp_socket(iface, port=spec.port, group=spec.group)
                except OSError as exc:
                    log.info("no %s multicast listener on %s: %s", spec.name, iface.name, exc)
                else:
                    ltr, _ = await loop.create_datagram_endpoint(_factory(spec, run), sock=lsock)
                    transports.append(ltr)
        stats.broadcast = any(p for _s, _t, p in senders)
        interval, mx = _plan(timeout, retries)
        start = loop.time()
        for round_no in range(retries + 1):
            for spec, tr, pinned in senders:
                targets = [(spec.group, spec.port)]
                if spec.broadcast and pinned:
                    targets.append((BROADCAST, spec.port))
                for payload in spec.probes(mx):
                    for target in targets:
                        try:
                            tr.sendto(payload, target)
                            stats.sent += 1
                        except OSError as exc:
                            stats.send_errors += 1
                            log.info("discovery %s send to %s failed: %s", spec.name, target, exc)
            if round_no < retries:
                await asyncio.sleep(interval)
        await asyncio.sleep(max(0.0, start + timeout - loop.time()))
    finally:
        for tr in transports:
            tr.close()
    try:
        if run.fetches:
            await asyncio.gather(*run.fetches, return_exceptions=True)
    finally:
        for task in run.fetches:
            task.cancel()  # only matters when this generator itself is cancelled mid-fetch
    neighbours = await asyncio.to_thread(read_neighbours, iface.name)
    for item in run.results(neighbours):
        yield item
