"""The vocabulary of trueoem as plain frozen dataclasses.

An *observation* is one raw fact about an asset, kept verbatim. Parsing turns it into *facets*
(``field``/``value`` pairs such as ``http.server = "DNVRS-Webs"``); a *rule* of the knowledge base
that matches a facet yields *evidence*; the scoring model turns the evidence of one asset into an
*attribution*: label brand, true OEM, verdict, confidence, legal basis and the evidence trail.
Nothing in this module does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """The four verdicts of DESIGN.md."""

    COVERED = "covered"
    LIKELY_COVERED = "likely_covered"
    NOT_COVERED = "not_covered"
    UNKNOWN = "unknown"


#: Observation kinds the parsers understand (DESIGN.md vocabulary plus the record protocols).
OBSERVATION_KINDS: tuple[str, ...] = (
    "brand",
    "model",
    "part_number",
    "description",
    "mac",
    "fcc_id",
    "firmware",
    "serial",
    "date",
    "http",
    "http_headers",
    "http_body",
    "tls_cert",
    "rtsp",
    "onvif_device_information",
    "ws_discovery",
    "ssdp_description",
    "sadp",
    "dhip",
    "isapi_deviceinfo",
    "dahua_cgi",
    "open_port",
    "banner",
)

#: Aliases accepted on input (the record interface's protocol names) mapped to a kind above.
KIND_ALIASES: dict[str, str] = {
    "banner_other": "banner",
    "model_string": "model",
    "firmware_string": "firmware",
    "manufacturer": "brand",
    "vendor": "brand",
    "sku": "part_number",
    "mpn": "part_number",
    "fcc": "fcc_id",
    "ssdp": "ssdp_description",
    "upnp": "ssdp_description",
    "onvif": "onvif_device_information",
    "wsd": "ws_discovery",
    "isapi": "isapi_deviceinfo",
    "port": "open_port",
}


def canonical_kind(kind: str) -> str | None:
    """Return the canonical observation kind for ``kind`` (case-insensitive), or None."""
    k = kind.strip().lower().replace("-", "_")
    k = KIND_ALIASES.get(k, k)
    return k if k in OBSERVATION_KINDS else None


@dataclass(frozen=True, slots=True)
class Observation:
    """One raw fact about an asset from one source, kept verbatim."""

    kind: str
    value: str
    source: str = ""
    seen_at: str | None = None


@dataclass(frozen=True, slots=True)
class Asset:
    """One thing we judge (a catalog line, an inventory row, a host) and its observations."""

    id: str
    observations: tuple[Observation, ...]
    # Optional, set by a reader that has one: a hashable key that determines observations[:head_len]
    # exactly (equal keys, equal observations). Screening then keys its memo on it instead of
    # hashing those observations (a catalog's product columns, shared by many rows).
    head_key: object = field(default=None, compare=False)
    head_len: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Facet:
    """A normalised field extracted from an observation, the unit rules match on."""

    field: str
    value: str
    kind: str  # observation kind it came from
    source: str  # observation source it came from


@dataclass(frozen=True, slots=True)
class Evidence:
    """A rule that matched a facet: what it claims and how much weight it adds."""

    rule: str
    field: str
    matched: str
    claim: str  # "oem:hikvision", "platform:goahead", "brand:amcrest", "category:camera", ...
    weight: float  # log-likelihood ratio added to the claimed candidate (0 for information only)
    source: str  # citation of the rule (the KB entry's source)
    observation_source: str = ""  # where the observation came from (file:row, host:port, ...)
    note: str = ""
    extracted: tuple[tuple[str, str], ...] = ()
    group: str = ""  # evidence of one group (rule family x observation source) counts once

    def as_dict(self) -> dict[str, object]:
        """Return the evidence as the JSON-friendly record of the output format."""
        d: dict[str, object] = {
            "rule": self.rule,
            "kind": self.field,
            "matched": self.matched,
            "claim": self.claim,
            "weight": round(self.weight, 3),
            "source": self.source,
        }
        if self.observation_source:
            d["from"] = self.observation_source
        if self.extracted:
            d["extracted"] = dict(self.extracted)
        if self.note:
            d["note"] = self.note
        return d


@dataclass(frozen=True, slots=True)
class Candidate:
    """One OEM hypothesis with its posterior probability."""

    oem: str
    name: str
    covered: bool
    probability: float
    score: float


@dataclass(frozen=True, slots=True)
class Attribution:
    """The judgement on one asset."""

    id: str
    verdict: Verdict
    oem: str | None
    oem_name: str | None
    confidence: float
    label_brand: str | None
    white_label: bool
    legal_basis: str | None
    evidence: tuple[Evidence, ...]
    alternatives: tuple[Candidate, ...] = ()
    conflicts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    model: str | None = None
    category: str | None = None
    platform: tuple[str, ...] = ()
    kb_version: str = ""
    extra: tuple[tuple[str, object], ...] = field(default=())  # per-source fields: ip, mac, ports

    def as_dict(self) -> dict[str, object]:
        """Return the attribution as the output record of DESIGN.md (plus explanatory extras)."""
        d: dict[str, object] = {
            "id": self.id,
            "verdict": self.verdict.value,
            "oem": self.oem,
            "oem_name": self.oem_name,
            "confidence": round(self.confidence, 4),
            "label_brand": self.label_brand,
            "white_label": self.white_label,
            "legal_basis": self.legal_basis,
            "model": self.model,
            "category": self.category,
            "platform": list(self.platform),
            "evidence": [e.as_dict() for e in self.evidence],
            "alternatives": [
                {"oem": c.oem, "name": c.name, "covered": c.covered, "probability": round(c.probability, 4)}
                for c in self.alternatives
            ],
            "conflicts": list(self.conflicts),
            "notes": list(self.notes),
            "kb_version": self.kb_version,
        }
        if self.extra:  # source fields (ip, mac, ports of a scanned host) go right after the id
            d = {"id": d.pop("id"), **dict(self.extra), **d}
        return d
