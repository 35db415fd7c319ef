"""journey time indexes; contact_days keyed by contact

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:11:53.593581
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # contact_days is read by contact then day only: make that the key, drop the second index.
    op.drop_index("ix_contact_days_by_contact", table_name="contact_days")
    op.drop_constraint("pk_contact_days", "contact_days", type_="primary")
    op.create_primary_key(
        "pk_contact_days",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "ordinal", "bucket"],
    )
    op.create_index(
        "ix_rollup_days_by_time", "rollup_days", ["workspace_id", "journey_id", "bucket"], unique=False
    )
    op.create_index(
        "ix_rollup_quarters_by_time",
        "rollup_quarters",
        ["workspace_id", "journey_id", "bucket"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_constraint("pk_contact_days", "contact_days", type_="primary")
    op.create_primary_key(
        "pk_contact_days",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "bucket", "ordinal"],
    )
    op.create_index(
        "ix_contact_days_by_contact",
        "contact_days",
        ["workspace_id", "journey_id", "subject_id", "kind", "ordinal", "bucket"],
    )
    op.drop_index("ix_rollup_quarters_by_time", table_name="rollup_quarters")
    op.drop_index("ix_rollup_days_by_time", table_name="rollup_days")
