"""TLS peer certificates, fetched with verification off (devices use self-signed or broken certs).

The certificate is recorded as a ``tls_cert`` observation: its PEM text (what
:func:`trueoem.match.certs.cert_facets` reads) followed by a readable summary (subject, issuer,
serial, validity, subjectAltNames). The context accepts old protocol versions and weak ciphers
because the goal is to *read* an old camera's certificate, not to trust the channel; nothing is
sent inside it. A failed handshake is recorded as an error naming what happened.
"""

from __future__ import annotations

import asyncio
import ssl
import warnings

from trueoem.model import Observation
from trueoem.sources.probes import Connect, Limits, Probe, ProbeOutput, close_quietly, now_iso, source_of


def client_context() -> ssl.SSLContext:
    """An SSL context that completes a handshake with anything and verifies nothing."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():  # TLS 1.0 is deprecated for trust, which is not asked of it here
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):  # a build without legacy protocols/ciphers: keep its defaults
        pass
    return ctx


def describe(der: bytes) -> str:
    """A PEM block plus a readable summary of a DER certificate (summary best effort)."""
    text = ssl.DER_cert_to_PEM_cert(der)
    try:
        from cryptography import x509

        cert = x509.load_der_x509_certificate(der)
        lines = [
            f"subject: {cert.subject.rfc4514_string()}",
            f"issuer: {cert.issuer.rfc4514_string()}",
            f"serial: {cert.serial_number:X}",
            f"not_before: {cert.not_valid_before_utc.isoformat()}",
            f"not_after: {cert.not_valid_after_utc.isoformat()}",
        ]
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            lines += [f"san: {name.value}" for name in san]
        except x509.ExtensionNotFound:
            pass
        text += "\n".join(lines) + "\n"
    except Exception as exc:  # a malformed certificate still has its PEM recorded
        text += f"summary unavailable: {type(exc).__name__}\n"
    return text


async def run(connect: Connect, host: str, port: int, tls: bool, probe: Probe, limits: Limits) -> ProbeOutput:
    """Handshake, take the peer certificate, close. ``tls`` is always true for this probe."""
    out = ProbeOutput()
    source = source_of(host, port, probe.name)
    try:
        _reader, writer = await asyncio.wait_for(connect(True), limits.timeout)
    except ssl.SSLError as exc:
        out.errors.append(f"{source}: TLS handshake failed ({exc.reason or exc})")
        out.give_up = True
        return out
    except (OSError, TimeoutError, EOFError, asyncio.IncompleteReadError) as exc:
        out.errors.append(f"{source}: TLS handshake failed ({type(exc).__name__}: {exc})".replace(": )", ")"))
        out.give_up = True
        return out
    try:
        obj = writer.get_extra_info("ssl_object")
        der = obj.getpeercert(binary_form=True) if obj is not None else None
        if der and len(der) <= limits.max_bytes:
            out.observations.append(Observation(probe.records, describe(der), source, now_iso()))
        else:
            out.errors.append(f"{source}: no peer certificate")
    finally:
        close_quietly(writer)
    return out
