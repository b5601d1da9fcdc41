"""A bounded TCP reassembler: the first bytes of each one-way stream, in order, despite reordering.

Only a stream's head is wanted (a response's status line, headers and the start of its body, a TLS
server's first flight), so each one-way flow keeps at most ``max_flow_bytes`` of stream offset:
data beyond it, and segments claiming offsets outside that window (bogus sequence numbers), are
dropped. A stream whose first bytes are known not to be something we read (a request, a
ClientHello, binary) is given up at once and its data freed. The number of flows and the bytes held
by all of them are capped; past a cap the least recently active flow is delivered early (evicted).
Flows are delivered (their contiguous head from offset 0 handed to the caller) on FIN or RST, when
the head fills the window, when idle for ``flow_timeout`` seconds of *capture* time, when evicted,
and at the end of the capture.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

FlowKey = tuple[str, int, str, int]  # (source ip, source port, destination ip, destination port)


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps of the reassembler."""

    max_flow_bytes: int = 64 * 1024
    max_flows: int = 8192
    max_total_bytes: int = 48 * 1024 * 1024
    flow_timeout: float = 120.0
    max_segments: int = 256  # out-of-order pieces held per flow


@dataclass(slots=True)
class Flow:
    """One direction of one TCP connection."""

    base: int | None = None  # sequence number of stream offset 0
    syn: bool = False  # base came from a SYN (else from the lowest sequence seen)
    pieces: dict[int, bytes] = field(default_factory=dict)
    held: int = 0
    last: float = 0.0
    first_number: int = 0  # packet number of the first data segment (for sources and warnings)
    dead: bool = False  # given up or delivered: later segments are ignored
    server: bool = False  # the sender answered a SYN (SYN+ACK): this is the server's side


@dataclass(frozen=True, slots=True)
class Stream:
    """A delivered stream head: who sent it, from which port, and the bytes."""

    key: FlowKey
    data: bytes
    number: int
    ts: float
    server: bool = False


def contiguous(pieces: dict[int, bytes], limit: int) -> bytes:
    """The bytes from offset 0 up to the first hole (at most ``limit``)."""
    out = bytearray()
    for off in sorted(pieces):
        if off > len(out):
            break
        chunk = pieces[off]
        if off + len(chunk) > len(out):
            out += chunk[len(out) - off :]
        if len(out) >= limit:
            break
    return bytes(out[:limit])


class Reassembler:
    """Collect TCP segments; :meth:`segment` and :meth:`sweep` yield :class:`Stream` heads when ready.

    ``wanted(head)`` decides from a stream's first bytes (at least 8 of them, or all there are)
    whether it is worth keeping: False frees the flow at once.
    """

    def __init__(self, limits: Limits, wanted: Callable[[bytes], bool | None]) -> None:
        self.limits = limits
        self.wanted = wanted
        self.flows: OrderedDict[FlowKey, Flow] = OrderedDict()
        self.held = 0
        self.evicted = 0
        self.dropped = 0

    def _free(self, fl: Flow) -> None:
        self.held -= fl.held
        fl.held = 0
        fl.pieces = {}

    def _deliver(self, key: FlowKey, fl: Flow, ts: float) -> Stream | None:
        data = contiguous(fl.pieces, self.limits.max_flow_bytes) if fl.pieces else b""
        self._free(fl)
        fl.dead = True
        if data and self.wanted(data[:16]) is not False:
            return Stream(key, data, fl.first_number, ts, fl.server)
        return None

    def close(self, key: FlowKey, ts: float) -> Iterator[Stream]:
        """The sender closed (FIN/RST): deliver and forget the flow."""
        fl = self.flows.pop(key, None)
        if fl is not None and not fl.dead:
            s = self._deliver(key, fl, ts)
            if s:
                yield s

    def segment(self, key: FlowKey, seq: int, flags: int, payload: bytes, ts: float, number: int) -> Iterator[Stream]:
        """Add one segment; yields streams that became ready (this one's, or evicted ones)."""
        lim = self.limits
        fl = self.flows.get(key)
        syn = bool(flags & 0x02)
        if fl is None:
            if not payload and not syn:
                return
            if len(self.flows) >= lim.max_flows:
                yield from self._evict_oldest(ts)
            fl = Flow(last=ts)
            self.flows[key] = fl
        else:
            self.flows.move_to_end(key)
        fl.last = ts
        if fl.dead:
            if flags & 0x05:
                self.flows.pop(key, None)
            return
        if syn:
            fl.server = fl.server or bool(flags & 0x10)
            if not fl.syn:
                fl.base, fl.syn = (seq + 1) & 0xFFFFFFFF, True
                if fl.pieces:  # data seen before the SYN (reordered capture): re-anchor it
                    old = fl.pieces
                    self._free(fl)
                    for off, chunk in old.items():
                        self._add(fl, off, chunk)
        if payload:
            if not fl.first_number:
                fl.first_number = number
            if fl.base is None:
                fl.base = seq
            rel = (seq - fl.base) & 0xFFFFFFFF
            if rel >= 0x80000000 and not fl.syn:  # before the assumed start: move the start back
                shift = 0x100000000 - rel
                if shift < lim.max_flow_bytes and fl.held + len(payload) <= 2 * lim.max_flow_bytes:
                    fl.pieces = {o + shift: c for o, c in fl.pieces.items() if o + shift < lim.max_flow_bytes}
                    before = fl.held
                    fl.held = sum(len(c) for c in fl.pieces.values())
                    self.held += fl.held - before
                    fl.base = seq
                    rel = 0
            self._add(fl, rel, payload)
            head = contiguous(fl.pieces, 16) if 0 in fl.pieces else b""
            if head and (len(head) >= 8 or flags & 0x05):
                verdict = self.wanted(head)
                if verdict is False:
                    self._free(fl)
                    fl.dead = True
                    self.dropped += 1
                    return
            if 0 in fl.pieces and self._full(fl):
                s = self._deliver(key, fl, ts)
                if s:
                    yield s
                return
        if flags & 0x05:  # FIN or RST from this sender
            yield from self.close(key, ts)
            return
        while self.held > lim.max_total_bytes and self.flows:
            yield from self._evict_oldest(ts)

    def _add(self, fl: Flow, rel: int, payload: bytes) -> None:
        cap = self.limits.max_flow_bytes
        if rel >= cap or len(fl.pieces) >= self.limits.max_segments:
            return
        chunk = payload[: cap - rel]
        if rel in fl.pieces and len(fl.pieces[rel]) >= len(chunk):
            return  # a retransmission: the first copy wins
        if fl.held + len(chunk) > 2 * cap:
            return
        old = fl.pieces.get(rel)
        if old is not None:
            fl.held -= len(old)
            self.held -= len(old)
        fl.pieces[rel] = chunk
        fl.held += len(chunk)
        self.held += len(chunk)

    def _full(self, fl: Flow) -> bool:
        return fl.held >= self.limits.max_flow_bytes and len(contiguous(fl.pieces, self.limits.max_flow_bytes)) >= (
            self.limits.max_flow_bytes
        )

    def _evict_oldest(self, ts: float) -> Iterator[Stream]:
        key, fl = self.flows.popitem(last=False)
        self.evicted += 1
        if not fl.dead:
            s = self._deliver(key, fl, ts)
            if s:
                yield s

    def sweep(self, now: float) -> Iterator[Stream]:
        """Deliver flows idle for longer than the timeout (capture time)."""
        limit = now - self.limits.flow_timeout
        while self.flows:
            key, fl = next(iter(self.flows.items()))
            if fl.last >= limit:
                break
            self.flows.popitem(last=False)
            if not fl.dead:
                s = self._deliver(key, fl, now)
                if s:
                    yield s

    def drain(self, now: float) -> Iterator[Stream]:
        """Deliver everything still held (end of capture)."""
        while self.flows:
            key, fl = self.flows.popitem(last=False)
            if not fl.dead:
                s = self._deliver(key, fl, now)
                if s:
                    yield s
