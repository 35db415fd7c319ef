"""unique gaps

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:03:48.287811
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "unique_gaps",
        sa.Column("workspace_id", sa.Uuid(), nullable=False),
        sa.Column("journey_id", sa.Uuid(), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.SmallInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("gap", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "workspace_id", "journey_id", "subject_id", "kind", "day", "gap", name=op.f("pk_unique_gaps")
        ),
    )
    op.create_index(
        "ix_contact_days_by_contact",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "ordinal", "bucket"],
        unique=False,
    )

    # Existing data: whole-journey contact sets (kept under the journey's own id), then the gaps.
    for size in ("quarters", "days"):
        op.execute(
            f"""INSERT INTO contact_{size} (workspace_id, journey_id, subject_id, kind, bucket, ordinal)
            SELECT DISTINCT workspace_id, journey_id, journey_id, kind, bucket, ordinal FROM contact_{size}
            ON CONFLICT DO NOTHING"""
        )
    op.execute(
        """INSERT INTO unique_gaps (workspace_id, journey_id, subject_id, kind, day, gap, n)
        SELECT workspace_id, journey_id, subject_id, kind, day, gap, count(*) FROM (
            SELECT workspace_id, journey_id, subject_id, kind, CAST(bucket AT TIME ZONE 'UTC' AS date) AS day,
                CASE WHEN lag(bucket) OVER w IS NULL OR bucket - lag(bucket) OVER w > interval '366 days'
                     THEN 32767 ELSE extract(day FROM bucket - lag(bucket) OVER w) END AS gap
            FROM contact_days
            WINDOW w AS (PARTITION BY workspace_id, journey_id, subject_id, kind, ordinal ORDER BY bucket)
        ) AS days GROUP BY workspace_id, journey_id, subject_id, kind, day, gap"""
    )


def downgrade() -> None:
    op.drop_index("ix_contact_days_by_contact", table_name="contact_days")
    op.drop_table("unique_gaps")
