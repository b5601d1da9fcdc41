"""Target parsing: the accepted forms, order and de-duplication, exclusions, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueoem.sources.targets import TargetError, expand_targets, read_target_file


def fake_resolver(name: str) -> list[str]:
    table = {"cam1.test": ["127.0.0.5"], "dual.test": ["127.0.0.6", "::1"], "none.test": []}
    if name not in table:
        raise TargetError(f"cannot resolve host name {name!r}: not found")
    return table[name]


def expand(*targets: str, exclude: tuple[str, ...] = (), limit: int = 65536) -> list[str]:
    return expand_targets(targets, exclude, limit=limit, resolve=fake_resolver)


def test_single_addresses_and_ipv6() -> None:
    assert expand("127.0.0.1", "::1", "[::1]", "127.0.0.1") == ["127.0.0.1", "::1"]


def test_cidr_skips_network_and_broadcast() -> None:
    assert expand("127.1.2.0/30") == ["127.1.2.1", "127.1.2.2"]
    assert expand("127.1.2.7/32") == ["127.1.2.7"]
    assert len(expand("2001:db8::/126")) == 3  # IPv6 hosts() skips the subnet-router anycast only (parsed, not scanned)


def test_ranges() -> None:
    assert expand("127.0.0.1-3") == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert expand("127.0.0.254-127.0.1.1") == ["127.0.0.254", "127.0.1.1"]  # .255 and .0 skipped
    assert expand("127.0.0.9-9") == ["127.0.0.9"]


def test_order_is_kept_and_duplicates_dropped() -> None:
    assert expand("127.0.0.3", "127.0.0.1-3", "cam1.test") == ["127.0.0.3", "127.0.0.1", "127.0.0.2", "127.0.0.5"]


def test_hostnames_resolve_to_all_addresses() -> None:
    assert expand("dual.test") == ["127.0.0.6", "::1"]


def test_exclusions() -> None:
    assert expand("127.0.0.1-10", exclude=("127.0.0.2-9",)) == ["127.0.0.1", "127.0.0.10"]
    assert expand("127.0.0.0/29", exclude=("127.0.0.4/30", "127.0.0.1")) == ["127.0.0.2", "127.0.0.3"]
    assert expand("127.0.0.5", "127.0.0.6", exclude=("cam1.test",)) == ["127.0.0.6"]


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ((), "no targets given"),
        (("",), "no targets given"),
        (("224.0.0.251",), "multicast"),
        (("239.255.255.250/32",), "multicast"),
        (("255.255.255.255",), "broadcast"),
        (("0.0.0.0",), "unspecified"),
        (("ff02::1",), "multicast"),
        (("127.0.0.300",), "not an IP address"),
        (("127.0.0.0/33",), "not a valid CIDR"),
        (("127.0.0.9-3",), "before its start"),
        (("127.0.0.1-256",), "not an octet"),
        (("127.0.0.1-::1",), "mixes IPv4 and IPv6"),
        (("nosuch.test",), "cannot resolve"),
        (("none.test",), "resolves to no address"),
        (("bad host!",), "not an IP address, CIDR network, range or host name"),
        (("10.0.0.0/8",), "the limit is 65536"),
    ],
)
def test_errors_are_one_clear_line(targets: tuple[str, ...], message: str) -> None:
    with pytest.raises(TargetError) as ei:
        expand(*targets)
    assert message in str(ei.value)
    assert "\n" not in str(ei.value)


def test_everything_excluded() -> None:
    with pytest.raises(TargetError, match="every target is excluded"):
        expand("127.0.0.1", exclude=("127.0.0.0/24",))


def test_limit_counts_addresses() -> None:
    assert len(expand("127.0.0.0/24", limit=254)) == 254
    with pytest.raises(TargetError, match="limit is 100"):
        expand("127.0.0.0/24", limit=100)


def test_target_file(tmp_path: Path) -> None:
    f = tmp_path / "targets.txt"
    f.write_text("# cameras\n127.0.0.1 127.0.0.2\n\n127.0.0.3-4  # lab\n")
    assert read_target_file(f) == ["127.0.0.1", "127.0.0.2", "127.0.0.3-4"]
    with pytest.raises(TargetError, match="cannot read target file"):
        read_target_file(tmp_path / "missing.txt")
