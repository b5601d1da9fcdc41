"""Brand and company names: exact, normalised, fuzzy, and inside free text. Pure.

Names come from the KB: brands (with aliases), entities (name, legal name, aliases) and entity
members (subsidiaries and affiliates). A lookup answers which KB brand or entity a label,
manufacturer column or device-reported manufacturer names. Free text is scanned for names on word
boundaries, case-sensitively (as printed or in capitals, so the word "axis" in "3-axis gimbal" is
not Axis), and a mention right after "compatible with", "replacement for" and the like is ignored:
it names another product, not this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from trueoem.kb.loader import KnowledgeBase
from trueoem.match.context import negated
from trueoem.match.facets import CJK_CHAR
from trueoem.match.trie import trie_pattern

_SUFFIXES = re.compile(
    r"\b(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|gmbh|ag|sa|s\.a\.u|bv|ab|"
    r"pte|pvt|private|group|holdings?|international|intl)\b\.?",
    re.I,
)
_NON_WORD = re.compile(r"[^0-9a-z\u0400-\u04ff\u4e00-\u9fff]+")  # Latin, Cyrillic, CJK


def normalise_name(name: str) -> str:
    """Lower-case, corporate suffixes and punctuation removed, spaces collapsed."""
    n = _SUFFIXES.sub(" ", name.lower())
    return " ".join(_NON_WORD.sub(" ", n).split())


@dataclass(frozen=True, slots=True)
class NameHit:
    """What a name denotes in the KB."""

    kind: str  # "brand" | "entity" | "member"
    id: str  # brand id or entity id
    name: str  # the KB's name for it
    matched: str  # the text that matched
    how: str  # "exact" | "fuzzy" | "text"
    score: float = 100.0
    member: str = ""  # member (subsidiary) name, for kind == "member"


# words after a name that make a label about another maker's product, not that maker's
_QUALIFIED = re.compile(r"\b(?:compatible|compliant|style|type|replacement|alternative|for)\b")


class BrandIndex:
    """All KB names, ready for lookup."""

    def __init__(self, kb: KnowledgeBase) -> None:
        self.names: dict[str, NameHit] = {}
        spellings: set[str] = set()

        def put(raw: str, hit: NameHit) -> None:
            key = normalise_name(raw)
            if key and key not in self.names:
                self.names[key] = hit
            if key and self.names[key].id == hit.id:
                spellings.add(raw)

        for b in sorted(kb.brands.values(), key=lambda b: b.id):
            for n in [b.name, *b.aliases]:
                put(n, NameHit("brand", b.id, b.name, n, "exact"))
        for e in sorted(kb.entities.values(), key=lambda e: e.id):
            for n in [e.name, e.legal_name, *e.aliases]:
                put(n, NameHit("entity", e.id, e.name, n, "exact"))
            for m in e.members:
                for n in [m.name, *m.aliases]:
                    put(n, NameHit("member", e.id, e.name, n, "exact", member=m.name))
        self._fuzzy_keys = [k for k in self.names if len(k) >= 5]
        # free-text scan: printed form and capitals, longest first, on word boundaries; the names of
        # the covered makers and their own brands also in lower case ("型号 zte zxv10 ...", "huawei
        # e3372 stick"): none of them is a word of its own, as "honor" or "axis" would be
        lower_ok = {e.id for e in kb.entities.values() if e.covered}
        lower_ok |= {b.id for b in kb.brands.values() if b.owner in lower_ok and b.type in ("own_brand", "subsidiary")}
        variants: set[str] = set()
        for raw in spellings:
            key = normalise_name(raw)
            covered_own = self.names[key].id in lower_ok
            # two Chinese characters make a name (华为, 大华, 中兴), for the covered makers and their own brands
            if len(key) < 3 and not (len(key) == 2 and covered_own and CJK_CHAR.search(raw)):
                continue
            variants.add(raw)
            variants.add(raw.upper())
            if covered_own and raw.isascii():
                variants.add(raw.lower())
        # written as tries (one try per character, not one per name): at a position the longest name
        # that fits its boundaries matches, as a longest-first alternation would
        alts = sorted(v for v in variants if not CJK_CHAR.search(v))
        # names in Chinese or Japanese script: text in those scripts has no spaces between words
        # ("华为路由AX3"), so no word boundary is asked of them
        cjk = sorted(v for v in variants if CJK_CHAR.search(v))
        parts = []
        if cjk:
            parts.append("(" + trie_pattern(cjk) + ")")
        if alts:
            parts.append(r"(?<![\w\-])(" + trie_pattern(alts) + r")(?![\w\-])")
        self._text_re = re.compile("|".join(parts)) if parts else None
        self.lookup = lru_cache(maxsize=16384)(self._lookup)
        self.in_text = lru_cache(maxsize=16384)(self._in_text)

    def _lookup(self, text: str) -> NameHit | None:
        key = normalise_name(text)
        if not key:
            return None
        hit = self.names.get(key)
        if hit:
            return NameHit(hit.kind, hit.id, hit.name, text, "exact", 100.0, hit.member)
        # a longer label that starts with a known name ("Hikvision USA Inc.", "Dahua Technology Co")
        words = key.split()
        if _QUALIFIED.search(key):  # "Hikvision compatible", "Dahua-style": another maker's label
            return None
        for n in range(len(words) - 1, 0, -1):
            hit = self.names.get(" ".join(words[:n]))
            if hit and len(" ".join(words[:n])) >= 3:
                return NameHit(hit.kind, hit.id, hit.name, text, "exact", 95.0, hit.member)
        if len(key) >= 5 and self._fuzzy_keys:
            best = process.extractOne(key, self._fuzzy_keys, scorer=fuzz.ratio, score_cutoff=88)
            if best:
                hit = self.names[best[0]]
                return NameHit(hit.kind, hit.id, hit.name, text, "fuzzy", float(best[1]), hit.member)
        return None

    def _in_text(self, text: str) -> tuple[NameHit, ...]:
        if self._text_re is None:
            return ()
        out: list[NameHit] = []
        seen: set[tuple[str, str]] = set()
        for m in self._text_re.finditer(text[:8192]):
            if negated(text, m.start(), m.end()):
                continue
            name = m.group(0)
            hit = self.names.get(normalise_name(name))
            if hit and (hit.kind, hit.id) not in seen:
                seen.add((hit.kind, hit.id))
                out.append(NameHit(hit.kind, hit.id, hit.name, name, "text", 100.0, hit.member))
        return tuple(out)
