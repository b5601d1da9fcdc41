"""Passive analysis of packet captures: ``read_pcap(path, warn)`` yields one :class:`HostRecord` per host.

The pipeline, module by module:

* :mod:`.reader` streams the frames of a pcap/pcapng file, plain or gzip, with every length checked;
* :mod:`.decode` turns a frame into addresses, ports and payload (dpkt);
* :mod:`.reassembly` puts the first bytes of each one-way TCP stream back in order, bounded;
* :mod:`.extract` reads observations out of UDP payloads (DHCP, mDNS/DNS-SD, SSDP, WS-Discovery,
  SADP, DHIP) and stream heads (HTTP and RTSP responses, TLS 1.0-1.2 server certificates, banners);
* :mod:`.hosts` groups them per host (IP, else MAC), caps them, and hands hosts out when done;
* :mod:`.pipeline` ties these together.

Captures are attacker-controlled: nothing here raises on their content; problems become one line
in ``warn`` naming the file and the packet number. Nothing here sends a packet: it only reads files.
"""

from trueoem.sources.pcap.hosts import HostLimits, HostRecord
from trueoem.sources.pcap.pipeline import PcapLimits, PcapStats, read_pcap
from trueoem.sources.pcap.reassembly import Limits as TcpLimits

__all__ = ["HostLimits", "HostRecord", "PcapLimits", "PcapStats", "TcpLimits", "read_pcap"]
