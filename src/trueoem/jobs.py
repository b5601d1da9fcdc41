"""Jobs that tie adapters together: a scan (discovery + probes -> attribution -> store -> output).

The CLI parses arguments and calls these; the web layer (later) will call the same functions.
A scan writes every host to the store as soon as it is finished (one commit per host), and marks
its target done only then, so a scan killed at any point loses nothing it had reported and
``--resume`` rescans only what was not finished.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from trueoem.attribute import attribute
from trueoem.match.engine import CompiledKB
from trueoem.model import Asset, Attribution, Observation
from trueoem.screen import Result
from trueoem.sources.scan import HostResult, Scanner, ScanOptions
from trueoem.store import Store


@dataclass
class ScanTotals:
    """Counts kept while a scan runs (progress and the closing line)."""

    targets: int = 0
    hosts_done: int = 0
    devices: int = 0  # hosts with an open port or a discovery reply
    covered: int = 0
    likely: int = 0
    interrupted: bool = False
    elapsed: float = 0.0
    discovery_errors: list[str] = field(default_factory=list)


def host_attribution(
    ip: str, mac: str | None, ports: list[int], obs: list[Observation], ckb: CompiledKB
) -> Attribution:
    """Attribute one host; the record carries ip, mac and ports as DESIGN.md's scan record does."""
    a = attribute(ip, obs, ckb)
    macs = [o.value for o in obs if o.kind == "mac"]
    return replace(a, extra=(("ip", ip), ("mac", mac or (macs[0] if macs else None)), ("ports", sorted(ports))))


def discover_hosts(
    interface: str, allowed: Callable[[str], bool], timeout: float = 3.0
) -> tuple[dict[str, tuple[str | None, list[Observation]]], list[str]]:
    """UDP discovery on one named interface: ``{ip: (mac, observations)}`` and error lines."""
    from trueoem.sources.discovery import DiscoveryError, discover

    found: dict[str, tuple[str | None, list[Observation]]] = {}

    async def main() -> None:
        async for d in discover(interface, timeout=timeout, allowed=allowed):
            found[d.ip] = (d.mac, list(d.observations))

    try:
        asyncio.run(main())
    except DiscoveryError as exc:
        return found, [f"discovery on {interface}: {exc}"]
    return found, []


def run_scan(
    addresses: list[str],
    options: ScanOptions,
    ckb: CompiledKB,
    store: Store,
    scan_id: int,
    on_result: Callable[[Result], None],
    *,
    interface: str | None = None,
    progress: Callable[[ScanTotals], None] | None = None,
) -> ScanTotals:
    """Scan, attribute, store and stream every host. Ctrl-C stops cleanly and keeps what was found."""
    totals = ScanTotals(targets=len(addresses))
    start = time.monotonic()
    wanted = set(addresses)
    discovered: dict[str, tuple[str | None, list[Observation]]] = {}
    if interface:
        discovered, errs = discover_hosts(interface, wanted.__contains__)
        totals.discovery_errors += errs
    neighbours: dict[str, str] = {}
    if interface:
        from trueoem.sources.discovery.neighbours import read_neighbours

        neighbours = read_neighbours(interface)

    empty: list[str] = []
    last_flush = [time.monotonic()]

    def finish(r: HostResult) -> None:
        mac, dobs = discovered.pop(r.ip, (None, []))
        mac = mac or neighbours.get(r.ip)
        obs = list(r.observations) + dobs
        if mac and not any(o.kind == "mac" for o in obs):
            obs.append(Observation("mac", mac, f"{r.ip}/neighbour"))
        found = bool(r.open_ports or dobs)
        a = host_attribution(r.ip, mac, r.open_ports, obs, ckb) if found else None
        if a is not None:
            store.record_asset(scan_id, ip=r.ip, mac=mac, observations=obs, attribution=a)
        if r.complete:  # only a finished host is done; a cut-off one is rescanned by --resume
            if a is not None:
                store.mark_target(scan_id, r.ip, "done")  # before it is reported: a kill loses nothing
            else:
                empty.append(r.ip)  # nothing to report: marked in batches (a kill only rescans them)
                if len(empty) >= 256 or time.monotonic() - last_flush[0] > 2.0:
                    store.mark_targets(scan_id, empty)
                    empty.clear()
                    last_flush[0] = time.monotonic()
            totals.hosts_done += 1
        if a is not None:  # reported only once stored and marked: a kill after this loses nothing
            totals.devices += 1
            totals.covered += a.verdict.value == "covered"
            totals.likely += a.verdict.value == "likely_covered"
            on_result(Result(r.ip, a))
        if progress:
            totals.elapsed = time.monotonic() - start
            progress(totals)

    scanner = Scanner(options)

    async def main() -> None:
        async for r in scanner.run(addresses):
            finish(r)

    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # uvloop is optional
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        try:
            runner.run(main())
        except (KeyboardInterrupt, asyncio.CancelledError):
            totals.interrupted = True
    for r in scanner.interrupted():
        finish(r)
    store.mark_targets(scan_id, empty)
    for ip, (mac, dobs) in sorted(discovered.items()):  # answered discovery, not among the TCP results
        a = host_attribution(ip, mac, [], dobs, ckb)
        store.record_asset(scan_id, ip=ip, mac=mac, observations=dobs, attribution=a)
        totals.devices += 1
        on_result(Result(ip, a))
    totals.elapsed = time.monotonic() - start
    return totals


class Saver:
    """Stores screened catalog rows / records in batches, with their raw observations (for rescore)."""

    def __init__(self, store: Store, scan_id: int, batch: int = 500) -> None:
        from trueoem.store import AssetRecord

        self._record = AssetRecord
        self.store, self.scan_id, self.batch = store, scan_id, batch
        self.pending: list[AssetRecord] = []
        self.saved = 0

    def add(self, source: str, asset: Asset, attribution: Attribution) -> None:
        """Queue one asset; ``source`` (the file) keeps ids from different files apart."""
        self.pending.append(
            self._record(asset.observations, external_id=f"{source}#{asset.id}", attribution=attribution)
        )
        if len(self.pending) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            self.store.record_many(self.scan_id, self.pending)
            self.saved += len(self.pending)
            self.pending = []
