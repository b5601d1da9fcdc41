"""``trueoem import`` and ``trueoem report`` through the CLI: fixtures in, store, every report format out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trueoem.cli import app

FIX = Path(__file__).parent / "imports" / "fixtures"
runner = CliRunner()


def _records(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(x) for x in text.splitlines() if x.startswith("{")]


@pytest.fixture()
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path}/t.db"
    for tool, name in (("nmap", "nmap-emulators.xml"), ("shodan", "shodan.json.gz"), ("censys", "censys-hosts.jsonl")):
        r = runner.invoke(app, ["import", tool, str(FIX / name), "--db", url, "-f", "jsonl"])
        assert r.exit_code == 0, r.output
    return url


def test_import_records_and_store(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/i.db"
    r = runner.invoke(app, ["import", "nmap", str(FIX / "nmap-emulators.xml"), "--db", url, "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    recs = _records(r.stdout)
    assert recs and all("ip" in x and "verdict" in x for x in recs)
    assert {"hikvision", "dahua"} <= {x["oem"] for x in recs}
    from trueoem.store import Store

    with Store.open(url) as store:
        assert store.scans("import")[0].status == "done"


def test_import_bad_file_and_malformed_records(tmp_path: Path) -> None:
    r = runner.invoke(app, ["import", "nmap", str(FIX / "shodan.json.gz"), "--db", f"sqlite:///{tmp_path}/x.db"])
    assert r.exit_code == 2 and "Traceback" not in r.output
    r = runner.invoke(app, ["import", "shodan", str(FIX / "shodan-malformed.json"), "--db", f"sqlite:///{tmp_path}/y.db",
                            "-f", "jsonl"])  # fmt: skip
    assert r.exit_code == 0 and "line" in r.stderr


@pytest.mark.parametrize("fmt", ["html", "far", "cyclonedx", "json", "csv"])
def test_report_from_store(db: str, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"r.{fmt}"
    r = runner.invoke(app, ["report", "--db", db, "-f", fmt, "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text()
    assert text.strip()
    if fmt == "json":
        assert json.loads(text)["results"]
    if fmt == "cyclonedx":
        doc = json.loads(text)
        assert doc["specVersion"] == "1.6" and doc["components"]
    if fmt == "html":
        assert "<script src=" not in text and "http://" not in text.split("<body", 1)[0]


def test_report_pdf_and_from_file(tmp_path: Path) -> None:
    ex = Path(__file__).parents[1] / "examples" / "catalog.csv"
    run = tmp_path / "run.jsonl"
    assert runner.invoke(app, ["check", str(ex), "-f", "jsonl", "-o", str(run)]).exit_code == 0
    pdf = tmp_path / "r.pdf"
    r = runner.invoke(app, ["report", "--from", str(run), "-f", "pdf", "-o", str(pdf)])
    assert r.exit_code == 0, r.output
    assert pdf.read_bytes()[:5] == b"%PDF-"
    r = runner.invoke(app, ["report", "--from", str(run), "-f", "pdf"])
    assert r.exit_code == 2 and "-o FILE" in r.stderr


def test_pcap_command(tmp_path: Path) -> None:
    from scapy.utils import wrpcap
    from tests.pcap.gen import HIK_MAC, sadp_probe_match, udp_pkt

    cap = tmp_path / "c.pcap"
    wrpcap(str(cap), [udp_pkt("192.0.2.20", HIK_MAC, 37020, "239.255.255.250", 37020,
                              sadp_probe_match("192.0.2.20", HIK_MAC))])  # fmt: skip
    url = f"sqlite:///{tmp_path}/p.db"
    r = runner.invoke(app, ["pcap", str(cap), "--db", url, "-f", "jsonl"])
    assert r.exit_code == 0, r.output
    recs = {x["id"]: x for x in _records(r.stdout)}
    assert recs["192.0.2.20"]["oem"] == "hikvision"
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"not a capture at all")
    r = runner.invoke(app, ["pcap", str(bad), "--db", url, "-f", "jsonl"])
    assert r.exit_code == 0 and "bad.pcap" in r.stderr and "Traceback" not in r.output


def test_attribute_jobs_output_identical(tmp_path: Path) -> None:
    rec = Path(__file__).parents[1] / "examples" / "records.jsonl"
    one = tmp_path / "one.jsonl"
    two = tmp_path / "two.jsonl"
    assert runner.invoke(app, ["attribute", str(rec), "-f", "jsonl", "-o", str(one)]).exit_code == 0
    r = runner.invoke(app, ["attribute", str(rec), "-j", "2", "-f", "jsonl", "-o", str(two)])
    assert r.exit_code == 0, r.output
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size > 0
    r = runner.invoke(app, ["attribute", str(rec), "-j", "2", "--save"])
    assert r.exit_code == 2
