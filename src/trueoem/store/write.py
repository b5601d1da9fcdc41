"""The store's hot write path in SQLAlchemy Core: one host or row per call, a handful of statements.

``record`` is called once per scanned host or catalog row, so it avoids the ORM's unit of work:
it finds the asset (:mod:`trueoem.store.identity`), inserts or updates it, its keys, address and
sighting with update-then-insert, and its observations with one ``executemany``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.orm import Session

from trueoem.model import Attribution, Observation
from trueoem.store import identity as ident
from trueoem.store.tables import (
    AssetAddress,
    AssetKey,
    AssetRow,
    AttributionRow,
    ObservationRow,
    Sighting,
)


def record(
    s: Session,
    scan_id: int,
    now: datetime,
    ip: str | None,
    fields: dict[str, str],
    keys: list[tuple[str, str]],
    observations: Sequence[Observation],
) -> int:
    """Store one host/row (``fields``: mac, serial, external_id that are known); return its asset id."""
    conn = s.connection()
    found = ident.find_assets(conn, keys, scan_id, ip)
    values: dict[str, Any] = {**fields, "last_seen": now}
    if ip is not None:
        values["last_ip"] = ip
    if not found:  # a new asset: nothing to update, insert everything
        asset_id = conn.execute(insert(AssetRow).values(first_seen=now, **values).returning(AssetRow.id)).scalar_one()
        if keys:
            conn.execute(insert(AssetKey), [{"asset_id": asset_id, "kind": k, "value": v} for k, v in keys])
        if ip is not None:
            conn.execute(insert(AssetAddress).values(asset_id=asset_id, ip=ip, first_seen=now, last_seen=now))
        conn.execute(insert(Sighting).values(scan_id=scan_id, asset_id=asset_id, ip=ip, first_seen=now, last_seen=now))
        _observations(conn, asset_id, scan_id, observations, now, new=True)
        return asset_id
    asset_id = found[0]
    if len(found) > 1:
        ident.merge(s, asset_id, found[1:])
    conn.execute(update(AssetRow).where(AssetRow.id == asset_id).values(values))
    if keys:
        have = set(conn.execute(select(AssetKey.kind, AssetKey.value).where(AssetKey.asset_id == asset_id)).all())
        if missing := [k for k in keys if k not in have]:
            conn.execute(insert(AssetKey), [{"asset_id": asset_id, "kind": k, "value": v} for k, v in missing])
    if ip is not None:
        _upsert_seen(conn, AssetAddress, {"asset_id": asset_id, "ip": ip}, now)
    _upsert_seen(conn, Sighting, {"scan_id": scan_id, "asset_id": asset_id}, now, {"ip": ip} if ip else {})
    _observations(conn, asset_id, scan_id, observations, now)
    return asset_id


def _upsert_seen(
    conn: Connection,
    table: type[AssetAddress] | type[Sighting],
    where: dict[str, Any],
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    cond = [getattr(table, k) == v for k, v in where.items()]
    n = conn.execute(update(table).where(*cond).values(last_seen=now, **(extra or {}))).rowcount
    if not n:
        conn.execute(insert(table).values(**where, **(extra or {}), first_seen=now, last_seen=now))


def _observations(
    conn: Connection, asset_id: int, scan_id: int, obs: Sequence[Observation], now: datetime, new: bool = False
) -> None:
    by_digest = {ident.digest(o): o for o in obs}
    if not by_digest:
        return
    where = (ObservationRow.asset_id == asset_id, ObservationRow.digest.in_(list(by_digest)))
    have: set[str] = set() if new else set(conn.scalars(select(ObservationRow.digest).where(*where)))
    if have:
        conn.execute(
            update(ObservationRow)
            .where(ObservationRow.asset_id == asset_id, ObservationRow.digest.in_(list(have)))
            .values(last_seen=now, last_scan_id=scan_id)
        )
    rows = [
        {
            "asset_id": asset_id,
            "digest": d,
            "kind": o.kind,
            "value": o.value,
            "source": o.source,
            "seen_at": o.seen_at,
            "first_scan_id": scan_id,
            "last_scan_id": scan_id,
            "first_seen": now,
            "last_seen": now,
        }
        for d, o in by_digest.items()
        if d not in have
    ]
    if rows:
        conn.execute(insert(ObservationRow), rows)


def add_attribution(s: Session, asset_id: int, scan_id: int | None, a: Attribution, now: datetime) -> int:
    """Store an attribution of the asset; the asset's label becomes its label brand. Return its id."""
    conn = s.connection()
    aid = conn.execute(
        insert(AttributionRow)
        .values(
            asset_id=asset_id,
            scan_id=scan_id,
            kb_version=a.kb_version,
            created_at=now,
            verdict=a.verdict.value,
            oem=a.oem,
            confidence=a.confidence,
            label_brand=a.label_brand,
            white_label=a.white_label,
            record=a.as_dict(),
        )
        .returning(AttributionRow.id)
    ).scalar_one()
    if a.label_brand:
        conn.execute(update(AssetRow).where(AssetRow.id == asset_id).values(label=a.label_brand))
    return int(aid)
