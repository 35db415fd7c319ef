"""enrollment_states: where each contact's runs stand, so a fold places an event without reading events

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 14:00:00

A fold recomputed the runs of every contact its events touched from that
contact's events after its last end, read through ix_events_contact: the
larger a contact's open segment grew, the more each of its events cost
(docs/performance.md, "Stop 43"). A state row per (journey, contact) holds
what the open segment's runs depend on, so a fold places an event dated after
the contact's last end on the state alone (db/queries/run_states.py).

The runs stored before this revision are exact up to each contact's earliest
queued event, but their segment's latest node and goal are not stored: every
(journey, contact) with an event that shapes runs gets a row marked `stale`,
and the next fold of that contact recomputes its runs from its events, as
before, and its state with them. A contact with no row has no folded event
that shapes runs. The tail keeps the id of each event that shapes runs from
now on; those queued before have none, and their contacts are recomputed too.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The event types that shape runs, as of this revision.
SHAPING = "('JOURNEY_ENTERED', 'JOURNEY_COMPLETED', 'JOURNEY_EXITED', 'NODE_ENTERED', 'GOAL_CONVERTED')"


def upgrade() -> None:
    op.create_table(
        "enrollment_states",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("contact_id", sa.String(collation="C"), nullable=False),
        sa.Column("end_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_id", sa.String(collation="C"), nullable=True),
        sa.Column(
            "entry_ats",
            postgresql.ARRAY(sa.DateTime(timezone=True)),
            server_default=sa.text("'{}'"),
            nullable=False,
        ),
        sa.Column("entry_ids", postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("node_id", sa.Uuid(), nullable=True),
        sa.Column("node_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("node_event", sa.String(collation="C"), nullable=True),
        sa.Column("goal_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("goal_event", sa.String(collation="C"), nullable=True),
        sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "contact_id", name=op.f("pk_enrollment_states")
        ),
    )
    op.add_column("event_tail", sa.Column("event_id", sa.String(128, collation="C"), nullable=True))
    op.execute(
        f"""INSERT INTO enrollment_states (workspace_id, journey_id, contact_id, stale)
        SELECT DISTINCT workspace_id, journey_id, contact_id, true FROM events WHERE type IN {SHAPING}"""
    )


def downgrade() -> None:
    op.drop_column("event_tail", "event_id")
    op.drop_table("enrollment_states")
