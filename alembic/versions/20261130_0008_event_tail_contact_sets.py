"""event_tail and contact_sets: events are appended and acknowledged, then folded off the request path

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 07:00:00

The per-contact sets (contact_quarters, contact_days) and unique_gaps give way
to roaring bitmaps per subject, kind and UTC bucket (contact_sets), written by
the folder from event_tail. Existing figures are rebuilt from the raw events:
the rollups are emptied and every event is queued in the tail, which the
folder folds in the background (queries read the tail meanwhile, so figures
stay exact throughout).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The event types as of this revision.
EVENT_TYPES = [
    "JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "GOAL_CONVERTED", "NODE_ENTERED", "PATH_TRAVERSED",
    "MESSAGE_SENT", "MESSAGE_DELIVERED", "MESSAGE_BOUNCED", "MESSAGE_OPENED", "MESSAGE_CLICKED", "UNSUBSCRIBED",
    "SPAM_COMPLAINT", "HOLDOUT_GLOBAL", "HOLDOUT_JOURNEY", "ADDED_TO_CART", "TRANSACTION", "WEBHOOK_SUCCEEDED",
    "WEBHOOK_FAILED",
]  # fmt: skip
NO_SUBJECT = "00000000-0000-0000-0000-000000000000"
SUBJECT = (
    "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id "
    f"ELSE coalesce(node_id, '{NO_SUBJECT}'::uuid) END"
)


def upgrade() -> None:
    # text with a CHECK constraint, as `events.type` (db/models.py `_enum`)
    event_type = sa.Enum(
        *EVENT_TYPES, name="event_type", native_enum=False, create_constraint=True, length=32
    )
    op.create_table(
        "event_tail",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("type", event_type, nullable=False),
        sa.Column("contact_id", sa.String(length=256), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "seq", name=op.f("pk_event_tail")),
    )
    op.create_index(
        op.f("ix_event_tail_workspace_id_journey_id_occurred_at"),
        "event_tail",
        ["workspace_id", "journey_id", "occurred_at"],
    )
    # Every row is deleted soon after it is inserted: vacuum it every few thousand dead rows,
    # not at 20% of the table, or queries wade through dead index entries of folded events.
    op.execute(
        "ALTER TABLE event_tail SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 5000,"
        " autovacuum_vacuum_insert_scale_factor = 0, autovacuum_vacuum_insert_threshold = 5000,"
        " autovacuum_vacuum_cost_delay = 0)"
    )
    op.create_table(
        "contact_sets",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("grain", sa.SmallInteger(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("bitmap", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id",
            "journey_id",
            "subject_id",
            "kind",
            "grain",
            "bucket",
            name=op.f("pk_contact_sets"),
        ),
    )
    op.drop_table("unique_gaps")
    op.drop_table("contact_days")
    op.drop_table("contact_quarters")
    for table in ("rollup_quarters", "rollup_days", "rollup_weeks"):
        op.execute(f"DELETE FROM {table}")
    op.execute(
        f"""INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue)
        SELECT workspace_id, journey_id, {SUBJECT}, type, contact_id, occurred_at, revenue FROM events
        ORDER BY occurred_at"""
    )


def downgrade() -> None:
    raise NotImplementedError("0008 replaces the contact sets by bitmaps; restore a backup to go back")
