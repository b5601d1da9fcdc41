"""Censys hosts: Search 2.0 host view / bulk host records and Censys Platform host assets.

Accepted shapes (one host per line, an array, or a pretty-printed document; gzip transparent):

- Search 2.0 (Legacy Search) host view, alone or wrapped as the API answers it
  (``{"code", "status", "result": {...}}``), search hits (``result.hits``) and bulk snapshot rows:
  ``{"ip", "services": [{"port", "service_name", "extended_service_name", "transport_protocol",
  "banner", "software": [{"vendor", "product", "version", "uniform_resource_identifier"}],
  "http": {"response": {"protocol", "status_code", "status_reason", "headers", "html_title",
  "body"}}, "tls": {"certificates": {"leaf_data": {"subject_dn", "issuer_dn"}}}, "observed_at"}]}``
  (https://docs.censys.com/docs/ls-hosts);
- Censys Platform host (``{"host": {...}}``, or ``{"result": {"resource": {...}}}`` from the
  asset API): ``{"ip", "services": [{"port", "protocol", "transport_protocol", "banner",
  "software"/"hardware": [{"vendor", "product", "version"}], "endpoints": [{"http": {"protocol",
  "status_code", "status_reason", "headers", "html_title", "body"}}], "cert": {"parsed":
  {"subject_dn", "issuer_dn"}}, "hikvision": {...}}]}``
  (https://docs.censys.com/docs/platform-host-dataset).

Mapped to observations: ``banner`` -> ``http``/``rtsp``/``banner`` by content; HTTP responses ->
``http``; the leaf certificate's subject and issuer -> ``tls_cert``; ``software``, ``hardware`` and
the host's ``operating_system`` -> ``description`` (Censys' own identification, with its CPE);
a protocol record such as ``hikvision`` -> ``description`` naming it, plus its model/versions.
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
    header_pairs,
    http_text,
    iso_time,
    json_records,
    text_of,
    valid_ip,
)
from trueoem.sources.probes import source_of

#: Protocol-specific service records that are themselves an identification by Censys (name -> label).
VENDOR_RECORDS = {"hikvision": "Hikvision", "dahua": "Dahua"}


def _hosts(obj: dict[str, Any]) -> list[Any]:
    """The host objects inside one JSON record (unwrapping API envelopes)."""
    for _ in range(3):
        if "ip" in obj and ("services" in obj or "service_count" in obj or "last_updated_at" in obj):
            return [obj]
        inner = obj.get("result", obj.get("host", obj.get("resource")))
        if isinstance(inner, dict):
            if isinstance(inner.get("hits"), list):
                return list(inner["hits"])
            obj = inner
            continue
        if isinstance(inner, list):
            return inner
        break
    return [obj]


def _software(items: Any) -> list[str]:
    out = []
    for s in items if isinstance(items, list) else []:
        if not isinstance(s, dict):
            continue
        words = [text_of(s.get(k)) for k in ("vendor", "product", "version")]
        text = " ".join(w for w in words if w)
        cpe = text_of(s.get("uniform_resource_identifier")) or text_of(s.get("cpe"))
        if cpe:
            text += f" ({cpe})"
        if text:
            out.append(text)
    return out


def _http(resp: Any) -> str | None:
    if not isinstance(resp, dict):
        return None
    status = " ".join(
        x
        for x in (text_of(resp.get("protocol")), text_of(resp.get("status_code")), text_of(resp.get("status_reason")))
        if x
    )
    headers = resp.get("headers")
    if isinstance(headers, dict):
        headers = {k: v for k, v in headers.items() if not str(k).startswith("_")}  # "_encoding" metadata
    pairs = header_pairs(headers)
    body = text_of(resp.get("body"))
    title = text_of(resp.get("html_title"))
    if not body and title:
        body = f"<html><head><title>{title}</title></head></html>"
    if not (pairs or body):
        return None
    return http_text(status or None, pairs, body)


def _service(b: HostBuilder, svc: dict[str, Any], seen_host: str | None) -> str | None:
    port_v = svc.get("port")
    if not isinstance(port_v, int) or not 0 < port_v < 65536:
        return f"service with bad port {port_v!r}"
    name = text_of(svc.get("extended_service_name")) or text_of(svc.get("service_name")) or text_of(svc.get("protocol"))
    seen = iso_time(svc.get("observed_at") or svc.get("scan_time")) or seen_host
    src = source_of(b.ip, port_v, f"censys {(name or 'service').lower()}")
    b.port(port_v, str(svc.get("transport_protocol") or "tcp").lower(), src, seen)
    banner = text_of(svc.get("banner"))
    if banner:
        head = banner.lstrip()[:5]
        kind = "http" if head.startswith("HTTP/") else "rtsp" if head.startswith("RTSP/") else "banner"
        b.add(kind, banner, src, seen)
    b.add("http", _http(dig(svc, "http", "response")), src, seen)
    for ep in svc.get("endpoints") or []:
        b.add("http", _http(dig(ep, "http")), src, seen)
    subj = dig(svc, "tls", "certificates", "leaf_data", "subject_dn") or dig(svc, "cert", "parsed", "subject_dn")
    iss = dig(svc, "tls", "certificates", "leaf_data", "issuer_dn") or dig(svc, "cert", "parsed", "issuer_dn")
    if isinstance(subj, str) and subj:
        b.add("tls_cert", f"subject={subj}; issuer={iss if isinstance(iss, str) else ''}", src, seen)
    for kind in ("software", "hardware"):
        for text in _software(svc.get(kind)):
            b.add("description", f"Censys {kind}: {text}", src, seen)
    for rec, label in VENDOR_RECORDS.items():
        obj = svc.get(rec)
        if isinstance(obj, dict) and obj:
            versions = ", ".join(
                f"{k} {v}" for k, v in obj.items() if isinstance(v, str | int) and k.endswith("version")
            )
            b.add("description", f"Censys protocol record: {label}" + (f" ({versions})" if versions else ""), src, seen)
            b.add("model", text_of(obj.get("device_model") or obj.get("model")), src, seen)
    return None


def host_of(host: Any) -> HostBuilder | str:
    """One Censys host object as a host, or the reason it cannot be read."""
    if not isinstance(host, dict):
        return "host is not a JSON object"
    ip = valid_ip(host.get("ip"))
    if ip is None:
        return 'no valid "ip"'
    b = HostBuilder(ip)
    seen = iso_time(host.get("last_updated_at") or host.get("last_updated"))
    services = host.get("services")
    if services is not None and not isinstance(services, list):
        return '"services" is not a list'
    for svc in services or []:
        if isinstance(svc, dict):
            problem = _service(b, svc, seen)
            if problem:
                return problem
    for text in _software([host.get("operating_system")]):
        b.add("description", f"Censys operating system: {text}", f"{ip} censys", seen)
    return b


def read_censys(path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of a Censys file (gzip transparent); a bad host is reported by line and number."""
    window = HostWindow()
    k = 0
    for n, obj in json_records(path, warn, "Censys record"):
        for host in _hosts(obj):
            k += 1
            part = host_of(host)
            if isinstance(part, str):
                warn.append(f"{path}: line {n}: Censys host {k} skipped: {part}")
                continue
            yield from window.add(part)
    yield from window.flush()
