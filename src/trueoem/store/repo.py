"""The store's repository: a :class:`Store` over one database, SQLite or PostgreSQL.

Every write method is its own transaction and commits before it returns, so an observation that
was reported (``record_asset`` returned) survives ``kill -9`` (SQLite settings: see
:mod:`trueoem.store.engine`). Methods return frozen values (:mod:`trueoem.store.results`), never
live ORM rows. Writers racing on one new MAC/serial on PostgreSQL: the loser's unique-key
violation rolls its transaction back and it retries, finding the winner's asset.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Engine, func, insert, select, update
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from trueoem.match.engine import CompiledKB
from trueoem.model import Attribution, Observation
from trueoem.store import identity as ident
from trueoem.store import write
from trueoem.store.codec import utcnow
from trueoem.store.engine import default_url, make_engine
from trueoem.store.migrate import upgrade
from trueoem.store.rescore import rescore_batch
from trueoem.store.results import (
    AssetHistory,
    AssetInfo,
    AssetRecord,
    ScanInfo,
    StoredAttribution,
    address_info,
    asset_info,
    attribution_info,
    scan_info,
    sighting_info,
)
from trueoem.store.tables import (
    SCAN_KINDS,
    SCAN_STATUSES,
    TARGET_STATES,
    AssetAddress,
    AssetRow,
    AttributionRow,
    ObservationRow,
    Scan,
    ScanTarget,
    Sighting,
)

_RETRIES = 5


class StoreError(RuntimeError):
    """A store operation was given something it cannot do (unknown scan, bad kind, ...)."""


class Store:
    """Assets, raw observations, scans and attributions in one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._write = sessionmaker(engine, expire_on_commit=False)
        self._read = sessionmaker(engine.execution_options(trueoem_read=True), expire_on_commit=False)
        self._known_scans: set[int] = set()

    @classmethod
    def open(cls, url: str | None = None, *, migrate: bool = True) -> Store:
        """Open (creating and migrating to head) the store at ``url``; None is the default SQLite file.

        Raises :class:`StoreError` for a malformed URL or a database that cannot be reached, and
        :class:`~trueoem.store.migrate.MigrationError` for one written by a newer trueoem.
        """
        try:
            store = cls(make_engine(url or default_url()))
        except (ArgumentError, NoSuchModuleError, ValueError) as e:
            raise StoreError(f"not a database URL: {url!r} ({e})") from None
        if migrate:
            try:
                upgrade(store.engine)
            except OperationalError as e:
                store.close()
                where = store.engine.url.render_as_string(hide_password=True)
                raise StoreError(f"cannot open the store at {where}: {str(e.orig).strip().splitlines()[0]}") from None
        return store

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- scans ---------------------------------------------------------------------------------

    def begin_scan(
        self, kind: str, params: dict[str, Any] | None = None, kb_version: str = "", targets: Iterable[str] = ()
    ) -> int:
        """Start a scan (or check, attribute, import, rescore run); return its id."""
        if kind not in SCAN_KINDS:
            raise StoreError(f"unknown scan kind {kind!r} (one of {', '.join(SCAN_KINDS)})")
        with self._write.begin() as s:
            scan = Scan(
                kind=kind, status="running", started_at=utcnow(), params=params or {}, kb_version=kb_version, counts={}
            )
            s.add(scan)
            s.flush()
            scan_id = scan.id
        self.add_targets(scan_id, targets)
        return scan_id

    def add_targets(self, scan_id: int, targets: Iterable[str]) -> int:
        """Add pending targets to a scan (ones it already has are left as they are); return how many."""
        with self._write.begin() as s:
            self._scan(s, scan_id)
            have = set(s.scalars(select(ScanTarget.target).where(ScanTarget.scan_id == scan_id)))
            new = [t for t in dict.fromkeys(targets) if t not in have]
            if new:  # a core bulk insert: a /16 is 65,534 rows
                s.execute(insert(ScanTarget), [{"scan_id": scan_id, "target": t, "state": "pending"} for t in new])
        return len(new)

    def pending_targets(self, scan_id: int) -> list[str]:
        """The scan's targets not yet done, in the order they were added."""
        with self._read.begin() as s:
            q = select(ScanTarget.target).where(ScanTarget.scan_id == scan_id, ScanTarget.state == "pending")
            return list(s.scalars(q.order_by(ScanTarget.id)))

    def mark_target(self, scan_id: int, target: str, state: str = "done") -> None:
        """Set a target's state (``pending``, ``done`` or ``failed``)."""
        if state not in TARGET_STATES:
            raise StoreError(f"unknown target state {state!r}")
        with self._write.begin() as s:
            row = s.scalar(select(ScanTarget).where(ScanTarget.scan_id == scan_id, ScanTarget.target == target))
            if row is None:
                raise StoreError(f"scan {scan_id} has no target {target!r}")
            row.state = state

    def mark_targets(self, scan_id: int, targets: Iterable[str], state: str = "done") -> None:
        """Set many targets' state in one transaction (targets the scan does not have are ignored)."""
        if state not in TARGET_STATES:
            raise StoreError(f"unknown target state {state!r}")
        todo = list(targets)
        if not todo:
            return
        with self._write.begin() as s:
            for i in range(0, len(todo), 500):
                s.execute(
                    update(ScanTarget)
                    .where(ScanTarget.scan_id == scan_id, ScanTarget.target.in_(todo[i : i + 500]))
                    .values(state=state)
                )

    def resume_scan(self, scan_id: int) -> ScanInfo:
        """Mark an interrupted scan running again (its pending targets are what is left to do)."""
        with self._write.begin() as s:
            scan = self._scan(s, scan_id)
            scan.status, scan.finished_at = "running", None
            return scan_info(scan)

    def finish_scan(self, scan_id: int, status: str = "done") -> ScanInfo:
        """End a scan with ``status``; its counts (assets seen, observations, attributions) are stored."""
        if status not in SCAN_STATUSES:
            raise StoreError(f"unknown scan status {status!r}")
        with self._write.begin() as s:
            scan = self._scan(s, scan_id)
            assets = s.scalar(select(func.count()).select_from(Sighting).where(Sighting.scan_id == scan_id))
            attrs = s.scalar(select(func.count()).select_from(AttributionRow).where(AttributionRow.scan_id == scan_id))
            scan.counts = {
                **(scan.counts or {}),
                "assets": assets or 0,
                "attributions": attrs or 0,
                "observations": ident.count_observations(s, scan_id),
            }
            scan.status = status
            scan.finished_at = utcnow() if status != "running" else None
            return scan_info(scan)

    def scan(self, scan_id: int) -> ScanInfo | None:
        """One scan, or None."""
        with self._read.begin() as s:
            row = s.get(Scan, scan_id)
            return None if row is None else scan_info(row)

    def scans(self, kind: str | None = None) -> list[ScanInfo]:
        """All scans (of ``kind``), newest first."""
        with self._read.begin() as s:
            q = select(Scan).order_by(Scan.id.desc())
            return [scan_info(r) for r in s.scalars(q if kind is None else q.where(Scan.kind == kind))]

    def last_interrupted_scan(self, kind: str = "scan") -> ScanInfo | None:
        """The newest scan of ``kind`` that did not finish (``interrupted``, or ``running`` after a kill)."""
        with self._read.begin() as s:
            row = s.scalar(
                select(Scan)
                .where(Scan.kind == kind, Scan.status.in_(("running", "interrupted")))
                .order_by(Scan.id.desc())
                .limit(1)
            )
            return None if row is None else scan_info(row)

    # -- assets and observations ---------------------------------------------------------------

    def record_asset(
        self,
        scan_id: int,
        *,
        ip: str | None = None,
        mac: str | None = None,
        serial: str | None = None,
        external_id: str | None = None,
        observations: Sequence[Observation] = (),
        attribution: Attribution | None = None,
    ) -> int:
        """Store one host/row and its observations (and attribution) in one commit; return the asset id.

        Identity (see :mod:`trueoem.store.identity`): ``mac``/``serial`` default to the first usable
        ``mac``/``serial`` observation. Observations already stored for the asset only get their
        last-seen updated. Raises :class:`StoreError` for an ``ip`` that is not an IP address.
        """
        rec = AssetRecord(tuple(observations), ip, mac, serial, external_id, attribution)
        return self.record_many(scan_id, [rec], batch=1)[0]

    def record_many(self, scan_id: int, records: Iterable[AssetRecord], *, batch: int = 500) -> list[int]:
        """:meth:`record_asset` for many records, one commit per ``batch`` (for catalogs and imports)."""
        ids: list[int] = []
        chunk: list[AssetRecord] = []
        for r in records:
            chunk.append(r)
            if len(chunk) >= batch:
                ids += self._record_chunk(scan_id, chunk)
                chunk = []
        if chunk:
            ids += self._record_chunk(scan_id, chunk)
        return ids

    def _record_chunk(self, scan_id: int, chunk: list[AssetRecord]) -> list[int]:
        prepared = [_prepare(r) for r in chunk]
        for attempt in range(_RETRIES):
            try:
                with self._write.begin() as s:
                    if scan_id not in self._known_scans:
                        self._scan(s, scan_id)
                        self._known_scans.add(scan_id)
                    out = []
                    for r, (ip, fields, keys) in zip(chunk, prepared, strict=True):
                        now = utcnow()
                        asset_id = write.record(s, scan_id, now, ip, fields, keys, r.observations)
                        if r.attribution is not None:
                            write.add_attribution(s, asset_id, scan_id, r.attribution, now)
                        out.append(asset_id)
                    return out
            except IntegrityError:  # a concurrent writer created the same key first: look again
                if attempt == _RETRIES - 1:
                    raise
        raise AssertionError("unreachable")

    def observations_of(self, asset_id: int) -> list[Observation]:
        """Every observation stored for the asset (all scans), in the order first reported."""
        with self._read.begin() as s:
            rows = s.execute(
                select(ObservationRow.kind, ObservationRow.value, ObservationRow.source, ObservationRow.seen_at)
                .where(ObservationRow.asset_id == asset_id)
                .order_by(ObservationRow.id)
            ).all()
            return [Observation(r.kind, r.value, r.source, r.seen_at) for r in rows]

    def asset(self, asset_id: int) -> AssetInfo | None:
        """One asset, or None (e.g. merged into another)."""
        with self._read.begin() as s:
            row = s.get(AssetRow, asset_id)
            return None if row is None else asset_info(row)

    def find_asset(
        self, *, mac: str | None = None, serial: str | None = None, external_id: str | None = None
    ) -> AssetInfo | None:
        """The asset an identity key names, or None."""
        m, sn = ident.normalise_mac(mac), ident.normalise_serial(serial)
        keys = [(k, v) for k, v in (("mac", m), ("serial", sn), ("external", external_id)) if v]
        with self._read.begin() as s:
            found = ident.find_assets(s.connection(), keys, -1, None)
            return None if not found else asset_info(s.get_one(AssetRow, found[0]))

    def iter_assets(self, *, scan_id: int | None = None, batch: int = 1000) -> Iterator[AssetInfo]:
        """Every asset (or those scan ``scan_id`` saw), by id, read in batches."""
        last = 0
        while True:
            with self._read.begin() as s:
                q = select(AssetRow).where(AssetRow.id > last).order_by(AssetRow.id).limit(batch)
                if scan_id is not None:
                    q = q.where(AssetRow.id.in_(select(Sighting.asset_id).where(Sighting.scan_id == scan_id)))
                rows = [asset_info(r) for r in s.scalars(q)]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    def asset_history(self, asset_id: int) -> AssetHistory:
        """The asset, its addresses, the scans that saw it and every attribution made of it."""
        with self._read.begin() as s:
            row = s.get(AssetRow, asset_id)
            if row is None:
                raise StoreError(f"no asset {asset_id}")
            addrs = s.scalars(
                select(AssetAddress)
                .where(AssetAddress.asset_id == asset_id)
                .order_by(AssetAddress.first_seen, AssetAddress.id)
            )
            sights = s.execute(
                select(Sighting, Scan.kind)
                .join(Scan, Scan.id == Sighting.scan_id)
                .where(Sighting.asset_id == asset_id)
                .order_by(Sighting.scan_id)
            )
            attrs = s.scalars(
                select(AttributionRow).where(AttributionRow.asset_id == asset_id).order_by(AttributionRow.id)
            )
            return AssetHistory(
                asset=asset_info(row),
                addresses=tuple(address_info(a) for a in addrs),
                sightings=tuple(sighting_info(g, k) for g, k in sights),
                attributions=tuple(attribution_info(a) for a in attrs),
            )

    # -- attributions --------------------------------------------------------------------------

    def save_attribution(self, asset_id: int, scan_id: int | None, attribution: Attribution) -> int:
        """Store an attribution of the asset (with its KB version); return its id."""
        with self._write.begin() as s:
            if s.get(AssetRow, asset_id) is None:
                raise StoreError(f"no asset {asset_id}")
            return write.add_attribution(s, asset_id, scan_id, attribution, utcnow())

    def latest_attribution(self, asset_id: int) -> StoredAttribution | None:
        """The asset's newest attribution, or None."""
        with self._read.begin() as s:
            row = s.scalar(
                select(AttributionRow)
                .where(AttributionRow.asset_id == asset_id)
                .order_by(AttributionRow.id.desc())
                .limit(1)
            )
            return None if row is None else attribution_info(row)

    def latest_attributions(
        self, *, scan_id: int | None = None, verdicts: Iterable[str] | None = None, batch: int = 1000
    ) -> Iterator[StoredAttribution]:
        """The newest attribution of every asset (seen by ``scan_id``; with a verdict in ``verdicts``)."""
        newest = select(func.max(AttributionRow.id)).group_by(AttributionRow.asset_id)
        if scan_id is not None:
            newest = newest.where(
                AttributionRow.asset_id.in_(select(Sighting.asset_id).where(Sighting.scan_id == scan_id))
            )
        wanted = None if verdicts is None else [str(v) for v in verdicts]
        last = 0
        while True:
            with self._read.begin() as s:
                q = select(AttributionRow).where(AttributionRow.id.in_(newest), AttributionRow.id > last)
                if wanted is not None:
                    q = q.where(AttributionRow.verdict.in_(wanted))
                rows = [attribution_info(r) for r in s.scalars(q.order_by(AttributionRow.id).limit(batch))]
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    def rescore(self, ckb: CompiledKB, *, batch: int = 1000, force: bool = False) -> int:
        """Re-attribute stored assets from their observations with ``ckb``; return how many.

        Assets whose newest attribution already has ``ckb``'s KB version are skipped unless
        ``force``, so an interrupted rescore can simply be run again. The run is recorded as a
        scan of kind ``rescore``; each new attribution is tagged with the new KB version.
        """
        scan_id = self.begin_scan("rescore", {"force": force, "batch": batch}, ckb.kb.version)
        done = 0
        last: int | None = 0
        try:
            while last is not None:
                with self._write.begin() as s:
                    n, last = rescore_batch(s, ckb, scan_id, last, batch, force)
                done += n
        except BaseException:
            self.finish_scan(scan_id, "interrupted")
            raise
        with self._write.begin() as s:
            self._scan(s, scan_id).counts = {"rescored": done}
        self.finish_scan(scan_id, "done")
        return done

    @staticmethod
    def _scan(s: Session, scan_id: int) -> Scan:
        scan = s.get(Scan, scan_id)
        if scan is None:
            raise StoreError(f"no scan {scan_id}")
        return scan


def _prepare(r: AssetRecord) -> tuple[str | None, dict[str, str], list[tuple[str, str]]]:
    """Validated ip, the asset columns to set and the identity keys of a record."""
    ip = r.ip
    if ip is not None:
        try:
            ip = str(ipaddress.ip_address(ip.strip()))
        except ValueError:
            raise StoreError(f"not an IP address: {ip!r}") from None
    mac, serial = ident.identity_from(r.observations, r.mac, r.serial)
    fields = {k: v for k, v in (("mac", mac), ("serial", serial), ("external_id", r.external_id)) if v}
    keys = [(k, v) for k, v in (("mac", mac), ("serial", serial), ("external", r.external_id)) if v]
    return ip, fields, keys
