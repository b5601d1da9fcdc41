"""Held-out evaluation: run the real CLI on tests/heldout/ and print the confusion table and every miss.

    python bench/eval_heldout.py            # both sets
    python bench/eval_heldout.py --json     # machine-readable summary

The held-out set was written from public material without reading the KB rule files; see
tests/heldout/README.md. Use the misses to fix the KB, but do not copy held-out strings into rule
examples (that would turn the held-out set into a training set).
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

from trueoem.cli import app

HERE = Path(__file__).resolve().parent.parent / "tests" / "heldout"
COVERED_OEMS = {"hikvision", "dahua", "huawei", "zte", "hytera"}
FLAGGED = {"covered", "likely_covered"}


def _jsonl(text: str) -> dict[str, dict]:  # type: ignore[type-arg]
    out = {}
    for line in text.splitlines():
        if line.startswith("{"):
            rec = json.loads(line)
            out[str(rec["id"])] = rec
    return out


def run_catalog() -> tuple[list[dict], dict[str, dict]]:  # type: ignore[type-arg]
    rows = list(csv.DictReader((HERE / "catalog.csv").open(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "catalog_input.csv"
        with p.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "brand", "model", "description"])  # ground truth columns never reach the tool
            for r in rows:
                w.writerow([r["id"], r["brand"], r["model"], r["description"]])
        res = CliRunner().invoke(app, ["check", str(p), "--format", "jsonl"])
    if res.exit_code not in (0, 1):
        raise RuntimeError(f"trueoem check failed ({res.exit_code}): {res.output[-2000:]}")
    for r in rows:
        r["input"] = " | ".join(x for x in (r["brand"], r["model"], r["description"]) if x)
    return rows, _jsonl(res.stdout)


def run_records() -> tuple[list[dict], dict[str, dict]]:  # type: ignore[type-arg]
    exp = list(csv.DictReader((HERE / "records.expected.csv").open(encoding="utf-8")))
    raw = {}
    for line in (HERE / "records.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            raw[d["id"]] = d
    res = CliRunner().invoke(app, ["attribute", str(HERE / "records.jsonl"), "--format", "jsonl"])
    if res.exit_code not in (0, 1):
        raise RuntimeError(f"trueoem attribute failed ({res.exit_code}): {res.output[-2000:]}")
    for r in exp:
        d = raw.get(r["id"], {})
        parts = [f"{k}={d[k]}" for k in ("brand", "model", "mac") if k in d]
        for o in d.get("observations", []):
            v = str(o.get("raw", "")).replace("\r", "").replace("\n", "\\n")
            parts.append(f"{o.get('protocol')}: {v[:110]}{'...' if len(v) > 110 else ''}")
        r["input"] = " | ".join(parts)
    return exp, _jsonl(res.stdout)


def score(rows: list[dict], got: dict[str, dict]) -> dict:  # type: ignore[type-arg]
    """Precision/recall on covered items; covered and likely_covered both count as flagged."""
    tp = fp = fn = tn = 0
    hard_false_covered: list[str] = []
    misses: list[dict] = []  # type: ignore[type-arg]
    confusion: Counter[tuple[str, str]] = Counter()
    for r in rows:
        rec = got.get(r["id"])
        verdict = rec["verdict"] if rec else "MISSING"
        oem = (rec or {}).get("oem") or ""
        expected = set(r["expected"].split("|"))
        positive = r["expected_oem"] in COVERED_OEMS
        flagged = verdict in FLAGGED
        truth = "covered-item" if positive else ("no-info" if r["expected"] == "unknown" else "non-covered")
        confusion[(truth, verdict)] += 1
        if positive and flagged:
            tp += 1
        elif positive:
            fn += 1
        elif flagged:
            fp += 1
        else:
            tn += 1
        if not positive and verdict == "covered":
            hard_false_covered.append(r["id"])
        oem_wrong = positive and flagged and oem != r["expected_oem"]
        if verdict not in expected or oem_wrong:
            ev = sorted((rec or {}).get("evidence", []), key=lambda e: -abs(float(e.get("weight", 0))))[:3]
            misses.append(
                {
                    "id": r["id"],
                    "input": r["input"],
                    "expected": r["expected"],
                    "expected_oem": r["expected_oem"],
                    "got": verdict,
                    "got_oem": oem,
                    "confidence": (rec or {}).get("confidence"),
                    "kind": (
                        "FALSE FLAG"
                        if (flagged and not positive)
                        else "MISSED"
                        if (positive and not flagged)
                        else "WRONG OEM"
                        if oem_wrong
                        else "soft (verdict outside expected set)"
                    ),
                    "evidence": [
                        f"{e.get('rule')} [{e.get('kind')}] {e.get('matched')!r} -> {e.get('claim')} "
                        f"w={e.get('weight')}"
                        for e in ev
                    ],
                    "source": r.get("source", ""),
                }
            )
    precision = tp / (tp + fp) if (tp + fp) else 1.0
    recall = tp / (tp + fn) if (tp + fn) else 1.0
    return {
        "n": len(rows),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": precision,
        "recall": recall,
        "false_flags": fp,
        "hard_false_covered": hard_false_covered,
        "confusion": confusion,
        "misses": misses,
    }


def _print(name: str, s: dict) -> None:  # type: ignore[type-arg]
    print(f"\n=== {name}: {s['n']} items ===")
    print(
        f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  TP {s['tp']}  FN {s['fn']}  "
        f"FP (false flags) {s['fp']}  TN {s['tn']}  non-covered called 'covered': {len(s['hard_false_covered'])}"
    )
    verdicts = ["covered", "likely_covered", "not_covered", "unknown", "MISSING"]
    print(f"{'truth/got':<14}" + "".join(f"{v:>16}" for v in verdicts))
    for t in ("covered-item", "non-covered", "no-info"):
        print(f"{t:<14}" + "".join(f"{s['confusion'].get((t, v), 0):>16}" for v in verdicts))
    print(f"\nmisses ({len(s['misses'])}):")
    for m in s["misses"]:
        print(
            f"- {m['id']} [{m['kind']}] expected {m['expected']} ({m['expected_oem'] or '-'}) "
            f"got {m['got']} ({m['got_oem'] or '-'}, conf {m['confidence']})"
        )
        print(f"    input: {m['input']}")
        for e in m["evidence"] or ["(no evidence)"]:
            print(f"    ev: {e}")
        print(f"    source: {m['source']}")


def main() -> int:
    cat_rows, cat_got = run_catalog()
    rec_rows, rec_got = run_records()
    sc, sr = score(cat_rows, cat_got), score(rec_rows, rec_got)
    allr = score(cat_rows + rec_rows, {**cat_got, **rec_got})
    if "--json" in sys.argv:
        out = {
            k: {kk: vv for kk, vv in v.items() if kk != "confusion"}
            for k, v in (("catalog", sc), ("records", sr), ("all", allr))
        }
        print(json.dumps(out, indent=2, default=str))
        return 0
    _print("catalog (trueoem check)", sc)
    _print("records (trueoem attribute)", sr)
    print(
        f"\n=== overall: precision {allr['precision']:.4f} recall {allr['recall']:.4f} "
        f"false flags {allr['fp']} non-covered called covered {len(allr['hard_false_covered'])} ==="
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
