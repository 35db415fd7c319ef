"""event_tail: each event's contact ordinal, set when it is acknowledged

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 17:00:00

A query read each queued event's contact ordinal by a look-up in `contacts`,
once per event per statement of unique counts (three per canvas), and the
folder again when it folded it. The ordinal is now stored with the event when
it is acknowledged; events of the types counted as distinct contacts must have
one (the check). Events queued before this revision are numbered here.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the unique-counted types as this revision knows them (a migration imports no code that may change)
UNIQUE_TYPES = "('JOURNEY_ENTERED', 'GOAL_CONVERTED', 'NODE_ENTERED', 'PATH_TRAVERSED', 'MESSAGE_OPENED', 'MESSAGE_CLICKED')"


def upgrade() -> None:
    op.add_column("event_tail", sa.Column("ordinal", sa.BigInteger(), nullable=True))
    op.execute(
        f"""INSERT INTO contacts (workspace_id, contact_id)
        SELECT DISTINCT workspace_id, contact_id FROM event_tail WHERE type IN {UNIQUE_TYPES}
        ORDER BY workspace_id, contact_id
        ON CONFLICT (workspace_id, contact_id) DO NOTHING"""
    )
    op.execute(
        f"""UPDATE event_tail t SET ordinal = c.ordinal FROM contacts c
        WHERE c.workspace_id = t.workspace_id AND c.contact_id = t.contact_id AND t.type IN {UNIQUE_TYPES}"""
    )
    op.create_check_constraint(
        "ck_event_tail_numbered", "event_tail", f"ordinal IS NOT NULL OR type NOT IN {UNIQUE_TYPES}"
    )


def downgrade() -> None:
    op.drop_constraint("ck_event_tail_numbered", "event_tail", type_="check")
    op.drop_column("event_tail", "ordinal")
