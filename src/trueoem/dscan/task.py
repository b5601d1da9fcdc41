"""The task a Dask worker runs for a distributed scan: scan one batch of addresses, return raw results.

It runs the ordinary scan engine (:func:`trueoem.sources.scan.scan_blocking`) on the worker, inside
the site the worker was started in, and sends back the :class:`~trueoem.sources.scan.HostResult`
of every address (raw observations, no attribution): the worker needs no knowledge base and no
database, only trueoem installed. The function is imported by name on the worker, so the worker's
trueoem must be the same version as the scheduler side's.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from trueoem.sources.scan import HostResult, ScanOptions, scan_blocking


@dataclass(slots=True)
class BatchOutcome:
    """What one batch task returns: who scanned it, when, and every host's raw result."""

    worker: str  # the worker's address
    worker_name: str
    started: float  # wall-clock (time.time()) on the worker
    finished: float
    results: list[HostResult] = field(default_factory=list)
    connections: int = 0


def _worker_identity() -> tuple[str, str]:
    try:
        from distributed import get_worker

        w = get_worker()
    except (ImportError, ValueError):  # run outside a worker (tests, a local fallback)
        return "", ""
    return str(w.address), str(w.name)


def scan_batch(addresses: list[str], options: ScanOptions) -> BatchOutcome:
    """Scan ``addresses`` with ``options`` on this worker and return every host's raw result."""
    address, name = _worker_identity()
    started = time.time()
    summary = scan_blocking(addresses, options)
    return BatchOutcome(address, name, started, time.time(), summary.results, summary.connections)
