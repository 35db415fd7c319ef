"""events contacts rollups

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 08:38:16.112797
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contact_days",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ordinal", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "journey_id",
            "subject_id",
            "kind",
            "bucket",
            "ordinal",
            name=op.f("pk_contact_days"),
        ),
    )
    op.create_table(
        "contact_quarters",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ordinal", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "journey_id",
            "subject_id",
            "kind",
            "bucket",
            "ordinal",
            name=op.f("pk_contact_quarters"),
        ),
    )
    op.create_table(
        "contacts",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.String(length=256), nullable=False),
        sa.Column("ordinal", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "contact_id", name=op.f("pk_contacts")),
    )
    op.create_table(
        "events",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "JOURNEY_ENTERED",
                "JOURNEY_COMPLETED",
                "JOURNEY_EXITED",
                "GOAL_CONVERTED",
                "NODE_ENTERED",
                "PATH_TRAVERSED",
                "MESSAGE_SENT",
                "MESSAGE_DELIVERED",
                "MESSAGE_BOUNCED",
                "MESSAGE_OPENED",
                "MESSAGE_CLICKED",
                "UNSUBSCRIBED",
                "SPAM_COMPLAINT",
                "HOLDOUT_GLOBAL",
                "HOLDOUT_JOURNEY",
                "ADDED_TO_CART",
                "TRANSACTION",
                "WEBHOOK_SUCCEEDED",
                "WEBHOOK_FAILED",
                name="event_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("node_id", sa.Uuid(), nullable=True),
        sa.Column("path_id", sa.Uuid(), nullable=True),
        sa.Column("contact_id", sa.String(length=256), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "id", name=op.f("pk_events")),
    )
    op.create_index(
        op.f("ix_events_workspace_id_journey_id_occurred_at"),
        "events",
        ["workspace_id", "journey_id", "occurred_at"],
        unique=False,
    )
    op.create_table(
        "rollup_days",
        sa.Column("journey_entered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("journey_completed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("journey_exited", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("goal_converted", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("node_entered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("path_traversed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_sent", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_delivered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_bounced", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_opened", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_clicked", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("unsubscribed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("spam_complaint", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("holdout_global", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("holdout_journey", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("added_to_cart", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("transaction", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("webhook_succeeded", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("webhook_failed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "subject_id", "bucket", name=op.f("pk_rollup_days")
        ),
    )
    op.create_table(
        "rollup_quarters",
        sa.Column("journey_entered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("journey_completed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("journey_exited", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("goal_converted", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("node_entered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("path_traversed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_sent", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_delivered", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_bounced", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_opened", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("message_clicked", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("unsubscribed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("spam_complaint", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("holdout_global", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("holdout_journey", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("added_to_cart", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("transaction", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("webhook_succeeded", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("webhook_failed", sa.BigInteger(), server_default="0", nullable=True),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "subject_id", "bucket", name=op.f("pk_rollup_quarters")
        ),
    )


def downgrade() -> None:
    op.drop_table("rollup_quarters")
    op.drop_table("rollup_days")
    op.drop_index(op.f("ix_events_workspace_id_journey_id_occurred_at"), table_name="events")
    op.drop_table("events")
    op.drop_table("contacts")
    op.drop_table("contact_quarters")
    op.drop_table("contact_days")
