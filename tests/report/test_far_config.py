"""The FAR config: files, options over files, per-brand suppliers, visible blanks, business days."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from trueoem.report.data import ReportModel
from trueoem.report.far import BLANK, FarConfigError, add_business_days, load_far_config, render_far

from .conftest import HERE


def test_toml_and_options(model: ReportModel) -> None:
    cfg = load_far_config(HERE / "data" / "far.toml", contract_number="OVERRIDE-1", supplier_cage="9Z9Z9")
    assert cfg.contract_number == "OVERRIDE-1" and cfg.supplier.name == "Example Distribution Inc."
    assert cfg.supplier.cage == "9Z9Z9" and cfg.identified_on == date(2025, 7, 3)
    md = render_far(model, cfg)
    assert "OVERRIDE-1" in md and "Camera Wholesale Co." in md  # Lorex's own supplier
    assert "2025-07-07" in md  # identified Thu 3 July 2025; Fri 4 July is a holiday


def test_yaml(tmp_path: Path) -> None:
    p = tmp_path / "far.yaml"
    p.write_text("contract_number: W52P1J-26-C-0001\ndod: true\nsuppliers:\n  Hikvision: {name: X Corp}\n")
    cfg = load_far_config(p)
    assert cfg.dod and cfg.suppliers["hikvision"].name == "X Corp"


def test_unknown_key_is_an_error(tmp_path: Path) -> None:
    p = tmp_path / "far.toml"
    p.write_text('contract_numbr = "typo"\n')
    with pytest.raises(FarConfigError, match="contract_numbr"):
        load_far_config(p)


def test_blanks_never_invented(model: ReportModel) -> None:
    md = render_far(model)
    covered = sum(1 for a in model.assets if a.verdict == "covered")
    assert md.count("| 1 | Contract number | " + BLANK) == covered + model.count("likely_covered")
    assert "## 4. Likely covered — to verify" in md and "To verify 1 of" in md
    assert "dibnet.dod.mil" in md and "(d)(2)(ii)" in md and "FACTS.md §2.1" in md


def test_dod_reports_to_dibnet(model: ReportModel) -> None:
    md = render_far(model, load_far_config(None, dod=True))
    assert "| Report to | DoD: https://dibnet.dod.mil |" in md


def test_business_days() -> None:
    assert add_business_days(date(2026, 1, 2), 1) == date(2026, 1, 5)  # Friday -> Monday
    assert add_business_days(date(2025, 12, 31), 1) == date(2026, 1, 2)  # New Year's Day
    assert add_business_days(date(2025, 11, 26), 1) == date(2025, 11, 28)  # Thanksgiving
    assert add_business_days(date(2026, 1, 5), 10) == date(2026, 1, 20)  # MLK day 19 Jan
