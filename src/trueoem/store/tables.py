"""The store's tables: SQLAlchemy 2 typed declarative models.

* ``scans``: one run of ``scan``, ``check``, ``attribute``, ``import`` or ``rescore``, its status,
  parameters, KB version and counts. ``scan_targets`` lists a scan's targets and their state, so
  ``trueoem scan --resume`` knows what is left.
* ``assets``: one device (or catalog line) across scans and addresses. ``asset_keys`` is the
  identity index: every normalised MAC, serial and external id ever seen for an asset, each unique
  across the store, so the database itself refuses two assets claiming one MAC. (A key table
  rather than columns on ``assets`` because a device can have several MACs; the ``mac``,
  ``serial`` and ``external_id`` columns of ``assets`` are the latest seen, for display.)
* ``asset_addresses``: IP addresses an asset was seen at, first/last seen.
* ``sightings``: which assets a scan saw, at which address; it gives a scan's result set and an
  asset's history, and "the same IP within this scan is the same asset".
* ``observations``: raw observations, kept verbatim. One row per distinct (asset, kind, source,
  value) -- ``digest`` -- with first/last seen and first/last scan, so weekly scans of an unchanged
  device do not grow the store and a rescore reads each fact once.
* ``attributions``: every attribution made, with the KB version that produced it. The latest per
  asset is the one with the highest id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trueoem.store.codec import JsonText, SafeText, UtcDateTime

SCAN_KINDS = ("scan", "check", "attribute", "import", "rescore")
SCAN_STATUSES = ("running", "done", "interrupted", "failed")
TARGET_STATES = ("pending", "done", "failed")
KEY_KINDS = ("mac", "serial", "external")


class Base(DeclarativeBase):
    """Declarative base of the store's tables."""


class Scan(Base):
    """One run that wrote to the store."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    params: Mapped[Any] = mapped_column(JsonText())
    kb_version: Mapped[str] = mapped_column(SafeText())
    counts: Mapped[Any] = mapped_column(JsonText())


class ScanTarget(Base):
    """One target of a scan and whether it has been done (for ``--resume``)."""

    __tablename__ = "scan_targets"
    __table_args__ = (UniqueConstraint("scan_id", "target", name="uq_scan_targets_scan_target"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    target: Mapped[str] = mapped_column(SafeText())
    state: Mapped[str] = mapped_column(String(16))


class AssetRow(Base):
    """One device or catalog line, across scans and addresses."""

    __tablename__ = "assets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    mac: Mapped[str | None] = mapped_column(String(17))
    serial: Mapped[str | None] = mapped_column(SafeText())
    external_id: Mapped[str | None] = mapped_column(SafeText())
    label: Mapped[str | None] = mapped_column(SafeText())
    last_ip: Mapped[str | None] = mapped_column(String(64))


class AssetKey(Base):
    """An identifier that names exactly one asset: a normalised MAC, a serial or an external id."""

    __tablename__ = "asset_keys"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_asset_keys_kind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(SafeText())


class AssetAddress(Base):
    """An IP address an asset was seen at."""

    __tablename__ = "asset_addresses"
    __table_args__ = (UniqueConstraint("asset_id", "ip", name="uq_asset_addresses_asset_ip"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    ip: Mapped[str] = mapped_column(String(64), index=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())


class Sighting(Base):
    """A scan saw an asset (at an address, for network scans)."""

    __tablename__ = "sightings"
    __table_args__ = (
        UniqueConstraint("scan_id", "asset_id", name="uq_sightings_scan_asset"),
        Index("ix_sightings_scan_ip", "scan_id", "ip"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())


class ObservationRow(Base):
    """One raw observation of an asset, stored once however many scans report it."""

    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("asset_id", "digest", name="uq_observations_asset_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(SafeText())
    value: Mapped[str] = mapped_column(SafeText())
    source: Mapped[str] = mapped_column(SafeText())
    seen_at: Mapped[str | None] = mapped_column(SafeText())
    first_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    last_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"), index=True)
    first_seen: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime())


class AttributionRow(Base):
    """One attribution of an asset, with the KB version that made it."""

    __tablename__ = "attributions"
    __table_args__ = (Index("ix_attributions_asset_id_id", "asset_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"))
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"), index=True)
    kb_version: Mapped[str] = mapped_column(SafeText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    verdict: Mapped[str] = mapped_column(String(16), index=True)
    oem: Mapped[str | None] = mapped_column(SafeText())
    confidence: Mapped[float] = mapped_column(Float)
    label_brand: Mapped[str | None] = mapped_column(SafeText())
    white_label: Mapped[bool]
    record: Mapped[Any] = mapped_column(JsonText())
