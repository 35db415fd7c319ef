"""events: no index by journey and time

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 15:00:00

Nothing journeygraph answers reads raw events by journey and time: figures
come from the rollups and the tail, enrollments and a node's contacts from
`ix_events_contact`, a rebuild reads a workspace's events whole. The index
cost every acknowledged event about 5 µs of PostgreSQL time (the ingest floor
at 2M events, with it and without it, alternating: docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_events_workspace_id_journey_id_occurred_at"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="events")


def downgrade() -> None:
    op.create_index(INDEX, "events", ["workspace_id", "journey_id", "occurred_at"])
