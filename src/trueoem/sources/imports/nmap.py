"""Nmap XML output (``-oX``, https://nmap.org/book/output-formats-xml-output.html).

Read per ``<host>`` with defusedxml's iterparse (each host is dropped once read, so a file of any
size streams). From each host: the IPv4/IPv6 address, the MAC address and the vendor Nmap gave it,
open ports (``open_port``), each service's ``product``/``version``/``extrainfo``/``devicetype``
and CPEs (a ``description``), the raw probe answers of an unrecognised service's ``servicefp``
(``GetRequest`` -> ``http``, ``RTSPRequest`` -> ``rtsp``, others -> ``banner``), and NSE output:
``ssl-cert`` (its PEM -> ``tls_cert``), ``http-headers``/``http-title``/``http-server-header``
(-> ``http``), ``rtsp-methods`` (-> ``rtsp``), ``upnp-info`` (-> ``ssdp_description``),
``wsdd-discover`` (-> ``ws_discovery``); the broadcast scripts ``broadcast-wsdd-discover`` and
``broadcast-upnp-info`` (in ``<prescript>``) give observations to the hosts they name, and hosts
of their own when those were not scanned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml.ElementTree import iterparse

from trueoem.sources.imports.base import HostBuilder, HostRecord, ImportFileError, iso_time, open_binary, valid_ip
from trueoem.sources.probes import source_of

_PROBE = re.compile(r"%r\(([A-Za-z0-9_]+),([0-9A-Fa-f]+),\"((?:[^\"\\]|\\.)*)\"\)", re.S)
_ESC = re.compile(r"\\(x[0-9A-Fa-f]{2}|.)", re.S)
_IP_LINE = re.compile(r"^\s*\|?\s*(\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f:]*:[0-9A-Fa-f:]+)\s*$")
_UPNP_KEYS = {
    "server": "server",
    "location": "location",
    "webserver": "webserver",
    "name": "friendlyName",
    "manufacturer": "manufacturer",
    "model descr": "modelDescription",
    "model name": "modelName",
    "model version": "modelNumber",
    "model number": "modelNumber",
    "serial number": "serialNumber",
}
_ESCAPES = {"r": "\r", "n": "\n", "t": "\t", "0": "\0"}


def _unescape(s: str) -> str:
    """Nmap's service-fingerprint escaping (``\\xNN``, ``\\r``, ``\\n``, ``\\.``) undone."""

    def one(m: re.Match[str]) -> str:
        g = m.group(1)
        if g.startswith("x") and len(g) == 3:
            return chr(int(g[1:], 16))  # Latin-1: every byte maps to one character
        return _ESCAPES.get(g, g)

    return _ESC.sub(one, s)


def probe_answers(servicefp: str) -> dict[str, str]:
    """``{probe name: raw answer}`` of a ``servicefp`` attribute (the ``SF:`` line prefixes removed)."""
    text = re.sub(r"\n?SF:", "", servicefp)
    return {m.group(1): _unescape(m.group(3)) for m in _PROBE.finditer(text)}


def _kind_of_answer(probe: str, answer: str) -> str:
    head = answer.lstrip()[:8]
    if head.startswith("RTSP/"):
        return "rtsp"
    if head.startswith("HTTP/"):
        return "http"
    return "banner"


def _script_lines(output: str) -> list[tuple[int, str]]:
    """``(indent, text)`` of a script's text output, blank lines dropped."""
    out = []
    for line in output.splitlines():
        if line.strip():
            out.append((len(line) - len(line.lstrip()), line.strip()))
    return out


def _headers_text(output: str) -> list[tuple[str, str]]:
    pairs = []
    for _, line in _script_lines(output):
        if line.startswith("(Request type"):
            continue
        k, sep, v = line.partition(":")
        if sep and k and " " not in k.strip():
            pairs.append((k.strip(), v.strip()))
    return pairs


def _upnp_text(lines: list[tuple[int, str]]) -> str:
    """upnp-info lines as ``key: value`` lines the ssdp_description parser maps to model/manufacturer."""
    out = []
    for _, line in lines:
        k, sep, v = line.partition(":")
        key = _UPNP_KEYS.get(k.strip().lower())
        if sep and key and v.strip():
            out.append(f"{key}: {v.strip()}")
    return "\n".join(out)


def _wsdd_text(lines: list[tuple[int, str]]) -> str:
    """wsdd-discover lines as the ``Types``/``XAddrs`` fields of a WS-Discovery ProbeMatch."""
    out = []
    for _, line in lines:
        k, sep, v = line.partition(":")
        key = k.strip().lower()
        if sep and key == "type":
            out.append(f"Types: {v.strip()}")
        elif sep and key == "address":
            out.append(f"XAddrs: {v.strip()}")
        elif sep and key in ("scopes", "scope"):
            out.append(f"Scopes: {v.strip()}")
    return "\n".join(out)


def _per_ip_blocks(output: str) -> dict[str, list[tuple[int, str]]]:
    """Broadcast script output split into the blocks under each IP address line."""
    blocks: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    level = 0
    for indent, line in _script_lines(output):
        m = _IP_LINE.match(line)
        ip = valid_ip(m.group(1)) if m else None
        if ip:
            current, level = ip, indent
            blocks.setdefault(ip, [])
        elif current is not None and indent > level:
            blocks[current].append((indent, line))
        else:
            current = None
    return blocks


def _broadcast(script: Element, found: dict[str, HostBuilder], seen: str | None) -> None:
    sid = script.get("id", "")
    if sid not in ("broadcast-wsdd-discover", "broadcast-upnp-info"):
        return
    for ip, lines in _per_ip_blocks(script.get("output", "")).items():
        b = found.setdefault(ip, HostBuilder(ip))
        src = f"{ip} nmap {sid}"
        if sid == "broadcast-wsdd-discover":
            b.add("ws_discovery", _wsdd_text(lines), src, seen)
        else:
            b.add("ssdp_description", _upnp_text(lines), src, seen)


def _service(b: HostBuilder, ip: str, port: int, svc: Element, seen: str | None) -> None:
    src = source_of(ip, port, "nmap service")
    parts = [svc.get(k) for k in ("product", "version")]
    desc = " ".join(p for p in parts if p)
    if svc.get("extrainfo"):
        desc += f" ({svc.get('extrainfo')})"
    if svc.get("devicetype"):
        desc += f"; device type: {svc.get('devicetype')}"
    cpes = [c.text.strip() for c in svc.findall("cpe") if c.text and c.text.strip()]
    if cpes:
        desc += f"; cpe: {' '.join(cpes)}"
    if desc.strip():
        b.add("description", desc.strip(" ;"), src, seen)
    fp = svc.get("servicefp")
    if fp:
        for probe, answer in probe_answers(fp).items():
            if probe in ("FourOhFourRequest", "HTTPOptions") or not answer.strip():
                continue  # error pages of paths we did not ask for add nothing the GetRequest lacks
            b.add(_kind_of_answer(probe, answer), answer, source_of(ip, port, f"nmap probe {probe}"), seen)


def _elems(script: Element) -> dict[str, str]:
    return {e.get("key", ""): (e.text or "") for e in script.iter("elem") if e.get("key")}


def _port_scripts(b: HostBuilder, ip: str, port: int, proto: str, el: Element, seen: str | None) -> None:
    headers: list[tuple[str, str]] = []
    title: str | None = None
    for script in el.findall("script"):
        sid, output = script.get("id", ""), script.get("output", "")
        src = source_of(ip, port, f"nmap {sid}")
        if sid == "ssl-cert":
            pem = _elems(script).get("pem")
            if pem and "BEGIN CERTIFICATE" in pem:
                b.add("tls_cert", pem, src, seen)
            else:  # older Nmap without the structured table: the text has Subject:/Issuer: lines
                kv = [ln.partition(":") for _, ln in _script_lines(output)]
                names = {k.strip().lower(): v.strip().replace("/", ",") for k, _, v in kv}
                if names.get("subject"):
                    b.add("tls_cert", f"subject={names['subject']}; issuer={names.get('issuer', '')}", src, seen)
        elif sid == "http-headers":
            headers += _headers_text(output)
        elif sid == "http-server-header":
            if not any(k.lower() == "server" for k, _ in headers):
                headers.append(("Server", output.strip()))
        elif sid == "http-title":
            t = _script_lines(output)
            if t and not t[0][1].startswith(("Site doesn't have a title", "Did not follow redirect")):
                title = t[0][1]
        elif sid == "rtsp-methods":
            b.add("rtsp", f"RTSP/1.0 200 OK\r\nPublic: {output.strip()}\r\n\r\n", src, seen)
        elif sid == "upnp-info":
            b.add("ssdp_description", _upnp_text(_script_lines(output)), src, seen)
        elif sid == "wsdd-discover":
            b.add("ws_discovery", _wsdd_text(_script_lines(output)), src, seen)
        elif sid == "fingerprint-strings" and el.find("service[@servicefp]") is None:
            for probe, answer in _elems(script).items():
                if "GetRequest" in probe:
                    b.add("banner", answer.replace("\n    ", "\n").strip(), src, seen)
    if headers or title:
        obj: dict[str, Any] = {"headers": [list(h) for h in headers]}
        if title:
            obj["title"] = title
        b.add("http", obj, source_of(ip, port, "nmap http-headers"), seen)


def _host(el: Element, seen_default: str | None) -> HostBuilder | None:
    ip = mac = vendor = None
    for a in el.findall("address"):
        t = a.get("addrtype", "")
        if t in ("ipv4", "ipv6") and ip is None:
            ip = valid_ip(a.get("addr"))
        elif t == "mac":
            mac, vendor = a.get("addr"), a.get("vendor")
    if ip is None:
        return None
    seen = iso_time(el.get("endtime") or el.get("starttime")) or seen_default
    b = HostBuilder(ip)
    if mac:
        b.set_mac(mac, f"{ip} nmap mac", seen)
        if vendor:
            b.add("description", f"MAC vendor (Nmap): {vendor}", f"{ip} nmap mac", seen)
    for port in el.iterfind("ports/port"):
        state = port.find("state")
        if state is None or state.get("state") not in ("open", "open|filtered"):
            continue
        proto = port.get("protocol", "tcp")
        p = b.port(port.get("portid"), proto, source_of(ip, int(port.get("portid") or 0), f"nmap {proto}"), seen)
        if p is None:
            continue
        svc = port.find("service")
        if svc is not None:
            _service(b, ip, p, svc, seen)
        _port_scripts(b, ip, p, proto, port, seen)
    best = max(el.iterfind("os/osmatch"), key=lambda m: int(m.get("accuracy") or 0), default=None)
    if best is not None and int(best.get("accuracy") or 0) >= 95 and best.get("name"):
        b.add("description", f"OS (Nmap guess): {best.get('name')}", f"{ip} nmap os", seen)
    return b


def read_nmap(path: Path, warn: list[str]) -> Iterator[HostRecord]:
    """Hosts of an Nmap XML file (gzip transparent). A bad ``<host>`` is reported by its number."""
    fh = open_binary(path)
    found: dict[str, HostBuilder] = {}  # hosts named by broadcast scripts, waiting for their <host>
    n = 0
    root: Element | None = None
    seen_default: str | None = None
    try:
        try:
            for event, el in iterparse(fh, events=("start", "end")):
                if event == "start":
                    if root is None:
                        root = el
                        if el.tag != "nmaprun":
                            raise ImportFileError(f"{path}: not Nmap XML (root element <{el.tag}>)")
                        seen_default = iso_time(el.get("start"))
                    continue
                if el.tag == "prescript" or el.tag == "postscript":
                    for script in el.findall("script"):
                        _broadcast(script, found, seen_default)
                    if root is not None:
                        root.clear()
                elif el.tag == "host":
                    n += 1
                    b = _host(el, seen_default)
                    if root is not None:
                        root.clear()
                    if b is None:
                        warn.append(f"{path}: host record {n}: no IPv4/IPv6 address, skipped")
                        continue
                    extra = found.pop(b.ip, None)
                    if extra is not None:
                        b.merge(extra)
                    if b.ports or b.observations:
                        yield b.record()
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else "?"
            if root is None:
                raise ImportFileError(f"{path}: not Nmap XML ({exc})") from exc
            warn.append(f"{path}: line {line}: XML breaks after host record {n} ({exc}); hosts before it were kept")
        except (OSError, EOFError) as exc:
            warn.append(f"{path}: unreadable after host record {n} ({exc}); hosts before it were kept")
        except Exception as exc:  # defusedxml refusals (entities, external references) and the like
            if isinstance(exc, ImportFileError):
                raise
            warn.append(f"{path}: refused after host record {n} ({type(exc).__name__}: {exc})")
    finally:
        fh.close()
    for b in found.values():
        if b.observations:
            yield b.record()
