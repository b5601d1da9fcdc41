"""Independent held-out sets (tests/heldout2/ to heldout14/): precision/recall floors, no false `covered`.

Each set was written from public material by a tester who did not read the KB, the other sets or
examples/ (see their README.md). The CLI runs in-process through typer's CliRunner; the scoring
lives in bench/eval_heldout2.py (``--set heldout3`` for the third), which also prints every miss
with its evidence. Each set's README says which of its items have been used to fix the engine.

Floors are the figures measured when the set was written, minus a small margin, so a regression
fails. Raise them when the engine improves; never lower them to make a change pass without saying
why in the commit.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARGIN = 0.02

MEASURED = {
    # measured on KB 2026.11.28+81c099a25d17 (see tests/heldout2/README.md); raised in session 3 to
    # what the grown KB gives (catalog 1.000/1.000, records 1.000/0.952); records 0.968 in session 5, 0.984 in session 6
    "heldout2": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 0.984},
    },
    # untuned when the set arrived (session 2): catalog 1.000/0.965, records 1.000/0.857; records then
    # 0.914 after the generic fix for dicts pasted from logs, 0.943 after session 3's KB work (two
    # items of it steered by this set's misses: tests/heldout3/README.md says which); catalog 0.977
    # after session 4's model-grammar sweep (not steered by this set); records 1.000 after session 5
    "heldout3": {
        "catalog": {"precision": 1.000, "recall": 0.977},
        "records": {"precision": 1.000, "recall": 1.000},
    },
    # written blind in session 3 and measured untuned: catalog 1.000/0.918, records 1.000/0.733;
    # catalog 0.934 after the generic fix for unlabelled FCC IDs in model columns (its README says which item);
    # catalog 0.951, records 0.800 after session 4's KB sweep, which was steered by its misses (README);
    # catalog 0.967 after the HYT alias (one of its listed misses); records 0.867 after session 5;
    # catalog 0.984, records 0.900 after session 7 (not steered by it)
    "heldout4": {
        "catalog": {"precision": 1.000, "recall": 0.984},
        "records": {"precision": 1.000, "recall": 0.900},
    },
    # written blind in session 4; untuned on the KB before that session's sweep: catalog 1.000/0.939,
    # records 1.000/0.827; after the sweep (which never saw it) catalog 0.923, records 0.865, then 0.885
    # after the second web-fingerprint sweep (which never saw it either) (README); records 0.923 after
    # session 5's generic facet changes and KB work, neither steered by this set (README); catalog 0.939,
    # records 0.942 after session 6's (not steered by it either); catalog 0.954 after session 7's (nor by it)
    "heldout5": {
        "catalog": {"precision": 1.000, "recall": 0.954},
        "records": {"precision": 1.000, "recall": 0.942},
    },
    # written blind in session 5, untuned: catalog 1.000/0.985, records 1.000/0.688; then a development
    # set (its misses steered that session's facet changes, README): records 0.875; catalog 1.000,
    # records 0.979 after session 6, 1.000 after session 7
    "heldout6": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 1.000},
    },
    # written blind in session 5; untuned on arrival: catalog 1.000/0.980, records 1.000/0.771; at the
    # end of that session (no miss of it read): records 0.833; a development set from session 6 (its
    # misses read, README): records 0.917; catalog 1.000 in session 8 (a year in brackets dates an item)
    "heldout7": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 0.917},
    },
    # written blind in session 6; untuned on arrival: catalog 1.000/0.957, records 1.000/0.792; at the end
    # of that session (no miss of it read, summary lines only): catalog 0.978, records 0.917; records 0.958
    # after session 7 (not steered by it; summary lines printed after each merge)
    "heldout8": {
        "catalog": {"precision": 1.000, "recall": 0.978},
        "records": {"precision": 1.000, "recall": 0.958},
    },
    # written blind in session 7; untuned on arrival: catalog 1.000/0.978, records 1.000/0.833; then a
    # development set (its misses read and used for generic parser changes, README): records 0.979
    "heldout9": {
        "catalog": {"precision": 1.000, "recall": 0.978},
        "records": {"precision": 1.000, "recall": 0.979},
    },
    # written blind in session 7; untuned on arrival: catalog 1.000/0.977, records 1.000/0.854; then a
    # development set (its misses read, README): records 1.000 at the end of the session
    "heldout10": {
        "catalog": {"precision": 1.000, "recall": 0.977},
        "records": {"precision": 1.000, "recall": 1.000},
    },
    # written blind in session 7; untuned on arrival (after that session's sweeps and audits): catalog
    # 1.000/1.000, records 1.000/0.896; then a development set (its 5 misses read, README): records 0.938;
    # 0.958 in session 8
    "heldout11": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 0.958},
    },
    # written blind in session 7; untuned on arrival: catalog 0.960/1.000 (one false positive), records
    # 1.000/0.750; then a development set (its misses read, README): catalog 1.000/1.000, records 0.875;
    # records 0.925 in session 8
    "heldout12": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 0.925},
    },
    # written blind in session 8; untuned on arrival: catalog 0.962/0.893 and records 0.972/0.946 (two false
    # positives, both a stream path alone); then a development set (its misses read, README)
    "heldout13": {
        "catalog": {"precision": 1.000, "recall": 0.929},
        "records": {"precision": 1.000, "recall": 0.973},
    },
    # written blind in session 8; untuned on arrival (after that session's audits): catalog 1.000/1.000,
    # records 1.000/0.868; then a development set (its misses read, README): records 0.921
    "heldout14": {
        "catalog": {"precision": 1.000, "recall": 1.000},
        "records": {"precision": 1.000, "recall": 0.921},
    },
}
SETS = sorted(MEASURED)


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("eval_heldout2", ROOT / "bench" / "eval_heldout2.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["eval_heldout2"] = mod
    spec.loader.exec_module(mod)
    return mod


_SCORES: dict[str, dict[str, dict[str, Any]]] = {}


def _scores(heldout: str) -> dict[str, dict[str, Any]]:
    if heldout in _SCORES:
        return _SCORES[heldout]
    b = _bench()
    here = ROOT / "tests" / heldout
    cat = b.score(*b.run_catalog(here))
    rec = b.score(*b.run_records(here))
    for name, s in (("catalog", cat), ("records", rec)):
        print(f"\n{name}: precision={s['precision']} recall={s['recall']} tp={s['tp']} fp={s['fp']} fn={s['fn']}")
        for m in s["misses"]:
            got = f"{m['got']} ({m['oem'] or '-'})"
            print(f"  MISS {m['id']}: expected {m['expected']} got {got} <- {m['input'][:120]}")
    _SCORES[heldout] = {"catalog": cat, "records": rec}
    return _SCORES[heldout]


@pytest.mark.slow
@pytest.mark.parametrize("heldout", SETS)
@pytest.mark.parametrize("name", ["catalog", "records"])
def test_heldout_precision_floor(heldout: str, name: str) -> None:
    s = _scores(heldout)[name]
    floor = MEASURED[heldout][name]["precision"] - MARGIN
    assert s["precision"] >= floor, f"{name} precision {s['precision']} < floor {floor:.3f}; false flags: " + ", ".join(
        f"{m['id']}={m['got']}" for m in s["misses"] if m["got"] in ("covered", "likely_covered")
    )


@pytest.mark.slow
@pytest.mark.parametrize("heldout", SETS)
@pytest.mark.parametrize("name", ["catalog", "records"])
def test_heldout_recall_floor(heldout: str, name: str) -> None:
    s = _scores(heldout)[name]
    floor = MEASURED[heldout][name]["recall"] - MARGIN
    assert s["recall"] >= floor, f"{name} recall {s['recall']} < floor {floor:.3f}; missed: " + ", ".join(
        f"{m['id']}={m['got']}" for m in s["misses"] if m["got"] not in ("covered", "likely_covered")
    )


@pytest.mark.slow
@pytest.mark.parametrize("heldout", SETS)
@pytest.mark.parametrize("name", ["catalog", "records"])
def test_heldout_no_non_covered_item_called_covered(heldout: str, name: str) -> None:
    hard = _scores(heldout)[name]["hard"]
    assert not hard, "non-covered items called covered: " + "; ".join(
        f"{m['id']} ({m['input'][:100]}) -> {m['oem']}" for m in hard
    )


@pytest.mark.slow
@pytest.mark.parametrize("heldout", SETS)
def test_heldout_every_row_answered(heldout: str) -> None:
    for name, s in _scores(heldout).items():
        assert s["confusion"], name
        assert not any(k.endswith("->MISSING") for k in s["confusion"]), f"{name}: rows without a result"
