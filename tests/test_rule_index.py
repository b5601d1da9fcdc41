"""The rule index's literal prefilter: one scan must find what trying every literal would find."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from trueoem.match.trie import trie_pattern

_ALPHABET = "ab-.(c"  # few letters, so literals share prefixes and overlap; regex-special characters too


def _longest_at_each_position(literals: list[str], text: str) -> set[str]:
    out = set()
    for i in range(len(text)):
        here = [w for w in literals if text.startswith(w, i)]
        if here:
            out.add(max(here, key=len))
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(_ALPHABET, min_size=1, max_size=5), min_size=1, max_size=25, unique=True),
    st.text(_ALPHABET, max_size=30),
)
def test_the_trie_scan_finds_the_longest_literal_at_each_position(literals: list[str], text: str) -> None:
    scan = re.compile("(?=(" + trie_pattern(literals) + "))")
    assert set(scan.findall(text)) == _longest_at_each_position(literals, text)


def test_the_trie_matches_its_literals_and_nothing_else() -> None:
    pat = re.compile(trie_pattern(["ds-", "ds-2cd", "dh-", "x.y"]))
    for w in ("ds-", "ds-2cd", "dh-", "x.y"):
        assert pat.fullmatch(w)
    for w in ("ds", "ds-2c", "xzy", "d"):
        assert not pat.fullmatch(w)
