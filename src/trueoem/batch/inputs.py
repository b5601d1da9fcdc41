"""Cut record inputs (JSON Lines, gzip or not, and Parquet) into self-contained chunks.

A chunk never splits an asset: consecutive records with one id are one asset (see
:mod:`trueoem.sources.records`), so a chunk is cut only where an asset begins (before the first record
of the last asset read so far). Finding that costs the reader about two JSON parses per chunk; everything else
(decoding, parsing, attributing) happens wherever the chunk is sent. Each chunk carries the number
of its first line (or row), so warnings and default ids name the same lines as a single-process run.
"""

from __future__ import annotations

import gzip
import importlib
import io
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, Any

from trueoem.sources.records import parse_line

PARQUET_SUFFIXES = (".parquet", ".pq")
MAX_ROWS_FACTOR = 20  # a chunk grown to reach ``min_bytes`` stops at this many times ``chunk`` records


@dataclass(frozen=True, slots=True)
class Task:
    """One chunk of one input: JSON Lines bytes, or Parquet rows as an Arrow IPC stream."""

    kind: str  # "jsonl" | "parquet"
    name: str  # the input's name in warnings and sources (the file name, or "<stdin>")
    start: int  # number of the chunk's first line (or row), from 1
    data: bytes
    truncated: bool = False  # the input broke off inside this chunk: its last asset was never completed
    rows: int = 0  # lines (or rows) in the chunk


@dataclass(frozen=True, slots=True)
class Failure:
    """An input that could not be opened or read to its end (reported in input order)."""

    message: str


Item = Task | Failure


def _rid(b: bytes, n: int) -> str | None:
    """The asset id of line ``n`` if it is a valid record, else None."""
    rec = parse_line(b.decode("utf-8", "replace"), n, "", [])
    return None if rec is None else str(rec.get("id", n))


def _last_asset(buf: list[bytes], start: int) -> tuple[int, str | None]:
    """Where the last asset of ``buf`` begins, and its id (``len(buf), None`` when buf holds no record)."""
    open_id: str | None = None
    cut = len(buf)
    for i in range(len(buf) - 1, -1, -1):
        rid = _rid(buf[i], start + i)
        if rid is None:
            continue
        if open_id is not None and rid != open_id:
            break
        open_id, cut = rid, i
    return cut, open_id


def jsonl_tasks(lines: Iterable[bytes], name: str, chunk: int, path: str, min_bytes: int = 0) -> Iterator[Item]:
    """Chunks of about ``chunk`` lines, cut only where an asset begins; a read error ends the input.

    ``min_bytes``: read on past ``chunk`` lines (up to ``MAX_ROWS_FACTOR`` times as many) until the
    chunk holds at least this many bytes.
    """
    it = iter(lines)
    start = 1
    buf: list[bytes] = []
    try:
        while True:
            buf.extend(islice(it, chunk - len(buf)))
            if len(buf) < chunk:  # end of input
                break
            if min_bytes:
                size = sum(map(len, buf))
                while size < min_bytes and len(buf) < chunk * MAX_ROWS_FACTOR:
                    n = len(buf)
                    buf.extend(islice(it, chunk))  # (lines read before a read error stay in buf)
                    if len(buf) == n:
                        break
                    size += sum(map(len, buf[n:]))
            cut, open_id = _last_asset(buf, start)
            if cut > 0:  # send up to the last asset, which may go on in the lines not read yet
                yield Task("jsonl", name, start, b"".join(buf[:cut]), rows=cut)
                start += cut
                del buf[:cut]
                continue
            # one asset fills the chunk: take lines until a record of another asset
            nxt: bytes | None = None
            for b in it:
                rid = _rid(b, start + len(buf))
                if rid is not None and rid != open_id:
                    nxt = b
                    break
                buf.append(b)
            yield Task("jsonl", name, start, b"".join(buf), rows=len(buf))
            start += len(buf)
            if nxt is None:  # the lookahead ran to the end
                return
            buf = [nxt]
    except (OSError, EOFError) as exc:
        if buf:
            yield Task("jsonl", name, start, b"".join(buf), truncated=True, rows=len(buf))
        yield Failure(f"{path}: unreadable ({exc}); records before it were kept")
        return
    if buf:
        yield Task("jsonl", name, start, b"".join(buf), rows=len(buf))


def pyarrow(sub: str = "") -> Any:
    """``pyarrow`` (or a submodule), imported on first use and typed loosely (it ships no type hints)."""
    return importlib.import_module("pyarrow" + (f".{sub}" if sub else ""))


def _ipc(batches: list[Any]) -> bytes:
    pa = pyarrow()
    sink = io.BytesIO()
    with pa.ipc.new_stream(sink, batches[0].schema) as w:
        for b in batches:
            w.write_batch(b)
    return sink.getvalue()


def _ids(batch: Any, start: int) -> list[str]:
    if "id" not in batch.schema.names:
        return [str(start + i) for i in range(batch.num_rows)]
    return [str(v) if v is not None else str(start + i) for i, v in enumerate(batch.column("id").to_pylist())]


def parquet_tasks(path: Path, chunk: int, min_bytes: int = 0) -> Iterator[Item]:
    """Chunks of about ``chunk`` rows, read a record batch at a time, cut only where an asset ends.

    ``min_bytes``: keep reading batches (up to ``MAX_ROWS_FACTOR`` times ``chunk`` rows) until the
    chunk's columns hold at least this many bytes.
    """
    pq = pyarrow("parquet")
    name = path.name
    try:
        pf = pq.ParquetFile(path)
    except (OSError, ValueError) as exc:
        yield Failure(f"{path}: unreadable Parquet ({exc})")
        return
    start = 1  # number of the first pending row
    pending: list[Any] = []  # record batches of the asset(s) not yet sent
    pending_rows = 0
    last_id: str | None = None
    try:
        for batch in pf.iter_batches(batch_size=chunk):
            if batch.num_rows == 0:
                continue
            ids = _ids(batch, start + pending_rows)
            k = len(ids) - 1
            while k > 0 and ids[k - 1] == ids[-1]:
                k -= 1  # k: first row of the batch's last run of equal ids
            if k == 0 and ids[0] == last_id:  # the whole batch continues the open asset
                pending.append(batch)
                pending_rows += batch.num_rows
                continue
            send = [*pending, batch.slice(0, k)] if k else pending
            rows = pending_rows + k
            if (
                min_bytes
                and sum(b.nbytes for b in send) < min_bytes
                and pending_rows + batch.num_rows < chunk * MAX_ROWS_FACTOR
            ):  # too small to send yet: keep the whole batch and read on
                pending.append(batch)
                pending_rows += batch.num_rows
                last_id = ids[-1]
                continue
            if rows:
                yield Task("parquet", name, start, _ipc(send), rows=rows)
            start += rows
            pending, pending_rows, last_id = [batch.slice(k)], batch.num_rows - k, ids[-1]
    except (OSError, ValueError) as exc:
        if pending_rows:
            yield Task("parquet", name, start, _ipc(pending), truncated=True, rows=pending_rows)
        yield Failure(f"{path}: unreadable ({exc}); records before it were kept")
        return
    if pending_rows:
        yield Task("parquet", name, start, _ipc(pending), rows=pending_rows)


def is_parquet(path: Path, head: bytes) -> bool:
    """Parquet by its name or its magic number."""
    return path.suffix.lower() in PARQUET_SUFFIXES or head == b"PAR1"


def tasks(
    sources: Iterable[Path | str], chunk: int, stdin: IO[bytes] | None = None, min_bytes: int = 0
) -> Iterator[Item]:
    """The chunks of every source in order; ``'-'`` is standard input (JSON Lines).

    ``min_bytes``: each chunk holds at least this many bytes if ``MAX_ROWS_FACTOR`` times ``chunk``
    records reach it (except at a source's end, where what is left goes out as it is).
    """
    chunk = max(1, chunk)
    for src in sources:
        if str(src) == "-":
            yield from jsonl_tasks(
                stdin if stdin is not None else sys.stdin.buffer, "<stdin>", chunk, "<stdin>", min_bytes
            )
            continue
        f = Path(src)
        try:
            fh = f.open("rb")
        except OSError as exc:
            yield Failure(f"{f}: {'no such file' if isinstance(exc, FileNotFoundError) else exc.strerror}")
            continue
        with fh:
            head = fh.read(4)
            fh.seek(0)
            if is_parquet(f, head):
                yield from parquet_tasks(f, chunk, min_bytes)
                continue
            lines: Iterable[bytes] = gzip.open(fh) if head[:2] == b"\x1f\x8b" else fh
            yield from jsonl_tasks(lines, f.name, chunk, str(f), min_bytes)
