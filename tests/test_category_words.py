"""Category words: the key-word prefilter of ``category_of`` never changes what its regexes say."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from trueoem.match.engine import _CATEGORY_WORDS, category_of

WORDS = (
    "thermal|Thermographic|PTZ|speed dome|speeddome|NVR|network video recorder|HCVR|xvr|doorbell|door station|"
    "video door|intercom|access control|turnstile|camera|cam|webcam|IPC|dome|GPON|XGS-PON|optical network unit|ONT|"
    "LTE|4G|5G|modem|router|CPE|MiFi|hotspot|gateway|switch|Wi-Fi AP|WiFi AP|access point|two-way radio|DMR|walkie|"
    "repeater|iBMC|baseboard management|hard disk drive|HDD|bracket|mount|power supply|camcorder|ontology|pontoon|"
    "hardware|Acme|XR-5|with|for|-|/|4GB|ſwitch"
).split("|")


def _reference(value: str) -> str | None:
    """The first category, in priority order, whose regex matches anywhere."""
    return next((cat for cat, rx, _keys in _CATEGORY_WORDS if rx.search(value)), None)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=8), st.sampled_from([" ", "  ", ",", "_", ""]))
def test_prefilter_gives_what_the_regexes_give(words: list[str], sep: str) -> None:
    text = sep.join(words)
    assert category_of.__wrapped__(text) == _reference(text)


def test_priority_order() -> None:
    assert category_of("4G PTZ camera router") == "ptz_camera"
    assert category_of("8MP bullet camera, wall mount bracket") == "camera"
    assert category_of("Wall mount bracket") == "accessory"
    assert category_of("Acme XR-5") is None
