"""Attributions to JSON text, fast: the bytes ``json.dumps(a.as_dict(), ensure_ascii=False)`` gives.

An output line repeats what other lines said: the same legal basis, rule citations, notes and
candidates, with only the row id, a MAC block or a host's address changed. ``json.dumps`` escapes
every string again on every line (most of the cost of writing a device record); here each piece of
evidence, each candidate and each string is encoded once and the line is joined from the pieces.
The output is byte-for-byte the ``json.dumps`` of :meth:`~trueoem.model.Attribution.as_dict`
(tested), so this is purely a speed-up. Pure: no I/O.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache

from trueoem.model import Attribution, Candidate, Evidence

CACHE_MAX = 8192  # pieces remembered (a catalog has thousands; records rarely repeat theirs)


# a string as a JSON literal: the C function json.dumps(ensure_ascii=False) itself uses for strings
_s: Callable[[str], str] = json.encoder.encode_basestring


def _opt(v: str | None) -> str:
    return "null" if v is None else _s(v)


def _strs(vs: tuple[str, ...]) -> str:
    return "[" + ", ".join([_s(v) for v in vs]) + "]" if vs else "[]"


@lru_cache(maxsize=CACHE_MAX)
def _ev_head(rule: str, field: str, matched: str, claim: str, weight: str, source: str) -> str:
    return (
        f'{{"rule": {_s(rule)}, "kind": {_s(field)}, "matched": {_s(matched)}, "claim": {_s(claim)}, '
        f'"weight": {weight}, "source": {_s(source)}'
    )


@lru_cache(maxsize=CACHE_MAX)
def _ev_tail(extracted: tuple[tuple[str, str], ...], note: str) -> str:
    out = ""
    if extracted:
        out += ', "extracted": ' + json.dumps(dict(extracted), ensure_ascii=False)
    if note:
        out += ', "note": ' + _s(note)
    return out + "}"


# Numbers go into the cache keys as the text they are written as: 0.0 and -0.0 (or 1 and 1.0) are equal
# keys to a cache but are written differently by json.dumps.


def _evidence(e: Evidence, weight: str) -> str:
    # not cached whole: a device record's evidence says which record it is from, so it never repeats
    # (its head and tail do)
    head = _ev_head(e.rule, e.field, e.matched, e.claim, weight, e.source)
    frm = ', "from": ' + _s(e.observation_source) if e.observation_source else ""
    return head + frm + _ev_tail(e.extracted, e.note)


@lru_cache(maxsize=CACHE_MAX)
def _candidate(c: Candidate, probability: str) -> str:
    covered = "true" if c.covered else "false"
    return f'{{"oem": {_s(c.oem)}, "name": {_s(c.name)}, "covered": {covered}, "probability": {probability}}}'


def attribution_rest(a: Attribution) -> str:
    """The JSON object of ``a`` without its ``id`` and ``extra`` fields, from after the opening brace.

    ``"{" + attribution_rest(a)`` is ``json.dumps`` of ``as_dict()`` without ``id`` (and ``extra``).
    """
    ev = "[" + ", ".join([_evidence(e, repr(round(e.weight, 3))) for e in a.evidence]) + "]" if a.evidence else "[]"
    alts = (
        "[" + ", ".join([_candidate(c, repr(round(c.probability, 4))) for c in a.alternatives]) + "]"
        if a.alternatives
        else "[]"
    )
    return (
        f'"verdict": {_s(a.verdict.value)}, "oem": {_opt(a.oem)}, "oem_name": {_opt(a.oem_name)}, '
        f'"confidence": {round(a.confidence, 4)!r}, "label_brand": {_opt(a.label_brand)}, '
        f'"white_label": {"true" if a.white_label else "false"}, "legal_basis": {_opt(a.legal_basis)}, '
        f'"model": {_opt(a.model)}, "category": {_opt(a.category)}, "platform": {_strs(a.platform)}, '
        f'"evidence": {ev}, "alternatives": {alts}, "conflicts": {_strs(a.conflicts)}, '
        f'"notes": {_strs(a.notes)}, "kb_version": {_s(a.kb_version)}}}'
    )


_KEYS = frozenset({"id", *Attribution.__dataclass_fields__, "platform"})


def attribution_json(a: Attribution, with_id: bool = True) -> str:
    """``json.dumps(a.as_dict(), ensure_ascii=False)``; ``with_id=False`` leaves ``id`` out."""
    finite = math.isfinite(a.confidence) and all(math.isfinite(c.probability) for c in a.alternatives)
    if not (finite and all(math.isfinite(e.weight) for e in a.evidence)) or (
        a.extra and any(k in _KEYS for k, _ in a.extra)
    ):  # NaN, or an extra field that shadows a standard one: the general path keeps the rules
        d = a.as_dict()
        if not with_id:
            d.pop("id")
        return json.dumps(d, ensure_ascii=False)
    parts = []
    if with_id:
        parts.append('"id": ' + _s(a.id))
    if a.extra:
        parts.append(json.dumps(dict(a.extra), ensure_ascii=False)[1:-1])
    rest = attribution_rest(a)
    return "{" + ", ".join(parts) + (", " if parts else "") + rest
