"""Network probes of ``trueoem scan``: the catalogue (data) and the capped stream helpers they share.

The catalogue (``catalog.yaml``) says which request goes to which port at which intensity, and
what observation kind the answer becomes; the modules next to this one (``http``, ``tls``,
``rtsp``, ``onvif``) know how to speak each protocol. Every read is capped in bytes and bounded by
a deadline, so a device that sends 100 MB, trickles a byte a second or never answers costs at most
``max_bytes`` of memory and ``timeout`` seconds. A probe never raises for what a device does: it
returns a :class:`ProbeOutput` with the observations it could make and the errors it met.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from trueoem.model import OBSERVATION_KINDS, Observation

TRANSPORTS = ("tcp", "tls", "http", "rtsp", "onvif")
#: Strings no catalogue request may contain (credentials, exploit and bypass paths).
FORBIDDEN_REQUEST_PARTS = (
    "auth=",
    "/sdk/weblanguage",
    "rpc2_login",
    "password",
    "passwd",
    "configmanager",
    "authorization",
    "usercheck",
    "../",
)

Connect = Callable[[bool], Awaitable[tuple[asyncio.StreamReader, asyncio.StreamWriter]]]
"""Open a connection to the probed port (``True``: inside TLS), rate-limited and time-bounded."""


class CatalogError(ValueError):
    """The probe catalogue is malformed or asks for something a read-only scan must not send."""


@dataclass(frozen=True, slots=True)
class Probe:
    """One catalogue entry."""

    name: str
    transport: str
    ports: tuple[int, ...] | None  # None: every open port
    tls_ports: tuple[int, ...]
    intensity: int
    records: str
    method: str = ""
    path: str = ""
    action: str = ""
    body_kind: str = ""
    body_match: re.Pattern[str] | None = None
    reads: tuple[str, ...] = ()
    source: str = ""

    def applies(self, port: int) -> bool | None:
        """None if the probe does not run on ``port``, else whether it runs inside TLS."""
        if port in self.tls_ports:
            return True
        if self.ports is None or port in self.ports:
            return False
        return None


@dataclass(frozen=True, slots=True)
class Catalog:
    """The probes and the default port set."""

    probes: tuple[Probe, ...]
    default_ports: tuple[int, ...]

    def for_port(self, port: int, intensity: int) -> list[tuple[Probe, bool]]:
        """The request probes (not the connect probe) to run on an open port, with their TLS flag."""
        out = []
        for p in self.probes:
            if p.transport == "tcp" or p.intensity > intensity:
                continue
            tls = p.applies(port)
            if tls is not None:
                out.append((p, tls))
        return out


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps of one probe: bytes read and total seconds."""

    max_bytes: int = 256 * 1024
    timeout: float = 5.0


@dataclass(slots=True)
class ProbeOutput:
    """What one probe saw: observations kept raw, and errors as one-line messages."""

    observations: list[Observation] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    give_up: bool = False  # the port did not connect or hit the time cap: skip its remaining probes


def source_of(host: str, port: int, name: str) -> str:
    """The observation source of a probe answer: ``127.0.0.1:80 http-root``, ``[::1]:80 ...``."""
    return f"[{host}]:{port} {name}" if ":" in host else f"{host}:{port} {name}"


def now_iso() -> str:
    """The current UTC time, ISO 8601 with seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _ports(value: Any, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(p, int) and 0 < p < 65536 for p in value):
        raise CatalogError(f"{where}: ports must be a list of port numbers")
    return tuple(value)


def _check_safe(p: Probe) -> None:
    text = f"{p.method} {p.path} {p.action}".lower()
    bad = [s for s in FORBIDDEN_REQUEST_PARTS if s in text]
    if bad:
        raise CatalogError(f"probe {p.name}: request contains {bad[0]!r}; the catalogue is read-only, no credentials")
    allowed = {"http": {"GET"}, "rtsp": {"OPTIONS", "DESCRIBE"}, "onvif": {"POST"}, "tcp": {""}, "tls": {""}}
    if p.method not in allowed[p.transport]:
        raise CatalogError(f"probe {p.name}: method {p.method!r} is not allowed on {p.transport}")
    if p.transport == "onvif" and p.action not in ("GetSystemDateAndTime", "GetDeviceInformation"):
        raise CatalogError(f"probe {p.name}: ONVIF action {p.action!r} is not an information call")


def parse_catalog(doc: Any) -> Catalog:
    """Validate a catalogue document (the parsed YAML) into a :class:`Catalog`."""
    if not isinstance(doc, dict) or doc.get("schema_version") != 1 or not isinstance(doc.get("probes"), list):
        raise CatalogError("catalogue: expected schema_version: 1 and a list of probes")
    probes: list[Probe] = []
    for i, e in enumerate(doc["probes"]):
        where = f"catalogue probe #{i + 1}"
        if not isinstance(e, dict) or not isinstance(e.get("name"), str):
            raise CatalogError(f"{where}: needs a name")
        where = f"catalogue probe {e['name']}"
        transport = e.get("transport")
        if transport not in TRANSPORTS:
            raise CatalogError(f"{where}: transport must be one of {', '.join(TRANSPORTS)}")
        records = e.get("records")
        if records not in OBSERVATION_KINDS or (e.get("body_kind") and e["body_kind"] not in OBSERVATION_KINDS):
            raise CatalogError(f"{where}: records/body_kind must be observation kinds")
        req = e.get("request") or {}
        raw_ports = e.get("ports")
        p = Probe(
            name=e["name"],
            transport=transport,
            ports=None if raw_ports == "any" else _ports(raw_ports, where),
            tls_ports=_ports(e.get("tls_ports"), where),
            intensity=int(e.get("intensity", 2)),
            records=records,
            method=str(req.get("method", "")).upper(),
            path=str(req.get("path", "")),
            action=str(req.get("action", "")),
            body_kind=str(e.get("body_kind", "")),
            body_match=re.compile(e["body_match"]) if e.get("body_match") else None,
            reads=tuple(e.get("reads") or ()),
            source=str(e.get("source", "")),
        )
        _check_safe(p)
        probes.append(p)
    names = [p.name for p in probes]
    if len(set(names)) != len(names):
        raise CatalogError("catalogue: probe names must be unique")
    return Catalog(tuple(probes), _ports(doc.get("default_ports"), "default_ports"))


@lru_cache(maxsize=1)
def load_catalog() -> Catalog:
    """The packaged probe catalogue, validated."""
    text = resources.files(__package__).joinpath("catalog.yaml").read_text(encoding="utf-8")
    return parse_catalog(yaml.safe_load(text))


async def read_capped(
    reader: asyncio.StreamReader,
    deadline: float,
    max_bytes: int,
    done: Callable[[bytes], bool] = lambda _b: False,
) -> tuple[bytes, str]:
    """Read until ``done(data)``, EOF, ``max_bytes`` or the loop-time ``deadline``.

    Returns the bytes (never more than ``max_bytes``) and why reading stopped: ``"done"``,
    ``"eof"``, ``"cap"``, ``"timeout"`` or ``"error: ..."``.
    """
    loop = asyncio.get_running_loop()
    buf = bytearray()
    while True:
        left = deadline - loop.time()
        if left <= 0:
            return bytes(buf), "timeout"
        try:
            chunk = await asyncio.wait_for(reader.read(min(65536, max_bytes - len(buf))), left)
        except TimeoutError:
            return bytes(buf), "timeout"
        except (OSError, EOFError) as exc:
            return bytes(buf), f"error: {type(exc).__name__}: {exc}"
        if not chunk:
            return bytes(buf), "eof"
        buf += chunk
        if done(bytes(buf)):
            return bytes(buf), "done"
        if len(buf) >= max_bytes:
            return bytes(buf), "cap"


def close_quietly(writer: asyncio.StreamWriter) -> None:
    """Drop a connection at once (no flush, no TLS close_notify wait): probes are done with it."""
    try:
        writer.transport.abort()
    except Exception:  # the transport may already be gone; closing must never fail a probe
        pass


def stop_reason(why: str, limits: Limits) -> str:
    """A one-line description of an abnormal end of reading, or empty for a normal one."""
    if why == "cap":
        return f"answer cut at {limits.max_bytes} bytes (size cap)"
    if why == "timeout":
        return f"answer incomplete after {limits.timeout:g}s (time cap)"
    if why.startswith("error"):
        return why
    return ""
