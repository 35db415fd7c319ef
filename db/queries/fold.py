"""Folding the tail: acknowledged events move from `event_tail` into the rollups and contact sets.

One fold takes up to `limit` of one workspace's oldest queued events, in one
transaction: it deletes them from the tail, adds their counts to the quarter,
day and week rollups, ORs their contacts' ordinals (numbered when they were
acknowledged) into the contact sets' bitmaps and places the events that shape
runs on their contacts' states and stored runs (db/queries/run_states.py). So
in any snapshot an event is either still in the tail or counted in the
rollups, never both and never neither, which is what lets a query read both
and stay exact.

The work is shaped by what it costs (EXPLAIN ANALYZE of a 100,000-event fold):
PostgreSQL sorts the batch once per (journey, subject, quarter-hour) for the
counts and once per (journey, subject, kind, quarter-hour) for the contacts;
days and weeks are summed from those few rows, and the hour, day and week
bitmaps are ORed from the quarter-hour ones in Python (CRoaring), rather than
each grain sorting every event again.

Folds are serialized by one advisory lock (FOLD_LOCK): bitmaps are read,
merged and written back, which two folders must not do to the same row at
once. A folder that does not get the lock folds nothing and tries later.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from pyroaring import BitMap

from journeygraph.db.driver import Statement, fetch
from journeygraph.db.enums import COUNTERS, UNIQUE_TYPES, EventType
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries import enrollments, run_states
from journeygraph.db.queries.answers import FOLDED_NOW
from journeygraph.db.queries.events import day_of, hour_of, unique_kind, week_of

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

FOLD_LOCK = 7318
YIELD_EVERY = 500  # contact sets merged between two chances for requests to run
# The grains of the contact sets, by the code stored in `grain`: a window is read as the
# fewest aligned buckets (weeks, then days, then four hours, hours and quarter-hours at its edges).
QUARTER, HOUR, DAY, WEEK, FOUR_HOURS = 1, 2, 3, 4, 5


def four_hours_of(moment: datetime) -> datetime:
    """Start of the UTC four-hour block (from midnight) holding `moment`."""
    hour = hour_of(moment)
    return hour.replace(hour=hour.hour - hour.hour % 4)


_WIDER = ((HOUR, hour_of), (FOUR_HOURS, four_hours_of), (DAY, day_of), (WEEK, week_of))
_ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'"  # a Monday, midnight UTC
_SUMS = [*COUNTERS, "revenue"]


# The count rollups, widest bucket first (the order a window is cut into them, as the contact sets'
# grains: db/queries/performance.py), and the width of their UTC buckets. Folds write them all,
# queries read them, and a rebuild empties them, from this one list.
ROLLUPS = (
    ("rollup_weeks", "7 days"),
    ("rollup_days", "1 day"),
    ("rollup_four_hours", "4 hours"),
    ("rollup_hours", "1 hour"),
    ("rollup_quarters", "15 minutes"),
)


def _rollup(table: str, width: str) -> str:
    """Upsert a rollup from the quarter-hour sums, summed again per bucket of `width`."""
    bucket = "bucket" if width == "15 minutes" else f"date_bin('{width}', bucket, {_ORIGIN})"
    values = ", ".join([*(f"sum({c})" for c in _SUMS), "max(last_event_at)"])
    updates = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in _SUMS)
    return f"""INSERT INTO {table} AS r (workspace_id, journey_id, subject_id, bucket, {", ".join(_SUMS)},
                                            last_event_at)
        SELECT :workspace_id, journey_id, owner, {bucket}, {values}
        FROM quarter_sums GROUP BY journey_id, owner, {bucket}
        ON CONFLICT (workspace_id, journey_id, subject_id, bucket) DO UPDATE SET {updates},
            last_event_at = greatest(r.last_event_at, excluded.last_event_at)"""


_QUARTER_SUMS = f"""SELECT journey_id, owner, date_bin('15 minutes', occurred_at, {_ORIGIN}) AS bucket,
        {", ".join(f"count(*) FILTER (WHERE type = '{t.value}') AS {t.column}" for t in EventType)},
        coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0) AS revenue, max(occurred_at) AS last_event_at
    FROM scoped GROUP BY journey_id, owner, date_bin('15 minutes', occurred_at, {_ORIGIN})"""
_NEXT_WORKSPACE = sa.text("SELECT workspace_id FROM event_tail LIMIT 1")
_QUEUED = sa.text("SELECT count(*) FROM event_tail")
# SKIP_LOCKED: when autovacuum (or another process's folder) is at it already, this one is not needed.
# TRUNCATE false while events stream in: giving the end pages back needs the table to itself, which a
# vacuum waits up to 5 s for while acknowledgements insert, and the folder waits with it (stop 45).
_VACUUM = {
    give_back: sa.text(f"VACUUM (SKIP_LOCKED, TRUNCATE {str(give_back).lower()}) event_tail")
    for give_back in (False, True)
}
_TRY_LOCK = sa.text(f"SELECT pg_try_advisory_xact_lock({FOLD_LOCK})")
# The planner's idea of the tail's size, and how many events a fold is about to take (counted only
# when that idea is under a tenth of a batch: otherwise it is not ten times too small). A vacuum that
# found the tail empty leaves it "0 rows" in pages it could not give back (readers held them), and
# PostgreSQL then estimates any number of queued events at one until the tail is analyzed again.
_SIZES = sa.text(
    """SELECT c.reltuples, CASE WHEN c.reltuples < :limit / 10.0 THEN (
        SELECT count(*) FROM (SELECT 1 FROM event_tail WHERE workspace_id = :workspace_id LIMIT :limit) AS queued)
        ELSE 0 END
    FROM pg_class c WHERE c.oid = 'event_tail'::regclass"""
)
_ANALYZE = sa.text("ANALYZE event_tail")
STALE_FROM = 1_000  # events in a batch from which a tail believed ten times smaller is analyzed first
_LOCK = sa.text(f"SELECT pg_advisory_xact_lock({FOLD_LOCK})")
# One statement: take the batch out of the tail, add its counts to every rollup (ROLLUPS), and answer
# the batch's contact ordinals per (journey, owner, kind, quarter-hour) — the grouping is
# PostgreSQL's, a row per set, not per event. The ordinals came with the events (db/queries/events.py);
# a contact's repeats are left for the bitmap to drop, not sorted out here (bench.live_fold: about
# 1.5 µs less per event).
_FOLD = Statement(
    f"""
    WITH moved AS (
        -- the workspace's events up to its limit-th oldest: a range of the primary key, bounded by
        -- one look-up, with no join a misestimate could turn into a scan of the tail per event
        -- (see _SIZES)
        DELETE FROM event_tail
        WHERE workspace_id = :workspace_id AND seq <= (
            SELECT max(seq) FROM (
                SELECT seq FROM event_tail WHERE workspace_id = :workspace_id ORDER BY seq LIMIT :limit
            ) AS batch)
        RETURNING journey_id, subject_id, type, contact_id, occurred_at, revenue, ordinal, event_id
    ), scoped AS (
        -- each event counts on its subject and on its journey's totals (the journey's own id)
        SELECT m.*, scope.id AS owner FROM moved m
        CROSS JOIN LATERAL (VALUES (m.subject_id), (m.journey_id)) AS scope(id)
    ), folded AS (
        -- the journeys whose figures this fold changes: an answer remembered before is not theirs now
        INSERT INTO journey_folds (workspace_id, journey_id, folded)
        SELECT DISTINCT :workspace_id, journey_id, {FOLDED_NOW} FROM moved
        ON CONFLICT (workspace_id, journey_id) DO UPDATE SET folded = excluded.folded
    ), quarter_sums AS MATERIALIZED ({_QUARTER_SUMS}),
    {", ".join(f"{table} AS ({_rollup(table, width)})" for table, width in ROLLUPS)}
    SELECT m.journey_id, scope.id, {unique_kind("m.type")}, date_bin('15 minutes', m.occurred_at, {_ORIGIN}),
           array_agg(m.ordinal), (SELECT count(*) FROM moved), CAST(NULL AS text), CAST(NULL AS text),
           CAST(NULL AS text)
    FROM moved m
    -- each contact counts on its subject and on its journey as a whole
    CROSS JOIN LATERAL (VALUES (m.subject_id), (m.journey_id)) AS scope(id)
    WHERE m.type IN {UNIQUE_TYPES} AND scope.id <> '{NO_SUBJECT}'::uuid
    GROUP BY 1, 2, 3, 4
    UNION ALL
    -- the events that shape runs (an entry, an end, a node entered, a goal: the others change no
    -- stored run), one row each, for the contacts' states (db/queries/run_states.py)
    SELECT journey_id, subject_id, NULL, occurred_at, NULL, NULL, contact_id, event_id, CAST(type AS text)
    FROM moved WHERE type IN {enrollments.SHAPING}
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, NULL, (SELECT count(*) FROM moved), NULL, NULL, NULL
    """
)
# The stored sets among the fold's keys, read a range of the journey-wide index (journey, grain, bucket,
# kind) at a time: probed key by key, the planner took that index too and walked the whole range (every
# subject's set, and every dead version a stream's rewrites left there) once per key: 6.4 to 8.8 s for the
# 5,400 keys of a 50,000-event fold after a long stream; on a vacuumed table 337 ms, against 16 ms
# range by range (docs/performance.md, "Stop 36").
_STORED_SETS = sa.text(
    """
    WITH k AS MATERIALIZED (
        SELECT * FROM unnest(CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]), CAST(:kinds AS smallint[]),
                CAST(:grains AS smallint[]), CAST(:buckets AS timestamptz[]))
            AS k(journey_id, subject_id, kind, grain, bucket)
    ), ranged AS MATERIALIZED (
        -- OFFSET 0: a search per range, never a join the planner could turn into a scan of every set
        -- of the workspace (it did, for 500 keys in one range, expecting 200 ranges)
        SELECT c.* FROM (SELECT DISTINCT journey_id, grain, bucket, kind FROM k) AS r
        CROSS JOIN LATERAL (
            SELECT c.journey_id, c.subject_id, c.kind, c.grain, c.bucket, c.bitmap FROM contact_sets c
            WHERE c.workspace_id = :workspace_id AND c.journey_id = r.journey_id AND c.grain = r.grain
                AND c.bucket = r.bucket AND c.kind = r.kind
            OFFSET 0) AS c
    )
    SELECT c.* FROM ranged c JOIN k USING (journey_id, subject_id, kind, grain, bucket)
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


async def queued_workspace(session: AsyncSession) -> uuid.UUID | None:
    """A workspace with queued events, or None when the tail is empty (a read: any session will do)."""
    found: uuid.UUID | None = await session.scalar(_NEXT_WORKSPACE)
    return found


async def queued_events(session: AsyncSession) -> int:
    """Events acknowledged and not folded yet, in every workspace (a read: any session will do)."""
    return int(await session.scalar(_QUEUED) or 0)


async def vacuum_tail(session: AsyncSession, give_back: bool = True) -> None:
    """Reclaim the rows folds deleted from the tail, and with `give_back` its empty end pages too
    (`session`: an autocommit one; VACUUM runs outside a transaction). Every query scans the tail's
    pages, live or dead, so they are kept few: autovacuum visits a database once a minute at most, in
    which a stream of 25,000 events/s leaves a million and a half dead rows. Without `give_back` the
    reclaimed pages stay the tail's, for the next events queued to fill: what a vacuum in the middle
    of a stream does, since giving pages back needs a lock that every acknowledgement holds."""
    await session.execute(_VACUUM[give_back])


async def fold(
    session: AsyncSession, limit: int, wait: bool = False, workspace_id: uuid.UUID | None = None
) -> int:
    """Fold up to `limit` queued events (the folder passes JOURNEYGRAPH_FOLD_BATCH) of one workspace (any, unless named), in the caller's
    transaction; return how many. 0 when there are none, or when another folder holds the lock
    (unless `wait`)."""
    named = workspace_id is not None
    if not named and await queued_workspace(session) is None:
        return 0  # looked at before the lock too: an idle folder never holds it
    locked = await session.scalar(_LOCK if wait else _TRY_LOCK)
    if not wait and not locked:
        return 0
    if not named:
        # again under the lock: the events seen before may have been folded meanwhile
        workspace_id = await queued_workspace(session)
    if workspace_id is None:
        return 0
    batch = {"workspace_id": workspace_id, "limit": limit}
    believed, taking = (await session.execute(_SIZES, batch)).one()
    if taking >= STALE_FROM and believed < taking / 10:
        # Planned for a tail of one row, the enrollments' statement read the whole tail once per
        # event it looked up: a fold of 50,000 events with 250,000 queued ran for minutes instead
        # of 3 s (docs/performance.md, "Stop 27").
        await session.execute(_ANALYZE)
    rows = await fetch(session, _FOLD, batch, begun=True)  # its thousands of rows, decoded by asyncpg alone
    moved = next(int(row[5]) for row in rows if row[0] is None)
    added: dict[SetKey, BitMap] = {}
    wider: dict[SetKey, BitMap] = defaultdict(BitMap)
    shaped: list[run_states.Shaped] = []
    for i, (journey_id, owner, kind, quarter, ordinals, _, contact_id, event_id, event_type) in enumerate(
        rows
    ):
        if journey_id is None:
            continue
        if event_type is not None:  # an event that shapes runs: its own moment where a set's quarter is
            shaped.append(run_states.Shaped(journey_id, contact_id, quarter, event_id, event_type, owner))
            continue
        if i and not i % YIELD_EVERY:
            await asyncio.sleep(0)  # the folder shares its process's event loop with requests
        bitmap = BitMap(ordinals)
        added[(journey_id, owner, kind, QUARTER, quarter)] = bitmap
        for grain, bucket_of in _WIDER:
            wider[(journey_id, owner, kind, grain, bucket_of(quarter))] |= bitmap
    added.update(wider)
    if added:
        await _merge(session, workspace_id, added)
    await run_states.refresh(session, workspace_id, shaped)
    return moved


async def _merge(session: AsyncSession, workspace_id: uuid.UUID, added: dict[SetKey, BitMap]) -> None:
    """OR `added` into the stored sets (two statements: read those that exist, write those that change).
    A set already holding every contact added is not written again: in a long stream of known
    contacts, most of a fold's day, four-hour and week sets are (docs/performance.md, "Stop 36")."""
    keys = sorted(added)
    stored = await session.execute(_STORED_SETS, {"workspace_id": workspace_id, **_columns(keys)})
    unchanged: set[SetKey] = set()
    for i, (journey_id, subject_id, kind, grain, bucket, bitmap) in enumerate(stored):
        if i and not i % YIELD_EVERY:
            await asyncio.sleep(0)
        key = (journey_id, subject_id, kind, grain, bucket)
        if or_stored(added, key, bitmap):
            unchanged.add(key)
    changed = [k for k in keys if k not in unchanged]
    if not changed:
        return
    merged = [added[k] for k in changed]
    await session.execute(
        _WRITE_SETS,
        {
            "workspace_id": workspace_id,
            **_columns(changed),
            "ns": [len(b) for b in merged],
            "bitmaps": [b.serialize() for b in merged],
        },
    )


def or_stored(added: dict[SetKey, BitMap], key: SetKey, stored: bytes) -> bool:
    """OR the stored set `stored` (serialized) into `added[key]`; True, leaving it as it was, when the
    stored set holds every contact added already (then it need not be written)."""
    before = BitMap.deserialize(stored)
    if added[key] <= before:
        return True
    added[key] |= before
    return False


def _columns(keys: list[SetKey]) -> dict[str, list[Any]]:
    """The sets' keys as the columns the statements unnest."""
    return {
        "journeys": [k[0] for k in keys],
        "subjects": [k[1] for k in keys],
        "kinds": [k[2] for k in keys],
        "grains": [k[3] for k in keys],
        "buckets": [k[4] for k in keys],
    }
