"""Background scans in the server process: :func:`trueoem.jobs.run_scan` on a worker thread.

A :class:`ScanManager` starts one thread per scan (at most ``max_running`` at once), keeps live
progress (targets, hosts done, devices, covered, likely covered) and cancels on request. Cancel is
cooperative: the worker's event loop is captured on the first progress callback and its main task
is cancelled from the request thread (``run_scan`` treats that like Ctrl-C: everything reported so
far is stored and the scan is marked ``interrupted``). Before the first host finishes, the cancel
takes effect at that first callback.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from trueoem.jobs import ScanTotals, run_scan
from trueoem.match.engine import CompiledKB
from trueoem.screen import Result
from trueoem.sources.scan import ScanOptions, parse_ports
from trueoem.sources.targets import MAX_TARGETS, TargetError, expand_targets, resolve_hostname
from trueoem.store import Store


class ScanRequestError(ValueError):
    """Targets, ports or options that cannot be scanned; the message is one line."""


class BusyError(RuntimeError):
    """Too many scans are running."""


@dataclass
class ScanJob:
    """One running (or finished) scan of this server process."""

    scan_id: int
    targets: int
    state: str = "running"  # running, cancelling, done, interrupted, failed
    totals: ScanTotals = field(default_factory=ScanTotals)
    error: str | None = None
    cancel_requested: bool = False
    thread: threading.Thread | None = None
    _loop: asyncio.AbstractEventLoop | None = None
    _task: asyncio.Task[Any] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self) -> dict[str, object]:
        """Live figures for the progress bar and the API."""
        t = self.totals
        return {
            "scan_id": self.scan_id,
            "state": self.state,
            "targets": self.targets,
            "hosts_done": t.hosts_done,
            "devices": t.devices,
            "covered": t.covered,
            "likely_covered": t.likely,
            "elapsed": round(t.elapsed, 1),
            "error": self.error,
        }

    def _hook(self, totals: ScanTotals) -> None:
        """Progress callback (on the worker's loop): remember the loop, honour a cancel."""
        self.totals = totals
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # after the loop: run_scan is flushing interrupted hosts, let it
            return
        with self._lock:
            if self._loop is None:
                self._loop = loop
                self._task = asyncio.current_task()
            if self.cancel_requested:
                raise asyncio.CancelledError

    def cancel(self) -> None:
        """Ask the scan to stop; what it found so far stays stored."""
        with self._lock:
            if self.state != "running":
                return
            self.cancel_requested = True
            self.state = "cancelling"
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)


def _no_hostnames(name: str) -> list[str]:
    raise TargetError(f"{name!r}: host names are not allowed by this server's scan policy")


def plan(
    targets: Sequence[str],
    exclude: Sequence[str] = (),
    ports: str = "default",
    max_rate: float = 200.0,
    intensity: int = 2,
    timeout: float = 5.0,
    *,
    allowed: Sequence[str] | None = None,
    limit: int = MAX_TARGETS,
) -> tuple[list[str], ScanOptions]:
    """Addresses and options of a scan request (``allowed``: networks the server may scan, else any)."""
    nets = [ipaddress.ip_network(n, strict=False) for n in allowed] if allowed is not None else None
    try:
        addresses = expand_targets(
            [str(t) for t in targets],
            [str(e) for e in exclude],
            limit=limit,
            resolve=resolve_hostname if nets is None else _no_hostnames,
        )
        options = ScanOptions(ports=parse_ports(ports), max_rate=max_rate, intensity=intensity, probe_timeout=timeout)
    except (TargetError, ValueError) as exc:
        raise ScanRequestError(str(exc).splitlines()[0] if str(exc) else "bad scan request") from None
    if nets is not None:
        for a in addresses:
            ip = ipaddress.ip_address(a)
            if not any(ip in n for n in nets):
                raise ScanRequestError(f"{a} is outside the networks this server may scan ({', '.join(allowed or [])})")
    return addresses, options


class ScanManager:
    """The server's scans: start, progress, cancel, and stop all on shutdown."""

    def __init__(self, store: Store, ckb: CompiledKB, max_running: int = 2) -> None:
        self.store, self.ckb, self.max_running = store, ckb, max_running
        self.jobs: dict[int, ScanJob] = {}
        self._lock = threading.Lock()

    def running(self) -> list[ScanJob]:
        """Jobs still running or cancelling."""
        return [j for j in self.jobs.values() if j.state in ("running", "cancelling")]

    def start(self, addresses: list[str], options: ScanOptions, params: dict[str, object]) -> ScanJob:
        """Record the scan and start it on a worker thread; return its job."""
        with self._lock:
            if len(self.running()) >= self.max_running:
                raise BusyError(f"{self.max_running} scans are running; wait for one or cancel it")
            scan_id = self.store.begin_scan("scan", dict(params), self.ckb.kb.version, targets=addresses)
            job = ScanJob(scan_id, len(addresses))
            job.totals.targets = len(addresses)
            self.jobs[scan_id] = job
        job.thread = threading.Thread(
            target=self._run, args=(job, addresses, options), name=f"trueoem-scan-{scan_id}", daemon=True
        )
        job.thread.start()
        return job

    def _run(self, job: ScanJob, addresses: list[str], options: ScanOptions) -> None:
        def ignore(_r: Result) -> None:
            return None

        try:
            totals = run_scan(addresses, options, self.ckb, self.store, job.scan_id, ignore, progress=job._hook)
            job.totals = totals
            status = "interrupted" if totals.interrupted or job.cancel_requested else "done"
        except (Exception, asyncio.CancelledError) as exc:  # a worker never dies silently: the scan is marked failed
            job.error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            status = "failed"
        try:
            self.store.finish_scan(job.scan_id, status)
        finally:
            job.state = status

    def get(self, scan_id: int) -> ScanJob | None:
        """The job of a scan started by this process, or None."""
        return self.jobs.get(scan_id)

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel every running scan and wait for the workers."""
        for j in self.running():
            j.cancel()
        for j in list(self.jobs.values()):
            if j.thread is not None:
                j.thread.join(timeout)
