"""The IEEE MAC address registry: the snapshot netaddr ships, plus CSVs ingested offline.

netaddr ships the IEEE MA-L (``oui.txt``) and IAB (``iab.txt``) registries. Newer IEEE CSVs
(``oui.csv`` MA-L, ``mam.csv`` MA-M, ``oui36.csv`` MA-S, and ``iab.csv``; columns ``Registry,
Assignment, Organization Name, Organization Address``) downloaded elsewhere can be ingested with
``trueoem kb update-oui FILE...``: they are copied into the trueoem data folder and read after the
snapshot, so their entries win. This module is the I/O adapter; matching is in
:mod:`trueoem.match.oui`.
"""

from __future__ import annotations

import csv
import io
import os
import re
from importlib import resources
from pathlib import Path

REGISTRY_NAMES = {"MA-L": 6, "MA-M": 7, "MA-S": 9, "IAB": 9}


def data_home() -> Path:
    """trueoem's per-user data folder ($TRUEOEM_HOME, else $XDG_DATA_HOME/trueoem)."""
    env = os.environ.get("TRUEOEM_HOME")
    if env:
        return Path(env)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "trueoem"


def decode(data: bytes) -> str:
    """The registry files are UTF-8 with the odd stray byte."""
    return data.decode("utf-8", errors="replace")


def _netaddr_text(name: str) -> str:
    try:
        return decode(resources.files("netaddr.eui").joinpath(name).read_bytes())
    except (FileNotFoundError, ModuleNotFoundError, OSError):
        return ""


_BASE16 = re.compile(r"^\s*([0-9A-F]{6})\s+\(base 16\)\s*(.*?)\s*$", re.M)
_IAB_RANGE = re.compile(r"^\s*([0-9A-F]{6})-([0-9A-F]{6})\s+\(base 16\)\s*(.*?)\s*$", re.M)
_IAB_PREFIX = re.compile(r"^\s*([0-9A-F]{2}-[0-9A-F]{2}-[0-9A-F]{2})\s+\(hex\)", re.M)


def snapshot_rows() -> list[tuple[str, str]]:
    """``(hex prefix, organisation)`` rows of the registry netaddr ships."""
    rows = [(m.group(1), m.group(2)) for m in _BASE16.finditer(_netaddr_text("oui.txt"))]
    iab = _netaddr_text("iab.txt")
    # iab.txt: "00-50-C2 (hex)" then "000000-000FFF (base 16) Org"; the IAB is the first 36 bits
    prefix = ""
    for line in iab.splitlines():
        mh = _IAB_PREFIX.match(line)
        if mh:
            prefix = mh.group(1).replace("-", "")
            continue
        mr = _IAB_RANGE.match(line)
        if mr and prefix:
            rows.append(((prefix + mr.group(1))[:9], mr.group(3)))
    return rows


def parse_ieee_csv(text: str, name: str = "<csv>") -> list[tuple[str, str, str]]:
    """``(registry, hex prefix, organisation)`` rows of an IEEE registry CSV; raises ValueError."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header or len(header) < 3 or "assignment" not in header[1].lower():
        raise ValueError(f"{name}: not an IEEE registry CSV (expected 'Registry,Assignment,Organization Name,...')")
    rows = []
    for i, row in enumerate(reader, start=2):
        if len(row) < 3:
            continue
        reg, assign, org = row[0].strip().upper(), row[1].strip().upper(), row[2].strip()
        want = REGISTRY_NAMES.get(reg)
        if want is None or len(assign) != want or not re.fullmatch(r"[0-9A-F]+", assign):
            raise ValueError(f"{name}: line {i}: bad registry row {row[:2]!r}")
        rows.append((reg, assign, org))
    return rows


def overlay_path() -> Path:
    """Where ingested IEEE rows are kept."""
    return data_home() / "oui" / "ingested.csv"


def ingest(files: list[Path]) -> int:
    """Parse IEEE CSVs and merge them into the overlay; returns the number of rows kept."""
    merged: dict[str, tuple[str, str]] = {}
    path = overlay_path()
    if path.exists():
        for reg, assign, org in parse_ieee_csv(path.read_text(encoding="utf-8"), str(path)):
            merged[assign] = (reg, org)
    for f in files:
        try:
            text = f.read_bytes().decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise ValueError(f"{f}: cannot read: {exc.strerror}") from None
        for reg, assign, org in parse_ieee_csv(text, str(f)):
            merged[assign] = (reg, org)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Registry", "Assignment", "Organization Name", "Organization Address"])
        for assign in sorted(merged):
            reg, org = merged[assign]
            w.writerow([reg, assign, org, ""])
    tmp.replace(path)
    return len(merged)


def load_rows() -> list[tuple[str, str]]:
    """Snapshot rows followed by ingested rows (later rows win)."""
    rows = snapshot_rows()
    path = overlay_path()
    if path.exists():
        try:
            rows += [(a, o) for _r, a, o in parse_ieee_csv(path.read_text(encoding="utf-8"), str(path))]
        except (OSError, ValueError):
            pass  # a damaged overlay must not stop attribution; `kb validate` reports it
    return rows
