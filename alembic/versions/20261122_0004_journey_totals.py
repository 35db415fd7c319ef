"""journey totals rows; contact_days keyed by contact

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:11:53.593581
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_SUBJECT = "00000000-0000-0000-0000-000000000000"
# The counter columns as of this revision: one per event type.
COUNTERS = [
    "journey_entered", "journey_completed", "journey_exited", "goal_converted", "node_entered", "path_traversed",
    "message_sent", "message_delivered", "message_bounced", "message_opened", "message_clicked", "unsubscribed",
    "spam_complaint", "holdout_global", "holdout_journey", "added_to_cart", "transaction", "webhook_succeeded",
    "webhook_failed",
]  # fmt: skip


def upgrade() -> None:
    # contact_days is read by contact then day only: make that the key, drop the second index.
    op.drop_index("ix_contact_days_by_contact", table_name="contact_days")
    op.drop_constraint("pk_contact_days", "contact_days", type_="primary")
    op.create_primary_key(
        "pk_contact_days",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "ordinal", "bucket"],
    )
    # Events without a node move to the nil subject; each journey gets a totals row per
    # bucket under its own id, so journey figures read one row per bucket.
    columns = ", ".join(COUNTERS)
    sums = ", ".join(f"sum({c})" for c in COUNTERS)
    for size in ("quarters", "days"):
        op.execute(f"UPDATE rollup_{size} SET subject_id = '{NO_SUBJECT}' WHERE subject_id = journey_id")
        op.execute(
            f"""INSERT INTO rollup_{size} (workspace_id, journey_id, subject_id, bucket, {columns}, revenue, last_event_at)
            SELECT workspace_id, journey_id, journey_id, bucket, {sums}, sum(revenue), max(last_event_at)
            FROM rollup_{size} GROUP BY workspace_id, journey_id, bucket"""
        )


def downgrade() -> None:
    for size in ("quarters", "days"):
        op.execute(f"DELETE FROM rollup_{size} WHERE subject_id = journey_id")
        op.execute(f"UPDATE rollup_{size} SET subject_id = journey_id WHERE subject_id = '{NO_SUBJECT}'")
    op.drop_constraint("pk_contact_days", "contact_days", type_="primary")
    op.create_primary_key(
        "pk_contact_days",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "bucket", "ordinal"],
    )
    op.create_index(
        "ix_contact_days_by_contact",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "ordinal", "bucket"],
    )
