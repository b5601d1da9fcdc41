"""The MAC blocks the KB pins (kb/data/mac_blocks.yaml): blocks of the covered families missing from the
registry snapshot trueoem ships. Each must say what its registrant's name says through the KB's own
``ieee_org_patterns`` (a pin that disagreed would silently overrule the registry), and be a real block size."""

from __future__ import annotations

from trueoem.kb.compiled import load_compiled


def test_pinned_blocks_agree_with_their_registrants_names() -> None:
    ckb = load_compiled()
    pins = ckb.kb.oui_assignments
    assert len(pins) > 600
    sizes = {len(p) for p in pins}
    assert sizes <= {6, 7, 9} and {6, 7, 9} <= sizes  # MA-L, MA-M and MA-S blocks are all there
    for prefix, pin in pins.items():
        registrant = pin.note.split(" (")[0]
        kind, target, *_ = ckb.oui._map_org(registrant)
        assert target == pin.entity, (prefix, registrant, target, pin.entity)
        hit = ckb.oui.lookup(prefix + "0" * (12 - len(prefix)))
        assert hit is not None and hit.target == pin.entity and hit.prefix == prefix


def test_a_pinned_block_decides_a_mac_in_it() -> None:
    ckb = load_compiled()
    hit = ckb.oui.lookup("B0B353612345")  # an MA-M block of Hikrobot inside another company's MA-L
    assert hit is not None and hit.prefix == "B0B3536" and hit.target == "hikrobot"
    other = ckb.oui.lookup("B0B352612345")
    assert other is None or other.target != "hikrobot"
