"""Parsers on messy and hostile input: what real data looks like, and what attackers send."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from trueoem.match.facets import PARSERS, facets_of, fcc_ids_in, ised_ids_in, model_tokens, normalise_mac
from trueoem.model import Observation


def fields(kind: str, raw: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f in facets_of(Observation(kind, raw, "t")):
        out.setdefault(f.field, []).append(f.value)
    return out


def test_lone_server_line() -> None:
    assert fields("http", "Server: DNVRS-Webs")["http.server"] == ["DNVRS-Webs"]


def test_full_response_with_realm_and_title() -> None:
    raw = (
        'HTTP/1.1 401 Unauthorized\r\nServer: App-webs/\r\nWWW-Authenticate: Digest realm="DS-2CD2143G0-I", '
        'nonce="abc"\r\n\r\n<html><head><title>Index</title></head></html>'
    )
    f = fields("http", raw)
    assert f["http.server"] == ["App-webs/"]
    assert f["http.realm"] == ["DS-2CD2143G0-I"]
    assert f["http.title"] == ["Index"]


def test_body_fragment_without_headers() -> None:
    f = fields("http", '<script src="/doc/script/lib/seajs/sea.js"></script>')
    assert "http.body" in f


def test_dict_pasted_from_a_log_json_and_repr() -> None:
    j = json.dumps({"status": 200, "headers": {"Server": "Boa/0.94.14rc21"}, "body": "<title>NVR</title>"})
    r = "{'headers': {'Server': 'Boa/0.94.14rc21'}, 'body': '<title>NVR</title>'}"
    for raw in (j, r):
        f = fields("http", raw)
        assert f["http.server"] == ["Boa/0.94.14rc21"], raw
        assert f["http.title"] == ["NVR"]


def test_isapi_device_info() -> None:
    raw = (
        '<?xml version="1.0" encoding="UTF-8"?><DeviceInfo version="2.0" '
        'xmlns="http://www.hikvision.com/ver20/XMLSchema"><deviceName>Lobby</deviceName>'
        "<model>DS-2CD2143G0-I</model><serialNumber>DS-2CD2143G0-I20190101AAWRC12345678</serialNumber>"
        "<macAddress>44:19:b6:01:02:03</macAddress><firmwareVersion>V5.5.82</firmwareVersion>"
        "<firmwareReleasedDate>build 190120</firmwareReleasedDate></DeviceInfo>"
    )
    f = fields("isapi_deviceinfo", raw)
    assert f["model"] == ["DS-2CD2143G0-I"]
    assert "http://www.hikvision.com/ver20/XMLSchema" in f["xml.namespace"]
    assert f["mac"] == ["4419B6010203"]
    assert "V5.5.82 build 190120" in f["firmware"]
    assert "systemContact=x" not in f["isapi.kv"]


def test_xml_bomb_is_refused_and_does_not_expand() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;'
        '&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        "<DeviceInfo><model>&lol3;</model></DeviceInfo>"
    )
    f = fields("isapi_deviceinfo", bomb)
    assert all("lollol" not in v for vs in f.values() for v in vs)


def test_external_entity_is_not_fetched() -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a><model>&e;</model></a>'
    f = fields("isapi_deviceinfo", xxe)
    assert all("root:" not in v for vs in f.values() for v in vs)


def test_dahua_cgi_key_values() -> None:
    f = fields(
        "dahua_cgi",
        "deviceType=IP4M-1041B\r\nprocessor=SSC327DE\r\nserialNumber=9B02D4APAZ12345\r\nupdateSerial=IPC-AW46WN-S2\r\n",
    )
    assert set(f["model"]) == {"IP4M-1041B", "IPC-AW46WN-S2"}
    assert "updateSerial=IPC-AW46WN-S2" in f["dahua.kv"]


def test_dhip_with_binary_header_and_trailing_byte() -> None:
    body = json.dumps(
        {
            "mac": "3c:ef:8c:00:11:22",
            "method": "client.notifyDevInfo",
            "params": {
                "deviceInfo": {
                    "DeviceType": "IPC-HDW2431T-AS-S2",
                    "SerialNo": "6G0AB12PAZ1234",
                    "Vendor": "Dahua",
                    "Version": "2.800.0000016.0.R",
                }
            },
        }
    )
    raw = "\x20\x00\x00\x00DHIP" + "\x00" * 24 + body + "\x00"
    f = fields("dhip", raw)
    assert f["model"] == ["IPC-HDW2431T-AS-S2"]
    assert f["device.manufacturer"] == ["Dahua"]
    assert f["mac"] == ["3CEF8C001122"]


def test_ws_discovery_scopes() -> None:
    raw = (
        "<s:Envelope><s:Body><d:ProbeMatches><d:ProbeMatch><d:Scopes>onvif://www.onvif.org/type/video_encoder "
        "onvif://www.onvif.org/hardware/DS-2CD2143G0-I onvif://www.onvif.org/name/HIKVISION%20DS-2CD2143G0-I"
        "</d:Scopes><d:XAddrs>http://127.0.0.1/onvif/device_service</d:XAddrs></d:ProbeMatch></d:ProbeMatches>"
        "</s:Body></s:Envelope>"
    )
    f = fields("ws_discovery", raw)
    assert "DS-2CD2143G0-I" in f["model"]
    assert f["ws.xaddr"] == ["http://127.0.0.1/onvif/device_service"]


def test_ssdp_reply_and_description() -> None:
    f = fields(
        "ssdp_description",
        "HTTP/1.1 200 OK\r\nSERVER: Linux/3.0, UPnP/1.0, Portable SDK for UPnP devices/1.6.6"
        "\r\nLOCATION: http://127.0.0.1:49152/desc.xml\r\n\r\n",
    )
    assert f["ssdp.server"]
    d = fields(
        "ssdp_description",
        "<root><device><manufacturer>Hikvision</manufacturer><modelName>DS-7608NI-K2"
        "</modelName><friendlyName>NVR</friendlyName></device></root>",
    )
    assert d["device.manufacturer"] == ["Hikvision"]
    assert d["model"] == ["DS-7608NI-K2"]


def test_tls_certificate_forms() -> None:
    assert fields("tls_cert", "subject=CN=IPC, O=Hikvision, C=CN; issuer=CN=IPC, O=Hikvision, C=CN")["tls.subject"]
    j = fields("tls_cert", json.dumps({"subject": "CN=192.168.1.64", "issuer": "CN=hikvision"}))
    assert j["tls.issuer"] == ["CN=hikvision"]


def test_tls_names_quoted_in_a_log_line_end_at_their_quote() -> None:
    # Zeek's x509 log and others write key="value": the name is what the quotes hold, not the rest of the line
    line = 'x509 ts=1.5 host=10.0.0.1 subject="CN=Acme XR-5, O=Acme" issuer="CN=Acme CA" san.dns=xr5.local'
    f = fields("tls_cert", line)
    assert f["tls.subject"] == ["CN=Acme XR-5,O=Acme"]
    assert f["tls.issuer"] == ["CN=Acme CA"]


def test_a_year_in_brackets_in_a_description_dates_the_item() -> None:
    assert fields("description", "Honor 9 smartphone (2017)")["date"] == ["2017-07-01"]
    assert "date" not in fields("description", "8-port switch (24 ports total) 2017 edition")
    assert "date" not in fields("description", "NVR (1080) 16 channels")


def test_html_title_character_references_are_decoded() -> None:
    page = "HTTP/1.1 200 OK\r\n\r\n<html><title>&#82;&#55;&#48;&#48;&#48; &amp; Co</title></html>"
    f = fields("http", page)
    assert f["http.title"] == ["R7000 & Co"]
    assert "R7000" in f["model"]


def test_json_api_product_name_is_a_model() -> None:
    body = '{"Id": "1", "Oem": {"Acme": {"ProductName": "XR-2000 V2"}}}'
    f = fields("http", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + body)
    assert f["model"] == ["XR-2000 V2"]


def test_tls_names_in_every_written_form_come_out_alike() -> None:
    # the same (invented) certificate name as OpenSSL, its old slash form, Censys/zgrab2, Nmap's
    # long names, a Shodan-style mapping and RFC 4514 itself: one string for the rules to read
    want = "CN=cam-0042,OU=Video,O=Example Vision Co.\\, Ltd.,L=Springfield,ST=Some State,C=US"
    forms = [
        'subject=C = US, ST = Some State, L = Springfield, O = "Example Vision Co., Ltd.", OU = Video, CN = cam-0042',
        "subject=/C=US/ST=Some State/L=Springfield/O=Example Vision Co., Ltd./OU=Video/CN=cam-0042",
        "subject=C=US, ST=Some State, L=Springfield, O=Example Vision Co., Ltd., OU=Video, CN=cam-0042",
        "subject=commonName=cam-0042,organizationalUnitName=Video,organizationName=Example Vision Co.\\, Ltd."
        ",localityName=Springfield,stateOrProvinceName=Some State,countryName=US",
        # Nmap's ssl-cert script: "| ssl-cert: Subject: commonName=.../organizationName=.../countryName=..."
        "| ssl-cert: Subject: commonName=cam-0042/organizationalUnitName=Video/organizationName=Example Vision"
        " Co., Ltd./localityName=Springfield/stateOrProvinceName=Some State/countryName=US",
        json.dumps(
            {
                "subject": {
                    "C": "US",
                    "ST": "Some State",
                    "L": "Springfield",
                    "O": "Example Vision Co., Ltd.",
                    "OU": "Video",
                    "CN": "cam-0042",
                }
            }
        ),
        "subject=" + want,
    ]
    for raw in forms:
        assert fields("tls_cert", raw)["tls.subject"] == [want], raw
    # curl -v: "*  subject: CN=...; C=...; O=..." (semicolons between the parts, most specific first)
    curl = "*  subject: CN=cam-0042; OU=Video; O=Example Vision Co., Ltd.; L=Springfield; ST=Some State; C=US"
    assert fields("tls_cert", curl + "\n*  start date: Jan  1 00:00:00 2024 GMT")["tls.subject"] == [want]
    two = fields("tls_cert", "subject=CN=cam-0042; issuer=CN=Example CA")  # ";" before the next name ends one
    assert two["tls.subject"] == ["CN=cam-0042"] and two["tls.issuer"] == ["CN=Example CA"]
    # Censys' parsed name: lists of values under long names, beside its subject_dn
    censys = {"subject": {"common_name": ["cam-0042"], "organization": ["Example Vision"], "country": ["US"]}}
    assert fields("tls_cert", json.dumps(censys))["tls.subject"] == ["CN=cam-0042,O=Example Vision,C=US"]
    # an e-mail address is written the way the cryptography package writes a real certificate's
    assert fields("tls_cert", "subject=emailAddress=ops@example.org, CN=gw")["tls.subject"] == [
        "1.2.840.113549.1.9.1=ops@example.org,CN=gw"
    ]
    # what is not a name stays as it came
    assert fields("tls_cert", "subject=self-signed camera cert")["tls.subject"] == ["self-signed camera cert"]


def test_tls_rule_reads_a_name_in_any_form() -> None:
    from trueoem.attribute import attribute
    from trueoem.kb.compiled import load_compiled
    from trueoem.model import Observation

    ckb = load_compiled()
    for raw in (
        "subject=C = CN, ST = ZheJiang, L = HangZhou, O = HIKVISION, OU = DVRNVR, CN = www.hikvision.com",
        "subject=/C=CN/ST=ZheJiang/L=HangZhou/O=HIKVISION/OU=DVRNVR/CN=www.hikvision.com",
        "subject=commonName=www.hikvision.com,organizationalUnitName=DVRNVR,organizationName=HIKVISION,"
        "localityName=HangZhou,stateOrProvinceName=ZheJiang,countryName=CN",
    ):
        a = attribute("t", [Observation("tls_cert", raw, "test")], ckb)
        assert "hikvision.tls.dvrnvr_default" in {e.rule for e in a.evidence}, raw


def test_tls_real_der_certificate() -> None:
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "IP Camera"), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Acme")]
    )
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("cam.local")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    f = fields("tls_cert", pem)
    assert f["tls.subject"] == ["O=Acme,CN=IP Camera"]
    assert f["tls.san"] == ["cam.local"]


def test_mac_forms() -> None:
    for raw in ("44:19:B6:01:02:03", "44-19-b6-01-02-03", "4419.b601.0203", "4419B6010203"):
        assert normalise_mac(raw) == "4419B6010203"
    for oui in ("44:19:B6", "4419B6", "44-19-b6"):
        assert fields("mac", oui)["mac"] == ["4419B6"]
    assert "mac" not in fields("mac", "not a mac")


def test_fcc_ids_in_free_text_and_fields() -> None:
    assert "2ADTD-5604SD" in fcc_ids_in("DVR, FCC ID: 2ADTD-5604SD, 4ch")
    assert fields("fcc_id", "FCC ID QISEM770W")["fcc_id"] == ["QISEM770W"]
    assert "2ADTD-5604SD" in fields("description", "Mobile DVR 2ADTD-5604SD")["fcc_id"]


def test_model_tokens() -> None:
    toks = model_tokens("Hikvision DS-2CD2143G0-I 4MP dome, 2.8mm (IP67)")
    assert "DS-2CD2143G0-I" in toks


def test_huge_field_is_capped() -> None:
    f = facets_of(Observation("http", "Server: " + "A" * 10_000_000, "t"))
    assert all(len(x.value) <= 65536 for x in f)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(PARSERS)), st.text(max_size=2000))
def test_no_parser_raises_on_arbitrary_text(kind: str, raw: str) -> None:
    facets_of(Observation(kind, raw, "fuzz"))


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(
        [
            "http",
            "isapi_deviceinfo",
            "onvif_device_information",
            "ssdp_description",
            "sadp",
            "dhip",
            "tls_cert",
            "ws_discovery",
        ]
    ),
    st.binary(max_size=3000),
)
def test_no_parser_raises_on_arbitrary_bytes(kind: str, raw: bytes) -> None:
    facets_of(Observation(kind, raw.decode("latin-1"), "fuzz"))


def test_xmltodict_dict_from_a_debug_log() -> None:
    # xmltodict's form of an XML answer (attributes as "@name", text with attributes as "#text"),
    # printed by a log line after the request URL: https://github.com/martinblech/xmltodict#readme
    doc = {
        "DeviceInfo": {
            "@version": "2.0",
            "@xmlns": "http://www.isapi.org/ver20/XMLSchema",
            "deviceName": "Gate",
            "model": {"@opt": "x", "#text": "DS-2CD2143G0-I"},
            "firmwareVersion": "V5.5.82",
            "firmwareReleasedDate": "build 190120",
        }
    }
    for raw in (repr(doc), json.dumps(doc), "DEBUG GET http://192.0.2.7/ISAPI/System/deviceInfo " + repr(doc)):
        f = fields("isapi_deviceinfo", raw)
        assert f["xml.namespace"] == ["http://www.isapi.org/ver20/XMLSchema"], raw
        assert f["model"] == ["DS-2CD2143G0-I"]
        assert "V5.5.82 build 190120" in f["firmware"]
        assert not any(v.startswith("@") for v in f["isapi.kv"])  # attributes are not fields
    # a prefix is only read when a dict follows it on the same line
    assert "xml.namespace" not in fields("isapi_deviceinfo", "note: see\n{'@xmlns': 'http://www.isapi.org/x'}")


def test_dict_cut_short_in_a_log_keeps_its_complete_pairs() -> None:
    cut = (
        "{'@version': '2.0', '@xmlns': 'http://www.isapi.org/ver20/XMLSchema', 'deviceName': 'NVR', "
        "'model': 'DS-7732NI-K4', 'serialNu"
    )
    for raw in (cut, cut.replace("'", '"')):
        f = fields("isapi_deviceinfo", raw)
        assert f["model"] == ["DS-7732NI-K4"], raw
        assert f["xml.namespace"] == ["http://www.isapi.org/ver20/XMLSchema"]
        assert "serialNu" not in " ".join(f.get("isapi.kv", []))  # the cut pair is not read


# A CWMP Inform as a CPE posts it to its ACS, written for this test after the message layout of
# TR-069 Amendment 6 (DeviceIdStruct, ParameterValueStruct) and the TR-098 DeviceInfo parameter names.
_INFORM = (
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" xmlns:cwmp="urn:dslforum-org:cwmp-1-0">'
    "<soap:Body><cwmp:Inform><DeviceId><Manufacturer>Acme Networks</Manufacturer><OUI>a1b2c3</OUI>"
    "<ProductClass>XG-100</ProductClass><SerialNumber>ACME0001</SerialNumber></DeviceId>"
    "<ParameterList><ParameterValueStruct><Name>InternetGatewayDevice.DeviceSummary</Name><Value></Value>"
    "</ParameterValueStruct><ParameterValueStruct><Name>InternetGatewayDevice.DeviceInfo.ModelName</Name>"
    '<Value xsi:type="xsd:string">XG-100 Pro</Value></ParameterValueStruct><ParameterValueStruct>'
    "<Name>InternetGatewayDevice.DeviceInfo.SoftwareVersion</Name><Value>V1.2.3</Value></ParameterValueStruct>"
    "<ParameterValueStruct><Name>InternetGatewayDevice.LANDevice.1.Hosts.Host.1.HostName</Name>"
    "<Value>printer</Value></ParameterValueStruct></ParameterList></cwmp:Inform></soap:Body></soap:Envelope>"
)


def test_tr069_inform_device_id_and_parameters() -> None:
    for kind, raw in (
        ("banner", _INFORM),
        ("http", "POST /acs HTTP/1.1\r\nHost: acs.example\r\nContent-Type: text/xml\r\n\r\n" + _INFORM),
    ):
        f = fields(kind, raw)
        assert f["model"] == ["XG-100", "XG-100 Pro"], kind  # ProductClass, then DeviceInfo.ModelName
        assert f["device.manufacturer"] == ["Acme Networks"], kind
        assert f["mac"] == ["A1B2C3"], kind  # the OUI, read as a MAC block
        assert f["firmware"] == ["V1.2.3"], kind
        assert f["serial"] == ["ACME0001"], kind
        named = [v for k, vs in f.items() if k not in ("banner", "http.body") for v in vs]
        assert "printer" not in named, kind  # a LAN host's name is not the device's


def test_tr069_parameter_listing_reads_device_info_only() -> None:
    listing = (
        "InternetGatewayDevice.DeviceInfo.ManufacturerOUI = A1B2C3\n"
        "Device.DeviceInfo.ModelName: XG-200\n"
        "InternetGatewayDevice.DeviceInfo.ProductClass = XG-200-EU\n"
        "Device.Services.VoiceService.1.Capabilities.Codecs.1.Version = 2.0\n"
        "InternetGatewayDevice.LANDevice.1.Hosts.Host.1.HostName = laptop\n"
    )
    f = fields("banner", listing)
    assert f["model"][:2] == ["XG-200", "XG-200-EU"]  # (then the banner's words, as free text)
    assert f["mac"] == ["A1B2C3"]
    assert "firmware" not in f  # a voice codec's Version is not the device's firmware


def test_key_spellings_are_one_key() -> None:
    f = fields(
        "http", 'HTTP/1.1 200 OK\r\n\r\n{"manufacturer_name": "Acme", "Device-Model": "XR-7", "sw_version": "1.2.3"}'
    )
    assert f["device.manufacturer"] == ["Acme"]
    assert f["model"] == ["XR-7"]
    assert f["firmware"] == ["1.2.3"]


def test_plain_text_body_with_chinese_labels() -> None:
    # a status page served as text, labelled in Chinese (full-width colon on one line)
    body = "设备类型: GPON\n生产厂家：Acme\n设备型号: \tXG-300\n软件版本: V1R002C00\n"
    f = fields("http_body", body)
    assert f["device.manufacturer"] == ["Acme"]
    assert "XG-300" in f["model"]
    assert f["firmware"] == ["V1R002C00"]


def test_banner_and_plain_body_free_text_is_mined() -> None:
    # a banner that is neither key=value nor XML: its model-like words and brand names are read as text
    f = fields("banner", "**XR-9000-PRO** by Acme    firmware notes follow")
    assert "XR-9000-PRO" in f["model"]
    assert f["text"] == ["**XR-9000-PRO** by Acme    firmware notes follow"]
    f = fields("http_body", "2024-01-01 12:00:00 probe ok: model XR-9000-PRO, mac 00:11:22:33:44:55")
    assert "XR-9000-PRO" in f["model"] and f["mac"] == ["001122334455"]
    # HTML is not mined as text (scripts and menus are full of model-like words)
    assert "model" not in fields("http_body", "<html><body>XR-9000-PRO</body></html>")


def test_version_numbers_inside_labelled_firmware_strings() -> None:
    f = fields("firmware", "system version 3.210.0000001.7.R, web 4.1.2")
    assert f["firmware"] == [
        "system version 3.210.0000001.7.R, web 4.1.2",
        "3.210.0000001.7.R, web 4.1.2",  # the label dropped
        "3.210.0000001.7.R",
        "4.1.2",
    ]
    f = fields("firmware", "('V7R001C02SPC100', '2020-01-01')")
    assert f["firmware"][1:] == ["V7R001C02SPC100"]
    assert fields("firmware", "V2.1.0")["firmware"] == ["V2.1.0"]  # a bare version stays one facet


def test_a_labelled_firmware_string_is_also_read_without_its_label() -> None:
    assert fields("firmware", "Fw V4.84.100 build 250918")["firmware"][1] == "V4.84.100 build 250918"
    assert fields("firmware", "Software Version: 3.210.0000001.7.R")["firmware"][1] == "3.210.0000001.7.R"
    assert fields("firmware", "Firmware 1.2.3")["firmware"][1] == "1.2.3"
    assert "model" not in fields("firmware", "Fw V4.84.100 build 250918")  # versions and labels are no models


def test_a_firmware_string_naming_its_device_gives_the_model() -> None:
    assert fields("firmware", "XB-2000A V1.1.0_AB5.1T16")["model"] == ["XB-2000A"]
    # a firmware string in words is read as text too (maker names, the text rules)
    assert fields("firmware", "Acme XR-9 Software Version: V1.2.2")["text"] == ["Acme XR-9 Software Version: V1.2.2"]
    assert "text" not in fields("firmware", "V1.2.2")
    assert "model" not in fields("firmware", "2.800.0000000.15.R, build : 2016-09-08")


def test_a_model_typed_in_lower_case_is_read_in_upper_case_too() -> None:
    assert fields("model", "ab-2cd2143g0-i")["model"] == ["ab-2cd2143g0-i", "AB-2CD2143G0-I"]
    assert fields("model", "xr785")["model"] == ["xr785", "XR785"]
    assert fields("model", "Xr785")["model"] == ["Xr785"]  # mixed case is as the maker writes it
    assert fields("model", "camera")["model"] == ["camera"]  # a word without a digit is no model number


def test_object_repr_with_unquoted_values_in_a_log() -> None:
    # a library's object printed into a log: quoted keys, bare values (and a prefix before the dict)
    line = "result: {'Manufacturer': Acme, 'Model': XR-5, 'FirmwareVersion': V1.0 build 200101, 'HardwareId': None}"
    f = fields("onvif_device_information", line)
    assert f["device.manufacturer"] == ["Acme"] and f["model"] == ["XR-5"]
    assert f["firmware"] == ["V1.0 build 200101"]
    assert "onvif.kv" in f and not any(v.endswith("=None") for v in f["onvif.kv"])


def test_xml_after_a_multipart_preamble() -> None:
    # one part of a multipart/mixed event stream: part headers, then the XML document
    body = (
        "--boundary\r\nContent-Type: application/xml; charset=UTF-8\r\nContent-Length: 120\r\n\r\n"
        '<EventAlert version="2.0" xmlns="http://example.com/ns/events"><model>XR-6</model>'
        "<eventType>motion</eventType></EventAlert>\r\n--boundary"
    )
    f = fields("http_body", body)
    assert f["xml.namespace"] == ["http://example.com/ns/events"]
    assert f["model"] == ["XR-6"]


def test_ised_numbers_are_read_only_where_labelled() -> None:
    assert ised_ids_in("FCC ID: 2AB12-X1  IC: 12345A-X1  ISED ID:20219-ab7") == ["12345A-X1", "20219-AB7"]
    assert ised_ids_in("12345A-X1") == [] and ised_ids_in("ARC: 12345A-X1") == []  # no label, another label
    assert fields("model", "XR-1 (IC: 12345A-XR1)")["ised_id"] == ["12345A-XR1"]
    f = fields("fcc_id", "2AB12-XR1 / IC: 12345A-XR1")
    assert f["ised_id"] == ["12345A-XR1"] and f["fcc_id"] == ["2AB12-XR1"]
    assert fields("description", "Radio, FCC ID ABC-1, IC: 999B-R1")["ised_id"] == ["999B-R1"]


def test_macs_in_text_in_every_cli_form() -> None:
    text = "Chassis ID: 00e0-fc12-3456\n10.0.0.9  4419-b612-3457  5  D-0  GE0/0/1\nbc:ad:28:00:00:01 aabb.cc00.0102"
    assert sorted(fields("banner", text)["mac"]) == ["00E0FC123456", "4419B6123457", "AABBCC000102", "BCAD28000001"]
    # a UUID's inner groups are not a MAC
    assert "mac" not in fields("banner", "id 123e4567-e89b-12d3-a456-426614174000")


def test_a_banner_that_only_looks_like_xml_is_read_as_text() -> None:
    # kernel and syslog levels, log-level tags: "<6>", "<134>", "<debug>"
    f = fields("banner", "<6>[   12.3] usb 1-6: Manufacturer: Acme Radio Co")
    assert f["text"] == ["<6>[   12.3] usb 1-6: Manufacturer: Acme Radio Co"]
    assert "xml.namespace" in fields("banner", '<r xmlns="urn:x"><model>XR-5</model></r>')  # XML stays XML


def test_a_dict_printed_after_a_log_prefix_in_a_banner() -> None:
    line = "DEBUG GET http://h/api/deviceInfo {'@xmlns': 'urn:acme:ver1', 'model': 'XR-5/8P', 'serialNumber': 'S1'}"
    f = fields("banner", line)
    assert f["xml.namespace"] == ["urn:acme:ver1"] and "XR-5/8P" in f["model"] and f["serial"] == ["S1"]
    f = fields("banner", "True: {'Model': XR-7, 'FirmwareVersion': V1.2.3 build 140616, 'Manufacturer': ACME}")
    assert f["device.manufacturer"] == ["ACME"] and f["firmware"] == ["V1.2.3 build 140616"]


def test_a_model_number_is_not_read_as_an_fcc_id() -> None:
    assert "fcc_id" not in fields("banner", "camera DS-2DF7286-A online")
    assert fields("banner", "label 2ADTD-DS2CD2143")["fcc_id"] == ["2ADTD-DS2CD2143"]


def test_a_byte_order_mark_before_a_document_and_goform_model_keys() -> None:
    assert fields("http_body", '\ufeff{"modem_model": "XR-286R", "wa_inner_version": "B01"}')["model"] == ["XR-286R"]
    assert "xml.namespace" in fields("banner", '\ufeff<r xmlns="urn:x"><model>XR-5</model></r>')


def test_isapi_and_dahua_answers_in_json_are_read_as_their_documents() -> None:
    isapi = '{"DeviceInfo": {"deviceName": "Dock", "model": "XR-2", "firmwareReleasedDate": "build 220112"}}'
    f = fields("http_body", isapi)
    assert "model=XR-2" in f["isapi.kv"] and f["model"] == ["XR-2"]
    rpc = '{"id": 3, "result": true, "params": {"deviceType": "XR-5", "updateSerial": "XR-5-S2", "processor": "X"}}'
    f = fields("http_body", rpc)
    assert "updateSerial=XR-5-S2" in f["dahua.kv"]
    assert "isapi.kv" not in fields("http_body", '{"model": "XR-2", "name": "x"}')  # any other JSON: its fields


def test_usb_devices_tagged_pairs() -> None:
    raw = (
        "T:  Bus=01 Lev=01 Prnt=01 Port=05 Cnt=02 Dev#=  4 Spd=480 MxCh= 0\n"
        "P:  Vendor=abcd ProdID=1405 Rev=01.02\n"
        "S:  Manufacturer=Acme Radio,Incorporated\n"
        "S:  Product=Acme Mobile Broadband XR-5"
    )
    f = fields("banner", raw)
    assert "Acme Radio,Incorporated" in f["device.manufacturer"]
    assert "XR-5" in f["model"] and not any("=" in m or m in ("01", "Bus") for m in f["model"])
    assert fields("banner", "result deviceType=XR-5,serial=1")["model"][0] == "XR-5"


def test_an_rtsp_describe_answer_keeps_its_sdp_as_a_banner() -> None:
    raw = (
        "RTSP/1.0 200 OK\r\nCSeq: 3\r\nContent-Type: application/sdp\r\nContent-Length: 60\r\n\r\n"
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=Acme Stream Server V1.2\r\nt=0 0\r\n"
    )
    f = fields("rtsp", raw)
    assert "content-type: application/sdp" in f["rtsp.header"]
    assert any("s=Acme Stream Server V1.2" in b for b in f["banner"])
    assert "banner" not in fields("rtsp", "RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n\r\n")  # no body, no banner


def test_usb_ids_in_the_forms_tools_print_them() -> None:
    from trueoem.match.facets import usb_ids_in

    assert usb_ids_in("Bus 001 Device 008: ID abcd:1405 Acme Modem") == ["abcd:1405"]
    assert usb_ids_in(r"USB\VID_ABCD&PID_1405\5&1a2b") == ["abcd:1405"]
    assert usb_ids_in("usb 1-1: New USB device found, idVendor=abcd, idProduct=1405, bcdDevice= 1.02") == ["abcd:1405"]
    assert usb_ids_in('ATTRS{idVendor}=="abcd", ATTRS{idProduct}=="0076", MODE="0666"') == ["abcd:0076"]
    assert usb_ids_in("  idVendor           0xabcd Acme Ltd.\n  idProduct          0x1506 Modem") == ["abcd:1506"]
    assert usb_ids_in("P:  Vendor=abcd ProdID=1489 Rev=ff.ff") == ["abcd:1489"]
    assert usb_ids_in("alias usb:vABCDp1405d0102dc00 option") == ["abcd:1405"]
    assert usb_ids_in('SUBSYSTEM=="usb", ATTR{idVendor}=="abcd"') == ["abcd:"]
    assert usb_ids_in("usb_modeswitch: switching abcd_1514 on 001/004") == ["abcd:1514"]
    # a pair of hex words is a USB id only on a usb_modeswitch line
    assert usb_ids_in("build beef_1514 at 12:30") == []
    assert fields("banner", "usb_modeswitch data attached: abcd:1514")["usb.id"] == ["abcd:1514"]


def test_a_configuration_path_with_a_colon_splits_at_the_equals_sign() -> None:
    raw = "table.RemoteDevice.uuid:System_CONFIG_0.DeviceType=XR-5\r\ntable.General.MachineName=Lobby\r\n"
    f = fields("dahua_cgi", raw)
    assert "table.RemoteDevice.uuid:System_CONFIG_0.DeviceType=XR-5" in f["dahua.kv"]
    assert "model" not in f  # a remote device's type is not this device's model
    from trueoem.match.facets import kv_lines

    assert kv_lines("Model: XR-5 build=2") == [("Model", "XR-5 build=2")]  # a colon then a space: the usual split


def test_a_model_string_holding_pairs_and_models_typed_in_mixed_case_in_text() -> None:
    f = fields("model", '"manufacturer": "Acme", "model": "XR-5", "serialNumber": "X1"  (box says XR-5T)')
    assert f["device.manufacturer"] == ["Acme"] and "XR-5" in f["model"] and f["serial"] == ["X1"]
    f = fields("banner", "型号 acme xr10 b860AV1.1-T")
    assert "B860AV1.1-T" in f["model"] and "b860AV1.1-T" in f["model"]
    assert "H264" not in fields("banner", "codec h264 stream")["model"]  # short tokens stay as written


def test_an_android_user_agent_names_the_device_model() -> None:
    ua = "User-Agent: Mozilla/5.0 (Linux; Android 8.1.0; ACME XR530 Build/O11019; wv) AppleWebKit/537.36"
    assert "ACME XR530" in fields("http_headers", ua)["model"]
    ua = "User-Agent: Mozilla/5.0 (Linux; U; Android 4.4.2; en-us; XR-5 Build/KOT49H) AppleWebKit/534.30"
    assert "XR-5" in fields("http_headers", ua)["model"]
    # Chrome's reduced agent says "K", not the model
    assert "model" not in fields("http_headers", "User-Agent: Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36")


def test_a_certificate_printed_on_one_line_and_its_organisations_as_text() -> None:
    raw = (
        "Signature Algorithm: sha256WithRSAEncryption Issuer: CN=Acme CA, O=Acme BRAS, C=AT Validity Not Before: "
        "Sep 12 22:18:27 2022 GMT Not After : Sep 7 22:18:27 2042 GMT Subject: C=cn, O=acme\\, inc, CN=hello"
    )
    f = fields("tls_cert", raw)
    assert f["tls.issuer"] == ["CN=Acme CA,O=Acme BRAS,C=AT"]
    assert f["tls.subject"] == ["CN=hello,O=acme\\, inc,C=cn"]
    assert f["text"] == ["Acme BRAS", "Acme CA", "acme, inc"]  # the issuer's common name too


def test_a_dahua_cgi_answer_is_also_kept_as_a_banner() -> None:
    raw = '"b","Code=AlarmLocal;action=Pulse;index=0;data={",\n"b","}",'
    assert fields("dahua_cgi", raw)["banner"] == [raw]


def test_firmware_names_joined_by_underscores_and_android_fingerprints() -> None:
    f = fields("firmware", "BD_XR91D_EURO_V1.0.0B04")
    assert f["text"] == ["BD XR91D EURO V1.0.0B04"] and f["model"] == ["XR91D"]  # the version is no model
    fp = "acme/XR-5-EEA/XR5:15/AQ3A.240812.002/20241101:user/release-keys"
    for kind, raw in (("firmware", fp), ("banner", "ro.build.fingerprint=" + fp)):
        f = fields(kind, raw)
        assert f["device.manufacturer"] == ["acme"] and "XR5" in f["model"]
    assert "device.manufacturer" not in fields("banner", "GET /api/v1/items:list/x")  # no fingerprint, no brand


def test_nmap_script_output_and_hub_discovery_records_are_read() -> None:
    from trueoem.match.facets import kv_lines

    nmap = (
        "1900/udp open  upnp\n| upnp-info: \n| 127.0.0.1\n|     Server: Linux UPnP/1.0 Acme-IGD\n"
        "|_    Location: http://127.0.0.1:5000/desc.xml"
    )
    f = fields("ssdp_description", nmap)
    assert f["ssdp.server"] == ["Linux UPnP/1.0 Acme-IGD"]
    assert ("Server", "Linux UPnP/1.0 Acme-IGD") in kv_lines(fields("banner", nmap)["banner"][0])  # any kind
    hub = (
        '{"ssdp_server": "Linux UPnP/1.0 Acme-IGD", "ssdp_location": "http://127.0.0.1:5000/d.xml", '
        '"manufacturer": "Acme"}'
    )
    f = fields("ssdp_description", hub)
    assert f["ssdp.server"] == ["Linux UPnP/1.0 Acme-IGD"] and "location=http://127.0.0.1:5000/d.xml" in f["upnp.kv"]
    assert fields("banner", "| a | b |\nnot nmap")["banner"] == ["| a | b |\nnot nmap"]  # one table line stays


def test_discovery_replies_in_other_shapes() -> None:
    # WS-Discovery scopes printed without their key, one per line or as a list
    f = fields("ws_discovery", "['onvif://www.onvif.org/hardware/XR-5', 'onvif://www.onvif.org/name/Acme']")
    assert "onvif://www.onvif.org/hardware/XR-5" in f["ws.scope"] and "XR-5" in f["model"]
    f = fields("ws_discovery", "onvif://www.onvif.org/type/video_encoder\nonvif://www.onvif.org/hardware/XR-5\n")
    assert "XR-5" in f["model"]
    # a DHIP reply cut short, and one printed as a Ruby hash
    cut = (
        '{\n  "mac" : "aa:bb",\n  "method" : "client.notifyDevInfo",\n  "params" : {\n'
        '    "deviceInfo" : {\n      "DeviceType" : "XR-5",\n      "SerialNo" : "AB'
    )
    assert "method=client.notifyDevInfo" in fields("dhip", cut)["dhip.kv"]
    ruby = '{"DeviceType"=>"XR-5", "Vendor"=>"Acme", "SerialNo"=>"X1"}'
    assert "Vendor=Acme" in fields("dhip", ruby)["dhip.kv"]


def test_a_model_phrase_is_text_too_and_realms_in_client_logs() -> None:
    assert fields("model", "Acme XR-5 doorbell")["text"] == ["Acme XR-5 doorbell"]
    assert "text" not in fields("model", "XR-5")
    log = 'D/RtspClient: RTSP/1.0 401 Unauthorized\n    CSeq: 1\n    WWW-Authenticate: Digest realm="Acme(C1214)"'
    assert fields("banner", log)["rtsp.realm"] == ["Acme(C1214)"]
    assert "http.realm" not in fields("banner", 'notes: the realm="x" of a story')  # no header, no realm


def test_a_user_agent_is_read_as_text() -> None:
    f = fields("http_headers", "GET / HTTP/1.1\r\nUser-Agent: ACME XR-5(Android/5.1.1)\r\n\r\n")
    assert "ACME XR-5(Android/5.1.1)" in f["text"] and "XR-5" in f["model"]


def test_a_labelled_serial_in_free_text() -> None:
    assert fields("banner", "cam: got serial=XR0123456789AB from device")["serial"] == ["XR0123456789AB"]
    assert fields("banner", 'log {"serialNumber": "XR0123456789AB"')["serial"] == ["XR0123456789AB"]
    assert "serial" not in fields("banner", "the sn is great; Serial No. 12")


def test_a_slug_joining_a_name_and_a_model() -> None:
    f = fields("model", "acme-xrc-bf2241-b3f4-dw-s2")
    assert f["text"] == ["acme xrc-bf2241-b3f4-dw-s2"] and "XRC-BF2241-B3F4-DW-S2" in f["model"]
    assert "text" not in fields("model", "XVR-5108HS") and "text" not in fields("model", "PoE-Switch")


def test_an_xml_answer_quoted_after_a_log_prefix() -> None:
    raw = '2024-01-01 DEBUG Response output: <DeviceInfo xmlns="urn:acme:x"><model>XR-5</model></DeviceInfo>'
    f = fields("banner", raw)
    assert "urn:acme:x" in f["xml.namespace"] and "XR-5" in f["model"]


def test_scanner_prints_of_headers_requests_certificates_and_encoded_models() -> None:
    f = fields("http_headers", "HTTP Server: Acme-Webs/")
    assert f["http.server"] == ["Acme-Webs/"]
    raw = "GET /x HTTP/1.1\nHost: 127.0.0.1\n\nHTTP/1.1 401 Unauthorized\nServer: Acme-Webs"
    assert fields("http_headers", raw)["http.server"] == ["Acme-Webs"]  # the answer after the request
    f = fields("tls_cert", "CN=192.168.1.1; issuer CN=ACME-ROOT-CA")
    assert f["tls.issuer"] == ["CN=ACME-ROOT-CA"] and "ACME ROOT CA" in f["text"]
    assert "ACME XR-5" in fields("model", "ACME%20XR-5")["model"]
    raw = 'types: ["dn:NetworkVideoTransmitter"],\nscopes: [\n  "onvif://www.onvif.org/hardware/XR-5",\n]'
    assert "XR-5" in fields("ws_discovery", raw)["model"]


def test_snmp_strings_printed_as_hex_are_read_as_their_text() -> None:
    text = "Acme Routing Platform\r\nXR-5000 Version 2.1"
    pairs = " ".join(f"{b:02X}" for b in text.encode())
    wrapped = "\n".join(pairs[i : i + 48] for i in range(0, len(pairs), 48))  # Net-SNMP wraps long hex
    netsnmp = f"SNMPv2-MIB::sysDescr.0 = Hex-STRING: {wrapped}\nSNMPv2-MIB::sysName.0 = STRING: core1"
    f = fields("banner", netsnmp)
    assert f["banner"][0].startswith('SNMPv2-MIB::sysDescr.0 = STRING: "Acme Routing Platform\r\nXR-5000')
    assert "XR-5000" in f["model"]
    snmprec = f"1.3.6.1.2.1.1.1.0|4x|{text.encode().hex()}\n1.3.6.1.2.1.1.5.0|4|core1"  # snmpsim's hex form
    assert fields("banner", snmprec)["banner"][0].startswith("1.3.6.1.2.1.1.1.0|4|Acme Routing Platform")
    binary = "IF-MIB::ifPhysAddress.2 = Hex-STRING: 00 1B 44 11 3A B7 \n"  # not text: left as printed
    assert fields("banner", binary)["banner"] == [binary]


def test_certificate_names_in_log_records() -> None:
    zeek = '{"ts": 1.5, "certificate.subject": "CN=cam1, O=Acme", "certificate.issuer": "CN=Acme CA", "san.dns": ["c"]}'
    f = fields("tls_cert", zeek)
    assert f["tls.subject"] == ["CN=cam1,O=Acme"] and f["tls.issuer"] == ["CN=Acme CA"] and f["tls.san"] == ["c"]
    eve = '{"event_type": "tls", "tls": {"subject": "CN=cam1", "issuerdn": "C=US, O=Acme, CN=Acme CA"}}'
    g = fields("banner", eve)
    assert g["tls.issuer"] == ["CN=Acme CA,O=Acme,C=US"] and "Acme" in g["text"]


def test_a_model_number_in_lower_case_inside_a_phrase_is_read_in_upper_case_too() -> None:
    assert {"xr-5000v2", "XR-5000V2"} <= set(fields("model", "acme xr-5000v2 gateway")["model"])


def test_a_version_glued_to_the_model_in_a_firmware_name() -> None:
    f = fields("firmware", "ACME_XR500LV4.0.0e_EU_GR4.bin")
    assert "XR500L" in f["model"] and "V4.0.0e" in f["firmware"]
    assert "XR500" in fields("firmware", "BD_XR500_EURO_V1.0.0B04")["model"]
    assert "XR500" in fields("firmware", "acme_xr500_eu_v1.0.2")["model"]  # typed in lower case


def test_a_usb_id_in_text_is_not_a_model() -> None:
    f = fields("banner", "Bus 001 Device 004: ID f622:0001 Acme XR-5 camera")
    assert f["usb.id"] == ["f622:0001"] and "XR-5" in f["model"]
    assert not any(m.upper().startswith("F622") for m in f["model"])


def test_nmap_http_scripts_in_a_pasted_scan() -> None:
    for kind in ("banner", "http"):
        f = fields(kind, "80/tcp open  http\n|_http-server-header: Acme-Webs/1.0\n")
        assert f["http.server"] == ["Acme-Webs/1.0"], kind
    g = fields("banner", "443/tcp open  https\n|_http-title: Acme XR-5 Login\n|_http-server-header: Acme\n")
    assert g["http.title"] == ["Acme XR-5 Login"] and g["http.server"] == ["Acme"]
    assert "http.server" not in fields("banner", "a | b\n|_ not a script: x")  # one margin line alone is no scan


def test_realms_in_a_client_log_given_as_an_rtsp_record() -> None:
    log = (
        "Sending request: DESCRIBE rtsp://10.0.0.9/live RTSP/1.0\nCSeq: 3\n"
        'Authorization: Digest realm="Acme(X1)", nonce="n"\n'
    )
    assert fields("rtsp", log)["rtsp.realm"] == ["Acme(X1)"]


def test_certificate_names_in_a_search_index_document() -> None:
    doc = '{"x509_issuer": ["CN=Acme CA, O=Acme\\\\, Inc., C=US"], "x509_subject_cn": ["cam1"]}'
    assert fields("tls_cert", doc)["tls.issuer"] == ["CN=Acme CA,O=Acme\\, Inc.,C=US"]
