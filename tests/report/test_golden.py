"""Golden files for every renderer (regenerate: ``TRUEOEM_UPDATE_GOLDEN=1 pytest tests/report``)."""

from __future__ import annotations

from collections.abc import Callable

from trueoem.report.cyclonedx import render_cyclonedx
from trueoem.report.data import ReportModel
from trueoem.report.far import load_far_config, render_far
from trueoem.report.html import render_html

from .conftest import HERE

Golden = Callable[[str, str], None]


def test_html_golden(model: ReportModel, golden: Golden) -> None:
    golden("report.html", render_html(model))


def test_print_html_golden(model: ReportModel, golden: Golden) -> None:
    """The HTML WeasyPrint turns into the PDF (PDF bytes are not stable across WeasyPrint versions)."""
    golden("report.print.html", render_html(model, print_=True))


def test_far_golden_blank(model: ReportModel, golden: Golden) -> None:
    golden("far.blank.md", render_far(model))


def test_far_golden_config(model: ReportModel, golden: Golden) -> None:
    cfg = load_far_config(HERE / "data" / "far.toml", order_numbers=["47QSWA26F0042"])
    golden("far.config.md", render_far(model, cfg))


def test_cyclonedx_golden(model: ReportModel, golden: Golden) -> None:
    golden("report.cdx.json", render_cyclonedx(model))


def _normalised(text: str) -> str:
    """The KB version changes with every KB edit: not what these golden files are about."""
    import re

    return re.sub(r"\d{4}\.\d\d\.\d\d\+[0-9a-f]{12}", "KB-VERSION", text)


def test_cli_writers_golden(golden: Golden) -> None:
    """The machine formats of ``check`` (JSON Lines, JSON, CSV) on a small fixed catalog."""
    from typer.testing import CliRunner

    from trueoem.cli import app

    src = str(HERE / "data" / "catalog-small.csv")
    for fmt, name in (("jsonl", "check.jsonl"), ("json", "check.json"), ("csv", "check.csv")):
        r = CliRunner().invoke(app, ["check", src, "-f", fmt])
        assert r.exit_code == 0, r.output
        golden(name, _normalised(r.stdout))
