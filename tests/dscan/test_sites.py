"""``--site NAME=CIDR[,CIDR...]`` parsing, targets to sites, an unreachable scheduler (no cluster needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from trueoem.dscan import (
    DistributedError,
    SiteError,
    assign_sites,
    parse_sites,
    run_distributed_scan,
    site_of,
    site_targets,
    sites_from_params,
    sites_to_params,
)
from trueoem.match.engine import CompiledKB
from trueoem.sources.scan import ScanOptions
from trueoem.store import Store


def test_parse_and_merge() -> None:
    sites = parse_sites(["hq=10.1.0.0/16,10.2.0.5", "lab=10.9.0.0/24", "hq=10.3.0.0/24"])
    assert [s.name for s in sites] == ["hq", "lab"]
    assert [str(n) for n in sites[0].networks] == ["10.1.0.0/16", "10.2.0.5/32", "10.3.0.0/24"]
    assert sites[0].resource == "site-hq"
    assert sites_from_params(sites_to_params(sites)) == sites
    assert site_targets(sites) == ["10.1.0.0/16", "10.2.0.5/32", "10.3.0.0/24", "10.9.0.0/24"]


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("hq", "NAME=CIDR"),
        ("hq=", "NAME=CIDR"),
        ("=10.0.0.0/8", "site name"),
        ("h q=10.0.0.0/8", "site name"),
        ("hq=10.0.0.0/33", "not a CIDR"),
        ("hq=banana", "not a CIDR"),
        ("hq=224.0.0.0/4", "multicast"),
    ],
)
def test_bad_specs(spec: str, says: str) -> None:
    with pytest.raises(SiteError, match=says):
        parse_sites([spec])


def test_no_site_and_shared_network_refused() -> None:
    with pytest.raises(SiteError, match="at least one"):
        parse_sites([])
    with pytest.raises(SiteError, match="both site"):
        parse_sites(["a=10.0.0.0/24", "b=10.0.0.0/24"])


def test_most_specific_site_wins_and_outsiders_are_refused() -> None:
    sites = parse_sites(["hq=10.0.0.0/8", "lab=10.9.0.0/16", "v6=2001:db8::/64"])
    assert site_of("10.9.1.1", sites) == "lab"
    assert site_of("10.8.1.1", sites) == "hq"
    assert site_of("2001:db8::5", sites) == "v6"
    assert site_of("192.0.2.1", sites) is None
    got = assign_sites(["10.9.1.1", "10.1.1.1", "2001:db8::5"], sites)
    assert got == {"hq": ["10.1.1.1"], "lab": ["10.9.1.1"], "v6": ["2001:db8::5"]}
    with pytest.raises(SiteError, match=r"2 target\(s\) are in no --site network: 192.0.2.1, 192.0.2.2"):
        assign_sites(["10.1.1.1", "192.0.2.1", "192.0.2.2"], sites)


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path, ckb: CompiledKB) -> None:
    with Store.open(f"sqlite:///{tmp_path}/d.db") as store:
        scan_id = store.begin_scan("scan", {}, ckb.kb.version, targets=["127.62.0.1"])
        with pytest.raises(DistributedError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
            run_distributed_scan(
                {"a": ["127.62.0.1"]},
                ScanOptions(),
                ckb,
                store,
                scan_id,
                lambda r: None,
                address="tcp://127.0.0.1:9",
                connect_timeout=1,
            )
        assert store.pending_targets(scan_id) == ["127.62.0.1"]
