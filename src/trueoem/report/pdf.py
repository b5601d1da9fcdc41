"""The PDF report: the HTML report's print variant rendered by WeasyPrint, fully offline.

WeasyPrint is given a URL fetcher that refuses every URL, so neither the template nor a
device-provided string can make rendering touch a network or the file system; fonts come from the
system (fontconfig; DejaVu on Debian). WeasyPrint is imported lazily: it needs Pango at run time.
"""

from __future__ import annotations

from typing import Any

from trueoem.report.data import ReportModel
from trueoem.report.html import render_html


def _offline_fetcher() -> Any:
    """A WeasyPrint URL fetcher that fetches nothing (every resource is inline anyway)."""
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    class Offline(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"trueoem reports load nothing external (refused {url[:80]!r})")

    return Offline()


def render_pdf(model: ReportModel) -> bytes:
    """The report as PDF bytes (A4 landscape). Raises ImportError/OSError if WeasyPrint or Pango is missing."""
    from weasyprint import HTML  # type: ignore[import-untyped]

    doc = HTML(string=render_html(model, print_=True), base_url=None, url_fetcher=_offline_fetcher())
    pdf = doc.write_pdf()
    if not isinstance(pdf, bytes):  # pragma: no cover - write_pdf() without a target returns bytes
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf
