"""A huge import streams: memory stays flat however many records the file has (tracemalloc peak)."""

from __future__ import annotations

import gzip
import json
import tracemalloc
from pathlib import Path

import pytest

from trueoem.sources.imports import read_import
from trueoem.sources.imports.base import WINDOW_HOSTS


def _shodan_file(path: Path, n: int) -> Path:
    """``n`` banners of distinct hosts (IPv6 documentation range), gzipped as ``shodan download`` writes."""
    with gzip.open(path, "wt", compresslevel=1) as f:
        for i in range(n):
            banner = {
                "ip_str": f"2001:db8::{i >> 16:x}:{i & 0xFFFF:x}",
                "port": 80,
                "transport": "tcp",
                "timestamp": "2024-11-27T08:15:42.123456",
                "data": f"HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Length: {i}\r\n",
                "product": "Hikvision IP Camera",
                "http": {"title": f"camera {i}", "server": "App-webs/", "html": "<html>" + "x" * 200 + "</html>"},
                "_shodan": {"module": "http"},
            }
            f.write(json.dumps(banner) + "\n")
    return path


def _peak(path: Path) -> tuple[int, int]:
    warn: list[str] = []
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_import("shodan", path, warn))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert warn == []
    return count, peak


def _flat(tmp_path: Path, big_n: int) -> None:
    small = _shodan_file(tmp_path / "small.json.gz", 2 * WINDOW_HOSTS)
    big = _shodan_file(tmp_path / "big.json.gz", big_n)
    n_small, peak_small = _peak(small)
    n_big, peak_big = _peak(big)
    assert (n_small, n_big) == (2 * WINDOW_HOSTS, big_n)
    # many times the records, about the same peak: bounded by the merge window, not by the file
    assert peak_big < peak_small * 1.5 + 2_000_000, (peak_small, peak_big)
    assert peak_big < 64 * 1024 * 1024


def test_memory_is_flat(tmp_path: Path) -> None:
    _flat(tmp_path, 40_000)


@pytest.mark.slow
def test_memory_is_flat_on_a_200k_record_file(tmp_path: Path) -> None:
    _flat(tmp_path, 200_000)
