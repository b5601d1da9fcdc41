"""Real Nmap against the emulated devices on loopback, imported: the same hosts and OEMs as the fixture.

Runs only where ``nmap`` is installed and the emulators can bind their ports (root in CI). Nmap is
pointed only at 127.0.0.0/8 addresses the test's own emulators listen on.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from tests.emulators import BY_NAME, FleetThread
from tests.scan.conftest import needs_low_ports

from trueoem.attribute import attribute
from trueoem.sources.imports import read_import

LAYOUT = [("127.51.0.1", "hikvision-nvr"), ("127.51.0.2", "dahua-camera"), ("127.51.0.3", "generic-boa")]


@pytest.mark.slow
@needs_low_ports
@pytest.mark.skipif(shutil.which("nmap") is None, reason="nmap is not installed")
def test_nmap_xml_of_emulators(tmp_path: Path, ckb) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "scan.xml"
    with FleetThread([(ip, BY_NAME[name]) for ip, name in LAYOUT]):
        cmd = ["nmap", "-sV", "--version-light", "-Pn", "-n", "-p", "80,443,554", "--script"]
        cmd += ["ssl-cert,http-title,http-headers,http-server-header,rtsp-methods", "-oX", str(out)]
        subprocess.run([*cmd, *(ip for ip, _ in LAYOUT)], check=True, capture_output=True, timeout=600)
    warn: list[str] = []
    recs = {r.ip: r for r in read_import("nmap", out, warn)}
    assert warn == [] and set(recs) == {ip for ip, _ in LAYOUT}
    got = {ip: attribute(ip, list(r.observations), ckb) for ip, r in recs.items()}
    assert (got["127.51.0.1"].verdict.value, got["127.51.0.1"].oem) == ("covered", "hikvision")
    assert (got["127.51.0.2"].verdict.value, got["127.51.0.2"].oem) == ("covered", "dahua")
    assert got["127.51.0.3"].verdict.value == "unknown"
