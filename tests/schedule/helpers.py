"""Store-level helpers: record a host with a chosen attribution (no network)."""

from __future__ import annotations

from trueoem.model import Attribution, Verdict
from trueoem.store import Store

HIK_BASIS = "NDAA FY2019 s.889(f)(3)(B); FCC Covered List (2021-03-12)"


def attribution(
    ip: str, verdict: str, *, oem: str | None = "hikvision", label: str | None = None, model: str | None = None
) -> Attribution:
    covered = verdict in ("covered", "likely_covered")
    return Attribution(
        id=ip,
        verdict=Verdict(verdict),
        oem=oem,
        oem_name="Hangzhou Hikvision Digital Technology" if oem == "hikvision" else oem,
        confidence=0.97 if verdict == "covered" else 0.6,
        label_brand=label,
        white_label=label is not None,
        legal_basis=HIK_BASIS if covered else None,
        evidence=(),
        model=model,
        extra=(("ip", ip), ("mac", None), ("ports", [80])),
    )


def record(store: Store, scan_id: int, ip: str, verdict: str, **kw: str | None) -> int:
    return store.record_asset(scan_id, ip=ip, serial=f"SN-{ip}", attribution=attribution(ip, verdict, **kw))
