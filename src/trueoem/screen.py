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
from trueoem.model import Asset, Attribution

MEMO_MAX = 200_000


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

    def one(self, asset: Asset) -> Result:
        """The result for one asset."""
        key = tuple(sorted((o.kind, o.value, o.source) for o in asset.observations))
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
