"""Timing specs: parsing, the every-N grid, daily times in a zone, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from trueoem.schedule.spec import SpecError, parse_spec
from trueoem.schedule.text import ascii_token, clean, defang

T0 = datetime(2026, 3, 28, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "canon", "every"),
    [
        ("every 15m", "every 15m", 900),
        ("Every 6 hours", "every 6h", 21600),
        ("2d", "every 2d", 172800),
        ("every 1 minute", "every 1m", 60),
    ],
)
def test_every(text: str, canon: str, every: int) -> None:
    sp = parse_spec(text)
    assert sp.text == canon and sp.every == timedelta(seconds=every)
    assert parse_spec(sp.text) == sp  # the stored form reads back


def test_every_grid_no_drift_no_replay() -> None:
    sp = parse_spec("every 1h")
    assert sp.first_run(T0) == T0
    assert sp.next_run(T0 + timedelta(minutes=7), T0) == T0 + timedelta(hours=1)  # a slow scan does not drift
    assert sp.next_run(T0 + timedelta(hours=5, minutes=1), T0) == T0 + timedelta(hours=6)  # missed runs: once


def test_daily_utc_and_zone_with_dst() -> None:
    sp = parse_spec("daily at 02:30")
    assert sp.text == "daily at 02:30" and sp.first_run(T0) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    assert sp.next_run(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == datetime(2026, 3, 29, 2, 30, tzinfo=UTC)
    paris = parse_spec("daily 09:00 Europe/Paris")
    assert paris.text == "daily at 09:00 Europe/Paris"
    # Paris is UTC+1 on 28 March and UTC+2 from 29 March 2026 (DST)
    assert paris.next_run(T0) == datetime(2026, 3, 29, 7, 0, tzinfo=UTC)
    assert paris.next_run(datetime(2026, 3, 28, 7, 0, tzinfo=UTC)) == datetime(2026, 3, 28, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "bad", ["", "hourly", "every 0m", "every 30s", "daily at 25:00", "daily 02:30 Mars/Base", "*/5 * * * *"]
)
def test_bad_specs(bad: str) -> None:
    with pytest.raises(SpecError):
        parse_spec(bad)


def test_naive_time_refused() -> None:
    with pytest.raises(ValueError):
        parse_spec("every 1h").next_run(datetime(2026, 1, 1))


def test_clean_neutralises_hostile_strings() -> None:
    evil = "Hik\r\nBcc: x@evil\x00\x1b[2J\u202egpj.exe\u2028X\ud800" + "A" * 500
    out = clean(evil, 60)
    assert len(out) <= 60 and out.startswith("Hik Bcc: x@evil [2J gpj.exe X")
    assert not any(c in out for c in "\r\n\x00\x1b\u202e\u2028\ud800")
    assert ascii_token("host name\r\n\u00e9") == "hostname"
    assert defang("see http://evil.example and www.x.y") == "see http[:]//evil.example and www[.]x.y"
