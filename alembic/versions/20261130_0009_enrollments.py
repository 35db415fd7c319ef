"""enrollments: who is in each journey, and where; events by contact

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 10:00:00

Enrollments (one row per run of a contact through a journey) and their counts
per status and node are kept by the folder, which recomputes the runs of the
contacts each batch touches from their events (read through the new
`ix_events_contact`). To fill them for the events already stored, every event
is queued in the tail again with the rollups and contact sets emptied, as 0008
did: the folder rebuilds all of it in the background, and queries read the
tail meanwhile, so figures and enrollments stay exact throughout.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NO_SUBJECT = "00000000-0000-0000-0000-000000000000"
SUBJECT = (
    "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id "
    f"ELSE coalesce(node_id, '{NO_SUBJECT}'::uuid) END"
)


def upgrade() -> None:
    op.create_index(
        "ix_events_contact",
        "events",
        ["workspace_id", "journey_id", sa.text('contact_id COLLATE "C"'), "occurred_at"],
        postgresql_include=["id", "type", "node_id"],
    )
    op.create_table(
        "enrollments",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.String(collation="C"), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.String(collation="C"), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_id", sa.String(collation="C"), nullable=True),
        sa.Column("current_node_id", sa.Uuid(), nullable=True),
        sa.Column("converted", sa.Boolean(), nullable=False),
        sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "contact_id", "entered_at", "entry_id", name=op.f("pk_enrollments")
        ),
    )
    op.create_index(
        "ix_enrollments_entered",
        "enrollments",
        ["workspace_id", "journey_id", "entered_at", "contact_id", "entry_id"],
    )
    op.create_index(
        "ix_enrollments_waiting",
        "enrollments",
        ["workspace_id", "journey_id", "current_node_id", "entered_at", "contact_id", "entry_id"],
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
    op.create_table(
        "enrollment_counts",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("node_id", sa.Uuid(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "status", "node_id", name=op.f("pk_enrollment_counts")
        ),
    )
    for table in ("rollup_quarters", "rollup_days", "rollup_weeks", "contact_sets", "event_tail"):
        op.execute(f"DELETE FROM {table}")
    op.execute(
        f"""INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue)
        SELECT workspace_id, journey_id, {SUBJECT}, type, contact_id, occurred_at, revenue FROM events
        ORDER BY occurred_at"""
    )


def downgrade() -> None:
    op.drop_table("enrollment_counts")
    op.drop_table("enrollments")
    op.drop_index("ix_events_contact", table_name="events")
