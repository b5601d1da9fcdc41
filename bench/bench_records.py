"""Record attribution benchmark: records/s on mixed device records, beside a naive every-regex baseline.

    PYTHONPATH=src python bench/bench_records.py [--records 200000] [--sample 5000] [--json OUT.json]

1. Generates (bench/gen.py, seeded) ``--records`` mixed JSON Lines records (single- and multi-observation,
   14 protocols, per-record dates, nonces, serials, MACs and IPs) into a temporary folder.
2. trueoem, in this process pinned to one CPU: the ``trueoem attribute`` path (bytes lines decoded ->
   read_records -> Screener.one -> JsonlWriter into /dev/null). Timing starts after the KB is loaded.
3. Baseline, same process and CPU, on the first ``--sample`` records: each line parsed as JSON, then for each
   of its raw texts every rule's regex searched in turn over the whole text, the way nmap and recog match
   banners (no parsing into fields, no routing, no prefilter, no memo). records/s is measured on the sample
   (its cost per record does not depend on the size of the file); trueoem is also timed on the same sample.

Speed is reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import finish, fmt_rate, machine, naive_regexes, peak_rss_mb, pin_one_core, screen_all  # noqa: E402

TARGET_RECORDS = 20_000
TARGET_RATIO = 10.0


def raw_texts(rec: dict[str, object]) -> list[str]:
    """The raw strings of one record, as a banner matcher would see them."""
    out: list[str] = []
    items = [rec] if "protocol" in rec else []
    obs = rec.get("observations")
    if isinstance(obs, list):
        items += [o for o in obs if isinstance(o, dict)]
    for o in items:
        raw = o.get("raw")
        if isinstance(raw, str):
            out.append(raw)
        elif raw is not None:
            out.append(json.dumps(raw))
    for k in ("brand", "model", "mac", "firmware", "serial"):
        v = rec.get(k)
        if isinstance(v, str) and v:
            out.append(v)
    return out


def trueoem_run(path: Path, limit: int | None = None) -> tuple[int, float, float]:
    """Records attributed and seconds, the CLI's way, with a freshly compiled KB."""
    from trueoem.kb.compiled import load_compiled
    from trueoem.sources.records import read_records

    ckb = load_compiled()
    ckb.oui.table()
    warn: list[str] = []
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open("rb") as fh, open(os.devnull, "w", encoding="utf-8") as out:
        lines = (b.decode("utf-8", "replace") for b in (islice(fh, limit) if limit else fh))
        n = screen_all(ckb, read_records(lines, path.name, warn), out)
    return n, time.perf_counter() - t0, time.process_time() - c0


def baseline(path: Path, sample: int) -> dict[str, float]:
    from trueoem.kb.compiled import load_compiled

    regexes = naive_regexes(load_compiled())
    hits = texts = chars = 0
    t0, c0 = time.perf_counter(), time.process_time()
    with path.open("rb") as fh:
        for b in islice(fh, sample):
            rec = json.loads(b.decode("utf-8", "replace"))
            for raw in raw_texts(rec):
                texts += 1
                chars += len(raw)
                for rx in regexes:
                    if rx.search(raw):  # type: ignore[attr-defined]
                        hits += 1
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {
        "records": sample,
        "texts": texts,
        "chars": chars,
        "rules": len(regexes),
        "hits": hits,
        "seconds": dt,
        "cpu_seconds": cpu,
        "records_per_s": sample / dt,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--records", type=int, default=200_000)
    ap.add_argument("--sample", type=int, default=5_000, help="records the baseline runs on")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep the file")
    a = ap.parse_args(argv)

    import gen

    cpu = pin_one_core()
    info = machine()
    print(
        f"record attribution benchmark  {info['date']}  nproc={info['nproc']}  pinned to cpu {cpu}  "
        f"python {info['python']}  KB rules {info['kb_rules']}  ({info['cpu']})"
    )
    tmp = tempfile.TemporaryDirectory(prefix="trueoem-bench-")
    folder = a.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, object] = {"machine": info, "pinned_cpu": cpu, "load_before": os.getloadavg()}
    try:
        p = folder / f"records-{a.records}.jsonl"
        if not p.exists():
            t0 = time.perf_counter()
            gen.write_records(p, a.records)
            print(
                f"  generated {p.name}: {a.records:,} records, {p.stat().st_size / 1e6:.0f} MB in "
                f"{time.perf_counter() - t0:.1f}s"
            )
        n, dt, cpu_s = trueoem_run(p)
        rate = n / dt
        results["trueoem"] = {
            "records": n,
            "seconds": dt,
            "cpu_seconds": cpu_s,
            "records_per_s": rate,
            "records_per_cpu_s": n / max(cpu_s, 1e-9),
            "peak_rss_mb": peak_rss_mb(),
        }
        print("\ntrueoem (read_records -> Screener -> JsonlWriter to /dev/null, one process, one CPU)")
        print(
            f"  {n:,} records in {dt:.1f}s: {fmt_rate(rate)} records/s ({fmt_rate(n / max(cpu_s, 1e-9))} per "
            f"CPU-second), peak {peak_rss_mb():.0f} MB"
        )

        print(f"\nbaseline: every rule's regex searched over each raw text, first {a.sample:,} records")
        b = baseline(p, a.sample)
        results["baseline"] = b
        print(
            f"  naive loop   {fmt_rate(b['records_per_s']):>10} records/s  ({b['rules']} rules x "
            f"{b['texts'] / b['records']:.2f} texts/record, {b['chars'] / b['texts']:.0f} chars/text)"
        )
        sn, sdt, scpu = trueoem_run(p, a.sample)
        results["trueoem_sample"] = {"records": sn, "seconds": sdt, "cpu_seconds": scpu, "records_per_s": sn / sdt}
        print(
            f"  trueoem      {fmt_rate(sn / sdt):>10} records/s  (same records, same process, cold caches)  "
            f"ratio {b['cpu_seconds'] / scpu:.1f}x on CPU time"
        )

        cpu_rate = n / max(cpu_s, 1e-9)
        naive_cpu = b["records"] / b["cpu_seconds"]
        ratio = cpu_rate / naive_cpu
        results["ratio"] = ratio
        print("\nsummary")
        print(
            f"  {n:,} records: {fmt_rate(rate)} records/s, {fmt_rate(cpu_rate)} per CPU-second (target >= "
            f"{TARGET_RECORDS:,}: {'met' if cpu_rate >= TARGET_RECORDS else 'MISSED'}); {ratio:.1f}x the naive "
            f"loop's {fmt_rate(naive_cpu)} per CPU-second "
            f"(target >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'MISSED'})"
        )
        finish(results, info, a.json)
    finally:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
