"""enrollment_heads: where each contact's folded events stand, so a fold reads only what is new

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 17:00:00

A fold recomputed the open runs of every contact it touched from all of that
contact's events since its last end, and looked each of them up in the tail:
28 µs per event folded at 10M events, most of a fold (docs/performance.md,
"Stop 34"). With a row per (journey, contact) holding its latest folded event
that shapes runs, its last end and its open segment's latest node and goal, a
fold whose events come after that latest one reads only them. The table
starts empty: a contact without a row is recomputed as before, once, and has
one from then on (a rebuild empties it with the enrollments).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "enrollment_heads",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.String(collation="C"), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_id", sa.String(collation="C"), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("start_id", sa.String(collation="C"), nullable=False),
        sa.Column("node_id", sa.Uuid(), nullable=True),
        sa.Column("node_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("node_event", sa.String(collation="C"), nullable=True),
        sa.Column("goal_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("goal_event", sa.String(collation="C"), nullable=True),
        sa.PrimaryKeyConstraint("workspace_id", "journey_id", "contact_id", name=op.f("pk_enrollment_heads")),
    )


def downgrade() -> None:
    op.drop_table("enrollment_heads")
