"""Emulated surveillance devices on loopback for the scan engine's tests and benchmarks.

Profiles (what each device answers) are data in :mod:`tests.emulators.profiles`; the servers are in
:mod:`tests.emulators.server`. ``python -m tests.emulators --net 127.20.0.0/16 --count 1000`` serves
many devices from one process for benchmarks. Everything listens on 127.0.0.0/8 only.
"""

from tests.emulators.profiles import ALL, BY_NAME, CAMERAS, HOSTILE, Device, Reply
from tests.emulators.server import Fleet, FleetThread, loopback_addresses, raise_nofile

__all__ = [
    "ALL",
    "BY_NAME",
    "CAMERAS",
    "HOSTILE",
    "Device",
    "Fleet",
    "FleetThread",
    "Reply",
    "loopback_addresses",
    "raise_nofile",
]
