"""TLS certificate facets: subject, issuer and subjectAltNames from PEM, DER (base64 or hex) or
text such as ``subject=CN=...; issuer=...`` or a dict pasted from a log. Pure; never raises."""

from __future__ import annotations

import base64
import binascii
import re

from cryptography import x509

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)
_TEXT_NAME = re.compile(r"\b(subject|issuer)\s*[:=]\s*(.+?)(?=\s*(?:[;\n|]|\bissuer\s*[:=]|\bsubject\s*[:=]|$))", re.I)


def _from_der(der: bytes) -> list[tuple[str, str]]:
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return []
    out = []
    try:
        out.append(("tls.subject", cert.subject.rfc4514_string()))
        out.append(("tls.issuer", cert.issuer.rfc4514_string()))
    except ValueError:
        pass
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        for name in san:
            out.append(("tls.san", str(getattr(name, "value", name))))
    except (x509.ExtensionNotFound, ValueError):
        pass
    return out


def cert_facets(value: str) -> list[tuple[str, str]]:
    """Facets of a certificate given in any of the accepted forms."""
    out: list[tuple[str, str]] = []
    for m in _PEM.finditer(value[:262144]):
        try:
            out += _from_der(base64.b64decode("".join(m.group(1).split())))
        except (binascii.Error, ValueError):
            continue
    if out:
        return out
    compact = "".join(value.split())
    if compact and len(compact) < 262144:
        der = None
        if re.fullmatch(r"(?:[0-9A-Fa-f]{2}:?)+", compact):
            try:
                der = bytes.fromhex(compact.replace(":", ""))
            except ValueError:
                der = None
        elif re.fullmatch(r"[A-Za-z0-9+/=]+", compact):
            try:
                der = base64.b64decode(compact, validate=True)
            except (binascii.Error, ValueError):
                der = None
        if der and der[:1] == b"\x30":
            out = _from_der(der)
            if out:
                return out
    from trueoem.match.facets import coerce_structure, flatten

    obj = coerce_structure(value)
    if isinstance(obj, dict):
        for k, v in flatten(obj):
            lk = k.lower()
            if lk in ("subject", "subject_dn", "subjectdn"):
                out.append(("tls.subject", v))
            elif lk in ("issuer", "issuer_dn", "issuerdn"):
                out.append(("tls.issuer", v))
            elif lk in ("san", "subject_alt_name", "names", "dns_names"):
                out.append(("tls.san", v))
        return out
    for m in _TEXT_NAME.finditer(value[:8192]):
        out.append((f"tls.{m.group(1).lower()}", m.group(2).strip()))
    return out
