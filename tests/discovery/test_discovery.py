"""UDP discovery against emulated devices in a network namespace the tests create.

Only the veth pair of :class:`tests.discovery.netns.TestLan` carries traffic. Without root or
iproute2 the namespace tests skip with the reason; with ``CI`` set they fail instead.
"""

from __future__ import annotations

import asyncio
import os
import socket
import struct
import time
from collections.abc import Iterator

import pytest

from trueoem.attribute import attribute
from trueoem.match.engine import CompiledKB
from trueoem.model import Observation, Verdict
from trueoem.sources.discovery import (
    Discovered,
    DiscoveryError,
    DiscoveryStats,
    dhip,
    discover,
    engine,
    sadp,
    ssdp,
    wsd,
)
from trueoem.sources.discovery.neighbours import parse_ip_neigh_json, parse_proc_arp

from .netns import Responder, TestLan, unavailable

HIK_MAC, HIKM_MAC, DAHUA_MAC = "44:19:b6:00:00:10", "c0:56:e3:00:00:11", "3c:ef:8c:00:00:20"
HUAWEI_MAC = "00:e0:fc:00:00:40"


class Lab:
    """The running test link: its devices' addresses and responders."""

    def __init__(self, lan: TestLan) -> None:
        self.lan = lan
        self.ip = {name: ip for name, (ip, _mac) in lan.devices.items()}
        self.r: dict[str, Responder] = {}

    def run(self, **kw: object) -> tuple[dict[str, Discovered], DiscoveryStats, float]:
        stats = DiscoveryStats()
        kw.setdefault("timeout", 2.0)
        kw.setdefault("retries", 1)

        async def go() -> list[Discovered]:
            return [d async for d in discover(self.lan.host_if, stats=stats, **kw)]  # type: ignore[arg-type]

        t0 = time.monotonic()
        found = asyncio.run(go())
        return {d.ip: d for d in found}, stats, time.monotonic() - t0


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    reason = unavailable()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"discovery tests need network namespaces: {reason}")
        pytest.skip(f"discovery tests need network namespaces: {reason}")
    with TestLan() as lan:
        lan.add_device("hik", 10, HIK_MAC)  # Hikvision camera: SADP + WS-Discovery
        lan.add_device("hikm", 11, HIKM_MAC)  # SADP answering only by multicast copy
        lan.add_device("dh", 20, DAHUA_MAC)  # Dahua camera: DHIP + WS-Discovery (typed probes only)
        lan.add_device("hw", 40, HUAWEI_MAC)  # Huawei gateway: SSDP + description
        lan.add_device("third", 41, "02:00:00:00:00:41")  # SSDP whose LOCATION names another host
        lan.add_device("canary", 50, "02:00:00:00:00:50")  # HTTP server that must never be hit
        lan.add_device("bad", 60, "02:00:00:00:00:60")  # hostile on every port
        lab = Lab(lan)
        canary_ip = lab.ip["canary"]
        lab.r["sadp"] = lan.start("hik-sadp", "hik")
        lab.r["wsd-hik"] = lan.start("wsd-hik", "hik")
        lab.r["sadp-m"] = lan.start("hik-sadp", "hikm", "--multicast-only", "--model", "DS-7608NI-K2")
        lab.r["dhip"] = lan.start("dahua-dhip", "dh", "--model", "IPC-HDW1025C")
        lab.r["wsd-dahua"] = lan.start("wsd-dahua", "dh", "--typed-only", "--model", "IPC-HDW1025C")
        lab.r["ssdp"] = lan.start("ssdp", "hw", "--vendor", "huawei")
        lab.r["canary"] = lan.start("canary", "canary", "--http-port", "8080")
        lab.r["third"] = lan.start(
            "ssdp", "third", "--vendor", "acme", "--location-host", canary_ip, "--http-port", "8080"
        )
        lab.r["bad"] = lan.start("hostile", "bad")
        yield lab


@pytest.fixture(scope="module")
def full(lab: Lab) -> tuple[dict[str, Discovered], DiscoveryStats, float]:
    return lab.run()


def _kinds(d: Discovered) -> set[str]:
    return {o.kind for o in d.observations}


def _only(d: Discovered, kind: str) -> list[Observation]:
    return [o for o in d.observations if o.kind == kind]


def test_sadp_finds_hikvision_and_reads_mac(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab,
                                            ckb: CompiledKB) -> None:  # fmt: skip
    found, _stats, _t = full
    for name, mac in (("hik", HIK_MAC), ("hikm", HIKM_MAC)):
        d = found[lab.ip[name]]
        obs = _only(d, "sadp")
        assert obs and all(o.source == f"{d.ip}:37020/sadp" for o in obs)
        assert {"inquiry", "inquiry_v32"} <= {t for o in obs for t in ("inquiry", "inquiry_v32") if f">{t}<" in o.value}
        assert mac in {o.value for o in _only(d, "mac")}
        a = attribute(d.ip, obs, ckb)
        assert a.oem == "hikvision" and a.verdict is Verdict.COVERED
    # the multicast-only device was found from its multicast copy alone; its MAC came from the payload
    assert found[lab.ip["hikm"]].mac == HIKM_MAC
    assert not lab.r["sadp-m"].saw("ERROR")


def test_dhip_finds_dahua(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab, ckb: CompiledKB) -> None:
    found, _stats, _t = full
    d = found[lab.ip["dh"]]
    obs = _only(d, "dhip")
    assert len(obs) == 1 and obs[0].source == f"{d.ip}:37810/dhip"
    assert "client.notifyDevInfo" in obs[0].value
    assert DAHUA_MAC in {o.value for o in _only(d, "mac")}
    a = attribute(d.ip, obs, ckb)
    assert a.oem == "dahua" and a.verdict is Verdict.COVERED
    # the strict emulator accepted every probe: our header is well-formed
    assert lab.r["dhip"].saw("DHIP ") and not lab.r["dhip"].saw("DHIP-IGNORED")


def test_ws_discovery_both_styles(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab,
                                  ckb: CompiledKB) -> None:  # fmt: skip
    found, _stats, _t = full
    hik, dh = found[lab.ip["hik"]], found[lab.ip["dh"]]
    for d, oem in ((hik, "hikvision"), (dh, "dahua")):
        obs = _only(d, "ws_discovery")
        assert len(obs) == 1, "replies to repeated probes that differ only in message ids are one fact"
        assert obs[0].source == f"{d.ip}:3702/wsd"
        assert attribute(d.ip, obs, ckb).oem == oem
    # the Dahua emulator answers typed probes only: the typed probe is what found it
    assert lab.r["wsd-dahua"].saw("WSD ") and lab.r["wsd-dahua"].saw("WSD-IGNORED-UNTYPED")
    # replies are unicast to the probe's source port
    assert all(line.split()[1] == lab.lan.host_ip for line in lab.r["wsd-hik"].saw("WSD "))


def test_wsd_messageid_mac_only_for_hikvision() -> None:
    hik = (
        b"<env:Envelope><wsadis:MessageID>urn:uuid:1a2b3c4d-1dd2-11b2-a105-4419B6000010</wsadis:MessageID>"
        b"<d:ProbeMatches><d:Scopes>onvif://www.onvif.org/name/HIKVISION%20DS-2CD</d:Scopes></d:ProbeMatches>"
    )
    assert wsd.macs(hik) == ["44:19:b6:00:00:10"]
    other = hik.replace(b"name/HIKVISION%20DS-2CD", b"name/Dahua")
    assert wsd.macs(other) == []


def test_ssdp_fetches_own_description(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab,
                                      ckb: CompiledKB) -> None:  # fmt: skip
    found, stats, _t = full
    d = found[lab.ip["hw"]]
    sources = {o.source for o in _only(d, "ssdp_description")}
    assert sources == {f"{d.ip}:1900/ssdp", f"{d.ip}:49152/ssdp"}
    desc = next(o for o in d.observations if o.source.endswith(":49152/ssdp"))
    assert (
        desc.value.startswith("HTTP/1.") and "<manufacturer>Huawei Technologies Co., Ltd.</manufacturer>" in desc.value
    )
    a = attribute(d.ip, _only(d, "ssdp_description"), ckb)
    assert a.oem == "huawei" and a.verdict is Verdict.COVERED
    assert stats.fetched >= 1


def test_location_on_another_host_is_not_fetched(full: tuple[dict[str, Discovered], DiscoveryStats, float],
                                                 lab: Lab) -> None:  # fmt: skip
    found, stats, _t = full
    d = found[lab.ip["third"]]
    assert [o.source for o in _only(d, "ssdp_description")] == [f"{d.ip}:1900/ssdp"]
    assert f"{lab.ip['canary']}:8080" in _only(d, "ssdp_description")[0].value
    assert stats.fetch_refused >= 1
    assert lab.r["canary"].saw("HIT") == []
    assert lab.ip["canary"] not in found  # it answers no discovery protocol


def test_neighbour_table_macs(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab) -> None:
    found, _stats, _t = full
    for name, mac in (("hik", HIK_MAC), ("dh", DAHUA_MAC), ("hw", HUAWEI_MAC)):
        d = found[lab.ip[name]]
        assert d.mac == mac
        assert Observation("mac", mac, f"{d.ip}/neighbour") in d.observations


def test_hostile_replies_are_capped(full: tuple[dict[str, Discovered], DiscoveryStats, float], lab: Lab,
                                    ckb: CompiledKB) -> None:  # fmt: skip
    found, stats, took = full
    bad = found[lab.ip["bad"]]
    assert stats.truncated > 0 and stats.dropped_invalid > 0
    for d in found.values():
        assert len(d.observations) <= engine.MAX_OBSERVATIONS_PER_HOST + 4
        for o in d.observations:
            limit = ssdp.MAX_DESCRIPTION if o.source.endswith(":49152/ssdp") else 2 * engine.MAX_REPLY + 80
            assert len(o.value) <= limit, (o.kind, o.source, len(o.value))
    # the endless description was cut at the size cap, and the XML bombs were not expanded
    assert max(len(o.value) for o in bad.observations) <= ssdp.MAX_DESCRIPTION
    t0 = time.monotonic()
    attribute(bad.ip, bad.observations, ckb)
    assert time.monotonic() - t0 < 5
    assert took < 2.0 + ssdp.DESCRIPTION_TIMEOUT + 1.5
    # everything else was still found
    assert {lab.ip[n] for n in ("hik", "hikm", "dh", "hw", "third")} <= set(found)


def test_protocol_selection(lab: Lab) -> None:
    found, _stats, _t = lab.run(protocols=("dhip",), timeout=1.0, retries=0)
    assert lab.ip["dh"] in found and lab.ip["hik"] not in found
    assert all(_kinds(d) <= {"dhip", "mac"} for d in found.values())


def test_exclusions_drop_replies(lab: Lab) -> None:
    gets_before = len(lab.r["ssdp"].saw("HTTP-GET"))
    excluded = {lab.ip["hik"], lab.ip["hw"]}
    found, stats, _t = lab.run(allowed=lambda ip: ip not in excluded, timeout=1.5, retries=0)
    assert not excluded & set(found)
    assert lab.ip["dh"] in found and lab.ip["hikm"] in found
    assert stats.dropped_not_allowed > 0
    time.sleep(0.2)
    assert len(lab.r["ssdp"].saw("HTTP-GET")) == gets_before, "no description fetched from an excluded host"


def test_failing_filter_fails_closed(lab: Lab) -> None:
    def boom(ip: str) -> bool:
        raise RuntimeError("bad filter")

    found, stats, _t = lab.run(allowed=boom, protocols=("sadp",), timeout=1.0, retries=0)
    assert found == {} and stats.dropped_not_allowed > 0


# --- no namespace needed ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", None, "   ", "lo", "trueoem-nope0", "a/b"])
def test_nothing_is_sent_without_a_usable_interface(name: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []

    def no_udp(*a: object, **k: object) -> tuple[socket.socket, bool]:
        opened.append("udp")
        raise AssertionError("a discovery socket was opened")

    def no_tcp(*a: object, **k: object) -> socket.socket:
        opened.append("tcp")
        raise AssertionError("a fetch socket was opened")

    monkeypatch.setattr(engine, "udp_socket", no_udp)
    monkeypatch.setattr(ssdp, "tcp_socket", no_tcp)

    async def go() -> None:
        async for _ in discover(name):  # type: ignore[arg-type]
            pass

    with pytest.raises(DiscoveryError):
        asyncio.run(go())
    assert opened == []


def test_probe_formats() -> None:
    p = dhip.probe()
    assert p[:8] == b"\x20\x00\x00\x00DHIP" and p[8:16] == bytes(8)
    n = len(dhip.BODY)
    assert struct.unpack_from("<I", p, 16)[0] == n and struct.unpack_from("<I", p, 24)[0] == n
    assert p[20:24] == bytes(4) and p[28:32] == bytes(4) and p[32:] == dhip.BODY
    s1, s2 = sadp.probes()
    assert b"<Types>inquiry</Types>" in s1 and b"<Types>inquiry_v32</Types>" in s2
    assert sadp.reply_uuid(s1) != sadp.reply_uuid(s2)
    typed, untyped = wsd.probes()
    assert b"dn:NetworkVideoTransmitter" in typed and b"<d:Probe/>" in untyped
    assert b"http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe" in typed
    for m in ssdp.probes(2):
        assert m.startswith(b"M-SEARCH * HTTP/1.1\r\n") and b'MAN:"ssdp:discover"' in m and b"MX:2" in m


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("http://10.9.8.7:49152/desc.xml", True),
        ("http://10.9.8.7/desc.xml?x=1", True),
        ("http://10.9.8.8:49152/desc.xml", False),  # another host: SSRF
        ("http://camera.local/desc.xml", False),  # a name could point anywhere
        ("https://10.9.8.7/desc.xml", False),
        ("http://user:pw@10.9.8.7/desc.xml", False),
        ("http://10.9.8.7/a\r\nHost: evil", False),
        ("http://127.0.0.1/desc.xml", False),
        ("file:///etc/passwd", False),
    ],
)
def test_location_fetch_rules(url: str, ok: bool) -> None:
    assert (ssdp.fetchable(url, "10.9.8.7") is not None) is ok


def test_neighbour_parsers() -> None:
    proc = (
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "10.0.0.5         0x1         0x2         44:19:b6:00:00:10     *        eth1\n"
        "10.0.0.6         0x1         0x0         00:00:00:00:00:00     *        eth1\n"
        "10.0.0.7         0x1         0x2         3c:ef:8c:00:00:20     *        eth0\n"
    )
    assert parse_proc_arp(proc, "eth1") == {"10.0.0.5": "44:19:b6:00:00:10"}
    j = (
        '[{"dst":"10.0.0.5","lladdr":"44:19:b6:00:00:10","state":["STALE"]},'
        '{"dst":"10.0.0.6","state":["INCOMPLETE"]},'
        '{"dst":"fe80::1","lladdr":"00:11:22:33:44:55","state":["REACHABLE"]}]'
    )
    assert parse_ip_neigh_json(j) == {"10.0.0.5": "44:19:b6:00:00:10"}
    assert parse_ip_neigh_json("not json") == {}


def test_reply_validation() -> None:
    assert not sadp.is_reply(sadp.probe("inquiry"))
    assert not dhip.is_reply(dhip.probe())
    assert not dhip.is_reply(b'{"mac":"x"}')
    assert not wsd.is_reply(wsd.probe(None))
    assert not ssdp.is_reply(ssdp.probes(1)[0])
    assert dhip.macs(dhip.header(30) + b'{ "mac" : "3c:ef:8c:00:00:20", "params" : { } }\x00') == ["3c:ef:8c:00:00:20"]
    assert sadp.macs(b"<ProbeMatch>\n<MAC>44-19-b6-00-00-10</MAC>\n</ProbeMatch>") == ["44:19:b6:00:00:10"]
