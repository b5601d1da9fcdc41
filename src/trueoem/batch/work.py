"""The worker side of batch attribution: one chunk in, its results out, the KB compiled once per process.

The same function runs in the calling process (``jobs=1``), in a process pool and on Dask workers. A
module-level cache keyed by the KB digest (the packaged KB version plus the overlay files' bytes) keeps
one compiled KB per process; each thread keeps its own :class:`Screener` (its memo is not thread-safe).
Results go back either as :class:`Result` objects or, cheaper to ship, as their JSON Lines text plus
the few fields a verdict summary reads.
"""

from __future__ import annotations

import base64
import datetime as _dt
import decimal
import hashlib
import io
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from trueoem import __version__
from trueoem.batch.inputs import Task, pyarrow
from trueoem.match.engine import CompiledKB
from trueoem.match.facets import decode_bytes
from trueoem.model import Asset
from trueoem.report.writers import JsonlWriter
from trueoem.screen import Result, Screener
from trueoem.sources.records import group_assets, parse_line

#: one result as shipped in lines mode: id, JSON Lines text, verdict value, OEM name, white label
LineTuple = tuple[str, str, str, str | None, bool]


@dataclass(frozen=True, slots=True)
class KbSpec:
    """Which KB to compile: overlay paths (absolute) and a digest of their contents."""

    overlays: tuple[str, ...]
    digest: str


def kb_spec(overlays: Iterable[Path | str] = ()) -> KbSpec:
    """The spec of the packaged KB plus ``overlays``; the digest changes when any overlay file does."""
    paths = tuple(str(Path(p).resolve()) for p in overlays)
    h = hashlib.sha256(f"trueoem {__version__}".encode())
    for p in paths:
        root = Path(p)
        files = sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else [root]
        for f in files:
            h.update(b"\0" + str(f).encode() + b"\0")
            try:
                h.update(f.read_bytes())
            except OSError:
                h.update(b"(unreadable)")
    return KbSpec(paths, h.hexdigest()[:16])


@dataclass(frozen=True, slots=True)
class Done:
    """The outcome of one chunk: warnings in line order, and results in input order (one of the two lists)."""

    warn: list[str]
    results: list[Result]
    lines: list[LineTuple]


class _Sink:
    """A text sink that keeps what was written since the last ``take``."""

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.write = self.pieces.append

    def flush(self) -> None:
        """Nothing to flush."""

    def take(self) -> str:
        s = "".join(self.pieces)
        self.pieces.clear()
        return s


class _State:
    """One thread's screener (its memo is kept between chunks)."""

    def __init__(self, ckb: CompiledKB) -> None:
        self.screener = Screener(ckb)


_KBS: dict[str, CompiledKB] = {}
_LOCK = threading.Lock()
_LOCAL = threading.local()


def compiled(kb: KbSpec) -> CompiledKB:
    """The compiled KB of ``kb``, loaded once per process."""
    with _LOCK:
        ckb = _KBS.get(kb.digest)
        if ckb is None:
            from trueoem.kb.compiled import load_compiled

            ckb = load_compiled([Path(p) for p in kb.overlays])
            ckb.oui.table()  # the IEEE registry now, not inside the first chunk
            if len(_KBS) >= 4:
                _KBS.clear()
            _KBS[kb.digest] = ckb
        return ckb


def _state(kb: KbSpec, ckb: CompiledKB | None) -> _State:
    states: dict[str, _State] | None = getattr(_LOCAL, "states", None)
    if states is None:
        states = _LOCAL.states = {}
    st = states.get(kb.digest)
    if st is None:
        if len(states) >= 4:
            states.clear()
        st = states[kb.digest] = _State(ckb if ckb is not None else compiled(kb))
    return st


def warm(kb: KbSpec) -> None:
    """Compile the KB in this process now (a pool initializer)."""
    compiled(kb)


def _plain(v: Any) -> Any:
    """A Parquet cell as the JSON value a record line would hold (nulls dropped from objects)."""
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, bytes):
        return decode_bytes(v)
    if isinstance(v, _dt.datetime | _dt.date | _dt.time):
        return v.isoformat()
    if isinstance(v, decimal.Decimal):
        return str(v)
    return v


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as a record object; binary ``raw`` cells travel as ``raw_base64``."""

    def fix(o: dict[str, Any]) -> dict[str, Any]:
        raw = o.get("raw")
        out = cast(dict[str, Any], _plain({k: x for k, x in o.items() if not isinstance(x, bytes) or k != "raw"}))
        if isinstance(raw, bytes):
            out["raw_base64"] = base64.b64encode(raw).decode("ascii")
        return out

    rec = fix(row)
    obs = row.get("observations")
    if isinstance(obs, list):
        rec["observations"] = [fix(o) for o in obs if isinstance(o, dict)]
    return rec


def _records(task: Task, warn: list[str]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line or row number, record object) of a chunk; bad lines are warned about and skipped."""
    if task.kind == "parquet":
        table = pyarrow().ipc.open_stream(task.data).read_all()
        for i, row in enumerate(table.to_pylist(), start=task.start):
            yield i, _row(row)
        return
    name = task.name
    for n, b in enumerate(io.BytesIO(task.data), start=task.start):
        rec = parse_line(b.decode("utf-8", "replace"), n, name, warn)
        if rec is not None:
            yield n, rec


def assets(task: Task, warn: list[str]) -> Iterator[Asset]:
    """The assets of a chunk, as :func:`trueoem.sources.records.read_records` reads them."""
    # an input that broke off mid-asset loses its open asset, as the single-process reader does
    return group_assets(_records(task, warn), task.name, warn, close_last=not task.truncated)


def run_task(task: Task, kb: KbSpec, as_lines: bool, ckb: CompiledKB | None = None) -> Done:
    """Attribute one chunk with this process's (or the given) compiled KB."""
    st = _state(kb, ckb)
    warn: list[str] = []
    one = st.screener.one
    if not as_lines:
        return Done(warn, [one(a) for a in assets(task, warn)], [])
    sink = _Sink()  # a writer per chunk: its cache of serialised templates goes with the chunk
    write, take = JsonlWriter(cast(IO[str], sink)).write, sink.take
    lines: list[LineTuple] = []
    for a in assets(task, warn):
        r = one(a)
        write(r)
        t = r.template
        lines.append((r.id, take(), t.verdict.value, t.oem_name, t.white_label))
    return Done(warn, [], lines)
