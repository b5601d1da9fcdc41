"""Alert rules, the alert record, channel definitions and exactly-once dispatch.

Rules (evaluated per scan, on the attributions that scan made): an asset whose newest attribution
in the scan has a verdict in the channel's ``verdicts`` (default ``covered`` and ``likely_covered``)
raises

* ``new_asset`` when the asset had no attribution before this scan (first time seen; an asset with
  no MAC, serial or external id counts as seen when its IP last showed the same OEM: see
  :func:`_keyless_previous`), or
* ``verdict_change`` when its previous attribution had a lower verdict (``unknown``/``not_covered``
  -> ``likely_covered`` -> ``covered``). A de-escalation or an unchanged verdict raises nothing.

Every (channel, attribution) pair is written to ``alert_deliveries`` before it is sent, so a scan's
alerts go out once however often :func:`dispatch` is called for it; failed deliveries are retried
by :func:`retry_failed`. Device-controlled strings are cleaned (:mod:`trueoem.schedule.text`)
when an :class:`Alert` is built: one line, no control/format characters, bounded, and defanged in
the plain-text forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trueoem.schedule.channels import Channel, ChannelError, make_channel
from trueoem.schedule.db import reader, writer
from trueoem.schedule.text import clean, defang
from trueoem.store import Store
from trueoem.store.codec import utcnow
from trueoem.store.schedule_tables import ALERT_EVENTS, CHANNEL_KINDS, AlertChannelRow, AlertDeliveryRow
from trueoem.store.tables import AssetAddress, AssetKey, AttributionRow

ALERT_VERDICTS = ("covered", "likely_covered")
_RANK = {"covered": 2, "likely_covered": 1}
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$")


class AlertError(ValueError):
    """A channel that cannot be added or found."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert: what was found, where, and why it matters. Strings are clean (see module doc)."""

    event: str
    verdict: str
    confidence: float
    ip: str = ""
    mac: str = ""
    label_brand: str = ""
    model: str = ""
    oem: str = ""
    oem_name: str = ""
    legal_basis: str = ""
    white_label: bool = False
    previous_verdict: str = ""
    asset_id: int | None = None
    attribution_id: int | None = None
    scan_id: int | None = None
    kb_version: str = ""
    time: str = ""

    @classmethod
    def make(cls, **kw: Any) -> Alert:
        """Build an alert, cleaning every string field (device strings are attacker-controlled)."""
        out: dict[str, Any] = {}
        for k, v in kw.items():
            if k in ("confidence",):
                out[k] = round(float(v or 0.0), 4)
            elif k in ("asset_id", "attribution_id", "scan_id"):
                out[k] = None if v is None else int(v)
            elif k == "white_label":
                out[k] = bool(v)
            else:
                out[k] = clean(v, 400 if k == "legal_basis" else 120)
        return cls(**out)

    def as_dict(self) -> dict[str, Any]:
        """The webhook's JSON payload (also what the delivery ledger keeps)."""
        d = asdict(self)
        d["summary"] = self.summary()
        return d

    def fields(self) -> list[tuple[str, str]]:
        """Key/value pairs for structured outputs (syslog SD-PARAMs)."""
        return [
            ("event", self.event),
            ("ip", self.ip),
            ("mac", self.mac),
            ("label_brand", self.label_brand),
            ("model", self.model),
            ("oem", self.oem),
            ("verdict", self.verdict),
            ("previous_verdict", self.previous_verdict),
            ("confidence", f"{self.confidence:.2f}"),
            ("asset_id", "" if self.asset_id is None else str(self.asset_id)),
            ("scan_id", "" if self.scan_id is None else str(self.scan_id)),
        ]

    def _what(self) -> str:
        who = self.oem_name or self.oem or "a covered OEM"
        label = f"{self.label_brand} " if self.label_brand else ""
        model = f"{self.model} " if self.model else ""
        return defang(f"{label}{model}made by {who}")

    def subject(self) -> str:
        """One line for an e-mail subject."""
        where = self.ip or self.mac or f"asset {self.asset_id}"
        verdict = self.verdict.replace("_", " ")
        kind = "verdict changed to " + verdict if self.event == "verdict_change" else "new " + verdict + " asset"
        if self.event == "test":
            kind = "test alert"
        return clean(f"trueoem: {kind} at {defang(where)}: {self._what()}", 180)

    def one_line(self) -> str:
        """One line for syslog's MSG."""
        prev = f" (was {self.previous_verdict})" if self.previous_verdict else ""
        return clean(
            f"{self.event}: {self.ip or self.mac or '-'} {self._what()}: {self.verdict}{prev} "
            f"confidence {self.confidence:.2f}; {defang(self.legal_basis) or 'no legal basis recorded'}",
            900,
        )

    def summary(self) -> str:
        """The plain-text, link-free body (e-mail, webhook ``summary``)."""
        rows = [
            ("Event", {"new_asset": "new asset", "verdict_change": "verdict change"}.get(self.event, self.event)),
            ("IP", self.ip),
            ("MAC", self.mac),
            ("Label brand", self.label_brand),
            ("Model", self.model),
            ("OEM", f"{self.oem_name} ({self.oem})" if self.oem_name and self.oem else self.oem),
            ("White label", "yes" if self.white_label else "no"),
            ("Verdict", self.verdict + (f" (was {self.previous_verdict})" if self.previous_verdict else "")),
            ("Confidence", f"{self.confidence:.2f}"),
            ("Legal basis", self.legal_basis),
            ("Asset", "" if self.asset_id is None else str(self.asset_id)),
            ("Scan", "" if self.scan_id is None else str(self.scan_id)),
            ("KB version", self.kb_version),
            ("Time", self.time),
        ]
        body = "\n".join(f"{k + ':':<13}{defang(v)}" for k, v in rows if v)
        return (
            f"{self.subject()}\n\n{body}\n\n"
            "Details: trueoem explain " + (str(self.asset_id) if self.asset_id is not None else "ASSET") + "\n"
        )

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> Alert:
        """An alert from its stored payload (for retries)."""
        names = set(cls.__dataclass_fields__)
        return cls.make(**{k: v for k, v in d.items() if k in names})


def sample_alert() -> Alert:
    """A harmless alert for ``trueoem alert test``."""
    return Alert.make(
        event="test",
        verdict="covered",
        confidence=0.99,
        ip="192.0.2.1",
        label_brand="Example",
        oem="example",
        oem_name="Example OEM (test alert: nothing was found)",
        legal_basis="test alert, no finding",
        time=utcnow().isoformat(),
    )


# -- rules ---------------------------------------------------------------------------------------


def scan_alerts(store: Store, scan_id: int, verdicts: Iterable[str] = ALERT_VERDICTS) -> list[Alert]:
    """The alerts scan ``scan_id`` raises (``new_asset``/``verdict_change``, verdict in ``verdicts``)."""
    wanted = set(verdicts)
    out: list[Alert] = []
    with reader(store).begin() as s:
        newest = (
            select(func.max(AttributionRow.id))
            .where(AttributionRow.scan_id == scan_id)
            .group_by(AttributionRow.asset_id)
        )
        rows = list(s.scalars(select(AttributionRow).where(AttributionRow.id.in_(newest)).order_by(AttributionRow.id)))
        for r in rows:
            if r.verdict not in wanted:
                continue
            rec: dict[str, Any] = r.record or {}
            prev = s.scalar(
                select(AttributionRow.verdict)
                .where(
                    AttributionRow.asset_id == r.asset_id,
                    AttributionRow.id < r.id,
                    (AttributionRow.scan_id.is_(None)) | (AttributionRow.scan_id != scan_id),
                )
                .order_by(AttributionRow.id.desc())
                .limit(1)
            )
            if prev is None and isinstance(rec.get("ip"), str):
                prev = _keyless_previous(s, r, rec["ip"], scan_id)
            if prev is None:
                event = "new_asset"
            elif _RANK.get(r.verdict, 0) > _RANK.get(prev, 0):
                event = "verdict_change"
            else:
                continue
            out.append(
                Alert.make(
                    event=event,
                    verdict=r.verdict,
                    confidence=r.confidence,
                    ip=rec.get("ip"),
                    mac=rec.get("mac"),
                    label_brand=r.label_brand,
                    model=rec.get("model"),
                    oem=r.oem,
                    oem_name=rec.get("oem_name"),
                    legal_basis=rec.get("legal_basis"),
                    white_label=r.white_label,
                    previous_verdict=prev or "",
                    asset_id=r.asset_id,
                    attribution_id=r.id,
                    scan_id=scan_id,
                    kb_version=r.kb_version,
                    time=r.created_at.isoformat(),
                )
            )
    return out


def _keyless_previous(s: Session, r: AttributionRow, ip: str, scan_id: int) -> str | None:
    """For an asset with no identity key (no MAC, serial or external id), the verdict last given to
    a keyless asset of the same OEM at the same IP in an earlier scan.

    The store never joins assets across scans by address alone (DHCP reuses addresses), so a host
    seen without a MAC or serial -- routed, or on loopback -- is a new asset at every scan. For
    alerting only, such a host counts as already seen when the same address last showed the same
    OEM; a different OEM at that address is a new device and alerts.
    """
    if s.scalar(select(AssetKey.id).where(AssetKey.asset_id == r.asset_id).limit(1)) is not None:
        return None
    keyless = ~select(AssetKey.id).where(AssetKey.asset_id == AttributionRow.asset_id).exists()
    row = s.execute(
        select(AttributionRow.verdict, AttributionRow.oem)
        .join(AssetAddress, AssetAddress.asset_id == AttributionRow.asset_id)
        .where(
            AssetAddress.ip == ip,
            AttributionRow.asset_id != r.asset_id,
            AttributionRow.id < r.id,
            (AttributionRow.scan_id.is_(None)) | (AttributionRow.scan_id != scan_id),
            keyless,
        )
        .order_by(AttributionRow.id.desc())
        .limit(1)
    ).first()
    if row is None or row.oem != r.oem:
        return None
    return str(row.verdict)


# -- channels ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AlertChannel:
    """A stored channel and its rule."""

    id: int
    name: str
    kind: str
    config: dict[str, Any]
    events: tuple[str, ...]
    verdicts: tuple[str, ...]
    enabled: bool
    created_at: datetime

    def matches(self, alert: Alert) -> bool:
        """Whether this channel's rule wants ``alert``."""
        return alert.event in self.events and alert.verdict in self.verdicts

    def redacted(self) -> dict[str, Any]:
        """The config with secrets hidden (for ``alert list``)."""
        return {k: ("***" if k in ("secret", "password") else v) for k, v in self.config.items()}


def _channel(r: AlertChannelRow) -> AlertChannel:
    return AlertChannel(
        r.id, r.name, r.kind, dict(r.config or {}), tuple(r.events), tuple(r.verdicts), r.enabled, r.created_at
    )


def add_channel(
    store: Store,
    name: str,
    kind: str,
    config: dict[str, Any],
    *,
    events: Iterable[str] = ALERT_EVENTS,
    verdicts: Iterable[str] = ALERT_VERDICTS,
) -> AlertChannel:
    """Store a channel (validated: :class:`AlertError` for a bad name/kind/config/rule or a duplicate)."""
    ev, vd = list(dict.fromkeys(events)), list(dict.fromkeys(verdicts))
    if not _NAME.match(name) or name.isdigit():
        raise AlertError(f"bad channel name {name!r}: letters, digits, '_', '.', '-' (at most 64; not all digits)")
    if kind not in CHANNEL_KINDS:
        raise AlertError(f"unknown channel kind {kind!r} ({', '.join(CHANNEL_KINDS)})")
    if not ev or not set(ev) <= set(ALERT_EVENTS):
        raise AlertError(f"events must be among {', '.join(ALERT_EVENTS)}")
    if not vd or not set(vd) <= set(ALERT_VERDICTS):
        raise AlertError(f"verdicts must be among {', '.join(ALERT_VERDICTS)}")
    try:
        make_channel(kind, config, check_only=True)
    except ChannelError as e:
        raise AlertError(str(e)) from None
    row = AlertChannelRow(
        name=name, kind=kind, config=dict(config), events=ev, verdicts=vd, enabled=True, created_at=utcnow()
    )
    try:
        with writer(store).begin() as s:
            s.add(row)
            s.flush()
            return _channel(row)
    except IntegrityError:
        raise AlertError(f"a channel named {name!r} already exists") from None


def list_channels(store: Store, *, enabled_only: bool = False) -> list[AlertChannel]:
    """Every channel, by name."""
    with reader(store).begin() as s:
        q = select(AlertChannelRow).order_by(AlertChannelRow.name)
        if enabled_only:
            q = q.where(AlertChannelRow.enabled.is_(True))
        return [_channel(r) for r in s.scalars(q)]


def get_channel(store: Store, name_or_id: str | int) -> AlertChannel:
    """One channel by name (or numeric id)."""
    with reader(store).begin() as s:
        return _channel(_find(s, name_or_id))


def remove_channel(store: Store, name_or_id: str | int) -> AlertChannel:
    """Delete a channel and its delivery ledger."""
    with writer(store).begin() as s:
        row = _find(s, name_or_id)
        info = _channel(row)
        s.delete(row)
        return info


def send_test_alert(
    store: Store, name_or_id: str | int, *, make: Callable[[str, dict[str, Any]], Channel] = make_channel
) -> Alert:
    """Send :func:`sample_alert` on one channel now (no ledger); raises ChannelError on failure."""
    ch = get_channel(store, name_or_id)
    alert = sample_alert()
    make(ch.kind, ch.config).send(alert)
    return alert


def _find(s: Any, name_or_id: str | int) -> AlertChannelRow:
    q = select(AlertChannelRow)
    if isinstance(name_or_id, int) or str(name_or_id).isdigit():
        q = q.where(AlertChannelRow.id == int(name_or_id))
    else:
        q = q.where(AlertChannelRow.name == name_or_id)
    row: AlertChannelRow | None = s.scalar(q)
    if row is None:
        raise AlertError(f"no alert channel {name_or_id!r}")
    return row


# -- dispatch ------------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    """What one dispatch did: alerts sent, failed, already delivered; error lines (clean)."""

    sent: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def dispatch(
    store: Store,
    alerts: Iterable[Alert],
    *,
    channels: list[AlertChannel] | None = None,
    make: Callable[[str, dict[str, Any]], Channel] | None = None,
) -> DispatchReport:
    """Send each alert on every enabled channel whose rule wants it, once per (channel, attribution)."""
    rep = DispatchReport()
    make = make or make_channel
    todo = list(alerts)
    for ch in channels if channels is not None else list_channels(store, enabled_only=True):
        wanted = [a for a in todo if ch.enabled and ch.matches(a) and a.attribution_id is not None]
        if not wanted:
            continue
        transport: Channel | None = None
        try:
            transport = make(ch.kind, ch.config)
        except ChannelError as e:
            rep.errors.append(f"channel {ch.name}: {e}")
        for a in wanted:
            did = _ledger_insert(store, ch.id, a)
            if did is None:
                rep.skipped += 1
                continue
            _deliver(store, did, ch, transport, a, rep)
    return rep


def retry_failed(
    store: Store, *, max_attempts: int = 5, make: Callable[[str, dict[str, Any]], Channel] | None = None
) -> DispatchReport:
    """Send again deliveries left ``failed`` (or ``pending`` by a crash), up to ``max_attempts`` each."""
    rep = DispatchReport()
    make = make or make_channel
    with reader(store).begin() as s:
        rows = s.execute(
            select(AlertDeliveryRow.id, AlertDeliveryRow.payload, AlertChannelRow)
            .join(AlertChannelRow, AlertChannelRow.id == AlertDeliveryRow.channel_id)
            .where(
                AlertDeliveryRow.status.in_(("failed", "pending")),
                AlertDeliveryRow.attempts < max_attempts,
                AlertChannelRow.enabled.is_(True),
            )
            .order_by(AlertDeliveryRow.id)
        ).all()
        todo = [(did, payload, _channel(row)) for did, payload, row in rows]
    transports: dict[int, Channel | None] = {}
    for did, payload, ch in todo:
        if ch.id not in transports:
            try:
                transports[ch.id] = make(ch.kind, ch.config)
            except ChannelError as e:
                transports[ch.id] = None
                rep.errors.append(f"channel {ch.name}: {e}")
        _deliver(store, did, ch, transports[ch.id], Alert.from_payload(dict(payload)), rep)
    return rep


def _ledger_insert(store: Store, channel_id: int, a: Alert) -> int | None:
    """Write the pending delivery row; None if this (channel, attribution) was already handled."""
    assert a.attribution_id is not None and a.asset_id is not None
    row = AlertDeliveryRow(
        channel_id=channel_id,
        attribution_id=a.attribution_id,
        asset_id=a.asset_id,
        scan_id=a.scan_id,
        event=a.event,
        payload=asdict(a),
        status="pending",
        attempts=0,
        created_at=utcnow(),
    )
    try:
        with writer(store).begin() as s:
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:
        return None


def _deliver(
    store: Store, did: int, ch: AlertChannel, transport: Channel | None, a: Alert, rep: DispatchReport
) -> None:
    error = "channel misconfigured"
    ok = False
    if transport is not None:
        try:
            transport.send(a)
            ok = True
        except ChannelError as e:
            error = str(e)
    with writer(store).begin() as s:
        s.execute(
            update(AlertDeliveryRow)
            .where(AlertDeliveryRow.id == did)
            .values(
                status="sent" if ok else "failed",
                attempts=AlertDeliveryRow.attempts + 1,
                last_error=None if ok else error,
                sent_at=utcnow() if ok else None,
            )
        )
    if ok:
        rep.sent += 1
    else:
        rep.failed += 1
        rep.errors.append(f"channel {ch.name}: {error}")


def deliveries(store: Store, *, scan_id: int | None = None) -> list[dict[str, Any]]:
    """The delivery ledger (of one scan), oldest first, as plain dicts."""
    with reader(store).begin() as s:
        q = select(AlertDeliveryRow).order_by(AlertDeliveryRow.id)
        if scan_id is not None:
            q = q.where(AlertDeliveryRow.scan_id == scan_id)
        return [
            {
                "id": r.id,
                "channel_id": r.channel_id,
                "attribution_id": r.attribution_id,
                "asset_id": r.asset_id,
                "scan_id": r.scan_id,
                "event": r.event,
                "status": r.status,
                "attempts": r.attempts,
                "last_error": r.last_error,
                "sent_at": r.sent_at.isoformat() if r.sent_at else None,
            }
            for r in s.scalars(q)
        ]
