"""enrollments: lastEventAt is read, not stored

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:00:00

A run's lastEventAt is its end's moment once it has ended, else its contact's
latest event in the journey; listing reads it per run from `ix_events_contact`.
Storing it made every event of every type rewrite its contact's runs in the
folder, where now only entries, ends, nodes entered and goals do. Dropping the
column is a change of the catalog only; the rows stay as they are.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_column("enrollments", "last_event_at")


def downgrade() -> None:
    op.add_column("enrollments", sa.Column("last_event_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """
        UPDATE enrollments r SET last_event_at = CASE WHEN r.status = 'ACTIVE' THEN (
            SELECT max(v.occurred_at) FROM events v WHERE v.workspace_id = r.workspace_id
                AND v.journey_id = r.journey_id AND v.contact_id COLLATE "C" = r.contact_id)
            ELSE r.ended_at END
        """
    )
    op.alter_column("enrollments", "last_event_at", nullable=False)
