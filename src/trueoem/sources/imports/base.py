"""What every importer shares: the host record, transparent gzip, JSON record streams, host merging.

Importers read other tools' output files and yield one :class:`HostRecord` per host, whose
observations carry raw text the facet parsers read (``http`` = a raw response or a parsed one as
JSON, ``tls_cert`` = PEM/base64 DER or ``subject=...; issuer=...``, ``open_port`` = ``554/tcp`` ...).
Everything streams: memory is bounded by one record plus a bounded window of hosts still being
merged (:class:`HostWindow`), never by the size of the file. A bad record never stops a file: it
becomes one line in the caller's ``warn`` list naming the file and the line or record number.
"""

from __future__ import annotations

import gzip
import ipaddress
import json
from collections import OrderedDict
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, cast

from trueoem import jsontext
from trueoem.model import Observation

MAX_VALUE = 256 * 1024  # characters of one observation kept (the facet parsers read no more)
MAX_RECORD = 16 * 1024 * 1024  # characters of one JSON record (a line, or a pretty-printed document)
WINDOW_HOSTS = 4096  # hosts kept open for merging records of one host that are not adjacent
WINDOW_CHARS = 64 * 1024 * 1024  # characters of observations kept open at most


class ImportFileError(Exception):
    """A whole file cannot be read (missing, unreadable, not this format at all)."""


@dataclass(frozen=True, slots=True)
class HostRecord:
    """One host read from an import file: what ``trueoem scan`` reports for a host, plus raw facts."""

    ip: str
    mac: str | None
    ports: tuple[int, ...]
    observations: tuple[Observation, ...]


@dataclass(slots=True)
class HostBuilder:
    """A host being assembled from one or more records."""

    ip: str
    mac: str | None = None
    ports: set[int] = field(default_factory=set)
    observations: list[Observation] = field(default_factory=list)
    size: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def add(self, kind: str, value: object, source: str, seen_at: str | None = None) -> None:
        """Add one observation (empty values and exact repeats are dropped; long ones clipped)."""
        if value is None:
            return
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
        text = text[:MAX_VALUE]
        if not text.strip() or (kind, text) in self._seen:
            return
        self._seen.add((kind, text))
        self.observations.append(Observation(kind, text, source, seen_at))
        self.size += len(text)

    def port(self, port: object, proto: object, source: str, seen_at: str | None = None) -> int | None:
        """Record an open port (``open_port`` observation ``554/tcp``); return it, or None if invalid."""
        try:
            p = int(str(port))
        except ValueError:
            return None
        if not 0 < p < 65536:
            return None
        self.ports.add(p)
        self.add("open_port", f"{p}/{str(proto or 'tcp').lower()}", source, seen_at)
        return p

    def set_mac(self, mac: object, source: str, seen_at: str | None = None) -> None:
        """Record the host's MAC (first one wins as the host MAC; every one is an observation)."""
        if not isinstance(mac, str) or not mac.strip():
            return
        mac = mac.strip()
        self.mac = self.mac or mac
        self.add("mac", mac, source, seen_at)

    def merge(self, other: HostBuilder) -> None:
        """Fold another builder of the same host into this one."""
        self.mac = self.mac or other.mac
        self.ports |= other.ports
        for o in other.observations:
            self.add(o.kind, o.value, o.source, o.seen_at)

    def record(self) -> HostRecord:
        """The finished host."""
        return HostRecord(self.ip, self.mac, tuple(sorted(self.ports)), tuple(self.observations))


class HostWindow:
    """Merges records of one host that arrive apart (banners, masscan lines) within a bounded window.

    Hosts are kept open in arrival order; when more than ``max_hosts`` hosts or ``max_chars``
    characters of observations are open, the oldest host is finished and yielded. Records of one
    host further apart than the window therefore give more than one host record (the store joins
    them: within one import, records with the same IP are one asset).
    """

    def __init__(self, max_hosts: int = WINDOW_HOSTS, max_chars: int = WINDOW_CHARS) -> None:
        self.max_hosts, self.max_chars = max_hosts, max_chars
        self._open: OrderedDict[str, HostBuilder] = OrderedDict()
        self._chars = 0

    def add(self, part: HostBuilder) -> Iterator[HostRecord]:
        """Merge ``part`` into its host; yield hosts pushed out of the window."""
        have = self._open.get(part.ip)
        if have is None:
            self._open[part.ip] = part
            self._chars += part.size
        else:
            before = have.size
            have.merge(part)
            self._chars += have.size - before
        while self._open and (len(self._open) > self.max_hosts or self._chars > self.max_chars):
            _, old = self._open.popitem(last=False)
            self._chars -= old.size
            yield old.record()

    def flush(self) -> Iterator[HostRecord]:
        """Yield every host still open."""
        while self._open:
            _, old = self._open.popitem(last=False)
            yield old.record()
        self._chars = 0


def valid_ip(value: object) -> str | None:
    """The IP address in canonical form, or None."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    try:
        return str(ipaddress.ip_address(value.strip() if isinstance(value, str) else value))
    except ValueError:
        return None


def iso_time(value: object) -> str | None:
    """A timestamp (ISO 8601 text, or Unix seconds as number or digits) as ISO 8601 UTC, or None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        try:
            return datetime.fromtimestamp(float(value), UTC).isoformat(timespec="seconds")
        except (OverflowError, OSError, ValueError):
            return None
    text = str(value).strip()
    return text[:64] or None


def open_binary(path: Path) -> IO[bytes]:
    """Open ``path`` for reading bytes, gunzipping transparently (by magic number, not by name)."""
    try:
        fh: IO[bytes] = path.open("rb")
    except FileNotFoundError as exc:
        raise ImportFileError(f"{path}: no such file") from exc
    except OSError as exc:
        raise ImportFileError(f"{path}: {exc.strerror or exc}") from exc
    with fh:
        head = fh.read(2)
    if head == b"\x1f\x8b":
        return cast(IO[bytes], gzip.open(path, "rb"))  # owns its file: closing it closes the file
    return path.open("rb")


def text_lines(path: Path, warn: list[str]) -> Generator[tuple[int, str], None, None]:
    """``(line number, text)`` of a text file (gzip transparent; bad UTF-8 replaced).

    A file cut short (a truncated gzip stream, an I/O error) ends the lines with a warning: what
    was read before is kept.
    """
    fh = open_binary(path)
    n = 0
    try:
        for n, b in enumerate(fh, 1):  # noqa: B007 - n is reported after the loop
            yield n, b.decode("utf-8", "replace")
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        warn.append(f"{path}: unreadable after line {n} ({exc}); records before it were kept")
    finally:
        fh.close()


def _array_lines(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines with array punctuation around one-record-per-line JSON removed (masscan -oJ style)."""
    for n, line in lines:
        t = line.strip().strip(",").strip()
        if t in ("", "[", "]", "[]"):
            continue
        if t.startswith("[") and not t.startswith("[{") and t[1:].lstrip().startswith("{"):
            t = t[1:].strip()
        elif t.startswith("[{"):
            t = t[1:]
        if t.endswith("]") and t[:-1].rstrip().endswith("}"):
            t = t[:-1].rstrip().rstrip(",")
        yield n, t


def json_records(path: Path, warn: list[str], what: str = "record") -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of JSON objects in a file, one per line or pretty-printed.

    Accepts JSON Lines (Shodan, zgrab2), an array with one element per line (masscan ``-oJ``), and
    pretty-printed objects, alone, concatenated or in an array (a Censys host view saved from the
    API). A record that is not a JSON object is reported by line number and skipped.
    """
    lines = text_lines(path, warn)
    first: tuple[int, str] | None = None
    for n, line in lines:
        if line.strip():
            first = (n, line)
            break
    if first is None:
        return
    t = first[1].strip().strip(",").lstrip("[").strip()
    one_per_line = t.startswith("{") and _complete(t)
    if one_per_line or not t.startswith(("{", "[")):
        yield from _line_records(path, _array_lines(_chain(first, lines)), warn, what)
    else:
        yield from _document_records(path, _chain(first, lines), warn, what)


def _chain(first: tuple[int, str], rest: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    yield first
    yield from rest


def _complete(text: str) -> bool:
    """Whether ``text`` is one whole JSON value (ignoring a trailing ``,`` or ``]``)."""
    t = text.rstrip().rstrip(",").rstrip()
    for cand in (t, t[:-1].rstrip().rstrip(",") if t.endswith("]") else None):
        if cand is None:
            continue
        try:
            json.loads(cand)
            return True
        except ValueError:
            continue
    return False


def _line_records(
    path: Path, lines: Iterable[tuple[int, str]], warn: list[str], what: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    for n, t in lines:
        if t.startswith("#"):  # comment lines some tools write (masscan -oL); harmless elsewhere
            continue
        if len(t) > MAX_RECORD:
            warn.append(f"{path}: line {n}: {what} longer than {MAX_RECORD} characters, skipped")
            continue
        try:
            obj = jsontext.loads(t)
        except (ValueError, RecursionError) as exc:
            why = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
            warn.append(f"{path}: line {n}: malformed JSON {what} ({why}), skipped")
            continue
        if not isinstance(obj, dict):
            warn.append(f"{path}: line {n}: {what} is not a JSON object, skipped")
            continue
        yield n, obj


def _document_records(
    path: Path, lines: Iterable[tuple[int, str]], warn: list[str], what: str
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Pretty-printed objects: raw_decode over a buffer refilled line by line (bounded by MAX_RECORD)."""
    dec = json.JSONDecoder()
    buf = ""
    start_line = 0  # line where the buffer's first record starts
    line_no = 0
    it = iter(lines)
    eof = False
    while True:
        # drop separators between records: whitespace, commas, the array brackets
        i = 0
        while i < len(buf) and buf[i] in " \t\r\n,[]":
            if buf[i] == "\n":
                start_line += 1
            i += 1
        buf = buf[i:]
        if not buf:
            if eof:
                return
            nxt = next(it, None)
            if nxt is None:
                return
            line_no, text = nxt
            buf, start_line = text, line_no
            continue
        try:
            obj, end = dec.raw_decode(buf)
        except (ValueError, RecursionError) as exc:
            if not eof and len(buf) < MAX_RECORD:
                nxt = next(it, None)
                if nxt is None:
                    eof = True
                else:
                    line_no = nxt[0]
                    buf += nxt[1]
                continue
            warn.append(f"{path}: line {start_line}: malformed JSON {what} ({getattr(exc, 'msg', exc)}), skipped")
            # resynchronise on the next line that opens an object at its first column
            cut = buf.find("\n{", 1)
            if cut < 0:
                if eof:
                    return
                buf, eof = "", False
                continue
            start_line += buf.count("\n", 0, cut + 1)
            buf = buf[cut + 1 :]
            continue
        rec_line = start_line
        start_line += buf.count("\n", 0, end)
        buf = buf[end:]
        if isinstance(obj, list):  # an array of records in one document
            for k, item in enumerate(obj, 1):
                if isinstance(item, dict):
                    yield rec_line, item
                else:
                    warn.append(f"{path}: line {rec_line}: element {k} is not a JSON object, skipped")
        elif isinstance(obj, dict):
            yield rec_line, obj
        else:
            warn.append(f"{path}: line {rec_line}: {what} is not a JSON object, skipped")


def dig(obj: Any, *keys: str | int) -> Any:
    """``obj[k1][k2]...`` or None when any step is missing or of the wrong type."""
    for k in keys:
        if isinstance(k, int):
            if not isinstance(obj, list) or not -len(obj) <= k < len(obj):
                return None
            obj = obj[k]
        else:
            if not isinstance(obj, dict):
                return None
            obj = obj.get(k)
    return obj


def text_of(value: Any) -> str | None:
    """A scalar as text (None for missing, empty, dicts and lists)."""
    if value is None or isinstance(value, dict | list) or isinstance(value, bool):
        return None
    s = str(value).strip()
    return s or None


def http_text(status: object, headers: Iterable[tuple[str, str]], body: str | None) -> str:
    """A raw HTTP response rebuilt from parsed parts (what the ``http`` parser reads)."""
    code = text_of(status)
    head = [code if code and code.startswith("HTTP/") else f"HTTP/1.1 {code or '200'}"]
    head += [f"{k}: {v}" for k, v in headers]
    return "\r\n".join(head) + "\r\n\r\n" + (body or "")


def header_pairs(headers: Any) -> list[tuple[str, str]]:
    """Header ``(name, value)`` pairs from the shapes tools write them in.

    ``{"server": ["App-webs/"]}`` (zgrab2, Go's http.Header), ``{"Server": "x"}``, ``{"server":
    {"headers": ["x"]}}`` (Censys Platform), ``[{"key": .., "value": ..}]`` and ``[[k, v]]``.
    """
    out: list[tuple[str, str]] = []
    if isinstance(headers, dict):
        for k, v in headers.items():
            name = str(k).replace("_", "-")
            if isinstance(v, dict):
                v = v.get("headers", v.get("value"))
            vals = v if isinstance(v, list) else [v]
            out += [(name, str(x)) for x in vals if x is not None and not isinstance(x, dict | list)]
    elif isinstance(headers, list):
        for h in headers:
            if isinstance(h, dict) and ("key" in h or "name" in h):
                k, v = h.get("key", h.get("name")), h.get("value")
                if isinstance(v, list):
                    out += [(str(k), str(x)) for x in v]
                elif v is not None:
                    out.append((str(k), str(v)))
            elif isinstance(h, list | tuple) and len(h) == 2:
                out.append((str(h[0]), str(h[1])))
    return out[:200]
