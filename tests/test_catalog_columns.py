"""Catalog header mapping: the column names inventory and monitoring tools export."""

from __future__ import annotations

from trueoem.sources.catalog import map_columns


def test_network_monitor_and_netbox_columns() -> None:
    # LibreNMS / Zabbix: hardware is the model, sysDescr and os describe the device
    assert map_columns(["hostname", "hardware", "os", "sysDescr"], {}) == {1: "model", 3: "description"}
    assert map_columns(["host", "hardware_full", "os_full"], {}) == {1: "description"}
    # NetBox's device list: the device type is the model, beside the manufacturer
    cols = map_columns(["Name", "Manufacturer", "Device Type", "Serial"], {})
    assert cols == {0: "description", 1: "brand", 2: "model", 3: "serial"}
    # a real description column stays the description; a MAC column named "hardware address" stays a MAC
    assert map_columns(["Description", "sysDescr", "Hardware Address"], {}) == {0: "description", 2: "mac"}


def test_json_records_nested_or_held_deeper(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from trueoem.sources.catalog import read_catalog

    # NetBox's API: the device's type and its maker are nested objects (their own ids are not the record's)
    api = {
        "count": 1,
        "results": [
            {
                "id": 11,
                "name": "sw1",
                "device_type": {"id": 3, "manufacturer": {"id": 1, "name": "Acme", "slug": "acme"}, "model": "XR-5"},
                "site": {"id": 2, "name": "HQ"},
            }
        ],
    }
    # Home Assistant's device registry: the list sits one level down, beside an empty one
    device = {"id": "a1", "manufacturer": "Acme", "model": "XR-6"}
    ha = {"version": 1, "data": {"devices": [device], "deleted_devices": []}}
    p, q = tmp_path / "api.json", tmp_path / "ha.json"
    p.write_text(json.dumps(api))
    q.write_text(json.dumps(ha))
    warn: list[str] = []
    (a,) = read_catalog(p, {}, warn)
    (b,) = read_catalog(q, {}, warn)
    assert not warn
    assert a.id == "11" and {(o.kind, o.value) for o in a.observations} >= {("brand", "Acme"), ("model", "XR-5")}
    assert not any(o.value in ("1", "3", "2") for o in a.observations)
    assert b.id == "a1" and {(o.kind, o.value) for o in b.observations} >= {("brand", "Acme"), ("model", "XR-6")}


def test_one_json_object_with_nested_lists_is_one_record(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from trueoem.sources.catalog import read_catalog

    p = tmp_path / "one.json"
    p.write_text(json.dumps({"manufacturer": "Acme", "model": "XR-5", "hw": {"ports": [{"name": "eth0"}]}}))
    (a,) = read_catalog(p, {}, [])
    assert {(o.kind, o.value) for o in a.observations} >= {("brand", "Acme"), ("model", "XR-5")}


def test_part_number_columns_of_distributors_and_erps() -> None:
    # "#" is punctuation: "Mfr Part #" is the maker's part number; a maker's part number is no maker
    cols = map_columns(["Item", "Mfr Part #", "Vendor", "Description"], {})
    assert cols == {1: "model", 2: "brand", 3: "description"}
    assert map_columns(["Manufacturer Part Number (MPN)", "Manufacturer"], {}) == {0: "model", 1: "brand"}
    assert map_columns(["Manufacturer Part #", "Product Title"], {}) == {0: "model", 1: "description"}
    assert map_columns(["Internal Reference", "Manufacturer Name"], {}) == {0: "model", 1: "brand"}
