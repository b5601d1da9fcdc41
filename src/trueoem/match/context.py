"""Is a name or model number in free text about *this* item? Pure.

Catalog descriptions name other products all the time: "bracket for Hikvision domes", "compatible
with Hikvision, Dahua and Lorex NVRs", "replacement for DS-2CD2143G0-I". A mention that is the
object of such a phrase, alone or in a list, is about another product and is not evidence.
"""

from __future__ import annotations

import re

_NEGATIVE_PHRASE = re.compile(
    r"(?:compatible\s+with|works\s+with|for\s+use\s+with|replacement\s+for|replaces|alternative\s+to|"
    r"instead\s+of|not\s+(?:a\s+)?|non[-\s]|unlike|competitors?|vs\.?|versus|adapter\s+for|mount\s+for|"
    r"bracket\s+for|fits|for|with)(?=\s|$)",
    re.I,
)
# what may stand between such a phrase and the mention: other names in a list ("Hikvision, Dahua and")
_NAME = r"(?:all\s+|most\s+|the\s+)?[\w.\-]+(?:\s+[\w.\-]+)?"
_LIST_BETWEEN = re.compile(rf"^(?:\s*{_NAME}\s*(?:,|/|&|\+|\band\b|\bor\b))*\s*(?:{_NAME}\s*)?$", re.I)
_NEGATIVE_AFTER = re.compile(r"[\s\-]*(compatible|compliant|style|type|replacement|alternative)\b", re.I)


def negated(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` the object of "compatible with", "for", ... or followed by "-compatible"?"""
    if _NEGATIVE_AFTER.match(text, end):
        return True
    before = text[max(0, start - 80) : start]
    for m in reversed(list(_NEGATIVE_PHRASE.finditer(before))):
        return bool(_LIST_BETWEEN.match(before[m.end() :]))
    return False
