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
    r"bracket\s+for|fits|for|with|e\.\s?g\.?|such\s+as|including|like|supports?|reads|e\.g|"
    r"plugins?|drivers?|compatible|w/|related\s+products?|similar\s+(?:products?|items?)|see\s+also|"
    r"(?:does|do|did|can|will)(?:\s+not|n't)\s+(?:speak|use|support|run|talk)(?:\s+(?:the|a|any))?|"
    # the same in the languages catalogs come in: for / compatible with / replacement for
    r"para|compatible\s+con|compat[ií]vel\s+com|pour|compatible\s+avec|f[üu]r|kompatibel\s+mit|passend\s+f[üu]r|"
    r"ersatz\s+f[üu]r|voor|geschikt\s+voor|compatibile\s+con|для|под|совместим\w*\s+с|замена)(?=[\s,:]|$)"
    r"|适用于|用于|兼容|适配|配套",
    re.I,
)
# a phrase reaches a mention a few words later in the same clause ("for Hikvision DS-2CD cameras and EZVIZ")
_SAME_CLAUSE = re.compile(r"^[^.;|()\[\],:]*$")
# what may stand between such a phrase and the mention: other names in a list ("Hikvision, Dahua and")
# list items look like names: capitalised words ("Hikvision, Dahua and"), not "8 cameras,"
_NAME = r"(?:(?i:all|most|the)\s+)?[A-Z][\w.\-]*(?:\s+[A-Z0-9][\w.\-]*)?"
_LIST_BETWEEN = re.compile(rf"^:?(?:\s*{_NAME}\s*(?:,|/|&|\+|\b(?i:and|or)\b))*\s*(?:{_NAME}\s*)?$")
# "... -compatible", "... style"; or a software platform or SDK of that company that other makers' devices
# run or use ("Huawei LiteOS", "Huawei Cloud IoT SDK", "HarmonyOS"): then the name is not the item's maker
_NEGATIVE_AFTER = re.compile(
    r"[\s\-]*(compatible|compliant|style|type|replacement|alternative|"
    r"(?:[\w.\-]+\s+){0,2}sdk|liteos|harmonyos|mobile\s+services|hms\s+core|cloud\s+iot)\b",
    re.I,
)


# a name right after a year.month release number qualifies the release: "Ubuntu 22.04.3 LTS" (long-term
# support, not the LTS brand). Only that form: "Mini web server 1.0 ZTE corp" names its maker
_AFTER_VERSION = re.compile(r"(?<![\d.])\d{2}\.(?:0[1-9]|1[0-2])(?:\.\d{1,3})?\s+$")


def negated(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` the object of "compatible with", "for", ... or followed by "-compatible",
    or a qualifier after a year.month release number?"""
    if _NEGATIVE_AFTER.match(text, end):
        return True
    before = text[max(0, start - 80) : start]
    if _AFTER_VERSION.search(before):
        return True
    for m in reversed(list(_NEGATIVE_PHRASE.finditer(before))):
        between = before[m.end() :]
        if _LIST_BETWEEN.match(between):
            return True
        return bool(_SAME_CLAUSE.match(between)) and len(between.split()) <= 4
    return False
