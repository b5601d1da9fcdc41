"""The KB self-test, one pytest case per rule: examples, extraction, counterexamples, shadowing."""

from __future__ import annotations

import pathlib

import pytest

from trueoem.kb.compiled import load_compiled
from trueoem.kb.schema import CATEGORIES
from trueoem.kb.verify import Report, verify_rule
from trueoem.match.engine import CompiledKB

_CKB = load_compiled()
RULE_IDS = sorted(_CKB.kb.rules)


def test_kb_loads_without_broken_references(ckb: CompiledKB) -> None:
    assert ckb.kb.problems == []
    assert ckb.kb.rule_count >= 100


@pytest.mark.parametrize("rule_id", RULE_IDS)
def test_rule(rule_id: str, ckb: CompiledKB) -> None:
    report = Report()
    verify_rule(ckb.kb.rules[rule_id], ckb, report)
    assert report.failures == []


def test_every_entry_is_sourced(ckb: CompiledKB) -> None:
    kb = ckb.kb
    entries = [
        *kb.entities.values(),
        *kb.brands.values(),
        *kb.relations,
        *kb.fcc_grantees.values(),
        *kb.ised_companies.values(),
        *kb.platforms.values(),
        *kb.rules.values(),
        *kb.legal_bases.values(),
    ]
    for e in kb.entities.values():
        entries.extend(e.members)
    for entry in entries:
        assert entry.source.strip() and entry.confidence in ("high", "medium", "low"), entry


def test_covered_families_have_legal_basis_and_fingerprints(ckb: CompiledKB) -> None:
    kb = ckb.kb
    covered = {e.id for e in kb.entities.values() if e.covered}
    assert covered == {"hikvision", "dahua", "huawei", "zte", "hytera"}
    claimed = {r.claim.oem for r in kb.rules.values()}
    assert covered <= claimed, covered - claimed


def test_generic_stacks_never_claim_an_oem(ckb: CompiledKB) -> None:
    for r in ckb.kb.rules.values():
        if r.claim.platform:
            assert r.strength == "info" or r.claim.oem, r.id


def test_categories_are_vocabulary(ckb: CompiledKB) -> None:
    for r in ckb.kb.rules.values():
        assert r.claim.category is None or r.claim.category in CATEGORIES


def test_non_covered_lookalikes_exist(ckb: CompiledKB) -> None:
    """Uniview is Chinese but not covered and must not be mapped to Dahua (FACTS.md 5.1)."""
    kb = ckb.kb
    assert "uniview" in kb.entities and not kb.entities["uniview"].covered
    assert not any(r.brand == "uniview" for r in kb.relations)


def test_non_covered_makers_rule_examples_are_never_called_covered(ckb: CompiledKB) -> None:
    """Every example of a rule that names a non-covered maker, judged end to end with the whole KB,
    is neither covered nor likely covered: no covered rule reaches into a non-covered maker's strings."""
    from trueoem.attribute import judge
    from trueoem.match.facets import facets_of
    from trueoem.model import Facet, Observation, Verdict, canonical_kind

    kb = ckb.kb

    def non_covered(entity: str | None) -> bool:
        return entity is not None and entity in kb.entities and not kb.entities[entity].covered

    flagged, checked = [], 0
    for r in kb.rules.values():
        brand = kb.brands.get(r.claim.brand) if r.claim.brand else None
        if not (
            non_covered(r.claim.oem) or (brand is not None and brand.type != "reseller" and non_covered(brand.owner))
        ):
            continue
        for ex in r.examples:
            if ex.value is not None:
                facets = [Facet(ex.field or r.fields[0], ex.value, "example", "t")]
            else:
                facets = facets_of(Observation(canonical_kind(ex.kind or "") or "banner", ex.raw or "", "t"))
            a = judge("t", ckb.findings(facets), ckb)
            checked += 1
            if a.verdict in (Verdict.COVERED, Verdict.LIKELY_COVERED):
                flagged.append(f"{r.id}: {(ex.value or ex.raw or '')[:60]!r} -> {a.verdict.value} {a.oem}")
    assert checked >= 200
    assert flagged == []


def test_a_kb_file_that_repeats_a_key_is_refused(tmp_path: pathlib.Path) -> None:
    # YAML keeps the last of two equal keys and drops the first silently: an entry or a source lost
    from trueoem.kb.loader import KbError, load_kb

    bad = tmp_path / "dup.yaml"
    bad.write_text("schema_version: 1\npack: t\ndescription: x\nrules: []\nrules: []\n", encoding="utf-8")
    with pytest.raises(KbError, match=r"duplicate key 'rules' \(line 5\)"):
        load_kb([bad])
