"""The store's contract, run against SQLite and PostgreSQL alike (see conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import inspect, text

from trueoem.attribute import attribute
from trueoem.kb.compiled import load_compiled
from trueoem.match.engine import CompiledKB
from trueoem.model import Observation, Verdict
from trueoem.store import AssetRecord, MigrationError, Store, StoreError
from trueoem.store.codec import MARK, decode_text, encode_text
from trueoem.store.migrate import current, head
from trueoem.store.tables import Base

MAC = "3C:EF:8C:12:34:56"


def obs(kind: str, value: str, source: str = "test") -> Observation:
    return Observation(kind, value, source)


def test_migrations_apply_from_empty_and_match_the_models(db_url: str) -> None:
    s = Store.open(db_url)
    try:
        assert current(s.engine) == head()
        names = set(inspect(s.engine).get_table_names())
        assert {
            "scans",
            "scan_targets",
            "assets",
            "asset_keys",
            "asset_addresses",
            "sightings",
            "observations",
            "attributions",
            "alembic_version",
        } <= names
        with s.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
        assert diff == []
    finally:
        s.close()
    Store.open(db_url).close()  # a second open is a no-op


def test_a_newer_database_is_refused(store: Store, db_url: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    with pytest.raises(MigrationError, match="newer trueoem"):
        Store.open(db_url)


def test_sqlite_pragmas(tmp_path: Path) -> None:
    s = Store.open(f"sqlite:///{tmp_path / 'a' / 'b.db'}")
    with s.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    s.close()


def test_default_url_is_in_the_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUEOEM_HOME", str(tmp_path / "home"))
    Store.open(None).close()
    assert (tmp_path / "home" / "trueoem.db").is_file()


def test_one_asset_across_scans_and_addresses_by_mac(store: Store) -> None:
    s1 = store.begin_scan("scan", {"targets": ["10.0.0.0/24"]}, "kb1")
    a = store.record_asset(s1, ip="10.0.0.10", observations=[obs("mac", MAC), obs("banner", "Server: App-webs/")])
    s2 = store.begin_scan("scan", {"targets": ["10.0.0.0/24"]}, "kb1")
    b = store.record_asset(
        s2,
        ip="10.0.0.20",
        mac="3c-ef-8c-12-34-56",
        observations=[obs("banner", "Server: App-webs/"), obs("http", "HTTP/1.1 200 OK")],
    )
    assert a == b
    hist = store.asset_history(a)
    assert hist.asset.mac == "3c:ef:8c:12:34:56" and hist.asset.last_ip == "10.0.0.20"
    assert [x.ip for x in hist.addresses] == ["10.0.0.10", "10.0.0.20"]
    assert [g.scan_id for g in hist.sightings] == [s1, s2]
    assert hist.asset.first_seen < hist.asset.last_seen
    # the banner reported by both scans is one stored fact
    assert sorted(o.kind for o in store.observations_of(a)) == ["banner", "http", "mac"]
    assert len(list(store.iter_assets())) == 1
    assert [x.id for x in store.iter_assets(scan_id=s2)] == [a]


def test_ip_joins_within_one_scan_only(store: Store) -> None:
    s1 = store.begin_scan("scan")
    a = store.record_asset(s1, ip="10.0.0.5", observations=[obs("banner", "SSH-2.0-dropbear")])
    assert store.record_asset(s1, ip="10.0.0.5", observations=[obs("open_port", "22")]) == a
    s2 = store.begin_scan("scan")
    assert store.record_asset(s2, ip="10.0.0.5", observations=[obs("banner", "SSH-2.0-dropbear")]) != a
    with pytest.raises(StoreError, match="not an IP"):
        store.record_asset(s2, ip="10.0.0.999")


def test_keys_that_name_two_assets_merge_them(store: Store) -> None:
    s1 = store.begin_scan("scan")
    a = store.record_asset(s1, ip="10.0.0.1", mac=MAC, observations=[obs("banner", "one")])
    s2 = store.begin_scan("import")
    b = store.record_asset(
        s2,
        serial="DS-2CD2143G0-I20200101AACH123456789",
        observations=[obs("banner", "two"), obs("model", "DS-2CD2143G0-I")],
    )
    assert a != b
    s3 = store.begin_scan("scan")
    c = store.record_asset(
        s3, ip="10.0.0.9", mac=MAC, serial=" ds-2cd2143g0-i20200101aach123456789 ", observations=[obs("banner", "two")]
    )
    assert c == a and store.asset(b) is None
    assert sorted(o.value for o in store.observations_of(a)) == ["DS-2CD2143G0-I", "one", "two"]
    assert {g.scan_id for g in store.asset_history(a).sightings} == {s1, s2, s3}
    found = store.find_asset(serial="DS-2CD2143G0-I20200101AACH123456789")
    assert found is not None and found.id == a


def test_external_ids_join_and_placeholder_serials_do_not(store: Store) -> None:
    s1 = store.begin_scan("check", {"files": ["cat.csv"]})
    a = store.record_asset(s1, external_id="cat.csv:row 2", serial="N/A", observations=[obs("brand", "Lorex")])
    b = store.record_asset(s1, external_id="cat.csv:row 3", serial="n/a", observations=[obs("brand", "Lorex")])
    s2 = store.begin_scan("check", {"files": ["cat.csv"]})
    assert store.record_asset(s2, external_id="cat.csv:row 2", observations=[obs("brand", "Lorex")]) == a
    assert a != b
    assert store.record_asset(s2, mac="00:00:00:00:00:00") != store.record_asset(s2, mac="00-00-00-00-00-00")


def test_resume_bookkeeping(store: Store) -> None:
    targets = ["10.0.0.1", "10.0.0.2", "10.0.1.0/30", "cam.example"]
    sid = store.begin_scan("scan", {"targets": targets, "ports": [80, 554]}, "kb1", targets=targets)
    assert store.add_targets(sid, ["10.0.0.1", "10.0.0.3"]) == 1
    store.mark_target(sid, "10.0.0.1")
    store.mark_target(sid, "10.0.1.0/30", "failed")
    with pytest.raises(StoreError):
        store.mark_target(sid, "nope")
    assert store.last_interrupted_scan() is not None  # still "running": killed scans look like this
    store.finish_scan(sid, "interrupted")
    other = store.begin_scan("check")
    store.finish_scan(other)
    left = store.last_interrupted_scan("scan")
    assert left is not None and left.id == sid and left.params["ports"] == [80, 554]
    assert store.last_interrupted_scan("check") is None
    assert store.pending_targets(sid) == ["10.0.0.2", "cam.example", "10.0.0.3"]
    assert store.resume_scan(sid).status == "running"
    for t in store.pending_targets(sid):
        store.mark_target(sid, t)
    done = store.finish_scan(sid)
    assert done.status == "done" and done.finished_at is not None and done.counts["assets"] == 0
    assert store.last_interrupted_scan() is None
    with pytest.raises(StoreError):
        store.begin_scan("nonsense")


CHILD = textwrap.dedent(
    """
    import sys
    from trueoem.model import Observation
    from trueoem.store import Store
    store = Store.open(sys.argv[1])
    scan_id = int(sys.argv[2])
    for t in store.pending_targets(scan_id):
        n = int(t.rsplit(".", 1)[1])
        store.record_asset(scan_id, ip=t, mac=f"00:11:22:00:00:{n:02x}",
                           observations=[Observation("banner", f"host {n} " + "x" * 2000, t + ":80")])
        store.mark_target(scan_id, t)
        print(t, flush=True)
    """
)


def test_kill_9_then_resume_loses_no_reported_observation(db_url: str) -> None:
    store = Store.open(db_url)
    targets = [f"10.9.0.{i}" for i in range(1, 201)]
    sid = store.begin_scan("scan", {"targets": targets}, "kb1", targets=targets)
    store.close()
    child = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(sid)], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    reported = [child.stdout.readline().strip() for _ in range(40)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL

    store = Store.open(db_url)
    try:
        left = store.last_interrupted_scan()
        assert left is not None and left.id == sid
        pending = store.pending_targets(sid)
        assert not set(reported) & set(pending) and len(pending) < 200 - 39
        for t in reported:
            n = int(t.rsplit(".", 1)[1])
            a = store.find_asset(mac=f"00:11:22:00:00:{n:02x}")
            assert a is not None and a.last_ip == t
            assert [o.source for o in store.observations_of(a.id)] == [t + ":80"]
        store.resume_scan(sid)
        for t in pending:
            n = int(t.rsplit(".", 1)[1])
            store.record_asset(
                sid,
                ip=t,
                mac=f"00:11:22:00:00:{n:02x}",
                observations=[Observation("banner", f"host {n} " + "x" * 2000, t + ":80")],
            )
            store.mark_target(sid, t)
        info = store.finish_scan(sid)
        assert info.counts["assets"] == 200 and info.counts["observations"] == 200
    finally:
        store.close()


OVERLAY = (
    "schema_version: 1\nbrands:\n  - {id: acme, name: AcmeCam, type: reseller, source: 'site audit 2026-11', "
    "confidence: medium}\nrelations:\n  - {brand: acme, oem: hikvision, strength: conclusive, "
    "source: 'site teardown report 2026-11', confidence: high}\n"
)


def test_rescore_after_a_kb_change(store: Store, ckb: CompiledKB, tmp_path: Path) -> None:
    sid = store.begin_scan("check", {"files": ["c.csv"]}, ckb.kb.version)
    o = [obs("brand", "AcmeCam", "c.csv:2"), obs("model", "AC-1", "c.csv:2")]
    before = attribute("c.csv:2", o, ckb)
    assert before.verdict is Verdict.UNKNOWN
    a = store.record_asset(sid, external_id="c.csv:2", observations=o, attribution=before)
    other = store.record_asset(sid, external_id="c.csv:3", observations=[obs("brand", "Axis")])
    store.finish_scan(sid)
    assert store.rescore(ckb) == 1  # only the asset without an attribution of this KB version

    ov = tmp_path / "site.yaml"
    ov.write_text(OVERLAY)
    new = load_compiled([ov])
    assert new.kb.version != ckb.kb.version
    assert store.rescore(new, batch=1) == 2
    latest = store.latest_attribution(a)
    assert latest is not None
    assert latest.verdict is Verdict.COVERED and latest.oem == "hikvision"
    assert latest.kb_version == new.kb.version == latest.record["kb_version"]
    assert latest.record["id"] == "c.csv:2"
    rescan = store.scans("rescore")[0]
    assert rescan.kb_version == new.kb.version and rescan.counts["rescored"] == 2
    assert store.rescore(new) == 0  # idempotent: nothing left with an older KB version
    covered = list(store.latest_attributions(verdicts=[Verdict.COVERED]))
    assert [x.asset_id for x in covered] == [a]
    assert {x.asset_id for x in store.latest_attributions(batch=1)} == {a, other}
    assert [x.verdict for x in store.asset_history(a).attributions] == [Verdict.UNKNOWN, Verdict.COVERED]


HOSTILE = [
    "nul\x00inside\x00",
    "\x00",
    "lone \udcff\udc80 surrogates",
    "\ud800",
    "\ufdd0looks like the marker",
    "back\\slash \\0 \\u0000 \\\\",
    "emoji \U0001f4f7 and ünïcödé",
    "",
    "x" * 1_000_000 + "\x00end",
]


def test_hostile_strings_round_trip(store: Store, ckb: CompiledKB) -> None:
    sid = store.begin_scan("attribute", {"files": ["evil\x00.jsonl"], "note": "\udc80"}, "kb\x00")
    observations = [Observation("banner", v, f"src{i}\x00\udc80", seen_at=v[:20]) for i, v in enumerate(HOSTILE)]
    serial = "SN\x00\udc80-1234"
    attr = attribute("rec\x00\udc80", [Observation("brand", "Hik\x00vision\udc80")], ckb)
    a = store.record_asset(sid, serial=serial, external_id="id\x00\udc80", observations=observations, attribution=attr)
    assert store.observations_of(a) == observations
    found = store.find_asset(serial=serial)
    assert found is not None and found.id == a and found.external_id == "id\x00\udc80"
    assert store.record_asset(sid, external_id="id\x00\udc80") == a
    latest = store.latest_attribution(a)
    assert latest is not None and latest.record["id"] == "rec\x00\udc80"
    scan = store.scan(sid)
    assert scan is not None and scan.params["files"] == ["evil\x00.jsonl"] and scan.kb_version == "kb\x00"
    # ordinary text is stored verbatim, readable by SQL
    with store.engine.connect() as conn:
        stored = set(conn.execute(text("SELECT value FROM observations")).scalars())
    assert "emoji \U0001f4f7 and ünïcödé" in stored and "" in stored


def test_record_many_commits_in_batches(store: Store) -> None:
    sid = store.begin_scan("check", {"files": ["inv.csv"]})
    recs = [
        AssetRecord(
            (obs("brand", "Hikvision", f"inv.csv:{i}"), obs("serial", f"SN-{i % 7:04d}")), external_id=f"inv.csv:{i}"
        )
        for i in range(20)
    ]
    ids = store.record_many(sid, recs, batch=6)
    assert len(ids) == 20 and len(set(ids)) == 7  # rows with one serial are one device
    assert store.finish_scan(sid).counts["assets"] == 7


WRITER = textwrap.dedent(
    """
    import sys
    from trueoem.model import Observation
    from trueoem.store import Store
    store = Store.open(sys.argv[1])
    scan_id = store.begin_scan("scan")
    for n in range(40):
        store.record_asset(scan_id, ip=f"10.7.0.{n}", mac=f"00:11:22:00:07:{n:02x}",
                           observations=[Observation("banner", f"writer {sys.argv[2]}", "x")])
    """
)


def test_concurrent_writers_agree_on_identity(db_url: str) -> None:
    Store.open(db_url).close()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, db_url, str(i)]) for i in range(2)]
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    with Store.open(db_url) as store:
        assets = list(store.iter_assets())
        assert len(assets) == 40
        assert all(len(store.observations_of(a.id)) == 2 for a in assets)


@given(st.lists(st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "\\", MARK, "0", "u"]))))
def test_codec_round_trips(chars: list[str]) -> None:
    s = "".join(chars)
    enc = encode_text(s)
    assert decode_text(enc) == s
    assert "\x00" not in enc
    enc.encode("utf-8")  # storable: no lone surrogates
    if "\x00" not in s and not any("\ud800" <= c <= "\udfff" for c in s) and not s.startswith(MARK):
        assert enc == s


def test_bad_urls_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a database URL"):
        Store.open("nonsense")
    with pytest.raises(StoreError, match="cannot open the store at postgresql"):
        Store.open("postgresql://nobody:secret@/nodb?host=/nonexistent")
    with pytest.raises(StoreError) as e:
        Store.open("postgresql://nobody:secret@/nodb?host=/nonexistent")
    assert "secret" not in str(e.value)
