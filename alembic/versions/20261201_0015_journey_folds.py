"""journey_folds: the transaction that last changed each journey's rollups

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:00:00

A canvas drawn again, with nothing of its journey folded since, reads the same
stored rows it read before: figures statements read this row in their own
snapshot and, when it says so, skip the rollups and contact sets for the rows a
server process remembers, and read only the tail (db/queries/answers.py). Every
journey with figures already stored gets a row now, so stored figures
remembered before its next fold are told apart from those after it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "journey_folds",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("folded", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("workspace_id", "journey_id", name=op.f("pk_journey_folds")),
    )
    op.execute(
        """INSERT INTO journey_folds (workspace_id, journey_id, folded)
        SELECT workspace_id, journey_id, CAST(CAST(pg_current_xact_id() AS text) AS bigint)
        FROM rollup_weeks GROUP BY workspace_id, journey_id"""
    )


def downgrade() -> None:
    op.drop_table("journey_folds")
