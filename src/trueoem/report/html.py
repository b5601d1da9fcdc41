"""The self-contained HTML report: summary, SVG charts, a filterable table and every asset's evidence.

One file with nothing external: CSS and the (vanilla) filter script are inline, charts are SVG
drawn here, sources are cited as text. Jinja2 autoescape is on for every template; the page also
carries a Content-Security-Policy that allows only the one inline script, by hash, so even a
hypothetical escaping bug could not run injected script. ``render_html(model, print_=True)`` is
the variant WeasyPrint renders to PDF (:mod:`trueoem.report.pdf`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

from jinja2 import Environment, FunctionLoader
from markupsafe import Markup

from trueoem import __version__
from trueoem.report.data import ReportModel

_TEMPLATES = files("trueoem.report") / "templates"
_LABEL_W = 170
_BAR_W = 230
_ROW_H = 20


def template_text(name: str) -> str:
    """The text of a packaged template (``templates/<name>``)."""
    return (_TEMPLATES / name).read_text(encoding="utf-8")


def _load(name: str) -> str | None:
    try:
        return template_text(name)
    except (FileNotFoundError, OSError):
        return None


def _short(label: str, n: int = 26) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def bars(items: Sequence[tuple[str, int]]) -> dict[str, Any]:
    """Geometry of a horizontal bar chart of ``(label, value)`` pairs."""
    top = max((v for _, v in items), default=0) or 1
    rows = [
        {"label": k, "short": _short(k), "value": v, "y": i * _ROW_H, "w": max(1, round(_BAR_W * v / top))}
        for i, (k, v) in enumerate(items)
    ]
    return {"rows": rows, "label_w": _LABEL_W, "width": _LABEL_W + _BAR_W + 40, "height": len(rows) * _ROW_H + 4}


def columns(series: Sequence[tuple[str, int, int, int]], height: int = 150, width: int = 440) -> dict[str, Any]:
    """Geometry of a stacked column chart of ``(day, covered, likely, other)`` (newest 60 days shown)."""
    series = list(series)[-60:]
    top = max((c + lk + o for _, c, lk, o in series), default=0) or 1
    n = len(series)
    step = width / max(n, 1)
    col_w = max(2.0, min(40.0, step * 0.7))
    base = height - 20
    every = max(1, n // 6)
    cols = []
    for i, (day, cov, lik, oth) in enumerate(series):
        scale = (base - 6) / top
        h_c, h_l, h_o = cov * scale, lik * scale, oth * scale
        x = round(i * step + (step - col_w) / 2, 1)
        cols.append(
            {
                "day": day,
                "covered": cov,
                "likely": lik,
                "other": oth,
                "x": x,
                "y_covered": round(base - h_c, 1),
                "h_covered": round(h_c, 1),
                "y_likely": round(base - h_c - h_l, 1),
                "h_likely": round(h_l, 1),
                "y_other": round(base - h_c - h_l - h_o, 1),
                "h_other": round(h_o, 1),
                "show_label": i % every == 0 or i == n - 1,
            }
        )
    return {"cols": cols, "col_w": round(col_w, 1), "base": base, "width": width, "height": height}


@cache
def environment() -> Environment:
    """The Jinja2 environment of the HTML report (autoescape always on)."""
    env = Environment(loader=FunctionLoader(_load), autoescape=True, trim_blocks=False, lstrip_blocks=False)
    env.globals.update(bars=bars, columns=columns, version=__version__)
    return env


@cache
def filter_script() -> tuple[str, str]:
    """The inline filter script and its CSP source expression (``'sha256-…'``)."""
    js = template_text("filter.js").strip()
    digest = base64.b64encode(hashlib.sha256(js.encode("utf-8")).digest()).decode("ascii")
    return js, f"sha256-{digest}"


def render_html(model: ReportModel, *, print_: bool = False) -> str:
    """The report as one self-contained HTML document (``print_``: the PDF variant, no script)."""
    js, digest = filter_script()
    return (
        environment()
        .get_template("report.html.j2")
        .render(m=model, print=print_, script=Markup(js), script_hash=digest)
    )
