"""Hostile device strings through every renderer: nothing executes, nothing escapes its cell or line.

Every device-provided string is attacker-controlled: Server header, HTML title, ONVIF manufacturer,
TLS subject, SSDP friendly name, and everything derived from them (label brand, model, evidence
``matched``, notes). The reports also load nothing from any network (air-gapped use).
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser

import pytest

from trueoem.report.cyclonedx import render_cyclonedx
from trueoem.report.data import ReportModel
from trueoem.report.far import load_far_config, render_far
from trueoem.report.html import filter_script, render_html

from .conftest import BIDI, SCRIPT


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> Tags:
    p = Tags()
    p.feed(html)
    p.close()
    return p


@pytest.mark.parametrize("print_", [False, True])
def test_html_hostile_nothing_executes(hostile: ReportModel, print_: bool) -> None:
    html = render_html(hostile, print_=print_)
    assert SCRIPT not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    tags = parse(html)
    names = [t for t, _ in tags.tags]
    assert "img" not in names and "iframe" not in names and "object" not in names
    for tag, attrs in tags.tags:
        for k, v in attrs.items():
            assert not k.startswith("on"), f"event handler attribute {k} on <{tag}>"
            assert "javascript:" not in (v or "").lower(), f"javascript: URL in <{tag} {k}>"
    # the only script is ours, byte for byte, and the CSP allows only it
    js, digest = filter_script()
    assert tags.scripts == ([] if print_ else [js])
    if not print_:
        csp = [a["content"] for t, a in tags.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and f"script-src '{digest}'" in (csp[0] or "") and "default-src 'none'" in (csp[0] or "")


def test_html_hostile_layout_intact(hostile: ReportModel) -> None:
    html = render_html(hostile)
    tags = parse(html)
    rows = [a for t, a in tags.tags if t == "tr" and "data-verdict" in a]
    assert len(rows) == hostile.total  # one table row per asset, no injected rows
    assert (
        sum(1 for t, a in tags.tags if t == "details" and (a.get("class") or "").startswith("asset")) == hostile.total
    )
    assert {a["data-verdict"] for a in rows} <= {"covered", "likely_covered", "not_covered", "unknown"}
    # bidi and zero-width characters are made visible, never emitted raw
    for ch in ("\u202e", "\u202c", "\u2066", "\u200b"):
        assert ch not in html
    assert "[U+202E]" in html
    # hostile text appears only escaped inside elements (the observations are shown verbatim, escaped)
    assert "Server: &lt;script&gt;" in html


def test_html_references_no_external_url(model: ReportModel, hostile: ReportModel) -> None:
    for m in (model, hostile):
        for print_ in (False, True):
            tags = parse(render_html(m, print_=print_))
            for tag, attrs in tags.tags:
                if tag in ("script", "link", "img", "iframe", "source", "video", "audio", "object", "embed"):
                    assert not re.match(r"\s*(https?:)?//", attrs.get("src") or attrs.get("href") or ""), tag
                assert tag not in ("link", "img", "iframe", "object", "embed", "base")
                assert "src" not in attrs or tag == "script" and not attrs["src"]
                href = attrs.get("href")
                assert href is None or href.startswith("#"), f"<{tag} href={href!r}>"
            html = render_html(m, print_=print_)
            assert "@import" not in html and "url(" not in html and "@font-face" not in html


def test_far_hostile(hostile: ReportModel) -> None:
    cfg = load_far_config(None, contract_number=f"C-{SCRIPT}", supplier_name="[x](javascript:alert(1))")
    md = render_far(hostile, cfg)
    assert SCRIPT not in md
    assert "<img" not in md
    assert not re.search(r"(?<!\\)\]\(", md), "an unescaped ]( would make a Markdown link"
    assert "&lt;script&gt;" in md
    assert BIDI not in md and "\u202e" not in md
    headings = [line for line in md.splitlines() if line.startswith("#")]
    assert all(not h.startswith("# Injected") and "Injected" not in h.split(":")[0] for h in headings)
    assert not any(line.startswith("# Injected") or line.startswith("| a | b |") for line in md.splitlines())
    # every table row keeps its three or two cells: no unescaped pipe from a device string
    for line in md.splitlines():
        if line.startswith("| ") and line[2:3].isdigit():
            assert len(re.findall(r"(?<!\\)\|", line)) == 4, line


def test_cyclonedx_hostile_validates(hostile: ReportModel) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    doc = render_cyclonedx(hostile)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(doc) is None
    bom = json.loads(doc)
    assert len(bom["components"]) == hostile.total
    names = {c["name"] for c in bom["components"]}
    assert any(SCRIPT in n for n in names)  # kept as data (JSON-escaped), not dropped


def test_pdf_hostile_renders(hostile: ReportModel) -> None:
    pytest.importorskip("weasyprint")
    from pypdf import PdfReader

    from trueoem.report.pdf import render_pdf

    pdf = render_pdf(hostile)
    assert pdf.startswith(b"%PDF")
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/URI" not in pdf
    text = "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "alert(1)" in text  # the payload is shown as text
    assert "Evidence by asset" in text


def test_pdf_fetches_nothing() -> None:
    pytest.importorskip("weasyprint")
    from trueoem.report.pdf import _offline_fetcher

    with pytest.raises(ValueError, match="nothing external"):
        _offline_fetcher().fetch("http://203.0.113.9/x.png")
