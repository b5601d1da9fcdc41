"""Schedule definitions and their persistence: add, list, get, remove, enable, and the runner's claims.

A :class:`Schedule` is what ``trueoem scan`` would be given -- targets, exclusions, ports, max rate,
intensity, timeout, interface -- plus a timing spec (:mod:`trueoem.schedule.spec`). Targets are
validated when the schedule is added (the same parser as ``scan``) and expanded again at every run,
so hostnames are resolved afresh. Times are timezone-aware UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from trueoem.schedule.db import reader, writer
from trueoem.schedule.spec import parse_spec
from trueoem.store import Store
from trueoem.store.codec import utcnow
from trueoem.store.schedule_tables import ScheduleRow

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class ScheduleError(ValueError):
    """A schedule that cannot be added or found (bad name, spec, targets; duplicate; unknown)."""


@dataclass(frozen=True, slots=True)
class Schedule:
    """A recurring scan and its persisted state."""

    id: int
    name: str
    targets: tuple[str, ...]
    exclusions: tuple[str, ...]
    ports: str
    max_rate: float
    intensity: int
    timeout: float
    interface: str | None
    spec: str
    enabled: bool
    created_at: datetime
    next_run: datetime | None
    last_run: datetime | None
    last_status: str | None
    last_scan_id: int | None
    alerted_scan_id: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (for ``schedule list --format json``)."""
        d: dict[str, Any] = {f: getattr(self, f) for f in self.__slots__}
        d["targets"], d["exclusions"] = list(self.targets), list(self.exclusions)
        for k in ("created_at", "next_run", "last_run"):
            d[k] = d[k].isoformat() if d[k] is not None else None
        return d


def _info(r: ScheduleRow) -> Schedule:
    return Schedule(
        r.id,
        r.name,
        tuple(r.targets or ()),
        tuple(r.exclusions or ()),
        r.ports,
        r.max_rate,
        r.intensity,
        r.timeout,
        r.interface,
        r.spec,
        r.enabled,
        r.created_at,
        r.next_run,
        r.last_run,
        r.last_status,
        r.last_scan_id,
        r.alerted_scan_id,
    )


def add_schedule(
    store: Store,
    name: str,
    targets: list[str],
    spec: str,
    *,
    exclusions: list[str] | None = None,
    ports: str = "default",
    max_rate: float = 200.0,
    intensity: int = 2,
    timeout: float = 5.0,
    interface: str | None = None,
    now: datetime | None = None,
    first_run: datetime | None = None,
) -> Schedule:
    """Store a new schedule; it first runs at ``first_run`` (default: the spec's first time after ``now``).

    Raises :class:`ScheduleError` for a bad name, spec, target list, port list or option, or a
    name already used. Nothing is sent on the network (hostnames are resolved to validate them).
    """
    from trueoem.sources.scan import ScanOptions, parse_ports
    from trueoem.sources.targets import TargetError, expand_targets

    if not _NAME.match(name) or name.isdigit():
        raise ScheduleError(f"bad schedule name {name!r}: letters, digits, '_', '.', '-' (at most 64; not all digits)")
    excl = list(exclusions or [])
    try:
        sp = parse_spec(spec)
        expand_targets(targets, excl)
        ScanOptions(ports=parse_ports(ports), max_rate=max_rate, intensity=intensity, probe_timeout=timeout)
    except (TargetError, ValueError) as exc:
        raise ScheduleError(str(exc)) from None
    now = now or utcnow()
    row = ScheduleRow(
        name=name,
        targets=list(targets),
        exclusions=excl,
        ports=ports,
        max_rate=float(max_rate),
        intensity=int(intensity),
        timeout=float(timeout),
        interface=interface,
        spec=sp.text,
        enabled=True,
        created_at=now,
        next_run=first_run or sp.first_run(now),
    )
    try:
        with writer(store).begin() as s:
            s.add(row)
            s.flush()
            return _info(row)
    except IntegrityError:
        raise ScheduleError(f"a schedule named {name!r} already exists") from None


def list_schedules(store: Store) -> list[Schedule]:
    """Every schedule, by name."""
    with reader(store).begin() as s:
        return [_info(r) for r in s.scalars(select(ScheduleRow).order_by(ScheduleRow.name))]


def get_schedule(store: Store, name_or_id: str | int) -> Schedule:
    """One schedule by name (or numeric id); :class:`ScheduleError` if there is none."""
    with reader(store).begin() as s:
        return _info(_find(s, name_or_id))


def remove_schedule(store: Store, name_or_id: str | int) -> Schedule:
    """Delete a schedule (its past scans stay in the store); return what was removed."""
    with writer(store).begin() as s:
        row = _find(s, name_or_id)
        info = _info(row)
        s.delete(row)
        return info


def set_enabled(store: Store, name_or_id: str | int, enabled: bool, *, now: datetime | None = None) -> Schedule:
    """Pause or resume a schedule; resuming plans its next run from ``now``."""
    with writer(store).begin() as s:
        row = _find(s, name_or_id)
        row.enabled = enabled
        if enabled:
            sp, t = parse_spec(row.spec), now or utcnow()
            if row.next_run is None or row.next_run < t:
                row.next_run = sp.next_run(t, row.next_run)
        return _info(row)


def due_schedules(store: Store, now: datetime) -> list[Schedule]:
    """Enabled schedules whose next run is at or before ``now``, earliest first."""
    with reader(store).begin() as s:
        q = (
            select(ScheduleRow)
            .where(ScheduleRow.enabled.is_(True), ScheduleRow.next_run.is_not(None), ScheduleRow.next_run <= now)
            .order_by(ScheduleRow.next_run, ScheduleRow.id)
        )
        return [_info(r) for r in s.scalars(q)]


def claim(store: Store, sched: Schedule, now: datetime, scan_id: int | None) -> bool:
    """Mark ``sched`` running scan ``scan_id`` and plan its next run; False if another runner got it first.

    The update is conditional on the next-run time the caller read, so two runners on one store
    never start the same planned run twice.
    """
    nxt = parse_spec(sched.spec).next_run(now, sched.next_run)
    with writer(store).begin() as s:
        res = s.execute(
            update(ScheduleRow)
            .where(ScheduleRow.id == sched.id, ScheduleRow.next_run == sched.next_run)
            .values(next_run=nxt, last_run=now, last_status="running", last_scan_id=scan_id)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(res, "rowcount", 0))


def set_state(store: Store, schedule_id: int, **values: Any) -> None:
    """Update a schedule's run-state columns (``last_status``, ``alerted_scan_id``, ...)."""
    allowed = {"last_status", "last_scan_id", "alerted_scan_id", "last_run", "next_run"}
    if not set(values) <= allowed:
        raise ScheduleError(f"not run-state columns: {sorted(set(values) - allowed)}")
    with writer(store).begin() as s:
        s.execute(update(ScheduleRow).where(ScheduleRow.id == schedule_id).values(**values))


def _find(s: Any, name_or_id: str | int) -> ScheduleRow:
    q = select(ScheduleRow)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        q = q.where(ScheduleRow.id == int(name_or_id))
    else:
        q = q.where(ScheduleRow.name == name_or_id)
    row: ScheduleRow | None = s.scalar(q)
    if row is None:
        raise ScheduleError(f"no schedule {name_or_id!r}")
    return row
