"""ONVIF device-service information calls: SOAP 1.2 POST to ``/onvif/device_service``.

Only ``GetSystemDateAndTime`` (PRE_AUTH by the ONVIF Core spec) and ``GetDeviceInformation``
(not PRE_AUTH, but some devices answer it anyway) are sent, with no WS-Security header. The HTTP
answer is recorded as ``http`` (Server header, realm of a refusal); a 2xx
``GetDeviceInformationResponse`` body is also recorded as ``onvif_device_information``.
"""

from __future__ import annotations

from trueoem.sources.probes import Connect, Limits, Probe, ProbeOutput, source_of
from trueoem.sources.probes.http import http_exchange, record

ACTIONS = ("GetSystemDateAndTime", "GetDeviceInformation")
NS_DEVICE = "http://www.onvif.org/ver10/device/wsdl"


def envelope(action: str) -> bytes:
    """The SOAP 1.2 envelope of an ONVIF device-service call without parameters."""
    if action not in ACTIONS:
        raise ValueError(f"not an ONVIF information call: {action}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">'
        f'<s:Body><{action} xmlns="{NS_DEVICE}"/></s:Body></s:Envelope>'
    ).encode()


async def run(connect: Connect, host: str, port: int, tls: bool, probe: Probe, limits: Limits) -> ProbeOutput:
    """POST the catalogue's action and record the answer."""
    out = ProbeOutput()
    action = probe.action
    headers = (("Content-Type", f'application/soap+xml; charset=utf-8; action="{NS_DEVICE}/{action}"'),)
    ans = await http_exchange(
        connect, host, port, tls, "POST", probe.path or "/onvif/device_service", limits, envelope(action), headers
    )
    record(ans, probe, source_of(host, port, probe.name), out)
    return out
