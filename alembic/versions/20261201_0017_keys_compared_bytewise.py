"""events.id and contacts.contact_id compared byte by byte (COLLATE "C"), whatever the database's locale

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 19:00:00

Acknowledging a batch inserts every event into `events`' primary key, sorted by
id, and reads or numbers its contacts through `contacts`' key: each insertion
or probe compares a few dozen ids. In a database whose default collation is a
language's (en_US.UTF-8, the default of many servers and of an embedded
PostgreSQL started on a machine in that locale) each comparison goes through
strcoll: inserting 5,000-id batches into a 2M-row key cost 16.9 µs per row
against 6.6 with COLLATE "C" (docs/performance.md, "Stop 35"). Ids are opaque
keys: nothing shows them in a language's order, and equality is the same
(deterministic collations compare equal exactly when the bytes are equal).

The keys' indexes are rebuilt (the tables are not rewritten), with the tables
locked meanwhile: 10 s at 10M events on the benchmark's 2 cores.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute('ALTER TABLE events ALTER COLUMN id TYPE varchar(128) COLLATE "C"')
    op.execute('ALTER TABLE contacts ALTER COLUMN contact_id TYPE varchar(256) COLLATE "C"')


def downgrade() -> None:
    op.execute('ALTER TABLE contacts ALTER COLUMN contact_id TYPE varchar(256) COLLATE "default"')
    op.execute('ALTER TABLE events ALTER COLUMN id TYPE varchar(128) COLLATE "default"')
