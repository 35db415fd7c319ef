"""Recomputing the rollups from the raw events (`journeygraph rebuild-rollups`).

A rebuild holds the workspace's ingestion locks exclusively (db/queries/locks.py),
so no batch lands half-counted while a workspace is recomputed.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from db.enums import UNIQUE_KINDS, EventType
from db.models import NO_EARLIER_DAY, NO_SUBJECT
from db.queries.events import MAX_GAP
from db.queries.locks import lock_for_rebuild

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


_SUBJECT = (
    "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id "
    f"ELSE coalesce(node_id, '{NO_SUBJECT}'::uuid) END"
)
_BUCKETS = {
    "quarters": "date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
    "days": "date_bin('1 day', occurred_at, TIMESTAMPTZ '2000-01-01 00:00:00+00')",
}
_WEEK = "date_bin('7 days', bucket, TIMESTAMPTZ '2000-01-03 00:00:00+00')"  # weeks start on Monday
_KIND = "CASE type " + " ".join(f"WHEN '{t.value}' THEN {k}" for t, k in UNIQUE_KINDS.items()) + " END"


async def rebuild(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Recompute every rollup of a workspace from its raw events; return how many events were read."""
    params = {"workspace_id": workspace_id}
    await lock_for_rebuild(session, workspace_id)
    for table in (
        "rollup_quarters",
        "rollup_days",
        "rollup_weeks",
        "contact_quarters",
        "contact_days",
        "unique_gaps",
    ):
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
                SELECT workspace_id, journey_id, scope.id, {bucket}, {counted},
                    coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0), max(occurred_at)
                FROM events
                -- each event counts on its subject and on its journey's totals (the journey's id)
                CROSS JOIN LATERAL (VALUES ({_SUBJECT}), (journey_id)) AS scope(id)
                WHERE workspace_id = :workspace_id
                GROUP BY workspace_id, journey_id, scope.id, {bucket}"""
            ),
            params,
        )
        await session.execute(
            sa.text(
                f"""INSERT INTO contact_{size} (workspace_id, journey_id, subject_id, kind, bucket, ordinal)
                SELECT DISTINCT e.workspace_id, e.journey_id, scope.id, {_KIND}, {bucket}, c.ordinal
                FROM events e JOIN contacts c ON c.workspace_id = e.workspace_id AND c.contact_id = e.contact_id
                -- each contact counts on its subject and on the journey as a whole (kept under the journey's id)
                CROSS JOIN LATERAL (VALUES ({_SUBJECT}), (e.journey_id)) AS scope(id)
                WHERE e.workspace_id = :workspace_id AND e.type IN ({kinds}) AND scope.id <> '{NO_SUBJECT}'::uuid"""
            ),
            params,
        )
    # each week is the sum of its seven days
    await session.execute(
        sa.text(
            f"""INSERT INTO rollup_weeks (workspace_id, journey_id, subject_id, bucket, {", ".join(counters)},
                revenue, last_event_at)
            SELECT workspace_id, journey_id, subject_id, {_WEEK}, {", ".join(f"sum({c})" for c in counters)},
                sum(revenue), max(last_event_at)
            FROM rollup_days WHERE workspace_id = :workspace_id
            GROUP BY workspace_id, journey_id, subject_id, {_WEEK}"""
        ),
        params,
    )
    await session.execute(
        sa.text(
            f"""INSERT INTO unique_gaps (workspace_id, journey_id, subject_id, kind, day, gap, n)
            SELECT workspace_id, journey_id, subject_id, kind, day, gap, count(*) FROM (
                SELECT workspace_id, journey_id, subject_id, kind, CAST(bucket AT TIME ZONE 'UTC' AS date) AS day,
                    CASE WHEN lag(bucket) OVER w IS NULL OR bucket - lag(bucket) OVER w > interval '{MAX_GAP} days'
                         THEN {NO_EARLIER_DAY} ELSE extract(day FROM bucket - lag(bucket) OVER w) END AS gap
                FROM contact_days WHERE workspace_id = :workspace_id
                WINDOW w AS (PARTITION BY journey_id, subject_id, kind, ordinal ORDER BY bucket)
            ) AS days GROUP BY workspace_id, journey_id, subject_id, kind, day, gap"""
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
