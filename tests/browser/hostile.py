"""A hostile emulated device for the browser tests: every string it gives away is a script or markup payload.

Its HTTP ``Server`` header, HTML ``<title>``, ONVIF ``Manufacturer``/``Model`` and TLS certificate subject
carry payloads that would run (``alert``) or restyle the page if any of them reached the DOM unescaped;
the SSDP friendly name is stored directly (SSDP is multicast discovery, not something the emulators
answer). Defined here, not in ``tests.emulators``, because only the browser tests need it.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from tests.emulators.profiles import DATE_TIME, Device, device_information, html

SCRIPT = "<script>alert('xss-server')</script>"
TITLE = "</title><script>alert('xss-title')</script><img src=x onerror=alert('xss-img')>"
MANUFACTURER = "<script>alert('xss-onvif')</script>"
MODEL = "\"><svg onload=alert('xss-svg')><b style='position:fixed;inset:0'>"
CERT_CN = "<script>alert('xss-tls')</script>"
FRIENDLY_NAME = "<img src=x onerror=alert('xss-ssdp')><iframe src=javascript:alert('xss-frame')>"
BIDI = "\u202egnp.exe"
LONG = "W" * 600  # one unbreakable token: must wrap, not widen the page


def _rfc4514(value: str) -> str:
    """Escape an attribute value for an RFC 4514 string."""
    out = "".join("\\" + c if c in '"+,;<>\\=' else c for c in value)
    return "\\" + out if out[:1] in ("#", " ") else out


HOSTILE_WEB = Device(
    name="hostile-web",
    ports={80: "http", 443: "https"},
    server=SCRIPT,
    http={"/": html(TITLE, f"<p>{LONG}</p>")},
    onvif={
        "GetSystemDateAndTime": DATE_TIME,
        "GetDeviceInformation": device_information(
            escape(MANUFACTURER), escape(MODEL + BIDI), escape(LONG), "SN<b>1</b>".replace("<", "&lt;"), "1"
        ),
    },
    cert_subject=f"CN={_rfc4514(CERT_CN)},O={_rfc4514(MODEL)}",
    hostile=True,
)

#: Every payload the pages must show as text (the substrings a reader would see).
PAYLOADS = (SCRIPT, MANUFACTURER, CERT_CN, FRIENDLY_NAME)

SSDP_DESCRIPTION = (
    '<?xml version="1.0"?>\n<root xmlns="urn:schemas-upnp-org:device-1-0"><device>'
    "<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>"
    f"<friendlyName>{escape(FRIENDLY_NAME)}</friendlyName>"
    f"<manufacturer>{escape(SCRIPT)}</manufacturer><modelName>{escape(MODEL)}</modelName>"
    "</device></root>"
)
