"""MAC addresses from the kernel neighbour (ARP) table, for hosts on the named interface's link.

``/proc/net/arp`` is read first (columns: IP address, HW type, Flags, HW address, Mask, Device;
flags 0x0 mean an incomplete entry); ``ip -j neigh show dev IFACE`` (iproute2 JSON: ``dst``,
``lladdr``, ``state``) is the fallback where /proc is not readable. Parsers are pure.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

PROC_ARP = Path("/proc/net/arp")
_MAC = re.compile(r"^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$")
_BAD_STATES = {"INCOMPLETE", "FAILED", "NOARP"}


def _valid(mac: str) -> str | None:
    m = mac.strip().lower()
    if not _MAC.match(m) or m in ("00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"):
        return None
    return m


def parse_proc_arp(text: str, interface: str) -> dict[str, str]:
    """``{ip: mac}`` of complete entries on ``interface`` in /proc/net/arp text."""
    out: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        cols = line.split()
        if len(cols) < 6 or cols[5] != interface:
            continue
        try:
            flags = int(cols[2], 16)
        except ValueError:
            continue
        mac = _valid(cols[3])
        if flags & 0x2 and mac:  # ATF_COM: the entry is complete
            out[cols[0]] = mac
    return out


def parse_ip_neigh_json(text: str) -> dict[str, str]:
    """``{ip: mac}`` from ``ip -j neigh show dev IFACE`` output (IPv4 entries with a lladdr)."""
    try:
        rows = json.loads(text)
    except ValueError:
        return {}
    out: dict[str, str] = {}
    if not isinstance(rows, list):
        return out
    for row in rows:
        if not isinstance(row, dict):
            continue
        dst, lladdr, state = row.get("dst"), row.get("lladdr"), row.get("state") or []
        if not isinstance(dst, str) or ":" in dst or not isinstance(lladdr, str):
            continue
        if isinstance(state, list) and _BAD_STATES.intersection(str(s) for s in state):
            continue
        mac = _valid(lladdr)
        if mac:
            out[dst] = mac
    return out


def read_neighbours(interface: str) -> dict[str, str]:
    """The kernel's ``{ip: mac}`` for ``interface``; empty when neither source can be read."""
    try:
        return parse_proc_arp(PROC_ARP.read_text(), interface)
    except OSError:
        pass
    try:
        res = subprocess.run(
            ["ip", "-j", "-4", "neigh", "show", "dev", interface],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    return parse_ip_neigh_json(res.stdout) if res.returncode == 0 else {}
