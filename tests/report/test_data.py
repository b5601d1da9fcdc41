"""The report model: ordering, chart series, and building it from the store."""

from __future__ import annotations

from pathlib import Path

from trueoem.model import Attribution, Evidence, Observation, Verdict
from trueoem.report.data import build_model, model_from_store, visible
from trueoem.store import Store

from .conftest import NOW, records


def test_model_orders_and_counts() -> None:
    m = build_model(records(), generated_at=NOW)
    assert [a.verdict for a in m.assets] == sorted(
        (a.verdict for a in m.assets), key=["covered", "likely_covered", "not_covered", "unknown"].index
    )
    assert m.total == 6 and m.count("covered") == 3
    assert ("10.20.30.0/24", 1) in m.by_site and ("catalog.csv", 3) in m.by_site
    scan = next(a for a in m.assets if a.ip)
    assert scan.mac == "e0:50:8b:12:34:56" and scan.ports == ("80", "554", "37777")


def test_visible() -> None:
    assert visible("a\u202eb\u0000c") == "a[U+202E]b[U+0000]c"
    assert visible("x" * 10, limit=4).startswith("xxxx…")


def test_from_store(tmp_path: Path) -> None:
    ev = Evidence("hikvision.model.ipc", "model", "DS-2CD2143G2-I", "oem:hikvision", 6.0, "FACTS.md 8.1")
    a = Attribution(
        "cam-1",
        Verdict.COVERED,
        "hikvision",
        "Hikvision",
        0.99,
        "Hikvision",
        False,
        "s.889",
        (ev,),
        model="DS-2CD2143G2-I",
        category="camera",
        kb_version="t",
    )
    with Store.open(f"sqlite:///{tmp_path / 'r.db'}") as store:
        scan = store.begin_scan("check", kb_version="t")
        store.record_asset(
            scan,
            ip="10.0.0.5",
            external_id="cam-1",
            attribution=a,
            observations=[
                Observation("mac", "44:19:b6:00:00:01", "file:2"),
                Observation("fcc_id", "2ADTD-X", "file:2"),
            ],
        )
        store.finish_scan(scan)
        m = model_from_store(store, generated_at=NOW)
    (asset,) = m.assets
    assert asset.asset_id is not None and asset.ip == "10.0.0.5" and asset.fcc_id == "2ADTD-X"
    assert asset.mac == "44:19:b6:00:00:01" and len(asset.observations) == 2
    assert m.scans and m.scans[0].kind == "check" and m.over_time and m.over_time[0][1] == 1
    assert m.by_site == (("10.0.0.0/24", 1),)
