"""Folding the tail: acknowledged events move from `event_tail` into the rollups and contact sets.

One fold takes up to `limit` of one workspace's oldest queued events, in one
transaction: it deletes them from the tail, adds their counts to the quarter,
day and week rollups (one statement, grouped in SQL), numbers their contacts
and ORs their ordinals into the contact sets' bitmaps. So in any snapshot an
event is either still in the tail or counted in the rollups, never both and
never neither, which is what lets a query read both and stay exact.

Folds are serialized by one advisory lock (FOLD_LOCK): bitmaps are read,
merged and written back, which two folders must not do to the same row at
once. A folder that does not get the lock folds nothing and tries later.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pyroaring import BitMap

from db.enums import UNIQUE_KINDS, EventType
from db.models import NO_SUBJECT
from db.queries.events import day_of, hour_of, quarter_of, week_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession

FOLD_LOCK = 7318
YIELD_EVERY = 500  # contact sets merged between two chances for requests to run
COUNTERS = [t.column for t in EventType]
# The grains of the contact sets, by the code stored in `grain`: a window is read as the
# fewest aligned buckets (weeks, then days, then hours, then quarter-hours at its edges).
QUARTER, HOUR, DAY, WEEK = 1, 2, 3, 4
GRAINS: dict[int, Callable[[datetime], datetime]] = {
    QUARTER: quarter_of,
    HOUR: hour_of,
    DAY: day_of,
    WEEK: week_of,
}
_BINS = {
    "quarters": "date_bin('15 minutes', occurred_at, TIMESTAMPTZ '2000-01-03 00:00:00+00')",
    "days": "date_bin('1 day', occurred_at, TIMESTAMPTZ '2000-01-03 00:00:00+00')",
    "weeks": "date_bin('7 days', occurred_at, TIMESTAMPTZ '2000-01-03 00:00:00+00')",  # from Monday
}


def _counts_cte(size: str) -> str:
    counted = ", ".join(f"count(*) FILTER (WHERE type = '{t.value}')" for t in EventType)
    updates = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in [*COUNTERS, "revenue"])
    return f"""{size} AS (
        INSERT INTO rollup_{size} AS r (workspace_id, journey_id, subject_id, bucket, {", ".join(COUNTERS)},
                                        revenue, last_event_at)
        SELECT :workspace_id, journey_id, owner, {_BINS[size]}, {counted},
               coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0), max(occurred_at)
        FROM scoped GROUP BY journey_id, owner, {_BINS[size]}
        ON CONFLICT (workspace_id, journey_id, subject_id, bucket) DO UPDATE SET {updates},
            last_event_at = greatest(r.last_event_at, excluded.last_event_at)
    )"""


_ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"  # a Monday, midnight UTC
_SET_BUCKETS = ", ".join(
    f"({grain}, date_bin('{width}', u.occurred_at, {_ORIGIN}))"
    for grain, width in ((QUARTER, "15 minutes"), (HOUR, "1 hour"), (DAY, "1 day"), (WEEK, "7 days"))
)
_KIND = "CASE m.type " + " ".join(f"WHEN '{t.value}' THEN {k}" for t, k in UNIQUE_KINDS.items()) + " END"
_NEXT_WORKSPACE = sa.text("SELECT workspace_id FROM event_tail LIMIT 1")
_TRY_LOCK = sa.text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})")
_LOCK = sa.text(f"SELECT pg_advisory_xact_lock({FOLD_LOCK})")
# One statement: take the batch out of the tail, add its counts to the three rollups, number
# its new contacts, and answer, per contact set it touches, the ordinals to add and the set as
# stored (NULL: none yet). A row per set, not per event: the grouping is PostgreSQL's.
_FOLD = sa.text(
    f"""
    WITH moved AS (
        DELETE FROM event_tail
        WHERE workspace_id = :workspace_id AND seq IN (
            SELECT seq FROM event_tail WHERE workspace_id = :workspace_id ORDER BY seq LIMIT :limit)
        RETURNING journey_id, subject_id, type, contact_id, occurred_at, revenue
    ), scoped AS (
        -- each event counts on its subject and on its journey's totals (the journey's own id)
        SELECT m.*, scope.id AS owner FROM moved m
        CROSS JOIN LATERAL (VALUES (m.subject_id), (m.journey_id)) AS scope(id)
    ), {_counts_cte("quarters")}, {_counts_cte("days")}, {_counts_cte("weeks")},
    numbered AS (
        INSERT INTO contacts (workspace_id, contact_id)
        SELECT DISTINCT :workspace_id, contact_id FROM moved WHERE type = ANY(CAST(:kinds AS text[]))
        ON CONFLICT (workspace_id, contact_id) DO NOTHING
        RETURNING contact_id, ordinal
    ), counted AS (
        SELECT m.journey_id, scope.id AS owner, {_KIND} AS kind, m.occurred_at,
               coalesce(c.ordinal, n.ordinal) AS ordinal
        FROM moved m
        LEFT JOIN contacts c ON c.workspace_id = :workspace_id AND c.contact_id = m.contact_id
        LEFT JOIN numbered n ON n.contact_id = m.contact_id
        -- each contact counts on its subject and on its journey as a whole
        CROSS JOIN LATERAL (VALUES (m.subject_id), (m.journey_id)) AS scope(id)
        WHERE m.type = ANY(CAST(:kinds AS text[])) AND scope.id <> '{NO_SUBJECT}'::uuid
    ), sets AS (
        SELECT u.journey_id, u.owner, u.kind, g.grain, g.bucket, array_agg(DISTINCT u.ordinal) AS ordinals
        FROM counted u CROSS JOIN LATERAL (VALUES {_SET_BUCKETS}) AS g(grain, bucket)
        GROUP BY u.journey_id, u.owner, u.kind, g.grain, g.bucket
    )
    SELECT s.journey_id, s.owner, s.kind, s.grain, s.bucket, s.ordinals, c.bitmap, (SELECT count(*) FROM moved)
    FROM sets s LEFT JOIN contact_sets c ON c.workspace_id = :workspace_id AND c.journey_id = s.journey_id
        AND c.subject_id = s.owner AND c.kind = s.kind AND c.grain = s.grain AND c.bucket = s.bucket
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM moved)
    """
)
_WRITE_SETS = sa.text(
    """
    INSERT INTO contact_sets (workspace_id, journey_id, subject_id, kind, grain, bucket, n, bitmap)
    SELECT :workspace_id, * FROM unnest(CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]),
        CAST(:kinds AS smallint[]), CAST(:grains AS smallint[]), CAST(:buckets AS timestamptz[]),
        CAST(:ns AS int[]), CAST(:bitmaps AS bytea[]))
    ON CONFLICT (workspace_id, journey_id, subject_id, kind, grain, bucket)
    DO UPDATE SET n = excluded.n, bitmap = excluded.bitmap
    """
)


async def fold(
    session: AsyncSession, limit: int = 50_000, wait: bool = False, workspace_id: uuid.UUID | None = None
) -> int:
    """Fold up to `limit` queued events of one workspace (any, unless named), in the caller's
    transaction; return how many. 0 when there are none, or when another folder holds the lock
    (unless `wait`)."""
    locked = await session.scalar(_LOCK if wait else _TRY_LOCK)
    if not wait and not locked:
        return 0
    if workspace_id is None:
        workspace_id = await session.scalar(_NEXT_WORKSPACE)
        if workspace_id is None:
            return 0
    kinds = [t.value for t in UNIQUE_KINDS]
    rows = (
        await session.execute(_FOLD, {"workspace_id": workspace_id, "limit": limit, "kinds": kinds})
    ).all()
    moved = 0
    written: dict[str, list[Any]] = {
        name: [] for name in ("journeys", "subjects", "kinds", "grains", "buckets")
    }
    bitmaps = []
    for i, (journey_id, owner, kind, grain, bucket, ordinals, stored, count) in enumerate(rows):
        if i and not i % YIELD_EVERY:
            await asyncio.sleep(0)  # the folder shares its process's event loop with requests
        moved = int(count)
        if journey_id is None:
            continue
        merged = BitMap(ordinals)
        if stored is not None:
            merged |= BitMap.deserialize(stored)
        for name, value in zip(written, (journey_id, owner, kind, grain, bucket), strict=True):
            written[name].append(value)
        bitmaps.append(merged)
    if bitmaps:
        await session.execute(
            _WRITE_SETS,
            {
                "workspace_id": workspace_id,
                **written,
                "ns": [len(b) for b in bitmaps],
                "bitmaps": [b.serialize() for b in bitmaps],
            },
        )
    return moved


async def tail_size(session: AsyncSession) -> int:
    """Events acknowledged and not yet folded, all workspaces."""
    return int(await session.scalar(sa.text("SELECT count(*) FROM event_tail")) or 0)
