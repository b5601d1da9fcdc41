"""Write test captures from documented formats, with scapy (and a fast raw writer for big ones).

Every payload follows docs PROTOCOLS.md (SADP ProbeMatch, DHIP header + notifyDevInfo JSON,
WS-Discovery Hello, SSDP NOTIFY) or the RFCs (ARP, DHCP options 12/60/61, mDNS/DNS-SD PTR/SRV/TXT,
TLS 1.2 Certificate message, RFC 8446 s4.4.2 / RFC 5246 s7.4.2). Addresses are documentation ranges
(192.0.2.0/24, 198.51.100.0/24); these packets are only ever written to files.

``python -m tests.pcap.gen DIR`` writes the sample captures to DIR.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import struct
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.dns import DNS, DNSRR, DNSRRSRV
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.l2 import ARP, Ether
from scapy.packet import Packet, Raw
from scapy.utils import PcapNgWriter, wrpcap

HIK_MAC = "c0:56:e3:12:34:56"  # a Hikvision MA-L block
DAHUA_MAC = "3c:ef:8c:12:34:56"
HUAWEI_MAC = "00:e0:fc:12:34:56"
OTHER_MAC = "02:00:00:00:00:01"  # locally administered: no registry owner
CLIENT_MAC = "02:00:00:00:00:99"
CLIENT = "192.0.2.200"
T0 = 1_700_000_000.0


# --- payloads (documented formats) -----------------------------------------------------------------


def sadp_probe_match(ip: str, mac: str, model: str = "DS-2CD2143G0-I") -> bytes:
    """A SADP ``<ProbeMatch>``, one element per line (PROTOCOLS.md "Hikvision SADP")."""
    lines = [
        ("Uuid", "5A6B7C8D-0000-4000-8000-000000000001"),
        ("Types", "inquiry"),
        ("DeviceType", "139"),
        ("DeviceDescription", model),
        ("DeviceSN", f"{model}20160101AAWR123456789"),
        ("CommandPort", "8000"),
        ("HttpPort", "80"),
        ("MAC", mac.replace(":", "-")),
        ("IPv4Address", ip),
        ("SoftwareVersion", "V5.5.0build 170725"),
    ]
    body = "\n".join(f"<{k}>{v}</{k}>" for k, v in lines)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n{body}\n</ProbeMatch>\n'.encode()


def dhip_reply(ip: str, mac: str, model: str = "IPC-HFW2431S-S-S2") -> bytes:
    """A DHIP ``client.notifyDevInfo`` reply: 32-byte header, JSON, one trailing NUL (PROTOCOLS.md)."""
    info = {"DeviceClass": "IPC", "DeviceType": model, "IPv4Address": {"IPAddress": ip}, "Vendor": "Dahua",
            "SerialNo": "4J0186FPAG00123", "Version": "2.800.0000018.0.R"}  # fmt: skip
    body = json.dumps({"mac": mac, "method": "client.notifyDevInfo", "params": {"deviceInfo": info}}).encode()
    n = len(body)
    return struct.pack("<4s4s8sI4sI4s", b"\x20\x00\x00\x00", b"DHIP", bytes(8), n, bytes(4), n, bytes(4)) + body + b"\0"


def wsd_hello(ip: str, model: str = "DS-2CD2143G0-I") -> bytes:
    """A WS-Discovery Hello with ONVIF scopes (WS-Discovery 2005/04; PROTOCOLS.md Hikvision prefixes)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope"'
        ' xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing"'
        ' xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery"><env:Header>'
        "<wsadis:MessageID>urn:uuid:11223344-5566-7788-99aa-c056e3123456</wsadis:MessageID>"
        "<wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Hello</wsadis:Action>"
        "</env:Header><env:Body><d:Hello><d:Types>dn:NetworkVideoTransmitter</d:Types>"
        f"<d:Scopes>onvif://www.onvif.org/name/HIKVISION onvif://www.onvif.org/hardware/{model}</d:Scopes>"
        f"<d:XAddrs>http://{ip}/onvif/device_service</d:XAddrs><d:MetadataVersion>10</d:MetadataVersion>"
        "</d:Hello></env:Body></env:Envelope>"
    ).encode()


def ssdp_notify(ip: str) -> bytes:
    """An SSDP ``NOTIFY * HTTP/1.1`` alive announcement (UPnP DA)."""
    return (
        "NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
        f"LOCATION: http://{ip}:49152/description.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
        "SERVER: Linux/3.10 UPnP/1.0 IPC/1.0\r\nUSN: uuid:00000000-0000-1000-8000-3cef8c123456::upnp:rootdevice\r\n\r\n"
    ).encode()


def upnp_description(manufacturer: str = "Dahua", model: str = "IPC-HFW2431S") -> bytes:
    """A UPnP device description document (UPnP DA 1.0 s2.3)."""
    return (
        '<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><specVersion><major>1</major>'
        "<minor>0</minor></specVersion><device><deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>"
        f"<friendlyName>{model}</friendlyName><manufacturer>{manufacturer}</manufacturer>"
        f"<modelName>{model}</modelName><UDN>uuid:00000000-0000-1000-8000-3cef8c123456</UDN></device></root>"
    ).encode()


def http_response(server: str, body: bytes = b"<html><head><title>login</title></head></html>") -> bytes:
    """An HTTP/1.1 response with ``Server`` and a Content-Length body."""
    return (
        f"HTTP/1.1 200 OK\r\nServer: {server}\r\nContent-Type: text/html\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def self_signed_der(org: str = "HIKVISION", cn: str = "192.0.2.20") -> bytes:
    """A self-signed certificate (EC P-256) whose subject and issuer carry ``O=org``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, org)])
    now = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.DER)


def tls12_server_flight(cert_der: bytes) -> bytes:
    """ServerHello, Certificate and ServerHelloDone, each in its own TLS 1.2 handshake record."""

    def record(msg_type: int, body: bytes) -> bytes:
        hs = bytes([msg_type]) + len(body).to_bytes(3, "big") + body
        return b"\x16\x03\x03" + len(hs).to_bytes(2, "big") + hs

    hello = b"\x03\x03" + bytes(32) + b"\x00" + b"\xc0\x2f" + b"\x00"
    certs = len(cert_der).to_bytes(3, "big") + cert_der
    return record(2, hello) + record(11, len(certs).to_bytes(3, "big") + certs) + record(14, b"")


# --- packets -----------------------------------------------------------------------------------------


def udp_pkt(src: str, mac: str, sport: int, dst: str, dport: int, payload: bytes) -> Packet:
    return Ether(src=mac, dst="01:00:5e:7f:ff:fa") / IP(src=src, dst=dst) / UDP(sport=sport, dport=dport) / Raw(payload)


def tcp_response(
    server: str, smac: str, sport: int, data: bytes, pieces: int = 3, order: Iterable[int] | None = None,
    client: str = CLIENT, cport: int = 50000, isn: int = 1000, syn: bool = True,
) -> list[Packet]:  # fmt: skip
    """A TCP connection in which ``server`` sends ``data`` in ``pieces`` segments (in ``order``)."""
    e_s = Ether(src=smac, dst=CLIENT_MAC)
    e_c = Ether(src=CLIENT_MAC, dst=smac)
    out: list[Packet] = []
    if syn:
        out.append(e_c / IP(src=client, dst=server) / TCP(sport=cport, dport=sport, flags="S", seq=5000))
        out.append(e_s / IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="SA", seq=isn, ack=5001))
    step = max(1, -(-len(data) // pieces))
    segs = [data[i : i + step] for i in range(0, len(data), step)]
    idx = list(order) if order is not None else list(range(len(segs)))
    for i in idx:
        seq = isn + 1 + i * step
        out.append(e_s / IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="PA", seq=seq) / Raw(segs[i]))
    out.append(e_s / IP(src=server, dst=client) / TCP(sport=sport, dport=cport, flags="FA", seq=isn + 1 + len(data)))
    return out


def arp_from(ip: str, mac: str) -> Packet:
    return Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / ARP(op=1, hwsrc=mac, psrc=ip, pdst="192.0.2.1")


def dhcp_request(mac: str, hostname: str, vendor_class: str, requested: str) -> Packet:
    """A DHCPREQUEST from 0.0.0.0 with options 12, 60, 61 and 50 (RFC 2132)."""
    chaddr = bytes.fromhex(mac.replace(":", ""))
    return (
        Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") / UDP(sport=68, dport=67)
        / BOOTP(op=1, chaddr=chaddr + bytes(10), xid=0x1234)
        / DHCP(options=[("message-type", "request"), ("client_id", b"\x01" + chaddr), ("requested_addr", requested),
                        ("hostname", hostname.encode()), ("vendor_class_id", vendor_class.encode()), "end"])
    )  # fmt: skip


def dhcp_ack(mac: str, ip: str) -> Packet:
    chaddr = bytes.fromhex(mac.replace(":", ""))
    return (
        Ether(src="02:00:00:00:00:fe", dst=mac) / IP(src="192.0.2.1", dst=ip) / UDP(sport=67, dport=68)
        / BOOTP(op=2, yiaddr=ip, chaddr=chaddr + bytes(10), xid=0x1234)
        / DHCP(options=[("message-type", "ack"), "end"])
    )  # fmt: skip


def mdns_response(ip: str, mac: str, instance: str, txt: list[bytes]) -> Packet:
    """An mDNS response announcing a DNS-SD ``_http._tcp`` instance with SRV, TXT and A records (RFC 6763)."""
    svc = "_http._tcp.local"
    inst = f"{instance}.{svc}"
    host = "camera-1.local"
    an = [
        DNSRR(rrname=svc, type="PTR", rdata=inst, ttl=4500),
        DNSRRSRV(rrname=inst, target=host, port=80, ttl=120),
        DNSRR(rrname=inst, type="TXT", rdata=txt, ttl=4500),
        DNSRR(rrname=host, type="A", rdata=ip, ttl=120),
    ]
    return (
        Ether(src=mac, dst="01:00:5e:00:00:fb") / IP(src=ip, dst="224.0.0.251") / UDP(sport=5353, dport=5353)
        / DNS(qr=1, aa=1, an=an)
    )  # fmt: skip


def stamp(pkts: Iterable[Packet], t0: float = T0, step: float = 0.01) -> list[Packet]:
    out = []
    for i, p in enumerate(pkts):
        p.time = t0 + i * step
        out.append(p)
    return out


# --- files -------------------------------------------------------------------------------------------


def write_pcap(path: Path, pkts: Iterable[Packet], gz: bool = False) -> Path:
    pkts = stamp(pkts)
    if gz:
        tmp = path.with_suffix(".tmp")
        wrpcap(str(tmp), pkts)
        with open(tmp, "rb") as src, gzip.open(path, "wb") as dst:
            dst.write(src.read())
        tmp.unlink()
    else:
        wrpcap(str(path), pkts)
    return path


def write_pcapng(path: Path, pkts: Iterable[Packet]) -> Path:
    w = PcapNgWriter(str(path))
    for p in stamp(pkts):
        w.write(p)
    w.close()
    return path


def write_raw_pcap(path: Path, frames: Iterable[tuple[float, bytes]]) -> int:
    """Stream ``(time, Ethernet frame)`` pairs to a libpcap file without scapy (fast); the count."""
    n = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        rec = struct.Struct("<IIII")
        for ts, data in frames:
            sec = int(ts)
            f.write(rec.pack(sec, int((ts - sec) * 1e6), len(data), len(data)))
            f.write(data)
            n += 1
    return n


def large_capture_frames(packets: int, hosts: int = 2000, segment: int = 1400) -> Iterator[tuple[float, bytes]]:
    """A mixed capture of about ``packets`` frames: TCP responses (many big flows), discovery, ARP, DNS.

    Templates are built once with scapy; per frame only addresses, ports, sequence numbers and
    times change, written into the template bytes (checksums are left as they are: readers do
    not verify them).
    """
    sadp = sadp_probe_match("192.0.2.10", HIK_MAC)
    hik = bytes(udp_pkt("192.0.2.10", HIK_MAC, 37020, "239.255.255.250", 37020, sadp))
    dh = bytes(udp_pkt("192.0.2.11", DAHUA_MAC, 37810, "192.0.2.200", 37810, dhip_reply("192.0.2.11", DAHUA_MAC)))
    notify = bytes(udp_pkt("192.0.2.12", OTHER_MAC, 1900, "239.255.255.250", 1900, ssdp_notify("192.0.2.12")))
    arp = bytes(arp_from("192.0.2.13", HIK_MAC))
    body = b"x" * 40_000
    head = http_response("DNVRS-Webs", body)
    data_tpl = bytes(tcp_response("192.0.2.14", HIK_MAC, 80, b"y" * segment, pieces=1, syn=False)[0])
    syn_ack = bytes(tcp_response("192.0.2.14", HIK_MAC, 80, b"", pieces=1)[1])
    ack = bytes(
        Ether(src=CLIENT_MAC, dst=HIK_MAC) / IP(src=CLIENT, dst="192.0.2.14") / TCP(sport=50000, dport=80, flags="A")
    )
    ip_off = 14

    def with_ip(frame: bytes, src_host: int) -> bytes:
        """The frame with IPv4 source 10.0.x.y (a private test address) for host number ``src_host``."""
        b = bytearray(frame)
        b[ip_off + 12 : ip_off + 16] = bytes((10, 0, src_host >> 8, src_host & 255))
        return bytes(b)

    t = T0
    n = 0
    flow = 0
    while n < packets:
        flow += 1
        h = 1 + flow % hosts
        cport = 1024 + flow % 60000
        for tpl in (hik, dh, notify, arp):
            t += 0.0001
            n += 1
            yield t, with_ip(tpl, h) if tpl is not arp else tpl
        # one server->client HTTP flow of 30 segments, with client ACKs in between
        isn = (flow * 7919) & 0xFFFFFFFF
        b = bytearray(with_ip(syn_ack, h))
        struct.pack_into(">HHI", b, ip_off + 20, 80, cport, isn)
        n += 1
        yield t, bytes(b)
        stream = head
        for i in range(30):
            chunk = stream[i * segment : (i + 1) * segment] or b"z" * segment
            b = bytearray(data_tpl[: ip_off + 40]) + chunk
            struct.pack_into(">H", b, ip_off + 2, 40 + len(chunk))
            b[ip_off + 12 : ip_off + 16] = bytes((10, 0, h >> 8, h & 255))
            struct.pack_into(">HHI", b, ip_off + 20, 80, cport, (isn + 1 + i * segment) & 0xFFFFFFFF)
            t += 0.0001
            n += 2
            yield t, bytes(b)
            yield t, ack


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "captures")
    out.mkdir(parents=True, exist_ok=True)
    pkts = [udp_pkt("192.0.2.10", HIK_MAC, 37020, "239.255.255.250", 37020, sadp_probe_match("192.0.2.10", HIK_MAC))]
    write_pcap(out / "sadp.pcap", pkts)
    write_pcapng(out / "sadp.pcapng", pkts)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
