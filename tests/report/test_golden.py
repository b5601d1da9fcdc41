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
