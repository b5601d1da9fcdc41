"""A FAR 52.204-25(d) report draft: one (d)(2)(i) section per covered finding, plus the (d)(2)(ii) follow-up.

The draft is Markdown: it is a text the contractor completes and then pastes into the DIBNet form or
an e-mail to the Contracting Officer, so it must read well as plain text, diff cleanly and render
anywhere (GitHub, GitLab, pandoc, any Markdown viewer) without a browser or network.

trueoem knows the brand, the true OEM, the model and the evidence; it cannot know the contract,
orders, supplier, UEI, CAGE code or mitigation. Those come from a config file (TOML or YAML, see
:func:`load_far_config`) and options (:meth:`FarConfig.merged`), and whatever is still unknown is
printed as ``[ NOT PROVIDED — contractor to complete ]``, never invented.

Every value from a device, an input file or the config is escaped for Markdown (:func:`md_escape`,
applied to every ``{{ }}`` by the template engine's ``finalize``): it cannot open a link, an image,
raw HTML, a heading or a table cell, and stays on its line.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FunctionLoader

from trueoem import __version__
from trueoem.report.data import ReportAsset, ReportModel, visible
from trueoem.report.html import template_text

BLANK = "[ NOT PROVIDED — contractor to complete ]"
DIBNET = "https://dibnet.dod.mil"

#: Where the clause text comes from (FACTS.md §2.1).
CLAUSE_SOURCE = (
    "FAR 52.204-25 (AUG 2019 and later versions), paragraph (d), as summarised in trueoem FACTS.md §2.1 from a GSA RFQ "
    "reproducing the clause (ref 49511407370), corroborated by verbatim quotations (refs 55056574567, 55452101903, "
    "55195487927). Re-verify against https://www.acquisition.gov/far/52.204-25 before submitting."
)


class FarConfigError(ValueError):
    """The FAR config file cannot be read or has a field of the wrong type."""


@dataclass(frozen=True, slots=True)
class Supplier:
    """Who the equipment was bought from (not the brand, not the OEM)."""

    name: str | None = None
    uei: str | None = None
    cage: str | None = None

    def merged(self, other: Supplier) -> Supplier:
        """``other``'s known fields over this one's."""
        return Supplier(other.name or self.name, other.uei or self.uei, other.cage or self.cage)


@dataclass(frozen=True, slots=True)
class Finding:
    """Per-finding overrides (keyed by asset id in the config)."""

    supplier: Supplier = field(default_factory=Supplier)
    order_numbers: tuple[str, ...] = ()
    description: str | None = None
    mitigation: str | None = None


@dataclass(frozen=True, slots=True)
class FarConfig:
    """What the contractor knows and trueoem cannot: the contract, orders, suppliers and actions taken."""

    contract_number: str | None = None
    order_numbers: tuple[str, ...] = ()
    contractor: str | None = None
    contracting_officer: str | None = None
    dod: bool = False
    identified_on: date | None = None
    supplier: Supplier = field(default_factory=Supplier)  # the default supplier
    suppliers: Mapping[str, Supplier] = field(default_factory=dict)  # by label brand (case-insensitive)
    findings: Mapping[str, Finding] = field(default_factory=dict)  # by asset id
    mitigation: str | None = None  # (d)(2)(i)(I) for every finding unless a finding overrides it
    further_mitigation: str | None = None  # (d)(2)(ii)
    prevention_efforts: str | None = None  # (d)(2)(ii)
    future_prevention: str | None = None  # (d)(2)(ii)

    def merged(self, **options: Any) -> FarConfig:
        """This config with the options that are set (not None, not empty) taking precedence.

        Options: the scalar fields above plus ``supplier_name``, ``supplier_uei`` and ``supplier_cage``
        for the default supplier, e.g. ``cfg.merged(contract_number="47QSWA…", order_numbers=["1"])``.
        """
        names = {f.name for f in fields(FarConfig)}
        changes: dict[str, Any] = {}
        sup = Supplier(
            options.pop("supplier_name", None), options.pop("supplier_uei", None), options.pop("supplier_cage", None)
        )
        for k, v in options.items():
            if k not in names or k in ("supplier", "suppliers", "findings"):
                raise FarConfigError(f"unknown FAR option {k!r}")
            if v is None or v == () or v == []:
                continue
            changes[k] = tuple(str(x) for x in v) if k == "order_numbers" else v
        return replace(self, supplier=self.supplier.merged(sup), **changes)

    def supplier_for(self, a: ReportAsset) -> Supplier:
        """The supplier of a finding: its own, else its label brand's, else the default."""
        s = self.supplier
        if a.label_brand:
            brand = self.suppliers.get(a.label_brand.casefold())
            if brand is not None:
                s = s.merged(brand)
        f = self.findings.get(a.id)
        return s if f is None else s.merged(f.supplier)


def _text(v: Any, where: str) -> str | None:
    if v is None or v == "":
        return None
    if isinstance(v, str | int | float) and not isinstance(v, bool):
        return str(v)
    raise FarConfigError(f"{where}: expected text, got {type(v).__name__}")


def _texts(v: Any, where: str) -> tuple[str, ...]:
    if v is None:
        return ()
    if isinstance(v, str | int):
        return (str(v),)
    if isinstance(v, list | tuple):
        return tuple(t for t in (_text(x, where) for x in v) if t)
    raise FarConfigError(f"{where}: expected text or a list of text")


def _supplier(v: Any, where: str) -> Supplier:
    if v is None:
        return Supplier()
    if isinstance(v, str):
        return Supplier(name=v)
    if not isinstance(v, Mapping):
        raise FarConfigError(f"{where}: expected a table with name, uei, cage")
    unknown = set(v) - {"name", "uei", "cage"}
    if unknown:
        raise FarConfigError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    return Supplier(_text(v.get("name"), where), _text(v.get("uei"), where), _text(v.get("cage"), where))


_KEYS = {
    "contract_number",
    "order_numbers",
    "contractor",
    "contracting_officer",
    "dod",
    "identified_on",
    "supplier",
    "suppliers",
    "findings",
    "mitigation",
    "further_mitigation",
    "prevention_efforts",
    "future_prevention",
}


def far_config_from_mapping(d: Mapping[str, Any], where: str = "FAR config") -> FarConfig:
    """A :class:`FarConfig` from parsed TOML/YAML (unknown keys are an error: typos must not go unnoticed)."""
    unknown = set(d) - _KEYS
    if unknown:
        raise FarConfigError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
    ident = d.get("identified_on")
    if isinstance(ident, str):
        try:
            ident = date.fromisoformat(ident)
        except ValueError:
            raise FarConfigError(f"{where}: identified_on must be a date (YYYY-MM-DD)") from None
    elif ident is not None and not isinstance(ident, date):
        raise FarConfigError(f"{where}: identified_on must be a date (YYYY-MM-DD)")
    dod = d.get("dod", False)
    if not isinstance(dod, bool):
        raise FarConfigError(f"{where}: dod must be true or false")
    suppliers = {
        str(k).casefold(): _supplier(v, f"{where}: suppliers.{k}") for k, v in (d.get("suppliers") or {}).items()
    }
    findings: dict[str, Finding] = {}
    for k, v in (d.get("findings") or {}).items():
        w = f"{where}: findings.{k}"
        if not isinstance(v, Mapping):
            raise FarConfigError(f"{w}: expected a table")
        findings[str(k)] = Finding(
            supplier=_supplier(v.get("supplier"), w),
            order_numbers=_texts(v.get("order_numbers"), w),
            description=_text(v.get("description"), w),
            mitigation=_text(v.get("mitigation"), w),
        )
    return FarConfig(
        contract_number=_text(d.get("contract_number"), where),
        order_numbers=_texts(d.get("order_numbers"), where),
        contractor=_text(d.get("contractor"), where),
        contracting_officer=_text(d.get("contracting_officer"), where),
        dod=dod,
        identified_on=ident,
        supplier=_supplier(d.get("supplier"), f"{where}: supplier"),
        suppliers=suppliers,
        findings=findings,
        mitigation=_text(d.get("mitigation"), where),
        further_mitigation=_text(d.get("further_mitigation"), where),
        prevention_efforts=_text(d.get("prevention_efforts"), where),
        future_prevention=_text(d.get("future_prevention"), where),
    )


def load_far_config(path: Path | None = None, **options: Any) -> FarConfig:
    """Read a FAR config (``.toml``, ``.yaml``/``.yml``); ``options`` override it (:meth:`FarConfig.merged`)."""
    cfg = FarConfig()
    if path is not None:
        try:
            raw = path.read_bytes()
        except OSError as e:
            raise FarConfigError(f"{path}: cannot read ({e.strerror})") from None
        try:
            if path.suffix.lower() in (".yaml", ".yml"):
                import yaml

                data = yaml.safe_load(raw.decode("utf-8")) or {}
            else:
                data = tomllib.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, ValueError) as e:
            raise FarConfigError(
                f"{path}: not valid {'YAML' if path.suffix.lower() in ('.yaml', '.yml') else 'TOML'}: {e}"
            ) from None
        except Exception as e:  # yaml.YAMLError (PyYAML is imported lazily)
            raise FarConfigError(f"{path}: not valid YAML: {e}") from None
        if not isinstance(data, Mapping):
            raise FarConfigError(f"{path}: expected a table of settings")
        cfg = far_config_from_mapping(data, str(path))
    return cfg.merged(**options)


# -- business days ---------------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    d = date(year, month, 1)
    d += timedelta(days=(weekday - d.weekday()) % 7)
    if n > 0:
        return d + timedelta(weeks=n - 1)
    last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(d: date) -> date:
    return d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d


@cache
def federal_holidays(year: int) -> frozenset[date]:
    """The legal public holidays of 5 U.S.C. 6103(a) in ``year``, as observed (not Inauguration Day)."""
    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    floating = [
        _nth_weekday(year, 1, 0, 3),  # Birthday of Martin Luther King, Jr.
        _nth_weekday(year, 2, 0, 3),  # Washington's Birthday
        _nth_weekday(year, 5, 0, -1),  # Memorial Day
        _nth_weekday(year, 9, 0, 1),  # Labor Day
        _nth_weekday(year, 10, 0, 2),  # Columbus Day
        _nth_weekday(year, 11, 3, 4),  # Thanksgiving Day
    ]
    out = {_observed(d) for d in fixed} | set(floating)
    out.add(_observed(date(year + 1, 1, 1)))  # New Year's Day of next year observed on Dec 31
    return frozenset(out)


def add_business_days(start: date, n: int) -> date:
    """``start`` plus ``n`` federal business days (Mon–Fri, not a 5 U.S.C. 6103 holiday)."""
    d = start
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in federal_holidays(d.year):
            n -= 1
    return d


# -- rendering -------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~#!<>&])")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def md_escape(value: object) -> str:
    """``value`` as inert Markdown text on one line (no links, images, HTML, emphasis or table cells)."""
    s = visible(value, 1000)
    s = " ".join(s.split())
    return _MD_SPECIAL.sub(lambda m: _MD_ENTITY.get(m.group(1), "\\" + m.group(1)), s)


class Trusted(str):
    """Markdown written by trueoem itself (not escaped by the template engine)."""


def _finalize(value: object) -> object:
    if isinstance(value, Trusted | int | float):
        return value
    return md_escape(value)


def _blank(value: object) -> Trusted:
    """The escaped value (a list joined with commas), or the visible blank when it is empty."""
    if isinstance(value, list | tuple):
        value = ", ".join(str(x) for x in value if x)
    return Trusted(md_escape(value)) if value else Trusted(BLANK)


def _load(name: str) -> str | None:
    try:
        return template_text(name)
    except (FileNotFoundError, OSError):
        return None


@cache
def _environment() -> Environment:
    env = Environment(
        loader=FunctionLoader(_load),
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals.update(BLANK=Trusted(BLANK), version=__version__)
    env.filters["blank"] = _blank
    return env


@dataclass(frozen=True, slots=True)
class FarFinding:
    """One finding as the draft shows it: the (d)(2)(i) elements and trueoem's evidence."""

    asset: ReportAsset
    supplier: Supplier
    order_numbers: tuple[str, ...]
    description: str | None
    description_derived: bool
    mitigation: str | None
    top_evidence: tuple[Any, ...]
    identifiers: tuple[tuple[str, str], ...]


def _description(a: ReportAsset) -> str | None:
    if a.description:
        return a.description
    if a.category:
        return a.category.replace("_", " ")
    return None


def _findings(assets: Iterable[ReportAsset], cfg: FarConfig) -> list[FarFinding]:
    out = []
    for a in assets:
        f = cfg.findings.get(a.id, Finding())
        desc = f.description or _description(a)
        out.append(
            FarFinding(
                asset=a,
                supplier=cfg.supplier_for(a),
                order_numbers=f.order_numbers or cfg.order_numbers,
                description=desc,
                description_derived=f.description is None and not a.description and desc is not None,
                mitigation=f.mitigation or cfg.mitigation,
                top_evidence=tuple(sorted((e for e in a.evidence if e.weight > 0), key=lambda e: -e.weight)[:6]),
                identifiers=tuple(
                    (k, x)
                    for k, x in (
                        ("IP", a.ip),
                        ("MAC", a.mac),
                        ("MAC block", a.mac_oui),
                        ("serial", a.serial),
                        ("FCC ID", a.fcc_id),
                        ("firmware", a.firmware),
                        ("site/subnet/source", a.site),
                    )
                    if x
                ),
            )
        )
    return out


def render_far(
    model: ReportModel, config: FarConfig | None = None, *, assets: Sequence[ReportAsset] | None = None
) -> str:
    """The FAR 52.204-25(d) report draft (Markdown) of the covered and likely covered assets of ``model``."""
    cfg = config or FarConfig()
    pool = model.assets if assets is None else tuple(assets)
    identified = cfg.identified_on or model.generated_at.date()
    covered = _findings((a for a in pool if a.verdict == "covered"), cfg)
    likely = _findings((a for a in pool if a.verdict == "likely_covered"), cfg)
    return (
        _environment()
        .get_template("far.md.j2")
        .render(
            m=model,
            cfg=cfg,
            covered=covered,
            likely=likely,
            identified=identified,
            due_i=add_business_days(identified, 1),
            due_ii=add_business_days(add_business_days(identified, 1), 10),
            clause_source=CLAUSE_SOURCE,
            dibnet=Trusted(DIBNET),
        )
    )
