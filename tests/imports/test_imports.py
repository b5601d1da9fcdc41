"""Each importer on its fixtures: hosts attribute to the right OEM, bad records are reported, gzip.

``nmap-emulators.xml`` is real Nmap 7.93 output against the project's emulated devices on loopback;
every other fixture is hand-written following the tool's documented format (see
tests/imports/fixtures/README.md).
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from tests.imports.conftest import FIXTURES

from trueoem.attribute import attribute
from trueoem.sources.imports import FORMATS, IMPORTERS, HostRecord, ImportFileError, read_import


def _read(fmt: str, name: str) -> tuple[list[HostRecord], list[str]]:
    warn: list[str] = []
    return list(read_import(fmt, FIXTURES / name, warn)), warn


def _verdicts(recs: list[HostRecord], ckb) -> dict[str, tuple[str, str | None]]:  # type: ignore[no-untyped-def]
    out = {}
    for r in recs:
        a = attribute(r.ip, list(r.observations), ckb)
        out[r.ip] = (a.verdict.value, a.oem)
    return out


def test_registry_has_every_format() -> None:
    assert set(FORMATS) == {"nmap", "masscan", "zgrab2", "shodan", "censys"}
    assert all(callable(f) for f in IMPORTERS.values())


def test_nmap_real_output_against_emulators(ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("nmap", "nmap-emulators.xml")
    assert warn == []
    layout = dict(line.split("\t") for line in (FIXTURES / "nmap-emulators.layout.tsv").read_text().splitlines())
    assert {r.ip for r in recs} == set(layout)
    v = _verdicts(recs, ckb)
    by_profile = {layout[ip]: got for ip, got in v.items()}
    for name in ("hikvision-camera", "hikvision-nvr", "lts-nvr"):
        assert by_profile[name] == ("covered", "hikvision"), name
    assert by_profile["dahua-camera"] == ("covered", "dahua")
    assert by_profile["amcrest-camera"][1] == "dahua"  # Dahua-made white label: only the page title shows
    assert by_profile["hanwha-camera"] == ("not_covered", "hanwha")
    for name in ("generic-goahead", "generic-boa"):
        assert by_profile[name][0] == "unknown", name
    for name in ("axis-camera", "bosch-camera", "uniview-camera", "reolink-camera"):
        assert by_profile[name][0] in ("unknown", "not_covered"), name  # never a covered OEM by mistake
    hik = next(r for r in recs if layout[r.ip] == "hikvision-camera")
    assert hik.ports == (80, 554, 8000)
    assert any(o.kind == "open_port" and o.value == "554/tcp" for o in hik.observations)
    nvr = next(r for r in recs if layout[r.ip] == "hikvision-nvr")
    assert any(o.kind == "tls_cert" and "BEGIN CERTIFICATE" in o.value for o in nvr.observations)


def test_nmap_mac_vendor_upnp_wsdd_and_bad_host(ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("nmap", "nmap-handwritten.xml")
    v = _verdicts(recs, ckb)
    assert v["192.0.2.10"] == ("covered", "hikvision")  # MAC (Hikvision OUI) + App-webs + product
    assert v["192.0.2.11"] == ("covered", "dahua")  # upnp-info Manufacturer: Dahua + Dahua OUI
    assert v["192.0.2.13"] == ("not_covered", "axis")
    by_ip = {r.ip: r for r in recs}
    assert by_ip["192.0.2.10"].mac == "C0:56:E3:12:34:56"
    assert any("Hangzhou Hikvision" in o.value for o in by_ip["192.0.2.10"].observations)
    assert by_ip["192.0.2.11"].ports == (1900,)  # the closed port is not reported
    wsd = [o for o in by_ip["192.0.2.12"].observations if o.kind == "ws_discovery"]
    assert wsd and "NetworkVideoTransmitter" in wsd[0].value  # a host known only from broadcast discovery
    assert warn == [f"{FIXTURES / 'nmap-handwritten.xml'}: host record 3: no IPv4/IPv6 address, skipped"]


@pytest.mark.parametrize("name", ["masscan.json", "masscan.txt"])
def test_masscan(name: str, ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("masscan", name)
    assert warn == []
    v = _verdicts(recs, ckb)
    assert v["192.0.2.10"] == ("covered", "hikvision")  # App-webs + default recorder certificate (X509)
    assert v["198.51.100.20"][1] == "dahua"  # WEB SERVICE title + DVRIP port 37777
    assert v["203.0.113.30"] == ("not_covered", "axis")
    assert v["203.0.113.31"][0] == "unknown"
    by_ip = {r.ip: r for r in recs}
    assert by_ip["198.51.100.20"].ports == (80, 554, 37777)  # lines of one host merged, wherever they are
    assert len(recs) == 4


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "masscan-malformed.json",
            ["line 8: malformed JSON masscan record", 'line 10: masscan record skipped: no valid "ip"'],
        ),
        ("masscan-malformed.txt.gz", ["line 5: masscan line skipped: bad IP", "line 6: masscan line skipped: too few"]),
    ],
)
def test_masscan_malformed(name: str, expected: list[str]) -> None:
    recs, warn = _read("masscan", name)
    assert len(recs) == 4  # the rest is read
    assert len(warn) == len(expected)
    for w, e in zip(warn, expected, strict=True):
        assert w.startswith(f"{FIXTURES / name}: {e}")


def test_zgrab2(ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("zgrab2", "zgrab2.jsonl")
    assert warn == []
    v = _verdicts(recs, ckb)
    assert v["192.0.2.40"] == ("covered", "hikvision")  # http + tls modules
    assert v["198.51.100.41"] == ("covered", "dahua")  # realm + RTSP banner module on 554
    assert v["198.51.100.42"] == ("covered", "dahua")  # Amcrest getSystemInfo: Dahua updateSerial
    assert v["203.0.113.43"] == ("not_covered", "axis")
    assert v["203.0.113.44"][0] == "unknown"
    by_ip = {r.ip: r for r in recs}
    assert by_ip["198.51.100.41"].ports == (80, 554)
    assert by_ip["198.51.100.42"].ports == (8080,)  # port from the request URL
    assert by_ip["203.0.113.44"].ports == (22,)  # the timed-out http module adds no port


def test_zgrab2_malformed_gzip() -> None:
    recs, warn = _read("zgrab2", "zgrab2-malformed.jsonl.gz")
    assert len(recs) == 5
    assert [w.split(": ", 2)[1] for w in warn] == ["line 3", "line 4", "line 5"]


def test_shodan(ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("shodan", "shodan.json.gz")
    assert warn == []
    v = _verdicts(recs, ckb)
    assert v["192.0.2.50"] == ("covered", "hikvision")
    assert v["198.51.100.51"] == ("covered", "dahua")
    assert v["203.0.113.53"] == ("not_covered", "axis")
    assert v["203.0.113.54"][0] == "unknown"
    lts = next(r for r in recs if r.ip == "192.0.2.52")
    a = attribute(lts.ip, list(lts.observations), ckb)
    assert (a.verdict.value, a.oem, a.label_brand, a.white_label) == ("covered", "hikvision", "LTS", True)
    assert next(r for r in recs if r.ip == "192.0.2.50").ports == (80, 443)  # two banners, one host


def test_shodan_malformed() -> None:
    recs, warn = _read("shodan", "shodan-malformed.json")
    assert len(recs) == 5
    assert [w.split(": ", 2)[1] for w in warn] == ["line 3", "line 4", "line 5"]
    assert "bad port 'eighty'" in warn[2]


def test_censys(ckb) -> None:  # type: ignore[no-untyped-def]
    recs, warn = _read("censys", "censys-host-view.json")  # pretty-printed Search 2.0 API answer
    assert warn == []
    assert _verdicts(recs, ckb) == {"192.0.2.60": ("covered", "hikvision")}
    assert recs[0].ports == (80, 443, 554)
    recs, warn = _read("censys", "censys-hosts.jsonl")  # Platform hosts, one per line
    assert warn == []
    v = _verdicts(recs, ckb)
    assert v["203.0.113.62"] == ("not_covered", "hanwha")
    assert v["192.0.2.63"][1] == "hikvision"  # only Censys' hikvision protocol record: likely
    amc = next(r for r in recs if r.ip == "198.51.100.61")
    a = attribute(amc.ip, list(amc.observations), ckb)
    assert (a.verdict.value, a.oem, a.label_brand, a.white_label) == ("covered", "dahua", "Amcrest", True)


def test_censys_malformed() -> None:
    recs, warn = _read("censys", "censys-malformed.jsonl")
    assert len(recs) == 3
    assert [w.split(": ", 2)[1] for w in warn] == ["line 2", "line 3", "line 4"]


def test_gzip_is_transparent(tmp_path: Path) -> None:
    plain = tmp_path / "scan.xml"  # a gzipped file under a plain name: read by its magic number
    with (FIXTURES / "nmap-emulators.xml").open("rb") as src, gzip.open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a, _ = _read("nmap", "nmap-emulators.xml")
    warn: list[str] = []
    assert list(read_import("nmap", plain, warn)) == a and warn == []


def test_truncated_files_keep_what_was_read(tmp_path: Path) -> None:
    data = (FIXTURES / "nmap-emulators.xml").read_bytes()
    cut = tmp_path / "cut.xml"
    cut.write_bytes(data[: data.index(b"127.50.0.5")])  # killed mid-scan
    warn: list[str] = []
    recs = list(read_import("nmap", cut, warn))
    assert [r.ip for r in recs] == ["127.50.0.1", "127.50.0.2", "127.50.0.3", "127.50.0.4"]
    assert len(warn) == 1 and "after host record 4" in warn[0]
    gz = tmp_path / "cut.json.gz"
    gz.write_bytes((FIXTURES / "shodan.json.gz").read_bytes()[:-40])
    warn = []
    assert list(read_import("shodan", gz, warn))  # the banners before the cut
    assert warn and "unreadable" in warn[0]


def test_unreadable_file_raises(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="no such file"):
        list(read_import("shodan", tmp_path / "missing.json", []))
    bad = tmp_path / "not-nmap.xml"
    bad.write_text("<html><body>hello</body></html>")
    with pytest.raises(ImportFileError, match="not Nmap XML"):
        list(read_import("nmap", bad, []))


def test_unknown_fields_ignored_and_hostile_input(tmp_path: Path) -> None:
    f = tmp_path / "odd.jsonl"
    f.write_text(
        '{"ip_str": "192.0.2.70", "port": 80, "data": "HTTP/1.1 200 OK\\r\\nServer: App-webs/\\r\\n", "zz": {"a": 1}}\n'
        + "[" * 100000
        + "\n"
        + '{"ip_str": "192.0.2.71", "port": 81, "data": "x", "http": "not an object", "ssl": 5, "mac": 7}\n'
    )
    warn: list[str] = []
    recs = list(read_import("shodan", f, warn))
    assert [r.ip for r in recs] == ["192.0.2.70", "192.0.2.71"]
    assert len(warn) == 1 and "line 2" in warn[0]


def test_xml_entities_refused(tmp_path: Path) -> None:
    f = tmp_path / "bomb.xml"
    f.write_text(
        '<?xml version="1.0"?><!DOCTYPE nmaprun [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        '<nmaprun><host><address addr="192.0.2.1" addrtype="ipv4"/><hostnames><hostname name="&b;"/></hostnames>'
        "</host></nmaprun>"
    )
    warn: list[str] = []
    assert list(read_import("nmap", f, warn)) == []
    assert len(warn) == 1 and "refused" in warn[0]
