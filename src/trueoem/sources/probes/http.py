"""HTTP/1.1 requests over raw asyncio streams, parsed with h11, raw bytes kept.

One request per connection (``Connection: close``), ``Host`` set, never an ``Authorization``
header. The answer is recorded as the ``http`` observation the parser reads: the status line and
headers exactly as received, then the body (de-chunked by h11). A device that does not speak HTTP
(garbage, a binary protocol, invalid framing) is recorded as a ``banner`` observation of the raw
bytes, with the h11 error. Reading stops at the end of the message, EOF, the byte cap or the
deadline, whichever comes first; a cut answer is still recorded, with the reason.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import h11

from trueoem.match.facets import decode_bytes
from trueoem.model import Observation
from trueoem.sources.probes import Connect, Limits, Probe, ProbeOutput, close_quietly, now_iso, source_of, stop_reason

USER_AGENT = "trueoem (read-only identification; https://github.com/trueoem)"


@dataclass(slots=True)
class HttpAnswer:
    """One HTTP exchange: what came back, and how reading ended."""

    raw: bytes = b""
    status: int | None = None
    head: bytes = b""
    body: bytes = b""
    complete: bool = False
    error: str = ""
    headers: list[tuple[str, str]] = field(default_factory=list)
    give_up: bool = False  # no connection, or the time cap was hit


def host_header(host: str, port: int, tls: bool) -> str:
    """The Host header value for an address (IPv6 in brackets, default ports omitted)."""
    h = f"[{host}]" if ":" in host else host
    return h if port == (443 if tls else 80) else f"{h}:{port}"


def _head_of(raw: bytes) -> bytes:
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = raw.find(sep)
        if i >= 0:
            return raw[: i + len(sep)]
    return raw


async def http_exchange(
    connect: Connect,
    host: str,
    port: int,
    tls: bool,
    method: str,
    path: str,
    limits: Limits,
    body: bytes = b"",
    extra_headers: tuple[tuple[str, str], ...] = (),
) -> HttpAnswer:
    """Send one request and read the answer within ``limits``; never raises for device behaviour."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.timeout
    ans = HttpAnswer()
    try:
        reader, writer = await asyncio.wait_for(connect(tls), limits.timeout)
    except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
        ans.error = f"connect failed: {type(exc).__name__}: {exc}".rstrip(": ")
        ans.give_up = True
        return ans
    try:
        conn = h11.Connection(our_role=h11.CLIENT, max_incomplete_event_size=64 * 1024)
        headers = [
            ("Host", host_header(host, port, tls)),
            ("User-Agent", USER_AGENT),
            ("Accept", "*/*"),
            ("Connection", "close"),
            *extra_headers,
        ]
        if body or method == "POST":
            headers.append(("Content-Length", str(len(body))))
        out = conn.send(h11.Request(method=method, target=path, headers=headers))
        if body:
            out = (out or b"") + (conn.send(h11.Data(data=body)) or b"")
        out = (out or b"") + (conn.send(h11.EndOfMessage()) or b"")
        writer.write(out)
        await asyncio.wait_for(writer.drain(), max(0.01, deadline - loop.time()))
        raw = bytearray()
        body_buf = bytearray()
        while not ans.complete and not ans.error:
            left = deadline - loop.time()
            if left <= 0:
                ans.error, ans.give_up = stop_reason("timeout", limits), True
                break
            try:
                chunk = await asyncio.wait_for(reader.read(min(65536, limits.max_bytes - len(raw))), left)
            except TimeoutError:
                ans.error, ans.give_up = stop_reason("timeout", limits), True
                break
            raw += chunk
            conn.receive_data(chunk)  # b"" signals EOF to h11
            try:
                while True:
                    ev = conn.next_event()
                    if ev is h11.NEED_DATA or ev is h11.PAUSED:
                        break
                    if isinstance(ev, h11.InformationalResponse):
                        continue
                    if isinstance(ev, h11.Response):
                        ans.status = ev.status_code
                        ans.headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in ev.headers.raw_items()]
                    elif isinstance(ev, h11.Data):
                        body_buf += ev.data
                    elif isinstance(ev, h11.EndOfMessage | h11.ConnectionClosed):
                        ans.complete = True
                        break
            except h11.RemoteProtocolError as exc:
                ans.error = f"not a valid HTTP answer: {exc}"
                break
            if not chunk and not ans.complete:
                ans.error = ans.error or ("connection closed before an answer" if not raw else "answer truncated (EOF)")
                break
            if len(raw) >= limits.max_bytes and not ans.complete:
                ans.error = stop_reason("cap", limits)
                break
        ans.raw = bytes(raw)
        ans.head = _head_of(ans.raw) if ans.status is not None else b""
        ans.body = bytes(body_buf)
    except (OSError, TimeoutError, h11.LocalProtocolError) as exc:
        ans.error = f"{type(exc).__name__}: {exc}"
        ans.give_up = isinstance(exc, TimeoutError)
    finally:
        close_quietly(writer)
    return ans


def record(ans: HttpAnswer, probe: Probe, source: str, out: ProbeOutput) -> None:
    """Turn an answer into observations (and errors) following the catalogue entry."""
    seen = now_iso()
    out.give_up = out.give_up or ans.give_up
    if ans.error:
        out.errors.append(f"{source}: {ans.error}")
    if ans.status is None:
        if ans.raw:  # the port talks, but not HTTP: keep what it said as a banner
            out.observations.append(Observation("banner", decode_bytes(ans.raw), source, seen))
        return
    out.observations.append(Observation(probe.records, decode_bytes(ans.head + ans.body), source, seen))
    if probe.body_kind and 200 <= ans.status < 300 and ans.body:
        text = decode_bytes(ans.body)
        if probe.body_match is None or probe.body_match.search(text[:65536]):
            out.observations.append(Observation(probe.body_kind, text, source, seen))


async def run(connect: Connect, host: str, port: int, tls: bool, probe: Probe, limits: Limits) -> ProbeOutput:
    """Run an ``http`` catalogue probe (a plain GET of its path)."""
    out = ProbeOutput()
    ans = await http_exchange(connect, host, port, tls, probe.method or "GET", probe.path or "/", limits)
    record(ans, probe, source_of(host, port, probe.name), out)
    return out
