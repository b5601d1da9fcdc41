"""Shared helpers of the benchmarks: the machine, one-core pinning, peak memory, the naive baseline."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import resource
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))
if str(ROOT / "bench") not in sys.path:
    sys.path.insert(0, str(ROOT / "bench"))


def pin_one_core() -> int | None:
    """Pin this process (and the children it starts afterwards) to one CPU; the CPU, or None."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    cpu = cpus[-1]
    os.sched_setaffinity(0, {cpu})
    return cpu


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports ru_maxrss in KiB)."""
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024 if sys.platform != "darwin" else r / 1024 / 1024


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or platform.machine()
    m = re.search(r"^model name\s*:\s*(.+)$", text, re.M)
    return m.group(1).strip() if m else platform.machine()


def machine() -> dict[str, object]:
    """What the figures were measured on."""
    from trueoem import __version__
    from trueoem.kb.loader import load_kb

    kb = load_kb()
    return {
        "date": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "trueoem": __version__,
        "kb_rules": kb.rule_count,
        "kb_version": kb.version,
    }


def naive_regexes(ckb: object) -> list[object]:
    """Every rule's compiled regex once, in rule-id order: what nmap/recog try against a banner."""
    seen: set[str] = set()
    out = []
    for crs in ckb.rules.by_field.values():  # type: ignore[attr-defined]
        for cr in crs:
            if cr.rule.id not in seen:
                seen.add(cr.rule.id)
                out.append(cr)
    out.sort(key=lambda cr: cr.rule.id)
    return [cr.regex for cr in out]


def finish(results: dict[str, object], info: dict[str, object], json_path: Path | None) -> None:
    """Print the load average around a benchmark and write its figures to ``json_path`` (if given)."""
    import json

    results["load_after"] = os.getloadavg()
    before, after = results["load_before"], results["load_after"]
    print(
        f"  load average before {before[0]:.1f}, after {after[0]:.1f} "  # type: ignore[index]
        f"(on {info['nproc']} CPUs; wall-clock rates fall when the machine is shared, ratios hold)"
    )
    if json_path:
        json_path.write_text(json.dumps(results, indent=2) + "\n")


def fmt_rate(x: float) -> str:
    return f"{x:,.0f}"


def screen_all(ckb: object, assets: object, out: object) -> int:
    """Screen into ``out`` as the CLI does (Screener, verdict summary, JSON Lines writer); the count.

    ``assets``: the assets to screen, or a function of the Screener that yields their results
    (``lambda s: screen_catalog(path, {}, warn, s)``, the catalog's short-cut path).
    """
    from trueoem.report.table import Summary
    from trueoem.report.writers import JsonlWriter
    from trueoem.screen import Screener

    screener = Screener(ckb)  # type: ignore[arg-type]
    summary = Summary()
    n = 0
    w = JsonlWriter(out)  # type: ignore[arg-type]
    add, write = summary.add, w.write
    results = assets(screener) if callable(assets) else (screener.one(a) for a in assets)  # type: ignore[attr-defined]
    for r in results:
        add(r.template)
        write(r)
        n += 1
    w.close()
    return n
