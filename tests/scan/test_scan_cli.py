"""``trueoem scan`` end to end: emulated devices on loopback, a real SQLite store, a real process.

Covers: --dry-run sends nothing; one record per host with ip/mac/ports and the right OEM;
everything is stored; ``kill -9`` mid-scan then ``--resume`` loses no reported host; ``rescore``
after a KB change flips verdicts without rescanning; bad targets are one-line usage errors.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.emulators import CAMERAS, HOSTILE, Device, FleetThread
from tests.scan.conftest import needs_low_ports
from typer.testing import CliRunner

from trueoem.cli import app

pytestmark = needs_low_ports

EXPECTED = {
    "hikvision-camera": ("covered", "hikvision", False),
    "hikvision-nvr": ("covered", "hikvision", False),
    "lts-nvr": ("covered", "hikvision", True),
    "dahua-camera": ("covered", "dahua", False),
    "amcrest-camera": ("covered", "dahua", True),
    "lorex-camera": ("covered", "dahua", True),
    "axis-camera": ("not_covered", "axis", False),
    "bosch-camera": ("not_covered", "bosch", False),
    "hanwha-camera": ("not_covered", "hanwha", False),
    "uniview-camera": ("not_covered", "uniview", False),
    "reolink-camera": ("not_covered", "reolink", False),
    "generic-goahead": ("unknown", None, False),
    "generic-boa": ("unknown", None, False),
}
FAST = ["--max-rate", "1000", "--timeout", "2"]
runner = CliRunner()


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Device]]:
    lay = [(f"127.33.0.{i + 1}", d) for i, d in enumerate(CAMERAS + HOSTILE)]
    with FleetThread(lay):
        yield dict(lay)


def _records(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in text.splitlines() if x.startswith("{")]


def test_dry_run_sends_nothing(fleet: dict[str, Device], tmp_path: Path) -> None:
    r = runner.invoke(app, ["scan", "127.33.0.1", "--dry-run", "--db", f"sqlite:///{tmp_path}/s.db"])
    assert r.exit_code == 0 and "nothing was sent" in r.stdout and "127.33.0.1" in r.stdout
    assert not (tmp_path / "s.db").exists()


def test_scan_attributes_and_stores(fleet: dict[str, Device], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/s.db"
    r = runner.invoke(app, ["scan", "127.33.0.0/27", *FAST, "--db", db, "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    recs = {x["id"]: x for x in _records(r.stdout)}
    for ip, dev in fleet.items():
        if dev.name not in EXPECTED:
            assert ip in recs and recs[ip]["verdict"] in ("unknown", "not_covered", "likely_covered"), dev.name
            continue
        verdict, oem, white = EXPECTED[dev.name]
        rec = recs[ip]
        assert (rec["verdict"], rec["oem"]) == (verdict, oem), (dev.name, rec["verdict"], rec["oem"])
        assert rec["white_label"] is white, dev.name
        assert rec["ip"] == ip and rec["ports"], dev.name
    from trueoem.store import Store

    with Store.open(db) as store:
        assert sum(1 for _ in store.latest_attributions()) == len(recs)
        last = store.scans("scan")[0]
        assert last.status == "done" and store.pending_targets(last.id) == []


def test_kill_9_then_resume_loses_nothing(fleet: dict[str, Device], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/k.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "trueoem",
        "scan",
        "127.33.0.0/27",
        "--max-rate",
        "40",
        "--timeout",
        "2",
        "--db",
        db,
        "-f",
        "jsonl",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True)
    assert proc.stdout is not None
    before: list[dict] = []  # type: ignore[type-arg]
    deadline = time.monotonic() + 60
    while len(before) < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        before.append(json.loads(line))
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    assert len(before) >= 3, "the scan reported too little before the kill to test anything"
    from trueoem.store import Store

    with Store.open(db) as store:  # every host reported before the kill is already stored
        stored = {a.last_ip for a in store.iter_assets()}
        assert {b["ip"] for b in before} <= stored
        assert store.last_interrupted_scan("scan") is not None
    r = runner.invoke(app, ["scan", "--resume", *FAST, "--db", db, "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    after = {x["ip"] for x in _records(r.stdout)}
    # hosts that hit their time cap (the hostile ones) are rescanned by design; finished ones are not
    finished = {b["ip"] for b in before if not fleet[b["ip"]].hostile}
    assert not (finished & after), "a host finished before the kill was scanned again"
    with Store.open(db) as store:
        assert {a.last_ip for a in store.iter_assets()} == set(fleet)
        assert store.last_interrupted_scan("scan") is None


def test_rescore_after_kb_change(fleet: dict[str, Device], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/r.db"
    goahead = next(ip for ip, d in fleet.items() if d.name == "generic-goahead")
    assert runner.invoke(app, ["scan", goahead, *FAST, "--db", db, "-f", "jsonl"]).exit_code == 0
    overlay = tmp_path / "site.yaml"
    overlay.write_text(
        "schema_version: 1\npack: site\nrules:\n"
        "  - id: site.goahead.is.acme\n    fields: [http.server]\n    pattern: '^GoAhead'\n"
        "    claim: {oem: hikvision}\n    strength: conclusive\n    source: 'site teardown 2026-11'\n"
        "    confidence: high\n    examples: [{value: GoAhead-Webs}]\n"
    )
    r = runner.invoke(app, ["rescore", "--db", db, "--kb", str(overlay), "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    rec = _records(r.stdout)
    assert len(rec) == 1 and rec[0]["verdict"] == "covered" and rec[0]["id"] == goahead


@pytest.mark.parametrize("target", ["not a target!", "10.0.0.1-0", "999.1.1.1", "224.0.0.1"])
def test_bad_targets_are_usage_errors(target: str) -> None:
    r = runner.invoke(app, ["scan", target, "--dry-run"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    assert len(r.stderr.strip().splitlines()) == 1


def test_no_targets_refused() -> None:
    r = runner.invoke(app, ["scan"])
    assert r.exit_code == 2 and "no targets" in r.stderr


def test_check_save_then_rescore(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    p = tmp_path / "c.csv"
    p.write_text("Line,Brand,Model\n1,AcmeCam,AC-1\n2,Hikvision,DS-2CD2143G0-I\n")
    r = runner.invoke(app, ["check", str(p), "--save", "--db", db, "-f", "jsonl"])
    assert r.exit_code == 0 and "2 saved to the store" in r.stderr
    overlay = tmp_path / "o.yaml"
    overlay.write_text(
        "schema_version: 1\nbrands:\n  - {id: acme, name: AcmeCam, type: reseller, source: 'audit', "
        "confidence: medium}\nrelations:\n  - {brand: acme, oem: dahua, strength: conclusive, "
        "source: 'teardown', confidence: high}\n"
    )
    r = runner.invoke(app, ["rescore", "--db", db, "--kb", str(overlay), "-f", "jsonl"])
    verdicts = sorted(x["verdict"] for x in _records(r.stdout))
    assert verdicts == ["covered", "covered"]


def test_ctrl_c_stops_cleanly_and_keeps_results(fleet: dict[str, Device], tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path}/c.db"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    cmd = [
        sys.executable,
        "-m",
        "trueoem",
        "scan",
        "127.33.0.0/27",
        "--max-rate",
        "40",
        "--timeout",
        "2",
        "--db",
        db,
        "-f",
        "jsonl",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    assert first.startswith("{")
    proc.send_signal(signal.SIGINT)
    out, errs = proc.communicate(timeout=60)
    assert proc.returncode == 130, errs
    assert "Traceback" not in errs and "--resume" in errs
    from trueoem.store import Store

    with Store.open(db) as store:
        stored = {a.last_ip for a in store.iter_assets()}
        assert json.loads(first)["ip"] in stored
        last = store.scans("scan")[0]
        assert last.status == "interrupted" and store.pending_targets(last.id)


def test_dask_and_site_usage_errors() -> None:
    r = runner.invoke(app, ["scan", "127.0.0.1", "--dask", "tcp://127.0.0.1:1"])
    assert r.exit_code == 2 and "--site" in r.stderr
    r = runner.invoke(app, ["scan", "127.99.0.1", "--dask", "tcp://127.0.0.1:1", "--site", "a=127.61.0.0/24"])
    assert r.exit_code == 2 and "127.99.0.1" in r.stderr  # outside every site: refused before anything starts
    r = runner.invoke(app, ["scan", "--dask", "tcp://127.0.0.1:1", "--site", "a=127.61.0.0/30", "--dry-run"])
    assert r.exit_code == 0 and "127.61.0.1" in r.stdout  # the sites' networks are the targets
