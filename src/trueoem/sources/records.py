"""The JSON Lines record interface (``trueoem attribute``).

One record per line, either ``{"id": ..., "protocol": KIND, "raw": ...}`` or ``{"id": ...,
"observations": [{"protocol": KIND, "raw": ...}, ...], "brand": ..., "model": ..., "mac": ...}``.
``raw`` may be a string, or a dict/list (a parsed response pasted from a log: it is kept as JSON);
``raw_base64`` carries bytes. Consecutive lines with the same id are one asset. A malformed line is
reported with its line number and the rest is read.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator
from typing import Any

from trueoem import jsontext
from trueoem.match.facets import decode_bytes
from trueoem.model import Asset, Observation, canonical_kind

MAX_LINE = 4 * 1024 * 1024
_TOP_LEVEL = (
    "brand",
    "manufacturer",
    "vendor",
    "model",
    "part_number",
    "sku",
    "mpn",
    "description",
    "mac",
    "fcc_id",
    "firmware",
    "serial",
    "date",
)


def _raw_text(obj: dict[str, Any]) -> str | None:
    if "raw_base64" in obj:
        try:
            return decode_bytes(base64.b64decode(str(obj["raw_base64"]), validate=False))
        except (binascii.Error, ValueError):
            return None
    raw = obj.get("raw", obj.get("value", obj.get("data")))
    if raw is None:
        return None
    if isinstance(raw, str):
        return raw
    return json.dumps(raw, ensure_ascii=False)


def observations_of(rec: dict[str, Any], src: str, warn: list[str]) -> list[Observation]:
    """Observations of one record object."""
    out: list[Observation] = []
    items: list[dict[str, Any]] = []
    if "protocol" in rec or "kind" in rec:
        items.append(rec)
    obs = rec.get("observations")
    if isinstance(obs, list):
        items.extend(o for o in obs if isinstance(o, dict))
    for o in items:
        name = str(o.get("protocol") or o.get("kind") or "")
        kind = canonical_kind(name)
        if kind is None:
            warn.append(f"{src}: unknown protocol {name!r}; observation skipped")
            continue
        raw = _raw_text(o)
        if raw is None:
            warn.append(f"{src}: {name} observation without raw; skipped")
            continue
        out.append(Observation(kind, raw, str(o.get("source") or src)))
    for key in _TOP_LEVEL:
        v = rec.get(key)
        if v is None or v == "" or key in ("protocol", "kind"):
            continue
        kind = canonical_kind(key)
        if kind:
            out.append(Observation(kind, v if isinstance(v, str) else json.dumps(v), src))
    return out


def parse_line(line: str, n: int, name: str, warn: list[str]) -> dict[str, Any] | None:
    """The record object of one decoded line, or None (blank, over the cap, malformed: warned)."""
    if not line.strip():
        return None
    if len(line) > MAX_LINE:
        warn.append(f"{name}:{n}: line of {len(line)} bytes is over the {MAX_LINE}-byte cap; skipped")
        return None
    try:
        rec = jsontext.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        warn.append(f"{name}:{n}: malformed JSON ({msg}); skipped")
        return None
    if not isinstance(rec, dict):
        warn.append(f"{name}:{n}: not a JSON object; skipped")
        return None
    return rec


def group_assets(
    records: Iterable[tuple[int, dict[str, Any]]], name: str, warn: list[str], *, close_last: bool = True
) -> Iterator[Asset]:
    """Assets from numbered record objects; consecutive records with one id merge into one asset.

    ``close_last=False`` drops the asset still open at the end (an input that broke off mid-asset).
    """
    cur_id: str | None = None
    cur: list[Observation] = []
    for n, rec in records:
        rid = str(rec.get("id", n))
        obs = observations_of(rec, f"{name}:{n}", warn)
        if rid != cur_id and cur_id is not None:
            yield Asset(cur_id, tuple(cur))
            cur = []
        cur_id = rid
        cur.extend(obs)
    if cur_id is not None and close_last:
        yield Asset(cur_id, tuple(cur))


def read_records(lines: Iterable[str], name: str, warn: list[str]) -> Iterator[Asset]:
    """Assets from JSON Lines; consecutive lines with one id merge into one asset."""
    numbered = ((n, parse_line(line, n, name, warn)) for n, line in enumerate(lines, start=1))
    yield from group_assets(((n, rec) for n, rec in numbered if rec is not None), name, warn)
