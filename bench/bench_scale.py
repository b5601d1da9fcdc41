"""Batch attribution scale-out benchmark: one process, a local process pool, a 2-worker Dask LocalCluster.

    PYTHONPATH=src python bench/bench_scale.py [--records 10000000] [--small 0.1] [--jobs 2] [--json OUT]

1. Generates (bench/gen.py, seeded) ``--records`` mixed JSON Lines records into a temporary folder
   (``--keep DIR`` keeps and reuses it), and a file of ``--small`` times as many for the memory check.
2. Runs ``trueoem.batch.attribute_jsonl`` over each file, each mode in a fresh subprocess (so every
   peak RSS is its own), writing the JSON Lines to /dev/null and keeping the verdict summary, as
   ``trueoem attribute --format jsonl`` does:

   * ``single``: ``jobs=1`` (read, attribute and serialise in this one process);
   * ``pool``:   ``jobs=N`` worker processes (``concurrent.futures``, forkserver);
   * ``dask``:   a ``distributed.LocalCluster`` of N worker processes, one thread each, on 127.0.0.1
     (cluster start-up timed apart), with Dask's statistical profiler off as docs/scale-out.md advises
     for batch clusters (``--dask-profile`` leaves it on).

   Timing starts once the KB is compiled (in the workers: the pool initializer; in Dask: a warm-up
   task per worker). Peak RSS: the parent's ``ru_maxrss``; workers' sampled with psutil every 0.2 s.
3. Prints records/s, peak memory of parent and workers, and the scaling efficiency
   ``(rate_N / rate_1) / N`` per mode, and the peak RSS of the small vs the large run.

Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import fmt_rate, machine, peak_rss_mb  # noqa: E402

TARGET_EFFICIENCY = 0.8


class _Sampler:
    """Peak RSS and last CPU times of this process's descendants, sampled in a thread."""

    def __init__(self, every: float = 0.2) -> None:
        import psutil

        self.psutil = psutil
        self.me = psutil.Process()
        self.peak: dict[int, float] = {}
        self.cpu: dict[int, float] = {}
        self.names: dict[int, str] = {}
        self.every = every
        self.stop = threading.Event()
        self.t = threading.Thread(target=self._loop, daemon=True)
        self.t.start()

    def _loop(self) -> None:
        while not self.stop.wait(self.every):
            self.sample()

    def sample(self) -> None:
        for p in self.me.children(recursive=True):
            try:
                with p.oneshot():
                    rss = p.memory_info().rss / 1e6
                    ct = p.cpu_times()
                    self.names.setdefault(p.pid, " ".join(p.cmdline()[1:4])[:60])
            except self.psutil.Error:
                continue
            self.peak[p.pid] = max(self.peak.get(p.pid, 0.0), rss)
            self.cpu[p.pid] = ct.user + ct.system

    def close(self) -> None:
        self.sample()
        self.stop.set()
        self.t.join()


def _warm_pool(jobs: int) -> None:
    """Start the forkserver (and its preload) before timing, as a long-running CLI would pay once."""
    from trueoem.batch.run import _context

    ctx = _context()
    p = ctx.Process(target=os.getpid)
    p.start()
    p.join()


def run_mode(mode: str, path: Path, jobs: int, dask_profile: bool = False) -> dict[str, Any]:
    """One mode over one file, in this process; the figures."""
    from trueoem.batch import attribute_jsonl
    from trueoem.batch.work import compiled, kb_spec
    from trueoem.report.table import Summary

    sampler = _Sampler()
    kw: dict[str, Any] = {}
    cluster: Any = None
    setup = 0.0
    t0 = time.perf_counter()
    if mode == "single":
        compiled(kb_spec())  # the KB, before timing
        kw["jobs"] = 1
    elif mode == "pool":
        _warm_pool(jobs)
        kw["jobs"] = jobs
    else:
        import dask
        from distributed import Client, LocalCluster

        from trueoem.batch.work import warm

        # Dask's statistical profiler off, as docs/scale-out.md advises for batch clusters: it samples
        # the task thread's stack every 10 ms in the worker's event loop and keeps 1,000 one-second
        # profiles, so it costs CPU and makes a worker's memory grow for the first 17 minutes.
        dask.config.set({"distributed.worker.profile.enabled": dask_profile})
        cluster = LocalCluster(
            n_workers=jobs,
            processes=True,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
        with Client(cluster.scheduler_address, set_as_default=False) as c:
            c.run(warm, kb_spec())  # every worker compiles the KB before timing
        kw["dask_address"] = cluster.scheduler_address
    setup = time.perf_counter() - t0
    summary = Summary()
    n = 0
    warn: list[str] = []
    c0 = time.process_time()
    t1 = time.perf_counter()
    with open(os.devnull, "w", encoding="utf-8") as out:
        write = out.write
        for line in attribute_jsonl([path], warn=warn, **kw):
            summary.add(line.brief)
            write(line.text)
            n += 1
    dt = time.perf_counter() - t1
    parent_cpu = time.process_time() - c0
    workers_dask: dict[str, float] = {}
    if cluster is not None:
        import resource

        from distributed import Client

        def _peak() -> float:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        with Client(cluster.scheduler_address, set_as_default=False) as c:
            workers_dask = {k: float(v) for k, v in c.run(_peak).items()}
        cluster.close()
    sampler.close()
    pool_procs = ("forkserver", "spawn")
    workers = {pid: mb for pid, mb in sampler.peak.items() if any(k in sampler.names[pid] for k in pool_procs)}
    worker_peaks = sorted(workers_dask.values()) if workers_dask else sorted(workers.values())
    return {
        "mode": mode,
        "jobs": 1 if mode == "single" else jobs,
        "records": n,
        "warnings": len(warn),
        "seconds": dt,
        "setup_seconds": setup,
        "records_per_s": n / dt,
        "parent_cpu_seconds": parent_cpu,
        "children_cpu_seconds": sum(sampler.cpu.values()),
        "parent_peak_rss_mb": peak_rss_mb(),
        "worker_peak_rss_mb": worker_peaks[-jobs:] if mode != "single" else [],
        "summary": summary.as_dict(),
    }


def _subprocess(mode: str, path: Path, jobs: int, dask_profile: bool) -> dict[str, Any]:
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parent.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join([src, env.get("PYTHONPATH", "")])
    cmd = [sys.executable, str(Path(__file__).resolve()), "--run", mode, "--file", str(path), "--jobs", str(jobs)]
    cmd += ["--dask-profile"] if dask_profile else []
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    res: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return res


def _cpu(r: dict[str, Any]) -> float:
    return float(r["parent_cpu_seconds"] + r["children_cpu_seconds"])


def _line(r: dict[str, Any], base: float) -> str:
    eff = (r["records_per_s"] / base) / r["jobs"]
    w = ", ".join(f"{x:.0f}" for x in r["worker_peak_rss_mb"]) or "-"
    return (
        f"  {r['mode']:<6} x{r['jobs']}  {r['records']:>9,} records in {r['seconds']:6.1f}s: "
        f"{fmt_rate(r['records_per_s']):>6} records/s  efficiency {eff:.2f}  "
        f"CPU {_cpu(r):.0f}s (parent {r['parent_cpu_seconds']:.0f}s) = {fmt_rate(r['records'] / _cpu(r))}/CPU-s  "
        f"peak RSS parent {r['parent_peak_rss_mb']:.0f} MB, workers {w} MB"
        + (f"  [start-up {r['setup_seconds']:.1f}s]" if r["mode"] != "single" else "")
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=10_000_000)
    ap.add_argument("--small", type=float, default=0.1, help="size of the memory-check run, as a fraction")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--modes", nargs="+", default=["single", "pool", "dask"])
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep (and reuse) the files")
    ap.add_argument("--dask-profile", action="store_true", help="leave Dask's statistical profiler on (off by default)")
    ap.add_argument("--run", help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.run:  # one measurement, in its own process
        print(json.dumps(run_mode(a.run, a.file, a.jobs, a.dask_profile)))
        return 0

    import gen

    info = machine()
    print(
        f"batch scale-out benchmark  {info['date']}  nproc={info['nproc']}  python {info['python']}  "
        f"KB rules {info['kb_rules']}  ({info['cpu']})"
    )
    tmp = tempfile.TemporaryDirectory(prefix="trueoem-scale-")
    folder = a.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"machine": info, "load_before": os.getloadavg(), "runs": []}
    try:
        sizes = [max(1, int(a.records * a.small)), a.records] if a.small > 0 else [a.records]
        for size in sizes:
            p = folder / f"records-{size}.jsonl"
            if not p.exists():
                t0 = time.perf_counter()
                gen.write_records(p, size)
                print(f"  generated {p.name}: {p.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t0:.0f}s")
            print(f"\n{size:,} records ({p.stat().st_size / 1e6:,.0f} MB), modes {' '.join(a.modes)}:")
            base = 0.0
            outs = []
            for mode in a.modes:
                r = _subprocess(mode, p, a.jobs, a.dask_profile)
                r["input_records"] = size
                if mode == "single":
                    base = r["records_per_s"]
                outs.append(r)
                print(_line(r, base or r["records_per_s"]))
            first = outs[0]["summary"]
            same = all(o["summary"] == first for o in outs)
            print(f"  verdict summaries identical across modes: {'yes' if same else 'NO'}")
            cpu1 = _cpu(outs[0]) / outs[0]["records"]
            for r in outs:
                r["efficiency"] = (r["records_per_s"] / (base or r["records_per_s"])) / r["jobs"]
                r["cpu_per_record_vs_single"] = (_cpu(r) / r["records"]) / cpu1
            results["runs"].append({"records": size, "modes": outs, "summaries_identical": same})
        results["load_after"] = os.getloadavg()
        if len(results["runs"]) == 2:
            print("\nmemory, small vs large input (peak RSS, MB):")
            for s, big in zip(results["runs"][0]["modes"], results["runs"][1]["modes"], strict=True):
                ws = max(s["worker_peak_rss_mb"], default=0)
                wb = max(big["worker_peak_rss_mb"], default=0)
                print(
                    f"  {s['mode']:<6} parent {s['parent_peak_rss_mb']:.0f} -> {big['parent_peak_rss_mb']:.0f}"
                    f"   largest worker {ws:.0f} -> {wb:.0f}"
                )
        print(
            f"\nload average before {results['load_before'][0]:.1f}, after {results['load_after'][0]:.1f} "
            f"(on {info['nproc']} CPUs); target efficiency >= {TARGET_EFFICIENCY}"
        )
        if a.json:
            a.json.write_text(json.dumps(results, indent=2) + "\n")
    finally:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
