"""The fast JSON encoder writes exactly what ``json.dumps(as_dict())`` writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from trueoem.match.engine import CompiledKB
from trueoem.model import Attribution, Candidate, Evidence, Verdict
from trueoem.report.encode import attribution_json
from trueoem.screen import Screener
from trueoem.sources.catalog import read_catalog
from trueoem.sources.records import read_records

ROOT = Path(__file__).resolve().parents[2]


def _reference(a: Attribution, with_id: bool = True) -> str:
    d = a.as_dict()
    if not with_id:
        d.pop("id")
    return json.dumps(d, ensure_ascii=False)


def test_examples_encode_as_json_dumps(ckb: CompiledKB) -> None:
    s = Screener(ckb)
    warn: list[str] = []
    assets = [
        *read_catalog(ROOT / "examples" / "catalog.csv", {}, warn),
        *read_catalog(ROOT / "examples" / "inventory.xlsx", {}, warn),
    ]
    with (ROOT / "examples" / "records.jsonl").open(encoding="utf-8") as fh:
        assets += list(read_records(fh, "records.jsonl", warn))
    n = 0
    for asset in assets:
        a = s.one(asset).attribution
        n += bool(a.evidence)
        assert attribution_json(a) == _reference(a)
        assert attribution_json(a, with_id=False) == _reference(a, with_id=False)
    assert n > 100  # the examples carry evidence of every kind


_text = st.text(st.characters(codec="utf-8"), max_size=12)  # quotes, backslashes, controls, astral


@settings(max_examples=300, deadline=None)
@given(
    strings=st.lists(_text, min_size=12, max_size=12),
    weight=st.floats(-10, 10, allow_nan=False),
    p=st.floats(0, 1),
    extra=st.lists(st.tuples(st.sampled_from(["ip", "mac", "ports", "verdict", "id"]), _text), max_size=3),
)
def test_any_strings_encode_as_json_dumps(
    strings: list[str], weight: float, p: float, extra: list[tuple[str, str]]
) -> None:
    s = strings
    ev = Evidence(s[0], s[1], s[2], s[3], weight, s[4], s[5], s[6], ((s[7], s[8]),) if s[7] else (), s[9])
    a = Attribution(
        id=s[10],
        verdict=Verdict.UNKNOWN,
        oem=s[11] or None,
        oem_name=None,
        confidence=p,
        label_brand=s[0],
        white_label=bool(s[1]),
        legal_basis=s[2] or None,
        evidence=(ev, ev),
        alternatives=(Candidate(s[3], s[4], bool(s[5]), p, weight),),
        conflicts=(s[6],),
        notes=tuple(s[7:9]),
        model=s[9] or None,
        platform=(s[10],),
        kb_version=s[11],
        extra=tuple(dict(extra).items()),  # an extra key that shadows a standard one is kept as as_dict keeps it
    )
    assert attribution_json(a) == _reference(a)
    assert attribution_json(a, with_id=False) == _reference(a, with_id=False)


def test_jsonl_writer_keeps_few_lines_when_nothing_repeats(ckb: CompiledKB) -> None:
    import io

    from trueoem.model import Asset, Observation
    from trueoem.report.writers import JsonlWriter

    s, buf = Screener(ckb), io.StringIO()
    w = JsonlWriter(buf)
    for n in range(5000):  # every attribution new (device records): the writer stops hoarding them
        w.write(s.one(Asset(str(n), (Observation("model", f"ZZ-{n}00X"),))))
    assert len(w._tails) <= 4096 and w._limit == 256
    same = s.one(Asset("x", (Observation("model", "DS-2CD2143G0-I"),)))
    for _ in range(5000):  # one attribution again and again (a catalog): its line is cached again
        w.write(same)
    w.write(s.one(Asset("y", (Observation("model", "ZZ-1X"),))))
    lines = buf.getvalue().splitlines()
    assert len(lines) == 10001 and json.loads(lines[-2])["oem"] == "hikvision"
    assert all(json.loads(line)["id"] == str(i) for i, line in enumerate(lines[:5000]))


def test_numbers_equal_as_keys_but_written_apart_are_not_confused() -> None:
    # 0.0 == -0.0 (and hash alike), so a cache keyed by the number would write the first one seen
    # for both; json.dumps writes "0.0" and "-0.0"
    out = []
    for w in (0.0, -0.0, 0.0):
        ev = Evidence("r", "model", "m", "oem:x", w, "s", "o", "", (), "g")
        a = Attribution(
            id="1",
            verdict=Verdict.UNKNOWN,
            oem=None,
            oem_name=None,
            confidence=0.0,
            label_brand=None,
            white_label=False,
            legal_basis=None,
            evidence=(ev,),
            alternatives=(Candidate("x", "X", False, w, w),),
            kb_version="k",
        )
        out.append(attribution_json(a))
        assert out[-1] == _reference(a)
    assert out[0] != out[1]


def test_jsonl_to_a_utf8_file_is_the_same_text_as_to_a_string(ckb: CompiledKB, tmp_path: Path) -> None:
    # on a UTF-8 file the writer writes bytes to the file's buffer (each line's tail encoded once);
    # the file must read back as the text the writer gives a string stream, lines in order, including
    # text written before it and lines serialised elsewhere (write_text), with non-ASCII in ids and sources
    import io

    from trueoem.model import Asset, Observation
    from trueoem.report.writers import JsonlWriter

    s = Screener(ckb)
    rows = (
        ("1", "Hanwha Vision", "QNO-8081R"),  # a source quoted in Korean
        ("2", "Hikvision", "DS-2CD2143G0-I"),
        ("ряд 3", "Hikvision", "DS-2CD2143G0-I"),  # an id to escape
        ("4", "Hanwha Vision", "QNO-8081R"),
    )
    results = [s.one(Asset(i, (Observation("brand", b), Observation("model", m)))) for i, b, m in rows]

    def write_all(out: io.TextIOBase) -> JsonlWriter:
        out.write("# head\n")  # text written before the writer is made comes first
        w = JsonlWriter(out)  # type: ignore[arg-type]
        for r in results[:2]:
            w.write(r)
        w.write_text('{"id": "elsewhere"}\n')
        for r in results[2:]:
            w.write(r)
        w.close()
        return w

    buf = io.StringIO()
    write_all(buf)
    path = tmp_path / "out.jsonl"
    with path.open("w", encoding="utf-8", newline="") as fh:
        assert write_all(fh)._raw is not None  # the bytes path is the one under test
    assert path.read_text(encoding="utf-8") == buf.getvalue()
    assert any(not line.isascii() for line in buf.getvalue().splitlines())


def test_jsonl_bytes_are_written_in_pieces_and_on_flush(ckb, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # the bytes path gathers lines into pieces: a piece boundary anywhere, and flush(), lose nothing
    from trueoem.model import Asset, Observation
    from trueoem.report.writers import JsonlWriter

    s = Screener(ckb)
    results = [s.one(Asset(str(n), (Observation("model", "DS-2CD2143G0-I"),))) for n in range(7)]
    text = io.StringIO()
    w = JsonlWriter(text)  # type: ignore[arg-type]
    for r in results:
        w.write(r)
    w.close()
    for chunk in (1, 700, 1 << 16):
        monkeypatch.setattr(JsonlWriter, "CHUNK", chunk)
        path = tmp_path / f"out{chunk}.jsonl"
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = JsonlWriter(fh)  # type: ignore[arg-type]
            w.write(results[0])
            w.flush()  # a scan's result is out as soon as its host is done
            assert path.read_text(encoding="utf-8") == text.getvalue().splitlines(keepends=True)[0]
            for r in results[1:]:
                w.write(r)
            w.close()
        assert path.read_text(encoding="utf-8") == text.getvalue()
