"""Load and validate the knowledge base from YAML (the packaged data plus optional overlays).

Every ``*.yaml`` file under the data folder is either a rule pack (under ``fingerprints/``) or a
:class:`~trueoem.kb.schema.KbFile`; their lists are merged. An overlay folder (``--kb DIR``) is
read the same way after the packaged data: its entries add to the KB, and an entry with an id that
already exists replaces it (so a site can correct or extend the shipped KB). The KB version is the
packaged data version plus a digest of every file read, and it is recorded in every attribution.

Reading files is I/O: this module is the adapter that feeds the pure core (:mod:`trueoem.match`,
:mod:`trueoem.attribute`), which only ever sees the :class:`KnowledgeBase` value built here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from trueoem.kb.schema import (
    Brand,
    Entity,
    FccGrantee,
    IsedCompany,
    KbFile,
    LegalBasis,
    OuiAssignment,
    Platform,
    Relation,
    Rule,
    RulePack,
)

DATA_DIR = Path(__file__).parent / "data"

try:  # the C loader is several times faster; fall back where libyaml is absent
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


class _UniqueKeys(_Loader):  # type: ignore[valid-type,misc]
    """The loader, refusing a mapping that repeats a key (YAML would keep the last one and drop the
    first without a word: a lost entry or source)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[object, object]:
    seen: set[str] = set()
    for key_node, _value in node.value:
        if isinstance(key_node, yaml.ScalarNode):
            if key_node.value in seen:
                line = key_node.start_mark.line + 1
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key_node.value!r} (line {line})")
            seen.add(key_node.value)
    return loader.construct_mapping(node, deep)


_UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


class KbError(Exception):
    """A KB file is missing, unreadable or invalid. The message names the file."""


@dataclass
class KnowledgeBase:
    """The validated, merged knowledge base."""

    version: str
    files: list[str] = field(default_factory=list)
    legal_bases: dict[str, LegalBasis] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    brands: dict[str, Brand] = field(default_factory=dict)
    relations: list[Relation] = field(default_factory=list)
    fcc_grantees: dict[str, FccGrantee] = field(default_factory=dict)
    ised_companies: dict[str, IsedCompany] = field(default_factory=dict)
    oui_assignments: dict[str, OuiAssignment] = field(default_factory=dict)
    platforms: dict[str, Platform] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    rule_pack: dict[str, str] = field(default_factory=dict)  # rule id -> pack name
    problems: list[str] = field(default_factory=list)  # broken cross-references (kb validate fails)

    @property
    def rule_count(self) -> int:
        """Number of fingerprint rules."""
        return len(self.rules)


def _one_line(exc: ValidationError, limit: int = 3) -> str:
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(x) for x in err["loc"])
        parts.append(f"{loc}: {err['msg']}")
    more = len(exc.errors()) - limit
    return "; ".join(parts) + (f" (+{more} more)" if more > 0 else "")


def _yaml_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def load_kb(overlays: Iterable[Path] = (), data_dir: Path = DATA_DIR) -> KnowledgeBase:
    """Load the packaged KB, then each overlay folder (or single file) in order."""
    sources: list[Path] = _yaml_files(data_dir)
    for ov in overlays:
        if ov.is_dir():
            sources.extend(_yaml_files(ov))
        elif ov.is_file():
            sources.append(ov)
        else:
            raise KbError(f"{ov}: no such KB folder or file")
    digest = hashlib.sha256()
    kb = KnowledgeBase(version="")
    data_version = "0"
    dupes: list[str] = []
    for path in sources:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise KbError(f"{path}: cannot read: {exc.strerror}") from None
        digest.update(path.name.encode() + b"\0" + raw)
        try:
            doc = yaml.load(raw, Loader=_UniqueKeys)  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            raise KbError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(doc, dict):
            raise KbError(f"{path}: expected a mapping at the top level")
        name = str(path)
        kb.files.append(name)
        try:
            if "rules" in doc:
                pack = RulePack.model_validate(doc)
                for rule in pack.rules:
                    if rule.id in kb.rules and path.is_relative_to(data_dir):
                        dupes.append(f"duplicate rule id {rule.id} in {path.name}")
                    kb.rules[rule.id] = rule
                    kb.rule_pack[rule.id] = pack.pack
                continue
            f = KbFile.model_validate(doc)
        except ValidationError as exc:
            raise KbError(f"{path}: invalid: {_one_line(exc)}") from None
        if f.version and path.is_relative_to(data_dir):
            data_version = max(data_version, f.version)
        for lb in f.legal_bases:
            kb.legal_bases[lb.id] = lb
        packaged = path.is_relative_to(data_dir)
        for e in f.entities:
            if e.id in kb.entities and packaged:
                dupes.append(f"duplicate entity id {e.id} in {path.name}")
            kb.entities[e.id] = e
        for b in f.brands:
            if b.id in kb.brands and packaged:
                dupes.append(f"duplicate brand id {b.id} in {path.name}")
            kb.brands[b.id] = b
        kb.relations.extend(f.relations)
        for g in f.fcc_grantees:
            kb.fcc_grantees[g.code] = g
        for ic in f.ised_companies:
            kb.ised_companies[ic.code] = ic
        for o in f.oui_assignments:
            kb.oui_assignments[o.prefix] = o
        for p in f.platforms:
            kb.platforms[p.id] = p
    kb.version = f"{data_version}+{digest.hexdigest()[:12]}"
    kb.problems = dupes + check_references(kb)
    return kb


def check_references(kb: KnowledgeBase) -> list[str]:
    """Cross-file checks: every id an entry names exists."""
    out: list[str] = []
    for e in kb.entities.values():
        out += [f"entity {e.id}: unknown legal basis {b}" for b in e.legal_basis if b not in kb.legal_bases]
    for b in kb.brands.values():
        if b.owner and b.owner not in kb.entities:
            out.append(f"brand {b.id}: unknown owner {b.owner}")
    for r in kb.relations:
        if r.brand not in kb.brands:
            out.append(f"relation {r.brand}->{r.oem}: unknown brand {r.brand}")
        if r.oem not in kb.entities:
            out.append(f"relation {r.brand}->{r.oem}: unknown entity {r.oem}")
    holders: list[FccGrantee | IsedCompany] = [*kb.fcc_grantees.values(), *kb.ised_companies.values()]
    for h in holders:
        if h.entity not in kb.entities:
            out.append(f"{h._WHAT} {h.code}: unknown entity {h.entity}")
    for o in kb.oui_assignments.values():
        if o.entity not in kb.entities and o.entity not in kb.brands:
            out.append(f"OUI {o.prefix}: unknown entity {o.entity}")
    for rule in kb.rules.values():
        c = rule.claim
        if c.oem and c.oem not in kb.entities:
            out.append(f"rule {rule.id}: unknown entity {c.oem}")
        if c.brand and c.brand not in kb.brands:
            out.append(f"rule {rule.id}: unknown brand {c.brand}")
        if c.platform and c.platform not in kb.platforms:
            out.append(f"rule {rule.id}: unknown platform {c.platform}")
    return out
