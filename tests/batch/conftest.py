"""Inputs for the batch tests: generated mixed records with every kind of bad line, and the reference run."""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest

from trueoem.kb.compiled import load_compiled
from trueoem.report.writers import JsonlWriter
from trueoem.screen import Screener
from trueoem.sources.records import MAX_LINE, read_records

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import gen  # noqa: E402

N_RECORDS = 600


def messy_lines(n: int = N_RECORDS) -> list[str]:
    """Generated records plus blank, malformed, non-object and over-cap lines, assets spanning lines,
    records without an id, unknown protocols and raw-less observations."""
    out: list[str] = []
    for i, line in enumerate(gen.record_lines(n, seed=7)):
        out.append(line)
        if i % 97 == 3:
            out.append("{not json")
        if i % 131 == 5:
            out += ["", "   ", "[1, 2, 3]"]
        if i % 50 == 0:  # the same id again on the next lines: one asset over several lines
            rec = json.loads(line)
            out.append(json.dumps({"id": rec["id"], "brand": "Hikvision"}))
            out.append("{broken")  # a bad line inside an asset does not end it
            out.append(json.dumps({"id": rec["id"], "protocol": "mac", "raw": "44:19:b6:00:00:01"}))
        if i % 211 == 7:
            out.append(json.dumps({"protocol": "banner", "raw": "SSH-2.0-dropbear_2019.78"}))  # id = line number
        if i % 173 == 11:
            out.append(json.dumps({"id": f"odd-{i}", "protocol": "gopher", "raw": "x"}))
            out.append(json.dumps({"id": f"odd-{i}", "observations": [{"protocol": "http"}]}))
    out.insert(400, '{"id": "big", "raw": "' + "a" * (MAX_LINE + 10) + '"}')
    out.append(json.dumps({"id": "last", "protocol": "model", "raw": "DS-2CD2143G2-I"}))
    return out


def reference(path: Path | str, stdin: bytes = b"") -> tuple[str, list[str], list[str]]:
    """What ``trueoem attribute FILE --format jsonl`` writes today: output text, warnings, failures."""
    ckb = load_compiled()
    screener = Screener(ckb)
    warn: list[str] = []
    failed: list[str] = []
    buf = io.StringIO()
    w = JsonlWriter(buf)

    def decode(lines: Iterable[bytes]) -> Iterator[str]:
        return (b.decode("utf-8", "replace") for b in lines)

    if str(path) == "-":
        for a in read_records(decode(io.BytesIO(stdin)), "<stdin>", warn):
            w.write(screener.one(a))
        return buf.getvalue(), warn, failed
    f = Path(path)
    with f.open("rb") as fh:
        head = fh.read(2)
        fh.seek(0)
        lines: Iterable[bytes] = gzip.open(fh) if head == b"\x1f\x8b" else fh
        try:
            for a in read_records(decode(lines), f.name, warn):
                w.write(screener.one(a))
        except (OSError, EOFError) as exc:
            failed.append(f"{f}: unreadable ({exc}); records before it were kept")
    return buf.getvalue(), warn, failed


@pytest.fixture(scope="session")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("batch") / "records.jsonl"
    p.write_text("\n".join(messy_lines()) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def messy_ref(messy: Path) -> tuple[str, list[str], list[str]]:
    return reference(messy)


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """A real Dask LocalCluster: two worker processes, one thread each, on loopback, no dashboard.

    (The scheduler's health/metrics HTTP server, which runs even without a dashboard, gets a free
    loopback port instead of 8787.)
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as c:
        yield c.scheduler_address
