"""rollup_hours and rollup_four_hours: counts per UTC hour and four hours

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 21:00:00

A window in a zone whose midnight is not a UTC midnight has partial UTC days at
its edges (in New York, 19 hours and 5). Their counts came from the
quarter-hour rows: 96 rows per subject for a canvas's two edges. They are now
cut like the contact sets' edges: four-hour blocks, then hours, then
quarter-hours (New York: 9 rows). Both tables are filled from the quarter-hour
rows already counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The counter columns as of this revision: one per event type.
COUNTERS = [
    "journey_entered", "journey_completed", "journey_exited", "goal_converted", "node_entered", "path_traversed",
    "message_sent", "message_delivered", "message_bounced", "message_opened", "message_clicked", "unsubscribed",
    "spam_complaint", "holdout_global", "holdout_journey", "added_to_cart", "transaction", "webhook_succeeded",
    "webhook_failed",
]  # fmt: skip
ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"  # a Monday, midnight UTC: blocks start at midnight
TABLES = {"rollup_hours": "1 hour", "rollup_four_hours": "4 hours"}


def upgrade() -> None:
    columns = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    for table, width in TABLES.items():
        op.create_table(
            table,
            *(sa.Column(c, sa.BigInteger(), server_default="0", nullable=True) for c in COUNTERS),
            sa.Column("workspace_id", sa.Uuid(), nullable=False),
            sa.Column("journey_id", sa.Uuid(), nullable=False),
            sa.Column("subject_id", sa.Uuid(), nullable=False),
            sa.Column("bucket", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revenue", sa.Numeric(), server_default="0", nullable=False),
            sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint(
                "workspace_id", "journey_id", "subject_id", "bucket", name=op.f(f"pk_{table}")
            ),
        )
        bucket = f"date_bin('{width}', bucket, {ORIGIN})"
        op.execute(
            f"""INSERT INTO {table} (workspace_id, journey_id, subject_id, bucket, {columns}, revenue, last_event_at)
            SELECT workspace_id, journey_id, subject_id, {bucket}, {sums}, sum(revenue), max(last_event_at)
            FROM rollup_quarters GROUP BY workspace_id, journey_id, subject_id, {bucket}"""
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_table(table)
