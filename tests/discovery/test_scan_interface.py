"""``trueoem scan --interface``: UDP discovery merged into the scan, inside a test-made namespace.

Two emulated devices on a veth pair the test creates (traffic never leaves it): a Hikvision camera
answering SADP (with no TCP service at all) and a Dahua camera answering DHIP. The scan of the
pair's /24 must report both, attributed, with their MACs, and store them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trueoem.cli import app

from .netns import TestLan, unavailable

HIK_MAC, DAHUA_MAC = "44:19:b6:00:01:10", "3c:ef:8c:00:01:20"


@pytest.fixture(scope="module")
def lan() -> Iterator[TestLan]:
    reason = unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"scan --interface tests need network namespaces: {reason}")
        pytest.skip(f"scan --interface tests need network namespaces: {reason}")
    with TestLan() as lan:
        lan.add_device("hik", 10, HIK_MAC)
        lan.add_device("dh", 20, DAHUA_MAC)
        lan.start("hik-sadp", "hik")
        lan.start("dahua-dhip", "dh", "--model", "IPC-HDW1025C")
        yield lan


def test_scan_with_interface_finds_discovery_only_devices(lan: TestLan, tmp_path: Path) -> None:
    net = f"169.254.{lan.octet}.0/27"
    r = CliRunner().invoke(
        app,
        ["scan", net, "--interface", lan.host_if, "-p", "80", "--max-rate", "500", "--timeout", "1",
         "--db", f"sqlite:///{tmp_path}/s.db", "-f", "jsonl"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    recs = {x["ip"]: x for x in (json.loads(line) for line in r.stdout.splitlines() if line.startswith("{"))}
    hik, dh = lan.devices["hik"][0], lan.devices["dh"][0]
    assert recs[hik]["oem"] == "hikvision" and recs[hik]["verdict"] == "covered"
    assert recs[dh]["oem"] == "dahua" and recs[dh]["verdict"] in ("covered", "likely_covered")
    assert recs[hik]["mac"].replace("-", ":").lower() == HIK_MAC
    assert recs[hik]["ports"] == []  # found by discovery alone

    from trueoem.store import Store

    with Store.open(f"sqlite:///{tmp_path}/s.db") as store:
        assert {a.last_ip for a in store.iter_assets()} >= {hik, dh}


def test_interface_must_exist() -> None:
    r = CliRunner().invoke(app, ["scan", "127.0.0.1", "-p", "9", "--interface", "no-such-if0", "--timeout", "1",
                                 "--db", "sqlite:///:memory:"])  # fmt: skip
    assert r.exit_code == 2 and "no-such-if0" in r.stderr and "Traceback" not in r.output
