"""Machine formats: JSON Lines, JSON, CSV. Streaming, with serialisation shared between assets
whose attribution is the same (see :mod:`trueoem.screen`)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO

from trueoem.model import Attribution
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

    def __init__(self, limit: int = 100_000) -> None:
        self.d: dict[int, tuple[Attribution, object]] = {}
        self.limit = limit

    def get(self, t: Attribution) -> object | None:
        e = self.d.get(id(t))
        return e[1] if e is not None and e[0] is t else None

    def put(self, t: Attribution, v: object) -> None:
        if len(self.d) >= self.limit:
            self.d.clear()
        self.d[id(t)] = (t, v)


def write_jsonl(results: Iterable[Result], out: IO[str]) -> None:
    """One JSON object per line, ``id`` first."""
    cache = _Cache()
    for r in results:
        rest = cache.get(r.template)
        if rest is None:
            d = r.template.as_dict()
            d.pop("id")
            rest = json.dumps(d, ensure_ascii=False)[1:]
            cache.put(r.template, rest)
        out.write('{"id": ' + json.dumps(r.id, ensure_ascii=False) + (", " + str(rest) if rest != "}" else "}") + "\n")


def write_json(results: Iterable[Result], out: IO[str], summary: dict[str, object] | None = None) -> None:
    """A JSON document: ``{"results": [...], "summary": {...}}``, streamed."""
    out.write('{"schema_version": 1, "results": [\n')
    first = True
    cache = _Cache()
    for r in results:
        rest = cache.get(r.template)
        if rest is None:
            d = r.template.as_dict()
            d.pop("id")
            rest = json.dumps(d, ensure_ascii=False)[1:]
            cache.put(r.template, rest)
        out.write(("" if first else ",\n") + '{"id": ' + json.dumps(r.id, ensure_ascii=False) + ", " + str(rest))
        first = False
    out.write("\n]")
    if summary is not None:
        out.write(', "summary": ' + json.dumps(summary, ensure_ascii=False))
    out.write("}\n")


def csv_row(a: Attribution, rid: str) -> list[str]:
    """One CSV row; evidence as ``rule->claim`` joined with ``; ``."""
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


def write_csv(results: Iterable[Result], out: IO[str]) -> None:
    """CSV with a header row."""
    w = csv.writer(out)
    w.writerow(CSV_COLUMNS)
    cache = _Cache()
    for r in results:
        row = cache.get(r.template)
        if row is None:
            row = csv_row(r.template, "")
            cache.put(r.template, row)
        assert isinstance(row, list)
        w.writerow([r.id, *row[1:]])
