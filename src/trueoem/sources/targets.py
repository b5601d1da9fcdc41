"""Scan targets: IPs, CIDRs, ranges, hostnames and IPv6 literals to an ordered list of addresses.

Accepted forms (one per argument, or one per line of an ``-iL`` file, ``#`` starts a comment):
``10.0.0.1``, ``10.0.0.0/24``, ``10.0.0.1-50`` (last-octet range), ``10.0.0.1-10.0.0.50`` (full
range), ``2001:db8::1``, ``2001:db8::/120``, ``[2001:db8::1]``, ``camera.example``. Exclusions take
the same forms. The result keeps the order the targets were given, without duplicates, and refuses
what a read-only identification scan must never touch: an empty target list, multicast, broadcast,
unspecified (``0.0.0.0``, ``::``) and reserved addresses. A network's network and broadcast
addresses are skipped (as ``ipaddress``'s ``hosts()`` does). The total is capped (``MAX_TARGETS``)
and the cap is checked before anything is expanded, so ``10.0.0.0/8`` fails fast with a clear
message instead of eating memory. Every error is a :class:`TargetError` with a one-line message
naming the offending target.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

#: Largest number of addresses one scan accepts (a /16); raise it explicitly with ``limit=``.
MAX_TARGETS = 65536
_LIMITED_BROADCAST = ipaddress.IPv4Address("255.255.255.255")


class TargetError(ValueError):
    """A target, exclusion or target file that cannot be used; the message is one line."""


Resolver = Callable[[str], list[str]]


def resolve_hostname(name: str) -> list[str]:
    """Addresses of a hostname (IPv4 first, then IPv6), via the system resolver."""
    try:
        infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise TargetError(f"cannot resolve host name {name!r}: {exc}") from None
    v4 = [str(i[4][0]) for i in infos if i[0] == socket.AF_INET]
    v6 = [str(i[4][0]).split("%", 1)[0] for i in infos if i[0] == socket.AF_INET6]
    return list(dict.fromkeys(v4 + v6))


def _check_address(addr: IPAddress, spec: str) -> None:
    if addr.is_multicast:
        raise TargetError(f"{spec}: {addr} is a multicast address; trueoem scans unicast hosts only")
    if addr.is_unspecified:
        raise TargetError(f"{spec}: {addr} is the unspecified address")
    if addr == _LIMITED_BROADCAST:
        raise TargetError(f"{spec}: {addr} is the broadcast address")
    if addr.is_reserved and not addr.is_loopback:
        raise TargetError(f"{spec}: {addr} is a reserved address")


def _is_hostname(spec: str) -> bool:
    labels = spec.rstrip(".").split(".")
    return (
        0 < len(spec) <= 253
        and all(0 < len(lab) <= 63 and lab.replace("-", "").replace("_", "").isalnum() for lab in labels)
        and not all(lab.isdigit() for lab in labels)
        and not spec.startswith("-")
    )


def _looks_like_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


class _Spec:
    """One parsed target: a network or a range of addresses (lazy), or resolved addresses."""

    def __init__(self, text: str, resolve: Resolver) -> None:
        self.text = text
        self.network: IPNetwork | None = None
        self.first: IPAddress | None = None
        self.last: IPAddress | None = None
        self.addresses: list[IPAddress] = []
        spec = text.strip()
        if spec.startswith("[") and spec.endswith("]"):
            spec = spec[1:-1]
        if not spec:
            raise TargetError("empty target")
        if "/" in spec:
            try:
                self.network = ipaddress.ip_network(spec, strict=False)
            except ValueError:
                raise TargetError(f"{text}: not a valid CIDR network") from None
            if self.network.is_multicast:
                raise TargetError(f"{text}: a multicast network; trueoem scans unicast hosts only")
            if self.network.is_reserved and not self.network.is_loopback:
                raise TargetError(f"{text}: a reserved network")
            return
        if "-" in spec and (_looks_like_ip(spec.partition("-")[0]) or not _is_hostname(spec)):
            self._range(spec, text)
            return
        if not _looks_like_ip(spec.split("%", 1)[0]):
            if not _is_hostname(spec):
                raise TargetError(f"{text}: not an IP address, CIDR network, range or host name")
            addrs = [ipaddress.ip_address(a) for a in resolve(spec)]
            if not addrs:
                raise TargetError(f"host name {spec!r} resolves to no address")
            for a in addrs:
                _check_address(a, text)
            self.addresses = addrs
            return
        addr = ipaddress.ip_address(spec.split("%", 1)[0])
        _check_address(addr, text)
        self.addresses = [addr]

    def _range(self, spec: str, text: str) -> None:
        left, _, right = spec.partition("-")
        try:
            first = ipaddress.ip_address(left.strip())
        except ValueError:
            raise TargetError(f"{text}: range start {left!r} is not an IP address") from None
        right = right.strip()
        last: IPAddress
        if right.isdigit() and first.version == 4:
            n = int(right)
            if n > 255:
                raise TargetError(f"{text}: range end {n} is not an octet (0-255)")
            last = ipaddress.IPv4Address((int(first) & ~0xFF) | n)
        else:
            try:
                last = ipaddress.ip_address(right)
            except ValueError:
                raise TargetError(f"{text}: range end {right!r} is not an IP address or last octet") from None
        if last.version != first.version:
            raise TargetError(f"{text}: range mixes IPv4 and IPv6")
        if int(last) < int(first):
            raise TargetError(f"{text}: range end is before its start")
        _check_address(first, text)
        _check_address(last, text)
        self.first, self.last = first, last

    def size(self) -> int:
        if self.network is not None:
            n = self.network.num_addresses
            return n - 2 if self.network.version == 4 and self.network.prefixlen < 31 else n
        if self.first is not None and self.last is not None:
            return int(self.last) - int(self.first) + 1
        return len(self.addresses)

    def __iter__(self) -> Iterator[IPAddress]:
        if self.network is not None:
            for a in self.network.hosts():
                if not (a.is_multicast or a.is_unspecified):
                    yield a
        elif self.first is not None and self.last is not None:
            cls = type(self.first)
            for i in range(int(self.first), int(self.last) + 1):
                a = cls(i)
                if a.version == 4 and (i & 0xFF) in (0, 255) and self.first != self.last:
                    continue  # a network or broadcast address inside a range given by octets
                yield a
        else:
            yield from self.addresses

    def contains(self, addr: IPAddress) -> bool:
        if self.network is not None:
            return addr.version == self.network.version and addr in self.network
        if self.first is not None and self.last is not None:
            return addr.version == self.first.version and int(self.first) <= int(addr) <= int(self.last)
        return addr in self.addresses


def read_target_file(path: str | Path) -> list[str]:
    """Targets of an ``-iL`` file: whitespace- or line-separated, ``#`` comments, ``-`` is stdin."""
    import sys

    try:
        text = sys.stdin.read() if str(path) == "-" else Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise TargetError(f"cannot read target file {path}: {exc.strerror or exc}") from None
    out: list[str] = []
    for line in text.splitlines():
        out += line.split("#", 1)[0].split()
    return out


def expand_targets(
    targets: Iterable[str],
    exclude: Iterable[str] = (),
    *,
    limit: int = MAX_TARGETS,
    resolve: Resolver = resolve_hostname,
) -> list[str]:
    """Parse targets and exclusions to an ordered, de-duplicated list of address strings.

    Raises :class:`TargetError` for an unusable target, an empty result, or more than ``limit``
    addresses (checked on the parsed sizes before any network is expanded).
    """
    specs = [_Spec(t, resolve) for t in targets if t.strip()]
    if not specs:
        raise TargetError("no targets given: name the hosts or networks to scan (trueoem never picks its own)")
    excl = [_Spec(t, resolve) for t in exclude if t.strip()]
    total = sum(s.size() for s in specs)
    if total > limit * 4 + 1024:  # exclusions cannot plausibly bring this under the cap: fail before expanding
        raise TargetError(f"{total} addresses requested; the limit is {limit} (split the scan or narrow the targets)")
    seen: set[IPAddress] = set()
    out: list[str] = []
    for s in specs:
        for a in s:
            if a in seen or any(e.contains(a) for e in excl):
                continue
            seen.add(a)
            out.append(str(a))
            if len(out) > limit:
                raise TargetError(f"more than {limit} addresses requested; the limit is {limit}")
    if not out:
        raise TargetError("every target is excluded: nothing left to scan")
    return out


def read_exclude_file(path: str | Path) -> list[str]:
    """Exclusions of an ``--exclude-file`` (same format as ``-iL``)."""
    return read_target_file(path)
