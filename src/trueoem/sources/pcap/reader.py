"""Stream the packets of a pcap or pcapng file, plain or gzip-compressed, in bounded memory.

The file is attacker-controlled: every length is checked before it is used. A packet longer than
:data:`MAX_PACKET` is kept up to that size and the rest is skipped in chunks; a record or block
whose length is not plausible (or a file cut short, or broken gzip) ends the file with one warning
naming the file and the packet number, after everything read so far has been yielded.

Formats: libpcap (micro- and nanosecond magics, either byte order) and pcapng (section header,
interface description with ``if_tsresol``, enhanced, simple and obsolete packet blocks; other
blocks are skipped). Packets are numbered from 1, as Wireshark numbers them.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

MAX_PACKET = 256 * 1024  # bytes of one packet kept
MAX_RECORD = 64 * 1024 * 1024  # a pcap record or pcapng block longer than this is corruption
_CHUNK = 64 * 1024

PCAP_MAGICS: dict[bytes, tuple[str, float]] = {
    b"\xd4\xc3\xb2\xa1": ("<", 1e-6),
    b"\xa1\xb2\xc3\xd4": (">", 1e-6),
    b"\x4d\x3c\xb2\xa1": ("<", 1e-9),
    b"\xa1\xb2\x3c\x4d": (">", 1e-9),
}
PCAPNG_SHB = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"


class CaptureError(Exception):
    """The file is not a capture this reader knows (raised before any packet is yielded)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One captured packet: its number in the file, time (seconds), link type and bytes."""

    number: int
    ts: float
    linktype: int
    data: bytes


def _read_capped(f: BinaryIO, n: int, keep: int) -> tuple[bytes, bool]:
    """Read ``n`` bytes, keeping the first ``keep``; ``(kept, complete)``."""
    data = f.read(min(n, keep))
    if len(data) < min(n, keep):
        return data, False
    left = n - len(data)
    while left > 0:
        got = f.read(min(left, _CHUNK))
        if not got:
            return data, False
        left -= len(got)
    return data, True


def open_capture(path: Path) -> BinaryIO:
    """Open ``path`` for reading, through gzip when it starts with the gzip magic."""
    f: BinaryIO = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    head = f.read(2)
    f.seek(0)
    if head == GZIP_MAGIC:
        f.close()
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a binary file object
    return f


def frames(path: Path, warn: list[str]) -> Iterator[Frame]:
    """Yield every packet of ``path``; problems go to ``warn`` as one line each.

    Raises :class:`CaptureError` (or ``OSError``) only before the first packet: an unknown magic, an
    unreadable file. Anything that goes wrong later ends the file with a warning.
    """
    f = open_capture(path)
    try:
        try:
            magic = f.read(4)
        except (OSError, EOFError, zlib.error) as exc:
            raise CaptureError(f"{path}: cannot read: {exc}") from exc
        if magic in PCAP_MAGICS:
            yield from _guard(path, _pcap(f, magic, path, warn), warn)
        elif magic == PCAPNG_SHB:
            yield from _guard(path, _pcapng(f, path, warn), warn)
        else:
            raise CaptureError(f"{path}: not a pcap or pcapng capture (magic {magic.hex() or 'empty'})")
    finally:
        f.close()


def _guard(path: Path, it: Iterator[Frame], warn: list[str]) -> Iterator[Frame]:
    """Turn a read error in the middle of the file (broken gzip, I/O) into a warning."""
    last = 0
    try:
        for fr in it:
            last = fr.number
            yield fr
    except (OSError, EOFError, zlib.error, struct.error) as exc:
        warn.append(f"{path}: packet {last + 1}: read error, rest of file skipped: {exc}")


def _pcap(f: BinaryIO, magic: bytes, path: Path, warn: list[str]) -> Iterator[Frame]:
    order, unit = PCAP_MAGICS[magic]
    head = f.read(20)
    if len(head) < 20:
        warn.append(f"{path}: packet 1: pcap header cut short")
        return
    linktype = struct.unpack(order + "HHiIII", head)[5] & 0xFFFF
    rec = struct.Struct(order + "IIII")
    n = 0
    while True:
        hdr = f.read(16)
        if not hdr:
            return
        n += 1
        if len(hdr) < 16:
            warn.append(f"{path}: packet {n}: record header cut short, end of file")
            return
        sec, frac, incl, _orig = rec.unpack(hdr)
        if incl > MAX_RECORD:
            warn.append(f"{path}: packet {n}: implausible length {incl}, rest of file skipped")
            return
        data, complete = _read_capped(f, incl, MAX_PACKET)
        if data:
            yield Frame(n, sec + frac * unit, linktype, data)
        if not complete:
            warn.append(f"{path}: packet {n}: cut short ({len(data)} of {incl} bytes), end of file")
            return


def _tsresol(options: bytes, order: str) -> float:
    """The ``if_tsresol`` option of an interface description block (default microseconds)."""
    i = 0
    while i + 4 <= len(options):
        code, length = struct.unpack_from(order + "HH", options, i)
        if code == 0:
            break
        if code == 9 and length >= 1 and i + 5 <= len(options):
            v = options[i + 4]
            exp = v & 0x7F
            return float(2.0**-exp if v & 0x80 else 10.0**-exp) if exp < 64 else 1e-6
        i += 4 + ((length + 3) & ~3)
    return 1e-6


def _pcapng(f: BinaryIO, path: Path, warn: list[str]) -> Iterator[Frame]:
    order = "<"
    ifaces: list[tuple[int, float]] = []
    n = 0
    btype_raw = PCAPNG_SHB
    while True:
        if btype_raw == b"":
            btype_raw = f.read(4)
            if not btype_raw:
                return
        if len(btype_raw) < 4:
            warn.append(f"{path}: packet {n + 1}: block header cut short, end of file")
            return
        raw_len = f.read(4)
        if len(raw_len) < 4:
            warn.append(f"{path}: packet {n + 1}: block header cut short, end of file")
            return
        if btype_raw == PCAPNG_SHB:  # a section header: its byte-order magic decides the order
            bom = f.read(4)
            if bom == b"\x4d\x3c\x2b\x1a":
                order = "<"
            elif bom == b"\x1a\x2b\x3c\x4d":
                order = ">"
            else:
                warn.append(f"{path}: packet {n + 1}: bad pcapng byte-order magic, rest of file skipped")
                return
            ifaces = []
            blen = struct.unpack(order + "I", raw_len)[0]
            if blen < 28 or blen > MAX_RECORD:
                warn.append(f"{path}: packet {n + 1}: implausible section header length {blen}, rest skipped")
                return
            _body, ok = _read_capped(f, blen - 12, 0)
            if not ok:
                warn.append(f"{path}: packet {n + 1}: section header cut short, end of file")
                return
            btype_raw = b""
            continue
        btype = struct.unpack(order + "I", btype_raw)[0]
        blen = struct.unpack(order + "I", raw_len)[0]
        if blen < 12 or blen > MAX_RECORD:
            warn.append(f"{path}: packet {n + 1}: implausible block length {blen}, rest of file skipped")
            return
        body_len = blen - 8  # body plus the trailing length copy
        is_packet = btype in (2, 3, 6)
        keep = MAX_PACKET + 32 if is_packet else (65536 if btype == 1 else 0)
        body, complete = _read_capped(f, body_len, keep)
        if is_packet:
            n += 1
        btype_raw = b""
        if btype == 1 and len(body) >= 8:
            lt = struct.unpack_from(order + "H", body, 0)[0]
            ifaces.append((lt, _tsresol(body[8:-4] if complete else body[8:], order)))
        elif is_packet:
            fr = _packet_block(btype, body, complete, order, ifaces, n)
            if fr is None:
                warn.append(f"{path}: packet {n}: malformed packet block skipped")
            elif fr.data:
                yield fr
        if not complete:
            warn.append(f"{path}: packet {n or 1}: block cut short, end of file")
            return


def _packet_block(
    btype: int, body: bytes, complete: bool, order: str, ifaces: list[tuple[int, float]], n: int
) -> Frame | None:
    """One enhanced (6), simple (3) or obsolete (2) packet block as a frame, or None if malformed."""
    if btype == 6:
        if len(body) < 20:
            return None
        iface, hi, lo, caplen, _orig = struct.unpack_from(order + "IIIII", body, 0)
        start = 20
    elif btype == 2:
        if len(body) < 20:
            return None
        iface, _drops, hi, lo, caplen, _orig = struct.unpack_from(order + "HHIIII", body, 0)
        start = 20
    else:
        if len(body) < 4:
            return None
        iface, hi, lo = 0, 0, 0
        caplen = struct.unpack_from(order + "I", body, 0)[0]
        start = 4
    if iface >= len(ifaces):
        return None
    linktype, resol = ifaces[iface]
    avail = len(body) - start - (4 if complete else 0)
    data = body[start : start + max(0, min(caplen, avail, MAX_PACKET))]
    return Frame(n, ((hi << 32) | lo) * resol, linktype, data)
