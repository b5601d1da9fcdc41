"""The scoring model: thresholds, and Hypothesis properties (order independence, monotone
support, determinism)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trueoem.attribute import PRIOR, family_scores, judge, posteriors
from trueoem.match.engine import CompiledKB, Findings
from trueoem.model import Evidence, Verdict

OEMS = ["hikvision", "dahua", "huawei", "zte", "hytera", "axis", "bosch", "uniview"]
WEIGHTS = [0.0, 1.0, 2.5, 4.0, 6.0]

evidence = st.builds(
    lambda oem, w, g: Evidence(
        rule=f"r.{g}", field="model", matched="x", claim=f"oem:{oem}", weight=w, source="test", group=f"g{g}"
    ),
    st.sampled_from(OEMS),
    st.sampled_from(WEIGHTS),
    st.integers(0, 5),
)


def _judge(ckb: CompiledKB, ev: list[Evidence]):  # type: ignore[no-untyped-def]
    return judge("a", Findings(evidence=list(ev)), ckb)


@settings(max_examples=200, deadline=None)
@given(st.lists(evidence, max_size=12), st.randoms())
def test_order_does_not_matter(ckb: CompiledKB, ev: list[Evidence], rnd) -> None:  # type: ignore[no-untyped-def]
    a = _judge(ckb, ev)
    shuffled = list(ev)
    rnd.shuffle(shuffled)
    b = _judge(ckb, shuffled)
    assert a == b


@settings(max_examples=200, deadline=None)
@given(st.lists(evidence, min_size=1, max_size=10), st.sampled_from(WEIGHTS[1:]), st.integers(6, 9))
def test_supporting_evidence_never_lowers_the_leader(ckb: CompiledKB, ev: list[Evidence], w: float, g: int) -> None:
    post = posteriors(family_scores(ev))
    if not post:
        return
    leader = max(sorted(post), key=lambda k: post[k])
    more = [
        *ev,
        Evidence(
            rule="extra", field="model", matched="y", claim=f"oem:{leader}", weight=w, source="test", group=f"g{g}"
        ),
    ]
    assert posteriors(family_scores(more))[leader] >= post[leader] - 1e-12


@settings(max_examples=100, deadline=None)
@given(st.lists(evidence, max_size=10))
def test_deterministic(ckb: CompiledKB, ev: list[Evidence]) -> None:
    assert _judge(ckb, ev).as_dict() == _judge(ckb, ev).as_dict()


def test_one_group_counts_once() -> None:
    e = Evidence(rule="r", field="http.server", matched="x", claim="oem:hikvision", weight=4.0, source="s", group="g")
    assert family_scores([e, e, e]) == {"hikvision": PRIOR + 4.0}


def test_thresholds(ckb: CompiledKB) -> None:
    def ev(oem: str, w: float, g: str) -> Evidence:
        return Evidence(rule=g, field="model", matched="m", claim=f"oem:{oem}", weight=w, source="s", group=g)

    assert _judge(ckb, [ev("hikvision", 6.0, "a")]).verdict == Verdict.COVERED
    assert _judge(ckb, [ev("hikvision", 4.0, "a")]).verdict == Verdict.LIKELY_COVERED
    assert _judge(ckb, [ev("hikvision", 1.0, "a")]).verdict == Verdict.UNKNOWN
    assert _judge(ckb, [ev("axis", 4.0, "a")]).verdict == Verdict.NOT_COVERED
    assert _judge(ckb, []).verdict == Verdict.UNKNOWN
    # a covered tell next to a non-covered label: never not_covered, and the conflict is shown
    mixed = _judge(ckb, [ev("axis", 4.0, "a"), ev("hikvision", 4.0, "b")])
    assert mixed.verdict in (Verdict.LIKELY_COVERED, Verdict.UNKNOWN)
    assert mixed.conflicts


def test_a_brand_revealed_by_the_device_is_its_label(ckb: CompiledKB) -> None:
    """No brand given: a rule that names a reseller brand (and no maker) labels the item with it, so
    a reseller's firmware on an OEM's hardware reads as white-labelled."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    brand_only = [
        r
        for r in ckb.kb.rules.values()
        if r.claim.brand and not r.claim.oem and any(c.brand == r.claim.brand for c in ckb.kb.relations)
    ]
    assert brand_only, "the KB has no brand-only rule of a reseller with a relation"
    rule = sorted(brand_only, key=lambda r: r.id)[0]
    ex = next(e for e in rule.examples if e.value)
    field = ex.field or rule.fields[0]
    kind = {"http.server": "http_headers"}.get(field)
    obs = Observation(kind, f"Server: {ex.value}", "t") if kind else Observation("banner", ex.value, "t")
    a = attribute("t", [obs], ckb)
    if rule.id not in {e.rule for e in a.evidence}:  # the example's field is not a banner one: read it as a model
        a = attribute("t", [Observation("model", ex.value, "t")], ckb)
    assert rule.id in {e.rule for e in a.evidence}
    brand = ckb.kb.brands[rule.claim.brand]
    assert a.label_brand == brand.name
    if a.oem is not None and a.oem != brand.owner:
        assert a.white_label


def test_an_fcc_id_with_a_three_character_code_in_a_model_column(ckb: CompiledKB) -> None:
    from trueoem.attribute import attribute
    from trueoem.kb.schema import STRENGTH_LLR
    from trueoem.match.engine import _BY_CONF, step
    from trueoem.model import Observation

    code = next(g for g in ckb.kb.fcc_grantees.values() if len(g.code) == 3 and g.confidence == "high")

    def fcc(model: str) -> list[Evidence]:
        a = attribute("t", [Observation("model", model, "t")], ckb)
        return [e for e in a.evidence if e.rule.startswith("fcc.grantee.")]

    (ev,) = fcc(f"{code.code}-ZX4711")
    assert ev.claim == f"oem:{code.entity}" and "read as an FCC ID" in ev.note
    assert ev.weight == STRENGTH_LLR[step(_BY_CONF["high"], -2)]  # unlabelled: two steps weaker
    assert fcc(code.code) == [] and fcc(f"{code.code}-ZXABC") == []  # no product code / no digit
    assert fcc(f"{code.code.lower()}-ZX4711") == []  # FCC IDs are written in capitals
    assert len(fcc(f"{code.code.lower()}-zx4711")) == 1  # unless the whole model was typed in lower case
    five = next(g for g in ckb.kb.fcc_grantees.values() if len(g.code) == 5)
    (ev5,) = fcc(f"{five.code}-ZX4711")  # a 5-character code is read by the facet parser, at full strength
    assert "read as an FCC ID" not in ev5.note


def test_a_relation_tied_to_models_reads_the_items_own_model(ckb: CompiledKB) -> None:
    """A brand sold with several makers' products names an OEM only for the models its relation lists:
    the model column is judged even when no rule reads a model out of it, and a known model outside the
    list stops the relation (an unknown model only weakens it)."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    rel = next(r for r in ckb.kb.relations if r.brand == "godrej" and r.model_patterns)
    rid = f"kb.relation.{rel.brand}.{rel.oem}"

    def rel_ev(*obs: tuple[str, str]) -> list[Evidence]:
        a = attribute("t", [Observation(k, v, "t") for k, v in obs], ckb)
        return [e for e in a.evidence if e.rule == rid]

    assert not any(r.claim.oem or r.claim.category for r in ckb.kb.rules.values() if r.id.startswith("godrej"))
    (listed,) = rel_ev(("brand", "Godrej"), ("model", "STE-UR1234"))
    assert "model unknown" not in listed.note
    assert rel_ev(("brand", "Godrej"), ("model", "XYZ-123")) == []  # a model outside the relation's lines
    (unknown,) = rel_ev(("brand", "Godrej"))
    assert "model unknown" in unknown.note and unknown.weight < listed.weight
    # a listed model also says the category of the relation's lines: no "category unknown" step
    obs = [Observation("brand", "Vodafone", "t"), Observation("model", "K3765", "t")]
    k = attribute("t", obs, ckb).evidence
    (voda,) = [e for e in k if e.rule == "kb.relation.vodafone.huawei"]
    assert "category unknown" not in voda.note and "model unknown" not in voda.note


def test_an_ised_number_names_its_certificate_holder(ckb: CompiledKB) -> None:
    """A labelled ISED Canada number ('IC: CN-UPN') is evidence for the company the KB lists for its CN;
    an unlisted CN, or the same text without a label, is none."""
    from trueoem.attribute import attribute
    from trueoem.kb.schema import STRENGTH_LLR
    from trueoem.match.engine import _BY_CONF
    from trueoem.model import Observation

    company = next(iter(ckb.kb.ised_companies.values()))

    def ised(kind: str, text: str) -> list[Evidence]:
        a = attribute("t", [Observation(kind, text, "t")], ckb)
        return [e for e in a.evidence if e.rule.startswith("ised.company.")]

    for kind, text in (("model", f"IC: {company.code}-XR100"), ("description", f"radio, ISED ID {company.code}-XR100")):
        (ev,) = ised(kind, text)
        assert ev.claim == f"oem:{company.entity}" and ev.weight == STRENGTH_LLR[_BY_CONF[company.confidence]]
    assert ised("model", f"{company.code}-XR100") == []  # no label: a model number of that shape says nothing
    assert ised("model", "IC: 99999Z-XR100") == []  # a company number the KB does not list


def test_an_fcc_id_and_an_ised_number_of_one_holder_count_once(ckb: CompiledKB) -> None:
    from trueoem.attribute import PRIOR, attribute, family_scores
    from trueoem.model import Observation

    company = next(iter(ckb.kb.ised_companies.values()))
    grantee = next(g for g in ckb.kb.fcc_grantees.values() if g.entity == company.entity)
    obs = [
        Observation("fcc_id", f"{grantee.code}-XR100", "t"),
        Observation("description", f"IC: {company.code}-XR100", "t"),
    ]
    a = attribute("t", obs, ckb)
    certs = [e for e in a.evidence if e.rule.startswith(("fcc.grantee.", "ised.company."))]
    assert len(certs) == 2  # both are shown ...
    assert family_scores(a.evidence)[company.entity] == PRIOR + max(e.weight for e in certs)  # ... one counts


def test_a_rule_matching_free_text_about_another_product_is_no_evidence(ckb: CompiledKB) -> None:
    """A covered maker's legal name or banner inside "compatible with ...", "replacement for ...", "not
    affiliated with ..." is about another product, as names and model numbers in free text are."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    def verdict(description: str) -> str:
        a = attribute("t", [Observation("brand", "Acme", "t"), Observation("description", description, "t")], ckb)
        return a.verdict.value

    assert verdict("Belt clip compatible with Hytera Communications Corporation Limited radios") == "unknown"
    assert verdict("Replacement fan for Huawei Versatile Routing Platform Software switches") == "unknown"
    assert verdict("Not affiliated with or endorsed by Hytera Communications Corporation Limited") == "unknown"
    assert verdict("Hytera Communications Corporation Limited PD785 portable radio") == "covered"


def test_accessories_for_a_covered_product_in_other_languages_and_qualified_brands(ckb: CompiledKB) -> None:
    """ "for" and "compatible" in the languages catalogs come in; a brand column that qualifies a name."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    def verdict(*obs: tuple[str, str]) -> str:
        return attribute("t", [Observation(k, v, "t") for k, v in obs], ckb).verdict.value

    for text in (
        "Чехол для Huawei P50",
        "Batería para Hytera PD785",
        "Akku für Hytera PD785",
        "Étui pour Huawei P30",
        "Badge RFID compatible Hikvision",
        "适用于海康威视 DS-2CD2143G0-I 支架",
    ):
        assert verdict(("description", text)) == "unknown", text
    assert verdict(("description", "Acme reader: it does not speak the Dahua protocol.")) == "unknown"
    assert verdict(("description", "NVR 16ch (works w/ hikvision integration?)")) == "unknown"
    assert verdict(("description", "Acme XR-12 radio (related products: Hytera HP708, Motorola R7)")) == "unknown"
    assert verdict(("description", "I can not access my Hikvision DS-7608NI-K2")) == "covered"
    assert verdict(("brand", "Hikvision compatible"), ("description", "wall bracket")) == "unknown"
    assert verdict(("brand", "Dahua-style"), ("description", "junction box")) == "unknown"
    # the maker's own product, described in those languages, still counts
    assert verdict(("description", "Hikvision DS-2CD2143G0-I para exterior")) == "covered"
    assert verdict(("brand", "Hikvision"), ("description", "Кронштейн для камеры")) == "covered"


def test_chinese_names_in_text_without_spaces(ckb: CompiledKB) -> None:
    """Chinese text has no spaces between words: a covered maker's Chinese name is found inside it, two
    characters long ones included; 荣耀 (Honor, Huawei's only until 2020) is not read so."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    def oem(kind: str, text: str) -> str | None:
        return attribute("t", [Observation(kind, text, "t")], ckb).oem

    assert oem("model", "华为路由XR3") == "huawei"
    assert oem("banner", "型号: 大华XR-5") == "dahua"
    assert oem("description", "海康威视摄像头") == "hikvision"
    assert oem("banner", "荣耀手机 XR-5") is None


def test_a_covered_companys_platform_or_sdk_named_in_a_response_is_not_its_maker(ckb: CompiledKB) -> None:
    """Banners and plain-text pages are read as free text; a company's OS, SDK or IoT cloud that other
    makers' devices use names a platform, not the device's maker (the device's own name still counts)."""
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    def verdict(kind: str, text: str) -> str:
        return attribute("t", [Observation(kind, text, "t")], ckb).verdict.value

    assert verdict("http_body", "Powered by Huawei Cloud IoT SDK; device: Acme Sensor 2000") == "unknown"
    assert verdict("banner", "acme-cam login (built with the Hikvision Device Network SDK v6)") == "unknown"
    assert verdict("banner", "Acme doorbell running Huawei LiteOS") == "unknown"
    assert verdict("banner", "Welcome to the Hikvision NVR console") in ("covered", "likely_covered")


def test_one_rule_matching_a_model_in_both_letter_cases_is_one_piece_of_evidence(ckb: CompiledKB) -> None:
    # a lower-case model is read in upper case too; a case-blind rule then matches both readings
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    a = attribute("t", [Observation("model", "ds-2cd2143g0-i", "t")], ckb)
    assert a.verdict is Verdict.COVERED
    rules = [e.rule for e in a.evidence]
    assert len(rules) == len(set(rules)), rules


def test_a_software_plugin_named_after_a_company_is_not_its_device(ckb: CompiledKB) -> None:
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    text = "<debug> Loaded plugin 'Huawei'\n<debug> Loaded plugin 'ZTE'\n<debug> Loaded plugin 'Motorola'"
    assert attribute("t", [Observation("banner", text, "t")], ckb).verdict is Verdict.UNKNOWN


def test_names_written_in_cyrillic_or_chinese_are_looked_up(ckb: CompiledKB) -> None:
    import re

    other_script = re.compile(r"[\u0400-\u04ff\u4e00-\u9fff]")
    names = [(e.id, a) for e in ckb.kb.entities.values() for a in e.aliases if other_script.search(a)]
    names += [(b.owner or b.id, a) for b in ckb.kb.brands.values() for a in b.aliases if other_script.search(a)]
    assert any(re.search(r"[\u0400-\u04ff]", a) for _, a in names)  # the KB has Cyrillic spellings
    for owner, alias in names:
        hit = ckb.brands.lookup(alias)
        assert hit is not None, alias
        family = hit.id if hit.kind != "brand" else (ckb.kb.brands[hit.id].owner or hit.id)
        assert family == owner, alias


def test_a_name_qualifying_a_release_is_not_a_maker(ckb: CompiledKB) -> None:
    from trueoem.attribute import attribute
    from trueoem.model import Observation

    for banner in ("Welcome to Ubuntu 22.04.3 LTS (GNU/Linux 5.15.0-91-generic x86_64)", "Ubuntu 20.04 LTS"):
        assert attribute("t", [Observation("banner", banner, "t")], ckb).verdict is Verdict.UNKNOWN, banner
    # a product name that is the brand still names it, and so does a maker after a plain version
    a = attribute("t", [Observation("banner", "LTS NVR LTN8708K-P8", "t")], ckb)
    assert a.label_brand == "LTS"
    a = attribute("t", [Observation("http_body", "Mini web server 1.0 ZTE corp 2005.", "t")], ckb)
    assert a.oem == "zte"
