"""The parts of a leaner design than write_floor's bulk floor, each at its least: what stop 34 named
as the only ways under 33 µs per event (a compiled decoder, counting almost free), measured.

`bench.write_floor` runs these beside its own parts, in the same rounds, on the same events:

- decoding a 5,000-event body: as the server does (`parse_events`, then `check_event` on each),
  against a compiled decoder that types every field (msgspec; the bench's own dependency, not the
  server's), and against reading a stored body again (orjson), what a folder that keeps whole
  bodies pays;
- taking the queued events out of the tail, alone (`DELETE … RETURNING`, the rows fetched): the
  least a fold that counts in Python pays before it counts;
- counting them in Python (per journey, subject and quarter-hour, then each wider grain from
  those few rows) and upserting the five rollups with those rows: what is left of the counting
  statement when PostgreSQL no longer groups;
- a queue of one row per acknowledged body (stored uncompressed) instead of a row per event:
  written, then taken out.

Every database part runs in a transaction that is rolled back. The figures are µs per event.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

import asyncpg
import msgspec
import orjson

from journeygraph.db.enums import COUNTERS, EVENT_POSITION, UNIQUE_KINDS, EventType
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries.events import NewEvent, day_of, hour_of, quarter_of, week_of
from journeygraph.db.queries.fold import four_hours_of
from journeygraph.event_json import parse_events
from journeygraph.resolvers.ingest import check_event


class _Event(msgspec.Struct, rename="camel"):
    id: str
    type: Literal[tuple(t.value for t in EventType)]  # type: ignore[valid-type]
    journey_id: uuid.UUID
    contact_id: str
    occurred_at: datetime
    node_id: uuid.UUID | None = None
    path_id: uuid.UUID | None = None
    revenue: str | None = None
    url: str | None = None


class _Body(msgspec.Struct):
    events: list[_Event]


# the compiled decoder: every field typed, nothing else checked (bench/lean_server.py's server uses it too)
DECODER = msgspec.json.Decoder(_Body)


def decoding(bodies: list[str], now: datetime) -> dict[str, float]:
    """µs per event to read `bodies` as the server does, with a compiled decoder, and again with orjson.

    The caller tunes the garbage collector as the server does (`tune_garbage_collector`): with the
    stock thresholds each decoder's timing included collections of the bench's own objects.
    """
    spent = {"as built": 0.0, "msgspec": 0.0, "orjson": 0.0}
    events = 0
    for text in bodies:
        body = text.encode()
        started = time.perf_counter()
        checked = [check_event(raw, now) for raw in parse_events(body, ndjson=False)]
        built = time.perf_counter()
        typed = DECODER.decode(body).events
        compiled = time.perf_counter()
        orjson.loads(body)
        again = time.perf_counter()
        if len(typed) != len(checked):
            raise RuntimeError("the compiled decoder did not read every event")
        spent["as built"] += built - started
        spent["msgspec"] += compiled - built
        spent["orjson"] += again - compiled
        events += len(checked)
    return {
        "decode and check as built (json with Decimal, check_event)": spent["as built"] / events * 1e6,
        "decode and type with a compiled decoder (msgspec)": spent["msgspec"] / events * 1e6,
        "decode a stored body again (orjson)": spent["orjson"] / events * 1e6,
    }


# contacts a small dataset has not seen yet are numbered first, untimed
_NUMBER = """INSERT INTO contacts (workspace_id, contact_id) SELECT $1, unnest($2::text[])
    ON CONFLICT (workspace_id, contact_id) DO NOTHING"""
_ORDINALS = "SELECT contact_id, ordinal FROM contacts WHERE workspace_id = $1 AND contact_id = ANY($2)"
_TAIL = "workspace_id journey_id subject_id type contact_id occurred_at revenue ordinal".split()
_LAST_SEQ = "SELECT coalesce(max(seq), 0) FROM event_tail"
_TAKE = """DELETE FROM event_tail WHERE workspace_id = $1 AND seq > $2
    RETURNING journey_id, subject_id, type::text, contact_id, occurred_at, revenue, ordinal"""
_SUMS = [*COUNTERS, "revenue"]
_GRAINS = (
    ("rollup_weeks", week_of),
    ("rollup_days", day_of),
    ("rollup_four_hours", four_hours_of),
    ("rollup_hours", hour_of),
    ("rollup_quarters", quarter_of),
)
_COLUMN = {t.value: i for t, i in EVENT_POSITION.items()}  # the tail's type as text: its counter
_REVENUE, _LAST = len(COUNTERS), len(COUNTERS) + 1


def upsert_rollup(table: str) -> str:
    """Add rows of sums (arrays: journeys, subjects, buckets, a count per type, revenue, latest moment)
    to a rollup."""
    arrays = ", ".join(
        ["$2::uuid[]", "$3::uuid[]", "$4::timestamptz[]"]
        + [f"${i + 5}::bigint[]" for i in range(len(COUNTERS))]
        + [f"${len(COUNTERS) + 5}::numeric[]", f"${len(COUNTERS) + 6}::timestamptz[]"]
    )
    updates = ", ".join(f"{c} = r.{c} + excluded.{c}" for c in _SUMS)
    return f"""INSERT INTO {table} AS r (workspace_id, journey_id, subject_id, bucket, {", ".join(_SUMS)},
            last_event_at)
        SELECT $1, * FROM unnest({arrays})
        ON CONFLICT (workspace_id, journey_id, subject_id, bucket) DO UPDATE SET {updates},
            last_event_at = greatest(r.last_event_at, excluded.last_event_at)"""


def _subject(event: NewEvent) -> uuid.UUID:
    # as events.SUBJECT: its path, else its node, else NO_SUBJECT
    if event.type is EventType.PATH_TRAVERSED and event.path_id is not None:
        return event.path_id
    return event.node_id or NO_SUBJECT


def count(rows: list[asyncpg.Record]) -> dict[str, dict[tuple[Any, ...], list[Any]]]:
    """The rollups' rows for `rows` (the tail's, as taken out): per (journey, subject, bucket) a count
    per type, the revenue and the latest moment, for each grain."""
    quarters: dict[tuple[Any, ...], list[Any]] = {}
    for journey, subject, kind, _contact, moment, revenue, _ordinal in rows:
        bucket = quarter_of(moment)
        for owner in (subject, journey):  # on its subject and on its journey's totals
            key = (journey, owner, bucket)
            row = quarters.get(key)
            if row is None:
                row = quarters[key] = [0] * len(COUNTERS) + [Decimal(0), moment]
            row[_COLUMN[kind]] += 1
            if revenue is not None:
                row[_REVENUE] += revenue
            if moment > row[_LAST]:
                row[_LAST] = moment
    return {table: widen(quarters, of) for table, of in _GRAINS}


def widen(quarters: dict[tuple[Any, ...], list[Any]], of: Any) -> dict[tuple[Any, ...], list[Any]]:
    """Quarter-hours' rows (journey, owner, bucket) -> sums summed again per wider bucket `of(bucket)`."""
    summed: dict[tuple[Any, ...], list[Any]] = {}
    for (journey, owner, bucket), row in quarters.items():
        key = (journey, owner, of(bucket))
        into = summed.get(key)
        if into is None:
            summed[key] = list(row)
            continue
        for i in range(_LAST):
            into[i] += row[i]
        into[_LAST] = max(into[_LAST], row[_LAST])
    return summed


async def python_fold(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, events: list[NewEvent]
) -> dict[str, float]:
    """Queue `events` (untimed), then take them out, count them in Python and upsert the rollups
    (each timed), in one transaction rolled back; µs per event."""
    contacts = sorted({e.contact_id for e in events if e.type in UNIQUE_KINDS})
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(_NUMBER, workspace_id, contacts)
        ordinals = dict(await connection.fetch(_ORDINALS, workspace_id, contacts))
        records = [
            (workspace_id, e.journey_id, _subject(e), e.type.value, e.contact_id, e.occurred_at, e.revenue,
             ordinals[e.contact_id] if e.type in UNIQUE_KINDS else None)
            for e in events
        ]  # fmt: skip
        last = await connection.fetchval(_LAST_SEQ)
        await connection.copy_records_to_table("event_tail", records=records, columns=_TAIL)
        started = time.perf_counter()
        rows = await connection.fetch(_TAKE, workspace_id, last)
        taken = time.perf_counter()
        grains = count(rows)
        counted = time.perf_counter()
        for table, summed in grains.items():
            keys, values = list(summed), list(summed.values())
            columns = [list(column) for column in zip(*values, strict=True)]
            await connection.execute(
                upsert_rollup(table), workspace_id, [k[0] for k in keys], [k[1] for k in keys], [k[2] for k in keys],
                *columns,
            )  # fmt: skip
        written = time.perf_counter()
        if len(rows) != len(events):
            raise RuntimeError(f"took {len(rows)} of {len(events)} queued events")
    finally:
        await transaction.rollback()
    per = 1e6 / len(events)
    return {
        "take the queued events out alone (DELETE … RETURNING, fetched)": (taken - started) * per,
        "count them in Python, every grain": (counted - taken) * per,
        "upsert the five rollups with those rows": (written - counted) * per,
    }


_BATCHES = """CREATE TABLE floor_batches (
    workspace_id uuid NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY, body bytea NOT NULL,
    PRIMARY KEY (workspace_id, seq))"""
# Stored as it is: pglz (the default; this PostgreSQL has no lz4) took 3.4 to 4.5 µs per event to
# write and read back, uncompressed 1.5 to 1.9 (a throwaway script, three rounds each).
_UNCOMPRESSED = "ALTER TABLE floor_batches ALTER COLUMN body SET STORAGE EXTERNAL"
_KEEP_BODY = "INSERT INTO floor_batches (workspace_id, body) VALUES ($1, $2)"
_TAKE_BODIES = "DELETE FROM floor_batches WHERE workspace_id = $1 RETURNING body"


async def batch_queue(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, bodies: list[str], events: int
) -> float:
    """µs per event to queue each body (`events` in all) as one row and take them all out again,
    rolled back."""
    encoded = [body.encode() for body in bodies]
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(_BATCHES)
        await connection.execute(_UNCOMPRESSED)
        started = time.perf_counter()
        for body in encoded:
            await connection.execute(_KEEP_BODY, workspace_id, body)
        taken = await connection.fetch(_TAKE_BODIES, workspace_id)
        done = time.perf_counter()
        if len(taken) != len(encoded):
            raise RuntimeError("a queued body was not taken out")
    finally:
        await transaction.rollback()
    return (done - started) / events * 1e6
