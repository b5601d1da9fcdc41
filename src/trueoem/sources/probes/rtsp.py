"""RTSP/1.0 OPTIONS and DESCRIBE without credentials (RFC 2326).

The answer's status line and headers (``Server``, ``WWW-Authenticate``, ``Public``) are the tells;
a DESCRIBE that is not refused also returns an SDP body, read up to ``Content-Length`` within the
caps. Recorded as an ``rtsp`` observation, raw; a port that answers something else is recorded
as a ``banner``.
"""

from __future__ import annotations

import asyncio
import re

from trueoem.match.facets import decode_bytes
from trueoem.model import Observation
from trueoem.sources.probes import (
    Connect,
    Limits,
    Probe,
    ProbeOutput,
    close_quietly,
    now_iso,
    read_capped,
    source_of,
    stop_reason,
)
from trueoem.sources.probes.http import USER_AGENT

_CLEN = re.compile(rb"\r?\ncontent-length\s*:\s*(\d{1,9})", re.I)


def _complete(data: bytes) -> bool:
    for sep in (b"\r\n\r\n", b"\n\n"):
        i = data.find(sep)
        if i >= 0:
            m = _CLEN.search(data[:i])
            return len(data) - (i + len(sep)) >= (int(m.group(1)) if m else 0)
    return False


def request(method: str, host: str, port: int, path: str) -> bytes:
    """An RTSP request with CSeq and User-Agent, no Authorization."""
    h = f"[{host}]" if ":" in host else host
    url = "*" if path == "*" else f"rtsp://{h}:{port}{path}"
    extra = "Accept: application/sdp\r\n" if method == "DESCRIBE" else ""
    return f"{method} {url} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: {USER_AGENT}\r\n{extra}\r\n".encode("ascii")


async def run(connect: Connect, host: str, port: int, tls: bool, probe: Probe, limits: Limits) -> ProbeOutput:
    """Send the catalogue's RTSP request and record the answer."""
    out = ProbeOutput()
    source = source_of(host, port, probe.name)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limits.timeout
    try:
        reader, writer = await asyncio.wait_for(connect(tls), limits.timeout)
    except (OSError, TimeoutError) as exc:
        out.errors.append(f"{source}: connect failed: {type(exc).__name__}")
        out.give_up = True
        return out
    try:
        writer.write(request(probe.method, host, port, probe.path or "/"))
        await asyncio.wait_for(writer.drain(), max(0.01, deadline - loop.time()))
        data, why = await read_capped(reader, deadline, limits.max_bytes, _complete)
    except (OSError, TimeoutError) as exc:
        out.errors.append(f"{source}: {type(exc).__name__}: {exc}")
        return out
    finally:
        close_quietly(writer)
    out.give_up = why == "timeout"
    problem = stop_reason(why, limits)
    if problem:
        out.errors.append(f"{source}: {problem}")
    if not data:
        if why == "eof":
            out.errors.append(f"{source}: connection closed without an answer")
        return out
    kind = probe.records if data.lstrip()[:5] == b"RTSP/" else "banner"
    if kind == "banner":
        out.errors.append(f"{source}: not an RTSP answer")
    out.observations.append(Observation(kind, decode_bytes(data), source, now_iso()))
    return out
