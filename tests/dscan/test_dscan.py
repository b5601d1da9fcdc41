"""Distributed, site-pinned scanning on a real Dask cluster, all on loopback.

A real scheduler (``LocalCluster(n_workers=0)`` on 127.0.0.1, no dashboard) and real worker
processes (``dask worker --no-nanny`` bound to 127.0.0.1, so SIGKILL kills them for good) started
with a site resource: two workers in site ``a`` and one in site ``b``. The emulated fleet listens on
127.61.0.x (site a) and 127.61.1.x (site b), devices and empty addresses mixed.

Covers: every batch runs only on its site's workers; everything lands in one store with the right
attributions; a site-a worker SIGKILLed mid-scan has its batches rescanned by the other site-a
worker; the only site-b worker SIGKILLed mid-scan leaves site b's unfinished targets ``failed`` and
reported, never pending or lost, as are those of a site no worker ever joined; Ctrl-C leaves the
rest pending and a resumed scan finishes them.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import distributed
import pytest
from tests.emulators import CAMERAS, Device, FleetThread
from tests.scan.conftest import needs_low_ports

from trueoem.dscan import DistributedTotals, assign_sites, parse_sites, run_distributed_scan
from trueoem.match.engine import CompiledKB
from trueoem.screen import Result
from trueoem.sources.scan import ScanOptions
from trueoem.store import Store

pytestmark = needs_low_ports
dask: Any = distributed  # its constructors and client methods are untyped

SITES = ["a=127.61.0.0/24", "b=127.61.1.0/24"]
EXPECTED = {  # as in tests/scan/test_scan_cli.py
    "hikvision-camera": ("covered", "hikvision"),
    "hikvision-nvr": ("covered", "hikvision"),
    "lts-nvr": ("covered", "hikvision"),
    "dahua-camera": ("covered", "dahua"),
    "amcrest-camera": ("covered", "dahua"),
    "lorex-camera": ("covered", "dahua"),
    "axis-camera": ("not_covered", "axis"),
    "bosch-camera": ("not_covered", "bosch"),
    "hanwha-camera": ("not_covered", "hanwha"),
    "uniview-camera": ("not_covered", "uniview"),
    "reolink-camera": ("not_covered", "reolink"),
    "generic-goahead": ("unknown", None),
    "generic-boa": ("unknown", None),
}
# per site: slow enough that a batch takes about a second, so a worker can be killed mid-batch
OPTIONS = ScanOptions(max_rate=60, probe_timeout=2, connect_timeout=1, host_timeout=30)


@pytest.fixture(scope="module")
def fleet() -> Iterator[dict[str, Device]]:
    half = (len(CAMERAS) + 1) // 2
    lay = [(f"127.61.0.{i + 1}", d) for i, d in enumerate(CAMERAS[:half])]
    lay += [(f"127.61.1.{i + 1}", d) for i, d in enumerate(CAMERAS[half:])]
    with FleetThread(lay):
        yield dict(lay)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    with dask.LocalCluster(n_workers=0, host="127.0.0.1", dashboard_address=None) as cluster:
        yield str(cluster.scheduler_address)


class Workers:
    """Worker processes started with site resources; a context manager that ends them all."""

    def __init__(self, scheduler: str, tmp: Path) -> None:
        self.scheduler, self.tmp = scheduler, tmp
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.client: Any = dask.Client(scheduler, set_as_default=False, timeout=20)

    def start(self, name: str, site: str) -> None:
        with (self.tmp / f"worker-{name}.log").open("wb") as log:  # the child keeps its own copy
            self.procs[name] = self._popen(name, site, log)

    def _popen(self, name: str, site: str, log: Any) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_worker",
                self.scheduler,
                "--no-nanny",
                "--nthreads",
                "1",
                "--resources",
                f"site-{site}=1",
                "--name",
                name,
                "--host",
                "127.0.0.1",
                "--no-dashboard",
                "--local-directory",
                str(self.tmp / name),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=self.tmp,
        )

    def addresses(self) -> dict[str, str]:
        """Worker name -> address, as the scheduler knows them now."""
        info = self.client.scheduler_info()
        return {str(w["name"]): addr for addr, w in info["workers"].items()}

    def wait_ready(self, timeout: float = 60) -> dict[str, str]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            got = self.addresses()
            if set(self.procs) <= set(got):
                return got
            for name, p in self.procs.items():
                assert p.poll() is None, f"worker {name} exited: {(self.tmp / f'worker-{name}.log').read_text()}"
            time.sleep(0.2)
        raise AssertionError(f"workers did not join: {self.addresses()}")

    def kill(self, name: str) -> None:
        os.kill(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(10)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        for p in self.procs.values():
            if p.poll() is None:
                p.terminate()
        for p in self.procs.values():
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def _begin(tmp: Path, ckb: CompiledKB, addresses: list[str]) -> tuple[Store, int, str]:
    db = tmp / "d.db"
    store = Store.open(f"sqlite:///{db}")
    scan_id = store.begin_scan("scan", {"sites": SITES}, ckb.kb.version, targets=addresses)
    return store, scan_id, str(db)


def _states(db: str, scan_id: int) -> dict[str, str]:
    with sqlite3.connect(db) as con:
        return dict(con.execute("SELECT target, state FROM scan_targets WHERE scan_id = ?", (scan_id,)).fetchall())


def _targets() -> dict[str, list[str]]:
    """Site a: 127.61.0.1-16, site b: 127.61.1.1-10 (devices first, then empty addresses)."""
    addresses = [f"127.61.0.{i}" for i in range(1, 17)] + [f"127.61.1.{i}" for i in range(1, 11)]
    return assign_sites(addresses, parse_sites(SITES))


def _check_pinned(totals: DistributedTotals, names: dict[str, str]) -> None:
    """Every batch that was scanned ran on a worker of its own site (worker names are a1, a2, b1)."""
    for b in totals.batches:
        if b.state == "done":
            assert b.worker_name.startswith(b.site), (b.key, b.worker_name)
            assert names[b.worker_name] == b.worker


def test_sites_pinned_one_store(fleet: dict[str, Device], scheduler: str, ckb: CompiledKB, tmp_path: Path) -> None:
    by_site = _targets()
    everything = by_site["a"] + by_site["b"]
    store, scan_id, db = _begin(tmp_path, ckb, everything)
    results: dict[str, Result] = {}
    with Workers(scheduler, tmp_path) as workers:
        for name, site in (("a1", "a"), ("a2", "a"), ("b1", "b")):
            workers.start(name, site)
        names = workers.wait_ready()
        totals = run_distributed_scan(
            by_site,
            OPTIONS,
            ckb,
            store,
            scan_id,
            lambda r: results.__setitem__(r.id, r),
            address=scheduler,
            batch=2,
            lost_site_grace=5,
        )
    assert not totals.interrupted and not totals.failed and not totals.errors, totals.errors
    assert totals.capacity == {"a": 2.0, "b": 1.0}
    assert all(b.state == "done" for b in totals.batches)
    _check_pinned(totals, names)
    assert {b.worker_name for b in totals.batches if b.site == "a"} <= {"a1", "a2"}
    assert {b.worker_name for b in totals.batches if b.site == "b"} == {"b1"}
    assert totals.hosts_done == len(everything) and totals.devices == len(fleet)
    assert set(_states(db, scan_id).values()) == {"done"}
    assert set(results) == set(fleet)
    for ip, dev in fleet.items():
        a = results[ip].attribution
        assert (a.verdict.value, a.oem) == EXPECTED[dev.name], (dev.name, a.verdict, a.oem)
    stored = {sa.record["ip"]: sa for sa in store.latest_attributions(scan_id=scan_id)}
    assert set(stored) == set(fleet)
    assert all(stored[ip].oem == results[ip].attribution.oem for ip in fleet)
    store.finish_scan(scan_id)
    store.close()


def _kill_when_busy(
    workers: Workers, names: dict[str, str], victims: dict[str, Callable[[], bool]], timeout: float = 30
) -> dict[str, Any]:
    """SIGKILL each victim once it is processing a batch and its condition holds; what it held, and when."""
    killed: dict[str, Any] = {}
    end = time.monotonic() + timeout
    while len(killed) < len(victims) and time.monotonic() < end:
        busy = workers.client.processing()
        for v, ready in victims.items():
            if v not in killed and busy.get(names[v]) and ready():
                keys = set(busy[names[v]])
                workers.kill(v)
                killed[v] = {"keys": keys, "at": time.time()}
        time.sleep(0.05)
    assert len(killed) == len(victims), f"victims never busy: {killed}"
    return killed


def test_worker_death_rescans_or_reports(
    fleet: dict[str, Device], scheduler: str, ckb: CompiledKB, tmp_path: Path
) -> None:
    by_site = _targets()
    by_site["c"] = ["127.61.2.1"]  # a site no worker ever joined
    everything = by_site["a"] + by_site["b"] + by_site["c"]
    store, scan_id, db = _begin(tmp_path, ckb, everything)
    warned: list[str] = []
    out: list[DistributedTotals] = []
    with Workers(scheduler, tmp_path) as workers:
        for name, site in (("a1", "a"), ("a2", "a"), ("b1", "b")):
            workers.start(name, site)
        names = workers.wait_ready()

        def scan() -> None:
            out.append(
                run_distributed_scan(
                    by_site,
                    OPTIONS,
                    ckb,
                    store,
                    scan_id,
                    lambda r: None,
                    address=scheduler,
                    batch=2,
                    warn=warned.append,
                    lost_site_grace=2,
                )
            )

        t = threading.Thread(target=scan, daemon=True)
        t.start()
        # a1 at once (mid its first batch); b1 once it has finished a batch (site b ends part done, part failed)
        b_done = lambda: "done" in {_states(db, scan_id)[ip] for ip in by_site["b"]}  # noqa: E731
        killed = _kill_when_busy(workers, names, {"a1": lambda: True, "b1": b_done})
        t.join(60)
        assert not t.is_alive(), "the scan did not end after its workers died"
    totals = out[0]
    states = _states(db, scan_id)
    assert "pending" not in states.values(), "a target was silently left behind"
    assert not totals.interrupted
    _check_pinned(totals, names)
    # site a: everything scanned; what a1 held when it died was rescanned by a2
    assert all(states[ip] == "done" for ip in by_site["a"])
    for b in totals.batches:
        if b.key in killed["a1"]["keys"]:
            assert b.state == "done"
            assert b.worker_name == "a2" or b.finished <= killed["a1"]["at"], (b.key, b.worker_name)
        if b.worker_name == "a1":
            assert b.finished <= killed["a1"]["at"] + 0.5, "a dead worker's results were used"
    # site b: the only worker died; its unfinished targets are failed and reported, the rest done
    failed_b = sorted(ip for ip in by_site["b"] if states[ip] == "failed")
    assert failed_b and len(failed_b) < len(by_site["b"]), states
    assert all(states[ip] in ("done", "failed") for ip in by_site["b"])
    for b in totals.batches:
        if b.key in killed["b1"]["keys"]:
            assert b.state == "failed" or b.finished <= killed["b1"]["at"], (b.key, b.state)
    lines = [x for x in warned if "not scanned" in x and "site b" in x]
    assert lines and all("site-b" in x for x in lines), warned
    assert sum(int(x.split(";")[1].split()[0]) for x in lines) == len(failed_b)
    # site c: announced while waiting for a worker, then failed and reported after the grace period
    assert states["127.61.2.1"] == "failed"
    assert any("site c: no worker has the resource site-c yet" in x for x in warned)
    assert any(x.startswith("site c: no worker with the resource site-c for 2s; 1 target(s)") for x in warned)
    assert sorted(totals.failed) == sorted([*failed_b, "127.61.2.1"])
    assert totals.errors == [x for x in warned if "not scanned" in x]
    assert totals.hosts_done == len(everything) - len(totals.failed)
    store.finish_scan(scan_id)
    store.close()


def test_ctrl_c_leaves_the_rest_pending_and_resume_finishes(
    fleet: dict[str, Device], scheduler: str, ckb: CompiledKB, tmp_path: Path
) -> None:
    by_site = _targets()
    everything = by_site["a"] + by_site["b"]
    store, scan_id, db = _begin(tmp_path, ckb, everything)

    def ctrl_c(r: Result) -> None:
        raise KeyboardInterrupt  # as if pressed while the first host is reported

    with Workers(scheduler, tmp_path) as workers:
        workers.start("a1", "a")
        workers.start("b1", "b")
        names = workers.wait_ready()
        first = run_distributed_scan(by_site, OPTIONS, ckb, store, scan_id, ctrl_c, address=scheduler, batch=2)
        assert first.interrupted and not first.failed
        assert {b.state for b in first.batches} <= {"done", "interrupted"}
        states = _states(db, scan_id)
        assert set(states.values()) <= {"done", "pending"}
        left = store.pending_targets(scan_id)
        assert 0 < len(left) < len(everything)
        store.finish_scan(scan_id, "interrupted")
        # --resume: the pending targets, mapped to their sites again
        store.resume_scan(scan_id)
        again = assign_sites(left, parse_sites(SITES))
        second = run_distributed_scan(again, OPTIONS, ckb, store, scan_id, lambda r: None, address=scheduler, batch=4)
    assert not second.interrupted and not second.failed
    _check_pinned(second, names)
    assert set(_states(db, scan_id).values()) == {"done"}
    stored = {sa.record["ip"] for sa in store.latest_attributions(scan_id=scan_id)}
    assert stored == set(fleet)
    store.finish_scan(scan_id)
    store.close()
