"""Masscan output: ``-oJ`` (JSON) and ``-oL`` (list), with ``--banners``.

Formats as masscan writes them (src/out-json.c and src/out-text.c of
https://github.com/robertdavidgraham/masscan): ``-oJ`` is an array with one object per line,
``{"ip", "timestamp", "ports": [{"port", "proto", "status", "reason", "ttl"}]}`` for a port and
``{..., "ports": [{"port", "proto", "service": {"name", "banner"}}]}`` for a banner; ``-oL`` lines
are ``open tcp 80 192.0.2.1 1606921390`` and ``banner tcp 80 192.0.2.1 1606921390 http <banner>``
with non-printable bytes written as ``\\xNN``. One line is one port or one banner, in the random
order masscan scans in, so lines are merged per host in a bounded window (:class:`HostWindow`).

Banner services map to observations: ``http`` (the response head) -> ``http``; ``http.server`` ->
an ``http`` Server header; ``title`` -> an ``http`` title; ``X509`` (base64 DER) -> ``tls_cert``;
``rtsp`` -> ``rtsp``; everything else (``ssl``, ``ssh``, ``telnet``, ``ftp`` ...) -> ``banner``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trueoem.sources.imports.base import (
    HostBuilder,
    HostRecord,
    HostWindow,
    iso_time,
    json_records,
    text_lines,
    valid_ip,
)
from trueoem.sources.probes import source_of

_HEXESC = re.compile(r"\\x([0-9A-Fa-f]{2})")


def _unescape(s: str) -> str:
    """masscan's ``normalize_string`` (``\\xNN`` for non-printable and ``<>&\\\\"'``) undone."""
    return _HEXESC.sub(lambda m: chr(int(m.group(1), 16)), s)


def _banner(b: HostBuilder, port: int, service: str, banner: str, seen: str | None) -> None:
    src = source_of(b.ip, port, f"masscan {service}")
    s = service.lower()
    if s == "http" or (banner.startswith("HTTP/") and s != "rtsp"):
        b.add("http", banner, src, seen)
    elif s == "http.server":
        b.add("http", {"headers": [["Server", banner]]}, src, seen)
    elif s == "title":
        b.add("http", {"title": banner}, src, seen)
    elif s == "x509":
        b.add("tls_cert", banner, src, seen)
    elif s == "rtsp" or banner.startswith("RTSP/"):
        b.add("rtsp", banner, src, seen)
    else:
        b.add("banner", banner, src, seen)


def _from_json(obj: dict[str, Any]) -> HostBuilder | str:
    """One -oJ object as a host part, or the reason it is unusable."""
    ip = valid_ip(obj.get("ip"))
    if ip is None:
        return 'no valid "ip"'
    ports = obj.get("ports")
    if not isinstance(ports, list) or not ports:
        return 'no "ports" list'
    seen = iso_time(obj.get("timestamp"))
    b = HostBuilder(ip)
    for p in ports:
        if not isinstance(p, dict):
            return 'a "ports" element is not an object'
        proto = str(p.get("proto") or "tcp")
        if p.get("status") not in (None, "open"):
            continue  # a closed port is not evidence of anything
        port = b.port(p.get("port"), proto, source_of(ip, _int(p.get("port")), f"masscan {proto}"), seen)
        if port is None:
            return f"bad port {p.get('port')!r}"
        svc = p.get("service")
        if isinstance(svc, dict) and isinstance(svc.get("banner"), str):
            _banner(b, port, str(svc.get("name") or ""), svc["banner"], seen)
    return b


def _int(v: object) -> int:
    try:
        return int(str(v))
    except ValueError:
        return 0


def _from_line(line: str) -> HostBuilder | str | None:
    """One -oL line as a host part, None for lines that carry nothing, or the reason it is bad."""
    parts = line.rstrip("\r\n").split(" ", 6)
    if not parts or not parts[0] or parts[0].startswith("#"):
        return None
    what = parts[0]
    if what not in ("open", "closed", "banner"):
        return f"unknown record type {what!r}"
    if len(parts) < 5 or (what == "banner" and len(parts) < 6):
        return "too few fields"
    proto, port_s, ip_s, ts = parts[1], parts[2], parts[3], parts[4]
    ip = valid_ip(ip_s)
    if ip is None:
        return f"bad IP address {ip_s!r}"
    if what == "closed":
        return None
    b = HostBuilder(ip)
    seen = iso_time(ts)
    port = b.port(port_s, proto, source_of(ip, _int(port_s), f"masscan {proto}"), seen)
    if port is None:
        return f"bad port {port_s!r}"
    if what == "banner":
        _banner(b, port, parts[5], _unescape(parts[6] if len(parts) > 6 else ""), seen)
    return b


def read_masscan(path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of a masscan ``-oJ`` or ``-oL`` file (told apart by content; gzip transparent)."""
    window = HostWindow()
    lines = text_lines(path, warn)
    first = ""
    for _n, line in lines:
        if line.strip():
            first = line.strip()
            break
    lines.close()
    if first.startswith(("[", "{")):
        for n, obj in json_records(path, warn, "masscan record"):
            if obj.get("finished") is not None and "ip" not in obj:  # masscan 1.0 end marker
                continue
            part = _from_json(obj)
            if isinstance(part, str):
                warn.append(f"{path}: line {n}: masscan record skipped: {part}")
                continue
            yield from window.add(part)
    else:
        for n, line in text_lines(path, warn):
            res = _from_line(line)
            if res is None:
                continue
            if isinstance(res, str):
                warn.append(f"{path}: line {n}: masscan line skipped: {res}")
                continue
            yield from window.add(res)
    yield from window.flush()
