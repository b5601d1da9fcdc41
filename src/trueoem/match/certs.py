"""TLS certificate facets: subject, issuer and subjectAltNames from PEM, DER (base64 or hex) or
text such as ``subject=CN=...; issuer=...`` or a dict pasted from a log. Pure; never raises.

Names come out in one form whatever form they came in, so one rule reads them all: RFC 4514 as the
``cryptography`` package writes it (``CN=x,O=Acme\\, Inc.,C=US``: most specific first, short
attribute names, no spaces around ``=`` or after ``,``, special characters escaped). Text names are
written by tools in other forms — OpenSSL's ``C = CN, O = "Acme, Inc.", CN = x`` and its older
``/C=CN/O=Acme/CN=x``, Censys' and zgrab2's ``C=CN, O=Acme, CN=x`` (all three in certificate order,
least specific first), Nmap's ``commonName=x/organizationName=Acme`` (also with commas), Shodan's
``{"CN": .., "O": ..}`` — and are rewritten into it.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

from cryptography import x509

_PEM = re.compile(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.S)
# a name runs to the end of the line, a "|", the next subject/issuer, or a ";" that is not followed by
# another key ("subject=CN=x; issuer=..." ends at the ";", curl's "CN=x; C=CN; O=Acme" does not)
_TEXT_NAME = re.compile(
    # a name in double quotes (a log's key="value": Zeek's x509 log) ends at its closing quote
    r"\b(subject|issuer)(?:\s*[:=]\s*|\s+(?=(?:CN|O|OU|C)=))(?:\"([^\"\n]+)\"|(.+?)"
    r"(?=\s*(?:;(?!\s*(?:[A-Za-z][A-Za-z0-9_\-]{0,40}|\d+(?:\.\d+)+)\s*=)|[\n|]|\bissuer\s*[:=]|\bsubject\s*[:=]|$)"
    # OpenSSL's text form run onto one line (a CLI's "display" of a certificate): the next field ends the name
    r"|\s+(?:Validity\b|Not Before\b|Not After\b|Subject Public Key Info\b|X509v3\b)))",
    re.I,
)

_EMAIL = "1.2.840.113549.1.9.1"  # how cryptography writes emailAddress (it has no short name for it)
# attribute names as tools write them (lower case, without "_" or spaces) -> the RFC 4514 name
_ATTR = {
    "cn": "CN",
    "commonname": "CN",
    "o": "O",
    "org": "O",
    "organization": "O",
    "organisation": "O",
    "organizationname": "O",
    "ou": "OU",
    "organizationalunit": "OU",
    "organizationalunitname": "OU",
    "l": "L",
    "locality": "L",
    "localityname": "L",
    "st": "ST",
    "s": "ST",
    "province": "ST",
    "state": "ST",
    "stateorprovince": "ST",
    "stateorprovincename": "ST",
    "c": "C",
    "country": "C",
    "countryname": "C",
    "street": "STREET",
    "streetaddress": "STREET",
    "dc": "DC",
    "domaincomponent": "DC",
    "uid": "UID",
    "userid": "UID",
    "e": _EMAIL,
    "email": _EMAIL,
    "emailaddress": _EMAIL,
    _EMAIL: _EMAIL,
    "serialnumber": "2.5.4.5",
}
# a dict has no order of its own: the usual order of a certificate's name, most specific first
_DICT_ORDER = {a: i for i, a in enumerate((_EMAIL, "CN", "OU", "O", "STREET", "L", "ST", "C", "DC"))}
_KEY = re.compile(r"\s*([A-Za-z][A-Za-z0-9_ \-]{0,40}|\d+(?:\.\d+)+)\s*=")
_SLASH_SPLIT = re.compile(r"/(?=\s*(?:[A-Za-z][A-Za-z0-9_\-]{0,40}|\d+(?:\.\d+)+)\s*=)")
_ESCAPE = re.compile(r'([\\"+,;<>])')


def _attr(key: str) -> str:
    k = key.strip()
    return _ATTR.get(re.sub(r"[\s_\-]", "", k).lower(), k)


def _unquote(v: str) -> str:
    v = v.strip()
    if len(v) >= 2 and v[0] == '"' and v[-1] == '"':
        v = v[1:-1]
    return re.sub(r"\\(.)", r"\1", v)


def _escape(v: str) -> str:
    """A value escaped as RFC 4514 (and cryptography) escape it."""
    v = _ESCAPE.sub(r"\\\1", v)
    if v[:1] in ("#", " "):
        v = "\\" + v
    if v.endswith(" ") and not v.endswith("\\ "):
        v = v[:-1] + "\\ "
    return v


def _render(pairs: list[tuple[str, str]]) -> str:
    return ",".join(f"{k}={_escape(v)}" for k, v in pairs if v)


def _split_text(text: str) -> list[str]:
    """Parts of a written name at its unescaped, unquoted commas (or semicolons)."""
    parts, cur, quoted, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch in ",;" and not quoted:
            parts.append("".join(cur))
            cur = []
            i += 1
            continue
        cur.append(ch)
        i += 1
    parts.append("".join(cur))
    return parts


def canonical_name(text: str) -> str:
    """A distinguished name written in any of the usual forms, as RFC 4514 (see the module doc).

    What is not a ``key=value`` list is returned as it came (stripped).
    """
    t = text.strip()[:4096]
    slashed = t.startswith("/")
    if slashed:  # OpenSSL's old form, least specific first
        parts = _SLASH_SPLIT.split(t[1:])
    else:
        parts = _SLASH_SPLIT.split(t)
        # Nmap's ssl-cert form, "commonName=x/organizationName=Acme/countryName=US": slashes
        # before the second key, no comma in the first part (else commas separate the parts)
        if len(parts) < 2 or "," in parts[0] or ";" in parts[0] or not _KEY.match(parts[0]):
            parts = _split_text(t)
    pairs: list[tuple[str, str]] = []
    for part in parts:
        m = _KEY.match(part)
        if m:
            pairs.append((_attr(m.group(1)), part[m.end() :]))
        elif pairs:  # a comma the writer did not escape ("Acme Co., Ltd."): part of the value
            k, v = pairs[-1]
            pairs[-1] = (k, f"{v},{part}")
        elif part.strip():
            return t
    if not pairs:
        return t
    pairs = [(k, _unquote(v)) for k, v in pairs]
    # certificate order (least specific first, as OpenSSL, Censys and zgrab2 write names) is
    # turned round; a name already most specific first (ending with the country) is kept
    first, last = pairs[0][0], pairs[-1][0]
    if slashed or (first in ("C", "DC") and last not in ("C", "DC")):
        pairs.reverse()
    return _render(pairs)


def _name_of_mapping(d: dict[Any, Any]) -> str:
    """A name given as a mapping ({"CN": "x", "O": ["Acme"]}), as RFC 4514."""
    pairs = []
    for k, v in list(d.items())[:50]:
        for x in v if isinstance(v, list) else [v]:
            if isinstance(x, str | int) and not isinstance(x, bool):
                pairs.append((_attr(str(k)), str(x).strip()))
    pairs.sort(key=lambda p: _DICT_ORDER.get(p[0], len(_DICT_ORDER)))
    return _render(pairs)


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


_DICT_KEYS = {
    "subject": "tls.subject",
    "subject_dn": "tls.subject",
    "subjectdn": "tls.subject",
    "issuer": "tls.issuer",
    "issuer_dn": "tls.issuer",
    "issuerdn": "tls.issuer",
}


def _from_structure(obj: Any, out: list[tuple[str, str]], depth: int = 0) -> None:
    """Names and SANs anywhere in a parsed document (a certificate as JSON, or a log's dict)."""
    if depth > 8 or len(out) > 100:
        return
    if isinstance(obj, list):
        for v in obj[:50]:
            _from_structure(v, out, depth + 1)
        return
    if not isinstance(obj, dict):
        return
    for k, v in list(obj.items())[:200]:
        lk = str(k).lower()
        # Zeek's "certificate.subject", a search index's "x509_issuer"
        field = _DICT_KEYS.get(lk) or _DICT_KEYS.get(lk.rpartition(".")[2]) or _DICT_KEYS.get(lk.removeprefix("x509_"))
        if field is not None and isinstance(v, list) and len(v) == 1 and isinstance(v[0], str):
            v = v[0]  # one name in a list (an index's multi-valued field)
        if field is not None and isinstance(v, str) and v.strip():
            out.append((field, canonical_name(v)))
        elif field is not None and isinstance(v, dict):
            name = _name_of_mapping(v)
            if name:
                out.append((field, name))
            else:
                _from_structure(v, out, depth + 1)
        elif lk in ("san", "subject_alt_name", "names", "dns_names", "san.dns"):
            for x in v if isinstance(v, list) else [v]:
                if isinstance(x, str) and x.strip():
                    out.append(("tls.san", x.strip()[:512]))
        else:
            _from_structure(v, out, depth + 1)


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
    from trueoem.match.facets import coerce_structure

    obj = coerce_structure(value)
    if isinstance(obj, dict | list):
        _from_structure(obj, out)
        return out
    for m in _TEXT_NAME.finditer(value[:8192]):
        name = m.group(2) if m.group(2) is not None else m.group(3).rstrip("; ")
        out.append((f"tls.{m.group(1).lower()}", canonical_name(name)))
    return out
