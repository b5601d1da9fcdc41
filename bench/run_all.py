"""Run both benchmarks and write their figures into bench/README.md (between the figures markers).

    PYTHONPATH=src python bench/run_all.py            # catalog (100k, 1M, 100k distinct) + records (200k)
    PYTHONPATH=src python bench/run_all.py --quick    # smaller inputs, for a smoke run (README untouched)

Each benchmark is its own process, pinned to one CPU; see bench/README.md for what is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
README = HERE / "README.md"
START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def _run(script: str, args: list[str], out: Path) -> dict:  # type: ignore[type-arg]
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    subprocess.run([sys.executable, str(HERE / script), *args, "--json", str(out)], check=True, env=env, cwd=ROOT)
    return json.loads(out.read_text())  # type: ignore[no-any-return]


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _cpu_rate(n: float, d: dict, wall: str, cpu: str) -> float:  # type: ignore[type-arg]
    """Items per CPU-second when the CPU time was recorded, else per wall-clock second."""
    return n / d[cpu] if d.get(cpu) else n / d[wall]


def table(cat: dict, rec: dict) -> str:  # type: ignore[type-arg]
    m = cat["machine"]
    loads = [x for d in (cat, rec) for k in ("load_before", "load_after") for x in ([d[k][0]] if k in d else [])]
    lines = [
        f"Measured {m['date']} on `nproc` = {m['nproc']} ({m['cpu']}), each benchmark pinned to one CPU; "
        f"Python {m['python']}; trueoem {m['trueoem']}; KB {m['kb_version']} with **{m['kb_rules']} rules**."
        + (f" Load average during the runs {min(loads):.1f}-{max(loads):.1f}." if loads else ""),
        "",
        "Rates are per wall-clock second; in brackets, per CPU-second of the process (steadier when the machine is "
        "shared). Ratios and targets are judged on CPU time (one core). Catalog rates are the best of several "
        "runs, with the range of all runs in square brackets (this machine's speed drifts by tens of percent).",
        "",
        "| benchmark | input | trueoem | naive every-regex loop | ratio | peak RSS | target |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    b = cat["baseline"]
    naive_cpu = _cpu_rate(b["rows"], b, "naive_seconds", "naive_cpu_seconds")
    pool = sorted((r for r in cat["runs"] if r["kind"] == "pool"), key=lambda r: r["size"])

    def cat_row(r: dict, label: str, base: dict, target: bool | None) -> str:  # type: ignore[type-arg]
        ncpu = _cpu_rate(base["rows"], base, "naive_seconds", "naive_cpu_seconds")
        ours_cpu = _cpu_rate(r["rows"], r, "seconds", "cpu_seconds")
        ratio = ours_cpu / ncpu
        goal = (
            f">= 100,000 rows/s: {_met(ours_cpu >= 100_000)}; >= 10x: {_met(ratio >= 10)}"
            if target
            else "(for the memory comparison)"
            if target is None
            else "(reported, no target)"
        )
        reps = r.get("repeats_rows_per_cpu_s") or []
        spread = f" [{min(reps):,.0f}-{max(reps):,.0f} in {len(reps)} runs]" if len(reps) > 1 else ""
        return (
            f"| {label} | {r['size']:,} rows | {r['rows_per_s']:,.0f} rows/s ({ours_cpu:,.0f}){spread} | "
            f"{base['naive_rows_per_s']:,.0f} rows/s ({ncpu:,.0f}) | {ratio:.1f}x | {r['peak_rss_mb']:,.0f} MB | "
            f"{goal} |"
        )

    # the target is for the 1,000,000-row catalog (else the largest file)
    judged = next((r for r in pool if r["size"] == 1_000_000), pool[-1])
    for r in pool:
        lines.append(cat_row(r, "catalog screening", b, True if r is judged else None))
    for r in cat["runs"]:
        if r["kind"] == "distinct":
            lines.append(
                cat_row(
                    r,
                    "catalog screening, every row a distinct product (worst case for memoisation)",
                    cat.get("baseline_distinct", b),
                    False,
                )
            )
    # memory: every cache is capped, so the peak grows only until the caps fill; flat means the
    # largest file (more rows, no more distinct products) costs no more than the one before it
    for lo, hi in zip(pool, pool[1:], strict=False):
        last = hi is pool[-1]
        flat = hi["peak_rss_mb"] <= lo["peak_rss_mb"] * 1.05 + 5
        lines.append(
            f"| catalog memory, {lo['size']:,} vs {hi['size']:,} rows | | {lo['peak_rss_mb']:,.0f} MB vs "
            f"{hi['peak_rss_mb']:,.0f} MB | | | {hi['peak_rss_mb'] - lo['peak_rss_mb']:+,.0f} MB | "
            + (f"flat in input size: {_met(flat)} |" if last else "(caches filling) |")
        )
    t, rb = rec["trueoem"], rec["baseline"]
    t_cpu = _cpu_rate(t["records"], t, "seconds", "cpu_seconds")
    rb_cpu = _cpu_rate(rb["records"], rb, "seconds", "cpu_seconds")
    ratio = t_cpu / rb_cpu
    lines.append(
        f"| record attribution | {t['records']:,} mixed records | {t['records_per_s']:,.0f} records/s ({t_cpu:,.0f}) | "
        f"{rb['records_per_s']:,.0f} records/s ({rb_cpu:,.0f}) | {ratio:.1f}x | {t['peak_rss_mb']:,.0f} MB | "
        f">= 20,000 records/s: {_met(t_cpu >= 20_000)}; >= 10x: {_met(ratio >= 10)} |"
    )
    s = rec.get("trueoem_sample")
    ours_s = _cpu_rate(b["rows"], b, "trueoem_seconds", "trueoem_cpu_seconds")
    lines += [
        "",
        f"Side by side in one process on the same sample (cold caches): catalog, first {b['rows']:,} rows of the "
        f"largest file: trueoem {ours_s:,.0f} vs naive {naive_cpu:,.0f} rows per CPU-second "
        f"({ours_s / naive_cpu:.1f}x; {b['rules']} rules x {b['facets'] / b['rows']:.1f} facets/row)",
    ]
    if s:
        s_cpu = _cpu_rate(s["records"], s, "seconds", "cpu_seconds")
        lines[-1] += (
            f"; records, first {s['records']:,}: trueoem {s_cpu:,.0f} vs naive {rb_cpu:,.0f} records per "
            f"CPU-second ({s_cpu / rb_cpu:.1f}x; {rb['texts'] / rb['records']:.2f} raw texts/record, "
            f"{rb['chars'] / rb['texts']:.0f} chars each)."
        )
    lines += [
        "",
        "KB load (not in the rates): "
        + ", ".join(f"{r['setup_seconds']:.2f}s" for r in cat["runs"])
        + f" per catalog subprocess; RSS after the load {cat['runs'][0]['rss_setup_mb']:.0f} MB.",
        "",
        "Commands: `PYTHONPATH=src python bench/run_all.py` (= `bench/bench_catalog.py` with its defaults, then "
        "`bench/bench_records.py` with its defaults). Raw figures: `bench/latest.json`.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small inputs; does not touch README.md")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trueoem-bench-") as tmp:
        if a.quick:
            cat = _run(
                "bench_catalog.py",
                ["--sizes", "10000", "50000", "--distinct", "10000", "--sample", "3000"],
                Path(tmp) / "c.json",
            )
            rec = _run("bench_records.py", ["--records", "20000", "--sample", "1000"], Path(tmp) / "r.json")
        else:
            cat = _run("bench_catalog.py", [], Path(tmp) / "c.json")
            rec = _run("bench_records.py", [], Path(tmp) / "r.json")
    text = table(cat, rec)
    print("\n" + text)
    if not a.quick:
        (HERE / "latest.json").write_text(json.dumps({"catalog": cat, "records": rec}, indent=2) + "\n")
        doc = README.read_text()
        i, j = doc.index(START) + len(START), doc.index(END)
        README.write_text(doc[:i] + "\n" + text + "\n" + doc[j:])
        print(f"\nwrote the figures into {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
