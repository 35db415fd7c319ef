"""The write path at its floor: what each part of storing a live event costs on its own, beside the same
parts as built.

    python -m bench.write_floor                                # builds the 1M-event dataset
    python -m bench.write_floor --database jg_bench_10000000   # on the database bench.run left (10M events)

Each round takes 50,000 new events (`--per-round`) of `bench.run`'s stream
(`ingest_bodies`: its event types, its 300,000 contacts, dated within the last
ten minutes) and measures, each in a transaction of its own that is rolled back,
so nothing stays:

- as built: acknowledging them in 5,000-event batches as `POST /v1/events`
  does (`insert_events`, every contact's ordinal remembered as by a server
  that has seen them), and one fold of as many queued events (`fold`,
  the oldest queued: a database left with a queue folds some of those), its
  counting statement, contact sets and enrollments timed apart, and the
  enrollments' own parts: the touched contacts' states read, the events
  placed on them in Python, the one statement that writes what changed, and
  the contacts recomputed from their events (an event before their last end);
- the floor of a design that does everything in bulk, each part one
  statement over all of them: COPY into a staging table; appending them to
  `events` with only the key that decides duplicates; the index by contact
  written in contact order, as a folder writing it in bulk would (against
  the same append without it, in the same order); queueing them with their
  contacts' ordinals (one hash join, no index on the tail but its key); one
  state row per contact whose runs they shape (the least a run keeper can
  write); and a row per new run;
- the parts of a leaner design still (bench/lean_floor.py): a compiled decoder,
  the tail taken out alone, counting in Python with the rollups upserted, and a
  queue of one row per body.

Indexes dropped for a part are dropped inside its transaction. The figures are
wall-clock µs per event seen from the client, medians over the rounds; the
parts alternate within each round. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.clock import Clock
from bench.dataset import build
from bench.floors import remembered
from bench.lean_floor import batch_queue, decoding, python_fold
from bench.run import admin_url, biggest_journey, database_url, fresh_database, ingest_bodies, plain_url
from journeygraph.app import tune_garbage_collector
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.enums import UNIQUE_TYPES
from journeygraph.db.ordinals import Ordinals
from journeygraph.db.queries import enrollments, run_states
from journeygraph.db.queries import fold as fold_module
from journeygraph.db.queries.enrollments import SHAPING
from journeygraph.db.queries.events import SUBJECT, NewEvent, insert_events
from journeygraph.resolvers.ingest import check_event

BATCH = 5_000  # what the server acknowledges at once
_STAGE = """CREATE TEMPORARY TABLE IF NOT EXISTS floor_staged (
    id text, type text, journey_id uuid, node_id uuid, path_id uuid, contact_id text, occurred_at timestamptz,
    revenue numeric, url text) ON COMMIT DELETE ROWS"""
_APPEND = """INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at,
        revenue, url)
    SELECT $1, id, type, journey_id, node_id, path_id, contact_id, occurred_at, revenue, url FROM floor_staged
    ORDER BY {order} ON CONFLICT (workspace_id, id) DO NOTHING"""
_BY_ID, _BY_CONTACT = "id", 'journey_id, contact_id COLLATE "C", occurred_at'
_NO_CONTACT_INDEX = "DROP INDEX ix_events_contact"
_NO_TAIL_INDEX = "DROP INDEX ix_event_tail_workspace_id_journey_id_occurred_at"
# Contacts the dataset has not seen yet (a small one) are numbered first, untimed: the part is the join.
_NUMBERED = """INSERT INTO contacts (workspace_id, contact_id) SELECT DISTINCT CAST($1 AS uuid), contact_id FROM floor_staged
    ON CONFLICT (workspace_id, contact_id) DO NOTHING"""
_QUEUE = f"""INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue,
        ordinal)
    SELECT $1, s.journey_id, {SUBJECT}, s.type, s.contact_id, s.occurred_at, s.revenue, CASE WHEN s.type IN {UNIQUE_TYPES} THEN c.ordinal END
    FROM floor_staged s LEFT JOIN contacts c ON c.workspace_id = $1 AND c.contact_id = s.contact_id"""
# A run keeper's least: per (journey, contact) its latest event that shapes runs, the open segment's
# latest node and whether it converted, seeded from the stored runs (untimed; its size is what
# matters, not its values), then one upsert per contact the events touch.
_STATES = """CREATE TEMPORARY TABLE floor_states ON COMMIT DROP AS
    SELECT workspace_id, journey_id, contact_id, max(entered_at) AS last_at, max(entry_id) AS last_id,
        max(current_node_id::text)::uuid AS node_id, max(entered_at) AS node_at, bool_or(converted) AS converted
    FROM enrollments GROUP BY 1, 2, 3"""
_STATES_KEY = "ALTER TABLE floor_states ADD PRIMARY KEY (workspace_id, journey_id, contact_id)"
_KEEP_STATES = f"""INSERT INTO floor_states AS g
    SELECT $1, journey_id, contact_id COLLATE "C", max(occurred_at), max(id),
        (array_agg(node_id ORDER BY occurred_at DESC) FILTER (WHERE type = 'NODE_ENTERED'))[1],
        max(occurred_at) FILTER (WHERE type = 'NODE_ENTERED'), bool_or(type = 'GOAL_CONVERTED')
    FROM floor_staged WHERE type IN {SHAPING} GROUP BY journey_id, contact_id
    ON CONFLICT (workspace_id, journey_id, contact_id) DO UPDATE SET last_at = excluded.last_at,
        last_id = excluded.last_id, node_id = coalesce(excluded.node_id, g.node_id),
        node_at = coalesce(excluded.node_at, g.node_at), converted = g.converted OR excluded.converted"""
_NEW_RUNS = """INSERT INTO enrollments (workspace_id, journey_id, contact_id, entered_at, entry_id, status, converted)
    SELECT $1, journey_id, contact_id, occurred_at, id, 'ACTIVE', false FROM floor_staged
    WHERE type = 'JOURNEY_ENTERED'"""

# name: (statements before the timed ones, untimed; the timed ones)
# COPY into the staging table begins every part, and is timed apart ("COPY into a staging table").
FLOOR_PARTS: dict[str, tuple[list[str], list[str]]] = {
    "append, the key only": ([_NO_CONTACT_INDEX], [_APPEND.format(order=_BY_ID)]),
    "append, the key only, in contact order": ([_NO_CONTACT_INDEX], [_APPEND.format(order=_BY_CONTACT)]),
    "append with the index by contact, in contact order": ([], [_APPEND.format(order=_BY_CONTACT)]),
    "queue with ordinals (hash join), the tail's key only": ([_NO_TAIL_INDEX, _NUMBERED], [_QUEUE]),
    "one state row per contact whose runs the events shape": ([_STATES, _STATES_KEY], [_KEEP_STATES]),
    "a row per new run": ([], [_NEW_RUNS]),
}


async def floor_part(
    connection: asyncpg.Connection, workspace_id: uuid.UUID, events: list[NewEvent], part: str
) -> tuple[float, float]:
    """(COPY, the part) in µs per event, in one transaction rolled back."""
    setup, timed = FLOOR_PARTS[part]
    transaction = connection.transaction()
    await transaction.start()
    try:
        await connection.execute(_STAGE)
        started = time.perf_counter()
        await connection.copy_records_to_table("floor_staged", records=events, columns=NewEvent._fields)
        copied = time.perf_counter()
        for statement in setup:
            await connection.execute(statement, *([workspace_id] if "$1" in statement else []))
        began = time.perf_counter()
        for statement in timed:
            await connection.execute(statement, workspace_id)
        done = time.perf_counter()
    finally:
        await transaction.rollback()
    return (copied - started) / len(events) * 1e6, (done - began) / len(events) * 1e6


async def as_built(
    sessions: Any, workspace_id: uuid.UUID, events: list[NewEvent], ordinals: Ordinals
) -> dict[str, float]:
    """Acknowledging `events` in BATCH-event batches, then one fold of as many queued events part by part,
    µs per event, rolled back."""
    acknowledging = 0.0
    for start in range(0, len(events), BATCH):
        async with sessions() as session:
            started = time.perf_counter()
            await insert_events(session, workspace_id, events[start : start + BATCH], ordinals)
            acknowledging += time.perf_counter() - started
            await session.rollback()
    with (
        Clock(run_states, "refresh") as runs,
        Clock(fold_module, "_merge") as sets,
        Clock(run_states, "fetch") as read,
        Clock(run_states, "_write") as write,
        Clock(enrollments, "recompute") as late,
    ):
        async with sessions() as session:
            await insert_events(session, workspace_id, events, ordinals)
            started = time.perf_counter()
            moved = await fold_module.fold(session, len(events), wait=True, workspace_id=workspace_id)
            folding = time.perf_counter() - started
            await session.rollback()
    placing = runs.seconds - read.seconds - write.seconds - late.seconds
    return {
        "acknowledge as built (5,000-event batches)": acknowledging / len(events) * 1e6,
        "fold as built: counting statement": (folding - sets.seconds - runs.seconds) / moved * 1e6,
        "fold as built: contact sets": sets.seconds / moved * 1e6,
        "fold as built: enrollments": runs.seconds / moved * 1e6,
        "enrollments: the states read": read.seconds / moved * 1e6,
        "enrollments: placed in Python": placing / moved * 1e6,
        "enrollments: written (one statement)": write.seconds / moved * 1e6,
        "enrollments: late contacts recomputed": late.seconds / moved * 1e6,
    }


async def run(args: argparse.Namespace) -> dict[str, float]:
    admin = await admin_url(args.data_dir)
    if args.database:
        url = database_url(admin, args.database)
    else:
        url = await fresh_database(admin, f"jg_bench_write_floor_{args.events}")
        engine = create_engine(url)
        await build(create_sessionmaker(engine), args.events)
        await engine.dispose()
    workspace_id, journey_id = await biggest_journey(url)
    connection = await asyncpg.connect(plain_url(url))
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    ordinals = await remembered(sessions, workspace_id)  # as a server that has seen every contact
    tune_garbage_collector()  # as the server does: the bench's own objects out of the timed collections
    found: dict[str, list[float]] = {}
    batches, size = max(1, args.per_round // BATCH), min(BATCH, args.per_round)
    try:
        for round_ in range(args.rounds + 1):  # the first round warms the caches and is not kept
            bodies, now = await ingest_bodies(url, journey_id, batches, size), datetime.now(UTC)
            events = [check_event(e, now) for body in bodies for e in json.loads(body)["events"]]
            measured = await as_built(sessions, workspace_id, events, ordinals)
            copies = []
            for part in FLOOR_PARTS:
                copied, measured[part] = await floor_part(connection, workspace_id, events, part)
                copies.append(copied)
            measured["COPY into a staging table"] = statistics.median(copies)
            measured.update(decoding(bodies, now))
            measured.update(await python_fold(connection, workspace_id, events))
            measured["queue a row per body (uncompressed), written and taken out"] = await batch_queue(
                connection, workspace_id, bodies, len(events)
            )
            if round_:
                for name, value in measured.items():
                    found.setdefault(name, []).append(value)
                print(
                    f"round {round_}: " + ", ".join(f"{n} {v:.1f}" for n, v in measured.items()), flush=True
                )
    finally:
        await connection.close()
        await engine.dispose()
    return {name: statistics.median(values) for name, values in found.items()}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.write_floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="dataset size when building one")
    parser.add_argument(
        "--database", help="measure on this existing database (as bench.run leaves it) instead"
    )
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=50_000, help="events each part takes in a round")
    parser.add_argument("--data-dir", default=".journeygraph-bench", help="the embedded server's directory")
    return parser.parse_args(argv)


def main() -> None:
    found = asyncio.run(run(parse()))
    width = max(len(n) for n in found)
    print(f"\n{'µs per event, medians':<{width}}")
    for name, value in found.items():
        print(f"{name:<{width}}  {value:6.1f}")


if __name__ == "__main__":
    main()
