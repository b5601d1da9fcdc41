"""Batch attribution at scale: ``trueoem attribute`` over large inputs, on every core or on a Dask cluster.

Inputs are JSON Lines (gzip transparent; ``'-'`` is standard input) and Parquet (columns ``id``,
``protocol``, ``raw`` and/or the record format's top-level fields and ``observations``), read in
chunks so memory stays flat. Chunks are attributed in this process (``jobs=1``), in ``jobs`` worker
processes, or as tasks on the Dask cluster at ``dask_address``; either way the results come back in
input order and are the same as a single-process run (same records, same order, byte-identical JSON
Lines), and warnings name the same ``file:line``.

Two forms of result:

* :func:`attribute_stream` yields :class:`~trueoem.screen.Result` (full attributions: any output
  format, the store).
* :func:`attribute_jsonl` yields :class:`Line`: the JSON Lines text made in the worker, plus what a
  verdict summary and ``--fail-on`` read. Cheaper to ship between processes (no attribution is
  pickled and the parent serialises nothing), so it is the fast path for ``--format jsonl``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from trueoem.batch.inputs import Failure, tasks
from trueoem.batch.run import dask, default_jobs, inline, pool
from trueoem.batch.work import Done, kb_spec
from trueoem.match.engine import CompiledKB
from trueoem.model import Attribution, Verdict
from trueoem.screen import Result

__all__ = ["Line", "attribute_jsonl", "attribute_stream", "default_jobs"]

CHUNK = 5000
# On Dask a chunk is at least this big: the scheduler keeps a log of the last 1,000 messages under
# 1 MB (10**6 bytes) that it sent to each worker, and a task message holds its chunk, so smaller chunks
# would stay in the scheduler's memory long after they were attributed (distributed/batched.py).
DASK_MIN_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class Line:
    """One result as its JSON Lines text (with the newline), byte-identical to ``JsonlWriter``'s."""

    id: str
    text: str
    verdict: Verdict
    oem_name: str | None
    white_label: bool

    @property
    def brief(self) -> Attribution:
        """A stand-in attribution with only the verdict, OEM name and white-label flag.

        Enough for ``Summary.add`` and a ``--fail-on`` check; never serialise it (the text is the output).
        """
        return Attribution(self.id, self.verdict, None, self.oem_name, 0.0, None, self.white_label, None, ())


def _outcomes(
    sources: Iterable[Path | str],
    *,
    jobs: int,
    dask_address: str | None,
    kb_overlays: Iterable[Path | str],
    chunk: int,
    chunk_bytes: int | None,
    warn: list[str],
    on_error: Callable[[str], None] | None,
    as_lines: bool,
    ckb: CompiledKB | None,
    stdin: IO[bytes] | None,
) -> Iterator[Done]:
    kb = kb_spec(kb_overlays)
    if chunk_bytes is None:
        chunk_bytes = DASK_MIN_BYTES if dask_address else 0
    items = tasks(sources, chunk, stdin, chunk_bytes)
    n = default_jobs() if jobs <= 0 else jobs
    if dask_address:
        outs = dask(items, kb, as_lines, dask_address)
    elif n == 1:
        outs = inline(items, kb, as_lines, ckb)
    else:
        outs = pool(items, kb, as_lines, n)
    for o in outs:
        if isinstance(o, Failure):
            if on_error is None:
                warn.append(o.message)
            else:
                on_error(o.message)
            continue
        warn.extend(o.warn)
        yield o


def attribute_stream(
    sources: Iterable[Path | str],
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    kb_overlays: Iterable[Path | str] = (),
    chunk: int = CHUNK,
    chunk_bytes: int | None = None,
    warn: list[str],
    on_error: Callable[[str], None] | None = None,
    ckb: CompiledKB | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[Result]:
    """Results of every record of ``sources`` (paths, or ``'-'`` for standard input), in input order.

    ``jobs``: worker processes (1: this process; 0 or less: every CPU this process may use).
    ``dask_address``: run on that Dask scheduler instead (``jobs`` is then ignored); the KB overlay
    paths must be readable on the workers. ``warn`` receives the input problems (``file:line: ...``),
    in input order; ``on_error`` receives unreadable sources (default: appended to ``warn``).
    ``chunk``: records per chunk; ``chunk_bytes``: read on until a chunk holds at least this many bytes
    (default: ``DASK_MIN_BYTES`` on Dask, none otherwise).
    ``ckb``: an already compiled KB for the ``jobs=1`` path (must match ``kb_overlays``).
    """
    for o in _outcomes(
        sources,
        jobs=jobs,
        dask_address=dask_address,
        kb_overlays=kb_overlays,
        chunk=chunk,
        chunk_bytes=chunk_bytes,
        warn=warn,
        on_error=on_error,
        as_lines=False,
        ckb=ckb,
        stdin=stdin,
    ):
        yield from o.results


def attribute_jsonl(
    sources: Iterable[Path | str],
    *,
    jobs: int = 1,
    dask_address: str | None = None,
    kb_overlays: Iterable[Path | str] = (),
    chunk: int = CHUNK,
    chunk_bytes: int | None = None,
    warn: list[str],
    on_error: Callable[[str], None] | None = None,
    ckb: CompiledKB | None = None,
    stdin: IO[bytes] | None = None,
) -> Iterator[Line]:
    """As :func:`attribute_stream`, but each result as its JSON Lines text (serialised in the worker)."""
    for o in _outcomes(
        sources,
        jobs=jobs,
        dask_address=dask_address,
        kb_overlays=kb_overlays,
        chunk=chunk,
        chunk_bytes=chunk_bytes,
        warn=warn,
        on_error=on_error,
        as_lines=True,
        ckb=ckb,
        stdin=stdin,
    ):
        for rid, text, verdict, oem_name, white in o.lines:
            yield Line(rid, text, Verdict(verdict), oem_name, white)
