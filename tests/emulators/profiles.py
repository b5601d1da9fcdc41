"""Emulated device profiles, as data: what each device answers on which port.

Each profile is modelled on documented answers; comments cite the source (FACTS.md, PROTOCOLS.md,
or the source line of the KB rule that reads it). Where a real device's unauthenticated answer is
not documented, the profile says which choice was made. Nothing here is copied from firmware.

Port services: ``http``/``https`` (route table below), ``rtsp``, ``open`` (accepts and says
nothing, like the Hikvision SDK port 8000 or Dahua DVRIP 37777), and hostile behaviours
``flood``, ``silent``, ``garbage``, ``trickle``, ``tls-broken``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ISAPI = "/ISAPI/System/deviceInfo"
MAGICBOX = "/cgi-bin/magicBox.cgi?action=getSystemInfo"
ONVIF = "/onvif/device_service"


@dataclass(frozen=True)
class Reply:
    """An HTTP or RTSP answer: status, reason, headers, body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    reason: str = ""


@dataclass(frozen=True)
class Device:
    """One emulated device and what a correct attribution of it is."""

    name: str
    ports: dict[int, str]
    http: dict[str, Reply] = field(default_factory=dict)  # path (with query) -> answer; others 404
    onvif: dict[str, Reply] = field(default_factory=dict)  # SOAP action -> answer
    server: str = ""  # HTTP Server header on every answer (404s included)
    rtsp_server: str = ""
    rtsp_realm: str = ""
    cert_subject: str = ""  # RFC 4514 subject (and issuer: self-signed) of the TLS certificate
    expect_verdict: str = "unknown"
    expect_oem: str | None = None
    expect_label: str | None = None  # label brand the attribution should report
    hostile: bool = False


def digest(realm: str) -> tuple[str, str]:
    """A WWW-Authenticate Digest challenge for ``realm``."""
    return ("WWW-Authenticate", f'Digest realm="{realm}", nonce="4e5451794d7a59314d6a4d364d6a4d3d", qop="auth"')


def unauthorized(realm: str, server: str = "", basic: bool = False) -> Reply:
    """401 with a Digest (or Basic) challenge, as embedded web servers send it."""
    chal = ("WWW-Authenticate", f'Basic realm="{realm}"') if basic else digest(realm)
    hdrs = (("Content-Type", "text/html"), chal)
    return Reply(401, hdrs, b"<html><body>401 Unauthorized</body></html>", "Unauthorized")


def soap(body: str) -> bytes:
    """A SOAP 1.2 envelope in the env:/tds: style of public Hikvision captures (PROTOCOLS.md)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" '
        'xmlns:tds="http://www.onvif.org/ver10/device/wsdl" xmlns:tt="http://www.onvif.org/ver10/schema" '
        'xmlns:ter="http://www.onvif.org/ver10/error">'
        f"<env:Body>{body}</env:Body></env:Envelope>"
    ).encode()


XML = (("Content-Type", "application/soap+xml; charset=utf-8"),)

#: GetSystemDateAndTime is PRE_AUTH (ONVIF Core; PROTOCOLS.md): every ONVIF device answers it.
DATE_TIME = Reply(
    200,
    XML,
    soap(
        "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType>"
        "<tt:UTCDateTime><tt:Date><tt:Year>2024</tt:Year><tt:Month>5</tt:Month><tt:Day>1</tt:Day></tt:Date>"
        "</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>"
    ),
)

#: GetDeviceInformation is not PRE_AUTH; cameras answer "Sender not authorized" (agsh/onvif #184, #210).
NOT_AUTHORIZED = Reply(
    400,
    XML,
    soap(
        "<env:Fault><env:Code><env:Value>env:Sender</env:Value><env:Subcode><env:Value>ter:NotAuthorized"
        '</env:Value></env:Subcode></env:Code><env:Reason><env:Text xml:lang="en">Sender not authorized'
        "</env:Text></env:Reason></env:Fault>"
    ),
    "Bad Request",
)


def device_information(manufacturer: str, model: str, firmware: str, serial: str, hardware: str) -> Reply:
    """A GetDeviceInformationResponse (fields as in the ONVIF device WSDL)."""
    return Reply(
        200,
        XML,
        soap(
            "<tds:GetDeviceInformationResponse>"
            f"<tds:Manufacturer>{manufacturer}</tds:Manufacturer><tds:Model>{model}</tds:Model>"
            f"<tds:FirmwareVersion>{firmware}</tds:FirmwareVersion><tds:SerialNumber>{serial}</tds:SerialNumber>"
            f"<tds:HardwareId>{hardware}</tds:HardwareId></tds:GetDeviceInformationResponse>"
        ),
    )


def html(title: str, body: str = "") -> Reply:
    return Reply(
        200,
        (("Content-Type", "text/html"),),
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body}</body></html>".encode(),
    )


#: Hikvision web UI entry page: redirect script to /doc/page/login.asp (KB hikvision.http.body.login_redirect,
#: code-search id 14231824060).
HIK_ROOT = Reply(
    200,
    (("Content-Type", "text/html"),),
    b'<!DOCTYPE html><html><head><script>window.location.href = "/doc/page/login.asp?_" + '
    b"(new Date()).getTime();</script></head><body></body></html>",
)

#: Dahua web UI entry page naming the web client plugin (FACTS.md 8.2 'dhwebclientplugin'; KB dahua.http.body.plugin).
DAHUA_ROOT = html("WEB SERVICE", '<object id="DhWebClientPlugin" type="application/x-dhwebclientplugin"></object>')

# XML bomb ("billion laughs"): nested entities that expand exponentially if a parser expands them.
XML_BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode() for i in range(1, 10)
    )
    + b"]>\n<DeviceInfo><deviceName>&lol9;</deviceName></DeviceInfo>\n"
)

HIK_CAMERA = Device(
    name="hikvision-camera",
    ports={80: "http", 554: "rtsp", 8000: "open"},
    server="App-webs/",  # FACTS.md 8.1 (scanner signature tables); KB hikvision.http.server.appwebs
    http={
        "/": HIK_ROOT,
        # ISAPI needs credentials on stock firmware: 401 with the camera realm "IP Camera(<code>)"
        # (KB hikvision.realm.ipcamera: Hikvision ISAPI alertStream sample, code-search id 51955284453)
        ISAPI: unauthorized("IP Camera(C2183)"),
    },
    onvif={"GetSystemDateAndTime": DATE_TIME, "GetDeviceInformation": NOT_AUTHORIZED},
    rtsp_realm="IP Camera(C2183)",  # same realm on RTSP DESCRIBE (KB hikvision.realm.ipcamera examples)
    expect_verdict="covered",
    expect_oem="hikvision",
)

HIK_NVR = Device(
    name="hikvision-nvr",
    ports={80: "http", 443: "https", 554: "rtsp", 8000: "open"},
    server="DNVRS-Webs",  # CCrashBandicot/IPCam:hikvision2.pl; FACTS.md 8.1
    http={"/": HIK_ROOT, ISAPI: unauthorized("DVRNVRDVS")},  # realm on an OEM DVR (FACTS.md 8.1, ref 63041181640)
    onvif={"GetSystemDateAndTime": DATE_TIME, "GetDeviceInformation": NOT_AUTHORIZED},
    rtsp_realm="DVRNVRDVS",
    # default recorder certificate (KB hikvision.tls.dvrnvr_default)
    cert_subject="CN=www.hikvision.com,OU=DVRNVR,O=HIKVISION,L=HangZhou,ST=ZheJiang,C=CN",
    expect_verdict="covered",
    expect_oem="hikvision",
)

# LTS sells Hikvision-made units under its own label (IPVM report 6438; KB brand lts). The web UI and
# ISAPI are Hikvision's; this profile models a unit whose ONVIF service answers GetDeviceInformation
# without credentials (some do: agsh/onvif #269) with the LTS label and Hikvision's HardwareId 88
# (FACTS.md 8.1). Model number: an LTS catalogue style code.
LTS_NVR = Device(
    name="lts-nvr",
    ports={80: "http", 554: "rtsp", 8000: "open"},
    server="App-webs/",
    http={"/": HIK_ROOT, ISAPI: unauthorized("IP Camera(J2914)")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information("LTS", "LTN8708K-P8", "V4.61.000 build 220128", "0820220101", "88"),
    },
    rtsp_realm="IP Camera(J2914)",
    expect_verdict="covered",
    expect_oem="hikvision",
    expect_label="LTS",
)

DAHUA_CAMERA = Device(
    name="dahua-camera",
    ports={80: "http", 554: "rtsp", 37777: "open"},
    server="",
    http={
        "/": DAHUA_ROOT,
        # CGI needs credentials: realm "Login to <serial>" (KB dahua.realm.serial; FACTS.md 8.2 serial 4J0186FPAG00123)
        MAGICBOX: unauthorized("Login to 4J0186FPAG00123"),
    },
    onvif={"GetSystemDateAndTime": DATE_TIME, "GetDeviceInformation": NOT_AUTHORIZED},
    rtsp_server="Dahua Rtsp Server",  # KB dahua.rtsp.server
    rtsp_realm="Login to 4J0186FPAG00123",
    expect_verdict="covered",
    expect_oem="dahua",
)

# Amcrest IP4M-1041B: deviceType is Amcrest's model, updateSerial the Dahua model (FACTS.md 8.2; scrypted
# Amcrest plugin comment). Modelled as answering getSystemInfo without credentials (older firmware);
# the keys follow tchellomello/python-amcrest:README.md (version=2.420.AC00.15.R, BuildDate).
AMCREST_CAMERA = Device(
    name="amcrest-camera",
    ports={80: "http", 554: "rtsp", 37777: "open"},
    http={
        "/": html("WEB SERVICE"),
        MAGICBOX: Reply(
            200,
            (("Content-Type", "text/plain;charset=utf-8"),),
            b"appAutoStart=true\r\ndeviceType=IP4M-1041B\r\nhardwareVersion=1.00\r\nprocessor=SSC327DE\r\n"
            b"serialNumber=AMC0123456789ABCDE\r\nupdateSerial=IPC-AW46WN-S2\r\n",
        ),
    },
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information(
            "Amcrest", "IP4M-1041B", "2.420.AC00.15.R, build : 2016-09-08", "AMC0123456789ABCDE", "1.00"
        ),
    },
    rtsp_server="Dahua Rtsp Server",
    expect_verdict="covered",
    expect_oem="dahua",
    expect_label="Amcrest",
)

# Lorex on Dahua firmware (FACTS.md 4.2, 5.1; KB lorex.dhip.vendor: a Lorex 2K camera reports Vendor Lorex,
# Version 2.800.030000000.3.R). ONVIF identity answered without credentials is this profile's choice.
LOREX_CAMERA = Device(
    name="lorex-camera",
    ports={80: "http", 554: "rtsp", 37777: "open"},
    http={"/": html("WEB SERVICE"), MAGICBOX: unauthorized("Login to ND021811019863")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information("Lorex", "W461ASC", "2.800.030000000.3.R", "ND021811019863", "1.00"),
    },
    rtsp_server="Dahua Rtsp Server",
    expect_verdict="covered",
    expect_oem="dahua",
    expect_label="Lorex",
)

# Axis: every protected endpoint challenges with realm AXIS_<MAC> (KB axis.auth.realm, ref 61420452476;
# RTSP realm="AXIS_00408CBEB36A", ref 37597316080).
AXIS_CAMERA = Device(
    name="axis-camera",
    ports={80: "http", 554: "rtsp"},
    http={"/": Reply(302, (("Location", "/index.html"),), b"")},
    onvif={"GetSystemDateAndTime": DATE_TIME, "GetDeviceInformation": unauthorized("AXIS_ACCC8ED78C7B")},
    rtsp_realm="AXIS_ACCC8ED78C7B",
    expect_verdict="not_covered",
    expect_oem="axis",
)

# Bosch FLEXIDOME answering GetDeviceInformation with Manufacturer Bosch (KB bosch.model.family, ref 22691557686).
BOSCH_CAMERA = Device(
    name="bosch-camera",
    ports={80: "http", 443: "https", 554: "rtsp"},
    http={"/": html("FLEXIDOME IP 3000i IR")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information(
            "Bosch", "FLEXIDOME IP 3000i IR", "7.80.0128", "044123456789012345", "F0004D43"
        ),
    },
    cert_subject="CN=FLEXIDOME IP 3000i IR,O=Bosch Security Systems",
    expect_verdict="not_covered",
    expect_oem="bosch",
)

# Hanwha: web viewer title (KB hanwha.http.title.wisenet); ONVIF Manufacturer/Model from the FeatureList
# capture (ref 54654767965: Hanwha Vision XND-A9084RV).
HANWHA_CAMERA = Device(
    name="hanwha-camera",
    ports={80: "http", 554: "rtsp"},
    http={"/": html("Wisenet WEBVIEWER")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information("Hanwha Vision", "XND-A9084RV", "1.41.01", "ZH1234567", "XND"),
    },
    expect_verdict="not_covered",
    expect_oem="hanwha",
)

# Uniview: ONVIF Model IPC2324SR5 with Manufacturer Uniview (KB uniview.model.ipc, ref 68505988142).
UNIVIEW_CAMERA = Device(
    name="uniview-camera",
    ports={80: "http", 554: "rtsp"},
    http={"/": html("Web")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information(
            "Uniview", "IPC2324SR5-DPF40", "IPC_6201", "210235C3LH3201000123", "1"
        ),
    },
    expect_verdict="not_covered",
    expect_oem="uniview",
)

# Reolink: Manufacturer Reolink, model RLC-810A, firmware v3.0.0.136_20121100 (KB reolink.* rules).
REOLINK_CAMERA = Device(
    name="reolink-camera",
    ports={80: "http", 443: "https", 554: "rtsp"},
    http={"/": html("Reolink")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information(
            "Reolink", "RLC-810A", "v3.0.0.136_20121100", "00000000000000", "IPC_523128M8MP"
        ),
    },
    cert_subject="CN=reolink",
    expect_verdict="not_covered",
    expect_oem="reolink",
)

# A generic embedded box: GoAhead web server (platform only, KB generic.http.server.goahead) and LIVE555
# RTSP (KB generic.server.live555). Nothing names a manufacturer: the verdict must stay unknown.
GENERIC_GOAHEAD = Device(
    name="generic-goahead",
    ports={80: "http", 554: "rtsp"},
    server="GoAhead-Webs",
    http={"/": unauthorized("GoAhead", basic=True)},
    rtsp_server="LIVE555 Streaming Media v2013.02.11",
    expect_verdict="unknown",
)

GENERIC_BOA = Device(
    name="generic-boa",
    ports={80: "http"},
    server="Boa/0.94.14rc21",
    http={"/": html("Network Camera")},
    expect_verdict="unknown",
)

# --- hostile devices: each must cost at most its caps and leave the scan going ----------------------

FLOOD = Device(name="hostile-flood", ports={80: "flood"}, hostile=True)  # 100 MB answer
SILENT = Device(name="hostile-silent", ports={80: "silent", 554: "silent"}, hostile=True)  # never answers/closes
GARBAGE = Device(name="hostile-garbage", ports={80: "garbage", 554: "garbage"}, hostile=True)
TRICKLE = Device(name="hostile-trickle", ports={80: "trickle"}, hostile=True)  # slowloris-style answer
BROKEN_TLS = Device(name="hostile-broken-tls", ports={443: "tls-broken"}, hostile=True)
BAD_UTF8 = Device(
    name="hostile-bad-utf8",
    ports={80: "http"},
    server="Web\xff\xfeServer",  # sent as Latin-1 bytes: invalid UTF-8 in a header
    http={"/": Reply(200, (("Content-Type", "text/html"),), b"<title>\xff\xfe\xc3(</title>\x80\x81 body")},
    hostile=True,
)
XML_BOMB_DEVICE = Device(
    name="hostile-xml-bomb",
    ports={80: "http"},
    http={ISAPI: Reply(200, (("Content-Type", "application/xml"),), XML_BOMB)},
    hostile=True,
)

CAMERAS = (
    HIK_CAMERA,
    HIK_NVR,
    LTS_NVR,
    DAHUA_CAMERA,
    AMCREST_CAMERA,
    LOREX_CAMERA,
    AXIS_CAMERA,
    BOSCH_CAMERA,
    HANWHA_CAMERA,
    UNIVIEW_CAMERA,
    REOLINK_CAMERA,
    GENERIC_GOAHEAD,
    GENERIC_BOA,
)
HOSTILE = (FLOOD, SILENT, GARBAGE, TRICKLE, BROKEN_TLS, BAD_UTF8, XML_BOMB_DEVICE)
ALL = CAMERAS + HOSTILE
BY_NAME = {d.name: d for d in ALL}
