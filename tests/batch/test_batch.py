"""Batch attribution gives the single-process output, byte for byte, in every mode.

Modes: this process (jobs=1), a local process pool (jobs=2), and a real Dask LocalCluster of two
worker processes; inputs: JSON Lines with bad lines, gzip (whole and truncated), standard input and
Parquet. Warnings carry the same ``file:line`` as the single-process run.
"""

from __future__ import annotations

import gzip
import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from trueoem.batch import attribute_jsonl, attribute_stream
from trueoem.batch.inputs import Task, tasks
from trueoem.report.writers import JsonlWriter

from .conftest import N_RECORDS, reference

Ref = tuple[str, list[str], list[str]]


def run(sources: list[Any], form: str = "lines", **kw: Any) -> Ref:
    """Output text, warnings and failures of one batch run."""
    warn: list[str] = []
    failed: list[str] = []
    buf = io.StringIO()
    if form == "lines":
        for line in attribute_jsonl(sources, warn=warn, on_error=failed.append, **kw):
            buf.write(line.text)
    else:
        w = JsonlWriter(buf)
        for r in attribute_stream(sources, warn=warn, on_error=failed.append, **kw):
            w.write(r)
    return buf.getvalue(), warn, failed


def test_reference_has_everything(messy_ref: Ref) -> None:
    text, warn, failed = messy_ref
    assert text.count("\n") > N_RECORDS // 2 and not failed
    kinds = {w.split(": ", 1)[1].split(" (")[0].split(";")[0] for w in warn}
    assert {"malformed JSON", "not a JSON object"} <= kinds
    assert any("over the" in w for w in warn) and any("unknown protocol" in w for w in warn)


@pytest.mark.parametrize("form", ["lines", "results"])
@pytest.mark.parametrize("chunk", [1, 37, 5000])
def test_in_process_matches(messy: Path, messy_ref: Ref, form: str, chunk: int) -> None:
    assert run([messy], form, jobs=1, chunk=chunk) == messy_ref


@pytest.mark.parametrize("form", ["lines", "results"])
def test_process_pool_matches(messy: Path, messy_ref: Ref, form: str) -> None:
    assert run([messy], form, jobs=2, chunk=53) == messy_ref


@pytest.mark.parametrize("form", ["lines", "results"])
def test_dask_local_cluster_matches(messy: Path, messy_ref: Ref, cluster: str, form: str) -> None:
    assert run([messy], form, dask_address=cluster, chunk=53, chunk_bytes=0) == messy_ref
    assert run([messy], form, dask_address=cluster) == messy_ref  # the default: chunks of >= 1 MiB


def test_cluster_listens_on_loopback_only(cluster: str) -> None:
    psutil = pytest.importorskip("psutil")
    me = psutil.Process()
    addrs = {
        c.laddr.ip
        for p in [me, *me.children(recursive=True)]
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }
    assert cluster.startswith("tcp://127.0.0.1:") and addrs <= {"127.0.0.1"}


def _chunks(p: Path, chunk: int, min_bytes: int) -> list[Task]:
    return [t for t in tasks([p], chunk, min_bytes=min_bytes) if isinstance(t, Task)]


def test_chunks_never_split_an_asset(tmp_path: Path) -> None:
    """A run of one id longer than the chunk, with bad lines inside, stays in one chunk."""
    lines = [json.dumps({"id": "a", "protocol": "model", "raw": "X"})] * 3
    lines += [json.dumps({"id": "b", "protocol": "model", "raw": f"M{i}"}) for i in range(10)]
    lines.insert(8, "{bad")
    lines += ["", json.dumps({"id": "c", "protocol": "model", "raw": "Y"})]
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join(lines) + "\n")
    chunks = _chunks(p, 4, 0)
    assert [(t.start, t.rows) for t in chunks] == [(1, 3), (4, 12), (16, 1)]
    assert run([p], jobs=1, chunk=4) == reference(p)


def test_chunks_reach_a_byte_minimum(messy: Path, tmp_path: Path) -> None:
    """Small chunks are read on until they hold ``min_bytes`` (Dask's scheduler keeps small messages)."""
    plain = _chunks(messy, 20, 0)
    grown = _chunks(messy, 20, 40_000)
    assert len(grown) < len(plain) / 3
    # all but the input's end (where the last complete assets and the open one go out as they are)
    assert all(len(t.data) >= 40_000 for t in grown[:-2]) and all(t.rows <= 20 * 20 + 20 for t in grown)
    assert b"".join(t.data for t in grown) == messy.read_bytes() == b"".join(t.data for t in plain)
    assert [t.start for t in grown] == [1 + sum(t.rows for t in grown[:i]) for i in range(len(grown))]
    # tiny records: the rows cap (20 x chunk) stops a chunk before the bytes are reached
    p = tmp_path / "tiny.jsonl"
    p.write_text("".join(json.dumps({"id": str(i), "protocol": "mac", "raw": "x"}) + "\n" for i in range(1000)))
    rows = [t.rows for t in _chunks(p, 10, 10**9)]
    assert sum(rows) == 1000 and max(rows) <= 200 and len(rows) <= 6, rows


def test_parquet_chunks_reach_a_byte_minimum(parquet_pair: tuple[Path, Path]) -> None:
    _, p = parquet_pair
    plain = _chunks(p, 50, 0)
    grown = _chunks(p, 50, 60_000)
    assert len(grown) < len(plain) and sum(t.rows for t in grown) == sum(t.rows for t in plain)
    assert [t.start for t in grown] == [1 + sum(t.rows for t in grown[:i]) for i in range(len(grown))]


def test_dask_grown_chunks_match(messy: Path, messy_ref: Ref, cluster: str) -> None:
    assert run([messy], dask_address=cluster, chunk=20, chunk_bytes=40_000) == messy_ref


def test_gzip_and_several_files(messy: Path, messy_ref: Ref, tmp_path: Path, cluster: str) -> None:
    gz = tmp_path / "records.jsonl.gz"
    gz.write_bytes(gzip.compress(messy.read_bytes()))
    ref_gz = reference(gz)
    ref_plain = messy_ref
    want = (ref_gz[0] + ref_plain[0], ref_gz[1] + ref_plain[1], [])
    assert run([gz, messy], jobs=2, chunk=101) == want
    assert run([gz, messy], dask_address=cluster, chunk=101, chunk_bytes=0) == want


def test_truncated_gzip_keeps_records_before(messy: Path, tmp_path: Path, cluster: str) -> None:
    data = gzip.compress(messy.read_bytes())
    gz = tmp_path / "cut.jsonl.gz"
    gz.write_bytes(data[: len(data) * 2 // 3])
    want = reference(gz)
    assert want[2] and "unreadable" in want[2][0] and want[0]
    grown = {"chunk_bytes": 100_000}  # chunks read on past 89 lines: the read error comes while growing one
    for kw in (
        {"jobs": 1},
        {"jobs": 1, **grown},
        {"jobs": 2},
        {"dask_address": cluster, "chunk_bytes": 0},
        {"dask_address": cluster},
    ):
        assert run([gz], chunk=89, **kw) == want, kw


def test_missing_file_is_reported_and_the_rest_read(messy: Path, messy_ref: Ref, tmp_path: Path) -> None:
    text, warn, failed = run([tmp_path / "nope.jsonl", messy], jobs=2, chunk=500)
    assert (text, warn) == messy_ref[:2]
    assert failed == [f"{tmp_path / 'nope.jsonl'}: no such file"]
    w: list[str] = []
    list(attribute_jsonl([tmp_path / "nope.jsonl"], warn=w))  # without on_error: a warning
    assert w == [f"{tmp_path / 'nope.jsonl'}: no such file"]


def test_stdin(messy: Path) -> None:
    data = messy.read_bytes()[:400_000]
    want = reference("-", data)
    assert run(["-"], jobs=2, chunk=64, stdin=io.BytesIO(data)) == want


def test_line_summary_fields(messy: Path) -> None:
    for line in attribute_jsonl([messy], warn=[], chunk=300):
        rec = json.loads(line.text)
        assert rec["id"] == line.id and rec["verdict"] == line.verdict.value
        assert line.brief.oem_name == line.oem_name and line.brief.white_label == rec["white_label"]


# --- Parquet ---------------------------------------------------------------------------------------


def _clean_records() -> list[dict[str, Any]]:
    import gen

    recs = [json.loads(x) for x in gen.record_lines(600, seed=3)]
    for i in range(0, 600, 40):  # a few assets over consecutive rows
        recs.insert(i + 1, {"id": recs[i]["id"], "brand": "Dahua"})
    recs.append({"protocol": "model", "raw": "DH-IPC-HFW2431S"})  # no id: the row number
    return recs


def _write_parquet(recs: list[dict[str, Any]], path: Path, row_group: int) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    obs = pa.list_(pa.struct([("protocol", pa.string()), ("raw", pa.string()), ("source", pa.string())]))
    schema = pa.schema(
        [
            ("id", pa.string()),
            ("protocol", pa.string()),
            ("raw", pa.string()),
            ("observations", obs),
            ("mac", pa.string()),
            ("brand", pa.string()),
        ]
    )
    cols = {f.name: [r.get(f.name) for r in recs] for f in schema}
    pq.write_table(pa.Table.from_pydict(cols, schema=schema), path, row_group_size=row_group)


@pytest.fixture(scope="module")
def parquet_pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """The same records as JSON Lines and as Parquet, under one file name (Parquet found by its magic)."""
    recs = _clean_records()
    base = tmp_path_factory.mktemp("pq")
    (base / "j").mkdir()
    (base / "p").mkdir()
    j, p = base / "j" / "recs", base / "p" / "recs"
    j.write_text("".join(json.dumps(r) + "\n" for r in recs))
    _write_parquet(recs, p, row_group=77)
    yield j, p


@pytest.mark.parametrize("mode", ["inline", "pool", "dask"])
def test_parquet_matches_jsonl(parquet_pair: tuple[Path, Path], mode: str, request: pytest.FixtureRequest) -> None:
    j, p = parquet_pair
    want = reference(j)
    assert want[0].count("\n") > 500
    kw: dict[str, Any] = {"jobs": 1} if mode == "inline" else {"jobs": 2} if mode == "pool" else {}
    if mode == "dask":
        kw["dask_address"] = request.getfixturevalue("cluster")
        kw["chunk_bytes"] = 0
    for chunk in (50, 5000):
        assert run([p], "lines", chunk=chunk, **kw) == want
    assert run([p], "results", chunk=64, **kw) == want


def test_parquet_by_suffix_and_binary_raw(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    p = tmp_path / "bin.parquet"
    table = pa.table(
        {
            "id": ["1", "2"],
            "protocol": ["banner", "http"],
            "raw": [b"SSH-2.0-dropbear_2019.78", b"HTTP/1.1 200 OK\r\nServer: DNVRS-Webs\r\n\r\n"],
        }
    )
    pq.write_table(table, p)
    j = tmp_path / "bin.jsonl"
    j.write_text(
        json.dumps({"id": "1", "protocol": "banner", "raw": "SSH-2.0-dropbear_2019.78"})
        + "\n"
        + json.dumps({"id": "2", "protocol": "http", "raw": "HTTP/1.1 200 OK\r\nServer: DNVRS-Webs\r\n\r\n"})
        + "\n"
    )
    got, warn, _ = run([p], jobs=1)
    want = reference(j)[0].replace("bin.jsonl", "bin.parquet")
    assert not warn and got == want


# --- memory ----------------------------------------------------------------------------------------


def _big_input(path: Path, n: int) -> Path:
    """``n`` 16 KB records that attribute cheaply (one memo key): the file's size is what grows."""
    pad = "x" * 16_000
    obs = [{"protocol": "model", "raw": "DS-2CD2143G2-I", "source": "s"}]
    with path.open("w") as fh:
        for i in range(n):
            fh.write(json.dumps({"id": f"r{i}", "observations": obs, "pad": pad}) + "\n")
    return path


def _parent_peak(path: Path) -> tuple[int, int]:
    """Records and the parent's peak traced Python memory while a 2-process run streams ``path``."""
    tracemalloc.start()
    try:
        n = sum(1 for _ in attribute_jsonl([path], jobs=2, chunk=200, warn=[]))
        return n, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_parent_memory_is_flat_in_input_size(tmp_path: Path) -> None:
    small = _big_input(tmp_path / "small.jsonl", 3_000)  # 48 MB
    large = _big_input(tmp_path / "large.jsonl", 12_000)  # 193 MB
    n_small, peak_small = _parent_peak(small)
    n_large, peak_large = _parent_peak(large)
    assert (n_small, n_large) == (3_000, 12_000)
    assert peak_large < 1.5 * peak_small + 4_000_000, (peak_small, peak_large)
    assert peak_large < large.stat().st_size / 5, (peak_large, large.stat().st_size)
