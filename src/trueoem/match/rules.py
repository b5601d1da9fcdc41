"""Compiled fingerprint rules: routed by facet field, pre-filtered by literals, memoised.

A naive matcher (nmap, recog) tries every regex of a database against every banner. Here each
rule is filed under the facet fields it reads, and each regex is reduced to a *required literal*
(the longest run of plain characters every match must contain, found by walking the parsed
regex). For one facet value, only rules whose literal occurs in the value (or that have none) run
their full regex. Results are memoised per ``(field, value)``, since real data repeats server
headers, model numbers and firmware strings endlessly. Pure: no I/O.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from trueoem.kb.schema import Rule

# the standard library's own regex parser (re._parser since 3.11; untyped, hence Any)
_p: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

MIN_LITERAL = 3


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run."""

    rule: Rule
    regex: re.Pattern[str]
    literal: str  # lower-cased required literal, "" when none


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched a facet value, with what its named groups extracted."""

    rule: Rule
    matched: str
    groups: tuple[tuple[str, str], ...]


def _runs(items: object, ignore_case: bool) -> list[str]:
    """Literal runs of a parsed regex sequence that every match must contain."""
    runs: list[str] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            runs.append("".join(cur))
            cur.clear()

    for op, av in items:  # type: ignore[attr-defined]
        if op is _c.LITERAL:
            cur.append(chr(av))
        elif op is _c.SUBPATTERN:
            sub = av[-1]
            flush()
            if not any(o is _c.BRANCH for o, _ in sub):
                runs.extend(_runs(sub, ignore_case))
        elif op in (_c.AT, _c.ASSERT, _c.ASSERT_NOT):
            flush() if op is not _c.AT else None
        elif op is _c.MAX_REPEAT or op is _c.MIN_REPEAT:
            lo, _hi, sub = av
            flush()
            if lo >= 1:
                inner = _runs(sub, ignore_case)
                runs.extend(inner)
        else:
            flush()
    flush()
    return runs


def required_literal(pattern: str, ignore_case: bool) -> str:
    """The longest literal every match of ``pattern`` contains (lower-cased), or ""."""
    try:
        parsed = _p.parse(pattern, re.I if ignore_case else 0)
    except re.error:
        return ""
    if parsed.state.flags & re.I:
        ignore_case = True
    runs = _runs(parsed, ignore_case)
    best = max(runs, key=len, default="")
    return best.lower() if len(best) >= MIN_LITERAL else ""


class RuleIndex:
    """Rules filed by the facet fields they read."""

    def __init__(self, rules: list[Rule]) -> None:
        self.by_field: dict[str, list[CompiledRule]] = {}
        for rule in sorted(rules, key=lambda r: r.id):
            flags = re.I if rule.ignore_case else 0
            cr = CompiledRule(rule, re.compile(rule.pattern, flags), required_literal(rule.pattern, rule.ignore_case))
            for f in rule.fields:
                self.by_field.setdefault(f, []).append(cr)
        self._literals: dict[str, list[tuple[str, list[CompiledRule]]]] = {}
        self._always: dict[str, list[CompiledRule]] = {}
        for f, crs in self.by_field.items():
            groups: dict[str, list[CompiledRule]] = {}
            for cr in crs:
                if cr.literal:
                    groups.setdefault(cr.literal, []).append(cr)
                else:
                    self._always.setdefault(f, []).append(cr)
            self._literals[f] = sorted(groups.items())
        self.match = lru_cache(maxsize=131072)(self._match)

    @property
    def fields(self) -> list[str]:
        """Facet fields some rule reads."""
        return sorted(self.by_field)

    def _match(self, field: str, value: str) -> tuple[RuleMatch, ...]:
        lits = self._literals.get(field)
        always = self._always.get(field, ())
        if lits is None and not always:
            return ()
        low = value.lower()
        out: list[RuleMatch] = []
        cands: list[CompiledRule] = list(always)
        if lits:
            for lit, crs in lits:
                if lit in low:
                    cands.extend(crs)
        for cr in cands:
            m = cr.regex.search(value)
            if m:
                groups = tuple((k, v) for k, v in m.groupdict().items() if v)
                out.append(RuleMatch(cr.rule, m.group(0)[:200], groups))
        if len(out) > 1:
            out.sort(key=lambda rm: rm.rule.id)
        return tuple(out)

    def naive_match(self, value: str) -> list[Rule]:
        """The baseline: every rule's regex against the value, in turn (benchmarks only)."""
        seen: set[str] = set()
        hits = []
        for crs in self.by_field.values():
            for cr in crs:
                if cr.rule.id not in seen and cr.regex.search(value):
                    seen.add(cr.rule.id)
                    hits.append(cr.rule)
        return hits
