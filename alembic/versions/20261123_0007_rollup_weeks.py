"""rollup_weeks: counts per UTC week, so long windows sum a few rows per subject

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 11:40:00

Filled from rollup_days (each week is the sum of its seven days).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The counter columns as of this revision: one per event type.
COUNTERS = [
    "journey_entered", "journey_completed", "journey_exited", "goal_converted", "node_entered", "path_traversed",
    "message_sent", "message_delivered", "message_bounced", "message_opened", "message_clicked", "unsubscribed",
    "spam_complaint", "holdout_global", "holdout_journey", "added_to_cart", "transaction", "webhook_succeeded",
    "webhook_failed",
]  # fmt: skip
WEEK = "date_bin('7 days', bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00')"  # weeks start on Monday


def upgrade() -> None:
    op.create_table(
        "rollup_weeks",
        *(sa.Column(c, sa.BigInteger(), server_default="0", nullable=True) for c in COUNTERS),
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revenue", sa.Numeric(), server_default="0", nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "subject_id", "bucket", name=op.f("pk_rollup_weeks")
        ),
    )
    columns = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    op.execute(
        f"""INSERT INTO rollup_weeks (workspace_id, journey_id, subject_id, bucket, {columns}, revenue, last_event_at)
        SELECT workspace_id, journey_id, subject_id, {WEEK}, {sums}, sum(revenue), max(last_event_at)
        FROM rollup_days GROUP BY workspace_id, journey_id, subject_id, {WEEK}"""
    )


def downgrade() -> None:
    op.drop_table("rollup_weeks")
