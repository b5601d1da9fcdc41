"""The persistent store: assets, raw observations, scans and attributions (SQLite or PostgreSQL).

``Store.open(url)`` opens (and migrates to head) ``sqlite:///<data home>/trueoem.db`` by default,
or any ``sqlite:///PATH`` / ``postgresql+psycopg://...`` URL. See :mod:`trueoem.store.repo` for
transactions and durability, :mod:`trueoem.store.identity` for when two records are one asset,
and :mod:`trueoem.store.codec` for how hostile strings (NUL, lone surrogates) are stored.
"""

from __future__ import annotations

from trueoem.store.engine import default_url
from trueoem.store.identity import normalise_mac, normalise_serial
from trueoem.store.migrate import MigrationError
from trueoem.store.repo import Store, StoreError
from trueoem.store.results import (
    AddressInfo,
    AssetHistory,
    AssetInfo,
    AssetRecord,
    ScanInfo,
    SightingInfo,
    StoredAttribution,
)
from trueoem.store.tables import SCAN_KINDS, SCAN_STATUSES, TARGET_STATES

__all__ = [
    "SCAN_KINDS",
    "SCAN_STATUSES",
    "TARGET_STATES",
    "AddressInfo",
    "AssetHistory",
    "AssetInfo",
    "AssetRecord",
    "MigrationError",
    "ScanInfo",
    "SightingInfo",
    "Store",
    "StoreError",
    "StoredAttribution",
    "default_url",
    "normalise_mac",
    "normalise_serial",
]
