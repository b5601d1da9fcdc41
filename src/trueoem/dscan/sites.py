"""Sites of a distributed scan: ``--site NAME=CIDR[,CIDR...]`` and which site each target belongs to.

A site is a named set of networks that only the Dask workers started inside it may scan; a worker
joins a site by being started with the resource ``site-NAME`` (``dask worker ADDRESS --resources
"site-hq=1"``). Rules, all checked before anything is sent:

* a name is letters, digits, ``_``, ``.`` and ``-`` (up to 64, starting with a letter or digit);
  ``--site`` given twice with one name adds the networks to that site;
* a network is a CIDR (``10.1.0.0/16``, ``2001:db8::/64``) or one address; the same network may not
  belong to two sites;
* a target goes to the site with the most specific network holding it (longest prefix, as routing
  does), so ``--site hq=10.0.0.0/8 --site lab=10.9.0.0/16`` sends 10.9.x.y to ``lab``;
* a target that no site holds is **refused** (:class:`SiteError` naming it): there is no worker that
  is allowed to reach it, and a distributed scan never falls back to scanning from the machine that
  runs ``trueoem scan``. With no targets given, the sites' networks are the targets
  (:func:`site_targets`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class SiteError(ValueError):
    """An unusable ``--site`` spec or a target outside every site; the message is one line."""


@dataclass(frozen=True, slots=True)
class Site:
    """One site: its name and networks; :attr:`resource` is the Dask worker resource that pins it."""

    name: str
    networks: tuple[IPNetwork, ...]

    @property
    def resource(self) -> str:
        return resource_name(self.name)


def resource_name(site: str) -> str:
    """The Dask worker resource of a site: ``site-NAME``."""
    return f"site-{site}"


def parse_site(spec: str) -> Site:
    """One ``NAME=CIDR[,CIDR...]`` spec. Raises :class:`SiteError`."""
    name, eq, nets = spec.partition("=")
    name = name.strip()
    if not eq or not nets.strip():
        raise SiteError(f"--site {spec!r}: use NAME=CIDR[,CIDR...], e.g. hq=10.1.0.0/16,10.2.0.0/16")
    if not _NAME.fullmatch(name):
        raise SiteError(f"--site {spec!r}: a site name is letters, digits, '_', '.', '-' (at most 64)")
    out: list[IPNetwork] = []
    for part in nets.split(","):
        part = part.strip()
        try:
            net = ipaddress.ip_network(part, strict=False)
        except ValueError:
            raise SiteError(f"--site {spec!r}: {part!r} is not a CIDR network or an address") from None
        if net.is_multicast or (net.is_reserved and not net.is_loopback):
            raise SiteError(f"--site {spec!r}: {part} is a multicast or reserved network")
        if net not in out:
            out.append(net)
    return Site(name, tuple(out))


def parse_sites(specs: Iterable[str]) -> list[Site]:
    """Every ``--site`` spec, same-named ones merged, in the order first given. Raises :class:`SiteError`."""
    merged: dict[str, list[IPNetwork]] = {}
    owner: dict[IPNetwork, str] = {}
    for spec in specs:
        site = parse_site(spec)
        nets = merged.setdefault(site.name, [])
        for net in site.networks:
            other = owner.setdefault(net, site.name)
            if other != site.name:
                raise SiteError(f"--site: {net} is given to both site {other!r} and site {site.name!r}")
            if net not in nets:
                nets.append(net)
    if not merged:
        raise SiteError("a distributed scan needs at least one --site NAME=CIDR[,CIDR...]")
    return [Site(n, tuple(nets)) for n, nets in merged.items()]


def site_of(address: str, sites: Iterable[Site]) -> str | None:
    """The site holding ``address`` (most specific network wins), or None."""
    addr = ipaddress.ip_address(address)
    best: tuple[int, str] | None = None
    for site in sites:
        for net in site.networks:
            if net.version == addr.version and addr in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, site.name)
    return None if best is None else best[1]


def assign_sites(addresses: Iterable[str], sites: Iterable[Site]) -> dict[str, list[str]]:
    """``{site name: [addresses]}`` in input order; every site appears, possibly with no address.

    Raises :class:`SiteError` naming the first few addresses that no site holds.
    """
    sites = list(sites)
    out: dict[str, list[str]] = {s.name: [] for s in sites}
    outside: list[str] = []
    for a in addresses:
        name = site_of(a, sites)
        if name is None:
            outside.append(a)
        else:
            out[name].append(a)
    if outside:
        more = f" and {len(outside) - 5} more" if len(outside) > 5 else ""
        raise SiteError(
            f"{len(outside)} target(s) are in no --site network: {', '.join(outside[:5])}{more}; "
            "a distributed scan only scans targets a site's workers may reach (add or widen a --site)"
        )
    return out


def site_targets(sites: Iterable[Site]) -> list[str]:
    """The sites' networks as target specs, for a distributed scan given no explicit targets."""
    return [str(net) for s in sites for net in s.networks]


def sites_to_params(sites: Iterable[Site]) -> dict[str, list[str]]:
    """A JSON-able form for the scan's stored parameters (what ``--resume`` needs)."""
    return {s.name: [str(n) for n in s.networks] for s in sites}


def sites_from_params(params: Mapping[str, Iterable[str]]) -> list[Site]:
    """The inverse of :func:`sites_to_params`. Raises :class:`SiteError`."""
    return parse_sites(f"{name}={','.join(nets)}" for name, nets in params.items())
