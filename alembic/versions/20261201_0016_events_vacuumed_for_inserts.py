"""events: vacuumed after every 1% of new rows, so its visibility map keeps up with a stream

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 11:00:00

A fold recomputes the runs of the contacts it touches from their events, read
through ix_events_contact by index only: the heap is visited only for rows on
pages the visibility map does not yet mark all-visible, which is every page
written since `events` was last vacuumed. `events` only grows, so autovacuum
comes for it after 20% of its size in new rows by default: two million at 10M
events, and the contacts a live stream touches are those whose newest events
are on exactly those pages. In a 50,000-event fold on the benchmark's
database, 144,020 of the 144,875 rows read were fetched from the heap
(docs/performance.md, "Stop 31"). A vacuum of new rows only sets their pages'
bits (and freezes them); it skips the indexes when there is nothing dead.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("ALTER TABLE events SET (autovacuum_vacuum_insert_scale_factor = 0.01)")


def downgrade() -> None:
    op.execute("ALTER TABLE events RESET (autovacuum_vacuum_insert_scale_factor)")
