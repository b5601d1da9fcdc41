"""The screening memo: a memoised result is the result a fresh attribution gives, never another's."""

from __future__ import annotations

from pathlib import Path

from trueoem.attribute import attribute
from trueoem.match.engine import CompiledKB
from trueoem.screen import Screener
from trueoem.sources.catalog import read_catalog

ROOT = Path(__file__).resolve().parents[1]


def _fresh(ckb: CompiledKB, asset_id: str, observations: tuple) -> dict:  # type: ignore[type-arg]
    return attribute(asset_id, observations, ckb).as_dict()


def _spellings(h: str) -> list[str]:
    pairs = [h[i : i + 2] for i in range(0, 12, 2)]
    return [":".join(pairs), "-".join(pairs).lower(), h.lower(), f"{h[:4]}.{h[4:8]}.{h[8:]}".lower()]


def test_memoised_rows_equal_fresh_attributions(ckb: CompiledKB, tmp_path: Path) -> None:
    table = ckb.oui.table()
    deep = sorted(p for p in table if len(p) == 9)[0]  # an MA-S block inside a 24-bit prefix
    hik = next(p for p, org in sorted(table.items()) if len(p) == 6 and "Hikvision" in org)
    # a registered neighbour of another registrant (the first 4 hex digits in common)
    near = next(p for p in sorted(table) if len(p) == 6 and p[:4] == hik[:4] and table[p] != table[hik])
    macs = [
        *_spellings(hik + "0A0B0C"),
        *_spellings(hik + "FFEE01"),
        *_spellings(near + "FFEE01"),
        *_spellings(deep + "123"),  # the MA-S block
        *_spellings(deep[:6] + "F00000"),  # same 24 bits, outside that block
        "02:00:00:00:00:01",  # locally administered
        "not a mac",
        "",
    ]
    rows = ["Line,Manufacturer,Model Number,Description,MAC"]
    products = [
        "Hikvision,DS-2CD2143G0-I,4MP dome camera",
        "Amcrest,IP4M-1041B,4MP PTZ camera",
        "Acme,X-100,Widget",
    ]
    n = 0
    for _round in range(2):  # every (product, MAC) twice: the second round hits the memo
        for p in products:
            for m in macs:
                n += 1
                rows.append(f"{n},{p},{m}")
    cat = tmp_path / "c.csv"
    cat.write_text("\n".join(rows) + "\n")
    other = tmp_path / "d.csv"  # the same cells in another file: its evidence names its own file
    other.write_text("\n".join(rows[:5]) + "\n")

    s = Screener(ckb)
    warn: list[str] = []
    assets = [*read_catalog(cat, {}, warn), *read_catalog(other, {}, warn)]
    assert all(a.head_key is not None for a in assets)  # the keyed path is the one under test
    assets += list(read_catalog(ROOT / "examples" / "catalog.csv", {}, warn))
    assets += list(read_catalog(other, {}, warn))
    for a in assets:
        assert s.one(a).attribution.as_dict() == _fresh(ckb, a.id, a.observations), a
    assert len(s.memo) < len(assets)  # and the memo was used
    froms = {e["from"] for a in assets[-4:] for e in s.one(a).attribution.as_dict()["evidence"]}  # type: ignore[union-attr]
    assert froms and all(f.startswith("d.csv:") for f in froms)


def test_screen_catalog_short_cut_gives_the_long_way_results(ckb: CompiledKB, tmp_path: Path) -> None:
    # rows the memo knows are answered without building assets: results and warnings must not change
    rows = ["ID,Manufacturer,Model Number,Description,MAC,Serial"]
    cells = [
        ("Hikvision", "DS-2CD2143G0-I", "4MP dome camera"),
        ("Amcrest", "IP4M-1041B", "4MP PTZ camera"),
        ("Acme", "X-100", "Widget"),
    ]
    per_row = [
        ("C4:2F:90:01:02:03", ""),  # the common shape: one per-row value
        ("c4-2f-90-aa-bb-cc", ""),
        ("C42F900102AA", ""),  # other written forms of the same block
        ("c42f.9001.02ab", ""),
        ("C4:2f:90:01:02:AC", ""),
        (" C4:2F:90:01:02:04", ""),  # to strip
        ("C4:2F:90:01:02:06 ", ""),
        ("", "SN123"),  # a serial instead
        ("C4:2F:90:01:02:05", "SN124"),  # two per-row values
        ("", ""),  # none
        ("x" * 70000, ""),  # to cut, with a warning
    ]
    n = 0
    for _ in range(3):
        for b, m, d in cells:
            for mac, sn in per_row:
                n += 1
                # some ids to strip, some missing (the row number stands in)
                rid = {0: f" r{n}", 1: f"r{n} ", 2: ""}.get(n % 7, f"r{n}")
                rows.append(f"{rid},{b},{m},{d},{mac},{sn}")
    rows.insert(5, "")  # a blank row: row numbers still count it
    cat = tmp_path / "c.csv"
    cat.write_text("\n".join(rows) + "\n")

    from trueoem.sources.catalog import screen_catalog

    warn_long: list[str] = []
    long_way = [(a.id, attribute(a.id, a.observations, ckb).as_dict()) for a in read_catalog(cat, {}, warn_long)]
    warn_short: list[str] = []
    s = Screener(ckb)
    short = [(r.id, r.attribution.as_dict()) for r in screen_catalog(cat, {}, warn_short, s)]
    assert short == long_way
    assert warn_short == warn_long and warn_long  # the cut cells were warned about, on every row


def test_memo_shrinks_while_it_never_hits_and_grows_back(ckb: CompiledKB, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import trueoem.screen as screen
    from trueoem.model import Asset, Observation

    monkeypatch.setattr(screen, "ADAPT_EVERY", 50)
    monkeypatch.setattr(screen, "MEMO_IDLE", 10)
    s = Screener(ckb, memo_max=1000)
    for n in range(120):  # all different: the memo never hits
        s.one(Asset(str(n), (Observation("model", f"ZZ-{n}00X"),)))
    assert s.memo_max == 10 and len(s.memo) <= 10
    same = Asset("x", (Observation("model", "DS-2CD2143G0-I"),))
    for n in range(60 * 50):  # hits again: the full size comes back
        s.one(same if n % 50 else Asset(str(n), (Observation("model", f"YY-{n}00X"),)))
    assert s.memo_max == 1000
    assert s.one(same).attribution.oem == "hikvision"


def test_a_product_seen_with_other_mac_blocks_equals_fresh_attributions(
    ckb: CompiledKB, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # a product's attribution is reused with another block's MAC evidence swapped in (Screener._with_mac):
    # every row must still equal its fresh attribution, for blocks of one registrant, of several, of a
    # registrant the KB does not know, and for products whose verdict is unknown (notes quote weak evidence)
    table = ckb.oui.table()
    by_org: dict[str, list[str]] = {}
    for p, org in sorted(table.items()):
        if len(p) == 6:
            by_org.setdefault(org, []).append(p)
    hik = next(ps for org, ps in sorted(by_org.items()) if "Hikvision" in org and len(ps) >= 3)[:3]
    dahua = next(ps for org, ps in sorted(by_org.items()) if "Dahua" in org and len(ps) >= 2)[:2]
    axis = next(ps for org, ps in sorted(by_org.items()) if org.startswith("Axis Communications"))[:2]
    unknown = [ps[0] for org, ps in sorted(by_org.items()) if "Hikvision" not in org][:: len(by_org) // 6][:6]
    blocks = hik + dahua + axis + unknown
    products = [
        "Hikvision,DS-2CD2143G0-I,4MP dome camera",
        "Amcrest,IP4M-1041B,4MP PTZ camera",
        "Acme,X-100,Widget",
        ",,Widget",
        "Axis,P3245-V,dome camera",
    ]
    rows = ["Line,Manufacturer,Model Number,Description,MAC"]
    n = 0
    for p in products:
        for b in blocks:
            for tail in ("0A0B0C", "0A0B0D"):
                n += 1
                rows.append(f"{n},{p},{b}{tail}")
    cat = tmp_path / "c.csv"
    cat.write_text("\n".join(rows) + "\n")
    import trueoem.screen as screen

    swaps = []

    def counted(*args):  # type: ignore[no-untyped-def]
        t = swap(*args)
        swaps.append(t is not None)
        return t

    swap = screen.with_evidence_swapped
    monkeypatch.setattr(screen, "with_evidence_swapped", counted)
    s = Screener(ckb)
    warn: list[str] = []
    for a in read_catalog(cat, {}, warn):
        assert s.one(a).attribution.as_dict() == _fresh(ckb, a.id, a.observations), a
    assert sum(swaps) >= 10 and not all(swaps)  # the reuse path was taken, and refused where it must be
