"""The scheduler side of a distributed scan: batches out to site workers, results into one store.

:func:`run_distributed_scan` connects to a Dask scheduler, cuts each site's targets into small
batches and submits each batch with ``resources={"site-NAME": 1}``, so only workers started inside
that site (``dask worker ADDRESS --resources "site-NAME=1"``) may run it. Each worker runs the
ordinary scan engine (:mod:`trueoem.dscan.task`) and returns raw host results; attribution and the
store writes happen here, in this process, into one store (workers need no database). Each host
is stored and its target marked done as its batch's results arrive, exactly as
:func:`trueoem.jobs.run_scan` does (a host cut off by its time cap stays pending).

Worker loss:

* a worker that dies mid-batch: the scheduler gives the batch to another worker with the same
  site resource (its results are taken only from the worker that finished it, so nothing is
  stored twice);
* a site with no worker left (or none ever started): after ``lost_site_grace`` seconds with
  batches waiting and no worker holding its resource, its unfinished batches are cancelled and
  their targets marked ``failed`` in the store, each named in a report line;
* a batch that fails on the worker (an error, or Dask's ``KilledWorker`` after a batch has taken
  down several workers): its targets are marked ``failed`` and reported.

Ctrl-C cancels every outstanding batch; their targets stay pending, ``interrupted`` is set, and
``trueoem scan --resume`` rescans them. ``max_rate`` is a per-site cap: each batch runs with the
site's rate divided by the site's worker capacity (the sum of its workers' ``site-NAME``
resource) when the scan starts.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from trueoem.dscan.sites import resource_name
from trueoem.dscan.task import BatchOutcome, scan_batch
from trueoem.jobs import ScanTotals, host_attribution
from trueoem.match.engine import CompiledKB
from trueoem.screen import Result
from trueoem.sources.scan import HostResult, ScanOptions
from trueoem.store import Store

_POLL = 0.05  # seconds between looks at the futures when nothing has finished
_CHECK_SITES = 1.0  # seconds between looks at which workers the scheduler has
_SHOWN = 8  # addresses named in one report line


class DistributedError(RuntimeError):
    """The distributed scan cannot start (no scheduler at the address); the message is one line."""


@dataclass(slots=True)
class BatchRecord:
    """One batch: its Dask key, site, addresses, how it ended and which worker finished it."""

    key: str
    site: str
    addresses: list[str]
    state: str = "pending"  # pending, done, failed, interrupted
    worker: str = ""  # address of the worker whose results were stored
    worker_name: str = ""
    started: float = 0.0  # wall clock on that worker
    finished: float = 0.0
    error: str = ""


@dataclass
class DistributedTotals(ScanTotals):
    """:class:`~trueoem.jobs.ScanTotals` plus what only a distributed scan has."""

    failed: list[str] = field(default_factory=list)  # targets reported not scanned (state failed)
    errors: list[str] = field(default_factory=list)  # one line each; also given to ``warn`` as they happen
    batches: list[BatchRecord] = field(default_factory=list)
    capacity: dict[str, float] = field(default_factory=dict)  # site -> worker capacity at the start


def _names(addresses: Sequence[str]) -> str:
    more = f" and {len(addresses) - _SHOWN} more" if len(addresses) > _SHOWN else ""
    return ", ".join(addresses[:_SHOWN]) + more


def _chunks(items: Sequence[str], size: int) -> list[list[str]]:
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


class _Run:
    """State of one distributed scan while it runs (the futures, the sites' workers, the totals)."""

    def __init__(
        self,
        client: Any,  # distributed.Client (its methods are untyped)
        ckb: CompiledKB,
        store: Store,
        scan_id: int,
        on_result: Callable[[Result], None],
        totals: DistributedTotals,
        progress: Callable[[ScanTotals], None] | None,
        warn: Callable[[str], None] | None,
        lost_site_grace: float,
        fetch_timeout: float,
    ) -> None:
        self.client, self.ckb, self.store, self.scan_id = client, ckb, store, scan_id
        self.on_result, self.totals, self.progress, self.warn = on_result, totals, progress, warn
        self.grace, self.fetch_timeout = lost_site_grace, fetch_timeout
        self.outstanding: dict[str, tuple[Any, BatchRecord]] = {}  # key -> (distributed.Future, record)
        self.no_worker_since: dict[str, float] = {}
        self.dropped: dict[str, list[str]] = {}  # site -> targets of batches the scheduler cancelled
        self.scheduler_down_since: float | None = None
        self.start = time.monotonic()

    # -- reporting ----------------------------------------------------------------------------

    def report(self, line: str) -> None:
        self.totals.errors.append(line)
        if self.warn is not None:
            self.warn(line)

    def tick(self) -> None:
        if self.progress is not None:
            self.totals.elapsed = time.monotonic() - self.start
            self.progress(self.totals)

    # -- the cluster ----------------------------------------------------------------------------

    def capacity(self, sites: Sequence[str]) -> dict[str, float] | None:
        """Each site's worker capacity now (None when the scheduler cannot be asked)."""
        try:
            info: Mapping[str, Any] = self.client.scheduler_info()
        except (OSError, TimeoutError):
            return None
        cap = dict.fromkeys(sites, 0.0)
        for w in dict(info.get("workers") or {}).values():
            if w.get("status", "running") not in ("running", "paused"):
                continue
            res = w.get("resources") or {}
            for s in sites:
                cap[s] += float(res.get(resource_name(s), 0) or 0)
        return cap

    def submit(self, addresses_by_site: Mapping[str, Sequence[str]], options: ScanOptions, batch: int) -> None:
        sites = [s for s, a in addresses_by_site.items() if a]
        cap = self.capacity(sites) or dict.fromkeys(sites, 0.0)
        self.totals.capacity = cap
        token = uuid.uuid4().hex[:8]
        for site in sites:
            if cap[site] <= 0 and self.warn is not None:  # a notice, not an error: one may still join
                self.warn(
                    f"site {site}: no worker has the resource {resource_name(site)} yet; waiting up to "
                    f"{self.grace:g}s for one (start one inside the site with: dask worker ADDRESS "
                    f'--resources "{resource_name(site)}=1")'
                )
            opts = replace(options, max_rate=options.max_rate / max(1.0, cap[site]))
            chunks = _chunks(addresses_by_site[site], batch)
            keys = [f"trueoem-scan{self.scan_id}-{site}-{i}-{token}" for i in range(len(chunks))]
            futures = self.client.map(
                scan_batch, chunks, options=opts, key=keys, resources={resource_name(site): 1}, pure=False
            )
            for key, chunk, fut in zip(keys, chunks, futures, strict=True):
                rec = BatchRecord(key, site, chunk)
                self.totals.batches.append(rec)
                self.outstanding[key] = (fut, rec)

    # -- results ------------------------------------------------------------------------------

    def store_batch(self, rec: BatchRecord, out: BatchOutcome) -> None:
        """Attribute and store every host of a finished batch (the same rules as ``run_scan``)."""
        wanted = set(rec.addresses)
        seen: set[str] = set()
        empty: list[str] = []
        for r in out.results:
            if r.ip not in wanted or r.ip in seen:  # only what this batch was asked to scan, once
                continue
            seen.add(r.ip)
            self.store_host(r, empty)
        self.store.mark_targets(self.scan_id, empty)
        rec.state, rec.worker, rec.worker_name = "done", out.worker, out.worker_name
        rec.started, rec.finished = out.started, out.finished
        missing = [a for a in rec.addresses if a not in seen]
        if missing:  # a worker that left hosts out: say so rather than lose them
            self.fail(rec, f"the worker returned no result for {len(missing)} target(s)", missing)
        self.tick()

    def store_host(self, r: HostResult, empty: list[str]) -> None:
        obs = list(r.observations)
        a = host_attribution(r.ip, None, r.open_ports, obs, self.ckb) if r.open_ports else None
        if a is not None:
            self.store.record_asset(self.scan_id, ip=r.ip, observations=obs, attribution=a)
        if r.complete:  # a host cut off by its time cap stays pending, as in run_scan
            if a is not None:
                self.store.mark_target(self.scan_id, r.ip, "done")
            else:
                empty.append(r.ip)
            self.totals.hosts_done += 1
        if a is not None:  # reported only once stored and marked
            self.totals.devices += 1
            self.totals.covered += a.verdict.value == "covered"
            self.totals.likely += a.verdict.value == "likely_covered"
            self.on_result(Result(r.ip, a))

    def fail(self, rec: BatchRecord, why: str, addresses: Sequence[str] | None = None) -> None:
        """Mark a batch failed (or only ``addresses`` of it) and report its targets as not scanned."""
        if addresses is None:
            rec.state, rec.error = "failed", why
        self.fail_targets(rec.site, why, rec.addresses if addresses is None else addresses)

    def fail_targets(self, site: str, why: str, addresses: Sequence[str]) -> None:
        todo = list(addresses)
        self.store.mark_targets(self.scan_id, todo, "failed")
        self.totals.failed += todo
        self.report(f"site {site}: {why}; {len(todo)} target(s) not scanned (marked failed): {_names(todo)}")
        self.tick()

    def collect(self, key: str) -> bool:
        """Handle a batch whose future changed state; True when it is settled."""
        fut, rec = self.outstanding[key]
        status = fut.status
        if status == "finished":
            try:
                out = fut.result(timeout=self.fetch_timeout)
            except (TimeoutError, asyncio.CancelledError):  # its worker died before the result came: re-run
                return False
            except Exception as exc:  # noqa: BLE001 - a result that cannot be read back is this batch's failure
                self.fail(rec, f"batch {key} could not be read back ({type(exc).__name__}: {exc})")
                return True
            if not isinstance(out, BatchOutcome):
                self.fail(rec, f"batch {key} returned {type(out).__name__}, not a batch outcome")
            else:
                self.store_batch(rec, out)
            return True
        if status == "error":
            err = fut.exception()
            self.fail(rec, f"batch {key} failed on the workers ({type(err).__name__}: {err})")
            return True
        if status == "cancelled":  # not by us: the scheduler dropped it (restart, lost connection)
            rec.state, rec.error = "interrupted", "cancelled by the Dask scheduler"
            self.totals.interrupted = True
            self.dropped.setdefault(rec.site, []).extend(rec.addresses)
            return True
        return False

    def report_dropped(self) -> None:
        """One line per site for the batches the scheduler cancelled (their targets stay pending)."""
        for site, addresses in self.dropped.items():
            self.report(
                f"site {site}: the Dask scheduler cancelled batches; {len(addresses)} target(s) not scanned "
                f"stay pending for --resume: {_names(addresses)}"
            )
        self.dropped.clear()

    def check_sites(self, now: float) -> None:
        """Fail the batches of a site that has had no worker for longer than the grace period."""
        waiting: dict[str, list[str]] = {}
        for key, (_fut, rec) in self.outstanding.items():
            waiting.setdefault(rec.site, []).append(key)
        cap = self.capacity(list(waiting))
        if cap is None:
            self.scheduler_down_since = self.scheduler_down_since or now
            if now - self.scheduler_down_since > self.grace:
                self.report(f"lost the Dask scheduler for {self.grace:g}s; what was not scanned stays pending")
                self.interrupt("the Dask scheduler was lost")
            return
        self.scheduler_down_since = None
        for site, keys in waiting.items():
            if cap.get(site, 0.0) > 0:
                self.no_worker_since.pop(site, None)
                continue
            since = self.no_worker_since.setdefault(site, now)
            if now - since < self.grace:
                continue
            lost = [k for k in keys if self.outstanding[k][0].status != "finished"]
            self.client.cancel([self.outstanding[k][0] for k in lost])
            why = f"no worker with the resource {resource_name(site)} for {self.grace:g}s"
            targets: list[str] = []
            for k in lost:
                _fut, rec = self.outstanding.pop(k)
                rec.state, rec.error = "failed", why
                targets += rec.addresses
            if targets:
                self.fail_targets(site, why, targets)

    def interrupt(self, why: str) -> None:
        """Cancel every outstanding batch; their targets stay pending (``--resume``)."""
        self.totals.interrupted = True
        futs = [f for f, _rec in self.outstanding.values()]
        for _fut, rec in self.outstanding.values():
            rec.state, rec.error = "interrupted", why
        self.outstanding.clear()
        try:
            self.client.cancel(futs)
        except (OSError, TimeoutError):  # the scheduler is gone: nothing left to cancel
            pass

    def wait(self) -> None:
        next_check = time.monotonic() + _CHECK_SITES
        while self.outstanding:
            settled = [k for k in list(self.outstanding) if self.collect(k)]
            for k in settled:
                self.outstanding.pop(k, None)
            self.report_dropped()
            now = time.monotonic()
            if now >= next_check and self.outstanding:
                self.check_sites(now)
                next_check = now + _CHECK_SITES
            if not settled:
                time.sleep(_POLL)


def run_distributed_scan(
    addresses_by_site: Mapping[str, Sequence[str]],
    options: ScanOptions,
    ckb: CompiledKB,
    store: Store,
    scan_id: int,
    on_result: Callable[[Result], None],
    *,
    address: str,
    batch: int = 32,
    progress: Callable[[ScanTotals], None] | None = None,
    warn: Callable[[str], None] | None = None,
    lost_site_grace: float = 30.0,
    connect_timeout: float = 10.0,
    fetch_timeout: float = 120.0,
) -> DistributedTotals:
    """Scan each site's addresses on that site's Dask workers; attribute, store and stream every host.

    ``addresses_by_site`` comes from :func:`trueoem.dscan.sites.assign_sites`. Report lines (a site
    without workers, targets not scanned) go to ``warn`` as they happen and to ``totals.errors``.
    Raises :class:`DistributedError` when the scheduler at ``address`` cannot be reached.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    import distributed

    client_cls: Any = distributed.Client
    totals = DistributedTotals(targets=sum(len(a) for a in addresses_by_site.values()))
    start = time.monotonic()
    try:
        client: Any = client_cls(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise DistributedError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    try:
        run = _Run(client, ckb, store, scan_id, on_result, totals, progress, warn, lost_site_grace, fetch_timeout)
        try:
            run.submit(addresses_by_site, options, batch)
            run.wait()
        except KeyboardInterrupt:
            run.interrupt("interrupted (Ctrl-C)")
    finally:
        try:
            client.close(timeout=10)
        except (OSError, TimeoutError):  # closing a client whose scheduler is gone
            pass
    totals.elapsed = time.monotonic() - start
    return totals
