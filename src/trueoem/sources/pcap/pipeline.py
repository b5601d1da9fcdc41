"""``read_pcap``: one capture file to a stream of :class:`HostRecord` s (see the package docstring)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from trueoem.sources.discovery import dhip, sadp, wsd
from trueoem.sources.pcap import extract
from trueoem.sources.pcap.decode import TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, decode
from trueoem.sources.pcap.hosts import HostLimits, HostRecord, HostTable
from trueoem.sources.pcap.reader import CaptureError, frames
from trueoem.sources.pcap.reassembly import Limits, Reassembler, Stream

SWEEP_EVERY = 4096  # packets between idle sweeps
MAX_WARNINGS = 20  # warning lines per file; the rest are counted in one closing line


@dataclass(frozen=True, slots=True)
class PcapLimits:
    """All caps of one capture read: TCP reassembly and host table."""

    tcp: Limits = field(default_factory=Limits)
    hosts: HostLimits = field(default_factory=HostLimits)


@dataclass(slots=True)
class PcapStats:
    """Counters of one read (for the closing line, benchmarks and tests)."""

    packets: int = 0
    undecodable: int = 0
    streams: int = 0
    hosts: int = 0
    evicted_flows: int = 0
    early_hosts: int = 0


class _Warnings:
    def __init__(self, path: Path, out: list[str]) -> None:
        self.path, self.out, self.more = path, out, 0

    def __call__(self, number: int, what: str) -> None:
        if self.more or sum(1 for w in self.out[-MAX_WARNINGS:] if w.startswith(f"{self.path}:")) >= MAX_WARNINGS:
            self.more += 1
            return
        self.out.append(f"{self.path}: packet {number}: {what}")

    def close(self) -> None:
        if self.more:
            self.out.append(f"{self.path}: {self.more} more problem packets not listed")


def read_pcap(
    path: Path, warn: list[str], limits: PcapLimits | None = None, stats: PcapStats | None = None
) -> Iterator[HostRecord]:
    """Read one capture (pcap or pcapng, plain or gzip) and yield one record per host, streaming.

    Never raises on bad content: a file that is not a capture, cannot be opened, or breaks
    part-way adds one line to ``warn`` (naming the file, and the packet number where it applies)
    and what was read so far is still reported.
    """
    lim = limits or PcapLimits()
    st = stats if stats is not None else PcapStats()
    table = HostTable(lim.hosts, path.name)
    reasm = Reassembler(lim.tcp, extract.wanted)
    problem = _Warnings(path, warn)
    now = 0.0
    try:
        it = frames(path, warn)
        for fr in it:
            st.packets += 1
            ts = fr.ts if math.isfinite(fr.ts) and fr.ts >= 0 else now
            now = max(now, ts)
            try:
                ready = _packet(fr.linktype, fr.data, fr.number, ts, now, table, reasm, st, problem)
            except Exception as exc:  # a last line of defence: one bad packet never ends the read
                problem(fr.number, f"skipped ({type(exc).__name__}: {str(exc)[:80]})")
                continue
            if ready:
                st.hosts += len(ready)
                yield from ready
            if st.packets % SWEEP_EVERY == 0:
                done = list(_streams(reasm.sweep(now), table, now, st)) + table.sweep(now)
                st.hosts += len(done)
                yield from done
    except (CaptureError, OSError) as exc:
        warn.append(str(exc) if str(path) in str(exc) else f"{path}: {exc}")
    done = list(_streams(reasm.drain(now), table, now, st)) + table.drain()
    st.hosts += len(done)
    st.evicted_flows, st.early_hosts = reasm.evicted, table.early
    problem.close()
    yield from done


def _streams(streams: Iterable[Stream], table: HostTable, now: float, st: PcapStats) -> Iterator[HostRecord]:
    for s in streams:
        st.streams += 1
        ip, port = s.key[0], s.key[1]
        found = extract.stream(s.data, s.server)
        for f in found:
            yield from table.add(ip, None, f, s.number, s.ts, now)
        if found and f.kind != "banner":
            yield from table.port(ip, port, now)


def _packet(
    linktype: int,
    data: bytes,
    number: int,
    ts: float,
    now: float,
    table: HostTable,
    reasm: Reassembler,
    st: PcapStats,
    problem: _Warnings,
) -> list[HostRecord]:
    pkt = decode(linktype, data)
    if pkt is None:
        st.undecodable += 1
        problem(number, f"undecodable (link type {linktype}, {len(data)} bytes)")
        return []
    out: list[HostRecord] = []
    if pkt.arp is not None:
        arp_mac, arp_ip = pkt.arp
        return table.bind(arp_ip or None, arp_mac, "arp", now)
    src = pkt.src_ip
    if src is None:
        return []
    if pkt.src_mac:
        out += table.bind(src, pkt.src_mac, "ether", now)
    else:
        table.touch(src, now)
    if pkt.proto == 6:
        flags = pkt.flags
        if flags & TCP_SYN and flags & TCP_ACK:
            out += table.port(src, pkt.sport, now)
        if pkt.payload or flags & (TCP_SYN | TCP_FIN | TCP_RST):
            key = (src, pkt.sport, pkt.dst_ip or "", pkt.dport)
            out += _streams(reasm.segment(key, pkt.seq, flags, pkt.payload, ts, number), table, now, st)
    elif pkt.proto == 17 and pkt.payload:
        if pkt.sport in extract.DHCP_PORTS and pkt.dport in extract.DHCP_PORTS:
            mac, client_ip, bound_ip, found = extract.dhcp(pkt.payload)
            if mac:
                if bound_ip:
                    out += table.bind(bound_ip, mac, "dhcp", now)
                elif client_ip:
                    out += table.bind(client_ip, mac, "dhcp", now)
                for f in found:
                    out += table.add(client_ip, mac, f, number, ts, now)
            return out
        for f in extract.udp(pkt.sport, pkt.dport, pkt.payload):
            out += table.add(src, None, f, number, ts, now)
            raw = pkt.payload[: extract.MAX_DATAGRAM]
            macs = {"sadp": sadp.macs, "dhip": dhip.macs, "ws_discovery": wsd.macs}.get(f.kind)
            for m in macs(raw) if macs else ():
                out += table.bind(src, m, "payload", now)
    return out
