"""Catalogs and inventories (CSV/TSV, XLSX, JSON, JSON Lines) to assets with observations.

Columns are mapped by header synonyms (Manufacturer/Mfr/Vendor/Make/Brand -> brand; Model/Model
Number/Part Number/MPN/SKU -> model; ...); ``--map COL=FIELD`` overrides. CSV is streamed with the
standard library, so memory stays flat in the size of the file; the encoding is sniffed from the
byte-order mark (UTF-8, UTF-16 LE/BE), else UTF-8 if the start decodes, else Windows-1252. XLSX
goes through fastexcel. Every problem is a :class:`SourceError` whose message names the file (and
row); a bad row is reported and skipped, never silently dropped.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import operator
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from typing import IO

from trueoem import jsontext
from trueoem.model import Asset, Observation
from trueoem.screen import Result, Screener

FIELDS = ("id", "brand", "model", "description", "mac", "fcc_id", "firmware", "serial", "date")
MAX_FIELD = 65536  # characters of one cell that are read; the rest is cut (and said)

csv.field_size_limit(16 * 1024 * 1024)

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": (
        "id",
        "line",
        "line no",
        "line number",
        "line item",
        "item id",
        "asset id",
        "asset tag",
        "asset",
        "row",
        "row id",
        "no",
        "clin",
        "item no",
        "item number",
        "record id",
        "tag",
    ),
    "brand": (
        "brand",
        "brand name",
        "manufacturer",
        "manufacturer name",
        "mfr",
        "mfg",
        "mfr name",
        "make",
        "vendor",
        "vendor name",
        "oem",
        "maker",
        "label",
        "trade name",
    ),
    "model": (
        "model",
        "model number",
        "model no",
        "model name",
        "model num",
        "part number",
        "part no",
        "part num",
        "mpn",
        "manufacturer part number",
        "mfr part number",
        "mfr part no",
        "mfg part number",
        "sku",
        "product code",
        "product number",
        "catalog number",
        "item code",
        "oem part number",
        "pn",
        "mfr part",  # "Mfr Part #", "Mfg Part #", "Part #" (the "#" is punctuation)
        "mfg part",
        "manufacturer part",
        "manufacturer part no",
        "manufacturer part number mpn",
        "part",
        "oem part",
        "vendor part",
        "vendor part number",
        "vendor item number",
        "vendor sku",
        "catalog",
        "product id",
        "internal reference",  # Odoo
        "default code",
        "hardware",  # LibreNMS and Zabbix inventories ("S5720-28X-LI-AC")
        "device type",  # NetBox ("device_type": the model of a device)
    ),
    "description": (
        "description",
        "item description",
        "product description",
        "desc",
        "item",
        "item name",
        "product",
        "product name",
        "name",
        "title",
        "long description",
        "product title",  # marketplace listings
        "listing title",
        "short description",
        "details",
        "notes",
        "comments",
        "sysdescr",  # network monitors: the device's SNMP sysDescr, its OS, Zabbix's long inventory fields
        "sys descr",
        "system description",
        "hardware full",
        "type full",
        "os full",
        "os",
        "operating system",
    ),
    "mac": (
        "mac",
        "mac address",
        "macaddress",
        "mac addr",
        "hw address",
        "hardware address",
        "ethernet address",
        "oui",
        "ethernet mac",
    ),
    "fcc_id": ("fcc id", "fccid", "fcc", "fcc identifier"),
    "firmware": ("firmware", "firmware version", "fw", "fw version", "software version", "sw version", "version"),
    "serial": ("serial", "serial number", "serial no", "s n", "sn", "serial num"),
    "date": (
        "date",
        "purchase date",
        "date purchased",
        "acquisition date",
        "acquired",
        "manufacture date",
        "manufactured",
        "mfg date",
        "install date",
        "installed",
        "order date",
        "ship date",
        "received",
    ),
}
_PRIORITY = {f: {s: i for i, s in enumerate(syns)} for f, syns in _SYNONYMS.items()}
_CONTAINS = (
    ("part number", "model"),  # "Manufacturer Part Number (MPN)" is a part number, not a maker
    ("part no", "model"),
    ("manufacturer part", "model"),
    ("mfr part", "model"),
    ("mfg part", "model"),
    ("manufacturer", "brand"),
    ("brand", "brand"),
    ("model", "model"),
    ("description", "description"),
    ("mac", "mac"),
    ("fcc", "fcc_id"),
    ("firmware", "firmware"),
    ("serial", "serial"),
)
_KIND = {
    "brand": "brand",
    "model": "model",
    "description": "description",
    "mac": "mac",
    "fcc_id": "fcc_id",
    "firmware": "firmware",
    "serial": "serial",
    "date": "date",
}


class SourceError(Exception):
    """Bad input; the message is one line that names the file (and row)."""


def norm_header(h: str) -> str:
    """Lower-case, punctuation to spaces, collapsed."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", h.lower()).split())


def _field_of(header: str) -> tuple[str, int]:
    """The field a normalised header names and how well (0 best), or ("", 100)."""
    for field, pri in _PRIORITY.items():
        if header in pri:
            return field, pri[header]
    return next((f for word, f in _CONTAINS if word in header), ""), 100


def map_columns(headers: list[str], overrides: dict[str, str]) -> dict[int, str]:
    """Column index -> field. Each field takes its best synonym; other brand-like columns become text."""
    out: dict[int, str] = {}
    lowered = {norm_header(k): v for k, v in overrides.items()}
    taken: dict[str, tuple[int, int]] = {}
    for i, h in enumerate(headers):
        n = norm_header(h)
        if n in lowered or h in overrides:
            out[i] = overrides.get(h) or lowered[n]
            continue
        field, rank = _field_of(n)
        if not field:
            continue
        if field in ("model", "mac"):  # several model/MAC columns all count
            out[i] = field
            continue
        prev = taken.get(field)
        if prev is None or rank < prev[1]:
            if prev is not None:
                out[prev[0]] = "description" if field == "brand" else ""
            taken[field] = (i, rank)
            out[i] = field
        else:
            out[i] = "description" if field == "brand" else ""
    return {i: f for i, f in out.items() if f}


def parse_map(items: list[str]) -> dict[str, str]:
    """``COL=FIELD`` options to a dict; raises SourceError on a bad one."""
    out = {}
    for item in items:
        col, sep, field = item.partition("=")
        field = field.strip().lower()
        if not sep or not col.strip() or field not in (*FIELDS, "ignore"):
            raise SourceError(f"--map {item!r}: expected COL=FIELD with FIELD one of {', '.join(FIELDS)}, ignore")
        out[col.strip()] = "" if field == "ignore" else field
    return out


def sniff_encoding(head: bytes) -> str:
    """Encoding of a text file from its first bytes."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if len(head) >= 4 and head[1] == 0 and head[3] == 0 and head[0] != 0:
        return "utf-16-le"
    if len(head) >= 4 and head[0] == 0 and head[2] == 0 and head[1] != 0:
        return "utf-16-be"
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return "utf-8"
        return "cp1252"


def _open_text(path: Path) -> io.TextIOWrapper:
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SourceError(f"{path}: is a folder, not a file") from None
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror}") from None
    head = fh.read(65536)
    fh.seek(0)
    enc = sniff_encoding(head)
    # errors="replace": one undecodable byte deep in a file must not lose the rows around it
    return io.TextIOWrapper(fh, encoding=enc, errors="replace", newline="")


def detect_format(path: Path) -> str:
    """csv, tsv, xlsx, json or jsonl, from the name, else from the content."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return "xlsx"
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix == ".json":
        return "json"
    if suffix == ".tsv":
        return "tsv"
    if suffix == ".csv":
        return "csv"
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise SourceError(f"{path}: cannot open: {exc.strerror}") from None
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    s = head.lstrip()
    if s.startswith(b"["):
        return "json"
    if s.startswith(b"{"):
        return "jsonl" if b"\n{" in s else "json"
    return "csv"


def _cells_to_asset(values: list[str], mapping: dict[int, str], rowno: int, name: str, warn: list[str]) -> Asset:
    obs: list[Observation] = []
    rid = ""
    n = len(values)
    for i, field in mapping.items():
        if i >= n:
            continue
        v = values[i]
        if not v or v.isspace():
            continue
        v = v.strip()
        if len(v) > MAX_FIELD:
            warn.append(f"{name}:{rowno}: a {field} cell of {len(v)} characters was cut to {MAX_FIELD}")
            v = v[:MAX_FIELD]
        if field == "id":
            rid = rid or v
            continue
        # the source names the file and column, not the row: equal rows then share their
        # attribution (the row is the asset's id; problems are reported with file:row)
        obs.append(Observation(_KIND[field], v, _source(name, field)))
    return Asset(rid or str(rowno), tuple(obs))


_ROW_CACHE = 32768  # distinct product descriptions (the shared cells of a row) remembered
_READERS = itertools.count()  # readers of this process
_HEADS = itertools.count()  # distinct product cells read
_UNCACHED = frozenset({"id", "mac", "serial"})  # per-row values: nothing to share


class _CellReader:
    """:func:`_cells_to_asset` for the rows of one file, sharing the observations of repeated cells.

    A catalog repeats its product lines, so the cells of the columns that describe a product
    (brand, model, description, ...) are read once per distinct combination: the same
    :class:`Observation` objects stand for all rows that repeat them (observations are immutable).
    Per-row columns (id, MAC, serial) are read on every row.
    """

    __slots__ = (
        "cols",
        "name",
        "warn",
        "cache",
        "shared",
        "shared_cols",
        "own",
        "width",
        "fast",
        "cells",
        "token",
        "own_read",
    )

    def __init__(self, mapping: dict[int, str], name: str, warn: list[str]) -> None:
        self.cols = list(mapping.items())
        self.name = name
        self.warn = warn
        # product cells -> (their observations, the key that stands for them in the screening memo)
        self.cache: dict[tuple[str, ...], tuple[tuple[Observation, ...], str]] = {}
        shared = [i for i, f in self.cols if f not in _UNCACHED]
        own = [(i, f) for i, f in self.cols if f in _UNCACHED]
        self.shared = shared
        self.shared_cols = [c for c in self.cols if c[0] in shared]
        self.own = own
        self.width = max(mapping) + 1 if mapping else 0
        # observations come in mapping order: the shared part can lead when every per-row column
        # that yields an observation (not the id) comes after the shared ones
        order = [i for i, _f in self.cols]
        last_shared = max((order.index(i) for i in shared), default=-1)
        self.fast = all(order.index(i) > last_shared for i, f in own if f != "id")
        # the shared cells of a row, as a tuple, in one C call
        get = operator.itemgetter(*shared) if shared else None
        self.cells: Callable[[list[str]], tuple[str, ...]] = (
            (lambda v: ()) if get is None else (lambda v: (get(v),)) if len(shared) == 1 else get
        )
        # per-row columns: index, field, observation kind ("" for the id) and source
        self.own_read = [(i, f, "" if f == "id" else _KIND[f], _source(name, f)) for i, f in own]
        # this reader in this process
        self.token = f"catalog:{os.getpid()}:{next(_READERS)}"

    def _read(self, field: str, v: str, rowno: int) -> str | None:
        """The value of one non-empty cell (None: blanks only)."""
        if v.isspace():
            return None
        v = v.strip()
        if len(v) > MAX_FIELD:
            self.warn.append(f"{self.name}:{rowno}: a {field} cell of {len(v)} characters was cut to {MAX_FIELD}")
            v = v[:MAX_FIELD]
        return v

    def asset(self, values: list[str], rowno: int) -> Asset:
        if not self.fast or len(values) < self.width:
            return _cells_to_asset(values, dict(self.cols), rowno, self.name, self.warn)
        key = self.cells(values)
        hit = self.cache.get(key)
        if hit is None:
            if any(len(v) > MAX_FIELD for v in key):  # warned about, in column order, on every row
                return _cells_to_asset(values, dict(self.cols), rowno, self.name, self.warn)
            hit = self._shared_obs(key, rowno)
        head, hk = hit
        rid = ""
        tail: list[Observation] = []
        for i, field, kind, src in self.own_read:
            v = values[i]
            if not v:
                continue
            if len(v) > MAX_FIELD or v[0].isspace() or v[-1].isspace():  # to strip or cut (and warn)
                w = self._read(field, v, rowno)
                if w is None:
                    continue
                v = w
            if kind:
                tail.append(Observation(kind, v, src))
            elif not rid:  # the id column
                rid = v
        return Asset(rid or str(rowno), head + tuple(tail) if tail else head, hk, len(head))

    def knower(self, screener: Screener) -> Callable[[list[str], int], Result | None]:
        """A function of a row: its result when the screening memo already knows it, else None.

        No asset is built. Only the common shape takes this path: known product cells, and at
        most one clean per-row value (a MAC or a serial) beside the id. Anything else (a cell to
        strip, cut or warn about) gives None and goes the long way (:meth:`asset`, then
        ``screener.one``), so warnings and results are the same either way.
        """
        if not self.fast:
            return lambda values, rowno: None
        width, cells, cache, own = self.width, self.cells, self.cache, self.own_read
        lookup = screener.knower()

        def known(values: list[str], rowno: int) -> Result | None:
            if len(values) < width:
                return None
            hit = cache.get(cells(values))
            if hit is None:
                return None
            rid = kind = value = src = ""
            for i, _field, k, s in own:
                v = values[i]
                if not v:
                    continue
                if len(v) > MAX_FIELD or v[0].isspace() or v[-1].isspace() or (k and kind):
                    return None
                if k:
                    kind, value, src = k, v, s
                elif not rid:
                    rid = v
            t = lookup(hit[1], kind, value, src)
            return None if t is None else Result(rid or str(rowno), t)

        return known

    def _shared_obs(self, key: tuple[str, ...], rowno: int) -> tuple[tuple[Observation, ...], str]:
        obs: list[Observation] = []
        for (_i, field), v in zip(self.shared_cols, key, strict=True):
            w = self._read(field, v, rowno) if v else None
            if w is not None:
                obs.append(Observation(_KIND[field], w, _source(self.name, field)))
        if len(self.cache) >= _ROW_CACHE:
            self.cache.clear()
        # a key of its own for each distinct product: one string, quick to hash (its hash is kept,
        # unlike a tuple's or the cells')
        out = self.cache[key] = (tuple(obs), f"{self.token}#{next(_HEADS)}")
        return out


@lru_cache(maxsize=1024)
def _source(name: str, field: str) -> str:
    return f"{name}:{field}"


def _no_columns(path: Path, headers: list[str]) -> SourceError:
    shown = ", ".join(repr(h) for h in headers[:20]) or "(none)"
    return SourceError(
        f"{path}: no recognisable columns (found {shown}); name them with --map COL=FIELD, "
        f"FIELD one of {', '.join(FIELDS)}"
    )


def _csv_rows(
    path: Path, overrides: dict[str, str], warn: list[str], delimiter: str | None, screener: Screener | None
) -> Iterator[Asset | Result]:
    """The assets of the non-blank rows of a CSV/TSV file, or (``screener`` given) their results.

    Screening answers a row the memo already knows without building its asset (see
    :meth:`_CellReader.knower`); other rows are read and screened the usual way.
    """
    with _open_text(path) as fh:
        sample = fh.read(65536)
        fh.seek(0)
        if delimiter is None:
            try:
                delimiter = csv.Sniffer().sniff(sample.split("\n", 5)[0] if sample else ",", ",;\t|").delimiter
            except csv.Error:
                delimiter = ","
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            headers = next(reader)
        except StopIteration:
            raise SourceError(f"{path}: empty file") from None
        except csv.Error as exc:
            raise SourceError(f"{path}: line 1: {exc}") from None
        headers = [h.lstrip("\ufeff") for h in headers]
        mapping = map_columns(headers, overrides)
        if not mapping or set(mapping.values()) <= {"id"}:
            raise _no_columns(path, headers)
        rowno = 1
        cells = _CellReader(mapping, path.name, warn)
        if screener is None:
            known = None
            emit: Callable[[list[str], int], Asset | Result] = cells.asset
        else:
            known, emit = cells.knower(screener), lambda row, rowno: screener.one(cells.asset(row, rowno))
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                rowno += 1
                warn.append(f"{path}:{rowno}: unreadable row ({exc}); skipped")
                continue
            rowno += 1
            for c in row:
                if c and not c.isspace():
                    break
            else:  # an empty row (or one of blanks)
                continue
            if known is not None:
                r = known(row, rowno)
                if r is not None:
                    yield r
                    continue
            yield emit(row, rowno)


def read_csv(path: Path, overrides: dict[str, str], warn: list[str], delimiter: str | None = None) -> Iterator[Asset]:
    """Stream the rows of a CSV/TSV file."""
    return _csv_rows(path, overrides, warn, delimiter, None)  # type: ignore[return-value]


def read_xlsx(path: Path, overrides: dict[str, str], warn: list[str]) -> Iterator[Asset]:
    """Rows of every sheet of a workbook (fastexcel)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except FileNotFoundError:
        raise SourceError(f"{path}: no such file") from None
    except Exception as exc:  # fastexcel raises its own error types for corrupt/unsupported files
        raise SourceError(f"{path}: not a readable XLSX workbook ({type(exc).__name__})") from None
    any_sheet = False
    for sheet_name in reader.sheet_names:
        try:
            sheet = reader.load_sheet_by_name(sheet_name, header_row=None)
            df = sheet.to_polars()
        except Exception as exc:  # a damaged sheet: report it and read the others
            warn.append(f"{path}[{sheet_name}]: unreadable sheet ({type(exc).__name__}); skipped")
            continue
        rows = df.rows()
        hdr_idx = next((i for i, r in enumerate(rows[:20]) if sum(1 for c in r if c not in (None, "")) >= 2), None)
        if hdr_idx is None:
            continue
        headers = ["" if c is None else str(c) for c in rows[hdr_idx]]
        mapping = map_columns(headers, overrides)
        if not mapping or set(mapping.values()) <= {"id"}:
            if len(reader.sheet_names) == 1:
                raise _no_columns(path, headers)
            warn.append(f"{path}[{sheet_name}]: no recognisable columns; sheet skipped")
            continue
        any_sheet = True
        label = path.name if len(reader.sheet_names) == 1 else f"{path.name}[{sheet_name}]"
        for n, row in enumerate(rows[hdr_idx + 1 :], start=hdr_idx + 2):
            cells = [
                "" if c is None else (str(int(c)) if isinstance(c, float) and c.is_integer() else str(c)) for c in row
            ]
            if any(c.strip() for c in cells):
                yield _cells_to_asset(cells, mapping, n, label, warn)
    if not any_sheet and reader.sheet_names:
        raise SourceError(f"{path}: no sheet with recognisable columns")


def _records_from_objects(
    path: Path, items: Iterator[tuple[int, object]], overrides: dict[str, str], warn: list[str]
) -> Iterator[Asset]:
    mapping_cache: dict[tuple[str, ...], dict[int, str]] = {}
    for n, item in items:
        if not isinstance(item, dict):
            warn.append(f"{path}:{n}: not a JSON object; skipped")
            continue
        pairs = list(_flat_fields(item))
        keys = tuple(k for k, _ in pairs)
        mapping = mapping_cache.get(keys)
        if mapping is None:
            mapping = mapping_cache[keys] = map_columns(list(keys), overrides)
        if not mapping:
            warn.append(f"{path}:{n}: no recognisable fields (found {', '.join(keys[:10])}); read as unknown")
        values = [v if isinstance(v, str) else ("" if v is None else json.dumps(v)) for _, v in pairs]
        yield _cells_to_asset(values, mapping, n, path.name, warn)


def _flat_fields(obj: dict[str, object], prefix: str = "", depth: int = 0) -> Iterator[tuple[str, object]]:
    """An object's fields, nested objects' by their dotted path (NetBox's API nests a device's type and its
    maker: ``device_type.manufacturer.name``, ``device_type.model``); lists stay whole."""
    for k, v in obj.items():
        if prefix and k in _REFERENCE_KEYS:  # a nested object's own id, link or label: not the record's
            continue
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, dict) and v and depth < 3:
            yield from _flat_fields(v, key, depth + 1)
        else:
            yield key, v


_REFERENCE_KEYS = frozenset({"id", "url", "display", "slug"})


_RECORD_LISTS = ("results", "items", "rows", "records", "data", "devices", "assets", "hosts", "objects")


def _record_list(doc: object, depth: int = 0) -> list[object] | None:
    """The list of records a JSON document holds: itself, or a list inside it (``{"results": [...]}``,
    or under an object of a usual name, as Home Assistant's ``{"data": {"devices": [...]}}``); of several,
    the one with a usual name, else the longest."""
    if isinstance(doc, list):
        return doc
    if not isinstance(doc, dict) or depth > 2:
        return None
    lists = {str(k): v for k, v in doc.items() if isinstance(v, list) and any(isinstance(x, dict) for x in v)}
    if not lists:  # only under a usual name: one record's own nested lists (its interfaces...) are not records
        for k in _RECORD_LISTS:
            inner = _record_list(doc[k], depth + 1) if isinstance(doc.get(k), dict) else None
            if inner is not None:
                return inner
        return None
    named = [lists[k] for k in _RECORD_LISTS if k in lists]
    return named[0] if named else max(lists.values(), key=len)


def read_json(path: Path, overrides: dict[str, str], warn: list[str]) -> Iterator[Asset]:
    """A JSON array of objects, or an object holding one (``items``, ``rows``, ``data``..., also one level
    down), or one object."""
    with _open_text(path) as fh:
        try:
            doc = jsontext.loads(fh.read())
        except json.JSONDecodeError as exc:
            raise SourceError(f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        except RecursionError:
            raise SourceError(f"{path}: JSON nested too deeply") from None
    records = _record_list(doc)
    if records is None and isinstance(doc, dict):  # one object: one record
        records = [doc]
    if records is None:
        raise SourceError(f"{path}: expected a JSON array of objects")
    yield from _records_from_objects(path, enumerate(records, start=1), overrides, warn)


def read_jsonl(path: Path, overrides: dict[str, str], warn: list[str]) -> Iterator[Asset]:
    """JSON Lines: one object per line; a malformed line is reported with its number."""

    def items() -> Iterator[tuple[int, object]]:
        with _open_text(path) as fh:
            for n, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    yield n, jsontext.loads(line)
                except (json.JSONDecodeError, RecursionError) as exc:
                    msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
                    warn.append(f"{path}:{n}: malformed JSON ({msg}); skipped")

    yield from _records_from_objects(path, items(), overrides, warn)


def read_catalog(path: Path, overrides: dict[str, str], warn: list[str]) -> Iterator[Asset]:
    """Assets of one catalog/inventory file, by its format."""
    yield from _catalog(path, overrides, warn, None)  # type: ignore[misc]


def screen_catalog(path: Path, overrides: dict[str, str], warn: list[str], screener: Screener) -> Iterator[Result]:
    """``screener.one`` of every asset :func:`read_catalog` reads, in order; quicker on CSV.

    A catalog row whose product cells and MAC block were screened before is answered from the
    memo without building its observations (the same result: the memo keys are the same).
    """
    yield from _catalog(path, overrides, warn, screener)  # type: ignore[misc]


def _spooled(
    src: IO[bytes], display: str, name: str, overrides: dict[str, str], warn: list[str], screener: Screener | None
) -> Iterator[Asset | Result]:
    """:func:`_catalog` of a stream that cannot seek (format, encoding and delimiter sniffing read its
    head first): copied to a temporary file ``name`` in 1 MiB pieces, so memory stays flat. Messages
    name ``display``, not the copy."""
    with tempfile.TemporaryDirectory(prefix="trueoem-") as folder:
        copy = Path(folder) / name
        try:
            with copy.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except OSError as exc:
            raise SourceError(f"{display}: cannot read: {exc.strerror or exc}") from None
        seen = len(warn)

        def renamed() -> None:
            nonlocal seen
            for i in range(seen, len(warn)):
                warn[i] = warn[i].replace(str(copy), display)
            seen = len(warn)

        try:
            for x in _catalog(copy, overrides, warn, screener):
                renamed()
                yield x
        except SourceError as exc:
            raise SourceError(str(exc).replace(str(copy), display)) from None
        finally:
            renamed()


def _catalog(
    path: Path, overrides: dict[str, str], warn: list[str], screener: Screener | None
) -> Iterator[Asset | Result]:
    """Assets of a catalog (``screener`` None), or their results."""
    if str(path) == "-":  # standard input: spooled to disk like a pipe (any format, never held in memory)
        yield from _spooled(sys.stdin.buffer, "<stdin>", "<stdin>", overrides, warn, screener)
        return
    if not path.exists():
        raise SourceError(f"{path}: no such file")
    if not path.is_file() and not path.is_dir():  # a pipe (<(...), /dev/stdin): read twice, so copy it
        try:
            src = path.open("rb")
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from None
        with src:
            yield from _spooled(src, str(path), path.name or "input", overrides, warn, screener)
        return
    fmt = detect_format(path)
    if fmt in ("csv", "tsv") and screener is not None:
        yield from _csv_rows(path, overrides, warn, "\t" if fmt == "tsv" else None, screener)
        return
    if fmt == "xlsx":
        assets = read_xlsx(path, overrides, warn)
    elif fmt == "json":
        assets = read_json(path, overrides, warn)
    elif fmt == "jsonl":
        assets = read_jsonl(path, overrides, warn)
    else:
        assets = read_csv(path, overrides, warn, "\t" if fmt == "tsv" else None)
    if screener is None:
        yield from assets
    else:
        for a in assets:
            yield screener.one(a)
