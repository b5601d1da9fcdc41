"""Fixtures of the scan tests: the repository root on sys.path (for ``tests.emulators``)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def can_bind_low_ports() -> bool:
    """Emulators listen on 80/443/554 like real devices: needs root or CAP_NET_BIND_SERVICE."""
    s = socket.socket()
    try:
        s.bind(("127.99.99.99", 80))
        return True
    except OSError:
        return False
    finally:
        s.close()


# In CI (root) these must run: a skip there would hide a broken set-up, so only skip outside CI.
needs_low_ports = pytest.mark.skipif(
    not can_bind_low_ports() and not os.environ.get("CI"), reason="cannot bind privileged ports on loopback"
)
