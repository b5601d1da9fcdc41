"""Neutralise device-controlled strings before they reach an alert.

Label brands, models and MACs come from devices, i.e. from whoever controls the device: they may
carry CR/LF (header injection in e-mail and syslog), ANSI escapes (terminal tricks), bidi overrides
(text that reads differently than it is), NUL and lone surrogates. :func:`clean` keeps printable
text only, on one line, bounded in length; :func:`ascii_token` is for protocol fields that allow
only printable US-ASCII without spaces (syslog HOSTNAME/APP-NAME/MSGID).
"""

from __future__ import annotations

import unicodedata

#: Unicode categories dropped: controls, format (bidi overrides, zero-width), line/paragraph
#: separators, surrogates, private use and unassigned code points.
_DROP = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def clean(value: object, limit: int = 200) -> str:
    """``value`` as one line of printable text: controls become spaces, runs collapse, ``limit`` chars."""
    if value is None:
        return ""
    s = str(value)
    out = [" " if unicodedata.category(c) in _DROP or c.isspace() else c for c in s]
    text = " ".join("".join(out).split())
    if len(text) > limit:
        text = text[: max(limit - 1, 0)] + "\u2026"
    return text


def ascii_token(value: object, limit: int = 48, default: str = "-") -> str:
    """Printable US-ASCII without spaces (``!``..``~``), at most ``limit`` chars; ``default`` if empty."""
    s = "".join(c for c in str(value or "") if "!" <= c <= "~")[:limit]
    return s or default


def defang(text: str) -> str:
    """Break what a mail client or chat would turn into a link (``http://x`` -> ``http[:]//x``)."""
    return text.replace("://", "[:]//").replace("www.", "www[.]")
