"""Parse raw observations into facets (``field = value`` pairs that rules match).

Pure functions over strings: no I/O. Input is attacker-controlled and messy, so every parser
accepts what real data looks like (a lone ``Server:`` line, a body fragment, a dict pasted from a
log as JSON or Python repr, key=value lines, XML with or without its envelope) and never raises:
what cannot be read yields no facets. XML goes through defusedxml (no entity expansion, no external
entities); sizes are capped before parsing. The facet fields are documented in docs/kb-format.md.
"""

from __future__ import annotations

import ast
import html
import json
import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import unquote

from trueoem import jsontext
from trueoem.match.context import negated
from trueoem.model import Facet, Observation

MAX_PARSE = 256 * 1024  # bytes of one observation that are parsed at all
MAX_BODY = 64 * 1024  # bytes of an HTTP body kept as a facet
MAX_BANNER = 4 * 1024
MAX_VALUE = 512  # characters of one extracted field value

_HEX = re.compile(r"[^0-9A-Fa-f]")
_MAC_TEXT = re.compile(
    r"(?<![0-9A-Fa-f:\-])(?:[0-9A-Fa-f]{2}[:\-]){5}[0-9A-Fa-f]{2}(?![0-9A-Fa-f:\-])"
    r"|(?<![0-9A-Fa-f.])[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}(?![0-9A-Fa-f.])"
    # Huawei's and H3C's CLI form (display arp, LLDP chassis ids): 00e0-fc12-3456
    r"|(?<![0-9A-Fa-f\-])[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}(?![0-9A-Fa-f\-])"
)
_FCC_LABELLED = re.compile(r"\bFCC[\s_-]*ID\b\s*[:#=]?\s*([A-Z0-9][A-Z0-9\-]{3,19})", re.I)
# an ISED Canada certification number, always labelled ("IC: 1234A-XR1", "ISED ID: 20219-X1"):
# the company number (digits, often a letter) before the hyphen names the certificate holder
_ISED_LABELLED = re.compile(
    r"(?<![A-Za-z0-9])(?:ISED|IC)(?:[\s_-]*ID)?\s*[:#=]?\s*(\d{3,6}[A-Z]?-[A-Z0-9][A-Z0-9\-]{0,20})(?![A-Za-z0-9])",
    re.I,
)
_FCC_NEW = re.compile(r"(?<![A-Z0-9\-])(2[A-Z][A-Z0-9]{3})-?([A-Z0-9][A-Z0-9\-]{0,18})(?![A-Z0-9])")
_TOKEN = re.compile(r"[^\s,;()\[\]{}\"'|<>]+")
_HAS_DIGIT = re.compile(r"\d")
_HAS_ALPHA = re.compile(r"[A-Za-z]")
_TITLE = re.compile(rb"<title[^>]*>(.{0,512}?)</title", re.I | re.S)
_REALM = re.compile(r'realm\s*=\s*"([^"]{0,256})"|realm\s*=\s*([^\s,]{1,256})', re.I)
_XML_LEAF = re.compile(r"<(?:[\w.\-]+:)?([\w.\-]+)(?:\s[^<>]{0,512})?>([^<>]{0,512})</(?:[\w.\-]+:)?\1\s*>")
_XMLNS = re.compile(r'xmlns(?::[\w.\-]+)?\s*=\s*"([^"]{1,256})"')
# keys of Dahua magicBox getSystemInfo/getDeviceType answers (FACTS.md 8.2): a plain-text body with
# one of them is read as that answer, not any page that happens to contain "version=1.0"
_DAHUA_KEYS = re.compile(r"^(?:deviceType|updateSerial|updateSerialCloudUpgrade|processor|hardwareVersion)=", re.M)
# ... and the same answer as JSON (RPC2 magicBox.getSystemInfo): keys only Dahua's answers use
_DAHUA_JSON_KEYS = frozenset({"updateSerial", "updateSerialCloudUpgrade"})
# a key starts with a letter (Latin or CJK: Chinese device pages label fields 设备型号, 生产厂家, ...);
# the separator may be the full-width colon those pages use
_KV_LINE = re.compile(r"^\s*([A-Za-z\u4e00-\u9fff][\w.\[\]\- ]{0,63}?)\s*[=:\uff1a]\s*(.*?)\s*$")
# a configuration path whose key holds a colon ("table.RemoteDevice.uuid:System_CONFIG_0.DeviceType=X", as
# Dahua's configManager prints remote devices): the pair splits at "=", not at the colon
_PATH_KV_LINE = re.compile(r"^\s*([A-Za-z][\w.\[\]\-]{0,63}:[\w.\[\]\-:]{1,127})=(.*?)\s*$")
# USB vendor:product ids as tools print them: lsusb "ID 12d1:1506", Windows "VID_12D1&PID_1506", kernel
# "idVendor=12d1, idProduct=1506", usb-devices "Vendor=12d1 ProdID=1506", udev 'ATTRS{idVendor}=="12d1"',
# modalias "usb:v12D1p1506", usb_modeswitch "12d1:1506" / "12d1_1506" on a line that names it
_USB_ID = re.compile(
    r"\bID\s+([0-9a-f]{4}):([0-9a-f]{4})\b"
    r"|\bVID_([0-9A-F]{4})&PID_([0-9A-F]{4})"
    r"|\bidVendor\}?(?:\s*[=:]{1,2}\s*|\s+)\"?(?:0x)?([0-9a-f]{4})\b"
    r"(?:[^\n]{0,60}?[,;\s]+(?:ATTRS?\{)?idProduct\}?(?:\s*[=:]{1,2}\s*|\s+)\"?(?:0x)?([0-9a-f]{4})\b)?"
    r"|\bVendor=([0-9a-f]{4})\s+ProdID=([0-9a-f]{4})\b"
    r"|\busb:v([0-9A-F]{4})p([0-9A-F]{4})",
    re.I,
)
# the device model in an Android User-Agent: "(Linux; Android 8.1.0; XR-5 Build/O11019; wv)", "(Linux; U; Android 4.4;
# en-us; XR 5 Build/KOT49H)"; Chrome's reduced form says "K" instead of the model, and is read as nothing
_ANDROID_UA_MODEL = re.compile(
    r"\(Linux; (?:U; )?Android [\d.]{1,12};(?: [a-z]{2}[-_][A-Za-z]{2};)? ([^;()]{2,60}?)(?: Build/[^;)]*)?[;)]"
)
# an organisation (O=) in a certificate name as trueoem.match.certs writes it (RFC 4514, "\," escaped)
_CERT_ORG = re.compile(r"(?:^|,)O=((?:[^,\\]|\\.){1,128})")
_CERT_CN = re.compile(r"(?:^|,)CN=((?:[^,\\]|\\.){1,128})")
_ANDROID_FINGERPRINT = re.compile(
    r"(?<![\w/.-])([A-Za-z][\w-]{1,30})/([\w.-]{1,60})/([\w.-]{1,60}):\d[\w.]{0,12}/[\w.-]{1,40}/[\w.-]{1,60}"
    r":(?:user|userdebug|eng)/"
)
_ONVIF_SCOPE = re.compile(r"onvif://www\.onvif\.org/[^\s'\",\]\[<>]{1,200}", re.I)
_SERIAL_IN_TEXT = re.compile(
    r"""\b(?:serial[ _-]?(?:number|no)?|sn)["']?\s*[=:]\s*["']?([A-Za-z0-9][A-Za-z0-9-]{5,39})\b""",
    re.I,
)
# a slug that joins a name and a model ("acme-xr5-b2-s2", "Acme_XR-5"): letters only before the first
# separator, a digit after it
_NAME_SLUG = re.compile(r"([A-Za-z]{4,20})[-_]((?=[^\s]*\d)[^\s]{2,80})")
# a character of Chinese or Japanese script (text in them has no spaces between words)
CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")
_REQUEST_LINE = re.compile(r"\s*[A-Z]{3,10} \S{1,2048} (?:HTTP|RTSP)/\d")
_NAME_SEPARATORS = re.compile(r"[-_/()]+")
_PERCENT_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_HAS_LOWER_THEN_DIGIT = re.compile(r"[a-z].*\d|\d.*[a-z]")
_USB_MODESWITCH = re.compile(r"(?<![\w:])([0-9a-f]{4})[:_]([0-9a-f]{4})(?![\w:])", re.I)
# version numbers inside a labelled firmware string ("software version 22.315.01.00.74, web UI ...",
# "('2.800.0000000.15.R', '2021-07-16')"): dotted forms of three parts or more, and V...R... forms
_VERSION_TOKEN = re.compile(
    r"(?<![\d.])(?:V|v)?\d{1,4}(?:\.[0-9A-Za-z]{1,12}){2,7}(?![0-9A-Za-z])|\bV\d{1,3}R\d{3}[0-9A-Z]*\b"
)

# a label before a firmware version: "Fw", "FW version:", "Firmware", "Software Version =", "ver."
_FIRMWARE_LABEL = re.compile(
    r"\s*(?:(?:firmware|software|f/?w|s/?w|system)(?:[\s_-]*(?:version|ver\.?|rev(?:ision)?))?|version|ver\.?)"
    r"\s*[:=#]?\s*(?=\S)",
    re.I,
)
# a token that is a version, a build or a date rather than a model ("V1.1.0_GR5.1T16", "2.800.0000.R", "build")
_VERSION_LIKE = re.compile(r"[Vv]?\d|build|firmware|version", re.I)
# a USB vendor:product id as lsusb prints it
_USB_ID_TOKEN = re.compile(r"[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}")
# a model with a dotted version glued on in a firmware name ("H108LV4.0.0e", "W300V1.1.3k")
_GLUED_VERSION = re.compile(r"([A-Z][A-Z0-9\-]{1,30}?\d[A-Z]{0,3})(V\d{1,2}\.\d{1,3}(?:\.\d{1,4})*[a-z]?)")
# a model number typed all in lower case (one token with a digit, no upper-case letter)
_TYPED_LOWER = re.compile(r"(?=[^A-Z\s]*[a-z])(?=[^\d\s]*\d)[a-z0-9][a-z0-9\-_./+]{2,39}")


def _clip(v: object) -> str:
    s = str(v).strip()
    return s[:MAX_VALUE]


def decode_bytes(data: bytes) -> str:
    """Decode device bytes: UTF-8 if valid, else Latin-1 (every byte maps), never raising."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def coerce_structure(text: str) -> Any:
    """A dict/list pasted as JSON or as a Python repr (from a log), or None."""
    t = text.strip()
    if not t or t[0] not in "{[" or len(t) > MAX_PARSE:
        return None
    try:
        obj = json.loads(t)
    except ValueError:
        try:
            obj = ast.literal_eval(t)
        except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
            return None
    return jsontext.clean(obj) if jsontext.may_hold_surrogates(t) else obj


def flatten(obj: Any, prefix: str = "", depth: int = 0) -> Iterator[tuple[str, str]]:
    """Leaf ``(key, value)`` pairs of nested dicts/lists; keys are the leaf names.

    A document converted from XML by xmltodict (what a debug log of an XML API often prints) keeps
    an element's text under ``#text`` when the element has attributes: the text is the element's.
    """
    if depth > 8:
        return
    if isinstance(obj, dict):
        for k, v in list(obj.items())[:500]:
            yield from flatten(v, prefix if k == "#text" else str(k), depth + 1)
    elif isinstance(obj, list | tuple):
        for v in list(obj)[:200]:
            yield from flatten(v, prefix, depth + 1)
    elif obj is not None and prefix:
        yield prefix, _clip(obj)


_TAGGED_PAIRS = re.compile(r"[A-Za-z#][\w#]{0,31}=")
_TAGGED_PAIR = re.compile(r"([A-Za-z#][\w#]{0,31})=\s*(\S+)")


def kv_lines(text: str) -> list[tuple[str, str]]:
    """``key=value`` or ``key: value`` lines (Dahua CGI answers, pasted logs)."""
    out = []
    for line in text.splitlines()[:2000]:
        m = _PATH_KV_LINE.match(line) or _KV_LINE.match(line)
        if m and m.group(2):
            key, value = m.group(1).strip(), m.group(2)
            if len(key) <= 2 and _TAGGED_PAIRS.match(value):
                # a tag, then the pairs ("S:  Manufacturer=Acme Radio", "P:  Vendor=12d1 ProdID=1506",
                # as usb-devices and /sys/kernel/debug/usb/devices print them)
                pairs = _TAGGED_PAIR.findall(value)
                if len(pairs) == 1:
                    pairs = [tuple(value.split("=", 1))]
                out += [(k.strip(), _clip(v)) for k, v in pairs if v.strip()]
                continue
            out.append((key, _clip(value)))
    return out


def xml_fields(text: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Leaf elements ``(local-name, text)`` and namespace URIs of an XML document.

    defusedxml parses well-formed documents (entities and DTD tricks are refused); a fragment
    or a refused document falls back to a bounded regex over leaf elements, which expands nothing.
    """
    from defusedxml import ElementTree as SafeET

    t = text[:MAX_PARSE]
    namespaces = sorted(set(_XMLNS.findall(t[:16384])))
    try:
        root = SafeET.fromstring(t.encode("utf-8", "replace"))
    except Exception:  # defusedxml raises several kinds; any of them means "not well-formed/unsafe"
        leaves = [(k, _clip(v)) for k, v in _XML_LEAF.findall(t) if v.strip()]
        return leaves, namespaces
    leaves = []
    for el in root.iter():
        tag = el.tag if isinstance(el.tag, str) else ""
        if "}" in tag:
            ns, tag = tag[1:].split("}", 1)
            if ns not in namespaces:
                namespaces.append(ns)
        if len(el) == 0 and el.text and el.text.strip():
            leaves.append((tag, _clip(el.text)))
        if len(leaves) >= 2000:
            break
    return leaves, namespaces


def model_tokens(text: str, skip_negated: bool = False) -> list[str]:
    """Model-number-like tokens in free text (letters and digits, 4-40 characters).

    With ``skip_negated``, tokens that name another product ("bracket for DS-2CD2143G0-I") are left out.
    """
    out = []
    t = text[:8192]
    for m in _TOKEN.finditer(t):
        tok = m.group(0).strip(".:!?*#")
        if "=" in tok:  # key=value: the value may be the model ("deviceType=XR-5"); "Bus=01" is none
            tok = tok.rsplit("=", 1)[1].strip(".:!?*#")
        if 4 <= len(tok) <= 40 and _HAS_DIGIT.search(tok) and _HAS_ALPHA.search(tok):
            if skip_negated and negated(t, m.start(), m.end()):
                continue
            out.append(tok)
    return out


def usb_ids_in(text: str) -> list[str]:
    """USB ids (``vvvv:pppp``, lower case; ``vvvv:`` when the product is not given) written in text."""
    t = text[:8192]
    out = []
    for m in _USB_ID.finditer(t):
        g = [x for x in m.groups() if x is not None]
        out.append((g[0] + ":" + (g[1] if len(g) > 1 else "")).lower())
    if "modeswitch" in t.lower():
        for line in t.splitlines():
            if "modeswitch" in line.lower():
                out += [f"{v}:{p}".lower() for v, p in _USB_MODESWITCH.findall(line)]
    return list(dict.fromkeys(out))


def normalise_mac(value: str) -> str | None:
    """12, 9, 7 or 6 upper-case hex digits (a MAC, or an OUI prefix given alone), or None."""
    h = _HEX.sub("", value)
    if len(h) in (6, 7, 9, 12) and len(value) <= 40:
        return h.upper()
    return None


def fcc_ids_in(text: str) -> list[str]:
    """FCC IDs written in free text: labelled ones, and 5-character (2xxxx) grantee forms."""
    out = [m.group(1).upper().replace(" ", "") for m in _FCC_LABELLED.finditer(text[:8192])]
    out += [m.group(0).upper() for m in _FCC_NEW.finditer(text[:8192].upper())]
    return list(dict.fromkeys(out))


def ised_ids_in(text: str) -> list[str]:
    """ISED Canada certification numbers labelled in free text (``IC: 1234A-XR1``), upper case."""
    return list(dict.fromkeys(m.group(1).upper() for m in _ISED_LABELLED.finditer(text[:8192])))


class _Out:
    """Collects facets for one observation, de-duplicated, bounded in number."""

    __slots__ = ("kind", "source", "items", "_seen")

    def __init__(self, kind: str, source: str) -> None:
        self.kind, self.source = kind, source
        self.items: list[Facet] = []
        self._seen: set[tuple[str, str]] = set()

    def add(self, field: str, value: object) -> None:
        if field == "http.body" or field == "banner":
            v = str(value)
        else:
            v = (value if type(value) is str else str(value)).strip()[:MAX_VALUE]
        if not v or len(self.items) >= 3000:
            return
        k = (field, v)
        if k in self._seen:
            return
        self._seen.add(k)
        self.items.append(Facet(field, v, self.kind, self.source))

    def model(self, value: str) -> None:
        """A model value, and its upper-case reading when it is typed in lower case ("pd785", "ds-2cd2143g0-i")."""
        self.add("model", value)
        if _TYPED_LOWER.fullmatch(value):
            self.add("model", value.upper())

    def text(self, value: str) -> None:
        """Free text: keep it, and mine models, FCC IDs and MACs from it."""
        if not value.strip():
            return
        self.add("text", value[:MAX_VALUE])
        for tok in model_tokens(value, skip_negated=True):
            if _USB_ID_TOKEN.fullmatch(tok):  # "f622:0001" is a USB vendor:product id, not a model (F622)
                continue
            self.add("model", tok)
            if len(tok) >= 5 and not tok.isupper() and tok.upper() != tok and _HAS_LOWER_THEN_DIGIT.search(tok):
                self.add("model", tok.upper())  # typed in lower or mixed case ("zxv10 b860AV1.1-T")
        for uid in usb_ids_in(value):
            self.add("usb.id", uid)
        for sm in _SERIAL_IN_TEXT.finditer(value[:8192]):  # a labelled serial in a log line or pasted JSON
            self.add("serial", sm.group(1))
        _android_fingerprint(self, value)
        for fid in fcc_ids_in(value):
            self.add("fcc_id", fid)
        for iid in ised_ids_in(value):
            self.add("ised_id", iid)
        for mac in _MAC_TEXT.findall(value[:8192]):
            n = normalise_mac(mac)
            if n:
                self.add("mac", n)


# --- field maps: which document keys carry which standard facet --------------------------------

_STD_KEYS: dict[str, str] = {
    # model
    "model": "model",
    "modelname": "model",
    "modelnumber": "model",
    "devicetype": "model",
    "devicemodel": "model",
    "updateserial": "model",
    "updateserialcloudupgrade": "model",
    "productmodel": "model",
    "productname": "model",  # Redfish and router JSON APIs: "ProductName": "2288H V5"
    "modemmodel": "model",  # ZTE goform: "modem_model": "MF286R"
    "hardwaremodel": "model",
    "product": "model",
    "devicedescription": "model",
    "productclass": "model",  # TR-069 DeviceIdStruct: the product class a CPE reports to its ACS (HG8245H, F660)
    # firmware
    "firmwareversion": "firmware",
    "softwareversion": "firmware",
    "firmware": "firmware",
    "version": "firmware",
    "swversion": "firmware",
    # serial
    "serialnumber": "serial",
    "serialno": "serial",
    "devicesn": "serial",
    "sn": "serial",
    "serial": "serial",
    # manufacturer
    "manufacturer": "device.manufacturer",
    "vendor": "device.manufacturer",
    "manufacturername": "device.manufacturer",
    "oeminfo": "device.manufacturer",
    # name
    "devicename": "device.name",
    "friendlyname": "device.name",
    "machinename": "device.name",
    # mac
    "mac": "mac",
    "macaddress": "mac",
    "oui": "mac",  # TR-069 DeviceIdStruct: the maker's IEEE OUI, six hex digits (read as a MAC block)
    "manufactureroui": "mac",  # TR-098/TR-181 DeviceInfo.ManufacturerOUI, the same
    # descriptions
    "modeldescription": "text",
    # Nmap's http scripts in a pasted scan (their margins stripped)
    "httptitle": "http.title",
    "httpserverheader": "http.server",
    # a certificate's names in a log record (Suricata EVE's tls.issuerdn, Zeek x509's certificate.issuer)
    "issuerdn": "tls.issuer",
    "subjectdn": "tls.subject",
    "certificate.issuer": "tls.issuer",
    "certificate.subject": "tls.subject",
    "description": "text",
    # Chinese labels of device information pages (ONT, NVR and router status pages)
    "设备型号": "model",
    "产品型号": "model",
    "型号": "model",
    "生产厂家": "device.manufacturer",
    "制造商": "device.manufacturer",
    "厂商": "device.manufacturer",
    "软件版本": "firmware",
    "固件版本": "firmware",
    "序列号": "serial",
    "设备名称": "device.name",
}


# roots of the Broadband Forum data models a TR-069 (CWMP) device reports in: TR-098
# "InternetGatewayDevice." and TR-181 "Device." (https://cwmp-data-models.broadband-forum.org/)
_TR069_ROOTS = ("internetgatewaydevice.", "device.")


_KEY_NOISE = str.maketrans("", "", " _-")


def _std(out: _Out, key: str, value: str) -> None:
    # "manufacturer_name", "Manufacturer Name" and "manufacturerName" are one key
    k = key.lower().translate(_KEY_NOISE)
    if "." in k and k.startswith(_TR069_ROOTS):
        # a data-model parameter path (InternetGatewayDevice.DeviceInfo.ModelName): its last name
        # says what it is, under DeviceInfo only (elsewhere "Version" or "Manufacturer" may be a
        # module's or a peer's)
        parts = k.split(".")
        k = parts[-1] if len(parts) == 3 and parts[1] == "deviceinfo" else ""
    target = _STD_KEYS.get(k)
    if target is None or not value:
        return
    if target == "mac":
        n = normalise_mac(value)
        if n:
            out.add("mac", n)
    elif target == "text":
        out.text(value)
    elif target == "http.title":
        out.add(target, value)
        out.text(value)
    elif target.startswith("tls."):
        from trueoem.match.certs import canonical_name

        _cert_name(out, target, canonical_name(value))
    elif target == "device.name":
        out.add(target, value)
        for tok in model_tokens(value):  # names are often the model ("E8231", "HG531 V1")
            out.add("model", tok)
    else:
        out.add(target, value)


def _leaves_std(out: _Out, leaves: list[tuple[str, str]]) -> None:
    """Standard facets of an XML document's leaves. A TR-069 ParameterValueStruct
    (``<Name>InternetGatewayDevice.DeviceInfo.ModelName</Name><Value>HG8245H</Value>``, the name/value
    structure of CWMP's Inform and GetParameterValues messages) is read as the pair it stands for."""
    name = ""
    for k, v in leaves:
        if k == "Name":
            name = v
        elif k == "Value" and name:
            _std(out, name, v)
            name = ""
        else:
            _std(out, k, v)


def _document_std(out: _Out, leaves: list[tuple[str, str]], namespaces: list[str]) -> None:
    """A document of no known schema: its namespaces, and the standard facets of its leaves."""
    for ns in namespaces:
        out.add("xml.namespace", ns)
    _leaves_std(out, leaves)


def _xml_std(out: _Out, text: str) -> None:
    """An XML document of no known schema (see :func:`_document_std`)."""
    _document_std(out, *xml_fields(text))


def _document(out: _Out, prefix: str, pairs: list[tuple[str, str]]) -> None:
    for k, v in pairs:
        out.add(f"{prefix}.kv", f"{k}={v}")
        _std(out, k, v)


# a "key": "value" pair of a dict in a log; or 'key': value, as an object's repr prints it unquoted
# (possessive: a long value that ends in neither "," nor "}" fails at once, without backtracking)
_DICT_PAIR = re.compile(
    r"""['"]([@#\w.:\-]{1,64})['"]\s*(?::|=>)\s*(?:['"]([^'"\\]{0,512})['"]|([^'"{}\[\]\n,]{1,512}+)(?=[,}]|$))"""
)
_NOT_A_VALUE = frozenset({"None", "null", "True", "False", "true", "false"})
_LOG_PREFIX = re.compile(r"[^\n{]{1,512}?[ \t](?=\{)")  # "GET http://host/ISAPI/... " before a dict


def _structured_or_text(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    """Key/value pairs from JSON/repr, XML, or key=value lines; plus XML namespaces.

    A dict may follow a log line's prefix on the same line (a URL, a timestamp). A dict converted
    from XML by xmltodict carries attributes as ``@name`` keys: ``@xmlns``/``@xmlns:p`` are the
    document's namespaces, the other attributes are left out (as the XML parser leaves them out).
    """
    obj = coerce_structure(value)
    start = 0
    if obj is None and "{" in value[:514] and (m := _LOG_PREFIX.match(value)) is not None:
        start = m.end()
        obj = coerce_structure(value[start:])
    flat: list[tuple[str, str]] | None = list(flatten(obj)) if obj is not None else None
    if flat is None and value[start : start + 1] == "{" and value[start + 1 : start + 80].lstrip()[:1] in ("'", '"'):
        # a dict cut short (log lines are cut at a length): its complete "key": "value" pairs
        flat = [
            (k, _clip(q or u))
            for k, q, u in _DICT_PAIR.findall(value, start, start + MAX_PARSE)
            if (q or u) not in _NOT_A_VALUE
        ]
    if flat is not None:
        pairs, namespaces = [], []
        for k, v in flat:
            if k == "@xmlns" or k.startswith("@xmlns:"):
                namespaces.append(v)
            elif not k.startswith("@"):
                pairs.append((k, v))
        return pairs, namespaces
    if "<" in value[:4096] and ">" in value:
        return xml_fields(value)
    return kv_lines(value), []


# --- per-kind parsers --------------------------------------------------------------------------


def _split_http(text: str) -> tuple[str, list[tuple[str, str]], str]:
    """Status line, headers, body of an HTTP/RTSP message or a fragment of one."""
    t = text.replace("\r\n", "\n")
    head, sep, body = t.partition("\n\n")
    lines = head.split("\n")
    status = ""
    if lines and re.match(r"^(HTTP|RTSP)/\d", lines[0]):
        status = lines.pop(0)
    headers = []
    rest = []
    for line in lines[:200]:
        m = re.match(r"^([A-Za-z0-9][A-Za-z0-9\-_]{0,31}(?: [A-Za-z][A-Za-z0-9\-_]{0,31})?)\s*:\s?(.*)$", line)
        if m:
            headers.append((m.group(1), m.group(2).strip()))
        else:
            rest.append(line)
    if not headers and not status:  # no header block at all: the whole thing is a body
        return "", [], text
    if rest and not sep:
        body = "\n".join(rest)
    return status, headers, body


def _http_like(out: _Out, value: str, proto: str) -> None:
    obj = coerce_structure(value)
    if isinstance(obj, dict):  # a parsed response pasted from a log
        low = {str(k).lower(): v for k, v in obj.items()}
        hdrs = low.get("headers") or {}
        if isinstance(hdrs, dict):
            pairs = [(str(k), _clip(v)) for k, v in hdrs.items()]
        elif isinstance(hdrs, list):
            pairs = [(str(h[0]), _clip(h[1])) for h in hdrs if isinstance(h, list | tuple) and len(h) == 2]
        else:
            pairs = []
        for k in ("server", "www-authenticate", "realm", "title"):
            if k in low and not isinstance(low[k], dict | list):
                pairs.append((k, _clip(low[k])))
        body = low.get("body") or low.get("html") or ""
        _emit_http(out, pairs, str(body), proto)
        return
    if _REQUEST_LINE.match(value):  # a request, then the answer it got: the answer is the device's
        m = re.search(r"\n((?:HTTP|RTSP)/\d)", value)
        if m:
            value = value[m.start(1) :]
    elif not value.lstrip()[:5].upper().startswith(("HTTP/", "RTSP/")) and "realm" in value[:MAX_BANNER].lower():
        # a client's log of an exchange ("Sending request: DESCRIBE ... Authorization: Digest realm=..."):
        # the realms it quotes are the device's, as in a banner
        _logged_realms(out, value[:MAX_BANNER])
    _status, headers, body = _split_http(value)
    _emit_http(out, headers, body, proto)


def _named_in(out: _Out, value: str) -> None:
    """A certificate issuer's name read as words ("ZTE-ROOT-CA"): the maker it names counts as text does
    (no model tokens are mined from it)."""
    words = _NAME_SEPARATORS.sub(" ", value).strip()
    if words:
        out.add("text", words)


def _emit_http(out: _Out, headers: list[tuple[str, str]], body: str, proto: str) -> None:
    for name, val in headers:
        lname = name.lower()
        out.add(f"{proto}.header", f"{lname}: {val}")
        # "HTTP Server: X" in a scanner's print, Nmap's "http-server-header: X"
        if lname == "server" or lname.endswith((" server", "-server", "-server-header")):
            out.add(f"{proto}.server", val)
        elif lname in ("www-authenticate", "realm"):
            for m in _REALM.finditer(val):
                out.add(f"{proto}.realm", m.group(1) if m.group(1) is not None else m.group(2))
            if lname == "realm":
                out.add(f"{proto}.realm", val.strip('"'))
        elif lname in ("title", "http-title"):  # Nmap's http-title script
            out.add("http.title", val)
            out.text(val)
        elif lname == "user-agent":  # a request a device made: its agent names the device, an Android one its model
            out.add("text", val)  # its product/version tokens ("AppleWebKit/537.36") are no models
            for tok in model_tokens(val):
                if "/" not in tok:
                    out.add("model", tok)
            ua = _ANDROID_UA_MODEL.search(val)
            if ua:
                out.add("model", ua.group(1))
                for tok in model_tokens(ua.group(1)):
                    out.add("model", tok)
    if body and proto == "rtsp":  # a DESCRIBE answer's SDP (session name, tool, origin): read as a banner
        out.add("banner", body[:MAX_BANNER])
    if body and proto == "http":
        b = body[:MAX_BODY]
        out.add("http.body", b)
        tm = _TITLE.search(b.encode("utf-8", "replace"))
        if tm:
            # a title written as character references ("&#70;&#54;..." on some routers) reads as text
            title = html.unescape(decode_bytes(tm.group(1))).strip()
            out.add("http.title", title)
            out.text(title)
        head = b.lstrip()[:256].lower()
        if head.startswith("<") and not head.startswith(("<html", "<!doctype", "<head", "<body", "<script")):
            # an XML API answer (ISAPI deviceInfo, a router's /api/device/information, SOAP ...)
            leaves, nss = xml_fields(b)
            for ns in nss:
                out.add("xml.namespace", ns)
            if "<deviceinfo" in b[:2048].lower() or any(t == "firmwareReleasedDate" for t, _ in leaves):
                _document(out, "isapi", leaves)
            else:
                _leaves_std(out, leaves)
        elif head.startswith(("{", "[")):  # a JSON API answer
            obj = coerce_structure(b)
            pairs = list(flatten(obj)) if obj is not None else []
            keys = {k for k, _ in pairs}
            if "firmwareReleasedDate" in keys or '"DeviceInfo"' in b[:256]:  # ISAPI answering in JSON
                _document(out, "isapi", pairs)
            elif keys & _DAHUA_JSON_KEYS:  # magicBox.getSystemInfo through RPC2 (JSON)
                _document(out, "dahua", pairs)
            else:
                for k, v in pairs:
                    _std(out, k, v)
        elif "<" not in b[:256] and _DAHUA_KEYS.search(b[:4096]):  # a Dahua CGI answer as a body
            _document(out, "dahua", kv_lines(b))
        elif "<" not in b[:256]:  # plain text (a status page as text, a log line): its fields and words
            _plain_text(out, b)
        elif "xmlns" in b[:16384]:  # an XML document after a preamble (a multipart event stream's part head)
            _xml_std(out, b[b.index("<") :])


def _plain_text(out: _Out, value: str) -> None:
    """A plain-text answer or banner: ``key: value`` lines (or a dict a log line prints after its prefix),
    and the text itself (models, brands, FCC IDs, MACs)."""
    text = value[:MAX_BANNER]
    if "{" in text[:514]:
        _document_std(out, *_structured_or_text(text))
    else:
        for k, v in kv_lines(text):
            _std(out, k, v)
        i = text.find("<")
        if i > 0 and "xmlns" in text[i : i + 4096]:  # an XML answer a log line quotes after its prefix
            _xml_std(out, text[i:])
    out.text(text)


def parse_http(out: _Out, value: str) -> None:
    _http_like(out, value, "http")


def parse_rtsp(out: _Out, value: str) -> None:
    _http_like(out, value, "rtsp")


def parse_tls(out: _Out, value: str) -> None:
    from trueoem.match.certs import cert_facets

    for field, v in cert_facets(value):
        _cert_name(out, field, v)


def _cert_name(out: _Out, field: str, v: str) -> None:
    """A certificate's facet; its organisations and its issuer's common names are read as names too."""
    out.add(field, v)
    if field in ("tls.subject", "tls.issuer"):
        for org in _CERT_ORG.findall(v):  # the organisation a device's certificate names: read as text
            out.text(org.replace("\\,", ","))
    if field == "tls.issuer":  # an issuer's common name names a CA, often the maker's ("ZTE-ROOT-CA")
        for cn in _CERT_CN.findall(v):
            _named_in(out, cn.replace("\\,", ","))


def parse_isapi(out: _Out, value: str) -> None:
    pairs, nss = _structured_or_text(value)
    for ns in nss:
        out.add("xml.namespace", ns)
    fw = {k.lower(): v for k, v in pairs}
    _document(out, "isapi", pairs)
    if "firmwareversion" in fw and "firmwarereleaseddate" in fw:
        out.add("firmware", f"{fw['firmwareversion']} {fw['firmwarereleaseddate']}")


def parse_dahua_cgi(out: _Out, value: str) -> None:
    out.add("banner", value[:MAX_BANNER])  # an answer that is not key=value lines (an event stream) is a banner
    obj = coerce_structure(value)
    pairs = list(flatten(obj)) if obj is not None else kv_lines(value)
    _document(out, "dahua", pairs)


def parse_onvif(out: _Out, value: str) -> None:
    pairs, nss = _structured_or_text(value)
    for ns in nss:
        out.add("xml.namespace", ns)
    _document(out, "onvif", pairs)


def parse_sadp(out: _Out, value: str) -> None:
    pairs, _ = _structured_or_text(value)
    _document(out, "sadp", pairs)


def parse_dhip(out: _Out, value: str) -> None:
    t = value
    i = t.find("{")
    if i > 0:  # the 32-byte DHIP header (or its hex/escaped rendering) before the JSON body
        t = t[i:]
    t = t.rstrip("\x00\n\r ")
    obj = coerce_structure(t)
    if obj is not None:
        pairs = list(flatten(obj))
    elif t[:1] == "{":  # cut short, or a Ruby/Python hash print: the complete pairs it holds
        pairs, _ = _structured_or_text(t)
    else:
        pairs = kv_lines(value)
    _document(out, "dhip", pairs)


def parse_upnp(out: _Out, value: str) -> None:
    t = value.lstrip()
    if t.startswith(("HTTP/", "NOTIFY", "M-SEARCH")) or re.match(r"^[A-Za-z\-]+:\s", t):
        _status, headers, body = _split_http(value)
        for name, val in headers:
            lname = name.lower()
            out.add("upnp.kv", f"{lname}={val}")
            if lname == "server":
                out.add("ssdp.server", val)
        if body.strip():
            parse_upnp(out, body)
        return
    pairs, _ = _structured_or_text(value)
    # a discovery record of a home-automation hub names the SSDP headers "ssdp_server", "ssdp_location", ...
    pairs = [(k[5:] if k[:5].lower() == "ssdp_" and len(k) > 5 else k, v) for k, v in pairs]
    for k, v in pairs:
        if k.lower() == "server":
            out.add("ssdp.server", v)
    _document(out, "upnp", pairs)


def parse_ws_discovery(out: _Out, value: str) -> None:
    pairs, nss = _structured_or_text(value)
    if not any(k.lower() == "scopes" and "onvif://" in v.lower() for k, v in pairs):
        # scopes printed without their key (one per line, a list): every onvif:// URI in the text
        found = _ONVIF_SCOPE.findall(value[:MAX_PARSE])
        if found:
            pairs = [(k, v) for k, v in pairs if k.lower() != "scopes"] + [("Scopes", " ".join(found[:100]))]
    for k, v in pairs:
        lk = k.lower()
        if lk == "scopes":
            for scope in v.split()[:100]:
                out.add("ws.scope", scope)
                m = re.match(r"onvif://www\.onvif\.org/(name|hardware|mac|manufacturer|model)/(.+)$", scope, re.I)
                if m:
                    what, val = m.group(1).lower(), unquote(m.group(2))
                    if what == "hardware" or what == "model":
                        out.add("model", val)
                    elif what == "name":
                        out.add("device.name", val)
                        out.text(val)
                    elif what == "manufacturer":
                        out.add("device.manufacturer", val)
                    elif what == "mac":
                        n = normalise_mac(val)
                        if n:
                            out.add("mac", n)
        elif lk == "xaddrs":
            for x in v.split()[:20]:
                out.add("ws.xaddr", x)
        elif lk == "types":
            out.add("ws.scope", f"type:{v}")


def parse_brand(out: _Out, value: str) -> None:
    out.add("brand", value)


def parse_model(out: _Out, value: str) -> None:
    v = value.strip()
    if "%" in v and _PERCENT_ESCAPE.search(v):  # URL-encoded ("ACME%20XR-5"): read as the text it stands for
        v = unquote(v)
    out.model(v)
    if " " in v or CJK_CHAR.search(v):  # a phrase ("Acme XR-5 doorbell", "华为路由AX3"): the maker it names counts
        out.add("text", v[:MAX_VALUE])
    elif (slug := _NAME_SLUG.match(v)) is not None:  # "acme-xr5-b2-s2": a name, then the model
        out.text(f"{slug.group(1)} {slug.group(2)}")
    if " " in v or "," in v or "/" in v and len(v) > 40:
        for tok in model_tokens(v):  # "nova dn8245x6-10": the number, in lower case too
            out.model(tok)
    if '":' in v or "':" in v:  # pairs of a dict pasted without its braces ('"manufacturer": "X", "model": "Y"')
        for k, q, u in _DICT_PAIR.findall(v[:MAX_PARSE]):
            if (q or u) not in _NOT_A_VALUE:
                _std(out, k, _clip(q or u))
    for fid in fcc_ids_in(v):
        out.add("fcc_id", fid)
    for iid in ised_ids_in(v):
        out.add("ised_id", iid)


# a year in brackets in a description: the product's year ("Honor 9 smartphone (2017)")
_YEAR_NOTE = re.compile(r"\((19[89]\d|20[0-4]\d)\)")


def parse_description(out: _Out, value: str) -> None:
    out.text(value)
    m = _YEAR_NOTE.search(value[:4096])
    if m:  # the middle of the year, as a date column with a year alone is read
        out.add("date", f"{m.group(1)}-07-01")


def parse_mac(out: _Out, value: str) -> None:
    n = normalise_mac(value)
    if n:
        out.add("mac", n)
    else:
        for mac in _MAC_TEXT.findall(value[:8192]):
            m = normalise_mac(mac)
            if m:
                out.add("mac", m)


def parse_fcc(out: _Out, value: str) -> None:
    for iid in ised_ids_in(value):  # an "FCC ID / IC" column may hold the Canadian number too
        out.add("ised_id", iid)
    v = re.sub(r"^\s*FCC[\s_-]*ID\s*[:#=]?\s*", "", value, flags=re.I).strip().upper()
    v = re.sub(r"\s+", "", v)
    if 4 <= len(v) <= 24 and re.fullmatch(r"[A-Z0-9\-]+", v):
        out.add("fcc_id", v)
    else:
        for fid in fcc_ids_in(value):
            out.add("fcc_id", fid)


def _android_fingerprint(out: _Out, value: str) -> None:
    """An Android build fingerprint (``ro.build.fingerprint``: brand/product/device:release/id/incremental:type/tags)
    names the device's brand and its device code."""
    if "/" not in value or ":" not in value:
        return
    m = _ANDROID_FINGERPRINT.search(value[:8192])
    if m:
        out.add("device.manufacturer", m.group(1))
        out.add("model", m.group(3))


def parse_firmware(out: _Out, value: str) -> None:
    out.add("firmware", value)
    _android_fingerprint(out, value)
    if any(c in value for c in " ,'\"()\n\t"):  # a labelled or quoted string: its version numbers too
        words = value[:MAX_BANNER]
        label = _FIRMWARE_LABEL.match(words)
        if label:  # "Fw V4.84.100 build 250918": the version as the device writes it, label dropped
            out.add("firmware", words[label.end() :])
        for m in _VERSION_TOKEN.finditer(words):
            out.add("firmware", m.group(0))
    elif "_" in value and len(value) <= 128:
        # a firmware file or build name joined by underscores ("BD_XR500_EURO_V1.0.0B04", "OS10.0.15_XR789J_GB",
        # "ACME_XR-5_V1.2"): its parts are words, so the device and its maker named there are read as text
        words = value.replace("_", " ")
    else:
        return
    for tok in model_tokens(words):  # "H288A V1.1.0_GR5.1T16": the device a firmware string names
        if not _VERSION_LIKE.match(tok):
            out.model(tok)  # "s5720ei_v200r011c10spc600": in lower case too
            glued = _GLUED_VERSION.fullmatch(tok)
            if glued:  # "ZXHN_H108LV4.0.0e_ZRQ": the model with its version glued on
                out.add("model", glued.group(1))
                out.add("firmware", glued.group(2))
    if " " in words:  # words: read as text too ("Hikvision firmware V5.4.0", "ZTE ZXA10 Software Version")
        out.add("text", words)


def parse_serial(out: _Out, value: str) -> None:
    out.add("serial", value)


def parse_date(out: _Out, value: str) -> None:
    m = re.search(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value)
    if m:
        out.add("date", f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}")
        return
    m = re.search(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)  # US style M/D/YYYY
    if m:
        out.add("date", f"{m.group(3)}-{int(m.group(1)):02d}-{int(m.group(2)):02d}")
        return
    m = re.fullmatch(r"\s*(\d{4})\s*", value)
    if m:
        out.add("date", f"{m.group(1)}-07-01")


def parse_port(out: _Out, value: str) -> None:
    for m in re.finditer(r"(\d{1,5})(?:\s*/\s*(tcp|udp))?", value[:4096], re.I):
        port = int(m.group(1))
        if 0 < port < 65536:
            out.add("port", f"{port}/{(m.group(2) or 'tcp').lower()}")


# SNMP strings printed as hex: Net-SNMP's "Hex-STRING: 48 75 61 ..." (wrapped over lines) and the
# "|4x|4875..." of snmprec files (snmpsim, LibreNMS test data). A sysDescr holding CR/LF is printed so.
_SNMP_HEX = re.compile(
    r"(?P<nk>Hex-STRING:[ \t]*)(?P<nh>[0-9A-Fa-f]{2}(?:[ \t]*(?:\r?\n[ \t]*)?[0-9A-Fa-f]{2}){1,2047})(?![0-9A-Fa-f])"
    r"|(?P<rk>\|4x\|)(?P<rh>(?:[0-9A-Fa-f]{2}){2,2048})(?![0-9A-Fa-f])"
)


def _snmp_hex_text(m: re.Match[str]) -> str:
    """A hex-printed SNMP string as the text it holds (what Net-SNMP prints for a plain STRING); as it
    was when it does not decode to printable text (a MAC address, a binary value)."""
    raw = m.group("nh") if m.group("nh") is not None else m.group("rh")
    data = bytes.fromhex("".join(raw.split()))
    text = data.rstrip(b"\x00").decode("utf-8", "replace")
    if not text or sum(c.isprintable() or c in "\r\n\t" for c in text) < 0.9 * len(text):
        return m.group(0)
    return f'STRING: "{text}"' if m.group("nk") is not None else f"|4|{text}"


def parse_banner(out: _Out, value: str) -> None:
    if "Hex-STRING:" in value or "|4x|" in value:
        value = _SNMP_HEX.sub(_snmp_hex_text, value[: 4 * MAX_BANNER])
    out.add("banner", value[:MAX_BANNER])
    head = value.lstrip()[:8]
    if head.startswith(("HTTP/", "RTSP/")):
        _http_like(out, value, "rtsp" if head.startswith("RTSP") else "http")
    elif head.startswith("<"):
        n = len(out.items)
        _xml_std(out, value)
        if len(out.items) == n:  # not XML after all: "<6>" kernel and "<134>" syslog levels, "<debug>" tags
            _plain_text(out, value)
    else:
        _plain_text(out, value)
        if "realm" in value[:MAX_BANNER].lower():
            _logged_realms(out, value[:MAX_BANNER])


def _logged_realms(out: _Out, text: str) -> None:
    """The realms of HTTP/RTSP exchanges a client logged (a debug log quoting a 401 answer's
    WWW-Authenticate, or the Authorization header that repeats its realm)."""
    proto = "rtsp" if "RTSP/" in text or "rtsp://" in text else "http"
    for line in text.splitlines():
        low = line.lower()
        if "www-authenticate" in low or "authorization:" in low:
            for m in _REALM.finditer(line):
                out.add(f"{proto}.realm", m.group(1) if m.group(1) is not None else m.group(2))


PARSERS: dict[str, Callable[[_Out, str], None]] = {
    "brand": parse_brand,
    "model": parse_model,
    "part_number": parse_model,
    "description": parse_description,
    "mac": parse_mac,
    "fcc_id": parse_fcc,
    "firmware": parse_firmware,
    "serial": parse_serial,
    "date": parse_date,
    "http": parse_http,
    "http_headers": parse_http,
    "http_body": lambda out, v: _emit_http(out, [], v, "http"),
    "tls_cert": parse_tls,
    "rtsp": parse_rtsp,
    "onvif_device_information": parse_onvif,
    "ws_discovery": parse_ws_discovery,
    "ssdp_description": parse_upnp,
    "sadp": parse_sadp,
    "dhip": parse_dhip,
    "isapi_deviceinfo": parse_isapi,
    "dahua_cgi": parse_dahua_cgi,
    "open_port": parse_port,
    "banner": parse_banner,
}


#: kinds whose values repeat across assets (catalog columns): their facets are remembered
_SHARED_KINDS = frozenset({"brand", "model", "part_number", "description", "fcc_id", "firmware", "date"})
_SHARED_MAX_VALUE = 2048
_SHARED_MAX = 32768
_shared: dict[tuple[str, str, str], tuple[Facet, ...]] = {}


def facets_tuple(obs: Observation) -> tuple[Facet, ...]:
    """:func:`facets_of` as a tuple, remembered for short catalog-like values (never to be mutated)."""
    kind, value = obs.kind, obs.value
    if kind in _SHARED_KINDS and len(value) <= _SHARED_MAX_VALUE:
        key = (kind, value, obs.source)
        hit = _shared.get(key)
        if hit is None:
            if len(_shared) >= _SHARED_MAX:
                _shared.clear()
            hit = _shared[key] = tuple(facets_of(obs))
        return hit
    return tuple(facets_of(obs))


# a line of an Nmap script's output ("| upnp-info: ", "|     Server: X", "|_    Location: Y")
_NMAP_SCRIPT_LINE = re.compile(r"^\|_? ?", re.M)


# a script's one-line result ("|_http-server-header: DNVRS-Webs"): the script's name, then its answer
_NMAP_ONE_LINE = re.compile(r"^\|_[a-z][a-z0-9]*(?:-[a-z0-9]+)+: ", re.M)


def _nmap_unwrapped(value: str) -> str:
    """Nmap script output without its ``|`` / ``|_`` margin, so its lines read as the answer they quote
    (two or more such lines, or one script's one-line result: one leading ``|`` may be a table or a pipe)."""
    head = value[:8192]
    if len(re.findall(r"^\|[_ ]", head, re.M)) < 2 and not _NMAP_ONE_LINE.search(head):
        return value
    return _NMAP_SCRIPT_LINE.sub("", value)


def facets_of(obs: Observation) -> list[Facet]:
    """All facets of one observation. Never raises on bad input: yields what it can read."""
    parser = PARSERS.get(obs.kind)
    if parser is None:
        return []
    out = _Out(obs.kind, obs.source)
    value = obs.value[:MAX_PARSE] if len(obs.value) > MAX_PARSE else obs.value
    if value[:1] == "\ufeff":  # a byte-order mark before "<?xml" or "{" (a body saved by a Windows tool)
        value = value[1:]
    if "\n|" in value[:4096] or value[:1] == "|":
        value = _nmap_unwrapped(value)
    try:
        parser(out, value)
    except (RecursionError, MemoryError, ValueError, TypeError, KeyError, IndexError, AttributeError):
        pass  # whatever was read before the failure is kept; the rest of the input is unreadable
    return out.items
