"""Imported hosts go into the store like scanned ones: one asset per host, observations kept, re-scorable."""

from __future__ import annotations

from pathlib import Path

from tests.imports.conftest import FIXTURES

from trueoem.jobs import host_attribution
from trueoem.sources.imports import read_import
from trueoem.store import AssetRecord, Store


def test_import_into_store(tmp_path: Path, ckb) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(f"sqlite:///{tmp_path / 'db.sqlite'}")
    try:
        scan_id = store.begin_scan("import", {"format": "masscan", "files": ["masscan.txt"]}, ckb.kb.version)
        warn: list[str] = []
        records = []
        for r in read_import("masscan", FIXTURES / "masscan.txt", warn):
            a = host_attribution(r.ip, r.mac, list(r.ports), list(r.observations), ckb)
            assert dict(a.extra)["ip"] == r.ip and dict(a.extra)["ports"] == list(r.ports)
            records.append(AssetRecord(r.observations, ip=r.ip, mac=r.mac, attribution=a))
        ids = store.record_many(scan_id, records)
        store.finish_scan(scan_id)
        assert len(set(ids)) == 4
        assets = list(store.iter_assets(scan_id=scan_id))
        assert {x.last_ip for x in assets} == {"192.0.2.10", "198.51.100.20", "203.0.113.30", "203.0.113.31"}
        hik = next(x for x in assets if x.last_ip == "192.0.2.10")
        kinds = {o.kind for o in store.observations_of(hik.id)}
        assert {"http", "tls_cert", "open_port"} <= kinds
        stored = store.latest_attribution(hik.id)
        assert stored is not None and stored.oem == "hikvision"
    finally:
        store.close()
