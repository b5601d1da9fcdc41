"""Catalog upload and screening: the web side of ``trueoem check`` (same reader, same screener)."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from fastapi import UploadFile

from trueoem.jobs import Saver
from trueoem.report.data import visible
from trueoem.screen import Screener
from trueoem.sources.catalog import SourceError, read_catalog
from trueoem.web.deps import Context
from trueoem.web.errors import ApiError

SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".jsonl", ".ndjson")
ROWS_SHOWN = 2000
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(filename: str | None) -> str:
    """A harmless file name for the upload (no path, no odd characters, at most 100 characters)."""
    base = (filename or "upload.csv").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", base).strip("._") or "upload.csv"
    return name[-100:]


async def screen_upload(c: Context, upload: UploadFile, save: bool) -> dict[str, Any]:
    """Screen an uploaded catalog; with ``save``, store the rows as a ``check`` run."""
    name = safe_name(upload.filename)
    if not name.lower().endswith(SUFFIXES):
        name += ".csv"
    with tempfile.TemporaryDirectory(prefix="trueoem-upload-") as tmp:
        path = Path(tmp) / name
        size = 0
        with path.open("wb") as fh:
            while chunk := await upload.read(1 << 20):
                size += len(chunk)
                if size > c.max_upload:
                    raise ApiError(413, f"the file is larger than {c.max_upload // (1 << 20)} MiB")
                fh.write(chunk)
        if size == 0:
            raise ApiError(422, "the file is empty", [{"loc": ["body", "file"], "msg": "empty file", "type": "value"}])
        return _screen(c, path, name, save)


def _screen(c: Context, path: Path, name: str, save: bool) -> dict[str, Any]:
    warn: list[str] = []
    screener = Screener(c.ckb)
    saver = (
        Saver(c.store, c.store.begin_scan("check", {"files": [name], "via": "web"}, c.ckb.kb.version)) if save else None
    )
    rows: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    total = 0
    try:
        for a in read_catalog(path, {}, warn):
            r = screener.one(a)
            t = r.attribution
            if saver is not None:
                saver.add(name, a, t)
            total += 1
            counts[t.verdict.value] = counts.get(t.verdict.value, 0) + 1
            if len(rows) < ROWS_SHOWN:
                rows.append(
                    {
                        "id": visible(t.id, 300),
                        "verdict": t.verdict.value,
                        "oem": visible(t.oem, 200) if t.oem else None,
                        "confidence": round(t.confidence, 4),
                        "label_brand": visible(t.label_brand, 200) if t.label_brand else None,
                        "white_label": t.white_label,
                    }
                )
    except SourceError as exc:
        if saver is not None:
            saver.flush()
            c.store.finish_scan(saver.scan_id, "failed")
        msg = visible(str(exc).replace(str(path.parent) + "/", ""), 500)
        raise ApiError(422, msg, [{"loc": ["body", "file"], "msg": msg, "type": "source"}]) from None
    scan_id = None
    if saver is not None:
        saver.flush()
        c.store.finish_scan(saver.scan_id, "done")
        scan_id = saver.scan_id
    order = {"covered": 0, "likely_covered": 1, "unknown": 2, "not_covered": 3}
    rows.sort(key=lambda r: order.get(r["verdict"], 9))
    return {
        "file": name,
        "total": total,
        "counts": counts,
        "rows": rows,
        "truncated": total > len(rows),
        "warnings": [visible(w.replace(str(path.parent) + "/", ""), 500) for w in warn[:200]],
        "scan_id": scan_id,
    }
