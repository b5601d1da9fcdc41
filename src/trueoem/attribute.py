"""Evidence to attribution: the scoring model. Pure.

The model (documented in docs/scoring.md):

* Hypotheses are the KB's manufacturer families (entities), plus *none of them*.
* Every OEM starts at a prior log-odds of ``PRIOR`` (-2: before any evidence an item is far more
  likely to be made by someone we have not named than by any one family) against *none*, which
  stays at 0.
* A piece of evidence adds its log-likelihood ratio (:data:`~trueoem.kb.schema.STRENGTH_LLR`,
  by rule strength) to the family it claims. Evidence of one *group* (a rule family, or one kind
  of name evidence, or the MAC registry) that makes the same claim counts once, at its strongest:
  the same ``Server`` header on three ports is one fact, not three.
* Posterior probabilities are the softmax of the scores (``none`` included). The probability the
  item is covered is the sum over covered families.
* Verdicts: ``covered`` when P(covered) >= 0.9; ``likely_covered`` when P(covered) >= 0.5;
  ``not_covered`` when a non-covered family has P >= 0.5 and P(covered) < 0.1; else ``unknown``.

Properties (tested with Hypothesis): the result does not depend on evidence order; adding
evidence that supports the leading family never lowers its probability; output is deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from trueoem.kb.loader import KnowledgeBase
from trueoem.match.brands import normalise_name
from trueoem.match.engine import SURVEILLANCE, CompiledKB, Findings
from trueoem.match.facets import facets_tuple
from trueoem.model import Attribution, Candidate, Evidence, Observation, Verdict

PRIOR = -2.0
COVERED_AT = 0.9
LIKELY_AT = 0.5
NOT_COVERED_AT = 0.5
NOT_COVERED_MAX_RISK = 0.1


def family_scores(evidence: Iterable[Evidence]) -> dict[str, float]:
    """Log-odds score per OEM family against *none*, one count per (group, claim)."""
    best: dict[tuple[str, str], float] = {}
    for e in evidence:
        if not e.claim.startswith("oem:") or e.weight <= 0:
            continue
        key = (e.group or e.rule, e.claim)
        if e.weight > best.get(key, 0.0):
            best[key] = e.weight
    weights: dict[str, list[float]] = {}
    for (_g, claim), w in best.items():
        weights.setdefault(claim[4:], []).append(w)
    # fsum is correctly rounded, so the result does not depend on the order evidence came in
    return {oem: math.fsum([PRIOR, *ws]) for oem, ws in weights.items()}


def posteriors(scores: dict[str, float]) -> dict[str, float]:
    """Softmax over the families and *none* (score 0)."""
    if not scores:
        return {}
    top = max(0.0, *scores.values())
    z = math.fsum([math.exp(-top), *(math.exp(s - top) for s in scores.values())])
    return {k: math.exp(s - top) / z for k, s in scores.items()}


def _label_family(fx: Findings, kb: KnowledgeBase) -> str | None:
    hit = fx.label_hit
    if fx.label_brand is None:
        return None
    if hit is None:
        return "label:" + normalise_name(fx.label_brand)
    if hit.kind in ("entity", "member"):
        return hit.id
    b = kb.brands[hit.id]
    if b.owner and b.type in ("own_brand", "subsidiary", "manufacturer"):
        return b.owner
    if (
        b.owner
        and b.type == "former_subsidiary"
        and fx.date
        and ((not b.valid_from or fx.date >= b.valid_from) and (not b.valid_to or fx.date < b.valid_to))
    ):
        return b.owner
    return "brand:" + b.id


def _legal_basis(kb: KnowledgeBase, oem: str) -> str | None:
    e = kb.entities.get(oem)
    if e is None or not e.covered:
        return None
    parts = [kb.legal_bases[b].citation for b in e.legal_basis if b in kb.legal_bases]
    text = "; ".join(parts)
    if e.purpose_limited:
        text += (
            " — covered when used for public safety, security of government facilities, physical "
            "security surveillance of critical infrastructure, or other national security purposes"
        )
    return text


def judge(asset_id: str, fx: Findings, ckb: CompiledKB) -> Attribution:
    """Score the findings of one asset and give the verdict."""
    kb = ckb.kb
    scores = family_scores(fx.evidence)
    post = posteriors(scores)
    ranked = sorted(post.items(), key=_by_probability)
    entities = kb.entities
    p_cov = math.fsum([p for k, p in post.items() if entities[k].covered])
    cands = tuple([Candidate(k, (ent := entities[k]).name, ent.covered, p, scores[k]) for k, p in ranked])
    notes = list(dict.fromkeys(fx.notes))
    conflicts: list[str] = []
    strong = [c for c in cands if c.probability >= 0.1]
    if len(strong) > 1:
        conflicts.append(
            "evidence points to more than one manufacturer: "
            + ", ".join(f"{c.name} ({c.probability:.2f})" for c in strong)
        )
    ev = _distinct(sorted(fx.evidence, key=_evidence_order))
    best = cands[0] if cands else None
    best_cov = next((c for c in cands if c.covered), None)
    if p_cov >= COVERED_AT and best_cov:
        verdict, oem, conf = Verdict.COVERED, best_cov, p_cov
    elif p_cov >= LIKELY_AT and best_cov:
        verdict, oem, conf = Verdict.LIKELY_COVERED, best_cov, p_cov
    elif best and not best.covered and best.probability >= NOT_COVERED_AT and p_cov < NOT_COVERED_MAX_RISK:
        verdict, oem, conf = Verdict.NOT_COVERED, best, best.probability
    else:
        verdict, oem, conf = Verdict.UNKNOWN, None, 0.0
        if best_cov and p_cov >= 0.15:
            notes.append(f"some evidence points to {best_cov.name} (P={p_cov:.2f}); not enough for a verdict")
        elif best and best.probability >= 0.3:
            notes.append(f"best guess {best.name} (P={best.probability:.2f}); not enough for a verdict")
        for e in ev:
            if e.claim.startswith("oem:") and 0 <= e.weight <= 1.0 and e.note:
                notes.append(f"weak indication ({e.claim[4:]}): {e.note}")
        if not fx.evidence:
            notes.append("no evidence about the manufacturer")
    category = _pick(fx.categories)
    if oem is not None and oem.covered and oem.oem == "dahua" and category in ("nvr", "dvr", "recorder", "hdd"):
        notes.append(
            "Dahua disputes that recorders and storage are 'video surveillance equipment'; "
            "trueoem treats them as covered (https://ipvm.com/reports/dahua-recoders-ndaa)"
        )
    if (
        oem is not None
        and oem.covered
        and kb.entities[oem.oem].purpose_limited
        and category
        and category not in SURVEILLANCE
        and category not in ("radio", "repeater", "base_station")
    ):
        notes.append(
            f"{oem.name} equipment is covered as video surveillance or telecommunications equipment "
            f"used for the listed purposes; check whether a {category} is in scope"
        )
    if "hisilicon" in fx.platforms:
        notes.append(
            "HiSilicon (Huawei) SoC platform: IPVM reads the FAR rule as covering HiSilicon-based "
            "products (https://ipvm.com/reports/far-ban); this is recorded, not scored"
        )
    label_family = _label_family(fx, kb)
    white = bool(oem and label_family and label_family != oem.oem)
    return Attribution(
        id=asset_id,
        verdict=verdict,
        oem=oem.oem if oem else None,
        oem_name=oem.name if oem else None,
        confidence=conf,
        label_brand=fx.label_brand,
        white_label=white,
        legal_basis=_legal_basis(kb, oem.oem) if oem and oem.covered else None,
        evidence=ev,
        alternatives=tuple(c for c in cands if not oem or c.oem != oem.oem),
        conflicts=tuple(conflicts),
        notes=tuple(notes),
        model=_pick(fx.models) or None,
        category=category,
        platform=tuple(sorted(set(fx.platforms))),
        kb_version=kb.version,
    )


def _by_probability(kv: tuple[str, float]) -> tuple[float, str]:
    return -kv[1], kv[0]


def _evidence_order(e: Evidence) -> tuple[float, str, str, str, str, str]:
    return -e.weight, e.claim, e.rule, e.field, e.matched, e.group


def _distinct(evidence: list[Evidence]) -> tuple[Evidence, ...]:
    """Evidence without repeats that differ only in letter case (a model typed in lower case is also
    read in upper case: both readings may match one rule). The first in order is kept."""
    if len(evidence) < 2:
        return tuple(evidence)
    seen: set[tuple[str, str, str, str]] = set()
    out = []
    for e in evidence:
        k = (e.rule, e.field, e.matched.upper(), e.observation_source)
        if k not in seen:
            seen.add(k)
            out.append(e)
    return tuple(out)


def _pick(values: list[str]) -> str | None:
    """The most frequent value, ties broken by first appearance (deterministic)."""
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    counts: dict[str, int] = {}  # in order of first appearance
    for v in values:
        counts[v] = counts.get(v, 0) + 1
    return max(counts, key=counts.__getitem__)  # max keeps the first of equals


def with_evidence_swapped(a: Attribution, old: Evidence, new: Evidence) -> Attribution | None:
    """The attribution ``judge`` gives when the one piece of evidence ``old`` is ``new`` instead, or None
    when that cannot be told without judging again.

    Scoring reads a piece of evidence's rule, field, claim, weight and group, never its matched text,
    citation or note; so when those agree, only the evidence list changes. Conditions: ``old`` is the
    only evidence of its field (its place in the sorted list then depends on nothing else), and the
    notes of an unknown verdict, which quote weak evidence's notes, would not change.
    """
    if (old.rule, old.field, old.claim, old.weight, old.group, old.observation_source) != (
        new.rule,
        new.field,
        new.claim,
        new.weight,
        new.group,
        new.observation_source,
    ):
        return None
    if a.verdict is Verdict.UNKNOWN and old.note != new.note:
        return None
    at = [i for i, e in enumerate(a.evidence) if e.field == old.field]
    if len(at) != 1 or a.evidence[at[0]] != old:
        return None
    ev = list(a.evidence)
    ev[at[0]] = new
    return replace(a, evidence=tuple(ev))


def attribute(asset_id: str, observations: Iterable[Observation], ckb: CompiledKB) -> Attribution:
    """Observations of one asset to its attribution."""
    facets = [f for o in observations for f in facets_tuple(o)]
    return judge(asset_id, ckb.findings(facets), ckb)
