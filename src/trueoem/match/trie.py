"""Sets of literal strings as regexes written as tries. Pure.

The regex engine tries the branches of an alternation in turn, so a flat ``a|b|c`` of hundreds of
literals costs hundreds of tries at every position of every text; a trie costs one try per character
matched. Used for the rule index's literal prefilter and for the names the brand index looks for in
free text.
"""

from __future__ import annotations

import re

_Trie = dict[str, "_Trie"]  # a character -> the rest; the key "" marks the end of a literal


def trie_pattern(literals: list[str]) -> str:
    """A regex matching exactly ``literals`` (at least one, none empty), written as a trie.

    At one position it matches the longest of them that occurs there. The regex engine tries the
    branches of an alternation in turn, so a flat ``a|b|c`` of hundreds of literals costs hundreds
    of tries at every position of every value; a trie costs one try per character matched.
    """
    root: _Trie = {}
    for word in literals:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a literal ends here

    def emit(node: _Trie) -> str:
        kids = sorted(k for k in node if k)
        if not kids:
            return ""
        alts = [re.escape(k) + emit(node[k]) for k in kids]
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return "(?:" + body + ")?" if "" in node else body  # greedy: the longer literal first

    return emit(root)
