"""Assets to attributions, memoised. Pure: takes assets and a compiled KB, yields results.

Catalogs and inventories repeat themselves: the same product line appears on many rows, and the
same server header on many hosts. An attribution depends only on the observations' kinds, values
and sources (never on the row's id), so it is computed once per distinct set and shared; each
result carries its own id. The memo is bounded: when full it is cleared, so memory stays flat.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

from trueoem.attribute import attribute
from trueoem.match.engine import CompiledKB
from trueoem.match.facets import normalise_mac
from trueoem.model import Asset, Attribution, Observation

MEMO_MAX = 50_000


@dataclass(frozen=True, slots=True)
class Result:
    """The attribution of one asset: ``template`` is shared between assets with equal inputs."""

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
        self.memo: dict[tuple[tuple[str, str, str], ...], Attribution] = {}
        self.memo_max = memo_max

    def _key_value(self, o: Observation) -> str:
        """The part of an observation's value the attribution depends on.

        A MAC address matters only by the registry block it falls in (its evidence shows only that
        prefix), so rows of one product line with unique MACs share one attribution.
        """
        if o.kind == "mac":
            n = normalise_mac(o.value)
            if n is not None:
                return "mac:" + self.ckb.oui.block(n)
        return o.value

    def one(self, asset: Asset) -> Result:
        """The result for one asset."""
        # input order is part of the key (a reordered row is a miss, never a wrong hit)
        key = tuple(
            [(o.kind, self._key_value(o) if o.kind == "mac" else o.value, o.source) for o in asset.observations]
        )
        t = self.memo.get(key)
        if t is None:
            if len(self.memo) >= self.memo_max:
                self.memo.clear()
            t = self.memo[key] = attribute(asset.id, asset.observations, self.ckb)
        return Result(asset.id, t)

    def run(self, assets: Iterable[Asset]) -> Iterator[Result]:
        """Results in input order."""
        for a in assets:
            yield self.one(a)
