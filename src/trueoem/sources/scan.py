"""The active scan engine: connect scan, then the catalogue's probes on open ports, per host.

``scan(addresses, options)`` is an async generator that yields one :class:`HostResult` per host as
soon as that host is finished, so callers can attribute and print while the scan goes on. Limits:

* every new connection (connect check or probe) first takes a slot from a rate limiter
  (``max_rate`` connections per second, paced evenly, default conservative);
* at most ``concurrency`` connections are open at once and ``hosts_in_flight`` hosts in progress;
* each connection attempt has ``connect_timeout``; each probe ``probe_timeout`` and
  ``max_response_bytes``; each host ``host_timeout`` (what was found before it is kept);
* cancelling the consumer (Ctrl-C) cancels the hosts in progress; hosts already yielded are the
  caller's, and :meth:`Scanner.interrupted` gives the partial results of the ones cut off.

:func:`scan_blocking` runs a scan on a fresh event loop (uvloop where available) and turns
Ctrl-C into a clean stop that returns everything found. Addresses come from
:mod:`trueoem.sources.targets`; this module scans exactly what it is given.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field

from trueoem.model import Asset, Observation
from trueoem.sources.probes import Catalog, Limits, Probe, ProbeOutput, load_catalog, now_iso, source_of
from trueoem.sources.probes import http as http_probe
from trueoem.sources.probes import onvif as onvif_probe
from trueoem.sources.probes import rtsp as rtsp_probe
from trueoem.sources.probes import tls as tls_probe

DEFAULT_MAX_RATE = 200.0


@dataclass(frozen=True, slots=True)
class ScanOptions:
    """How hard and how long to scan. Defaults are conservative for embedded devices."""

    ports: tuple[int, ...] = ()  # empty: the catalogue's default ports
    max_rate: float = DEFAULT_MAX_RATE  # new connections per second, whole scan
    concurrency: int = 256  # open connections at once
    hosts_in_flight: int = 128  # hosts scanned at once
    connect_timeout: float = 2.0
    probe_timeout: float = 5.0
    max_response_bytes: int = 256 * 1024
    host_timeout: float = 60.0
    intensity: int = 2

    def __post_init__(self) -> None:
        if self.max_rate <= 0 or self.concurrency < 1 or self.hosts_in_flight < 1:
            raise ValueError("max_rate, concurrency and hosts_in_flight must be positive")
        if not 0 <= self.intensity <= 3:
            raise ValueError("intensity is 0..3")
        if any(not 0 < p < 65536 for p in self.ports):
            raise ValueError("ports are 1..65535")


@dataclass(slots=True)
class HostResult:
    """Everything one host showed: open ports, raw observations, errors (one line each)."""

    ip: str
    open_ports: list[int] = field(default_factory=list)
    observations: list[Observation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    complete: bool = True  # False when the host timed out or the scan was interrupted

    def asset(self) -> Asset:
        """The host as an asset for :func:`trueoem.attribute.attribute` and the store."""
        return Asset(self.ip, tuple(self.observations))

    def add(self, out: ProbeOutput) -> None:
        self.observations += out.observations
        self.errors += out.errors


def parse_ports(spec: str) -> tuple[int, ...]:
    """``-p`` syntax: ``80,443,8000-8010``; ``default`` for the catalogue's set. Raises ValueError."""
    if spec.strip().lower() in ("", "default"):
        return load_catalog().default_ports
    out: list[int] = []
    for part in spec.split(","):
        part = part.strip()
        lo, dash, hi = part.partition("-")
        if not lo.isdigit() or (dash and not hi.isdigit()):
            raise ValueError(f"bad port spec {part!r}: use numbers and ranges like 80,443,8000-8010")
        a, b = int(lo), int(hi or lo)
        if not (0 < a <= b < 65536):
            raise ValueError(f"bad port range {part!r}: ports are 1..65535")
        out += range(a, b + 1)
    return tuple(dict.fromkeys(out))


class RateLimiter:
    """Evenly paced slots (GCRA): at most ``burst`` at once, then one every ``1/rate`` seconds."""

    def __init__(self, rate: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate
        self.tau = (max(1, burst) - 1) * self.interval
        self._tat = 0.0

    async def acquire(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        tat = max(self._tat, now)
        self._tat = tat + self.interval  # reserve the slot before sleeping: no await in between
        wait = tat - self.tau - now
        if wait > 0:
            await asyncio.sleep(wait)


_RUNNERS = {"http": http_probe.run, "onvif": onvif_probe.run, "rtsp": rtsp_probe.run, "tls": tls_probe.run}


class Scanner:
    """One scan: shared limits, the catalogue, and the state of hosts in progress."""

    def __init__(self, options: ScanOptions | None = None, catalog: Catalog | None = None) -> None:
        self.options = options or ScanOptions()
        self.catalog = catalog or load_catalog()
        self.ports = self.options.ports or self.catalog.default_ports
        self.limits = Limits(self.options.max_response_bytes, self.options.probe_timeout)
        self._limiter = RateLimiter(self.options.max_rate)
        self._conn = asyncio.Semaphore(self.options.concurrency)
        self._in_flight: dict[str, HostResult] = {}
        self._interrupted: list[HostResult] = []
        self._ssl = tls_probe.client_context()
        self.connections = 0
        # Hosts share the rate limit, and a host's time cap counts the time it waits for a slot: so
        # start no more hosts at once than the rate can serve within the cap (about one connection
        # per port plus a dozen probe connections per host, with a factor 2 of headroom).
        per_host = len(self.ports) + 12
        served = int(self.options.max_rate * self.options.host_timeout / (2 * per_host))
        self.hosts_in_flight = max(1, min(self.options.hosts_in_flight, served))

    def interrupted(self) -> list[HostResult]:
        """Partial results of hosts that were in progress when the scan was cancelled."""
        return list(self._interrupted)

    async def _open(
        self, ip: str, port: int, tls: bool, timeout: float, acquire: bool = True
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if acquire:
            await self._limiter.acquire()
        self.connections += 1
        ctx: ssl.SSLContext | None = self._ssl if tls else None
        return await asyncio.wait_for(
            asyncio.open_connection(
                ip,
                port,
                ssl=ctx,
                server_hostname="" if tls else None,
                ssl_handshake_timeout=timeout if tls else None,
                limit=65536,
            ),
            timeout,
        )

    async def _check_port(self, ip: str, port: int, res: HostResult) -> bool:
        async with self._conn:
            try:
                _r, w = await self._open(ip, port, False, self.options.connect_timeout)
            except ConnectionRefusedError:
                return False
            except TimeoutError:
                return False  # filtered (or a host that is not there)
            except OSError as exc:
                res.errors.append(f"{source_of(ip, port, 'tcp-connect')}: {exc.strerror or type(exc).__name__}")
                return False
            w.transport.abort()
            return True

    async def _run_probe(self, ip: str, port: int, probe: Probe, tls: bool) -> ProbeOutput:
        first = True

        async def connect(use_tls: bool) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            nonlocal first
            acquire, first = not first, False
            return await self._open(ip, port, use_tls, self.options.connect_timeout, acquire=acquire)

        runner = _RUNNERS[probe.transport]
        async with self._conn:
            # the first connection's rate slot is taken before the probe's own clock starts, so a
            # scan paced slowly by --max-rate does not time its probes out while they queue
            await self._limiter.acquire()
            try:
                return await runner(connect, ip, port, tls, probe, self.limits)
            except (OSError, TimeoutError, ssl.SSLError, ValueError, EOFError) as exc:  # a defect, not the device
                return ProbeOutput(errors=[f"{source_of(ip, port, probe.name)}: {type(exc).__name__}: {exc}"])

    async def _probe_port(self, ip: str, port: int, res: HostResult) -> None:
        dead: set[bool] = set()  # TLS modes (False plain, True TLS) that stalled or refused on this port
        skipped: list[str] = []
        for probe, tls in self.catalog.for_port(port, self.options.intensity):
            if tls in dead:
                skipped.append(probe.name)
                continue
            out = await self._run_probe(ip, port, probe, tls)
            res.add(out)
            if out.give_up:  # a stalling port, or TLS that never completes: spare it the rest
                dead.add(tls)
        if skipped:
            res.errors.append(f"{source_of(ip, port, 'probes')}: port stalled or refused; skipped {', '.join(skipped)}")

    async def _host(self, ip: str) -> HostResult:
        res = HostResult(ip)
        self._in_flight[ip] = res
        start = time.monotonic()
        try:
            async with asyncio.timeout(self.options.host_timeout):
                opened = await asyncio.gather(*(self._check_port(ip, p, res) for p in self.ports))
                res.open_ports = [p for p, ok in zip(self.ports, opened, strict=True) if ok]
                seen = now_iso()
                res.observations += [
                    Observation("open_port", f"{p}/tcp", source_of(ip, p, "tcp-connect"), seen) for p in res.open_ports
                ]
                await asyncio.gather(*(self._probe_port(ip, p, res) for p in res.open_ports))
        except TimeoutError:
            res.complete = False
            res.errors.append(f"{ip}: host time cap of {self.options.host_timeout:g}s reached; partial results kept")
        except asyncio.CancelledError:
            res.complete = False
            res.errors.append(f"{ip}: scan interrupted; partial results kept")
            self._interrupted.append(res)
            raise
        finally:
            res.elapsed = time.monotonic() - start
            self._in_flight.pop(ip, None)
        return res

    async def run(self, addresses: Iterable[str]) -> AsyncIterator[HostResult]:
        """Yield each host's result as it finishes (completion order, not input order)."""
        it = iter(addresses)
        pending: set[asyncio.Task[HostResult]] = set()
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < self.hosts_in_flight:
                    ip = next(it, None)
                    if ip is None:
                        exhausted = True
                    else:
                        pending.add(asyncio.ensure_future(self._host(ip)))
                if not pending:
                    return
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for t in done:
                    yield t.result()
        finally:
            for t in pending:
                t.cancel()
            if pending:
                await asyncio.gather(*pending, return_exceptions=True)


def scan(addresses: Iterable[str], options: ScanOptions | None = None) -> AsyncIterator[HostResult]:
    """Scan ``addresses`` and yield a :class:`HostResult` per host as it finishes."""
    return Scanner(options).run(addresses)


@dataclass(slots=True)
class ScanSummary:
    """What :func:`scan_blocking` returns."""

    results: list[HostResult]
    interrupted: bool
    elapsed: float
    connections: int


def scan_blocking(
    addresses: Iterable[str],
    options: ScanOptions | None = None,
    on_result: Callable[[HostResult], None] | None = None,
) -> ScanSummary:
    """Run a scan to the end on its own event loop; Ctrl-C stops it and keeps what was found.

    ``on_result`` is called for each finished host as it comes (progress, streaming output).
    Hosts cut off by Ctrl-C are included with ``complete=False``.
    """
    scanner = Scanner(options)
    results: list[HostResult] = []
    start = time.monotonic()
    interrupted = False

    async def main() -> None:
        nonlocal interrupted
        try:
            async for r in scanner.run(addresses):
                results.append(r)
                if on_result is not None:
                    on_result(r)
        except asyncio.CancelledError:
            interrupted = True

    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # uvloop is optional (not on Windows)
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        try:
            runner.run(main())
        except KeyboardInterrupt:
            interrupted = True
    for r in scanner.interrupted():
        results.append(r)
        if on_result is not None:
            on_result(r)
    return ScanSummary(results, interrupted, time.monotonic() - start, scanner.connections)
