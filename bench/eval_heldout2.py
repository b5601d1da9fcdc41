"""Second held-out evaluation: run the real CLI on tests/heldout2/ and print confusion tables and every miss.

    python bench/eval_heldout2.py            # both sets, human-readable
    python bench/eval_heldout2.py --json     # machine-readable summary
    python bench/eval_heldout2.py --set heldout3   # another set of the same format (tests/heldout3/)

tests/heldout2/ was written from public material (issue threads, public code, recog fingerprint
files, datasheet-style model lists) by a tester who did not read the KB, tests/heldout/ or
examples/; see tests/heldout2/README.md. The misses are for diagnosing the engine. Do not copy
these strings into KB rule examples: that would turn this set into a training set too.

Scoring: an item is *positive* when its expected verdicts are all in {covered, likely_covered};
it is *flagged* when trueoem says covered or likely_covered. Precision and recall are over
flagged/positive. A *hard error* is a non-positive item that trueoem calls `covered`. A *soft
miss* is a verdict outside the expected set that does not change flagged/not-flagged (e.g.
covered expected, likely_covered given; unknown expected, not_covered given). A flagged positive
whose OEM differs from expected_oem is listed as *wrong OEM*.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from trueoem.cli import app

HERE = Path(__file__).resolve().parent.parent / "tests" / "heldout2"
FLAGGED = {"covered", "likely_covered"}
VERDICTS = ["covered", "likely_covered", "not_covered", "unknown"]

Row = dict[str, Any]


def _jsonl(text: str) -> dict[str, Row]:
    out: dict[str, Row] = {}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            rec = json.loads(line)
            out[str(rec["id"])] = rec
    return out


def run_catalog(here: Path = HERE) -> tuple[list[Row], dict[str, Row]]:
    rows = list(csv.DictReader((here / "catalog.csv").open(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as td:
        p = Path(td) / "catalog_input.csv"
        with p.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["id", "brand", "model", "description"])  # ground truth never reaches the tool
            for r in rows:
                w.writerow([r["id"], r["brand"], r["model"], r["description"]])
        res = CliRunner().invoke(app, ["check", str(p), "--format", "jsonl"])
    if res.exit_code not in (0, 1):
        raise RuntimeError(f"trueoem check failed ({res.exit_code}): {res.output[-2000:]}")
    for r in rows:
        r["input"] = " | ".join(x for x in (r["brand"], r["model"], r["description"]) if x)
    return rows, _jsonl(res.stdout)


def run_records(here: Path = HERE) -> tuple[list[Row], dict[str, Row]]:
    exp = list(csv.DictReader((here / "records.expected.csv").open(encoding="utf-8")))
    raw: dict[str, Row] = {}
    for line in (here / "records.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            raw[str(d["id"])] = d
    res = CliRunner().invoke(app, ["attribute", str(here / "records.jsonl"), "--format", "jsonl"])
    if res.exit_code not in (0, 1):
        raise RuntimeError(f"trueoem attribute failed ({res.exit_code}): {res.output[-2000:]}")
    for r in exp:
        d = raw[r["id"]]
        if "observations" in d:
            parts = [f"{o['protocol']}: {str(o['raw'])[:90]!r}" for o in d["observations"]]
            parts += [f"{k}={d[k]}" for k in ("brand", "model", "mac") if d.get(k)]
            r["input"] = "; ".join(parts)
        else:
            r["input"] = f"{d['protocol']}: {str(d['raw'])[:160]!r}"
    return exp, _jsonl(res.stdout)


def _positive(expected: str) -> bool:
    return set(expected.split("|")) <= FLAGGED


def score(rows: list[Row], got: dict[str, Row]) -> dict[str, Any]:
    tp = fp = fn = tn = 0
    confusion: Counter[tuple[str, str]] = Counter()
    misses: list[Row] = []
    soft: list[Row] = []
    hard: list[Row] = []
    wrong_oem: list[Row] = []
    for r in rows:
        g = got.get(r["id"])
        verdict = g["verdict"] if g else "MISSING"
        oem = (g or {}).get("oem") or ""
        exp = r["expected"]
        pos = _positive(exp)
        flagged = verdict in FLAGGED
        confusion[("positive" if pos else ("unknown" if exp == "unknown" else "negative"), verdict)] += 1
        entry = {
            "id": r["id"],
            "input": r.get("input", ""),
            "expected": exp,
            "expected_oem": r.get("expected_oem", ""),
            "got": verdict,
            "oem": oem,
            "confidence": (g or {}).get("confidence"),
            "evidence": [
                f"{e.get('weight'):+} {e.get('rule')} [{e.get('kind')}] "
                f"{str(e.get('matched'))[:60]!r} -> {e.get('claim')}"
                for e in (g or {}).get("evidence", [])[:4]
            ],
            "source": r.get("source", ""),
        }
        if pos and flagged:
            tp += 1
            if r.get("expected_oem") and oem != r["expected_oem"]:
                wrong_oem.append(entry)
        elif pos:
            fn += 1
            misses.append(entry)
        elif flagged:
            fp += 1
            misses.append(entry)
            if verdict == "covered":
                hard.append(entry)
        else:
            tn += 1
        if verdict not in exp.split("|") and entry not in misses:
            soft.append(entry)
    prec = tp / (tp + fp) if tp + fp else 1.0
    rec = tp / (tp + fn) if tp + fn else 1.0
    return {
        "n": len(rows),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": round(prec, 4),
        "recall": round(rec, 4),
        "confusion": {f"{a}->{b}": c for (a, b), c in sorted(confusion.items())},
        "misses": misses,
        "soft": soft,
        "hard": hard,
        "wrong_oem": wrong_oem,
    }


def _print(name: str, s: dict[str, Any]) -> None:
    print(
        f"== {name}: n={s['n']} precision={s['precision']:.3f} recall={s['recall']:.3f} "
        f"(tp={s['tp']} fp={s['fp']} fn={s['fn']} tn={s['tn']}) hard errors={len(s['hard'])}"
    )
    print(f"   {'expected':10} " + " ".join(f"{v:>15}" for v in VERDICTS))
    for cls in ("positive", "negative", "unknown"):
        cells = [s["confusion"].get(f"{cls}->{v}", 0) for v in VERDICTS]
        print(f"   {cls:10} " + " ".join(f"{c:>15}" for c in cells))
    for title, key in (
        ("MISSES (flagging wrong)", "misses"),
        ("WRONG OEM", "wrong_oem"),
        ("SOFT MISSES (verdict outside expected set, flagging right)", "soft"),
    ):
        if not s[key]:
            continue
        print(f"-- {title}: {len(s[key])}")
        for m in s[key]:
            print(
                f"  {m['id']}: expected {m['expected']} ({m['expected_oem'] or '-'}) got {m['got']} "
                f"({m['oem'] or '-'}, conf={m['confidence']})"
            )
            print(f"      input: {m['input'][:300]}")
            for e in m["evidence"] or ["(no evidence)"]:
                print(f"      ev: {e}")
            print(f"      source: {m['source'][:160]}")


def main() -> int:
    here = HERE
    if "--set" in sys.argv:  # another set in the same format: --set heldout3
        here = HERE.parent / sys.argv[sys.argv.index("--set") + 1]
    cat_rows, cat_got = run_catalog(here)
    rec_rows, rec_got = run_records(here)
    cat = score(cat_rows, cat_got)
    rec = score(rec_rows, rec_got)
    allrows = [*cat_rows, *rec_rows]
    both = score(allrows, {**cat_got, **rec_got})
    if "--json" in sys.argv:
        print(json.dumps({"catalog": cat, "records": rec, "combined": both}, indent=1, default=str))
        return 0
    _print("catalog", cat)
    print()
    _print("records", rec)
    print()
    print(
        f"== combined: precision={both['precision']:.3f} recall={both['recall']:.3f} "
        f"(tp={both['tp']} fp={both['fp']} fn={both['fn']}) hard errors={len(both['hard'])}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
