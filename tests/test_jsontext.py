"""Lone UTF-16 surrogates escaped in JSON input (hostile or broken) never reach an output."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trueoem import jsontext
from trueoem.cli import app
from trueoem.match.facets import facets_of
from trueoem.model import Observation


def test_loads_replaces_lone_surrogates_and_keeps_pairs() -> None:
    obj = jsontext.loads('{"a\\udc80": ["x\\ud800y", "\\ud83d\\ude00", 1]}')
    assert obj == {"a\ufffd": ["x\ufffdy", "\U0001f600", 1]}
    json.dumps(obj, ensure_ascii=False).encode("utf-8")  # writable


def test_records_and_catalogs_with_lone_surrogates_are_written(tmp_path: Path) -> None:
    rec = tmp_path / "r.jsonl"
    rec.write_text('{"id": "a\\ud800", "protocol": "model_string", "raw": "XR-1 \\udfff"}\n', encoding="utf-8")
    cat = tmp_path / "c.json"
    cat.write_text('[{"id": "1", "brand": "Acme\\ud800", "model": "XR-1"}]', encoding="utf-8")
    out = tmp_path / "o.jsonl"
    for cmd in (["attribute", str(rec), "-o", str(out)], ["check", str(cat), "--format", "jsonl", "-o", str(out)]):
        r = CliRunner().invoke(app, cmd)
        assert r.exit_code == 0, r.output
        line = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
        assert "\ufffd" in json.dumps(line, ensure_ascii=False)


def test_a_dict_pasted_in_a_banner_with_lone_surrogates() -> None:
    facets = facets_of(Observation("banner", 'log {"model": "XR-1", "name": "cam\\ud800"}', "t"))
    for f in facets:
        f.value.encode("utf-8")  # every facet value can be written
