"""Tables of scheduled scans and alerts (migration ``0003``), on the store's declarative base.

* ``schedules``: a recurring scan -- targets, exclusions, ports, rate, interface, its timing spec
  (``every 6h``, ``daily at 02:30``) -- and its persisted state: the next run time, the last run,
  the scan it started last (``last_scan_id``) and the last scan whose alerts were sent
  (``alerted_scan_id``), so a runner killed at any point resumes where it stopped.
* ``alert_channels``: where alerts go (webhook, syslog, e-mail), its configuration (JSON) and its
  rule: which events (``new_asset``, ``verdict_change``) for which verdicts.
* ``alert_deliveries``: one row per (channel, attribution) alerted -- the ledger that makes every
  alert go out once: a row is written before sending and marked ``sent`` or ``failed`` after.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from trueoem.store.codec import JsonText, SafeText, UtcDateTime
from trueoem.store.tables import Base

CHANNEL_KINDS = ("webhook", "syslog", "email")
ALERT_EVENTS = ("new_asset", "verdict_change")
DELIVERY_STATES = ("pending", "sent", "failed")


class ScheduleRow(Base):
    """A recurring scan and its persisted run state."""

    __tablename__ = "schedules"
    __table_args__ = (UniqueConstraint("name", name="uq_schedules_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    targets: Mapped[Any] = mapped_column(JsonText())
    exclusions: Mapped[Any] = mapped_column(JsonText())
    ports: Mapped[str] = mapped_column(SafeText())
    max_rate: Mapped[float] = mapped_column(Float)
    intensity: Mapped[int] = mapped_column(Integer)
    timeout: Mapped[float] = mapped_column(Float)
    interface: Mapped[str | None] = mapped_column(SafeText())
    spec: Mapped[str] = mapped_column(SafeText())
    enabled: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    next_run: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    last_run: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    alerted_scan_id: Mapped[int | None] = mapped_column(Integer)


class AlertChannelRow(Base):
    """An alert channel and its rule (events x verdicts)."""

    __tablename__ = "alert_channels"
    __table_args__ = (UniqueConstraint("name", name="uq_alert_channels_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    config: Mapped[Any] = mapped_column(JsonText())
    events: Mapped[Any] = mapped_column(JsonText())
    verdicts: Mapped[Any] = mapped_column(JsonText())
    enabled: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertDeliveryRow(Base):
    """One alert for one attribution on one channel: the exactly-once ledger."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (
        UniqueConstraint("channel_id", "attribution_id", name="uq_alert_deliveries_channel_attribution"),
        Index("ix_alert_deliveries_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"))
    attribution_id: Mapped[int] = mapped_column(ForeignKey("attributions.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("assets.id", ondelete="CASCADE"), index=True)
    scan_id: Mapped[int | None] = mapped_column(ForeignKey("scans.id", ondelete="SET NULL"))
    event: Mapped[str] = mapped_column(String(32))
    payload: Mapped[Any] = mapped_column(JsonText())
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(SafeText())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
