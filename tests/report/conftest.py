"""Report fixtures: frozen attribution records, a fixed clock, hostile records, and golden-file comparison.

Golden files live in ``tests/report/golden``. Regenerate them after an intended change with
``TRUEOEM_UPDATE_GOLDEN=1 pytest tests/report`` and review the diff.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from trueoem import __version__
from trueoem.model import Observation
from trueoem.report.data import ReportModel, build_model

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
JS_URL = "javascript:alert(1)"
LINK = f"[click]({JS_URL}) ![x](http://203.0.113.9/x.png)"
BIDI = "cam\u202eexe.gpj\u202c\u2066\u200b"
NEWLINES = "x\n# Injected heading\n| a | b |\n"
PAYLOADS = (SCRIPT, IMG, JS_URL, LINK, BIDI, NEWLINES)
ALL = " ".join(PAYLOADS)


def records() -> list[dict[str, Any]]:
    """The frozen records every golden file is made from (covered, likely, not covered, unknown, scan)."""
    return [json.loads(line) for line in (HERE / "data" / "records.jsonl").read_text(encoding="utf-8").splitlines()]


def hostile_records() -> list[dict[str, Any]]:
    """Records whose every device-provided string carries script, markup, URL and bidi payloads."""
    ev = {
        "rule": f"rule {SCRIPT}",
        "kind": f"http.server {IMG}",
        "matched": ALL,
        "claim": "oem:hikvision",
        "weight": 6.0,
        "source": f"{LINK} {SCRIPT}",
        "from": f"{IMG}:80",
        "note": ALL,
        "extracted": {"model": SCRIPT},
    }
    base = {
        "verdict": "covered",
        "oem": "hikvision",
        "oem_name": f"Hikvision {SCRIPT}",
        "confidence": 0.97,
        "label_brand": f"Brand {IMG} {BIDI}",
        "white_label": True,
        "legal_basis": f"basis {LINK}",
        "model": f"DS-{SCRIPT}{NEWLINES}",
        "category": f"camera {IMG}",
        "platform": [SCRIPT],
        "evidence": [ev],
        "alternatives": [{"oem": "dahua", "name": f"Dahua {SCRIPT}", "covered": True, "probability": 0.02}],
        "conflicts": [ALL],
        "notes": [ALL],
        "kb_version": "test",
    }
    return [
        {"id": f"host {SCRIPT}", "ip": "192.0.2.7", "mac": f"aa:bb {IMG}", "ports": [80, SCRIPT], **base},
        {**base, "id": f"row {IMG}", "verdict": "likely_covered", "confidence": 0.6, "site": f"site {SCRIPT}"},
        {**base, "id": f"{BIDI}", "verdict": "unknown", "label_brand": None, "oem": None, "oem_name": None},
    ]


def hostile_observations() -> dict[str, list[Observation]]:
    """Raw observations of the hostile host: Server header, HTML title, ONVIF, TLS subject, SSDP name."""
    return {
        f"host {SCRIPT}": [
            Observation(
                "http", f"HTTP/1.1 200 OK\r\nServer: {SCRIPT}\r\n\r\n<html><title>{IMG}</title></html>", "192.0.2.7:80"
            ),
            Observation("onvif_device_information", f"<Manufacturer>{SCRIPT}{BIDI}</Manufacturer>", "192.0.2.7:80"),
            Observation("tls_cert", f"subject=CN={IMG},O={JS_URL}", "192.0.2.7:443"),
            Observation("ssdp_description", f"<friendlyName>{LINK}{NEWLINES}</friendlyName>", "192.0.2.7:1900"),
            Observation("mac", f"aa:bb:cc:dd:ee:ff{SCRIPT}", "arp"),
            Observation("fcc_id", f"2ABCD-{IMG}", "label"),
            Observation("firmware", f"V5 {SCRIPT}", "onvif"),
        ]
    }


@pytest.fixture
def model() -> ReportModel:
    """The golden model: frozen records, a fixed clock."""
    return build_model(records(), title="Golden report", generated_at=NOW, source="tests/report/data/records.jsonl")


@pytest.fixture
def hostile() -> ReportModel:
    """A model made of hostile records (title included)."""
    return build_model(
        hostile_records(),
        title=f"Report {SCRIPT}",
        generated_at=NOW,
        source=f"file {IMG}",
        observations=hostile_observations(),
        seen_at={f"host {SCRIPT}": NOW},
    )


@pytest.fixture
def golden() -> Callable[[str, str], None]:
    """Compare text with ``golden/<name>``; with ``TRUEOEM_UPDATE_GOLDEN=1`` write it instead."""

    def check(name: str, text: str) -> None:
        text = text.replace(f"trueoem {__version__}", "trueoem VERSION").replace(f'"{__version__}"', '"VERSION"')
        path = GOLDEN / name
        if os.environ.get("TRUEOEM_UPDATE_GOLDEN"):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run with TRUEOEM_UPDATE_GOLDEN=1 to create it"
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from its golden file; if intended, rerun with TRUEOEM_UPDATE_GOLDEN=1"

    return check
