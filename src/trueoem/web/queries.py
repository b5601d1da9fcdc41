"""Read-side functions the UI and the API share: dashboard, asset list, asset page, scan diff, KB.

Everything returns plain data (dicts, lists, report dataclasses). Strings that came from devices or
files pass through :func:`trueoem.report.data.visible` (invisible/bidi characters made visible);
HTML escaping is the templates' job (Jinja2 autoescape) and JSON's.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from trueoem.match.engine import CompiledKB
from trueoem.model import Verdict
from trueoem.report.data import VERDICT_ORDER, ReportAsset, ReportModel, model_from_store, visible
from trueoem.store import ScanInfo, Store
from trueoem.store.tables import AttributionRow, Sighting

_RANK = {v: i for i, v in enumerate(VERDICT_ORDER)}


class NotFound(LookupError):
    """The asset, scan or KB entry does not exist."""


class ModelCache:
    """The store's report model, rebuilt only when an attribution was added since the last build."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._key: tuple[int, int] | None = None
        self._model: ReportModel | None = None
        self._lock = threading.Lock()

    def _stamp(self) -> tuple[int, int]:
        with self.store.engine.connect() as c:
            row = c.execute(select(func.max(AttributionRow.id), func.count(AttributionRow.id))).one()
        return int(row[0] or 0), int(row[1] or 0)

    def get(self) -> ReportModel:
        """The current model of every stored asset's newest attribution (no observations)."""
        with self._lock:
            stamp = self._stamp()
            if self._model is None or stamp != self._key:
                self._model = model_from_store(self.store, with_observations=False, title="trueoem")
                self._key = stamp
            return self._model


def scan_dict(s: ScanInfo) -> dict[str, Any]:
    """A scan as JSON-ready data."""
    return {
        "id": s.id,
        "kind": s.kind,
        "status": s.status,
        "started_at": s.started_at.isoformat(),
        "finished_at": s.finished_at.isoformat() if s.finished_at else None,
        "kb_version": visible(s.kb_version, 100),
        "params": s.params,
        "counts": s.counts,
    }


def trend(store: Store) -> list[dict[str, Any]]:
    """Per scan, oldest first: how many attributions of each verdict it made."""
    with store.engine.connect() as c:
        rows = c.execute(
            select(AttributionRow.scan_id, AttributionRow.verdict, func.count())
            .where(AttributionRow.scan_id.is_not(None))
            .group_by(AttributionRow.scan_id, AttributionRow.verdict)
        ).all()
    per: dict[int, Counter[str]] = {}
    for scan_id, verdict, n in rows:
        per.setdefault(int(scan_id or 0), Counter())[str(verdict)] += int(n)
    kinds = {s.id: s for s in store.scans()}
    out = []
    for sid in sorted(per):
        counts = per[sid]
        s = kinds.get(sid)
        out.append(
            {
                "scan_id": sid,
                "kind": s.kind if s else "",
                "started_at": s.started_at.isoformat() if s else None,
                **{v: counts.get(v, 0) for v in VERDICT_ORDER},
            }
        )
    return out


def dashboard(model: ReportModel, store: Store) -> dict[str, Any]:
    """Counts, chart series and the trend across scans."""
    return {
        "total": model.total,
        "verdicts": dict(model.verdicts),
        "white_label_flagged": model.white_label_flagged,
        "by_oem": [list(x) for x in model.by_oem],
        "by_brand": [list(x) for x in model.by_brand],
        "by_site": [list(x) for x in model.by_site],
        "trend": trend(store),
        "scans": len(store.scans()),
    }


@dataclass(frozen=True, slots=True)
class AssetFilter:
    """Asset list filters (all optional; text matches are case-insensitive substrings)."""

    verdict: str | None = None
    oem: str | None = None
    brand: str | None = None
    site: str | None = None
    q: str | None = None


def _has(hay: str | None, needle: str) -> bool:
    return hay is not None and needle.casefold() in hay.casefold()


def filter_assets(model: ReportModel, f: AssetFilter) -> list[ReportAsset]:
    """The assets matching every given filter, worst verdict first."""
    out = []
    for a in model.assets:
        if f.verdict and a.verdict != f.verdict:
            continue
        if f.oem and not (_has(a.oem, f.oem) or _has(a.oem_name, f.oem)):
            continue
        if f.brand and not _has(a.label_brand, f.brand):
            continue
        if f.site and not _has(a.site, f.site):
            continue
        if f.q:
            fields = (a.id, a.ip, a.mac, a.model, a.label_brand, a.oem_name, a.serial, a.site, a.category)
            if not any(_has(x, f.q) for x in fields):
                continue
        out.append(a)
    return out


def asset_row(a: ReportAsset) -> dict[str, Any]:
    """One asset list row as JSON-ready data."""
    return {
        "asset_id": a.asset_id,
        "name": a.id,
        "verdict": a.verdict,
        "confidence": round(a.confidence, 4),
        "label_brand": a.label_brand,
        "oem": a.oem,
        "oem_name": a.oem_name,
        "white_label": a.white_label,
        "model": a.model,
        "ip": a.ip,
        "mac": a.mac,
        "site": a.site,
    }


def asset_detail(store: Store, asset_id: int) -> dict[str, Any]:
    """Everything about one asset: its newest attribution (report-flattened), observations, history."""
    info = store.asset(asset_id)
    if info is None:
        raise NotFound(f"no asset {asset_id}")
    hist = store.asset_history(asset_id)
    latest = hist.attributions[-1] if hist.attributions else None
    obs = store.observations_of(asset_id)
    report: ReportAsset | None = None
    if latest is not None:
        from trueoem.report.data import build_model

        rec = dict(latest.record)
        rec["asset_id"] = asset_id
        rec.setdefault("ip", info.last_ip)
        m = build_model([rec], observations={f"asset:{asset_id}": obs})
        report = m.assets[0]
    return {
        "asset": {
            "id": info.id,
            "name": visible(info.name, 300),
            "mac": info.mac,
            "serial": visible(info.serial, 300) if info.serial else None,
            "external_id": visible(info.external_id, 300) if info.external_id else None,
            "last_ip": info.last_ip,
            "first_seen": info.first_seen.isoformat(),
            "last_seen": info.last_seen.isoformat(),
        },
        "report": report,
        "observations": [
            {"kind": visible(o.kind, 50), "value": visible(o.value, 65536), "source": visible(o.source, 300)}
            for o in obs
        ],
        "addresses": [
            {"ip": a.ip, "first_seen": a.first_seen.isoformat(), "last_seen": a.last_seen.isoformat()}
            for a in hist.addresses
        ],
        "sightings": [
            {"scan_id": g.scan_id, "kind": g.scan_kind, "ip": g.ip, "last_seen": g.last_seen.isoformat()}
            for g in hist.sightings
        ],
        "attributions": [
            {
                "id": a.id,
                "scan_id": a.scan_id,
                "kb_version": visible(a.kb_version, 100),
                "created_at": a.created_at.isoformat(),
                "verdict": a.verdict.value,
                "oem": visible(a.oem, 200) if a.oem else None,
                "confidence": round(a.confidence, 4),
                "label_brand": visible(a.label_brand, 200) if a.label_brand else None,
                "white_label": a.white_label,
            }
            for a in reversed(hist.attributions)
        ],
    }


def report_asset_dict(a: ReportAsset | None) -> dict[str, Any] | None:
    """A flattened attribution as JSON-ready data (observations are listed separately)."""
    if a is None:
        return None
    d = asdict(a)
    d.pop("observations", None)
    d["seen_at"] = a.seen_at.isoformat() if a.seen_at else None
    return d


def _per_scan(store: Store, scan_id: int) -> dict[int, tuple[str, str | None, str | None]]:
    """Asset id -> (verdict, oem, label brand) as scan ``scan_id`` judged it (else the newest judgement)."""
    with store.engine.connect() as c:
        seen = [int(x) for x in c.scalars(select(Sighting.asset_id).where(Sighting.scan_id == scan_id))]
        newest_in = (
            select(func.max(AttributionRow.id))
            .where(AttributionRow.scan_id == scan_id)
            .group_by(AttributionRow.asset_id)
        )
        rows = c.execute(
            select(
                AttributionRow.asset_id, AttributionRow.verdict, AttributionRow.oem, AttributionRow.label_brand
            ).where(AttributionRow.id.in_(newest_in))
        ).all()
        out = {int(r[0]): (str(r[1]), r[2], r[3]) for r in rows}
        missing = [a for a in seen if a not in out]
        if missing:
            newest = select(func.max(AttributionRow.id)).where(AttributionRow.asset_id.in_(missing))
            newest = newest.group_by(AttributionRow.asset_id)
            for r in c.execute(
                select(
                    AttributionRow.asset_id, AttributionRow.verdict, AttributionRow.oem, AttributionRow.label_brand
                ).where(AttributionRow.id.in_(newest))
            ):
                out[int(r[0])] = (str(r[1]), r[2], r[3])
        for a in seen:
            out.setdefault(a, (Verdict.UNKNOWN.value, None, None))
    return out


def diff_scans(store: Store, old: int, new: int) -> dict[str, Any]:
    """What changed from scan ``old`` to scan ``new``: new, gone and changed assets, covered first."""
    for sid in (old, new):
        if store.scan(sid) is None:
            raise NotFound(f"no scan {sid}")
    a, b = _per_scan(store, old), _per_scan(store, new)

    def entry(asset_id: int, now: tuple[str, str | None, str | None], before: str | None = None) -> dict[str, Any]:
        info = store.asset(asset_id)
        return {
            "asset_id": asset_id,
            "name": visible(info.name, 300) if info else f"asset:{asset_id}",
            "ip": info.last_ip if info else None,
            "verdict": now[0],
            "previous_verdict": before,
            "oem": visible(now[1], 200) if now[1] else None,
            "label_brand": visible(now[2], 200) if now[2] else None,
        }

    def order(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
        return sorted(rows, key=lambda r: (_RANK.get(r["verdict"], 9), str(r["name"])))

    added = order(entry(i, v) for i, v in b.items() if i not in a)
    gone = order(entry(i, v) for i, v in a.items() if i not in b)
    changed = order(entry(i, v, a[i][0]) for i, v in b.items() if i in a and a[i][0] != v[0])
    return {
        "old": old,
        "new": new,
        "added": added,
        "removed": gone,
        "changed": changed,
        "unchanged": sum(1 for i, v in b.items() if i in a and a[i][0] == v[0]),
        "new_covered": sum(1 for r in added if r["verdict"] in ("covered", "likely_covered")),
    }


KB_KINDS = ("entities", "families", "brands", "relations")


def kb_items(ckb: CompiledKB, kind: str, q: str | None = None) -> list[dict[str, Any]]:
    """KB entries of one kind (each with its source), optionally those whose text contains ``q``."""
    kb = ckb.kb
    rows: list[dict[str, Any]]
    if kind == "entities":
        rows = [
            {
                "id": e.id,
                "name": e.name,
                "legal_name": e.legal_name,
                "covered": e.covered,
                "legal_basis": list(e.legal_basis),
                "covered_list_added": e.covered_list_added,
                "country": e.country,
                "aliases": list(e.aliases),
                "members": len(e.members),
                "source": e.source,
                "confidence": str(e.confidence),
            }
            for e in kb.entities.values()
        ]
    elif kind == "families":
        rows = [
            {
                "entity": e.id,
                "entity_name": e.name,
                "name": m.name,
                "relation": m.relation,
                "aliases": list(m.aliases),
                "source": m.source,
                "confidence": str(m.confidence),
            }
            for e in kb.entities.values()
            for m in e.members
        ]
    elif kind == "brands":
        rows = [
            {
                "id": b.id,
                "name": b.name,
                "aliases": list(b.aliases),
                "owner": b.owner,
                "type": b.type,
                "source": b.source,
                "confidence": str(b.confidence),
            }
            for b in kb.brands.values()
        ]
    elif kind == "relations":
        rows = [
            {
                "brand": r.brand,
                "oem": r.oem,
                "lines": r.lines,
                "period_from": r.period_from,
                "period_to": r.period_to,
                "note": r.note,
                "source": r.source,
                "confidence": str(r.confidence),
            }
            for r in kb.relations
        ]
    else:
        raise NotFound(f"no KB section {kind!r} (one of {', '.join(KB_KINDS)})")
    if q:
        rows = [r for r in rows if q.casefold() in " ".join(str(v) for v in r.values()).casefold()]
    return rows


def kb_entity(ckb: CompiledKB, entity_id: str) -> dict[str, Any]:
    """One entity with its members, brands owned and relations naming it as OEM."""
    e = ckb.kb.entities.get(entity_id)
    if e is None:
        raise NotFound(f"no KB entity {entity_id!r}")
    d = e.model_dump(mode="json")
    d["brands"] = [b.model_dump(mode="json") for b in ckb.kb.brands.values() if b.owner == entity_id]
    d["relations"] = [r.model_dump(mode="json") for r in ckb.kb.relations if r.oem == entity_id]
    return d
