"""MAC address prefixes to registrants, and registrants to KB entities or brands. Pure.

Built from ``(hex prefix, organisation)`` rows (see :mod:`trueoem.kb.oui_registry`): MA-S/IAB
(36 bits) are tried before MA-M (28 bits) before MA-L (24 bits). A registrant name maps to a KB
entity or brand through the ``ieee_org_patterns`` of the KB; explicit ``oui_assignments`` win.
Locally administered addresses (randomised, virtual) identify no manufacturer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from trueoem.kb.loader import KnowledgeBase

_LOCAL = frozenset("2367ABEFabef")  # hex digits with the locally-administered bit (0x2) set


@dataclass(frozen=True, slots=True)
class OuiHit:
    """A MAC prefix's registrant and what it means in the KB."""

    prefix: str
    organisation: str
    target_kind: str  # "entity" | "brand" | "" (registrant not in the KB)
    target: str
    pattern: str
    source: str
    confidence: str


class OuiIndex:
    """Prefix lookup over registry rows that are loaded on first use."""

    def __init__(self, kb: KnowledgeBase, rows: Callable[[], list[tuple[str, str]]]) -> None:
        self._rows = rows
        self._table: dict[str, str] | None = None
        self._deep: frozenset[str] | None = None
        self._kb = kb
        pats: list[tuple[re.Pattern[str], str, str, str, str]] = []
        for e in sorted(kb.entities.values(), key=lambda e: e.id):
            for p in e.ieee_org_patterns:
                pats.append((re.compile(p, re.I), "entity", e.id, e.source, e.confidence))
        for b in sorted(kb.brands.values(), key=lambda b: b.id):
            for p in b.ieee_org_patterns:
                pats.append((re.compile(p, re.I), "brand", b.id, b.source, b.confidence))
        self._patterns = pats
        self.lookup = lru_cache(maxsize=16384)(self._lookup)
        self._org = lru_cache(maxsize=16384)(self._map_org)

    def table(self) -> dict[str, str]:
        """The prefix table (loaded once)."""
        if self._table is None:
            self._table = dict(self._rows())
        return self._table

    def block(self, mac: str) -> str:
        """The prefix that decides :meth:`lookup` for ``mac`` ("" when no block is known): cheap."""
        if len(mac) >= 2 and mac[1] in _LOCAL:  # the U/L bit (mac is upper-case hex)
            return mac[:6]
        deep = self._deep
        if deep is None:
            deep = self._deep_prefixes()
        p = mac[:6]
        if p in deep:  # a 28- or 36-bit block may sit inside this 24-bit one
            table, pinned = self.table(), self._kb.oui_assignments
            for n in (9, 7):
                q = mac[:n]
                if len(q) == n and (q in pinned or q in table):
                    return q
        return p if len(p) == 6 and (p in self._kb.oui_assignments or p in self.table()) else ""

    def block24(self, prefix: str) -> str | None:
        """:meth:`block` of every MAC that starts with these 6 upper-case hex digits, or None when
        a longer (MA-M, MA-S, pinned) block under them may decide instead."""
        deep = self._deep if self._deep is not None else self._deep_prefixes()
        if len(prefix) != 6 or (prefix in deep and prefix[1] not in _LOCAL):
            return None
        return self.block(prefix + "000000")

    def _deep_prefixes(self) -> frozenset[str]:
        """24-bit prefixes under which a longer (MA-M, MA-S, pinned) prefix is known."""
        keys = [*self.table(), *self._kb.oui_assignments]
        self._deep = frozenset(k[:6] for k in keys if len(k) > 6)
        return self._deep

    def _map_org(self, org: str) -> tuple[str, str, str, str, str]:
        for rx, kind, target, source, conf in self._patterns:
            if rx.search(org):
                return kind, target, rx.pattern, source, conf
        return "", "", "", "", ""

    def _lookup(self, mac: str) -> OuiHit | None:
        """``mac``: 6 to 12 upper-case hex digits (only the first 9 matter: look up ``mac[:9]``)."""
        if len(mac) >= 2 and int(mac[1], 16) & 2:
            return OuiHit(mac[:6], "(locally administered address)", "", "", "", "IEEE 802 U/L bit", "high")
        for n in (9, 7, 6):
            if len(mac) < n:
                continue
            prefix = mac[:n]
            pinned = self._kb.oui_assignments.get(prefix)
            if pinned:
                kind = "entity" if pinned.entity in self._kb.entities else "brand"
                return OuiHit(
                    prefix,
                    pinned.note or pinned.entity,
                    kind,
                    pinned.entity,
                    "oui_assignments",
                    pinned.source,
                    pinned.confidence,
                )
            org = self.table().get(prefix)
            if org:
                kind, target, pat, source, conf = self._org(org)
                return OuiHit(prefix, org, kind, target, pat, source or "IEEE registry", conf or "high")
        return None
