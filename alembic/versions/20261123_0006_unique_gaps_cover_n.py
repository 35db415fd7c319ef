"""unique_gaps' primary key carries n, so distinct counts are read from the index alone

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 09:20:00

Rebuilds the key's index (the table is locked meanwhile: about a second per
million rows on the benchmark machine).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KEY = "workspace_id, journey_id, subject_id, kind, day, gap"


def upgrade() -> None:
    op.execute(
        f"ALTER TABLE unique_gaps DROP CONSTRAINT pk_unique_gaps, "
        f"ADD CONSTRAINT pk_unique_gaps PRIMARY KEY ({KEY}) INCLUDE (n)"
    )


def downgrade() -> None:
    op.execute(
        f"ALTER TABLE unique_gaps DROP CONSTRAINT pk_unique_gaps, ADD CONSTRAINT pk_unique_gaps PRIMARY KEY ({KEY})"
    )
