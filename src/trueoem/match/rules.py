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
from trueoem.match.trie import trie_pattern

# the standard library's own regex parser (re._parser since 3.11; untyped, hence Any)
_p: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

MIN_LITERAL = 2


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """One rule ready to run."""

    rule: Rule
    regex: re.Pattern[str]
    literals: frozenset[str]  # lower-cased; one of them occurs in every match (empty: no prefilter)


@dataclass(frozen=True, slots=True)
class RuleMatch:
    """A rule that matched a facet value, with what its named groups extracted."""

    rule: Rule
    matched: str
    groups: tuple[tuple[str, str], ...]


Requirement = frozenset[str]  # any one of these literals must occur in a match


def _requirements(items: object) -> list[Requirement]:
    """What every match of a parsed regex sequence must contain: a list of any-of literal sets.

    A run of plain characters is a requirement of one literal; an alternation whose every branch
    has a requirement gives the set of each branch's best literal (any one must occur).
    """
    reqs: list[Requirement] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            reqs.append(frozenset(["".join(cur)]))
            cur.clear()

    for op, av in items:  # type: ignore[attr-defined]
        if op is _c.LITERAL:
            cur.append(chr(av))
            continue
        if op is _c.AT:  # ^, $, \b: zero-width, a run goes on across them
            continue
        flush()
        if op is _c.SUBPATTERN:
            reqs.extend(_requirements(av[-1]))
        elif op is _c.BRANCH:
            alts: set[str] = set()
            for branch in av[1]:
                sub = _requirements(branch)
                if not sub:
                    alts = set()
                    break
                alts.update(_best(sub))
            if alts:
                reqs.append(frozenset(alts))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            reqs.extend(_requirements(av[2]))
    flush()
    return reqs


def _best(reqs: list[Requirement]) -> Requirement:
    """The most selective requirement: the one whose shortest literal is longest."""
    return max(reqs, key=lambda r: (min(len(x) for x in r), -len(r)))


def required_literals(pattern: str, ignore_case: bool) -> Requirement:
    """Literals (lower-cased) one of which every match of ``pattern`` contains; empty when none."""
    try:
        parsed = _p.parse(pattern, re.I if ignore_case else 0)
    except re.error:
        return frozenset()
    reqs = _requirements(parsed)
    if not reqs:
        return frozenset()
    best = _best(reqs)
    if min(len(x) for x in best) < MIN_LITERAL:
        return frozenset()
    return frozenset(x.lower() for x in best)


class RuleIndex:
    """Rules filed by the facet fields they read."""

    def __init__(self, rules: list[Rule]) -> None:
        self.by_field: dict[str, list[CompiledRule]] = {}
        for rule in sorted(rules, key=lambda r: r.id):
            flags = re.I if rule.ignore_case else 0
            cr = CompiledRule(rule, re.compile(rule.pattern, flags), required_literals(rule.pattern, rule.ignore_case))
            for f in rule.fields:
                self.by_field.setdefault(f, []).append(cr)
        self._literals: dict[str, list[tuple[str, list[CompiledRule]]]] = {}
        self._always: dict[str, list[CompiledRule]] = {}
        self._scan: dict[str, re.Pattern[str]] = {}
        self._by_lit: dict[str, dict[str, list[CompiledRule]]] = {}
        for f, crs in self.by_field.items():
            groups: dict[str, list[CompiledRule]] = {}
            for cr in crs:
                if cr.literals:
                    for lit in cr.literals:
                        groups.setdefault(lit, []).append(cr)
                else:
                    self._always.setdefault(f, []).append(cr)
            self._literals[f] = sorted(groups.items())
            if groups:
                # One scan finds every literal present: a zero-width lookahead tries the literals,
                # written as a trie, at each position and reports the longest one found there; a
                # found literal also stands for the shorter literals that are its prefixes.
                lits = sorted(groups, key=lambda x: (-len(x), x))
                self._scan[f] = re.compile("(?=(" + trie_pattern(lits) + "))")
                self._by_lit[f] = {
                    lit: [cr for other in lits if lit.startswith(other) for cr in groups[other]] for lit in lits
                }
        self._cands: dict[tuple[str, frozenset[str]], tuple[CompiledRule, ...]] = {}
        self.match = lru_cache(maxsize=32768)(self._match)

    @property
    def fields(self) -> list[str]:
        """Facet fields some rule reads."""
        return sorted(self.by_field)

    def _match(self, field: str, value: str) -> tuple[RuleMatch, ...]:
        lits = self._literals.get(field)
        always = self._always.get(field, ())
        if lits is None and not always:
            return ()
        scan = self._scan.get(field)
        found = frozenset(scan.findall(value.lower())) if scan is not None else frozenset()
        cands = self._cands.get((field, found))
        if cands is None:
            cands = self._candidates(field, found)
        out: list[RuleMatch] = []
        for cr in cands:
            m = cr.regex.search(value)
            if m:
                groups = tuple((k, v) for k, v in m.groupdict().items() if v)
                out.append(RuleMatch(cr.rule, m.group(0)[:200], groups))
        return tuple(out)

    def _candidates(self, field: str, found: frozenset[str]) -> tuple[CompiledRule, ...]:
        """Rules of ``field`` to run when the literals ``found`` occur: by rule id, each once."""
        cands: dict[str, CompiledRule] = {cr.rule.id: cr for cr in self._always.get(field, ())}
        by_lit = self._by_lit.get(field, {})
        for lit in found:
            for cr in by_lit[lit]:
                cands[cr.rule.id] = cr
        out = tuple(sorted(cands.values(), key=lambda cr: cr.rule.id))
        if len(self._cands) >= 65536:
            self._cands.clear()
        self._cands[(field, found)] = out
        return out
