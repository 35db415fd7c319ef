"""Recomputing the rollups from the raw events (`journeygraph rebuild-rollups`).

Ingestion holds a shared per-workspace advisory lock; a rebuild holds it
exclusively, so no batch lands half-counted while a workspace is recomputed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from db.enums import UNIQUE_KINDS, EventType

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

LOCK_CLASS = 7316  # first key of journeygraph's advisory locks

_SUBJECT = "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id ELSE coalesce(node_id, journey_id) END"
_BUCKETS = {
    "quarters": "date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "days": "date_bin('1 day', occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
}
_KIND = "CASE type " + " ".join(f"WHEN '{t.value}' THEN {k}" for t, k in UNIQUE_KINDS.items()) + " END"


async def lock_for_ingest(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Shared lock: many batches of a workspace at once, but no rebuild meanwhile."""
    await session.execute(
        sa.text("SELECT pg_advisory_xact_lock_shared(:cls, hashtext(:ws))"),
        {"cls": LOCK_CLASS, "ws": str(workspace_id)},
    )


async def rebuild(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Recompute every rollup of a workspace from its raw events; return how many events were read."""
    params = {"cls": LOCK_CLASS, "ws": str(workspace_id), "workspace_id": workspace_id}
    await session.execute(sa.text("SELECT pg_advisory_xact_lock(:cls, hashtext(:ws))"), params)
    for table in ("rollup_quarters", "rollup_days", "contact_quarters", "contact_days"):
        await session.execute(sa.text(f"DELETE FROM {table} WHERE workspace_id = :workspace_id"), params)
    await session.execute(
        sa.text(
            """INSERT INTO contacts (workspace_id, contact_id)
            SELECT DISTINCT workspace_id, contact_id FROM events WHERE workspace_id = :workspace_id
            ORDER BY contact_id ON CONFLICT DO NOTHING"""
        ),
        params,
    )
    counters = [t.column for t in EventType]
    counted = ", ".join(f"count(*) FILTER (WHERE type = '{t.value}')" for t in EventType)
    kinds = ", ".join(f"'{t.value}'" for t in UNIQUE_KINDS)
    for size, bucket in _BUCKETS.items():
        await session.execute(
            sa.text(
                f"""INSERT INTO rollup_{size} (workspace_id, journey_id, subject_id, bucket, {", ".join(counters)},
                    revenue, last_event_at)
                SELECT workspace_id, journey_id, {_SUBJECT}, {bucket}, {counted},
                    coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0), max(occurred_at)
                FROM events WHERE workspace_id = :workspace_id
                GROUP BY workspace_id, journey_id, {_SUBJECT}, {bucket}"""
            ),
            params,
        )
        await session.execute(
            sa.text(
                f"""INSERT INTO contact_{size} (workspace_id, journey_id, subject_id, kind, bucket, ordinal)
                SELECT DISTINCT e.workspace_id, e.journey_id, {_SUBJECT}, {_KIND}, {bucket}, c.ordinal
                FROM events e JOIN contacts c ON c.workspace_id = e.workspace_id AND c.contact_id = e.contact_id
                WHERE e.workspace_id = :workspace_id AND e.type IN ({kinds})"""
            ),
            params,
        )
    count = await session.scalar(
        sa.text("SELECT count(*) FROM events WHERE workspace_id = :workspace_id"), params
    )
    return int(count or 0)


async def workspace_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every workspace's id."""
    return list(await session.scalars(sa.text("SELECT id FROM workspaces ORDER BY id")))
