"""Which stored asset is this? Identity keys, their normalisation, and merging assets.

A host or row is the same asset as a stored one when they share a normalised MAC, else a serial,
else an external id (catalog/record id with its source file), else -- within one scan only -- an
IP address. Addresses alone never join assets across scans (DHCP reuses them). When the keys of
one record name several stored assets (a MAC seen on one, the serial on another), the keys say
they are one device, so the assets are merged into the one the strongest key names.

MACs that cannot name one device are not used as keys: malformed ones, all-zero, broadcast and
multicast (group bit set). Serials that are placeholders ("0", "N/A", "unknown", "123456789", a
single repeated character, ...) are not keys either. Both stay as observations.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.orm import Session

from trueoem.model import Observation
from trueoem.store.tables import (
    AssetAddress,
    AssetKey,
    AssetRow,
    AttributionRow,
    ObservationRow,
    Sighting,
)

_HEX = re.compile(r"[0-9a-f]{12}")
_SEPARATORS = re.compile(r"[\s:.\-]")
_PLACEHOLDER_SERIALS = {
    "",
    "0",
    "na",
    "n/a",
    "none",
    "null",
    "unknown",
    "default",
    "serial",
    "sn",
    "tbd",
    "123456",
    "1234567890",
    "123456789",
    "0123456789",
    "to be filled by o.e.m.",
    "default string",
}


def normalise_mac(mac: str | None) -> str | None:
    """``aa:bb:cc:dd:ee:ff`` for a unicast MAC, else None (not usable as an identity key)."""
    if not mac:
        return None
    h = _SEPARATORS.sub("", mac.strip().lower())
    if not _HEX.fullmatch(h) or h in ("000000000000", "ffffffffffff") or int(h[1], 16) & 1:
        return None
    return ":".join(h[i : i + 2] for i in range(0, 12, 2))


def normalise_serial(serial: str | None) -> str | None:
    """The serial trimmed and upper-cased, or None for placeholders."""
    if serial is None:
        return None
    s = " ".join(serial.split()).upper()
    if s.lower() in _PLACEHOLDER_SERIALS or len(set(s)) <= 1 or len(s) > 200:
        return None
    return s


def identity_from(
    observations: Iterable[Observation], mac: str | None, serial: str | None
) -> tuple[str | None, str | None]:
    """Normalised (mac, serial): the arguments, else the first usable ``mac``/``serial`` observation."""
    m, s = normalise_mac(mac), normalise_serial(serial)
    for o in observations:
        if m is None and o.kind == "mac":
            m = normalise_mac(o.value)
        elif s is None and o.kind == "serial":
            s = normalise_serial(o.value)
    return m, s


def digest(o: Observation) -> str:
    """What makes two observations of one asset the same fact: kind, source and value."""
    h = hashlib.sha256()
    for part in (o.kind, o.source, o.value):
        b = part.encode("utf-8", "surrogatepass")
        h.update(len(b).to_bytes(8, "big"))
        h.update(b)
    return h.hexdigest()


def find_assets(s: Connection, keys: list[tuple[str, str]], scan_id: int, ip: str | None) -> list[int]:
    """Stored assets the keys name, strongest key first (mac, serial, external, then ip-in-scan)."""
    found: list[int] = []
    if keys:
        rows = s.execute(
            select(AssetKey.kind, AssetKey.value, AssetKey.asset_id).where(
                AssetKey.kind.in_({k for k, _ in keys}), AssetKey.value.in_({v for _, v in keys})
            )
        ).all()
        by_key = {(r.kind, r.value): r.asset_id for r in rows}
        found = [by_key[k] for k in keys if k in by_key]
    if ip is not None:
        hit = s.scalar(select(Sighting.asset_id).where(Sighting.scan_id == scan_id, Sighting.ip == ip).limit(1))
        if hit is not None:
            found.append(hit)
    return list(dict.fromkeys(found))


def merge(s: Session, keep: int, drop: list[int]) -> None:
    """Fold the assets ``drop`` into ``keep``: observations, keys, addresses, sightings, history."""
    for d in drop:
        kept_digests = select(ObservationRow.digest).where(ObservationRow.asset_id == keep).scalar_subquery()
        s.execute(delete(ObservationRow).where(ObservationRow.asset_id == d, ObservationRow.digest.in_(kept_digests)))
        s.execute(update(ObservationRow).where(ObservationRow.asset_id == d).values(asset_id=keep))
        s.execute(update(AttributionRow).where(AttributionRow.asset_id == d).values(asset_id=keep))
        s.execute(update(AssetKey).where(AssetKey.asset_id == d).values(asset_id=keep))
        for a in s.scalars(select(AssetAddress).where(AssetAddress.asset_id == d)).all():
            _touch_address(s, keep, a.ip, a.first_seen, a.last_seen)
            s.delete(a)
        for g in s.scalars(select(Sighting).where(Sighting.asset_id == d)).all():
            _touch_sighting(s, g.scan_id, keep, g.ip, g.first_seen, g.last_seen)
            s.delete(g)
        s.flush()
    k = s.get_one(AssetRow, keep)
    for d in drop:
        r = s.get_one(AssetRow, d)
        k.first_seen = min(k.first_seen, r.first_seen)
        k.last_seen = max(k.last_seen, r.last_seen)
        for col in ("mac", "serial", "external_id", "label", "last_ip"):
            if getattr(k, col) is None:
                setattr(k, col, getattr(r, col))
        s.delete(r)
    s.flush()


def _touch_address(s: Session, asset_id: int, ip: str, first: datetime, last: datetime) -> None:
    a = s.scalar(select(AssetAddress).where(AssetAddress.asset_id == asset_id, AssetAddress.ip == ip))
    if a is None:
        s.add(AssetAddress(asset_id=asset_id, ip=ip, first_seen=first, last_seen=last))
    else:
        a.first_seen, a.last_seen = min(a.first_seen, first), max(a.last_seen, last)
    s.flush()


def _touch_sighting(s: Session, scan_id: int, asset_id: int, ip: str | None, first: datetime, last: datetime) -> None:
    """Record that scan ``scan_id`` saw the asset (at ``ip``)."""
    g = s.scalar(select(Sighting).where(Sighting.scan_id == scan_id, Sighting.asset_id == asset_id))
    if g is None:
        s.add(Sighting(scan_id=scan_id, asset_id=asset_id, ip=ip, first_seen=first, last_seen=last))
    else:
        g.first_seen, g.last_seen = min(g.first_seen, first), max(g.last_seen, last)
        g.ip = ip or g.ip
    s.flush()


def count_observations(s: Session, scan_id: int) -> int:
    """Observations a scan reported (first or last seen in it)."""
    return (
        s.scalar(
            select(func.count())
            .select_from(ObservationRow)
            .where((ObservationRow.first_scan_id == scan_id) | (ObservationRow.last_scan_id == scan_id))
        )
        or 0
    )
