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

import uuid
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from pyroaring import BitMap

from db.enums import UNIQUE_KINDS, EventType
from db.models import NO_SUBJECT
from db.queries.events import contact_ordinals, day_of, hour_of, quarter_of, week_of

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession

FOLD_LOCK = 7318
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
_KIND_OF = {t.value: kind for t, kind in UNIQUE_KINDS.items()}


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


_NEXT_WORKSPACE = sa.text("SELECT workspace_id FROM event_tail LIMIT 1")
_TRY_LOCK = sa.text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})")
_LOCK = sa.text(f"SELECT pg_advisory_xact_lock({FOLD_LOCK})")
_MOVE_AND_COUNT = sa.text(
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
    ), {_counts_cte("quarters")}, {_counts_cte("days")}, {_counts_cte("weeks")}
    SELECT journey_id, subject_id, CAST(type AS text), contact_id, occurred_at,
           (SELECT count(*) FROM moved) AS moved
    FROM moved WHERE type = ANY(CAST(:kinds AS text[]))
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM moved)
    """
)
_EXISTING_SETS = sa.text(
    """
    SELECT c.journey_id, c.subject_id, c.kind, c.grain, c.bucket, c.bitmap
    FROM unnest(CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]), CAST(:kinds AS smallint[]),
                CAST(:grains AS smallint[]), CAST(:buckets AS timestamptz[])) AS k(journey_id, subject_id, kind, grain, bucket)
    JOIN contact_sets c ON c.workspace_id = :workspace_id AND c.journey_id = k.journey_id
        AND c.subject_id = k.subject_id AND c.kind = k.kind AND c.grain = k.grain AND c.bucket = k.bucket
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

SetKey = tuple[uuid.UUID, uuid.UUID, int, int, datetime]  # journey, subject, kind, grain, bucket


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
        await session.execute(_MOVE_AND_COUNT, {"workspace_id": workspace_id, "limit": limit, "kinds": kinds})
    ).all()
    moved = next(int(row[5]) for row in rows if row[2] is None)
    unique_rows = [row for row in rows if row[2] is not None]
    if unique_rows:
        await _add_to_sets(session, workspace_id, unique_rows)
    return moved


async def _add_to_sets(session: AsyncSession, workspace_id: uuid.UUID, rows: list[sa.Row]) -> None:
    """OR each event's contact ordinal into its sets: per grain, on its subject and on its journey."""
    ordinals = await contact_ordinals(session, workspace_id, {row[3] for row in rows})
    added: dict[SetKey, list[int]] = defaultdict(list)
    for journey_id, subject_id, type_name, contact_id, occurred_at, _ in rows:
        kind = _KIND_OF[type_name]
        ordinal = ordinals[contact_id]
        buckets = [(grain, bucket_of(occurred_at)) for grain, bucket_of in GRAINS.items()]
        for owner in (subject_id, journey_id):
            if owner == NO_SUBJECT:
                continue
            for grain, bucket in buckets:
                added[(journey_id, owner, kind, grain, bucket)].append(ordinal)
    keys = sorted(added)
    columns = {
        "journeys": [k[0] for k in keys],
        "subjects": [k[1] for k in keys],
        "kinds": [k[2] for k in keys],
        "grains": [k[3] for k in keys],
        "buckets": [k[4] for k in keys],
    }
    existing = {
        (j, s, k, g, b): bitmap
        for j, s, k, g, b, bitmap in await session.execute(
            _EXISTING_SETS, {"workspace_id": workspace_id, **columns}
        )
    }
    bitmaps = []
    for key in keys:
        merged = BitMap(added[key])
        old = existing.get(key)
        if old is not None:
            merged |= BitMap.deserialize(old)
        bitmaps.append(merged)
    await session.execute(
        _WRITE_SETS,
        {
            "workspace_id": workspace_id,
            **columns,
            "ns": [len(b) for b in bitmaps],
            "bitmaps": [b.serialize() for b in bitmaps],
        },
    )


async def tail_size(session: AsyncSession) -> int:
    """Events acknowledged and not yet folded, all workspaces."""
    return int(await session.scalar(sa.text("SELECT count(*) FROM event_tail")) or 0)
