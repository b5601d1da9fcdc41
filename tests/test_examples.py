"""The example files run end to end through the real CLI and agree with their answer keys.

``examples/*.expected.csv`` / ``examples/expected.csv`` hold what a careful analyst concludes from
the facts (docs: FACTS.md sections 4-8), not what the engine happens to print. Each key row gives
the allowed verdicts (``covered|likely_covered`` where either is honest) and the allowed OEM
entity ids (empty: none asserted). A row whose verdict is ``unknown`` must name no OEM.
"""

from __future__ import annotations

import csv
import functools
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from trueoem.cli import app

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
runner = CliRunner()

# (what is run, answer key, key column)
CASES = {
    "catalog": (("check", EXAMPLES / "catalog.csv"), EXAMPLES / "expected.csv", "Line"),
    "inventory": (("check", EXAMPLES / "inventory.xlsx"), EXAMPLES / "inventory.expected.csv", "Asset Tag"),
    "records": (("attribute", EXAMPLES / "records.jsonl"), EXAMPLES / "records.expected.csv", "id"),
}


def _key(name: str) -> dict[str, dict[str, str]]:
    _cmd, path, col = CASES[name]
    with path.open(newline="", encoding="utf-8") as fh:
        return {row[col]: row for row in csv.DictReader(fh)}


def _invoke(*args: str) -> Any:
    r = runner.invoke(app, list(args))
    assert r.exit_code == 0, r.output
    return r


@functools.cache
def _results(name: str) -> dict[str, dict[str, Any]]:
    cmd, path = CASES[name][0]
    r = _invoke(cmd, str(path), "--format", "jsonl")
    out: dict[str, dict[str, Any]] = {}
    for line in r.stdout.splitlines():
        if line.strip():
            rec = json.loads(line)
            out[str(rec["id"])] = rec
    return out


def _params() -> list[pytest.ParameterSet]:
    ps = []
    for name in CASES:
        for rid, row in _key(name).items():
            ps.append(pytest.param(name, rid, row, id=f"{name}:{rid}"))
    return ps


def test_answer_keys_cover_every_input() -> None:
    for name in CASES:
        assert set(_results(name)) == set(_key(name)), name


def test_catalog_is_big_enough() -> None:
    assert len(_key("catalog")) >= 70
    assert 10 <= len(_key("inventory")) <= 20
    assert 10 <= len(_key("records")) <= 15


@pytest.mark.parametrize(("name", "rid", "row"), _params())
def test_example_line(name: str, rid: str, row: dict[str, str]) -> None:
    got = _results(name).get(rid)
    assert got is not None, f"{name}: no result for {rid}"
    verdicts = row["expected_verdict"].split("|")
    oems = [o for o in row["expected_oem"].split("|") if o]
    evidence = [(e["rule"], e["matched"], e["weight"]) for e in got["evidence"]][:6]
    why = (
        f"{name} {rid}: expected {row['expected_verdict']} / {row['expected_oem'] or '-'} ({row['note']}); "
        f"got {got['verdict']} / {got['oem']} conf={got['confidence']} evidence={evidence}"
    )
    assert got["verdict"] in verdicts, why
    if got["verdict"] == "unknown":
        assert got["oem"] is None, why
    elif oems:
        assert got["oem"] in oems, why


def test_catalog_csv_output_parses() -> None:
    r = _invoke("check", str(EXAMPLES / "catalog.csv"), "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert [x["id"] for x in rows] == list(_key("catalog"))
    assert {"id", "verdict", "oem", "confidence"} <= set(rows[0])
    jl = _results("catalog")
    for x in rows:
        assert x["verdict"] == jl[x["id"]]["verdict"]
        assert (x["oem"] or None) == jl[x["id"]]["oem"]


def test_catalog_json_output_parses() -> None:
    r = _invoke("check", str(EXAMPLES / "catalog.csv"), "--format", "json")
    doc = json.loads(r.stdout)
    results = doc["results"] if isinstance(doc, dict) else doc
    assert [str(x["id"]) for x in results] == list(_key("catalog"))
    jl = _results("catalog")
    for x in results:
        assert x["verdict"] == jl[str(x["id"])]["verdict"]
