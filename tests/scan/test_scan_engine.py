"""The scan engine against emulated devices on loopback (127.0.0.0/8 only).

Each emulated device is found and attributed as its real counterpart should be; hostile devices
cost no more than their caps and the scan goes on; the connection rate limit holds; Ctrl-C keeps
what was found. The fleet runs on its own thread; scans run through ``scan_blocking``.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Iterator

import pytest
from tests.emulators import BY_NAME, CAMERAS, HOSTILE, Device, FleetThread
from tests.scan.conftest import needs_low_ports

from trueoem.attribute import attribute
from trueoem.match.engine import CompiledKB
from trueoem.sources.scan import HostResult, Scanner, ScanOptions, ScanSummary, scan, scan_blocking

pytestmark = needs_low_ports

FAST = ScanOptions(max_rate=1000, probe_timeout=1.0, connect_timeout=1.0, host_timeout=20, max_response_bytes=64 * 1024)


def layout(prefix: str, devices: tuple[Device, ...]) -> list[tuple[str, Device]]:
    return [(f"{prefix}.{i + 1}", d) for i, d in enumerate(devices)]


@pytest.fixture(scope="module")
def all_devices() -> Iterator[tuple[dict[str, Device], ScanSummary]]:
    lay = layout("127.31.0", CAMERAS + HOSTILE)
    with FleetThread(lay):
        summary = scan_blocking([ip for ip, _ in lay], FAST)
    yield dict(lay), summary


def by_name(devs: dict[str, Device], summary: ScanSummary) -> dict[str, HostResult]:
    return {devs[r.ip].name: r for r in summary.results}


def test_every_host_is_reported_once(all_devices: tuple[dict[str, Device], ScanSummary]) -> None:
    devs, summary = all_devices
    assert sorted(r.ip for r in summary.results) == sorted(devs)
    assert not summary.interrupted


@pytest.mark.parametrize("device", CAMERAS, ids=lambda d: d.name)
def test_device_is_attributed(
    device: Device, all_devices: tuple[dict[str, Device], ScanSummary], ckb: CompiledKB
) -> None:
    devs, summary = all_devices
    res = by_name(devs, summary)[device.name]
    assert sorted(res.open_ports) == sorted(device.ports)
    att = attribute(res.ip, res.observations, ckb)
    assert att.verdict.value == device.expect_verdict, (device.name, att.as_dict())
    assert att.oem == device.expect_oem
    if device.expect_label:
        assert att.label_brand == device.expect_label
        assert att.white_label
    assert res.complete and res.elapsed < 5


def test_raw_answers_are_kept(all_devices: tuple[dict[str, Device], ScanSummary]) -> None:
    devs, summary = all_devices
    hosts = by_name(devs, summary)
    nvr = hosts["hikvision-nvr"]
    kinds = {o.kind for o in nvr.observations}
    assert {"open_port", "http", "rtsp", "tls_cert"} <= kinds
    cert = next(o for o in nvr.observations if o.kind == "tls_cert")
    assert cert.value.startswith("-----BEGIN CERTIFICATE-----") and "O=HIKVISION" in cert.value
    assert "san: device.local" in cert.value and "serial: " in cert.value and "not_after: " in cert.value
    isapi = next(o for o in nvr.observations if o.source == f"{nvr.ip}:80 isapi-deviceinfo")
    assert isapi.value.startswith("HTTP/1.1 401") and 'realm="DVRNVRDVS"' in isapi.value
    amcrest = hosts["amcrest-camera"]
    cgi = [o for o in amcrest.observations if o.kind == "dahua_cgi"]
    assert cgi and "updateSerial=IPC-AW46WN-S2" in cgi[0].value
    onvif = [o for o in hosts["bosch-camera"].observations if o.kind == "onvif_device_information"]
    assert onvif and "FLEXIDOME" in onvif[0].value
    # a 401 or a 404 body is not recorded as a device document
    assert not [o for o in hosts["hikvision-camera"].observations if o.kind in ("isapi_deviceinfo", "dahua_cgi")]


def test_no_credentials_were_sent(all_devices: tuple[dict[str, Device], ScanSummary]) -> None:
    _devs, summary = all_devices
    for r in summary.results:
        for o in r.observations:
            assert "Authorization:" not in o.value.split("\r\n\r\n")[0] or o.kind != "http"


@pytest.mark.parametrize("device", HOSTILE, ids=lambda d: d.name)
def test_hostile_devices_stay_within_caps(
    device: Device, all_devices: tuple[dict[str, Device], ScanSummary], ckb: CompiledKB
) -> None:
    devs, summary = all_devices
    res = by_name(devs, summary)[device.name]
    assert res.complete, res.errors
    # every probe is bounded by probe_timeout; a stalled port gets no more probes
    assert res.elapsed < 2 * len(device.ports) * FAST.probe_timeout + 2
    for o in res.observations:
        assert len(o.value.encode("latin-1", "replace")) <= FAST.max_response_bytes + 8192
    attribute(res.ip, res.observations, ckb)  # whatever was recorded can be attributed without error


def test_hostile_answers_are_recorded_as_what_they_are(all_devices: tuple[dict[str, Device], ScanSummary]) -> None:
    devs, summary = all_devices
    hosts = by_name(devs, summary)
    assert any("size cap" in e for e in hosts["hostile-flood"].errors)
    assert any("time cap" in e for e in hosts["hostile-silent"].errors)
    assert any("skipped" in e for e in hosts["hostile-silent"].errors)
    assert any("time cap" in e for e in hosts["hostile-trickle"].errors)
    assert any("TLS handshake failed" in e for e in hosts["hostile-broken-tls"].errors)
    garbage = hosts["hostile-garbage"]
    assert any(o.kind == "banner" for o in garbage.observations)
    assert any("not a valid HTTP answer" in e or "not an RTSP answer" in e for e in garbage.errors)
    bad = hosts["hostile-bad-utf8"]
    assert any("\xff" in o.value for o in bad.observations if o.kind in ("http", "banner"))
    bomb = [o for o in hosts["hostile-xml-bomb"].observations if o.kind == "isapi_deviceinfo"]
    assert bomb and "<!ENTITY lol9" in bomb[0].value


def test_rate_limit_is_honoured() -> None:
    lay = layout("127.32.0", tuple(BY_NAME["generic-boa"] for _ in range(15)))
    rate = 40.0
    with FleetThread(lay) as ft:
        summary = scan_blocking([ip for ip, _ in lay], ScanOptions(max_rate=rate, probe_timeout=2, connect_timeout=1))
        times = sorted(t for t, _ip, _port in ft.accepts)
    assert len(summary.results) == len(lay)
    assert len(times) >= 50  # one open port per host: the connect check plus five HTTP probes
    observed = (len(times) - 1) / (times[-1] - times[0])
    assert observed <= rate * 1.1, f"{observed:.1f} connections/s with a limit of {rate}"
    # and in any one-second window
    for i, t in enumerate(times):
        in_window = sum(1 for u in times[i:] if u - t < 1.0)
        assert in_window <= rate * 1.1 + 2


def test_results_stream_as_hosts_finish() -> None:
    lay = layout("127.33.0", (BY_NAME["hostile-silent"], BY_NAME["generic-boa"], BY_NAME["generic-boa"]))

    async def first_two() -> tuple[list[str], float]:
        t0 = time.monotonic()
        got = []
        async for r in scan([ip for ip, _ in lay], FAST):
            got.append(r.ip)
            if len(got) == 2:
                return got, time.monotonic() - t0
        return got, time.monotonic() - t0

    with FleetThread(lay):
        got, took = asyncio.run(first_two())
    assert set(got) == {"127.33.0.2", "127.33.0.3"}  # the quick hosts come first
    assert took < FAST.probe_timeout


def test_cancellation_keeps_finished_and_partial_hosts() -> None:
    lay = layout("127.34.0", (BY_NAME["generic-boa"], BY_NAME["hostile-silent"], BY_NAME["hostile-trickle"]))
    scanner = Scanner(ScanOptions(max_rate=1000, probe_timeout=30, connect_timeout=1))
    kept: list[HostResult] = []

    async def run() -> None:
        async for r in scanner.run([ip for ip, _ in lay]):
            kept.append(r)

    async def main() -> None:
        task = asyncio.ensure_future(run())
        while not kept:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    with FleetThread(lay):
        t0 = time.monotonic()
        asyncio.run(main())
        assert time.monotonic() - t0 < 10
    assert [r.ip for r in kept] == ["127.34.0.1"] and kept[0].complete
    partial = {r.ip: r for r in scanner.interrupted()}
    assert set(partial) == {"127.34.0.2", "127.34.0.3"}
    for r in partial.values():
        assert not r.complete and any("interrupted" in e for e in r.errors)
        assert any(o.kind == "open_port" for o in r.observations)  # what was found before the stop


def test_ctrl_c_stops_cleanly_and_returns_everything() -> None:
    lay = layout("127.35.0", (BY_NAME["generic-boa"], BY_NAME["hostile-silent"]))
    seen: list[str] = []

    def on_result(r: HostResult) -> None:
        seen.append(r.ip)
        if len(seen) == 1:
            signal.raise_signal(signal.SIGINT)  # what Ctrl-C does

    with FleetThread(lay):
        summary = scan_blocking([ip for ip, _ in lay], ScanOptions(probe_timeout=30), on_result)
    assert summary.interrupted
    assert [r.ip for r in summary.results] == ["127.35.0.1", "127.35.0.2"]
    assert summary.results[0].complete and not summary.results[1].complete


def test_host_time_cap_keeps_partial_results() -> None:
    lay = layout("127.36.0", (BY_NAME["hostile-silent"],))
    with FleetThread(lay):
        summary = scan_blocking([lay[0][0]], ScanOptions(probe_timeout=30, host_timeout=1.0))
    (r,) = summary.results
    assert not r.complete and r.elapsed < 2
    assert any("host time cap" in e for e in r.errors)
    assert sorted(r.open_ports) == [80, 554]


def test_closed_and_missing_hosts_are_quick() -> None:
    summary = scan_blocking(["127.37.0.1", "127.37.0.2"], ScanOptions(max_rate=1000))
    assert all(r.open_ports == [] and r.observations == [] and r.complete for r in summary.results)
    assert summary.elapsed < 3


@pytest.mark.slow
def test_benchmark_100_devices(capsys: pytest.CaptureFixture[str], ckb: CompiledKB) -> None:
    devices = tuple(CAMERAS[i % len(CAMERAS)] for i in range(100))
    lay = layout("127.38.0", devices)
    figures = []
    with FleetThread(lay):
        for rate in (200.0, 2000.0):
            summary = scan_blocking([ip for ip, _ in lay], ScanOptions(max_rate=rate))
            ok = sum(
                attribute(r.ip, r.observations, ckb).verdict.value == dict(lay)[r.ip].expect_verdict
                for r in summary.results
            )
            figures.append((rate, summary.elapsed, summary.connections, ok))
    with capsys.disabled():
        for rate, el, conns, ok in figures:
            print(f"\n100 devices, max_rate {rate:g}/s: {el:.1f}s, {conns} connections, {ok}/100 attributed correctly")
    for _rate, _el, conns, ok in figures:
        assert ok == 100
        assert conns > 0
