"""The report model: what every report renderer (HTML, PDF, FAR draft, CycloneDX) reads.

``build_model`` takes attribution records (:meth:`trueoem.model.Attribution.as_dict`, as written by
``--format jsonl`` or stored as ``StoredAttribution.record``) plus optional scan, asset and
observation details, so a report can be made straight from a ``check``/``scan`` run or from the
store (:func:`model_from_store`). Nothing here renders or does I/O besides reading the store.

Every string that came from a device or an input file is attacker-controlled. This module makes
invisible tricks visible (bidi overrides and isolates, zero-width and C0/C1 control characters
become ``[U+202E]``-style markers, see :func:`visible`); escaping for a target format is each
renderer's job (HTML autoescape, Markdown escaping, JSON).
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from trueoem.model import Observation, Verdict

if TYPE_CHECKING:
    from trueoem.store import ScanInfo, Store

#: Verdicts in report order (worst first).
VERDICT_ORDER: tuple[str, ...] = tuple(v.value for v in Verdict)
FLAGGED: frozenset[str] = frozenset({Verdict.COVERED.value, Verdict.LIKELY_COVERED.value})

# Bidi embeddings/overrides/isolates/marks, zero-width and other invisible format characters, C0/C1
# controls (tab, CR and newline kept), line/paragraph separators, BOM.
_INVISIBLE = re.compile(
    "[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u115f\u1160\u17b4\u17b5\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\u3164\ufeff\ufff9-\ufffb]"
)


def visible(value: object, limit: int = 2000) -> str:
    """``value`` as text with invisible/bidi control characters shown as ``[U+XXXX]``, capped at ``limit``."""
    s = "" if value is None else str(value)
    if len(s) > limit:
        s = s[:limit] + f"… [{len(s) - limit} more characters]"
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", s)


def _opt(value: object) -> str | None:
    return None if value is None or value == "" else visible(value)


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One piece of evidence as shown in a report."""

    rule: str
    kind: str
    matched: str
    claim: str
    weight: float
    source: str
    origin: str = ""  # where the observation came from (file:row, host:port)
    note: str = ""


@dataclass(frozen=True, slots=True)
class ReportAsset:
    """One asset's attribution, flattened for rendering (all strings already :func:`visible`)."""

    n: int  # position in the report, 1-based (anchors, bom-refs)
    id: str
    verdict: str
    confidence: float
    label_brand: str | None
    oem: str | None
    oem_name: str | None
    white_label: bool
    model: str | None
    category: str | None
    legal_basis: str | None
    kb_version: str
    site: str
    ip: str | None = None
    mac: str | None = None
    mac_oui: str | None = None  # the registry block a rule matched (when the full MAC is not known)
    fcc_id: str | None = None
    firmware: str | None = None
    serial: str | None = None
    description: str | None = None
    ports: tuple[str, ...] = ()
    platform: tuple[str, ...] = ()
    evidence: tuple[EvidenceItem, ...] = ()
    alternatives: tuple[tuple[str, float, bool], ...] = ()  # (name, probability, covered)
    conflicts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    asset_id: int | None = None  # store asset id, when from the store
    seen_at: datetime | None = None  # when first seen / attributed (for the over-time chart)

    @property
    def flagged(self) -> bool:
        """Covered or likely covered."""
        return self.verdict in FLAGGED


@dataclass(frozen=True, slots=True)
class ScanSummary:
    """One run that produced the records (from the store)."""

    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    kb_version: str
    counts: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ReportModel:
    """Everything a report shows: assets, the summary counts and the chart series."""

    title: str
    generated_at: datetime
    assets: tuple[ReportAsset, ...]
    scans: tuple[ScanSummary, ...] = ()
    source: str = ""  # what the records came from ("store sqlite:///…", "check catalog.csv")
    kb_versions: tuple[str, ...] = ()
    verdicts: tuple[tuple[str, int], ...] = ()
    by_oem: tuple[tuple[str, int], ...] = ()  # flagged assets by true OEM
    by_brand: tuple[tuple[str, int], ...] = ()  # flagged assets by label brand
    by_site: tuple[tuple[str, int], ...] = ()  # flagged assets by site / subnet / source file
    over_time: tuple[tuple[str, int, int, int], ...] = ()  # (day, covered, likely, other) by first seen
    white_label_flagged: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Number of assets."""
        return len(self.assets)

    @property
    def flagged(self) -> tuple[ReportAsset, ...]:
        """Covered and likely-covered assets, covered first."""
        return tuple(a for a in self.assets if a.verdict == Verdict.COVERED.value) + tuple(
            a for a in self.assets if a.verdict == Verdict.LIKELY_COVERED.value
        )

    def count(self, verdict: str) -> int:
        """Number of assets with ``verdict``."""
        return dict(self.verdicts).get(verdict, 0)


def site_of(record: Mapping[str, Any], subnet_v4: int = 24, subnet_v6: int = 64) -> str:
    """The group an asset is charted under: its ``site``, else its IP's subnet, else its source file."""
    site = record.get("site")
    if site:
        return visible(site, 120)
    ip = record.get("ip")
    if ip:
        try:
            addr = ipaddress.ip_address(str(ip))
        except ValueError:
            return visible(ip, 120)
        prefix = subnet_v4 if addr.version == 4 else subnet_v6
        return str(ipaddress.ip_network(f"{addr}/{prefix}", strict=False))
    for e in record.get("evidence") or ():
        origin = str(e.get("from") or "") if isinstance(e, Mapping) else ""
        if origin:
            return visible(origin.rsplit(":", 1)[0] if ":" in origin else origin, 120)
    return "(unknown)"


_OBS_FIELDS = {
    "mac": "mac",
    "fcc_id": "fcc_id",
    "firmware": "firmware",
    "serial": "serial",
    "description": "description",
}


def _from_observations(obs: Sequence[Observation]) -> dict[str, str]:
    out: dict[str, str] = {}
    for o in obs:
        key = _OBS_FIELDS.get(o.kind)
        if key and key not in out and o.value.strip():
            out[key] = o.value.strip()
    return out


def _from_evidence(evidence: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """MAC block (OUI), FCC ID and firmware as matched by rules, when no observation gives them."""
    out: dict[str, str] = {}
    for e in evidence:
        kind = str(e.get("kind") or "")
        if kind in ("mac", "fcc_id", "firmware") and e.get("matched"):
            out.setdefault("mac_oui" if kind == "mac" else kind, str(e["matched"]))
    return out


def _asset(n: int, r: Mapping[str, Any], obs: Sequence[Observation], seen: datetime | None) -> ReportAsset:
    raw_ev = [e for e in (r.get("evidence") or ()) if isinstance(e, Mapping)]
    known = {**_from_evidence(raw_ev), **_from_observations(obs)}
    if r.get("mac"):
        known["mac"] = str(r["mac"])
    evidence = tuple(
        EvidenceItem(
            rule=visible(e.get("rule"), 200),
            kind=visible(e.get("kind"), 100),
            matched=visible(e.get("matched"), 500),
            claim=visible(e.get("claim"), 200),
            weight=float(e.get("weight") or 0.0),
            source=visible(e.get("source"), 1000),
            origin=visible(e.get("from"), 300),
            note=visible(e.get("note"), 500),
        )
        for e in raw_ev
    )
    alts = tuple(
        (visible(a.get("name") or a.get("oem"), 200), float(a.get("probability") or 0.0), bool(a.get("covered")))
        for a in (r.get("alternatives") or ())
        if isinstance(a, Mapping)
    )
    verdict = str(r.get("verdict") or Verdict.UNKNOWN.value)
    if verdict not in VERDICT_ORDER:
        verdict = Verdict.UNKNOWN.value
    try:
        confidence = float(r.get("confidence") or 0.0)
    except (TypeError, ValueError):
        confidence = 0.0
    return ReportAsset(
        n=n,
        id=visible(r.get("id"), 300),
        verdict=verdict,
        confidence=confidence,
        label_brand=_opt(r.get("label_brand")),
        oem=_opt(r.get("oem")),
        oem_name=_opt(r.get("oem_name") or r.get("oem")),
        white_label=bool(r.get("white_label")),
        model=_opt(r.get("model")),
        category=_opt(r.get("category")),
        legal_basis=_opt(r.get("legal_basis")),
        kb_version=visible(r.get("kb_version"), 100),
        site=site_of(r),
        ip=_opt(r.get("ip")),
        mac=_opt(known.get("mac")),
        mac_oui=_opt(known.get("mac_oui")),
        fcc_id=_opt(known.get("fcc_id")),
        firmware=_opt(known.get("firmware")),
        serial=_opt(known.get("serial")),
        description=_opt(known.get("description")),
        ports=tuple(visible(p, 20) for p in (r.get("ports") or ())),
        platform=tuple(visible(p, 100) for p in (r.get("platform") or ())),
        evidence=evidence,
        alternatives=alts,
        conflicts=tuple(visible(c) for c in (r.get("conflicts") or ())),
        notes=tuple(visible(c) for c in (r.get("notes") or ())),
        observations=tuple(Observation(visible(o.kind, 50), visible(o.value), visible(o.source, 300)) for o in obs),
        asset_id=r.get("asset_id") if isinstance(r.get("asset_id"), int) else None,
        seen_at=seen,
    )


def _natural(s: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key putting ``row 2`` before ``row 10``."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", s) if p)


def _ranked(counter: Counter[str], top: int) -> tuple[tuple[str, int], ...]:
    items = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(items) > top:
        rest = sum(v for _, v in items[top - 1 :])
        items = [*items[: top - 1], (f"other ({len(items) - top + 1})", rest)]
    return tuple(items)


def build_model(
    records: Iterable[Mapping[str, Any]],
    scans: Sequence[ScanInfo] | None = None,
    *,
    title: str = "trueoem report",
    generated_at: datetime | None = None,
    observations: Mapping[str, Sequence[Observation]] | None = None,
    seen_at: Mapping[str, datetime] | None = None,
    source: str = "",
    top: int = 12,
) -> ReportModel:
    """The report model of ``records`` (attribution dicts), covered first, then by id.

    ``observations`` and ``seen_at`` are keyed by record ``id`` (or ``asset:<asset_id>`` when the
    record carries an ``asset_id``); ``generated_at`` defaults to now (pass it for reproducible output).
    """
    obs_map = observations or {}
    seen_map = seen_at or {}
    now = generated_at or datetime.now(UTC)
    recs = list(records)
    order = {v: i for i, v in enumerate(VERDICT_ORDER)}
    recs.sort(key=lambda r: (order.get(str(r.get("verdict")), len(order)), _natural(str(r.get("id")))))
    assets = []
    for n, r in enumerate(recs, 1):
        key = f"asset:{r['asset_id']}" if isinstance(r.get("asset_id"), int) else str(r.get("id"))
        assets.append(_asset(n, r, obs_map.get(key, ()), seen_map.get(key)))
    flagged = [a for a in assets if a.flagged]
    verdicts = Counter(a.verdict for a in assets)
    days: dict[str, list[int]] = {}
    for a in assets:
        if a.seen_at is None:
            continue
        row = days.setdefault(a.seen_at.date().isoformat(), [0, 0, 0])
        row[0 if a.verdict == Verdict.COVERED.value else 1 if a.verdict == Verdict.LIKELY_COVERED.value else 2] += 1
    return ReportModel(
        title=visible(title, 300),
        generated_at=now,
        assets=tuple(assets),
        scans=tuple(_scan(s) for s in scans or ()),
        source=visible(source, 500),
        kb_versions=tuple(sorted({a.kb_version for a in assets if a.kb_version})),
        verdicts=tuple((v, verdicts.get(v, 0)) for v in VERDICT_ORDER),
        by_oem=_ranked(Counter(a.oem_name or "(unresolved)" for a in flagged), top),
        by_brand=_ranked(Counter(a.label_brand or "(no brand)" for a in flagged), top),
        by_site=_ranked(Counter(a.site for a in flagged), top),
        over_time=tuple((d, *v) for d, v in sorted(days.items())),  # type: ignore[misc]
        white_label_flagged=sum(1 for a in flagged if a.white_label),
    )


def _scan(s: ScanInfo) -> ScanSummary:
    counts = tuple((visible(k, 50), visible(v, 50)) for k, v in sorted((s.counts or {}).items()))
    return ScanSummary(s.id, visible(s.kind), visible(s.status), s.started_at, s.finished_at, s.kb_version, counts)


def model_from_store(
    store: Store,
    *,
    scan_id: int | None = None,
    verdicts: Iterable[str] | None = None,
    title: str = "trueoem report",
    generated_at: datetime | None = None,
    with_observations: bool = True,
) -> ReportModel:
    """The report model of the newest attribution of every stored asset (seen by ``scan_id``).

    Each record gets the store's ``asset_id``, its last IP (when the record has none) and the
    asset's first-seen time (the over-time chart); ``with_observations`` adds the raw observations
    (MAC, FCC ID, firmware, serial, description and the evidence appendix).
    """
    records: list[dict[str, Any]] = []
    obs: dict[str, Sequence[Observation]] = {}
    seen: dict[str, datetime] = {}
    for sa in store.latest_attributions(scan_id=scan_id, verdicts=verdicts):
        rec = dict(sa.record)
        rec["asset_id"] = sa.asset_id
        key = f"asset:{sa.asset_id}"
        info = store.asset(sa.asset_id)
        if info is not None:
            rec.setdefault("ip", info.last_ip)
            if not rec.get("mac") and info.mac:
                rec["mac"] = info.mac
            seen[key] = info.first_seen
        else:
            seen[key] = sa.created_at
        if with_observations:
            obs[key] = store.observations_of(sa.asset_id)
        records.append(rec)
    scans = [s for s in store.scans() if scan_id is None or s.id == scan_id]
    url = store.engine.url.render_as_string(hide_password=True)
    src = f"store {url}" + (f", scan {scan_id}" if scan_id is not None else "")
    return build_model(
        records, scans, title=title, generated_at=generated_at, observations=obs, seen_at=seen, source=src
    )
