"""Pydantic schema of the knowledge-base data files (``schema_version: 1``).

The KB is data, not code: every file under ``kb/data`` is validated against these models when it
is loaded, and every entry carries a ``source`` (a citation) and a ``confidence``. The models here
only describe shape and local consistency; cross-file checks (an entity id named by a brand exists,
rule examples match, vendor names come from the vocabulary) live in :mod:`trueoem.kb.verify`.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SCHEMA_VERSION = 1

Confidence = Literal["high", "medium", "low"]
Strength = Literal["conclusive", "strong", "moderate", "weak", "info"]

#: Log-likelihood ratio (natural log of the odds multiplier) added by one piece of evidence of each
#: strength. See :mod:`trueoem.attribute` for the scoring model these feed.
STRENGTH_LLR: dict[str, float] = {
    "conclusive": 6.0,
    "strong": 4.0,
    "moderate": 2.5,
    "weak": 1.0,
    "info": 0.0,
}

#: Device categories a rule or model grammar may claim (controlled vocabulary).
CATEGORIES: tuple[str, ...] = (
    "camera",
    "ptz_camera",
    "thermal_camera",
    "nvr",
    "dvr",
    "recorder",
    "encoder",
    "decoder",
    "intercom",
    "access_control",
    "alarm",
    "storage",
    "video_wall",
    "router",
    "switch",
    "wireless_ap",
    "ont",
    "olt",
    "modem",
    "lte_modem",
    "home_gateway",
    "bmc",
    "server",
    "radio",
    "repeater",
    "base_station",
    "phone",
    "tablet",
    "body_camera",
    "drone",
    "software",
    "accessory",
    "hdd",
    "other",
)

_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Strict):
    """Mixin: every KB entry names its source and how far we trust it."""

    source: str = Field(min_length=3)
    confidence: Confidence


class LegalBasis(Sourced):
    """A legal text that makes an entity's equipment covered."""

    id: str
    citation: str
    text: str
    effective: str | None = None


class Member(Sourced):
    """A subsidiary or affiliate of an entity (its equipment counts as the entity's)."""

    name: str
    relation: str
    aliases: list[str] = []
    valid_from: str | None = None
    valid_to: str | None = None


class Entity(Sourced):
    """A manufacturer (OEM) family: covered or not."""

    id: str
    name: str
    legal_name: str
    covered: bool
    legal_basis: list[str] = []  # LegalBasis ids
    covered_list_added: str | None = None
    equipment: list[str] = []  # telecommunications, video_surveillance
    purpose_limited: bool = False
    country: str | None = None
    aliases: list[str] = []  # names that denote the entity itself (as a brand too)
    ieee_org_patterns: list[str] = []  # regexes over IEEE registrant names (case-insensitive)
    members: list[Member] = []
    notes: list[str] = []

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"bad entity id {v!r}")
        return v

    @model_validator(mode="after")
    def _covered_has_basis(self) -> Entity:
        if self.covered and not self.legal_basis:
            raise ValueError(f"covered entity {self.id} needs a legal_basis")
        for p in self.ieee_org_patterns:
            re.compile(p)
        return self


class Brand(Sourced):
    """A brand name as it appears on a label, and who owns it."""

    id: str
    name: str
    aliases: list[str] = []
    owner: str | None = None  # entity id of the owner, None when independent of any KB entity
    type: Literal[
        "own_brand",
        "subsidiary",
        "former_subsidiary",
        "reseller",
        "manufacturer",
        "distributor",
    ]
    valid_from: str | None = None
    valid_to: str | None = None
    ieee_org_patterns: list[str] = []  # IEEE registrant names registered under the brand
    notes: list[str] = []


class Relation(Sourced):
    """A white-label (OEM) relationship: products sold under ``brand`` were made by ``oem``."""

    brand: str  # brand id
    oem: str  # entity id
    lines: str = ""  # product lines in words
    model_patterns: list[str] = []  # regexes: the relation applies to these model lines
    categories: list[str] = []  # the relation applies to these categories only (empty: all)
    period_from: str | None = None
    period_to: str | None = None
    strength: Strength | None = None  # default derived from confidence
    note: str = ""

    @model_validator(mode="after")
    def _patterns(self) -> Relation:
        for p in self.model_patterns:
            re.compile(p)
        for c in self.categories:
            if c not in CATEGORIES:
                raise ValueError(f"unknown category {c!r}")
        return self


class _CertificateHolder(Sourced):
    """A certification registry's code for a certificate holder, mapped to an entity."""

    _CODE: ClassVar[str]  # the code's form in that registry
    _WHAT: ClassVar[str]
    code: str
    entity: str
    example: str | None = None
    note: str = ""

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not re.fullmatch(cls._CODE, v):
            raise ValueError(f"bad {cls._WHAT} {v!r}")
        return v


class FccGrantee(_CertificateHolder):
    """An FCC grantee code (3 characters before May 2013, 5 beginning with 2 after)."""

    _CODE = r"[A-Z0-9]{3}|2[A-Z0-9]{4}"
    _WHAT = "FCC grantee code"
    grantee: str


class IsedCompany(_CertificateHolder):
    """An ISED Canada (formerly Industry Canada) company number: the ``CN`` of a certification number
    ``IC: CN-UPN`` (digits, often with a letter: ``6369A``)."""

    _CODE = r"\d{3,6}[A-Z]?"
    _WHAT = "ISED company number"
    company: str


class OuiAssignment(Sourced):
    """A MAC prefix pinned to an entity where the registry name alone would not say it."""

    prefix: str  # hex, 6, 7 or 9 digits (MA-L, MA-M, MA-S)
    entity: str
    note: str = ""

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        h = re.sub(r"[^0-9A-Fa-f]", "", v).upper()
        if len(h) not in (6, 7, 9):
            raise ValueError(f"bad OUI prefix {v!r}")
        return h


class Platform(Sourced):
    """A generic firmware/software stack that identifies a platform, never an OEM."""

    id: str
    name: str
    note: str = ""


class Claim(_Strict):
    """What a fingerprint rule asserts when it matches."""

    oem: str | None = None
    brand: str | None = None
    platform: str | None = None
    category: str | None = None

    @model_validator(mode="after")
    def _some(self) -> Claim:
        if not (self.oem or self.brand or self.platform or self.category):
            raise ValueError("a claim asserts at least one of oem, brand, platform, category")
        if self.category and self.category not in CATEGORIES:
            raise ValueError(f"unknown category {self.category!r}")
        return self


class Example(_Strict):
    """A positive example: a facet value (or a raw observation) the rule must match."""

    value: str | None = None
    field: str | None = None  # which of the rule's fields; default the first
    kind: str | None = None  # with raw: the observation kind to parse
    raw: str | None = None
    expect: dict[str, str] = {}  # extracted groups the match must yield

    @model_validator(mode="after")
    def _one(self) -> Example:
        if (self.value is None) == (self.raw is None):
            raise ValueError("an example has exactly one of value, raw")
        if self.raw is not None and not self.kind:
            raise ValueError("a raw example names its observation kind")
        return self


class Rule(Sourced):
    """A fingerprint: a regular expression over one or more facet fields, with examples."""

    id: str
    description: str = ""
    fields: list[str] = Field(min_length=1)
    pattern: str
    ignore_case: bool = False
    claim: Claim
    strength: Strength
    group: str | None = None  # evidence of one group and claim counts once
    examples: list[Example] = Field(min_length=1, max_length=20)
    counterexamples: list[str] = []

    @field_validator("id")
    @classmethod
    def _rid(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError(f"bad rule id {v!r}")
        return v

    @model_validator(mode="after")
    def _compiles(self) -> Rule:
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"rule {self.id}: pattern does not compile: {exc}") from None
        if self.claim.oem and self.strength in ("conclusive", "strong") and self.confidence == "low":
            raise ValueError(f"rule {self.id}: a low-confidence source cannot make {self.strength} evidence")
        return self


class RulePack(_Strict):
    """One file of fingerprints."""

    schema_version: Literal[1]
    pack: str
    description: str = ""
    rules: list[Rule]


class KbFile(_Strict):
    """The shape shared by the non-fingerprint KB files (each key optional)."""

    schema_version: Literal[1]
    version: str | None = None
    legal_bases: list[LegalBasis] = []
    entities: list[Entity] = []
    brands: list[Brand] = []
    relations: list[Relation] = []
    fcc_grantees: list[FccGrantee] = []
    ised_companies: list[IsedCompany] = []
    oui_assignments: list[OuiAssignment] = []
    platforms: list[Platform] = []
