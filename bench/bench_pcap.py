"""dpkt vs scapy on a large generated capture: packets/s and peak memory, side by side.

DESIGN.md: "pcap: dpkt or scapy (benchmark both on a large capture; keep the faster that parses
what we need)". Each contender runs in its own child process (so peak RSS is its own), pinned to
one core, over the same libpcap file, and does what ``trueoem pcap`` needs from every packet:
link source MAC, IP addresses, TCP ports/flags/sequence/payload, UDP ports/payload, ARP sender.
A third row runs the whole ``trueoem.sources.pcap.read_pcap`` pipeline (reader, dpkt decode, TCP
reassembly, extraction, host table) for the end-to-end figure.

    python bench/bench_pcap.py [--packets 1000000] [--keep FILE]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import ROOT, peak_rss_mb, pin_one_core

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def run_scapy(path: Path) -> int:
    from scapy.layers.inet import IP, TCP, UDP
    from scapy.layers.l2 import ARP, Ether
    from scapy.utils import PcapReader

    n = 0
    with PcapReader(str(path)) as reader:
        for pkt in reader:
            n += 1
            _src = pkt[Ether].src if Ether in pkt else None
            if ARP in pkt:
                _arp = (pkt[ARP].hwsrc, pkt[ARP].psrc)
                continue
            if IP not in pkt:
                continue
            ip = pkt[IP]
            _a = (ip.src, ip.dst)
            if TCP in ip:
                t = ip[TCP]
                _t = (t.sport, t.dport, int(t.flags), t.seq, bytes(t.payload))
            elif UDP in ip:
                u = ip[UDP]
                _u = (u.sport, u.dport, bytes(u.payload))
    return n


def run_dpkt(path: Path) -> int:
    import dpkt

    n = 0
    with open(path, "rb") as f:
        for _ts, buf in dpkt.pcap.Reader(f):
            n += 1
            try:
                eth = dpkt.ethernet.Ethernet(buf)
            except dpkt.Error:
                continue
            _src = eth.src
            layer = eth.data
            if isinstance(layer, dpkt.arp.ARP):
                _arp = (layer.sha, layer.spa)
                continue
            if not isinstance(layer, dpkt.ip.IP):
                continue
            _a = (layer.src, layer.dst)
            t = layer.data
            if isinstance(t, dpkt.tcp.TCP):
                _t = (t.sport, t.dport, t.flags, t.seq, bytes(t.data))
            elif isinstance(t, dpkt.udp.UDP):
                _u = (t.sport, t.dport, bytes(t.data))
    return n


def run_trueoem(path: Path) -> int:
    from trueoem.sources.pcap import PcapStats, read_pcap

    st = PcapStats()
    for _r in read_pcap(path, [], stats=st):
        pass
    return st.packets


RUNNERS = {"scapy": run_scapy, "dpkt": run_dpkt, "trueoem": run_trueoem}


def child(mode: str, path: Path) -> None:
    pin_one_core()
    t0 = time.perf_counter()
    n = RUNNERS[mode](path)
    dt = time.perf_counter() - t0
    print(json.dumps({"mode": mode, "packets": n, "seconds": dt, "rss_mb": peak_rss_mb()}))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="write the capture here (and reuse it if present)")
    ap.add_argument("--only", choices=sorted(RUNNERS), action="append")
    ap.add_argument("--child", nargs=2, metavar=("MODE", "FILE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return 0
    from tests.pcap.gen import large_capture_frames, write_raw_pcap

    tmp = tempfile.TemporaryDirectory()
    path = args.keep or Path(tmp.name) / "large.pcap"
    if not path.exists():
        t0 = time.perf_counter()
        n = write_raw_pcap(path, large_capture_frames(args.packets))
        print(f"wrote {n:,} packets, {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t0:.1f} s")
    rows = []
    for mode in args.only or ["dpkt", "scapy", "trueoem"]:
        out = subprocess.run(
            [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True, check=True
        )
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
        r = rows[-1]
        print(f"  {mode:8} done: {r['packets']:,} packets in {r['seconds']:.1f} s", flush=True)
    print(f"\n{'parser':<28}{'packets':>12}{'seconds':>10}{'packets/s':>12}{'peak RSS MB':>13}")
    label = {
        "scapy": "scapy 2.x (PcapReader)",
        "dpkt": "dpkt (pcap.Reader+Ethernet)",
        "trueoem": "trueoem read_pcap (dpkt)",
    }
    for r in rows:
        rate = r["packets"] / r["seconds"] if r["seconds"] else 0.0
        print(f"{label[r['mode']]:<28}{r['packets']:>12,}{r['seconds']:>10.1f}{rate:>12,.0f}{r['rss_mb']:>13.0f}")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
