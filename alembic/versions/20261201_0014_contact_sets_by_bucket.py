"""contact_sets by journey, grain and bucket: a canvas's sets in a few index ranges

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 02:00:00

A canvas reads the contact sets of every node and path of its journey over its
window. By the primary key (journey, subject, kind, grain, bucket) that is an
index search per subject and kind: 19,000 buffers for the 4,887 sets of a 31-day
canvas at 2M events. By (journey, grain, bucket, kind) it is one range per grain
and run of buckets.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["workspace_id", "journey_id", "grain", "bucket", "kind"]


def upgrade() -> None:
    op.create_index(
        op.f("ix_contact_sets_workspace_id_journey_id_grain_bucket_kind"), "contact_sets", COLUMNS
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_contact_sets_workspace_id_journey_id_grain_bucket_kind"), table_name="contact_sets"
    )
