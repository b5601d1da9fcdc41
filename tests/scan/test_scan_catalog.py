"""The probe catalogue: loads, is read-only (no credentials, no exploit paths), names known fields."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from trueoem.sources.probes import CatalogError, load_catalog, parse_catalog
from trueoem.sources.scan import ScanOptions, parse_ports

DOCS = Path(__file__).resolve().parents[2] / "docs"
CATALOG = Path(__file__).resolve().parents[2] / "src" / "trueoem" / "sources" / "probes" / "catalog.yaml"


def test_catalogue_loads_and_has_every_protocol() -> None:
    cat = load_catalog()
    assert {p.transport for p in cat.probes} == {"tcp", "tls", "http", "rtsp", "onvif"}
    assert {80, 443, 554, 8000, 8080, 8443, 8554, 37777, 34567} <= set(cat.default_ports)


def test_every_request_is_read_only() -> None:
    for p in load_catalog().probes:
        text = f"{p.method} {p.path} {p.action}".lower()
        assert p.method in ("", "GET", "OPTIONS", "DESCRIBE", "POST"), p.name
        assert p.method != "POST" or p.action in ("GetSystemDateAndTime", "GetDeviceInformation"), p.name
        for bad in ("auth=", "weblanguage", "rpc2", "password", "login", "configmanager", "usercheck"):
            assert bad not in text, (p.name, bad)


def test_reads_name_documented_facet_fields() -> None:
    kb_format = (DOCS / "kb-format.md").read_text()
    fields = set(re.findall(r"^\| `([a-z_.]+)`", kb_format, re.M))
    groups = re.findall(r"^\| (`[^|]+`(?:, `[^|]+`)+) \|", kb_format, re.M)
    fields |= {f for group in groups for f in re.findall(r"`([a-z_.]+)`", group)}
    for p in load_catalog().probes:
        for f in p.reads:
            assert f in fields, (p.name, f)


def test_unsafe_entries_are_refused() -> None:
    doc = yaml.safe_load(CATALOG.read_text())
    bad = dict(
        doc,
        probes=[
            {
                "name": "x",
                "transport": "http",
                "ports": [80],
                "records": "http",
                "request": {"method": "GET", "path": "/system/deviceInfo?auth=YWRtaW46MTEK"},
            }
        ],
    )
    with pytest.raises(CatalogError, match="auth="):
        parse_catalog(bad)
    put = dict(
        doc,
        probes=[
            {
                "name": "x",
                "transport": "http",
                "ports": [80],
                "records": "http",
                "request": {"method": "PUT", "path": "/"},
            }
        ],
    )
    with pytest.raises(CatalogError, match="not allowed"):
        parse_catalog(put)
    soap = dict(
        doc,
        probes=[
            {
                "name": "x",
                "transport": "onvif",
                "ports": [80],
                "records": "http",
                "request": {"method": "POST", "path": "/onvif/device_service", "action": "SetUser"},
            }
        ],
    )
    with pytest.raises(CatalogError, match="information call"):
        parse_catalog(soap)


def test_default_ports_are_documented() -> None:
    text = (DOCS / "scan.md").read_text()
    for port in load_catalog().default_ports:
        assert re.search(rf"\|\s*{port}\s*\|", text), f"port {port} not justified in docs/scan.md"


def test_port_specs() -> None:
    assert parse_ports("80,443,8000-8002,80") == (80, 443, 8000, 8001, 8002)
    assert parse_ports("default") == load_catalog().default_ports
    for bad in ("0", "80-70", "http", "70000", "1-"):
        with pytest.raises(ValueError):
            parse_ports(bad)


def test_options_validate() -> None:
    with pytest.raises(ValueError):
        ScanOptions(max_rate=0)
    with pytest.raises(ValueError):
        ScanOptions(intensity=9)
