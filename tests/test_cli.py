"""The CLI end to end (Typer's runner, real KB, real files): formats, exit codes, bad input."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trueoem.cli import app

runner = CliRunner()

CATALOG = (
    "Line,Manufacturer,Model Number,Description\n"
    "1,Hikvision,DS-2CD2143G0-I,4MP dome camera\n"
    "2,Amcrest,IP4M-1041B,4MP PTZ camera\n"
    "3,Axis,M3106-L Mk II,Network camera\n"
    "4,Acme,X-100,Widget\n"
)


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=input)


def jsonl(text: str) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def test_check_csv_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(CATALOG)
    r = run("check", str(p), "--format", "jsonl")
    assert r.exit_code == 0, r.output
    recs = {x["id"]: x for x in jsonl(r.stdout)}
    assert recs["1"]["verdict"] == "covered" and recs["1"]["oem"] == "hikvision"
    assert recs["2"]["oem"] == "dahua" and recs["2"]["white_label"] is True
    assert recs["3"]["verdict"] == "not_covered"
    assert recs["4"]["verdict"] == "unknown"  # never dropped
    for rec in recs.values():
        assert set(rec) >= {
            "id",
            "verdict",
            "oem",
            "confidence",
            "label_brand",
            "white_label",
            "legal_basis",
            "evidence",
        }
    assert "legal_basis" in recs["1"] and "889" in recs["1"]["legal_basis"]


def test_fail_on(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(CATALOG)
    assert run("check", str(p), "-f", "csv", "--fail-on", "covered").exit_code == 1
    clean = tmp_path / "clean.csv"
    clean.write_text("Manufacturer,Model\nAxis,M3106-L Mk II\n")
    assert run("check", str(clean), "-f", "csv", "--fail-on", "likely").exit_code == 0


def test_row_number_is_the_id_without_an_id_column(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("Brand,Model\nHikvision,DS-2CD2143G0-I\n")
    assert jsonl(run("check", str(p), "-f", "jsonl").stdout)[0]["id"] == "2"


@pytest.mark.parametrize("enc", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le-bom", "utf-16-be-bom", "latin-1"])
def test_encodings(tmp_path: Path, enc: str) -> None:
    text = "Line,Manufacturer,Model,Description\n1,Hikvision,DS-2CD2143G0-I,Caméra dôme 4MP\n"
    p = tmp_path / "c.csv"
    if enc == "utf-16-le-bom":
        p.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    elif enc == "utf-16-be-bom":
        p.write_bytes(codecs.BOM_UTF16_BE + text.encode("utf-16-be"))
    else:
        p.write_bytes(text.encode(enc))
    r = run("check", str(p), "-f", "jsonl")
    assert r.exit_code == 0, r.output
    assert jsonl(r.stdout)[0]["verdict"] == "covered"


def test_no_recognisable_columns(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("foo,bar\n1,2\n")
    r = run("check", str(p))
    assert r.exit_code == 2
    assert "no recognisable columns" in r.stderr and "'foo'" in r.stderr and "--map" in r.stderr
    assert "Traceback" not in r.output
    mapped = run("check", str(p), "--map", "foo=brand", "--map", "bar=model", "-f", "jsonl")
    assert mapped.exit_code == 0 and len(jsonl(mapped.stdout)) == 1


def test_bad_map_option(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(CATALOG)
    r = run("check", str(p), "--map", "nonsense")
    assert r.exit_code == 2 and "COL=FIELD" in r.stderr


def test_missing_file_other_files_still_read(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(CATALOG)
    r = run("check", str(tmp_path / "nope.csv"), str(p), "-f", "jsonl")
    assert r.exit_code == 2
    assert "nope.csv: no such file" in r.stderr
    assert len(jsonl(r.stdout)) == 4
    assert "Traceback" not in r.output


def test_corrupt_xlsx(tmp_path: Path) -> None:
    p = tmp_path / "c.xlsx"
    p.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
    r = run("check", str(p))
    assert r.exit_code == 2 and "c.xlsx" in r.stderr and "XLSX" in r.stderr
    assert "Traceback" not in r.output


def test_xlsx(tmp_path: Path) -> None:
    import xlsxwriter

    p = tmp_path / "inv.xlsx"
    wb = xlsxwriter.Workbook(str(p))
    ws = wb.add_worksheet("Assets")
    for i, row in enumerate(
        [
            ["Asset Tag", "Make", "Model", "MAC Address"],
            ["A-1", "LTS", "CMIP3C42W-28", "44:19:B6:00:00:01"],
            ["A-2", "Bosch", "NDE-3502-AL", ""],
        ]
    ):
        ws.write_row(i, 0, row)
    wb.close()
    recs = {x["id"]: x for x in jsonl(run("check", str(p), "-f", "jsonl").stdout)}
    assert recs["A-1"]["verdict"] == "covered" and recs["A-1"]["white_label"] is True


def test_json_and_jsonl_catalogs(tmp_path: Path) -> None:
    items = [{"sku": "DS-7608NI-K2", "manufacturer": "Hikvision"}, {"sku": "XNV-6080R", "manufacturer": "Hanwha"}]
    j = tmp_path / "c.json"
    j.write_text(json.dumps({"items": items}))
    assert len(jsonl(run("check", str(j), "-f", "jsonl").stdout)) == 2
    jl = tmp_path / "c.jsonl"
    jl.write_text(json.dumps(items[0]) + "\n{broken\n" + json.dumps(items[1]) + "\n")
    r = run("check", str(jl), "-f", "jsonl")
    assert len(jsonl(r.stdout)) == 2
    assert "c.jsonl:2: malformed JSON" in r.stderr


def test_huge_field(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("Manufacturer,Description\nHikvision," + "x" * 200_000 + "\n")
    r = run("check", str(p), "-f", "jsonl")
    assert r.exit_code == 0 and "cut" in r.stderr
    assert jsonl(r.stdout)[0]["verdict"] == "covered"


def test_brand_in_description_only(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(
        'Line,Description\n1,"EZVIZ C6N indoor Wi-Fi camera, FCC ID 2ADTD-C6N"\n'
        '2,"Wall bracket compatible with Hikvision domes"\n'
    )
    recs = {x["id"]: x for x in jsonl(run("check", str(p), "-f", "jsonl").stdout)}
    assert recs["1"]["verdict"] == "covered"
    assert recs["2"]["verdict"] == "unknown"


def test_attribute_messy_records(tmp_path: Path) -> None:
    recs = [
        {"id": "a", "protocol": "http", "raw": "Server: DNVRS-Webs"},
        {"id": "b", "protocol": "mac", "raw": "4419b6"},
        {"id": "c", "protocol": "http", "raw": {"headers": {"Server": "App-webs/"}, "body": "x"}},
        {
            "id": "d",
            "observations": [{"protocol": "dahua_cgi", "raw": "deviceType=IP4M-1041B\nupdateSerial=IPC-AW46WN-S2"}],
            "brand": "Amcrest",
        },
        {"id": "e", "protocol": "no_such_protocol", "raw": "x"},
    ]
    p = tmp_path / "r.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs) + "\nnot json at all\n")
    r = run("attribute", str(p), "-f", "jsonl")
    assert r.exit_code == 0, r.output
    out = {x["id"]: x for x in jsonl(r.stdout)}
    assert out["a"]["oem"] == "hikvision"
    assert out["b"]["oem"] == "hikvision"
    assert out["d"]["verdict"] == "covered" and out["d"]["white_label"] is True
    assert out["e"]["verdict"] == "unknown"
    assert "r.jsonl:6: malformed JSON" in r.stderr
    assert "unknown protocol 'no_such_protocol'" in r.stderr


def test_attribute_stdin() -> None:
    r = run("attribute", "-", "-f", "jsonl", input='{"id": "x", "protocol": "model_string", "raw": "HG8245H"}\n')
    assert jsonl(r.stdout)[0]["oem"] == "huawei"


def test_explain_words() -> None:
    r = run("explain", "--brand", "LTS", "--mac", "44:19:B6:11:22:33")
    assert r.exit_code == 0
    assert "white-labelled" in r.stdout and "source:" in r.stdout and "Hikvision" in r.stdout


def test_explain_file_and_id(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text(CATALOG)
    r = run("explain", str(p), "--id", "2")
    assert r.exit_code == 0 and r.stdout.startswith("2: ")
    assert run("explain", str(p), "--id", "99").exit_code == 2


def test_kb_commands() -> None:
    assert run("kb", "validate").exit_code == 0
    show = run("kb", "show")
    assert show.exit_code == 0 and "Hikvision" in show.stdout
    b = run("kb", "brand", "lorex")
    assert b.exit_code == 0 and "2018-02-06" in b.stdout and "Dahua" in b.stdout
    assert run("kb", "brand", "no such brand zz").exit_code == 1


def test_kb_overlay_adds_a_relation(tmp_path: Path) -> None:
    ov = tmp_path / "site.yaml"
    ov.write_text(
        "schema_version: 1\nbrands:\n  - {id: acme, name: AcmeCam, type: reseller, source: 'site audit 2026-11', "
        "confidence: medium}\nrelations:\n  - {brand: acme, oem: hikvision, strength: conclusive, "
        "source: 'site teardown report 2026-11', confidence: high}\n"
    )
    p = tmp_path / "c.csv"
    p.write_text("Brand,Model\nAcmeCam,AC-1\n")
    base = jsonl(run("check", str(p), "-f", "jsonl").stdout)[0]
    over = jsonl(run("check", str(p), "-f", "jsonl", "--kb", str(ov)).stdout)[0]
    assert base["verdict"] == "unknown" and over["verdict"] == "covered"
    assert over["kb_version"] != base["kb_version"]


def test_kb_overlay_invalid(tmp_path: Path) -> None:
    ov = tmp_path / "bad.yaml"
    ov.write_text("schema_version: 1\nbrands:\n  - {id: acme, name: AcmeCam}\n")
    r = run("kb", "validate", "--kb", str(ov))
    assert r.exit_code == 3 and "bad.yaml" in r.stderr and "source" in r.stderr


def test_update_oui(tmp_path: Path) -> None:
    csvf = tmp_path / "mam.csv"
    csvf.write_text(
        "Registry,Assignment,Organization Name,Organization Address\n"
        'MA-M,B84C871,Hangzhou Hikvision Digital Technology Co.,Ltd.,"Hangzhou CN"\n'
    )
    assert run("kb", "update-oui", str(csvf)).exit_code == 0
    r = run("explain", "--mac", "B8:4C:87:12:34:56")
    assert "Hikvision" in r.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("hello,world\n")
    r = run("kb", "update-oui", str(bad))
    assert r.exit_code == 2 and "not an IEEE registry CSV" in r.stderr


def test_help_states_safety() -> None:
    r = run("--help")
    assert "never logs in" in r.stdout


def _fifo(tmp_path: Path, name: str, data: bytes) -> Path:
    """A named pipe that yields ``data`` once (what the shell's ``<(...)`` gives a command)."""
    import os
    import threading

    p = tmp_path / name
    os.mkfifo(p)

    def feed() -> None:
        with p.open("wb") as fh:
            fh.write(data)

    threading.Thread(target=feed, daemon=True).start()
    return p


def test_check_and_attribute_read_pipes(tmp_path: Path) -> None:
    # a pipe cannot seek back: format and encoding sniffing must not lose or trip over its head
    r = run("check", str(_fifo(tmp_path, "cat.csv", CATALOG.encode())), "-f", "jsonl")
    assert r.exit_code == 0, r.output
    assert {x["id"]: x["oem"] for x in jsonl(r.stdout)}["1"] == "hikvision"
    rec = {"id": "a", "protocol": "http", "raw": "HTTP/1.1 200 OK\r\nServer: DNVRS-Webs\r\n\r\n"}
    r = run("attribute", str(_fifo(tmp_path, "rec.jsonl", (json.dumps(rec) + "\n").encode())), "-f", "jsonl")
    assert r.exit_code == 0, r.output
    assert jsonl(r.stdout)[0]["oem"] == "hikvision"


def test_check_reads_standard_input_in_any_format_and_names_it() -> None:
    # standard input is spooled like a pipe: format detection works, and messages say <stdin>
    long_model = "DS-2CD2143G0-I" + "x" * 70000  # over the cell cap: cut, and said
    r = run("check", "-", "-f", "jsonl", input=f"id,Brand,Model\n1,Hikvision,DS-2CD2143G0-I\n2,Acme,{long_model}\n")
    assert r.exit_code == 0, r.output
    assert {x["id"]: x["oem"] for x in jsonl(r.stdout)}["1"] == "hikvision"
    assert "<stdin>:3:" in r.stderr and "trueoem-" not in r.stderr
    lines = (
        '{"id": "a", "brand": "Hikvision", "model": "DS-7608NI-K2"}\n'
        '{"id": "b", "brand": "Axis", "model": "P3265-LVE"}\n'
    )
    r = run("check", "-", "-f", "jsonl", input=lines)
    assert r.exit_code == 0, r.output
    assert {x["id"]: x["verdict"] for x in jsonl(r.stdout)} == {"a": "covered", "b": "not_covered"}
