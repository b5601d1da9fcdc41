"""UDP discovery on one named interface: Hikvision SADP, Dahua DHIP, WS-Discovery and SSDP.

``async for d in discover("eth1", allowed=targets.allows): attribute(d.ip, d.observations, ckb)``.
Every reply is kept verbatim as an observation (kinds ``sadp``, ``dhip``, ``ws_discovery``,
``ssdp_description``, ``mac``) with source ``"<ip>:<port>/<protocol>"``.
"""

from trueoem.sources.discovery.engine import PROTOCOLS, Discovered, DiscoveryStats, discover
from trueoem.sources.discovery.iface import DiscoveryError, Interface, resolve_interface

__all__ = ["PROTOCOLS", "Discovered", "DiscoveryError", "DiscoveryStats", "Interface", "discover", "resolve_interface"]
