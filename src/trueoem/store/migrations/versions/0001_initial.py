"""Initial schema: scans, targets, assets, keys, addresses, sightings, observations, attributions.

Revision ID: 0001
Revises:
Create Date: 2026-11-20
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Create the tables."""
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS, nullable=True),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("kb_version", sa.Text, nullable=False),
        sa.Column("counts", sa.Text, nullable=False),
    )
    op.create_index("ix_scans_status", "scans", ["status"])
    op.create_table(
        "scan_targets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("target", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.UniqueConstraint("scan_id", "target", name="uq_scan_targets_scan_target"),
    )
    op.create_table(
        "assets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.Column("mac", sa.String(17), nullable=True),
        sa.Column("serial", sa.Text, nullable=True),
        sa.Column("external_id", sa.Text, nullable=True),
        sa.Column("label", sa.Text, nullable=True),
        sa.Column("last_ip", sa.String(64), nullable=True),
    )
    op.create_table(
        "asset_keys",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.UniqueConstraint("kind", "value", name="uq_asset_keys_kind_value"),
    )
    op.create_index("ix_asset_keys_asset_id", "asset_keys", ["asset_id"])
    op.create_table(
        "asset_addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("asset_id", "ip", name="uq_asset_addresses_asset_ip"),
    )
    op.create_index("ix_asset_addresses_ip", "asset_addresses", ["ip"])
    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="CASCADE"), nullable=False),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ip", sa.String(64), nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("scan_id", "asset_id", name="uq_sightings_scan_asset"),
    )
    op.create_index("ix_sightings_scan_ip", "sightings", ["scan_id", "ip"])
    op.create_index("ix_sightings_asset_id", "sightings", ["asset_id"])
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("seen_at", sa.Text, nullable=True),
        sa.Column("first_scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="SET NULL"), nullable=True),
        sa.Column("last_scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="SET NULL"), nullable=True),
        sa.Column("first_seen", TS, nullable=False),
        sa.Column("last_seen", TS, nullable=False),
        sa.UniqueConstraint("asset_id", "digest", name="uq_observations_asset_digest"),
    )
    op.create_index("ix_observations_last_scan_id", "observations", ["last_scan_id"])
    op.create_table(
        "attributions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("assets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id", ondelete="SET NULL"), nullable=True),
        sa.Column("kb_version", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("oem", sa.Text, nullable=True),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("label_brand", sa.Text, nullable=True),
        sa.Column("white_label", sa.Boolean, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
    )
    op.create_index("ix_attributions_asset_id_id", "attributions", ["asset_id", "id"])
    op.create_index("ix_attributions_scan_id", "attributions", ["scan_id"])
    op.create_index("ix_attributions_verdict", "attributions", ["verdict"])


def downgrade() -> None:
    """Drop the tables."""
    for t in (
        "attributions",
        "observations",
        "sightings",
        "asset_addresses",
        "asset_keys",
        "assets",
        "scan_targets",
        "scans",
    ):
        op.drop_table(t)
