"""enrollments: an ACTIVE run's current node is kept in its contact's state, not in its row

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 16:00:00

Every ACTIVE run of a contact entered before the open segment's latest
NODE_ENTERED is at that node, and the state holds it (0018). Stored on each
run as well, a node entered rewrote every ACTIVE run of the contact, each
with its three indexes (the node is a key of ix_enrollments_waiting): at 18M
events of the benchmark's stream, whose contacts re-enter without ending,
about six rows per node entered (docs/performance.md, "Stop 44"). From this
revision an ACTIVE run's row carries no node; its node is read from its
contact's state, which a node entered rewrites once.

A contact whose state is still `stale` (0018: runs stored before states were
kept, recomputed at its next fold) keeps its ACTIVE runs' stored nodes until
that recomputation clears them; ix_enrollments_waiting now holds those runs
only. The others are found through their states: `waiting_at`, the newest
entry of the state's runs at its node, orders a node's states as its runs are
listed (newest entry first), so a page reads as many states as it lists runs
(ix_enrollment_states_waiting).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WAITING_COLUMNS = ["workspace_id", "journey_id", "current_node_id", "entered_at", "contact_id", "entry_id"]


def upgrade() -> None:
    op.execute(
        """UPDATE enrollments e SET current_node_id = NULL FROM enrollment_states s
        WHERE e.status = 'ACTIVE' AND e.current_node_id IS NOT NULL AND NOT s.stale
            AND s.workspace_id = e.workspace_id AND s.journey_id = e.journey_id AND s.contact_id = e.contact_id"""
    )
    op.drop_index("ix_enrollments_waiting", table_name="enrollments")
    op.create_index(
        "ix_enrollments_waiting",
        "enrollments",
        _WAITING_COLUMNS,
        postgresql_where=sa.text("status = 'ACTIVE' AND current_node_id IS NOT NULL"),
    )
    op.add_column("enrollment_states", sa.Column("waiting_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        """UPDATE enrollment_states s SET waiting_at = (
            SELECT max(p.at) FROM unnest(s.entry_ats, s.entry_ids) AS p(at, id)
            WHERE (p.at, p.id COLLATE "C") < (s.node_at, s.node_event)
        ) WHERE NOT s.stale AND s.node_event IS NOT NULL AND s.entry_ids <> '{}'"""
    )
    op.create_index(
        "ix_enrollment_states_waiting",
        "enrollment_states",
        ["workspace_id", "journey_id", "node_id", "waiting_at", "contact_id"],
        postgresql_where=sa.text("waiting_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_enrollment_states_waiting", table_name="enrollment_states")
    op.drop_column("enrollment_states", "waiting_at")
    op.execute(
        """UPDATE enrollments e SET current_node_id = s.node_id FROM enrollment_states s
        WHERE e.status = 'ACTIVE' AND e.current_node_id IS NULL AND NOT s.stale
            AND s.workspace_id = e.workspace_id AND s.journey_id = e.journey_id AND s.contact_id = e.contact_id
            AND (s.node_at, s.node_event) > (e.entered_at, e.entry_id)"""
    )
    op.drop_index("ix_enrollments_waiting", table_name="enrollments")
    op.create_index(
        "ix_enrollments_waiting",
        "enrollments",
        _WAITING_COLUMNS,
        postgresql_where=sa.text("status = 'ACTIVE'"),
    )
