"""Run due schedules, one at a time, with the scan job of ``trueoem scan``, then send their alerts.

:func:`run_once` is one tick with an injected ``now``: it (1) sends the alerts of a finished
scheduled scan whose alerts were not sent yet (a runner killed between the scan and its alerts),
(2) resumes a scheduled scan left ``running``/``interrupted`` by a killed runner (its pending
targets only), (3) runs every due schedule, earliest first, and (4) retries failed deliveries.
Everything it needs to continue is in the store: next-run times are written when a run starts
(:func:`trueoem.schedule.model.claim`), and a schedule's ``alerted_scan_id`` records that its
last scan's alerts went out. :func:`run_forever` loops over :func:`run_once` with a real clock.

One runner per store is the supported set-up; a second one will not start the same planned run
twice (the claim is conditional) but may resume a scan the first one is still running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from trueoem.jobs import ScanTotals, run_scan
from trueoem.match.engine import CompiledKB
from trueoem.schedule.alerts import DispatchReport, dispatch, retry_failed, scan_alerts
from trueoem.schedule.channels import Channel
from trueoem.schedule.model import Schedule, claim, due_schedules, list_schedules, set_state
from trueoem.screen import Result
from trueoem.sources.scan import ScanOptions, parse_ports
from trueoem.sources.targets import TargetError, expand_targets
from trueoem.store import Store
from trueoem.store.codec import utcnow

MakeChannel = Callable[[str, dict[str, Any]], Channel]


@dataclass
class RunReport:
    """What one tick did for one schedule."""

    schedule: str
    scan_id: int | None
    status: str  # done, interrupted, failed, resumed-done, alerts-only
    totals: ScanTotals | None = None
    alerts: DispatchReport = field(default_factory=DispatchReport)
    error: str = ""


def _options(sched: Schedule) -> tuple[list[str], ScanOptions]:
    addresses = expand_targets(list(sched.targets), list(sched.exclusions))
    opts = ScanOptions(
        ports=parse_ports(sched.ports), max_rate=sched.max_rate, intensity=sched.intensity, probe_timeout=sched.timeout
    )
    return addresses, opts


def _params(sched: Schedule, ports: tuple[int, ...]) -> dict[str, object]:
    return {
        "targets": list(sched.targets),
        "exclusions": list(sched.exclusions),
        "ports": list(ports),
        "max_rate": sched.max_rate,
        "intensity": sched.intensity,
        "timeout": sched.timeout,
        "interface": sched.interface,
        "schedule": sched.name,
        "schedule_id": sched.id,
    }


def _scan(
    store: Store,
    ckb: CompiledKB,
    sched: Schedule,
    scan_id: int,
    addresses: list[str],
    opts: ScanOptions,
    on_result: Callable[[Result], None],
) -> ScanTotals:
    totals = run_scan(addresses, opts, ckb, store, scan_id, on_result, interface=sched.interface)
    status = "interrupted" if totals.interrupted else "done"
    store.finish_scan(scan_id, status)
    set_state(store, sched.id, last_status=status)
    return totals


def _alerts(store: Store, sched_id: int, scan_id: int, make: MakeChannel | None) -> DispatchReport:
    rep = dispatch(store, scan_alerts(store, scan_id), make=make)
    set_state(store, sched_id, alerted_scan_id=scan_id)
    return rep


def run_once(
    store: Store,
    ckb: CompiledKB,
    now: datetime,
    *,
    on_result: Callable[[Result], None] | None = None,
    make_channel: MakeChannel | None = None,
    stop: threading.Event | None = None,
) -> list[RunReport]:
    """One tick at ``now`` (timezone-aware): finish, resume, run what is due, retry failed alerts.

    ``on_result`` sees every host as it is stored; ``make_channel`` replaces the alert transports
    (tests); ``stop`` set between schedules ends the tick early. A Ctrl-C during a scan leaves it
    ``interrupted`` (resumed by the next tick) and stops the tick.
    """
    sink = on_result or (lambda _r: None)
    reports: list[RunReport] = []
    for sched in list_schedules(store):  # (1) and (2): what a killed runner left behind
        sid = sched.last_scan_id
        if sid is None:
            continue
        info = store.scan(sid)
        if info is None:
            continue
        if info.status in ("running", "interrupted"):
            left = store.pending_targets(sid)
            store.resume_scan(sid)
            set_state(store, sched.id, last_status="running")
            try:
                _a, opts = _options(sched)
            except (TargetError, ValueError) as exc:
                store.finish_scan(sid, "failed")
                set_state(store, sched.id, last_status="failed")
                reports.append(RunReport(sched.name, sid, "failed", error=str(exc)))
                continue
            totals = _scan(store, ckb, sched, sid, left, opts, sink)
            rep = RunReport(sched.name, sid, "interrupted" if totals.interrupted else "resumed-done", totals)
            reports.append(rep)
            if totals.interrupted:
                return reports
            rep.alerts = _alerts(store, sched.id, sid, make_channel)
        elif info.status == "done" and sched.alerted_scan_id != sid:
            reports.append(
                RunReport(sched.name, sid, "alerts-only", alerts=_alerts(store, sched.id, sid, make_channel))
            )
    for sched in due_schedules(store, now):  # (3)
        if stop is not None and stop.is_set():
            break
        try:
            addresses, opts = _options(sched)
        except (TargetError, ValueError) as exc:
            if claim(store, sched, now, None):
                set_state(store, sched.id, last_status="failed")
            reports.append(RunReport(sched.name, None, "failed", error=str(exc)))
            continue
        scan_id = store.begin_scan("scan", _params(sched, opts.ports), ckb.kb.version, targets=addresses)
        if not claim(store, sched, now, scan_id):  # another runner took this run
            store.finish_scan(scan_id, "failed")
            continue
        totals = _scan(store, ckb, sched, scan_id, addresses, opts, sink)
        rep = RunReport(sched.name, scan_id, "interrupted" if totals.interrupted else "done", totals)
        reports.append(rep)
        if totals.interrupted:
            return reports
        rep.alerts = _alerts(store, sched.id, scan_id, make_channel)
    retried = retry_failed(store, make=make_channel)  # (4)
    if retried.sent or retried.failed:
        reports.append(RunReport("(retries)", None, "retried", alerts=retried))
    return reports


def next_wakeup(store: Store, now: datetime, poll: float) -> float:
    """Seconds to sleep: until the earliest next run, at most ``poll``."""
    times = [s.next_run for s in list_schedules(store) if s.enabled and s.next_run is not None]
    if not times:
        return poll
    return max(0.0, min(poll, (min(times) - now).total_seconds()))


def run_forever(
    store: Store,
    ckb: CompiledKB,
    *,
    poll: float = 30.0,
    clock: Callable[[], datetime] = utcnow,
    stop: threading.Event | None = None,
    on_result: Callable[[Result], None] | None = None,
    on_report: Callable[[RunReport], None] | None = None,
) -> None:
    """Run :func:`run_once` until ``stop`` is set or Ctrl-C; sleeps until the next due time (<= ``poll``)."""
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            for rep in run_once(store, ckb, clock(), on_result=on_result, stop=stop):
                if on_report:
                    on_report(rep)
                if rep.status == "interrupted":
                    return
            stop.wait(next_wakeup(store, clock(), poll))
    except KeyboardInterrupt:
        return
