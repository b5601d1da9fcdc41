"""JSON text from untrusted sources, decoded with lone surrogates replaced. Pure.

JSON may escape half of a UTF-16 surrogate pair on its own (``"\\ud800"``); ``json.loads`` then gives
a string no encoder will write, and the first output line that quotes it fails. A lone surrogate
becomes U+FFFD, as an undecodable byte does when a file is read.
"""

from __future__ import annotations

import json
import re
from typing import Any

# an escaped surrogate code unit (JSON "\ud800", a Python repr's "\udc80" or "\U0000dc80")
_ESCAPED_SURROGATE = re.compile(r"\\(?:u|U0000)[dD][89a-fA-F][0-9a-fA-F]{2}")


def loads(text: str) -> Any:
    """``json.loads`` of ``text``, lone surrogates in its strings replaced (raises as json.loads does)."""
    obj = json.loads(text)
    return clean(obj) if _ESCAPED_SURROGATE.search(text) else obj


def may_hold_surrogates(text: str) -> bool:
    """Whether decoding ``text`` (JSON or a Python literal) may give lone surrogates."""
    return _ESCAPED_SURROGATE.search(text) is not None


def clean(obj: Any) -> Any:
    """``obj`` with every string's lone surrogates replaced by U+FFFD (lists, dicts, tuples walked)."""
    if isinstance(obj, str):
        return obj.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(obj, dict):
        return {clean(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(clean(v) for v in obj)
    return obj
