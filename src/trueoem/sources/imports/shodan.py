"""Shodan banners: JSON Lines as ``shodan download`` writes them (``.json.gz``), gzip or not.

One banner (one service of one host) per line, fields as in Shodan's banner specification
(https://datapedia.shodan.io/): ``ip_str`` (or integer ``ip``), ``port``, ``transport``,
``timestamp``, ``data`` (the raw banner: for HTTP the response head), ``product``, ``version``,
``info``, ``devicetype``, ``os``, ``cpe23``/``cpe``, ``mac`` (``{MAC: {"assignment", "org"}}``),
``http`` (``title``, ``server``, ``html``, ``status``), ``ssl`` (``chain``: PEM certificates;
``cert.subject``/``cert.issuer``), ``_shodan.module`` and protocol objects such as ``hikvision``.

Mapped to observations: ``data`` -> ``http`` (with ``http.html`` as the body) / ``rtsp`` /
``banner``; ``ssl.chain[0]`` (else the cert's subject and issuer) -> ``tls_cert``; ``product``,
``version``, ``info``, ``devicetype``, ``os`` and CPEs -> ``description``; ``mac`` -> ``mac``;
a ``hikvision`` object's model and versions -> ``model``/``firmware``. Banners of one host are
merged into one host record (within a bounded window: :class:`HostWindow`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trueoem.sources.imports.base import (
    HostBuilder,
    HostRecord,
    HostWindow,
    dig,
    iso_time,
    json_records,
    text_of,
    valid_ip,
)
from trueoem.sources.probes import source_of

_NAME_ORDER = ("CN", "OU", "O", "L", "ST", "C")


def _dn(name: Any) -> str | None:
    """Shodan's ``{"CN": .., "O": ..}`` name as an RFC 4514-style string."""
    if isinstance(name, str):
        return name
    if not isinstance(name, dict):
        return None
    keys = [k for k in _NAME_ORDER if k in name] + [k for k in name if k not in _NAME_ORDER]
    parts = [f"{k}={name[k]}" for k in keys if isinstance(name[k], str | int)]
    return ",".join(parts) or None


def _description(banner: dict[str, Any]) -> str:
    parts = []
    for key in ("vendor", "product", "version"):
        v = text_of(banner.get(key))
        if v:
            parts.append(v)
    text = " ".join(parts)
    info = text_of(banner.get("info"))
    if info:
        text += f" ({info})"
    for key, label in (("devicetype", "device type"), ("os", "os")):
        v = text_of(banner.get(key))
        if v:
            text += f"; {label}: {v}"
    cpes = [c for c in (banner.get("cpe23") or banner.get("cpe") or []) if isinstance(c, str)]
    if cpes:
        text += f"; cpe: {' '.join(cpes[:10])}"
    return text.strip(" ;")


def _macs(mac: Any) -> list[str]:
    if isinstance(mac, str):
        return [mac]
    if isinstance(mac, dict):
        return [str(k) for k in mac]
    if isinstance(mac, list):
        return [str(m) for m in mac if isinstance(m, str)]
    return []


def banner_host(banner: dict[str, Any]) -> HostBuilder | str:
    """One Shodan banner as a host part, or the reason it cannot be read."""
    ip = valid_ip(banner.get("ip_str")) or valid_ip(banner.get("ip")) or valid_ip(banner.get("ipv6"))
    if ip is None:
        return 'no valid "ip_str"'
    b = HostBuilder(ip)
    seen = iso_time(banner.get("timestamp"))
    module = text_of(dig(banner, "_shodan", "module")) or "banner"
    port_v = banner.get("port")
    port = port_v if isinstance(port_v, int) and 0 < port_v < 65536 else 0
    src = source_of(ip, port, f"shodan {module}")
    if port:
        b.port(port, banner.get("transport") or "tcp", src, seen)
    elif port_v is not None:
        return f"bad port {port_v!r}"
    data = banner.get("data")
    http_v = banner.get("http")
    http: dict[str, Any] = http_v if isinstance(http_v, dict) else {}
    html = http.get("html") if isinstance(http.get("html"), str) else None
    is_http = isinstance(data, str) and data.lstrip().startswith("HTTP/")
    if is_http and isinstance(data, str):
        # Shodan keeps the response head in data and the page in http.html
        has_body = "\r\n\r\n" in data.rstrip("\r\n") or "\n\n" in data.rstrip("\n")
        b.add("http", data if has_body or not html else data.rstrip("\r\n") + "\r\n\r\n" + html, src, seen)
    elif isinstance(data, str) and data.strip():
        b.add("rtsp" if data.lstrip().startswith("RTSP/") else "banner", data, src, seen)
    if http and not is_http:
        obj: dict[str, Any] = {"headers": [["Server", http["server"]]] if text_of(http.get("server")) else []}
        if text_of(http.get("title")):
            obj["title"] = http["title"]
        if html:
            obj["body"] = html
        if obj["headers"] or len(obj) > 1:
            b.add("http", obj, src, seen)
    chain = dig(banner, "ssl", "chain")
    if isinstance(chain, list) and chain and isinstance(chain[0], str) and "BEGIN CERTIFICATE" in chain[0]:
        b.add("tls_cert", chain[0], src, seen)
    else:
        subj, iss = _dn(dig(banner, "ssl", "cert", "subject")), _dn(dig(banner, "ssl", "cert", "issuer"))
        if subj:
            b.add("tls_cert", f"subject={subj}; issuer={iss or ''}", src, seen)
    desc = _description(banner)
    if desc:
        b.add("description", f"Shodan: {desc}", src, seen)
    for mac in _macs(banner.get("mac")):
        b.set_mac(mac, src, seen)
    hik = banner.get("hikvision")
    if isinstance(hik, dict):  # Shodan's Hikvision module: its presence is Shodan's identification
        versions = ", ".join(f"{k} {v}" for k, v in hik.items() if k.endswith("_version") and text_of(v))
        b.add("description", "Shodan protocol record: Hikvision" + (f" ({versions})" if versions else ""), src, seen)
        b.add("model", text_of(hik.get("device_model")), src, seen)
        b.add("firmware", text_of(hik.get("device_version")), src, seen)
    return b


def read_shodan(path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of a Shodan banner file (``shodan download`` JSON Lines; gzip transparent)."""
    window = HostWindow()
    for n, obj in json_records(path, warn, "Shodan banner"):
        if "matches" in obj and isinstance(obj["matches"], list):  # a saved search API answer
            banners = [m for m in obj["matches"] if isinstance(m, dict)]
        elif "data" in obj and isinstance(obj["data"], list) and "ip_str" in obj:  # a saved host lookup
            banners = [{**m, "ip_str": obj["ip_str"]} for m in obj["data"] if isinstance(m, dict)]
        else:
            banners = [obj]
        for banner in banners:
            part = banner_host(banner)
            if isinstance(part, str):
                warn.append(f"{path}: line {n}: Shodan banner skipped: {part}")
                continue
            yield from window.add(part)
    yield from window.flush()
