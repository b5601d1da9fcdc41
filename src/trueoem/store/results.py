"""What the store hands back: plain frozen dataclasses, never live ORM rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from trueoem.model import Attribution, Observation, Verdict
from trueoem.store.tables import AssetAddress, AssetRow, AttributionRow, Scan, Sighting


@dataclass(frozen=True, slots=True)
class ScanInfo:
    """One run that wrote to the store."""

    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    params: dict[str, Any]
    kb_version: str
    counts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AssetInfo:
    """One stored asset."""

    id: int
    first_seen: datetime
    last_seen: datetime
    mac: str | None
    serial: str | None
    external_id: str | None
    label: str | None
    last_ip: str | None

    @property
    def name(self) -> str:
        """A human name: the external id, else the MAC, serial, last IP, else ``asset:<id>``."""
        return self.external_id or self.mac or self.serial or self.last_ip or f"asset:{self.id}"


@dataclass(frozen=True, slots=True)
class AddressInfo:
    """An IP address an asset was seen at."""

    ip: str
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class SightingInfo:
    """A scan saw the asset."""

    scan_id: int
    scan_kind: str
    ip: str | None
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class StoredAttribution:
    """An attribution as stored; ``record`` is :meth:`trueoem.model.Attribution.as_dict`."""

    id: int
    asset_id: int
    scan_id: int | None
    kb_version: str
    created_at: datetime
    verdict: Verdict
    oem: str | None
    confidence: float
    label_brand: str | None
    white_label: bool
    record: dict[str, Any]


@dataclass(frozen=True, slots=True)
class AssetHistory:
    """An asset with its addresses, sightings and attributions, oldest first."""

    asset: AssetInfo
    addresses: tuple[AddressInfo, ...]
    sightings: tuple[SightingInfo, ...]
    attributions: tuple[StoredAttribution, ...]


def scan_info(r: Scan) -> ScanInfo:
    """Row to value."""
    return ScanInfo(
        r.id, r.kind, r.status, r.started_at, r.finished_at, dict(r.params or {}), r.kb_version, dict(r.counts or {})
    )


def asset_info(r: AssetRow) -> AssetInfo:
    """Row to value."""
    return AssetInfo(r.id, r.first_seen, r.last_seen, r.mac, r.serial, r.external_id, r.label, r.last_ip)


def address_info(r: AssetAddress) -> AddressInfo:
    """Row to value."""
    return AddressInfo(r.ip, r.first_seen, r.last_seen)


def sighting_info(r: Sighting, kind: str) -> SightingInfo:
    """Row to value."""
    return SightingInfo(r.scan_id, kind, r.ip, r.first_seen, r.last_seen)


def attribution_info(r: AttributionRow) -> StoredAttribution:
    """Row to value."""
    return StoredAttribution(
        r.id,
        r.asset_id,
        r.scan_id,
        r.kb_version,
        r.created_at,
        Verdict(r.verdict),
        r.oem,
        r.confidence,
        r.label_brand,
        r.white_label,
        dict(r.record),
    )


@dataclass(frozen=True, slots=True)
class AssetRecord:
    """One host or row to store: its identity hints, observations and (optionally) attribution."""

    observations: tuple[Observation, ...] = ()
    ip: str | None = None
    mac: str | None = None
    serial: str | None = None
    external_id: str | None = None
    attribution: Attribution | None = None
