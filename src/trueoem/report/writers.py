"""Machine formats: JSON Lines, JSON, CSV, streamed one result at a time.

Writers are push-style (``write(result)`` then ``close()``) so that a catalog loop and a scan's
per-host callback can both feed them. Serialisation is shared between assets whose attribution is
the same object (see :mod:`trueoem.screen`).
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

from trueoem.model import Attribution
from trueoem.report.encode import attribution_json
from trueoem.screen import Result

CSV_COLUMNS = (
    "id",
    "verdict",
    "oem",
    "oem_name",
    "confidence",
    "label_brand",
    "white_label",
    "model",
    "category",
    "legal_basis",
    "evidence",
    "notes",
    "kb_version",
)


class _Cache:
    """Serialised templates, keyed by identity (the entry keeps the template alive)."""

    def __init__(self, limit: int = 20_000) -> None:
        self.d: dict[int, tuple[Attribution, Any]] = {}
        self.limit = limit

    def get(self, t: Attribution) -> Any:
        e = self.d.get(id(t))
        return e[1] if e is not None and e[0] is t else None

    def put(self, t: Attribution, v: Any) -> None:
        if len(self.d) >= self.limit:
            self.d.clear()
        self.d[id(t)] = (t, v)


def _serialise_rest(t: Attribution) -> str:
    """The JSON object of an attribution without its ``id``, from after the opening brace."""
    return attribution_json(t, with_id=False)[1:]


class Writer:
    """Base: ``write`` each result, then ``close``."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.cache = _Cache()

    def _rest(self, t: Attribution) -> str:
        rest = self.cache.get(t)
        if rest is None:
            rest = _serialise_rest(t)
            self.cache.put(t, rest)
        return str(rest)

    def write(self, r: Result) -> None:
        raise NotImplementedError

    def flush(self) -> None:
        """Everything written so far, out (a scan's results as its hosts finish)."""
        self.out.flush()

    def close(self) -> None:
        self.out.flush()


_PLAIN_ID = re.compile(r"[A-Za-z0-9_.:#/\- ]*")


def _json_str(s: str) -> str:
    """``json.dumps`` of a string, without its cost for plain ids (row numbers, IPs)."""
    if s.isalnum() and s.isascii():  # the usual row number: no regex needed
        return f'"{s}"'
    return f'"{s}"' if _PLAIN_ID.fullmatch(s) else json.dumps(s, ensure_ascii=False)


class JsonlWriter(Writer):
    """One JSON object per line, ``id`` first.

    On a UTF-8 text stream over a binary buffer (a file, standard output) the lines go to the buffer
    as bytes, the tail of each template encoded once: a catalog writes the same tails over and over,
    and encoding a tail again on every row (sources quoted in other scripts make it non-ASCII, which
    is the slow case) cost more than the rest of the line. They are gathered in pieces of about
    64 KiB (a few dozen lines), so a line is copied once and no 2 KB line is made per row.
    """

    CHUNK = 1 << 16

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self._tails: dict[int, tuple[Attribution, Any]] = {}
        self._raw: IO[bytes] | None = None
        if isinstance(out, io.TextIOWrapper) and codecs.lookup(out.encoding).name == "utf-8":
            out.flush()  # what was written as text goes first
            self._raw = out.buffer
        self._buf = bytearray()
        self._limit = self.cache.limit
        self._hits = self._misses = 0

    def write(self, r: Result) -> None:
        t = r.template
        e = self._tails.get(id(t))
        if e is not None and e[0] is t:
            tail = e[1]
            self._hits += 1
        else:
            rest = _serialise_rest(t)
            tail = (", " + rest if rest != "}" else "}") + "\n"
            if self._raw is not None:
                tail = tail.encode()
            self._misses += 1
            if self._misses >= 4096:  # device records never repeat: then keep few (each holds its attribution)
                rate = self._hits / (self._hits + self._misses)
                self._limit = 256 if rate < 0.01 else self.cache.limit
                self._hits = self._misses = 0
            if len(self._tails) >= self._limit:
                self._tails.clear()
            self._tails[id(t)] = (t, tail)
        rid = r.id
        # the usual row number: nothing to escape
        head = '{"id": "' + rid + '"' if rid.isalnum() and rid.isascii() else '{"id": ' + _json_str(rid)
        buf = self._buf
        if self._raw is None:
            self.out.write(head + tail)
            return
        buf += head.encode()
        buf += tail
        if len(buf) >= self.CHUNK:
            self._raw.write(buf)
            buf.clear()

    def write_text(self, line: str) -> None:
        """A line serialised elsewhere (by a worker process), in its place among the others."""
        if self._raw is None:
            self.out.write(line)
            return
        self._buf += line.encode()
        if len(self._buf) >= self.CHUNK:
            self._raw.write(self._buf)
            self._buf.clear()

    def flush(self) -> None:
        if self._raw is not None:
            self._raw.write(self._buf)
            self._buf.clear()
            self._raw.flush()
        super().flush()

    def close(self) -> None:
        self.flush()
        super().close()


class JsonWriter(Writer):
    """A JSON document ``{"schema_version": 1, "results": [...], "summary": {...}}``."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.first = True
        self.summary: dict[str, object] | None = None
        out.write('{"schema_version": 1, "results": [\n')

    def write(self, r: Result) -> None:
        rest = self._rest(r.template)
        sep = "" if self.first else ",\n"
        self.out.write(sep + '{"id": ' + json.dumps(r.id, ensure_ascii=False) + (", " + rest if rest != "}" else "}"))
        self.first = False

    def close(self) -> None:
        self.out.write("\n]")
        if self.summary is not None:
            self.out.write(', "summary": ' + json.dumps(self.summary, ensure_ascii=False))
        self.out.write("}\n")
        super().close()


def csv_row(a: Attribution, rid: str) -> list[str]:
    """One CSV row; evidence as ``rule->claim [matched]`` joined with ``; ``."""
    ev = "; ".join(f"{e.rule}->{e.claim} [{e.matched}]" for e in a.evidence if e.weight > 0)
    return [
        rid,
        a.verdict.value,
        a.oem or "",
        a.oem_name or "",
        f"{a.confidence:.4f}",
        a.label_brand or "",
        "true" if a.white_label else "false",
        a.model or "",
        a.category or "",
        a.legal_basis or "",
        ev,
        " | ".join(a.notes),
        a.kb_version,
    ]


class CsvWriter(Writer):
    """CSV with a header row (plus the ``extra`` columns of the first result, e.g. ip, mac, ports)."""

    def __init__(self, out: IO[str]) -> None:
        super().__init__(out)
        self.w = csv.writer(out)
        self.extra: list[str] | None = None

    def write(self, r: Result) -> None:
        if self.extra is None:
            self.extra = [k for k, _ in r.template.extra]
            self.w.writerow([*CSV_COLUMNS, *self.extra])
        row = self.cache.get(r.template)
        if row is None:
            row = csv_row(r.template, "")
            extra = dict(r.template.extra)
            row += [_cell(extra.get(k)) for k in self.extra]
            self.cache.put(r.template, row)
        self.w.writerow([r.id, *row[1:]])

    def close(self) -> None:
        if self.extra is None:
            self.w.writerow(CSV_COLUMNS)
        super().close()


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, list | tuple):
        return " ".join(str(x) for x in v)
    return str(v)


#: Columns of the CSV report of stored/recorded attributions (``trueoem report -f csv``, web download).
REPORT_CSV_COLUMNS = ("id", "ip", "verdict", "oem", "confidence", "label_brand", "white_label", "model", "legal_basis")


def records_csv(records: Iterable[Mapping[str, Any]], columns: Sequence[str] = REPORT_CSV_COLUMNS) -> str:
    """Attribution records (``Attribution.as_dict()`` shape) as CSV text with a header row."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(columns)
    for rec in records:
        w.writerow(["" if rec.get(c) is None else rec.get(c) for c in columns])
    return buf.getvalue()
