"""Assets to attributions, memoised. Pure: takes assets and a compiled KB, yields results.

Catalogs and inventories repeat themselves: the same product line appears on many rows, and the
same server header on many hosts. An attribution depends only on the observations' kinds, values
and sources (never on the row's id), so it is computed once per distinct set and shared; each
result carries its own id. The memo is bounded (least recently used entries go first), so memory
stays flat, and it shrinks to a small size while it hardly ever hits (device records with dates and
serial numbers in them), growing back when hits return.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace

from trueoem.attribute import attribute, with_evidence_swapped
from trueoem.match.engine import CompiledKB
from trueoem.match.facets import facets_tuple, normalise_mac
from trueoem.model import Asset, Attribution, Evidence, Observation

MEMO_MAX = 20_000
MEMO_IDLE = 1_000  # the memo's size while fewer than 1% of lookups hit
ADAPT_EVERY = 4_096  # misses between looks at the hit rate
_SEPARATORS = str.maketrans("", "", ":-. ")
_HEX_DIGITS = "0123456789abcdefABCDEF"
# a MAC as it is mostly written (12 hex digits, pairs split by one separator or none): its first
# 8 characters fix its first 6 digits, so they can stand for its 24-bit prefix
_USUAL_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}").fullmatch


@dataclass(slots=True)
class Result:
    """The attribution of one asset: ``template`` is shared between assets with equal inputs.

    Not frozen only because a frozen dataclass is slow to make (a catalog makes one per row);
    nothing changes a result once made.
    """

    id: str
    template: Attribution

    @property
    def attribution(self) -> Attribution:
        """The attribution with this asset's id."""
        return self.template if self.template.id == self.id else replace(self.template, id=self.id)


class Screener:
    """Attributes assets, sharing work between equal ones."""

    def __init__(self, ckb: CompiledKB, memo_max: int = MEMO_MAX) -> None:
        self.ckb = ckb
        self.memo: dict[tuple[object, ...], Attribution] = {}
        self.memo_max = self._memo_cap = max(1, memo_max)
        self._hits = self._misses = 0
        self._block = ckb.oui.block
        self._block24 = ckb.oui.block24
        self._blocks: dict[str, str] = {}  # a MAC's first 6 hex digits -> its key, where they decide it
        self._written: dict[str, str] = {}  # the same, by the first 8 characters of a MAC in a usual form
        self._fast_hits = [0]  # hits counted by :meth:`knower`'s functions, not yet in ``_hits``
        # a catalog product's attribution with a MAC, and that MAC's evidence (see :meth:`_with_mac`)
        self._mac_base: dict[tuple[object, str, str, float], tuple[Attribution, Evidence]] = {}

    def _mac_key(self, value: str) -> str:
        usual = _USUAL_MAC(value) is not None
        if usual:
            k = self._written.get(value[:8])
            if k is not None:
                return k
        h = value.translate(_SEPARATORS)
        if len(h) == 12 and len(value) <= 40 and not h.strip(_HEX_DIGITS):
            # the usual written form: hex digits and separators only, so h is what
            # normalise_mac(value) would read (in any case)
            p = h[:6]
            k = self._blocks.get(p)  # most 24-bit prefixes decide alone
            if k is None:
                h = h.upper()
                b = self._block24(h[:6])
                if b is None:  # a longer block may sit under this prefix: the whole MAC decides
                    return "mac:" + self._block(h)
                if len(self._blocks) >= 65536:
                    self._blocks.clear()
                self._blocks[p] = k = "mac:" + b
            if usual:
                if len(self._written) >= 65536:
                    self._written.clear()
                self._written[value[:8]] = k
            return k
        n = normalise_mac(value)
        if n is not None:
            return "mac:" + self._block(n)
        return value

    def one(self, asset: Asset) -> Result:
        """The result for one asset."""
        # input order is part of the key (a reordered row is a miss, never a wrong hit)
        mk = self._mac_key
        hk = asset.head_key
        obs = asset.observations
        key: tuple[object, ...]
        if hk is not None and len(obs) == asset.head_len + 1:  # a catalog row with its MAC or serial
            o = obs[-1]
            key = self._key1(hk, o.kind, o.value, o.source)
        elif hk is not None and len(obs) == asset.head_len:  # ... or without
            key = (hk, ())
        else:  # the reader's key (if any) stands for the leading observations
            tail = obs if hk is None else obs[asset.head_len :]
            key = tuple(
                [(o.kind, o.value, o.source) if o.kind != "mac" else ("mac", mk(o.value), o.source) for o in tail]
            )
            if hk is not None:  # (hk, 3-tuples...): never a key of the shapes above
                key = (hk, key)
        memo = self.memo
        t = memo.pop(key, None)
        if t is None:
            mac = obs[-1] if hk is not None and len(obs) == asset.head_len + 1 and obs[-1].kind == "mac" else None
            if mac is None:
                t = attribute(asset.id, obs, self.ckb)
            else:
                t = self._with_mac(asset, hk, mac)
            self._take_hits()
            self._misses += 1
            if self._misses >= ADAPT_EVERY:
                self._adapt()
            while len(memo) >= self.memo_max:
                del memo[next(iter(memo))]  # the least recently used
        else:
            self._hits += 1
        memo[key] = t  # (re)inserted last: most recently used
        return Result(asset.id, t)

    def _with_mac(self, asset: Asset, hk: object, mac: Observation) -> Attribution:
        """A catalog row's product with a MAC of a registry block not seen with it before.

        The product's attribution with another block's MAC (``_mac_base``) is reused with the MAC's
        evidence swapped where that gives what attributing afresh would (:func:`with_evidence_swapped`;
        tested against fresh attributions). A catalog of 3,000 products has tens of thousands of
        (product, block) pairs, each judged in full before.
        """
        fs = facets_tuple(mac)
        ev = self.ckb.plain_evidence(fs[0]) if len(fs) == 1 else None
        if ev is None or len(ev) != 1:
            return attribute(asset.id, asset.observations, self.ckb)
        one = ev[0]
        key = (hk, mac.source, one.claim, one.weight)  # blocks of one registrant meet here
        base = self._mac_base.get(key)
        if base is not None:
            t = with_evidence_swapped(base[0], base[1], one)
            if t is not None:
                return t
        t = attribute(asset.id, asset.observations, self.ckb)
        if base is None:
            if len(self._mac_base) >= self.memo_max:
                self._mac_base.clear()
            self._mac_base[key] = (t, one)
        return t

    def _adapt(self) -> None:
        """Keep a big memo only while it pays: device records rarely repeat, and a memo of whole
        attributions that never hit costs hundreds of MB (and the garbage collector's time)."""
        rate = self._hits / (self._hits + self._misses)
        if rate < 0.01:
            self.memo_max = min(self._memo_cap, MEMO_IDLE)
        elif rate >= 0.05:
            self.memo_max = self._memo_cap
        self._hits = self._misses = 0

    def _key1(self, hk: object, kind: str, value: str, source: str) -> tuple[object, ...]:
        """The memo key of an asset with a reader's head key and one observation after the head
        (``kind`` "": none after it)."""
        if not kind:
            return (hk, ())
        return (hk, kind, self._mac_key(value) if kind == "mac" else value, source)

    def knower(self) -> Callable[[object, str, str, str], Attribution | None]:
        """A function for a catalog's row loop: the memoised attribution of an asset with a reader's
        head key and at most one observation after the head (see :meth:`_key1`), or None; nothing
        is computed.

        Same answers as :meth:`one` (tested): the MAC's key takes :meth:`_mac_key`'s cached path when
        its 24-bit prefix was seen before, else the method itself. A hit does not refresh the entry's
        recency (a dict lookup only, for speed): an entry hit only this way is evicted in turn and, if
        still needed, attributed once more. Hits are counted in a cell and added to the adaptive count
        when the memo next misses (:meth:`one` calls :meth:`_take_hits`).
        """
        memo_get, written, mac_key, usual = self.memo.get, self._written, self._mac_key, _USUAL_MAC
        hits = self._fast_hits

        def known(hk: object, kind: str, value: str, source: str) -> Attribution | None:
            if not kind:
                t = memo_get((hk, ()))
            else:
                if kind == "mac":
                    k = written.get(value[:8]) if usual(value) is not None else None
                    value = mac_key(value) if k is None else k
                t = memo_get((hk, kind, value, source))
            if t is not None:
                hits[0] += 1
            return t

        return known

    def _take_hits(self) -> None:
        self._hits += self._fast_hits[0]
        self._fast_hits[0] = 0

    def run(self, assets: Iterable[Asset]) -> Iterator[Result]:
        """Results in input order."""
        for a in assets:
            yield self.one(a)
