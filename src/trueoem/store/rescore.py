"""Re-attribute stored assets from their stored observations with the current KB, one batch at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trueoem.match.engine import CompiledKB
from trueoem.model import Asset, Observation
from trueoem.screen import Screener
from trueoem.store import write
from trueoem.store.codec import utcnow
from trueoem.store.results import asset_info
from trueoem.store.tables import AssetRow, AttributionRow, ObservationRow


def rescore_batch(
    s: Session, ckb: CompiledKB, scan_id: int, after: int, batch: int, force: bool
) -> tuple[int, int | None]:
    """Rescore up to ``batch`` assets with ids above ``after``; return (rescored, last id or None at the end).

    An asset is skipped when its newest attribution already has ``ckb``'s KB version (unless
    ``force``). The new attribution keeps the id of the previous one (the catalog row id, host
    name, ...), else the asset's name. Equal observation sets are attributed once (:class:`Screener`).
    """
    version = ckb.kb.version
    newest = (
        select(AttributionRow.asset_id, func.max(AttributionRow.id).label("aid"))
        .group_by(AttributionRow.asset_id)
        .subquery()
    )
    q = (
        select(AssetRow, AttributionRow)
        .outerjoin(newest, newest.c.asset_id == AssetRow.id)
        .outerjoin(AttributionRow, AttributionRow.id == newest.c.aid)
        .where(AssetRow.id > after)
        .order_by(AssetRow.id)
        .limit(batch)
    )
    rows = s.execute(q).all()
    todo = [(a, prev) for a, prev in rows if force or prev is None or prev.kb_version != version]
    obs: dict[int, list[Observation]] = {a.id: [] for a, _ in todo}
    if obs:
        q2 = (
            select(
                ObservationRow.asset_id,
                ObservationRow.kind,
                ObservationRow.value,
                ObservationRow.source,
                ObservationRow.seen_at,
            )
            .where(ObservationRow.asset_id.in_(list(obs)))
            .order_by(ObservationRow.id)
        )
        for r in s.execute(q2):
            obs[r.asset_id].append(Observation(r.kind, r.value, r.source, r.seen_at))
    screener = Screener(ckb)
    now = utcnow()
    for a, prev in todo:
        name = prev.record.get("id") if prev is not None else None
        asset = Asset(str(name or asset_info(a).name), tuple(obs[a.id]))
        write.add_attribution(s, a.id, scan_id, screener.one(asset).attribution, now)
    return len(todo), (rows[-1][0].id if len(rows) == batch else None)
