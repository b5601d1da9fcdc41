"""ZGrab2 output: JSON Lines, one target per line (https://github.com/zmap/zgrab2).

Each line is ``{"ip", "domain"?, "data": {NAME: {"status", "protocol", "port"?, "result",
"timestamp", "error"?}}}``: ``NAME`` is the module's name (its type unless a multiple-module ini
named it), ``protocol`` its type. Read:

- ``http``: ``result.response`` -> ``http`` (status line, ``headers`` as Go's http.Header with
  lower-case, ``_``-joined names, ``body``), every response of ``redirect_response_chain`` too,
  and the certificate of ``response.request.tls_log`` -> ``tls_cert``;
- ``tls``: ``result.handshake_log.server_certificates.certificate`` (``raw`` base64 DER, else
  ``parsed.subject_dn``/``issuer_dn``) -> ``tls_cert``;
- ``ssh``: ``result.server_id.raw`` -> ``banner``;
- any other module (``banner``, ``ftp``, ``telnet``, ``smtp`` ...): every ``banner`` string of its
  result -> ``banner`` (``rtsp`` when it is an RTSP answer, ``http`` when an HTTP one).

The port is the module's ``port`` when written, else the one in the request URL, else the module's
default. A module that failed without a result adds nothing (not even an open port).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from trueoem.sources.imports.base import (
    HostBuilder,
    HostRecord,
    HostWindow,
    dig,
    header_pairs,
    http_text,
    iso_time,
    json_records,
    text_of,
    valid_ip,
)
from trueoem.sources.probes import source_of

DEFAULT_PORTS = {"http": 80, "tls": 443, "ssh": 22, "ftp": 21, "telnet": 23, "smtp": 25, "banner": 0}


def _pem(raw: str) -> str | None:
    try:
        der = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        return None
    body = base64.encodebytes(der).decode("ascii")
    return f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"


def _cert(cert: Any) -> str | None:
    """A ZCrypto certificate object as PEM, or ``subject=...; issuer=...`` when only parsed."""
    if not isinstance(cert, dict):
        return None
    raw = cert.get("raw")
    if isinstance(raw, str) and (pem := _pem(raw)):
        return pem
    subj, iss = dig(cert, "parsed", "subject_dn"), dig(cert, "parsed", "issuer_dn")
    if isinstance(subj, str):
        return f"subject={subj}; issuer={iss if isinstance(iss, str) else ''}"
    return None


def _response(resp: Any) -> str | None:
    if not isinstance(resp, dict):
        return None
    proto = dig(resp, "protocol", "name")
    status = text_of(resp.get("status_line")) or text_of(resp.get("status_code")) or "200"
    if isinstance(proto, str) and not status.startswith("HTTP/"):
        status = f"{proto} {status}"
    body = resp.get("body")
    return http_text(status, header_pairs(resp.get("headers")), body if isinstance(body, str) else None)


def _port_of(mod: dict[str, Any], proto: str) -> int:
    for v in (mod.get("port"), dig(mod, "result", "port")):
        if isinstance(v, int) and 0 < v < 65536:
            return v
    url = dig(mod, "result", "response", "request", "url")
    if isinstance(url, dict):
        host, scheme = str(url.get("host") or ""), str(url.get("scheme") or "")
        try:
            port = urlsplit(f"//{host}").port
        except ValueError:
            port = None
        if port:
            return port
        if scheme == "https":
            return 443
    return DEFAULT_PORTS.get(proto, 0)


def _banners(obj: Any, depth: int = 0) -> Iterator[str]:
    if depth > 6:
        return
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "banner" and isinstance(v, str):
                yield v
            else:
                yield from _banners(v, depth + 1)
    elif isinstance(obj, list):
        for v in obj[:50]:
            yield from _banners(v, depth + 1)


def _module(b: HostBuilder, name: str, mod: dict[str, Any]) -> None:
    proto = str(mod.get("protocol") or name).lower()
    result = mod.get("result")
    if not isinstance(result, dict) or not result:
        return
    seen = iso_time(mod.get("timestamp"))
    port = _port_of(mod, proto)
    src = source_of(b.ip, port, f"zgrab2 {name}")
    if port:
        b.port(port, "tcp", src, seen)
    if proto == "http":
        for resp in [result.get("response"), *(result.get("redirect_response_chain") or [])]:
            text = _response(resp)
            if text:
                b.add("http", text, src, seen)
        cert = dig(result, "response", "request", "tls_log", "handshake_log", "server_certificates", "certificate")
        b.add("tls_cert", _cert(cert), src, seen)
    elif proto == "tls":
        b.add("tls_cert", _cert(dig(result, "handshake_log", "server_certificates", "certificate")), src, seen)
    elif proto == "ssh":
        b.add("banner", text_of(dig(result, "server_id", "raw")), src, seen)
    else:
        for banner in _banners(result):
            head = banner.lstrip()[:5]
            kind = "rtsp" if head.startswith("RTSP/") else "http" if head.startswith("HTTP/") else "banner"
            b.add(kind, banner, src, seen)


def read_zgrab2(path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of a ZGrab2 JSON Lines file (gzip transparent)."""
    window = HostWindow()
    for n, obj in json_records(path, warn, "zgrab2 record"):
        ip = valid_ip(obj.get("ip"))
        data = obj.get("data")
        if ip is None:
            warn.append(f'{path}: line {n}: zgrab2 record skipped: no valid "ip"')
            continue
        if not isinstance(data, dict):
            warn.append(f'{path}: line {n}: zgrab2 record skipped: no "data" object')
            continue
        b = HostBuilder(ip)
        for name, mod in data.items():
            if isinstance(mod, dict):
                _module(b, str(name), mod)
        if b.ports or b.observations:
            yield from window.add(b)
    yield from window.flush()
