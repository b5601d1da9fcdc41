"""Column types that store any Python string, verbatim, on SQLite and PostgreSQL alike.

Observations are kept raw, and raw means hostile: banners carry NUL bytes, and bytes decoded with
``surrogateescape`` carry lone surrogates. PostgreSQL rejects NUL in ``TEXT`` and neither backend
can encode a lone surrogate as UTF-8. Rather than storing such values as ``bytea`` (which would
make every ordinary value unreadable to SQL and to people), :class:`SafeText` stores a string
verbatim when it can, and otherwise as an escaped form behind a marker character:

* ordinary strings (no NUL, no lone surrogate, not starting with the marker) are stored as they
  are, so SQL searches and humans see the real text;
* any other string is stored as ``MARK + escape(s)``, where ``escape`` doubles backslashes and
  writes NUL as ``\\0`` and a lone surrogate as ``\\uXXXX``. ``MARK`` is U+FDD0, a Unicode
  noncharacter that real text does not contain (and a value that does start with it is escaped
  too, so the mapping is injective and round-trips exactly).

Comparisons in ``WHERE`` clauses go through the same encoding, so identity lookups on escaped
values work. :class:`JsonText` stores JSON as ASCII text (``ensure_ascii``), which is safe on both
backends for the same reasons. :class:`UtcDateTime` keeps timestamps timezone-aware in UTC (SQLite
has no time zones: it stores naive UTC and gets the zone back on read).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator

MARK = "\ufdd0"
_UNSAFE = re.compile("[\x00\ud800-\udfff]")
_ESCAPE = re.compile("[\\\\\x00\ud800-\udfff]")
_UNESCAPE = re.compile(r"\\(\\|0|u[0-9a-f]{4})")


def _esc(m: re.Match[str]) -> str:
    c = m.group(0)
    if c == "\\":
        return "\\\\"
    if c == "\x00":
        return "\\0"
    return f"\\u{ord(c):04x}"


def _unesc(m: re.Match[str]) -> str:
    g = m.group(1)
    if g == "\\":
        return "\\"
    if g == "0":
        return "\x00"
    return chr(int(g[1:], 16))


def encode_text(s: str) -> str:
    """The stored form of ``s`` (``s`` itself unless it holds NUL or lone surrogates)."""
    if not s.startswith(MARK) and _UNSAFE.search(s) is None:
        return s
    return MARK + _ESCAPE.sub(_esc, s)


def decode_text(s: str) -> str:
    """Inverse of :func:`encode_text`."""
    if not s.startswith(MARK):
        return s
    return _UNESCAPE.sub(_unesc, s[1:])


class SafeText(TypeDecorator[str]):
    """``TEXT`` that round-trips any Python ``str`` (see the module docstring)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encode_text(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decode_text(value)


class JsonText(TypeDecorator[Any]):
    """JSON stored as ASCII ``TEXT``: ``\\u0000`` and lone surrogates survive on both backends."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else json.dumps(value, ensure_ascii=True, sort_keys=True, default=str)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on both backends."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return datetime.now(UTC)
