"""A throw-away link for discovery tests: one network namespace, one veth pair, macvlan devices.

``with TestLan() as lan:`` creates namespace ``trueoem-t-<random>`` and a veth pair whose host end
(``toem<random>``, in the test's own namespace) gets ``169.254.<n>.1/24``; the other end lives in
the namespace. Each emulated device is a macvlan on that end with its own MAC and
``169.254.<n>.<k>/24``, so the host sees distinct neighbours on one link. Responders run inside
the namespace (``ip netns exec``) and bind to their device. Nothing is attached to a real
interface: traffic stays on the pair. Teardown (responders killed, link and namespace deleted)
runs even when setup fails half-way.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def unavailable() -> str | None:
    """Why namespaces cannot be used here, or None when they can."""
    if sys.platform != "linux":
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "creating network namespaces needs root (CI runs the suite as root)"
    if shutil.which("ip") is None:
        return "iproute2 'ip' command not found"
    name = f"trueoem-t-{secrets.token_hex(4)}"
    res = subprocess.run(["ip", "netns", "add", name], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        return f"'ip netns add' failed: {res.stderr.strip() or res.returncode}"
    subprocess.run(["ip", "netns", "del", name], capture_output=True, check=False)
    return None


def _ip(*args: str) -> None:
    res = subprocess.run(["ip", *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {res.stderr.strip()}")


def _free_subnet() -> int:
    """A third octet n for 169.254.n.0/24 that no route in this namespace touches (169 excluded)."""
    out = subprocess.run(["ip", "-4", "route", "show", "table", "all"], capture_output=True, text=True).stdout
    used = [ipaddress.ip_network(tok, strict=False) for tok in out.split() if tok.count(".") == 3 and "/" in tok]
    for _ in range(200):
        n = secrets.choice([i for i in range(1, 255) if i != 169])
        net = ipaddress.ip_network(f"169.254.{n}.0/24")
        if not any(net.overlaps(u) for u in used if u.prefixlen > 0):
            return n
    raise RuntimeError("no free 169.254.x.0/24 for the test link")


@dataclass
class Responder:
    """One responder process and the lines it printed."""

    proc: subprocess.Popen[str]
    lines: list[str] = field(default_factory=list)
    ready: threading.Event = field(default_factory=threading.Event)

    def pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("READY"):
                self.ready.set()

    def saw(self, prefix: str) -> list[str]:
        return [ln for ln in list(self.lines) if ln.startswith(prefix)]


class TestLan:
    """Context manager: namespace + veth pair + macvlan devices + responders; all removed on exit."""

    __test__ = False  # not a pytest test class

    def __init__(self) -> None:
        tag = secrets.token_hex(4)
        self.ns = f"trueoem-t-{tag}"
        self.host_if = f"toem{tag}"  # 12 characters: within IFNAMSIZ
        self.peer_if = "veth0"
        self.octet = 0
        self.devices: dict[str, tuple[str, str]] = {}  # name -> (ip, mac)
        self.responders: list[Responder] = []
        self._made_ns = False

    @property
    def host_ip(self) -> str:
        return f"169.254.{self.octet}.1"

    def __enter__(self) -> TestLan:
        try:
            self.octet = _free_subnet()
            _ip("netns", "add", self.ns)
            self._made_ns = True
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.peer_if, "netns", self.ns)
            disable6 = Path(f"/proc/sys/net/ipv6/conf/{self.host_if}/disable_ipv6")
            if disable6.exists():
                disable6.write_text("1")
            _ip("addr", "add", f"{self.host_ip}/24", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            self._sysctl("net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
                         "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0",
                         "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")  # fmt: skip
            _ip("-n", self.ns, "link", "set", "lo", "up")
            _ip("-n", self.ns, "link", "set", self.peer_if, "up")
        except BaseException:
            self.close()
            raise
        return self

    def _sysctl(self, *settings: str) -> None:
        for s in settings:
            key, value = s.split("=", 1)
            path = "/proc/sys/" + key.replace(".", "/")
            subprocess.run(["ip", "netns", "exec", self.ns, "sh", "-c", f"echo {value} > {path}"],
                           capture_output=True, check=False)  # fmt: skip

    def add_device(self, name: str, host: int, mac: str) -> str:
        """A macvlan ``name`` with ``mac`` and address ``169.254.<n>.<host>``; returns the address."""
        ip = f"169.254.{self.octet}.{host}"
        _ip("-n", self.ns, "link", "add", "link", self.peer_if, "name", name, "address", mac,
            "type", "macvlan", "mode", "bridge")  # fmt: skip
        _ip("-n", self.ns, "addr", "add", f"{ip}/24", "dev", name)
        _ip("-n", self.ns, "link", "set", name, "up")
        self.devices[name] = (ip, mac)
        return ip

    def start(self, profile: str, device: str, *extra: str, wait: float = 10.0) -> Responder:
        """Run responder ``profile`` on ``device`` inside the namespace; wait until it is listening."""
        ip, mac = self.devices[device]
        cmd = ["ip", "netns", "exec", self.ns, PYTHON, "-u", "-m", "tests.discovery.responders",
               "--profile", profile, "--dev", device, "--ip", ip, "--mac", mac, *extra]  # fmt: skip
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        r = Responder(proc)
        self.responders.append(r)
        threading.Thread(target=r.pump, daemon=True).start()
        if not r.ready.wait(wait):
            raise RuntimeError(f"responder {profile} on {device} not ready: {r.lines[-20:]}")
        return r

    def close(self) -> None:
        for r in self.responders:
            if r.proc.poll() is None:
                r.proc.terminate()
        for r in self.responders:
            try:
                r.proc.wait(5)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait(5)
        subprocess.run(["ip", "link", "del", self.host_if], capture_output=True, check=False)
        if self._made_ns:
            subprocess.run(["ip", "netns", "del", self.ns], capture_output=True, check=False)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Path(f"/sys/class/net/{self.host_if}").exists():
            time.sleep(0.05)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
