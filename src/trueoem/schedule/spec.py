"""When a schedule runs: ``every N minutes|hours|days`` or ``daily at HH:MM [ZONE]``.

Deliberately simpler than cron. ``every`` runs are anchored on the previous planned time (no drift:
``every 1h`` from 10:00 stays on the hour however long a scan takes); a runner that was down for
several periods runs once, then resumes on the grid -- it never replays missed runs. ``daily at``
times are wall-clock times in ZONE (an IANA name, default UTC); a time skipped by a DST change
runs at the equivalent instant (zoneinfo's ``fold=0`` reading).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_UNITS = {"m": 60, "h": 3600, "d": 86400}  # by the unit's first letter
_EVERY = re.compile(r"^(?:every\s+)?(\d{1,6})\s*(m|mins?|minutes?|h|hrs?|hours?|d|days?)$")
_DAILY = re.compile(r"^daily\s+(?:at\s+)?([01]?\d|2[0-3]):([0-5]\d)(?:\s+([A-Za-z_+\-/0-9]{1,64}))?$")


class SpecError(ValueError):
    """A schedule spec that cannot be read."""


@dataclass(frozen=True, slots=True)
class Spec:
    """A parsed timing spec; ``text`` is its canonical form (as stored)."""

    text: str
    every: timedelta | None = None
    at: time | None = None
    zone: str = "UTC"

    def first_run(self, now: datetime) -> datetime:
        """When a new schedule first runs: now for ``every``, the next ``HH:MM`` for ``daily``."""
        _aware(now)
        return now if self.every is not None else self.next_run(now)

    def next_run(self, now: datetime, previous: datetime | None = None) -> datetime:
        """The first planned time strictly after ``now`` (``every``: on the grid of ``previous``)."""
        _aware(now)
        if self.every is not None:
            if previous is None or previous > now:
                return now + self.every
            periods = (now - previous) // self.every + 1
            return previous + periods * self.every
        assert self.at is not None
        tz = ZoneInfo(self.zone)
        local = now.astimezone(tz)
        for days in range(3):
            day = local.date() + timedelta(days=days)
            cand = datetime.combine(day, self.at, tzinfo=tz).astimezone(UTC)
            if cand > now:
                return cand
        raise AssertionError("unreachable: a daily time recurs within two days")


def parse_spec(text: str) -> Spec:
    """Read ``every 15m``, ``every 6 hours``, ``2d``, ``daily at 02:30``, ``daily 02:30 Europe/Paris``.

    Raises :class:`SpecError` (a ``ValueError``) with a usage hint for anything else.
    """
    t = " ".join(text.strip().lower().split())
    m = _EVERY.match(t)
    if m:
        n, unit = int(m.group(1)), m.group(2)[0]
        secs = n * _UNITS[unit]
        if secs < 60 or secs > 366 * 86400:
            raise SpecError(f"schedule {text!r}: the interval must be between 1 minute and 366 days")
        return Spec(f"every {n}{unit}", every=timedelta(seconds=secs))
    m = re.match(_DAILY.pattern, " ".join(text.strip().split()), re.IGNORECASE)
    if m:
        hh, mm, zone = int(m.group(1)), int(m.group(2)), m.group(3) or "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SpecError(f"schedule {text!r}: unknown time zone {zone!r} (an IANA name like Europe/Paris)") from None
        suffix = "" if zone == "UTC" else f" {zone}"
        return Spec(f"daily at {hh:02d}:{mm:02d}{suffix}", at=time(hh, mm), zone=zone)
    raise SpecError(
        f"cannot read schedule {text!r}: use 'every N minutes|hours|days' (e.g. 'every 6h') "
        "or 'daily at HH:MM [ZONE]' (e.g. 'daily at 02:30 Europe/Paris')"
    )


def _aware(t: datetime) -> None:
    if t.tzinfo is None:
        raise ValueError("naive datetime: schedules work on timezone-aware times (datetime.now(UTC))")
