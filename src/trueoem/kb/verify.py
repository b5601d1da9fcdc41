"""The KB self-test: every rule's examples and counterexamples, extraction, shadowing, vocabulary.

Called by ``trueoem kb test`` and by the test suite (one case per rule). Stricter than recog: a
rule with no example cannot load at all (the schema wants one), a named group that no example
checks is a failure, and a rule's example that another rule matches with a claim of a *different*
OEM is a failure (shadowing): the two rules contradict each other on real data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from trueoem.kb.schema import Rule
from trueoem.match.engine import CompiledKB
from trueoem.match.facets import facets_of
from trueoem.model import Observation, canonical_kind


@dataclass
class Report:
    """Failures and warnings of a self-test run."""

    checks: int = 0
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def example_values(rule: Rule) -> list[tuple[str, str, dict[str, str]]]:
    """``(field, value, expect)`` for each example; raw examples are parsed like real input."""
    out = []
    for ex in rule.examples:
        if ex.value is not None:
            out.append((ex.field or rule.fields[0], ex.value, ex.expect))
            continue
        kind = canonical_kind(ex.kind or "")
        if kind is None:
            out.append(("?", f"<unknown kind {ex.kind}>", ex.expect))
            continue
        facets = facets_of(Observation(kind, ex.raw or "", "example"))
        rx = re.compile(rule.pattern, re.I if rule.ignore_case else 0)
        hit = next((f for f in facets if f.field in rule.fields and rx.search(f.value)), None)
        if hit is None:
            got = sorted({f.field for f in facets})
            out.append(
                ("!", f"raw {ex.kind} example parses to no matching facet (fields: {', '.join(got)})", ex.expect)
            )
        else:
            out.append((hit.field, hit.value, ex.expect))
    return out


def verify_rule(rule: Rule, ckb: CompiledKB, report: Report) -> None:
    """All checks of one rule."""
    rx = re.compile(rule.pattern, re.I if rule.ignore_case else 0)
    names = set(rx.groupindex)
    checked: set[str] = set()
    for fld, value, expect in example_values(rule):
        report.checks += 1
        if fld == "!" or fld == "?":
            report.failures.append(f"{rule.id}: {value}")
            continue
        if fld not in rule.fields:
            report.failures.append(f"{rule.id}: example names field {fld!r} the rule does not read")
            continue
        m = rx.search(value)
        if not m:
            report.failures.append(f"{rule.id}: example {value[:80]!r} does not match")
            continue
        for k, v in expect.items():
            checked.add(k)
            got = m.groupdict().get(k) if k in names else None
            if k not in names:
                report.failures.append(f"{rule.id}: example expects {k!r} but the pattern has no such group")
            elif got != v:
                report.failures.append(f"{rule.id}: example {value[:60]!r} extracts {k}={got!r}, expected {v!r}")
        indexed = ckb.rules.match(fld, value)
        if not any(x.rule.id == rule.id for x in indexed):
            report.failures.append(f"{rule.id}: example {value[:60]!r} matches but the index's prefilter misses it")
        if rule.claim.oem:
            for other in indexed:
                o = other.rule
                if o.id != rule.id and o.claim.oem and o.claim.oem != rule.claim.oem:
                    report.failures.append(
                        f"{rule.id}: example {value[:60]!r} is also matched by {o.id}, which claims "
                        f"{o.claim.oem} (not {rule.claim.oem})"
                    )
    missing = names - checked
    if missing:
        report.failures.append(f"{rule.id}: named group(s) {', '.join(sorted(missing))} checked by no example")
    for ce in rule.counterexamples:
        report.checks += 1
        if rx.search(ce):
            report.failures.append(f"{rule.id}: counterexample {ce[:80]!r} matches")
    if not rule.counterexamples and rule.claim.oem and rule.strength in ("conclusive", "strong"):
        report.warnings.append(f"{rule.id}: {rule.strength} OEM rule without counterexamples")


def verify(ckb: CompiledKB) -> Report:
    """The whole self-test."""
    report = Report()
    for rule in sorted(ckb.kb.rules.values(), key=lambda r: r.id):
        verify_rule(rule, ckb, report)
    for p in ckb.kb.problems:
        report.failures.append(f"reference: {p}")
    return report
