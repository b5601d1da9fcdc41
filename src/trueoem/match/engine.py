"""Facets to evidence: the compiled knowledge base. Pure (the OUI rows come in as a function).

:class:`CompiledKB` holds the rule index, the brand index, the OUI index and the FCC grantee table,
and turns the facets of one asset into :class:`~trueoem.model.Evidence` plus what was learnt on
the way (label brand, model, category, platforms, dates). Scoring is in :mod:`trueoem.attribute`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache, partial

from trueoem.kb.loader import KnowledgeBase
from trueoem.kb.schema import STRENGTH_LLR, Relation
from trueoem.match.brands import BrandIndex, NameHit
from trueoem.match.context import negated
from trueoem.match.oui import OuiIndex
from trueoem.match.rules import RuleIndex, RuleMatch
from trueoem.model import Evidence, Facet

LADDER = ("info", "weak", "moderate", "strong", "conclusive")
_BY_CONF = {"high": "conclusive", "medium": "strong", "low": "moderate"}

# category words, in priority order; with each, words one of which any match contains (lower case)
_CATEGORY_WORDS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = tuple(
    (cat, re.compile(rx, re.I), keys)
    for cat, rx, keys in (
        ("thermal_camera", r"\bthermal\b|\bthermographic\b", ("thermal", "thermographic")),
        ("ptz_camera", r"\bPTZ\b|\bspeed\s?dome\b", ("ptz", "speed")),
        ("nvr", r"\bNVR\b|network video recorder", ("nvr", "network video recorder")),
        (
            "dvr",
            r"\b(?:DVR|XVR|HCVR|TVR)\b|digital video recorder",
            ("dvr", "xvr", "cvr", "tvr", "digital video recorder"),
        ),
        ("intercom", r"\bintercom\b|\bdoor\s?(?:bell|station|phone)\b|\bvideo door\b", ("intercom", "door")),
        (
            "access_control",
            r"\baccess control\b|\bface recognition terminal\b|\bturnstile\b",
            ("access control", "face recognition terminal", "turnstile"),
        ),
        (
            "camera",
            r"\bcamera\b|\bcam\b|\bdome\b|\bbullet\b|\bturret\b|\beyeball\b|\bfisheye\b|\bIPC\b|\bwebcam\b",
            ("cam", "dome", "bullet", "turret", "eyeball", "fisheye", "ipc"),
        ),
        (
            "ont",
            r"\bONT\b|\bONU\b|\bGPON\b|\bXGS-PON\b|\bEPON\b|optical network (?:terminal|unit)",
            ("ont", "onu", "pon", "optical network"),
        ),
        (
            "lte_modem",
            r"\bLTE\b|\b[45]G\b.*\b(?:modem|router|hotspot|CPE)\b|\bMiFi\b|\bhotspot\b|\bdongle\b",
            ("lte", "4g", "5g", "mifi", "hotspot", "dongle"),
        ),
        ("router", r"\brouter\b|\bgateway\b", ("router", "gateway")),
        ("switch", r"\bswitch\b", ("switch",)),
        ("wireless_ap", r"\baccess point\b|\bWi-?Fi AP\b", ("access point", "fi ap")),
        (
            "radio",
            r"\btwo-way radio\b|\bportable radio\b|\bmobile radio\b|\bDMR\b|\bTETRA\b|\bP25\b|\bwalkie",
            ("radio", "dmr", "tetra", "p25", "walkie"),
        ),
        ("repeater", r"\brepeater\b", ("repeater",)),
        ("bmc", r"\bBMC\b|\biBMC\b|baseboard management", ("bmc", "baseboard management")),
        ("hdd", r"\bhard (?:disk )?drive\b|\bHDD\b|\bsurveillance drive\b", ("hard ", "hdd", "surveillance drive")),
        (
            "accessory",
            r"\bbracket\b|\bmount\b|\bjunction box\b|\bpower supply\b|\bcable\b|\badapter\b|\bhousing\b",
            ("bracket", "mount", "junction box", "power supply", "cable", "adapter", "housing"),
        ),
    )
)
_IDENTITY_FIELDS = frozenset({"model", "serial", "text", "device.name", "http.title"})


# an FCC ID with a 3-character grantee code: upper case, a digit somewhere, no 5-character code
_FCC_SHORT = re.compile(r"(?=[A-Z0-9-]*[0-9])[A-Z013-9][A-Z0-9]{2}-?[A-Z0-9][A-Z0-9-]{1,16}")

# recorded effects of one facet on the findings of an asset (see CompiledKB._facet_ops)
_EV, _CAT, _MODEL, _PLAT, _BRAND_RULE, _BRAND_OUI, _BRAND_FACET = range(7)
_Op = tuple[int, object]
OPS_CACHE_MAX = 32768
EVIDENCE_CACHE_MAX = 32768


def _negated_match(text: str, matched: str) -> bool:
    """Is a rule's match in free text the object of "compatible with", "for", ... (as names and
    model numbers in free text are judged: :func:`trueoem.match.context.negated`)?"""
    i = text.find(matched)
    return i >= 0 and negated(text, i, i + len(matched))


def _resourced(e: object, source: str) -> Evidence:
    """Evidence ``e`` as seen in an observation from ``source``."""
    assert isinstance(e, Evidence)
    return Evidence(e.rule, e.field, e.matched, e.claim, e.weight, e.source, source, e.note, e.extracted, e.group)


@lru_cache(maxsize=16384)
def category_of(value: str) -> str | None:
    """The device category words in ``value`` name (the first in priority order), or None.

    A category's regex runs only where one of its key words is in the text (a substring test in C;
    most texts name one or two categories of seventeen). Text that is not ASCII is searched in full:
    case-insensitive matching knows letters that lower-casing does not give (the long s, Kelvin K)."""
    low = value.lower() if value.isascii() else None
    for cat, rx, keys in _CATEGORY_WORDS:
        if (low is None or any(k in low for k in keys)) and rx.search(value):
            return cat
    return None


SURVEILLANCE = frozenset(
    {
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
        "video_wall",
        "body_camera",
    }
)


def _same_family(a: NameHit, b: NameHit | None, kb: KnowledgeBase) -> bool:
    """Do two names denote the same company (a brand and its owner count as one)?"""
    if b is None:
        return False

    def fam(h: NameHit) -> str:
        if h.kind == "brand":
            br = kb.brands[h.id]
            return br.owner or f"brand:{br.id}"
        return h.id

    return fam(a) == fam(b)


_RANK = {s: i for i, s in enumerate(LADDER)}


def step(strength: str, by: int) -> str:
    """Move a strength up (by > 0) or down the ladder, staying on it."""
    i = _RANK.get(strength)
    if i is None:
        i = LADDER.index(strength)  # raises ValueError: not a strength
    return LADDER[max(0, min(len(LADDER) - 1, i + by))]


def in_period(date: str | None, start: str | None, end: str | None) -> bool | None:
    """True/False when ``date`` is known, None when it is not (ISO strings compare as dates)."""
    if not (start or end):
        return True
    if date is None:
        return None
    if start and date < start:
        return False
    return not (end and date >= end)


@dataclass
class Findings:
    """Evidence of one asset plus what was learnt from its facets."""

    evidence: list[Evidence] = field(default_factory=list)
    label_brand: str | None = None
    label_hit: NameHit | None = None
    models: list[str] = field(default_factory=list)
    stated_models: list[str] = field(default_factory=list)  # the item's own model values (model columns)
    categories: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    date: str | None = None
    notes: list[str] = field(default_factory=list)


#: observation kinds whose model facets are the item's own model (a catalog's model or part-number
#: column, a model string): a relation tied to model patterns is judged on them too
_STATED_MODEL_KINDS = frozenset({"model", "part_number"})
# an FCC ID and an ISED number on one label are one certificate holder's: one fact
_CERT_GROUP = "certification"


class CompiledKB:
    """The KB compiled for matching."""

    def __init__(self, kb: KnowledgeBase, oui_rows: Callable[[], list[tuple[str, str]]]) -> None:
        self.kb = kb
        self.rules = RuleIndex(list(kb.rules.values()))
        self.brands = BrandIndex(kb)
        self.oui = OuiIndex(kb, oui_rows)
        self.relations: dict[str, list[Relation]] = {}
        for r in kb.relations:
            self.relations.setdefault(r.brand, []).append(r)
        self._model_rx = {id(r): [re.compile(p) for p in r.model_patterns] for r in kb.relations if r.model_patterns}
        self._ops_cache: dict[tuple[str, str], tuple[str, tuple[_Op, ...]]] = {}
        self._evidence: dict[tuple[object, ...], Evidence] = {}
        # fields pass 1 of findings does something with (the others only cost a lookup)
        self._read_fields = frozenset(self.rules.by_field) | frozenset(
            {"brand", "device.manufacturer", "mac", "fcc_id", "ised_id", "text", "model", "device.name", "http.title"}
        )

    # -- evidence makers ------------------------------------------------------------------------

    def _ev(
        self,
        f: Facet,
        rule: str,
        claim: str,
        strength: str,
        source: str,
        group: str,
        matched: str | None = None,
        note: str = "",
        extracted: tuple[tuple[str, str], ...] = (),
    ) -> Evidence:
        m = (matched if matched is not None else f.value)[:200]
        # equal evidence is one (immutable) object: assets of one product line share theirs
        key = (rule, f.field, m, claim, strength, source, f.source, note, extracted, group)
        e = self._evidence.get(key)
        if e is None:
            if len(self._evidence) >= EVIDENCE_CACHE_MAX:
                self._evidence.clear()
            e = self._evidence[key] = Evidence(
                rule=rule,
                field=f.field,
                matched=m,
                claim=claim,
                weight=STRENGTH_LLR[strength],
                source=source,
                observation_source=f.source,
                note=note,
                extracted=extracted,
                group=group,
            )
        return e

    def _brand_evidence(self, hit: NameHit, f: Facet, fx: Findings, via: str) -> None:
        """Evidence from a name that denotes a KB brand, entity or member."""
        kb = self.kb
        down = {"text": -1, "other-text": -2}.get(via, 0)
        # a catalog row's brand column and its description are one source, not two
        group = "name.catalog" if via in ("label", "text", "other-text") else f"name.{via}"
        if hit.kind == "entity":
            e = kb.entities[hit.id]
            s = _BY_CONF[e.confidence] if e.covered else step(_BY_CONF[e.confidence], -1)
            fx.evidence.append(
                self._ev(
                    f,
                    f"kb.entity.{e.id}",
                    f"oem:{e.id}",
                    step(s, down),
                    e.source,
                    group,
                    hit.matched,
                    note=f"names the manufacturer {e.name}",
                )
            )
            return
        if hit.kind == "member":
            e = kb.entities[hit.id]
            m = next(m for m in e.members if m.name == hit.member)
            s = step(_BY_CONF[m.confidence], down)
            ok = in_period(fx.date, m.valid_from, m.valid_to)
            note = f"{m.name}: {m.relation}"
            if ok is None and not m.valid_to:
                ok = True
            if ok is False:
                return
            if ok is None:
                s, note = step(s, -1), note + " (date of the item unknown)"
            fx.evidence.append(self._ev(f, f"kb.member.{e.id}", f"oem:{e.id}", s, m.source, group, hit.matched, note))
            return
        b = kb.brands[hit.id]
        if b.owner and b.type in ("own_brand", "subsidiary", "manufacturer", "former_subsidiary"):
            owner = kb.entities[b.owner]
            s = _BY_CONF[b.confidence] if owner.covered else step(_BY_CONF[b.confidence], -1)
            s = step(s, down)
            ok = in_period(fx.date, b.valid_from, b.valid_to)
            note = f"{b.name} is a {b.type.replace('_', ' ')} of {owner.name}"
            if ok is None and not b.valid_to:  # ownership goes on: a new item today is the owner's
                ok = True
                note += f" since {b.valid_from}"
            if ok is None:
                # a divested brand with no date: most items on sale now post-date the sale
                s = step(s, -3 if b.type == "former_subsidiary" else -1)
                note += f" from {b.valid_from or '?'} to {b.valid_to or 'now'}; the item's date is unknown"
                fx.notes.append(
                    f"{b.name}: ownership by {owner.name} depends on the period "
                    f"({b.valid_from or '?'} to {b.valid_to or 'now'}); the item's date is unknown"
                )
            if ok is not False:
                # a divested brand reasons through its ownership period whoever names it: one fact
                g = f"brand.{b.id}" if b.type == "former_subsidiary" else group
                fx.evidence.append(
                    self._ev(f, f"kb.brand.{b.id}", f"oem:{owner.id}", s, b.source, g, hit.matched, note)
                )
        for rel in self.relations.get(b.id, ()):
            # however often the brand is confirmed (label, text, MAC, model grammar), the inference
            # brand -> OEM is one relation and counts once
            self._relation_evidence(rel, b.name, f, fx, f"relation.{b.id}", hit.matched, down)

    def _relation_evidence(
        self, rel: Relation, brand_name: str, f: Facet, fx: Findings, group: str, matched: str, down: int
    ) -> None:
        s = rel.strength or _BY_CONF[rel.confidence]
        s = step(s, down)
        oem = self.kb.entities[rel.oem]
        note = f"{brand_name} has sold {oem.name}-made products: {rel.lines}".rstrip(": ")
        ok = in_period(fx.date, rel.period_from, rel.period_to)
        if ok is False:
            return
        if ok is None:
            s = step(s, -1)
            note += f" (period {rel.period_from or '?'} to {rel.period_to or 'now'}; item date unknown)"
        model_matched = False
        if rel.model_patterns:
            rxs = self._model_rx[id(rel)]
            known = fx.models + fx.stated_models  # what rules read out, and what the item says it is
            if known:
                if not any(rx.search(m) for rx in rxs for m in known):
                    return
                model_matched = True
            else:
                s = step(s, -1)
                note += " (model unknown)"
        if rel.categories:
            cats = set(fx.categories)
            if cats and not cats & set(rel.categories):
                return
            if not cats and not model_matched:  # a model of the relation's own lines says the category
                s = step(s, -1)
                note += " (item category unknown)"
        if rel.note:
            note += f"; {rel.note}"
        fx.evidence.append(
            self._ev(f, f"kb.relation.{rel.brand}.{rel.oem}", f"oem:{rel.oem}", s, rel.source, group, matched, note)
        )

    def _rule_evidence(self, f: Facet, fx: Findings) -> None:
        self._replay(self._rule_ops(f), f, fx)

    def _rule_ev(self, f: Facet, rm: RuleMatch, claim: str, strength: str = "info") -> _Op:
        """Evidence of one rule's match on facet ``f``."""
        r = rm.rule
        return (
            _EV,
            self._ev(f, r.id, claim, strength, r.source, r.group or r.id, rm.matched, r.description, rm.groups),
        )

    def _rule_ops(self, f: Facet) -> list[_Op]:
        """What the rules matching one facet add (replayed by :meth:`_replay`, in this order)."""
        ops: list[_Op] = []
        for rm in self.rules.match(f.field, f.value):
            if f.field == "text" and _negated_match(f.value, rm.matched):
                continue  # "compatible with ...", "bracket for ...": free text about another product
            r = rm.rule
            c = r.claim
            ev = partial(self._rule_ev, f, rm)
            for k, v in rm.groups:
                if k == "model":
                    ops.append((_MODEL, v))
            if c.category:
                ops.append((_CAT, c.category))
            if c.platform:
                ops.append((_PLAT, c.platform))
                ops.append(ev(f"platform:{c.platform}"))
            b = self.kb.brands.get(c.brand) if c.brand else None
            dated = b is not None and b.owner == c.oem and bool(b.valid_from or b.valid_to)
            if c.oem and dated and b is not None and f.field in _IDENTITY_FIELDS:
                # a model or serial of a brand its OEM owned only for a period says which brand, not
                # who made it then: reason from the brand and its dates (firmware tells stay direct)
                ops.append((_BRAND_RULE, NameHit("brand", b.id, b.name, rm.matched, "exact")))
            elif c.oem:
                ops.append(ev(f"oem:{c.oem}", r.strength))
            if b is not None:
                ops.append(ev(f"brand:{c.brand}"))
                if not c.oem:  # the device reveals a brand: reason from the brand
                    ops.append((_BRAND_RULE, NameHit("brand", b.id, b.name, rm.matched, "exact")))
            if c.category and not (c.oem or c.platform or c.brand):
                ops.append(ev(f"category:{c.category}"))
        return ops

    def _replay(self, ops: Iterable[_Op], f: Facet, fx: Findings) -> None:
        """Apply the recorded effects of one facet to the findings of an asset."""
        for op, x in ops:
            if op == _EV:
                fx.evidence.append(x)  # type: ignore[arg-type]
            elif op == _CAT:
                fx.categories.append(x)  # type: ignore[arg-type]
            elif op == _MODEL:
                fx.models.append(x)  # type: ignore[arg-type]
            elif op == _PLAT:
                fx.platforms.append(x)  # type: ignore[arg-type]
            elif op == _BRAND_RULE:
                self._brand_evidence(x, f, fx, "rule")  # type: ignore[arg-type]
            elif op == _BRAND_OUI:
                self._brand_evidence(x, f, fx, "oui")  # type: ignore[arg-type]

    def _mac_evidence(self, f: Facet, fx: Findings) -> None:
        self._replay(self._mac_ops(f), f, fx)

    def _mac_ops(self, f: Facet) -> list[_Op]:
        hit = self.oui.lookup(f.value[:9])  # at most 36 bits decide; the cache stays small
        if hit is None:
            return []
        if not hit.target:
            return [
                (
                    _EV,
                    self._ev(
                        f,
                        "ieee.registry",
                        f"registrant:{hit.organisation}",
                        "info",
                        "IEEE registry",
                        "oui",
                        matched=hit.prefix,
                        note="registrant not in the KB",
                    ),
                )
            ]
        if hit.target_kind == "entity":
            e = self.kb.entities[hit.target]
            s = _BY_CONF[hit.confidence] if e.covered else step(_BY_CONF[hit.confidence], -1)
            return [
                (
                    _EV,
                    self._ev(
                        f,
                        "ieee.registry",
                        f"oem:{e.id}",
                        s,
                        f"IEEE registry ({hit.prefix} {hit.organisation}); KB: {e.source}",
                        "oui",
                        matched=hit.prefix,
                        note=f"MAC block {hit.prefix} is registered to {hit.organisation}",
                    ),
                )
            ]
        b = self.kb.brands[hit.target]
        return [(_BRAND_OUI, NameHit("brand", b.id, b.name, hit.organisation, "exact"))]

    def _fcc_evidence(self, f: Facet, fx: Findings) -> None:
        self._replay(self._fcc_ops(f), f, fx)

    def _fcc_ops(self, f: Facet, unlabelled: bool = False) -> list[_Op]:
        """The grantee evidence of an FCC ID; ``unlabelled``: a model value that may be one."""
        v = f.value.replace(" ", "")
        code = v[:5] if v.startswith("2") else v[:3]
        g = self.kb.fcc_grantees.get(code)
        if g is None:
            return []
        strength, note = _BY_CONF[g.confidence], f"FCC grantee code {g.code} is {g.grantee}"
        if unlabelled:  # nothing says it is an FCC ID: two steps weaker
            strength, note = step(strength, -2), note + "; read as an FCC ID from a model value"
        ev = self._ev(f, f"fcc.grantee.{g.code}", f"oem:{g.entity}", strength, g.source, _CERT_GROUP, note=note)
        return [(_EV, ev)]

    def _ised_ops(self, f: Facet) -> list[_Op]:
        """The certificate holder of an ISED Canada number (its company number, before the hyphen)."""
        c = self.kb.ised_companies.get(f.value.split("-", 1)[0])
        if c is None:
            return []
        note = f"ISED company number {c.code} is {c.company}"
        ev = self._ev(
            f, f"ised.company.{c.code}", f"oem:{c.entity}", _BY_CONF[c.confidence], c.source, _CERT_GROUP, note=note
        )
        return [(_EV, ev)]

    def _facet_ops(self, f: Facet) -> tuple[_Op, ...]:
        """Everything pass 1 of :meth:`findings` does for one facet, as replayable effects."""
        fld = f.field
        if fld in ("brand", "device.manufacturer"):
            ops: list[_Op] = [(_BRAND_FACET, self.brands.lookup(f.value))]
            if fld == "device.manufacturer":
                ops += self._rule_ops(f)
            return tuple(ops)
        if fld == "mac":
            return tuple(self._mac_ops(f))
        if fld == "fcc_id":
            return tuple(self._fcc_ops(f))
        if fld == "ised_id":
            return tuple(self._ised_ops(f))
        if fld == "date":
            return ()
        ops = []
        if fld in ("text", "model", "device.name", "http.title"):
            cat = category_of(f.value)
            if cat:
                ops.append((_CAT, cat))
        if fld == "text" or fld == "device.name" or fld == "http.title":
            for hit in self.brands.in_text(f.value):
                ops.append((_BRAND_FACET, hit))
        ops += self._rule_ops(f)
        if fld == "model" and _FCC_SHORT.fullmatch(f.value):
            # an FCC ID with a 3-character grantee code, in a model column (the 5-character ones are
            # read by the facet parser, which needs no list of codes)
            ops += self._fcc_ops(f, unlabelled=True)
        return tuple(ops)

    def _ops_of(self, f: Facet) -> tuple[_Op, ...]:
        """:meth:`_facet_ops`, remembered per (field, value); evidence is re-sourced when needed."""
        fld = f.field
        if fld not in self._read_fields:  # no rule reads it and findings has no use for it
            return ()
        # a MAC's evidence depends only on the registry block it falls in (the rest is per device)
        key = (fld, "mac:" + self.oui.block(f.value) if fld == "mac" else f.value)
        hit = self._ops_cache.get(key)
        if hit is None:
            ops = self._facet_ops(f)
            if len(self._ops_cache) >= OPS_CACHE_MAX:
                self._ops_cache.clear()
            self._ops_cache[key] = (f.source, ops)
            return ops
        src, ops = hit
        if src == f.source or not ops:
            return ops
        return tuple([(op, _resourced(x, f.source) if op == _EV else x) for op, x in ops])

    def plain_evidence(self, f: Facet) -> tuple[Evidence, ...] | None:
        """The evidence ``f`` adds when that is all it does in :meth:`findings` (no brand, category,
        model or platform effect: such a facet's part of an attribution is its evidence alone), else None."""
        ops = self._ops_of(f)
        if any(op != _EV for op, _ in ops):
            return None
        return tuple([x for _, x in ops])  # type: ignore[misc]

    # -- the whole asset ------------------------------------------------------------------------

    def findings(self, facets: Iterable[Facet]) -> Findings:
        """Evidence for all facets of one asset."""
        facets = list(facets)
        fx = Findings()
        dates = sorted(f.value for f in facets if f.field == "date")
        fx.date = dates[0] if dates else None
        fx.stated_models = [f.value for f in facets if f.field == "model" and f.kind in _STATED_MODEL_KINDS]
        brand_facets: list[tuple[Facet, NameHit | None]] = []
        rule_brands: list[NameHit] = []  # brands the device or the model reveals (no name given)
        evidence, categories, models, platforms = fx.evidence, fx.categories, fx.models, fx.platforms
        ops_of = self._ops_of
        # pass 1: rules, MAC, FCC, categories (brands need models and categories to reason)
        for f in facets:
            for op, x in ops_of(f):
                if op == _EV:
                    evidence.append(x)  # type: ignore[arg-type]
                elif op == _CAT:
                    categories.append(x)  # type: ignore[arg-type]
                elif op == _BRAND_FACET:
                    brand_facets.append((f, x))  # type: ignore[arg-type]
                elif op == _MODEL:
                    models.append(x)  # type: ignore[arg-type]
                elif op == _PLAT:
                    platforms.append(x)  # type: ignore[arg-type]
                elif op == _BRAND_RULE:
                    rule_brands.append(x)  # type: ignore[arg-type]
                    self._brand_evidence(x, f, fx, "rule")  # type: ignore[arg-type]
                elif op == _BRAND_OUI:
                    self._brand_evidence(x, f, fx, "oui")  # type: ignore[arg-type]
        labelled = any(f.field == "brand" for f, _ in brand_facets)
        for f, maybe in brand_facets:
            if f.field == "brand" and fx.label_brand is None:
                fx.label_brand = maybe.name if maybe else f.value.strip()
                fx.label_hit = maybe
        for f, maybe in brand_facets:
            if maybe is None:
                continue
            via = "label" if f.field == "brand" else ("device" if f.field == "device.manufacturer" else "text")
            if (
                via == "text"
                and not labelled
                and f.kind == "description"
                and f.value.lstrip().startswith(maybe.matched)
            ):
                # no brand column, and the description opens with the brand ("EmpireTech IPC-T54IR-ZE 4MP
                # turret"): that is the label, as catalogs without a brand column write it
                via = "label"
            if via == "text" and labelled and not _same_family(maybe, fx.label_hit, self.kb):
                # the brand column names the item; another company named in its text is weaker still
                # (it may be what the item fits or replaces, though "compatible with" was caught above)
                via = "other-text"
            if maybe.how == "fuzzy":
                fx.notes.append(f"'{f.value}' read as {maybe.name} (fuzzy match {maybe.score:.0f}%)")
            self._brand_evidence(maybe, f, fx, via)
        if fx.label_brand is None:  # no brand column: what the device says it is, else what the text says
            # (the manufacturer a device reports is its label; a name in a server header or a certificate
            # may be its OEM's: an Amcrest camera whose certificate names Dahua is labelled Amcrest)
            for _f, maybe in sorted(brand_facets, key=lambda fm: fm[0].field != "device.manufacturer"):
                if maybe is not None:
                    fx.label_brand, fx.label_hit = maybe.name, maybe
                    break
        if fx.label_brand is None and rule_brands:  # ... else the brand its responses or model reveal
            fx.label_brand, fx.label_hit = rule_brands[0].name, rule_brands[0]
        return fx
