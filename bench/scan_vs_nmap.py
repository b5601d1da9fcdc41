"""Active scan benchmark: `trueoem scan` beside `nmap -sV` on >= 1,000 emulated devices over a loopback /16.

    python bench/scan_vs_nmap.py [--count 1001] [--net 127.40.0.0/16] [--ports 80,554] [--max-rate 5000]
                                 [--nmap-per-profile 6] [--no-sweep] [--no-nmap] [--keep DIR] [--json OUT.json]
                                 [--write-readme] [--from-json OUT.json]

1. Starts the emulator fleet (``python -m tests.emulators --spread``) in a subprocess: ``--count`` devices,
   round-robin over the 13 camera profiles, evenly spaced over the whole ``--net`` (one every 65th address
   of a /16), and waits until every device listens.
2. trueoem, the shipped CLI in a fresh process each time, same ports as nmap:
   * *device list* — ``trueoem scan -iL devices.txt``: identification cost only;
   * *sweep* — ``trueoem scan <the /16>``: 65,534 addresses, most of them empty, so discovery is paid too.
   Wall time is the whole process (start-up, KB load, store, output); the scan's own closing line is kept too.
3. nmap: ``nmap -sV -Pn -n`` on a stratified subset (``--nmap-per-profile`` devices of each profile; a full
   run would take about an hour), plus the same subset without ``-sV`` (port scan alone). nmap's figure is
   its wall time divided by the subset's devices: nmap runs probes in parallel, so this per-device figure is
   what a run of that size costs; see bench/README.md for how it scales.
4. Correctness: the OEM each tool names per device against the profile's true OEM (``Device.expect_oem``;
   none for the generic boxes). trueoem: the ``oem`` field of its JSON Lines. nmap: the OEM companies named
   in its service ``product``/``version``/``extrainfo``/``hostname``/``ostype``/``devicetype`` strings and
   CPEs (the unrecognised-service fingerprint ``servicefp`` is raw device text, not a name nmap gives, and
   is ignored). A relabel brand (Amcrest, Lorex, LTS) does not count as naming the OEM.

Only 127.0.0.0/8 is touched: the emulators refuse other addresses and the script refuses a --net outside it.
Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from tests.emulators.profiles import BY_NAME  # noqa: E402

from _common import machine  # noqa: E402

README = HERE / "README.md"
START, END = "<!-- scan-figures:start -->", "<!-- scan-figures:end -->"
TARGET_RATIO = 20.0
TARGET_CORRECT = 0.95

#: OEM companies and the words that name them in a scanner's output (brands of other makers excluded).
OEM_NAMES = {
    "hikvision": re.compile(r"hikvision|hik\s*vision", re.I),
    "dahua": re.compile(r"dahua", re.I),
    "axis": re.compile(r"\baxis\b", re.I),
    "bosch": re.compile(r"\bbosch\b", re.I),
    "hanwha": re.compile(r"hanwha|samsung\s*techwin", re.I),
    "uniview": re.compile(r"uniview|zhejiang\s*uniview", re.I),
    "reolink": re.compile(r"reolink", re.I),
}
NMAP_FIELDS = ("product", "version", "extrainfo", "hostname", "ostype", "devicetype")


# --- helpers ------------------------------------------------------------------------------------------


def children_cpu() -> float:
    """User + system CPU seconds of all waited-for children so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def proc_cpu(pid: int) -> float:
    """CPU seconds used so far by a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_avg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def trueoem_exe() -> list[str]:
    """The installed `trueoem` next to this interpreter, else on PATH, else `python -m trueoem`."""
    cand = Path(sys.executable).parent / "trueoem"
    if cand.exists():
        return [str(cand)]
    found = shutil.which("trueoem")
    return [found] if found else [sys.executable, "-m", "trueoem"]


def nmap_version(nmap: str) -> str:
    out = subprocess.run([nmap, "--version"], capture_output=True, text=True, check=False).stdout
    m = re.search(r"Nmap version (\S+)", out)
    return m.group(1) if m else "?"


def is_listening(ip: str, port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((ip, port), timeout=1):
        return True
    return False


class Fleet:
    """The emulator fleet in a subprocess (its own process group), stopped on exit."""

    def __init__(self, net: str, count: int, workdir: Path) -> None:
        self.layout_file = workdir / "layout.tsv"
        self.log = workdir / "emulators.log"
        self.cmd = [
            sys.executable, "-m", "tests.emulators", "--net", net, "--count", str(count), "--spread",
            "--layout", str(self.layout_file),
        ]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None
        self.layout: list[tuple[str, str]] = []

    def __enter__(self) -> Fleet:
        with contextlib.suppress(FileNotFoundError):
            self.layout_file.unlink()
        self.proc = subprocess.Popen(
            self.cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log.open("w"), start_new_session=True
        )
        deadline = time.monotonic() + 120
        while not (self.layout_file.exists() and self.layout_file.stat().st_size):
            if self.proc.poll() is not None:
                raise SystemExit(f"the emulator fleet exited early:\n{self.log.read_text()}")
            if time.monotonic() > deadline:
                raise SystemExit("the emulator fleet did not start within 120 s")
            time.sleep(0.2)
        time.sleep(0.2)  # the layout is written in one go after every device is bound; let it land
        self.layout = [tuple(line.split("\t")) for line in self.layout_file.read_text().splitlines()]  # type: ignore[misc]
        for ip, prof in (self.layout[0], self.layout[-1]):
            port = next(iter(BY_NAME[prof].ports))
            if not is_listening(ip, port):
                raise SystemExit(f"emulated device {ip}:{port} ({prof}) does not listen")
        return self

    def cpu(self) -> float:
        return proc_cpu(self.proc.pid) if self.proc else float("nan")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def true_oem(profile: str) -> str | None:
    return BY_NAME[profile].expect_oem


def named_oems(texts: list[str]) -> set[str]:
    return {oem for oem, rx in OEM_NAMES.items() if any(rx.search(t) for t in texts)}


# --- trueoem ------------------------------------------------------------------------------------------


def run_trueoem(label: str, targets: list[str], ports: str, rate: float, workdir: Path, fleet: Fleet) -> dict:  # type: ignore[type-arg]
    out = workdir / f"trueoem-{label}.jsonl"
    db = workdir / f"trueoem-{label}.db"
    with contextlib.suppress(FileNotFoundError):
        db.unlink()
    cmd = [*trueoem_exe(), "scan", *targets, "-p", ports, "--max-rate", f"{rate:g}", "-f", "jsonl", "-o", str(out)]
    cmd += ["--db", f"sqlite:///{db}"]
    shown = " ".join(["trueoem", *cmd[1:]]).replace(str(workdir) + "/", "")
    print(f"  $ {shown}", flush=True)
    c0, e0, t0 = children_cpu(), fleet.cpu(), time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    cpu, emu_cpu = children_cpu() - c0, fleet.cpu() - e0
    if p.returncode not in (0, 1):  # 1: --fail-on tripped (not used here), anything else is a failure
        raise SystemExit(f"trueoem scan failed ({p.returncode}):\n{p.stderr[-3000:]}")
    m = re.search(r"(\d+) of (\d+) addresses scanned in ([\d.]+)s, (\d+) devices found", p.stderr)
    oems: dict[str, str | None] = {}
    for line in out.read_text().splitlines():
        d = json.loads(line)
        oems[d.get("ip") or d["id"]] = d.get("oem")
    return {
        "label": label,
        "command": shown,
        "wall": wall,
        "cpu": cpu,
        "emu_cpu": emu_cpu,
        "scan_elapsed": float(m.group(3)) if m else None,
        "addresses": int(m.group(2)) if m else None,
        "found": int(m.group(4)) if m else len(oems),
        "oems": oems,
    }


# --- nmap ---------------------------------------------------------------------------------------------


def parse_nmap_xml(path: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    """{ip: {"open": [ports], "texts": [name strings nmap gives]}} from an -oX file (defusedxml)."""
    from defusedxml import ElementTree as ET

    hosts: dict[str, dict] = {}  # type: ignore[type-arg]
    root = ET.parse(path).getroot()
    for h in root.iter("host"):
        addr = next((a.get("addr") for a in h.iter("address") if a.get("addrtype") == "ipv4"), None)
        if addr is None:
            continue
        rec = hosts.setdefault(addr, {"open": [], "texts": []})
        for port in h.iter("port"):
            st = port.find("state")
            if st is None or st.get("state") != "open":
                continue
            rec["open"].append(int(port.get("portid", "0")))
            svc = port.find("service")
            if svc is not None:
                rec["texts"] += [svc.get(f) for f in NMAP_FIELDS if svc.get(f)]
                rec["texts"] += [c.text for c in svc.iter("cpe") if c.text]
        for osm in h.iter("osmatch"):  # only with -O; kept for completeness
            rec["texts"].append(osm.get("name", ""))
    return hosts


def run_nmap(nmap: str, subset: list[str], ports: str, workdir: Path, version_scan: bool) -> dict:  # type: ignore[type-arg]
    tag = "sV" if version_scan else "ports"
    xml = workdir / f"nmap-{tag}.xml"
    tfile = workdir / "nmap-targets.txt"
    tfile.write_text("\n".join(subset) + "\n")
    cmd = [nmap, *(["-sV"] if version_scan else []), "-Pn", "-n", "-p", ports, "-oX", str(xml), "-iL", str(tfile)]
    shown = " ".join(["nmap", *cmd[1:]]).replace(str(workdir) + "/", "")
    print(f"  $ {shown}", flush=True)
    c0, t0 = children_cpu(), time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    if p.returncode != 0:
        raise SystemExit(f"nmap failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return {"command": shown, "wall": wall, "cpu": children_cpu() - c0, "hosts": parse_nmap_xml(xml)}


# --- scoring and report -------------------------------------------------------------------------------


def score(layout: list[tuple[str, str]], named: dict[str, set[str]]) -> dict:  # type: ignore[type-arg]
    """Per profile: devices, correct. ``named`` maps ip -> OEMs the tool named (missing ip: none)."""
    per: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for ip, prof in layout:
        truth = true_oem(prof)
        got = named.get(ip, set())
        ok = got == ({truth} if truth else set())
        per[prof][0] += 1
        per[prof][1] += ok
    total = sum(v[0] for v in per.values())
    correct = sum(v[1] for v in per.values())
    return {"per_profile": dict(per), "devices": total, "correct": correct, "share": correct / total if total else 0}


def pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def ms(x: float) -> str:
    return f"{1000 * x:,.1f} ms"


def report(res: dict) -> str:  # type: ignore[type-arg]
    m, n_dev = res["machine"], res["devices"]
    lines = [
        f"Run of {m['date']} on {m['nproc']} CPUs ({m['cpu']}), load average before the run {res['load_before']}; "
        f"Python {m['python']}, trueoem {m['trueoem']} (KB {m['kb_version']}, {m['kb_rules']} rules), "
        f"nmap {res.get('nmap_version', 'not run')}.",
        "",
        f"Fleet: {n_dev} emulated devices ({res['per_profile_count']} of each of the 13 camera profiles), one every "
        f"{res['stride']}th address of {res['net']}; ports {res['ports']}; trueoem `--max-rate {res['max_rate']:g}`.",
        "",
        "| run | addresses | live devices | wall time | per live device | CPU (scanner) | vs nmap -sV |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    nm = res.get("nmap")
    nm_per = nm["wall"] / nm["devices"] if nm else None
    for t in res["trueoem"]:
        per = t["wall"] / t["live"]
        ratio = f"**{nm_per / per:,.0f}x**" if nm_per else "-"
        scan = f" (scan {t['scan_elapsed']:.1f} s)" if t["scan_elapsed"] is not None else ""
        lines.append(
            f"| trueoem, {t['label']} | {t['addresses']:,} | {t['live']:,} | {t['wall']:.1f} s{scan} | "
            f"{ms(per)} | {t['cpu']:.1f} s | {ratio} |"
        )
    if nm:
        lines.append(
            f"| nmap -sV, subset | {nm['devices']} | {nm['live']} | {nm['wall']:.1f} s | {ms(nm_per)} | "
            f"{nm['cpu']:.1f} s | 1x |"
        )
        if res.get("nmap_ports"):
            np_ = res["nmap_ports"]
            lines.append(
                f"| nmap port scan only (no -sV), subset | {nm['devices']} | {np_['live']} | {np_['wall']:.2f} s | "
                f"{ms(np_['wall'] / nm['devices'])} | {np_['cpu']:.2f} s | - |"
            )
    lines += ["", "Share of devices whose OEM each tool names correctly:", ""]
    cols = ["trueoem (" + t["label"] + ")" for t in res["trueoem"]] + (["nmap -sV (subset)"] if nm else [])
    lines.append("| profile | true OEM | " + " | ".join(cols) + " |")
    lines.append("| --- | --- | " + " | ".join("---:" for _ in cols) + " |")
    scores = [t["score"] for t in res["trueoem"]] + ([nm["score"]] if nm else [])
    for prof in res["profiles"]:
        cells = []
        for s in scores:
            d, c = s["per_profile"].get(prof, [0, 0])
            cells.append(f"{c}/{d}" if d else "-")
        lines.append(f"| {prof} | {true_oem(prof) or 'none'} | " + " | ".join(cells) + " |")
    cells = [f"**{pct(s['share'])}** ({s['correct']}/{s['devices']})" for s in scores]
    lines.append("| **all** | | " + " | ".join(cells) + " |")
    wl = [p for p in res["profiles"] if BY_NAME[p].expect_label and BY_NAME[p].expect_label != BY_NAME[p].expect_oem]
    wl = [p for p in wl if p.split("-")[0] in ("lts", "amcrest", "lorex")]
    if wl:
        cells = []
        for s in scores:
            d = sum(s["per_profile"].get(p, [0, 0])[0] for p in wl)
            c = sum(s["per_profile"].get(p, [0, 0])[1] for p in wl)
            cells.append(f"{pct(c / d) if d else '-'} ({c}/{d})")
        lines.append(f"| white-labelled ({', '.join(wl)}) | | " + " | ".join(cells) + " |")
    ok_speed = nm_per is not None and all(nm_per / (t["wall"] / t["live"]) >= TARGET_RATIO for t in res["trueoem"])
    ok_acc = all(t["score"]["share"] >= TARGET_CORRECT for t in res["trueoem"])
    lines += [
        "",
        f"Targets: >= {TARGET_RATIO:g}x faster per device than nmap -sV — "
        f"{'met' if ok_speed else ('not met' if nm_per else 'not measured')}; correct OEM for >= "
        f"{pct(TARGET_CORRECT)} of devices — {'met' if ok_acc else 'not met'}.",
        "Emulator CPU during the trueoem runs: "
        + ", ".join(f"{t['label']} {t['emu_cpu']:.1f} s" for t in res["trueoem"])
        + " (the fleet is one Python process on the same CPUs as the scanners).",
        "",
        "Commands (inside a temporary folder; the fleet: `python -m tests.emulators --net "
        f"{res['net']} --count {n_dev} --spread --layout layout.tsv`):",
        "",
        "```sh",
        *[t["command"] for t in res["trueoem"]],
        *([nm["command"]] if nm else []),
        *([res["nmap_ports"]["command"]] if res.get("nmap_ports") else []),
        "```",
    ]
    return "\n".join(lines)


def write_readme(text: str) -> None:
    doc = README.read_text()
    if START in doc and END in doc:
        i, j = doc.index(START) + len(START), doc.index(END)
        README.write_text(doc[:i] + "\n" + text + "\n" + doc[j:])
    else:
        README.write_text(doc.rstrip("\n") + f"\n\n{START}\n{text}\n{END}\n")
    print(f"\nwrote the figures into {README.relative_to(ROOT)}")


# --- main ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--net", default="127.40.0.0/16", help="a network inside 127.0.0.0/8 [127.40.0.0/16]")
    ap.add_argument("--count", type=int, default=1001, help="emulated devices (1001 = 77 of each profile)")
    ap.add_argument("--ports", default="80,554", help="ports for both tools [80,554, as in the issue]")
    ap.add_argument("--max-rate", type=float, default=5000.0, help="trueoem --max-rate [5000]")
    ap.add_argument("--nmap-per-profile", type=int, default=6, help="nmap subset: devices of each profile [6]")
    ap.add_argument("--no-sweep", action="store_true", help="skip trueoem's scan of the whole network")
    ap.add_argument("--no-nmap", action="store_true", help="skip nmap")
    ap.add_argument("--keep", help="keep the work files (layout, outputs, XML, stores) in this folder")
    ap.add_argument("--json", help="write the raw figures here")
    ap.add_argument("--write-readme", action="store_true", help="write the figures into bench/README.md")
    ap.add_argument("--from-json", help="only re-render the figures of an earlier --json (no scanning)")
    args = ap.parse_args(argv)
    if args.from_json:
        text = report(json.loads(Path(args.from_json).read_text()))
        print(text)
        if args.write_readme:
            write_readme(text)
        return 0

    net = ipaddress.ip_network(args.net)
    if not (isinstance(net, ipaddress.IPv4Network) and net.subnet_of(ipaddress.IPv4Network("127.0.0.0/8"))):
        print(f"error: {args.net} is not inside 127.0.0.0/8; this benchmark only touches loopback", file=sys.stderr)
        return 2
    nmap = shutil.which("nmap")
    if nmap is None and not args.no_nmap:
        print(
            "error: nmap is not installed. On Debian/Ubuntu: `apt-get install -y nmap` (as root); "
            "or run with --no-nmap for trueoem's figures alone.",
            file=sys.stderr,
        )
        return 2

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the fleet is stopped on `timeout`/kill too
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="trueoem-scanbench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    res: dict = {  # type: ignore[type-arg]
        "machine": machine(),
        "load_before": load_avg(),
        "net": args.net,
        "ports": args.ports,
        "max_rate": args.max_rate,
        "devices": args.count,
    }
    if nmap:
        res["nmap_version"] = nmap_version(nmap)
    print(f"machine: {res['machine']}; load average {res['load_before']}; work folder {workdir}", flush=True)

    with Fleet(args.net, args.count, workdir) as fleet:
        layout = fleet.layout
        profiles = list(dict.fromkeys(p for _, p in layout))
        res["profiles"] = profiles
        res["per_profile_count"] = "/".join(sorted({str(v) for v in Counter(p for _, p in layout).values()}))
        res["stride"] = int(ipaddress.ip_address(layout[1][0])) - int(ipaddress.ip_address(layout[0][0]))
        print(f"fleet: {len(layout)} devices listening ({fleet.log.read_text().strip()})", flush=True)
        live = {ip for ip, _ in layout}
        devfile = workdir / "devices.txt"
        devfile.write_text("\n".join(ip for ip, _ in layout) + "\n")

        runs = [("device list", ["-iL", str(devfile)])]
        if not args.no_sweep:
            runs.append((f"sweep of {args.net}", [args.net]))
        res["trueoem"] = []
        for label, targets in runs:
            print(f"trueoem, {label}:", flush=True)
            t = run_trueoem(label.split()[0], targets, args.ports, args.max_rate, workdir, fleet)
            t["label"] = label
            t["live"] = len(live)
            t["score"] = score(layout, {ip: ({o} if o else set()) for ip, o in t["oems"].items()})
            t["extra_found"] = sorted(set(t["oems"]) - live)
            print(
                f"  {t['wall']:.1f} s wall ({t['scan_elapsed']} s scan), {t['found']} hosts found, "
                f"{t['cpu']:.1f} s CPU; correct OEM {pct(t['score']['share'])}",
                flush=True,
            )
            del t["oems"]
            res["trueoem"].append(t)

        if not args.no_nmap:
            by_prof: dict[str, list[str]] = defaultdict(list)
            for ip, prof in layout:
                if len(by_prof[prof]) < args.nmap_per_profile:
                    by_prof[prof].append(ip)
            subset = [ip for ip, _ in layout if ip in set(sum(by_prof.values(), []))]
            sub_layout = [(ip, p) for ip, p in layout if ip in set(subset)]
            print(f"nmap -sV on {len(subset)} devices ({args.nmap_per_profile} of each profile):", flush=True)
            n = run_nmap(nmap, subset, args.ports, workdir, version_scan=True)  # type: ignore[arg-type]
            named = {ip: named_oems(h["texts"]) for ip, h in n["hosts"].items()}
            n["score"] = score(sub_layout, named)
            n["devices"] = len(subset)
            n["live"] = sum(1 for h in n["hosts"].values() if h["open"])
            n["names_seen"] = sorted({t for h in n["hosts"].values() for t in h["texts"]})
            print(f"  {n['wall']:.1f} s wall; correct OEM {pct(n['score']['share'])}", flush=True)
            del n["hosts"]
            res["nmap"] = n
            p = run_nmap(nmap, subset, args.ports, workdir, version_scan=False)  # type: ignore[arg-type]
            p["live"] = sum(1 for h in p["hosts"].values() if h["open"])
            del p["hosts"]
            res["nmap_ports"] = p
            print(f"  port scan alone: {p['wall']:.2f} s", flush=True)

    text = report(res)
    print("\n" + text)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1, default=str))
    if args.write_readme:
        write_readme(text)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
