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
