"""Emulated discovery responders, run inside a test network namespace.

``ip netns exec NS python -m tests.discovery.responders --profile P --dev D --ip A --mac M``
binds every socket to device ``D`` (a macvlan in the namespace), prints ``READY`` once listening,
then answers until killed. Stdlib only. Every reply format is written from the public
descriptions collected in docs PROTOCOLS.md (cited per profile); nothing here touches a real
network: the namespace's only link is the test's veth pair.

Profiles: ``hik-sadp``, ``dahua-dhip``, ``wsd-hik``, ``wsd-dahua``, ``ssdp``, ``canary`` (an HTTP
server that reports every request it gets) and ``hostile`` (oversized, garbage and XML-bomb replies
on every discovery port, and a description that never ends).
"""

from __future__ import annotations

import argparse
import email.utils
import http.server
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import uuid
from collections.abc import Callable

SO_BINDTODEVICE = getattr(socket, "SO_BINDTODEVICE", 25)
Handler = Callable[[socket.socket, bytes, tuple[str, int]], None]


class Dev:
    """The emulated device: its interface, address and MAC."""

    def __init__(self, name: str, ip: str, mac: str) -> None:
        self.name, self.ip, self.mac = name, ip, mac.lower()
        self.index = socket.if_nametoindex(name)


def say(*parts: object) -> None:
    print(*parts, flush=True)


def udp(dev: Dev, port: int, groups: tuple[str, ...] = ()) -> socket.socket:
    """A UDP socket on ``dev`` bound to ``port``, joined to ``groups`` on that device only."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.name.encode())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(dev.ip))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    s.bind(("", port))
    for g in groups:
        mreqn = struct.pack("4s4si", socket.inet_aton(g), socket.inet_aton(dev.ip), dev.index)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
    return s


def serve_udp(sock: socket.socket, handler: Handler) -> threading.Thread:
    def loop() -> None:
        while True:
            data, addr = sock.recvfrom(65535)
            try:
                handler(sock, data, addr)
            except Exception as exc:  # noqa: BLE001 - a responder keeps answering
                say("ERROR", type(exc).__name__, exc)

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


def later(delay: float, fn: Callable[[], None]) -> None:
    threading.Timer(delay, fn).start()


# --- Hikvision SADP -----------------------------------------------------------------------------
# PROTOCOLS.md "Hikvision SADP": the reply is `<?xml version="1.0" encoding="UTF-8"?>` and a
# <ProbeMatch> with one element per line (Uuid, Types, DeviceType, DeviceDescription, DeviceSN,
# CommandPort, HttpPort, MAC xx-xx-.., IPv4Address, ...), echoing the probe's Uuid
# (mhzhuji.com/zhuji_info_958; itread01.com/content/1544974924.html), sent to the sender's address
# and port and also as a multicast copy to 239.255.255.250:37020 (itread01 / e-com-net "SADPTool原理";
# UniversalScanner protocols.html). Field list: cameronnewman/hikvision-tooling internal/sadp/scanner.go
# (FACTS.md 8.1). Serial format: FACTS.md 8.1 (model + YYYYMMDD + AAWR + digits).
SADP_GROUP, SADP_PORT = "239.255.255.250", 37020
_UUID = re.compile(rb"<Uuid>([^<]{1,64})</Uuid>")
_TYPES = re.compile(rb"<Types>([^<]{1,32})</Types>")


def sadp_match(dev: Dev, probe_uuid: str, types: str, model: str, oem: str | None) -> bytes:
    lines = [
        ("Uuid", probe_uuid),
        ("Types", types),
        ("DeviceType", "139"),
        ("DeviceDescription", model),
        ("DeviceSN", f"{model}20160101AAWR123456789"),
        ("CommandPort", "8000"),
        ("HttpPort", "80"),
        ("MAC", dev.mac.replace(":", "-")),
        ("IPv4Address", dev.ip),
        ("IPv4SubnetMask", "255.255.255.0"),
        ("IPv4Gateway", "0.0.0.0"),
        ("DHCP", "false"),
        ("AnalogChannelNum", "0"),
        ("DigitalChannelNum", "1"),
        ("SoftwareVersion", "V5.5.0build 170725"),
        ("DSPVersion", "V7.3 build 170725"),
        ("BootTime", "2024-01-01 00:00:00"),
        ("Activated", "true"),
        ("PasswordResetAbility", "true"),
    ]
    if oem:
        lines.append(("OEMInfo", oem))
    body = "\n".join(f"<{k}>{v}</{k}>" for k, v in lines)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<ProbeMatch>\n{body}\n</ProbeMatch>\n'.encode()


def run_hik_sadp(dev: Dev, args: argparse.Namespace) -> None:
    sock = udp(dev, SADP_PORT, (SADP_GROUP,))

    def handle(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if b"<Probe>" not in data:
            return  # a ProbeMatch (ours or another device's multicast copy)
        u, t = _UUID.search(data), _TYPES.search(data)
        if not u or not t or not t.group(1).startswith(b"inquiry"):
            return
        reply = sadp_match(dev, u.group(1).decode(), t.group(1).decode(), args.model, args.oem)
        say("SADP", addr[0], addr[1], t.group(1).decode())
        if not args.multicast_only:
            s.sendto(reply, addr)
        s.sendto(reply, (SADP_GROUP, SADP_PORT))

    serve_udp(sock, handle)


# --- Dahua DHIP ---------------------------------------------------------------------------------
# PROTOCOLS.md "Dahua DHIP discovery": 32-byte header (20 00 00 00, "DHIP", 8 zero bytes, body
# length LE32 at 16, 4 zero bytes, body length LE32 at 24, 4 zero bytes) + JSON; the probe's method
# is DHDiscover.search (UniversalScanner Dahua2.cs; rroller/dahua discovery.py). Strictness: bare
# JSON and a reversed magic get no reply (rroller/dahua measurements). The reply — same header,
# {"mac":…,"method":"client.notifyDevInfo","params":{"deviceInfo":{…}}} and one trailing byte
# (Rapid7 LOREX_DISCOVER.rb parses response[32..length-2]; aiodahua/rroller strip \x00) — goes
# unicast to the sender's address and port, in the `{ "k" : v }` style with keys sorted and `/`
# escaped as `\/` (the UDP-MIB write-up capture). Whether the header length counts the trailing
# byte is not documented; this emulator counts the JSON only.
DHIP_GROUP, DHIP_PORT = "239.255.255.251", 37810


def dhip_dumps(obj: object) -> str:
    if isinstance(obj, dict):
        return "{ " + ", ".join(f"{dhip_dumps(str(k))} : {dhip_dumps(v)}" for k, v in sorted(obj.items())) + " }"
    if isinstance(obj, str):
        return json.dumps(obj).replace("/", "\\/")
    return json.dumps(obj)


def dhip_header(n: int) -> bytes:
    return struct.pack("<4s4s8sI4sI4s", b"\x20\x00\x00\x00", b"DHIP", bytes(8), n, bytes(4), n, bytes(4))


def dhip_valid_search(data: bytes) -> bool:
    if len(data) < 33 or data[:4] != b"\x20\x00\x00\x00" or data[4:8] != b"DHIP":
        return False
    n1, n2 = struct.unpack_from("<I", data, 16)[0], struct.unpack_from("<I", data, 24)[0]
    body = data[32:]
    if n1 != len(body) or n2 != len(body):
        return False
    try:
        obj = json.loads(body)
    except ValueError:
        return False
    return isinstance(obj, dict) and obj.get("method") == "DHDiscover.search"


def run_dahua_dhip(dev: Dev, args: argparse.Namespace) -> None:
    sock = udp(dev, DHIP_PORT, (DHIP_GROUP,))

    def handle(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if not dhip_valid_search(data):
            say("DHIP-IGNORED", addr[0], len(data))
            return
        info = {
            "DeviceClass": "IPC",
            "DeviceType": args.model,
            "HttpPort": 80,
            "IPv4Address": {"DefaultGateway": "0.0.0.0", "DhcpEnable": False, "IPAddress": dev.ip,
                            "SubnetMask": "255.255.255.0"},
            "MachineName": args.model,
            "Port": 37777,
            "SerialNo": "4J0186FPAG00123",
            "Vendor": args.vendor,
            "Version": "2.800.0000018.0.R",
            "WebUrl": f"http://{dev.ip}/",
        }  # fmt: skip
        body = dhip_dumps({"mac": dev.mac, "method": "client.notifyDevInfo", "params": {"deviceInfo": info}})
        raw = body.encode()
        say("DHIP", addr[0], addr[1])
        s.sendto(dhip_header(len(raw)) + raw + b"\x00", addr)

    serve_udp(sock, handle)


# --- WS-Discovery ---------------------------------------------------------------------------------
# PROTOCOLS.md "ONVIF WS-Discovery": ProbeMatches go unicast to the probe's source port (Microsoft
# WSDAPI "ProbeMatches message"; andreikop/python-ws-discovery #48) after a random delay (APP_MAX_DELAY
# 500 ms); RelatesTo carries the probe's MessageID. Hikvision captures use env:/wsadis: prefixes, a
# MessageID urn:uuid:… whose last 12 hex digits are the MAC, AppSequence and MetadataVersion 10; the
# scope values follow the fixture cited by the KB (name/HIKVISION%20<model>, hardware/<model>,
# location/city/hangzhou). Dahua/Amcrest replies (Practical IoT Hacking listing 6-4) start
# `<?xml version="1.0" encoding="utf-8" standalone="yes" ?>` and use s:/a:/d: with To/Action/RelatesTo.
# Some cameras answer only a probe typed NetworkVideoTransmitter (edgexfoundry/device-onvif-camera #135).
WSD_GROUP, WSD_PORT = "239.255.255.250", 3702
_MID = re.compile(rb"<(?:[\w\-]+:)?MessageID[^>]*>([^<]{1,128})</")

HIK_WSD = """<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" \
xmlns:wsadis="http://schemas.xmlsoap.org/ws/2004/08/addressing" \
xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" \
xmlns:dn="http://www.onvif.org/ver10/network/wsdl" xmlns:tds="http://www.onvif.org/ver10/device/wsdl">\
<env:Header><wsadis:MessageID>urn:uuid:{mid}</wsadis:MessageID>\
<wsadis:RelatesTo>{relates}</wsadis:RelatesTo>\
<wsadis:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</wsadis:To>\
<wsadis:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsadis:Action>\
<d:AppSequence InstanceId="{instance}" MessageNumber="{number}"/></env:Header>\
<env:Body><d:ProbeMatches><d:ProbeMatch><wsadis:EndpointReference>\
<wsadis:Address>urn:uuid:{endpoint}</wsadis:Address></wsadis:EndpointReference>\
<d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>\
<d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/Profile/Streaming \
onvif://www.onvif.org/hardware/{model} onvif://www.onvif.org/name/HIKVISION%20{model} \
onvif://www.onvif.org/location/city/hangzhou</d:Scopes>\
<d:XAddrs>http://{ip}/onvif/device_service</d:XAddrs>\
<d:MetadataVersion>10</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>
"""

DAHUA_WSD = """<?xml version="1.0" encoding="utf-8" standalone="yes" ?>\
<s:Envelope xmlns:sc="http://www.w3.org/2003/05/soap-encoding" \
xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:dn="http://www.onvif.org/ver10/network/wsdl" \
xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" \
xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing">\
<s:Header><a:MessageID>urn:uuid:{mid}</a:MessageID>\
<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>\
<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>\
<a:RelatesTo>{relates}</a:RelatesTo></s:Header>\
<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>uuid:{endpoint}</a:Address>\
</a:EndpointReference><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>\
<d:Scopes>onvif://www.onvif.org/location/country/china onvif://www.onvif.org/name/{name} \
onvif://www.onvif.org/hardware/{model} onvif://www.onvif.org/Profile/Streaming \
onvif://www.onvif.org/type/Network_Video_Transmitter onvif://www.onvif.org/extension/unique_identifier</d:Scopes>\
<d:XAddrs>http://{ip}/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>\
</d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>"""


def run_wsd(dev: Dev, args: argparse.Namespace, style: str) -> None:
    sock = udp(dev, WSD_PORT, (WSD_GROUP,))
    counter = iter(range(1, 1_000_000))
    mac12 = dev.mac.replace(":", "")
    endpoint = uuid.uuid4()  # a device's endpoint reference is stable; MessageIDs are not

    def handle(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if b"Probe" not in data or b"ProbeMatches" in data:
            return
        typed = b"NetworkVideoTransmitter" in data
        if args.typed_only and not typed:
            say("WSD-IGNORED-UNTYPED", addr[0])
            return
        m = _MID.search(data)
        relates = m.group(1).decode() if m else ""
        if style == "hik":
            text = HIK_WSD.format(
                mid=f"{uuid.uuid4().hex[:8]}-1dd2-11b2-a105-{mac12}", relates=relates, instance=1,
                number=next(counter), endpoint=f"a1b2c3d4-1dd2-11b2-a105-{mac12}", model=args.model, ip=dev.ip,
            )  # fmt: skip
        else:
            text = DAHUA_WSD.format(
                mid=uuid.uuid4(), relates=relates, endpoint=endpoint, name=args.vendor, model=args.model, ip=dev.ip
            )
        say("WSD", addr[0], addr[1], "typed" if typed else "untyped")
        later(random.uniform(0.0, 0.3), lambda: s.sendto(text.encode(), addr))

    serve_udp(sock, handle)


# --- SSDP -----------------------------------------------------------------------------------------
# PROTOCOLS.md "SSDP": the reply is HTTP/1.1 200 OK with CACHE-CONTROL, DATE, EXT, LOCATION, SERVER,
# ST, USN, unicast to the M-SEARCH's source address and port (bwssytems/ha-bridge #176), delayed at
# random up to MX seconds (UPnP DA 2.0). LOCATION names the description XML over HTTP; the root
# description layout (root/specVersion/device with deviceType, friendlyName, manufacturer, modelName,
# UDN) is UPnP Device Architecture 1.0 section 2.1. The Huawei values are those the KB cites
# (tailscale net/portmapper/upnp_test.go huaweiRootDescXML: manufacturer "Huawei Technologies Co., Ltd.").
SSDP_GROUP, SSDP_PORT = "239.255.255.250", 1900
_MX = re.compile(rb"^MX:\s*(\d+)", re.I | re.M)
_ST = re.compile(rb"^ST:\s*(\S+)", re.I | re.M)

DESCRIPTIONS = {
    "huawei": ("urn:schemas-upnp-org:device:InternetGatewayDevice:1", "HG8245H", "Huawei Technologies Co., Ltd.",
               "HG8245H", "Linux/2.6.36, UPnP/1.0, Portable SDK for UPnP devices/1.6.6"),
    "acme": ("urn:schemas-upnp-org:device:Basic:1", "Acme box", "Acme Widgets Inc.", "AW-1", "Linux UPnP/1.0 acme/1"),
}  # fmt: skip


def description_xml(vendor: str, udn: str) -> bytes:
    dtype, friendly, manufacturer, model, _server = DESCRIPTIONS[vendor]
    return f"""<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion><major>1</major><minor>0</minor></specVersion>
<device>
<deviceType>{dtype}</deviceType>
<friendlyName>{friendly}</friendlyName>
<manufacturer>{manufacturer}</manufacturer>
<modelName>{model}</modelName>
<UDN>uuid:{udn}</UDN>
</device>
</root>
""".encode()


class _QuietHandler(http.server.BaseHTTPRequestHandler):
    server_version = "responder"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass


def http_server(dev: Dev, port: int, handler: type[http.server.BaseHTTPRequestHandler]) -> None:
    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True

        def server_bind(self) -> None:
            self.socket.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, dev.name.encode())
            super().server_bind()

    srv = Server((dev.ip, port), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()


def run_ssdp(dev: Dev, args: argparse.Namespace) -> None:
    udn = str(uuid.uuid4())
    body = description_xml(args.vendor, udn)

    class Desc(_QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            say("HTTP-GET", self.client_address[0], self.path)
            self.send_response(200)
            self.send_header("Content-Type", 'text/xml; charset="utf-8"')
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    http_server(dev, args.http_port, Desc)
    sock = udp(dev, SSDP_PORT, (SSDP_GROUP,))
    loc_host = args.location_host or dev.ip
    server = DESCRIPTIONS[args.vendor][4]

    def handle(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if not data.startswith(b"M-SEARCH * HTTP/1.1") or b"ssdp:discover" not in data:
            return
        mx_m, st_m = _MX.search(data), _ST.search(data)
        mx = int(mx_m.group(1)) if mx_m else 1
        st = st_m.group(1).decode() if st_m else "ssdp:all"
        st = "upnp:rootdevice" if st == "ssdp:all" else st
        reply = (
            "HTTP/1.1 200 OK\r\n"
            "CACHE-CONTROL: max-age=1800\r\n"
            f"DATE: {email.utils.formatdate(usegmt=True)}\r\n"
            "EXT:\r\n"
            f"LOCATION: http://{loc_host}:{args.http_port}/description.xml\r\n"
            f"SERVER: {server}\r\n"
            f"ST: {st}\r\n"
            f"USN: uuid:{udn}::{st}\r\n\r\n"
        ).encode()
        say("SSDP", addr[0], addr[1], st)
        later(random.uniform(0.0, min(mx, 0.5)), lambda: s.sendto(reply, addr))

    serve_udp(sock, handle)


def run_canary(dev: Dev, args: argparse.Namespace) -> None:
    """An HTTP server that must never be contacted: it reports every request."""

    class Canary(_QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            say("HIT", self.client_address[0], self.path)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

    http_server(dev, args.http_port, Canary)


# --- hostile --------------------------------------------------------------------------------------
# Oversized datagrams (near the 65507-byte UDP limit), random garbage, an entity-expansion ("billion
# laughs") XML bomb inside otherwise plausible replies, and a description that streams without end.
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def run_hostile(dev: Dev, args: argparse.Namespace) -> None:
    big = 60000

    def sadp(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if b"<Probe>" not in data:
            return
        s.sendto(b"<ProbeMatch>" + b"<DeviceSN>" + b"A" * big + b"</DeviceSN></ProbeMatch>", addr)
        s.sendto(os.urandom(1500), addr)
        s.sendto((BOMB + "<ProbeMatch><DeviceDescription>&lol9;</DeviceDescription></ProbeMatch>").encode(), addr)

    def dhip(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        s.sendto(dhip_header(big) + b'{"mac":"' + b"9" * big + b'"}', addr)
        s.sendto(b"\x20\x00\x00\x00DHIP" + os.urandom(500), addr)

    def wsd(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if b"ProbeMatches" in data:
            return
        s.sendto((BOMB + "<ProbeMatches><Scopes>&lol9;</Scopes></ProbeMatches>").encode(), addr)
        s.sendto(b"<ProbeMatches>" + b"x" * big, addr)

    def ssdp(s: socket.socket, data: bytes, addr: tuple[str, int]) -> None:
        if not data.startswith(b"M-SEARCH"):
            return
        s.sendto(f"HTTP/1.1 200 OK\r\nLOCATION: http://{dev.ip}:{args.http_port}/endless.xml\r\n\r\n".encode(), addr)
        s.sendto(b"HTTP/1.1 200 OK\r\nX: " + b"y" * big + b"\r\n\r\n", addr)

    class Endless(_QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib name
            say("HTTP-GET", self.client_address[0], self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.end_headers()
            try:
                self.wfile.write(BOMB.encode() + b"<root><device><manufacturer>&lol9;</manufacturer>")
                while True:
                    self.wfile.write(b"<x>" + b"z" * 8192 + b"</x>")
                    time.sleep(0.01)
            except OSError:
                pass

    http_server(dev, args.http_port, Endless)
    serve_udp(udp(dev, SADP_PORT, (SADP_GROUP,)), sadp)
    serve_udp(udp(dev, DHIP_PORT, (DHIP_GROUP,)), dhip)
    serve_udp(udp(dev, WSD_PORT, (WSD_GROUP,)), wsd)
    serve_udp(udp(dev, SSDP_PORT, (SSDP_GROUP,)), ssdp)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--profile",
        required=True,
        choices=["hik-sadp", "dahua-dhip", "wsd-hik", "wsd-dahua", "ssdp", "canary", "hostile"],
    )
    p.add_argument("--dev", required=True)
    p.add_argument("--ip", required=True)
    p.add_argument("--mac", required=True)
    p.add_argument("--model", default="DS-2CD2142FWD-I")
    p.add_argument("--vendor", default="Dahua")
    p.add_argument("--oem", default=None)
    p.add_argument("--http-port", type=int, default=49152)
    p.add_argument("--location-host", default=None)
    p.add_argument("--multicast-only", action="store_true")
    p.add_argument("--typed-only", action="store_true")
    args = p.parse_args(argv)  # fmt: skip
    dev = Dev(args.dev, args.ip, args.mac)
    runners: dict[str, Callable[[Dev, argparse.Namespace], None]] = {
        "hik-sadp": run_hik_sadp,
        "dahua-dhip": run_dahua_dhip,
        "wsd-hik": lambda d, a: run_wsd(d, a, "hik"),
        "wsd-dahua": lambda d, a: run_wsd(d, a, "dahua"),
        "ssdp": run_ssdp,
        "canary": run_canary,
        "hostile": run_hostile,
    }
    runners[args.profile](dev, args)
    say("READY", args.profile, dev.ip)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    sys.exit(main())
