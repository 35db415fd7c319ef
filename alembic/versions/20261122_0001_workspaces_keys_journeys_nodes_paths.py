"""workspaces keys journeys nodes paths

Revision ID: 0001
Revises:
Create Date: 2026-11-22 08:21:32.272933
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("time_zone", sa.Text(), server_default="UTC", nullable=False),
        sa.Column("currency", sa.String(length=3), server_default="USD", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workspaces")),
    )
    op.create_table(
        "api_keys",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", postgresql.ARRAY(sa.Text()), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_api_keys_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("workspace_id", "key_hash", name=op.f("uq_api_keys_workspace_id_key_hash")),
    )
    op.create_table(
        "journeys",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "DRAFT",
                "PUBLISHED",
                "PAUSED",
                "ARCHIVED",
                name="journey_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("goal", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id"], ["workspaces.id"], name=op.f("fk_journeys_workspace_id_workspaces")
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_journeys")),
    )
    op.create_index(
        op.f("ix_journeys_workspace_id_updated_at_id"),
        "journeys",
        ["workspace_id", "updated_at", "id"],
        unique=False,
    )
    op.create_table(
        "nodes",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "TRIGGER",
                "MESSAGE",
                "WAIT",
                "WAIT_FOR_EVENT",
                "CONDITION",
                "SPLIT",
                "GOAL_CHECK",
                "WEBHOOK",
                "UPDATE_CONTACT",
                "EXIT",
                name="node_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column(
            "channel",
            sa.Enum(
                "EMAIL",
                "SMS",
                "PUSH",
                "WEB_PUSH",
                "IN_APP",
                "WHATSAPP",
                name="channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "config",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default=sa.text("'{}'::jsonb"),
            nullable=False,
        ),
        sa.Column("position_x", sa.Float(), nullable=True),
        sa.Column("position_y", sa.Float(), nullable=True),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "journey_id"],
            ["journeys.workspace_id", "journeys.id"],
            name=op.f("fk_nodes_workspace_id_journey_id_journeys"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_nodes")),
    )
    op.create_index(
        op.f("ix_nodes_workspace_id_journey_id"), "nodes", ["workspace_id", "journey_id"], unique=False
    )
    op.create_table(
        "paths",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("source_node_id", sa.Uuid(), nullable=False),
        sa.Column("target_node_id", sa.Uuid(), nullable=False),
        sa.Column("label", sa.Text(), nullable=True),
        sa.Column("index", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["workspace_id", "journey_id"],
            ["journeys.workspace_id", "journeys.id"],
            name=op.f("fk_paths_workspace_id_journey_id_journeys"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "source_node_id"],
            ["nodes.workspace_id", "nodes.id"],
            name=op.f("fk_paths_workspace_id_source_node_id_nodes"),
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id", "target_node_id"],
            ["nodes.workspace_id", "nodes.id"],
            name=op.f("fk_paths_workspace_id_target_node_id_nodes"),
        ),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_paths")),
    )
    op.create_index(
        op.f("ix_paths_workspace_id_journey_id"), "paths", ["workspace_id", "journey_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_paths_workspace_id_journey_id"), table_name="paths")
    op.drop_table("paths")
    op.drop_index(op.f("ix_nodes_workspace_id_journey_id"), table_name="nodes")
    op.drop_table("nodes")
    op.drop_index(op.f("ix_journeys_workspace_id_updated_at_id"), table_name="journeys")
    op.drop_table("journeys")
    op.drop_table("api_keys")
    op.drop_table("workspaces")
