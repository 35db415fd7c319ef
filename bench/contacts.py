"""Contacts in journeys, measured: enrollments, waiting counts and a node's contacts at scale.

    python -m bench.contacts                      # the 10M-event dataset plus a broadcast journey
    python -m bench.contacts --events 1000000     # smaller

It builds bench/dataset.py's dataset (20 journeys, 300,000 contacts, 90 days),
then ingests a "broadcast" journey through the same SQL the API's ingest runs
(events and tail in one statement) and folds it: every contact enters it four
times, each entry is followed by a NODE_ENTERED at its wait node and, for
most, a JOURNEY_COMPLETED two days later — over a million enrollments and over
a million NODE_ENTERED rows at one node. The fold is timed with and without
the part that keeps enrollments (their share of the folder's work), and the
ingest floor (checked and inserted, rolled back) with and without the events
index enrollments read, side by side on the same database. Then the real
server (`journeygraph serve --workers <cores>`) answers, over HTTP after
warm-up: the 200-node canvas with and without `waitingCount` on every node,
the first and the 50th page and the totalCount of a node's contacts and of
a journey's enrollments. Not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa

from bench import queries
from bench.clock import Clock
from bench.dataset import CONTACTS, DAYS, build
from bench.floors import ingestion_floor
from bench.run import Server, admin_url, fresh_database, ingest_bodies, plain_url, statements, timed
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.enums import JourneyStatus, NodeType
from journeygraph.db.queries import canvas, journeys, rollups, run_states

ENTRIES_PER_CONTACT = 4
CANVAS_WAITING = queries.CANVAS.replace("nodes { id type name", "nodes { id type name waitingCount")
NODE_CONTACTS = """query Contacts($id: ID!, $start: Date!, $end: Date!, $activity: ContactActivity!, $after: String,
  $first: Int) { node(id: $id) { contacts(startDate: $start, endDate: $end, activity: $activity, first: $first,
  after: $after) { pageInfo { hasNextPage endCursor } edges { node { contactId firstAt lastAt count } } } } }"""
NODE_CONTACTS_TOTAL = """query ContactsTotal($id: ID!, $start: Date!, $end: Date!, $activity: ContactActivity!) {
  node(id: $id) { contacts(startDate: $start, endDate: $end, activity: $activity) { totalCount } } }"""
ENROLLMENTS = """query Enrollments($id: ID!, $node: ID, $after: String, $first: Int) { journey(id: $id) {
  enrollments(nodeId: $node, first: $first, after: $after) { pageInfo { hasNextPage endCursor }
  edges { node { contactId status enteredAt endedAt currentNode { id } converted lastEventAt } } } } }"""
ENROLLMENTS_TOTAL = """query EnrollmentsTotal($id: ID!, $node: ID) { journey(id: $id) { activeCount
  enrollments(nodeId: $node) { totalCount } } }"""

# The broadcast: per contact and entry, JOURNEY_ENTERED, NODE_ENTERED at the wait node a minute
# later, and (seven in ten) JOURNEY_COMPLETED two days later; stored and queued as ingest does
# (its contacts numbered first, each queued entry and node entered with its contact's ordinal).
_NUMBER = sa.text(
    """INSERT INTO contacts (workspace_id, contact_id)
    SELECT :ws, 'contact-' || g FROM generate_series(0, :contacts - 1) AS g ORDER BY 2
    ON CONFLICT (workspace_id, contact_id) DO NOTHING"""
)
_BROADCAST = sa.text(
    """
    WITH drawn AS (
        SELECT g, 'contact-' || (g % :contacts) AS contact,
               CAST(:end AS timestamptz) - interval '2 days' - random() * make_interval(days => :days - 2) AS at, random() < 0.7 AS done
        FROM generate_series(1, :entries) AS g
    ), made AS (
        SELECT 'bc-e-' || g AS id, 'JOURNEY_ENTERED' AS type, CAST(NULL AS uuid) AS node_id, contact, at FROM drawn
        UNION ALL SELECT 'bc-n-' || g, 'NODE_ENTERED', :node, contact, at + interval '1 minute' FROM drawn
        UNION ALL SELECT 'bc-c-' || g, 'JOURNEY_COMPLETED', :node, contact, at + interval '2 days' FROM drawn WHERE done
    ), stored AS (
        INSERT INTO events (workspace_id, id, type, journey_id, node_id, contact_id, occurred_at)
        SELECT :ws, id, type, :journey, node_id, contact, at FROM made ORDER BY at  -- as they happen
        RETURNING type, node_id, contact_id, occurred_at
    )
    INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, ordinal)
    SELECT :ws, :journey, coalesce(node_id, '00000000-0000-0000-0000-000000000000'), type, s.contact_id, occurred_at,
           CASE WHEN type <> 'JOURNEY_COMPLETED' THEN c.ordinal END
    FROM stored s JOIN contacts c ON c.workspace_id = :ws AND c.contact_id = s.contact_id
    """
)


def refresh_clock() -> Clock:
    """Time spent keeping enrollments in the folds of this process (run_states.refresh, wrapped for good)."""
    return Clock(run_states, "refresh").start()


async def broadcast(sessions: Any, workspace_id: Any, entries: int) -> tuple[Any, Any, int]:
    """A published two-node journey (trigger, wait) and its broadcast events; returns its ids and how many."""
    nodes = [
        {"id": None, "type": NodeType.TRIGGER, "name": "Broadcast", "config": {}, "channel": None,
         "position_x": 0.0, "position_y": 0.0, "ordinal": 0},
        {"id": None, "type": NodeType.WAIT, "name": "Wait", "config": {}, "channel": None,
         "position_x": 200.0, "position_y": 0.0, "ordinal": 1},
    ]  # fmt: skip
    for node in nodes:
        node["id"] = uuid.uuid4()
    paths = [{"id": uuid.uuid4(), "source_node_id": nodes[0]["id"], "target_node_id": nodes[1]["id"],
              "label": None, "index": 0, "ordinal": 0}]  # fmt: skip
    async with sessions.begin() as session:
        journey = await journeys.insert_journey(
            session, workspace_id, name="Broadcast", description=None, goal=None
        )
        await canvas.write_canvas(session, workspace_id, journey.id, nodes, paths)
        await journeys.touch_journey(session, journey, status=JourneyStatus.PUBLISHED)
        params = {"ws": workspace_id, "journey": journey.id, "node": nodes[1]["id"], "contacts": CONTACTS,
                  "end": datetime.now(UTC), "days": DAYS, "entries": entries}  # fmt: skip
        await session.execute(_NUMBER, params)
        stored = await session.execute(_BROADCAST, params)
    return journey.id, nodes[1]["id"], int(stored.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult's


async def page_cursor(base: str, key: str, query: str, variables: dict[str, Any], pages: int) -> str | None:
    """The cursor after `pages` pages of 20."""
    after = None
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for _ in range(pages):
            body = {"query": query, "variables": {**variables, "first": 20, "after": after}}
            answer = (
                await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}"})
            ).json()
            found = next(iter(answer["data"].values()))
            found = found.get("contacts") or found.get("enrollments")
            after = found["pageInfo"]["endCursor"]
    return after


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin = await admin_url(args.data_dir)
    url = await fresh_database(admin, f"jg_bench_contacts_{args.events}")
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    clock = refresh_clock()
    result: dict[str, Any] = {"events": args.events}
    started = time.perf_counter()
    dataset = await build(sessions, args.events)
    result["build_s"] = time.perf_counter() - started
    result["build_refresh_s"] = clock.seconds
    clock.seconds = 0.0
    print(
        f"built in {result['build_s']:.0f} s (enrollments {result['build_refresh_s']:.0f} s)", file=sys.stderr
    )
    journey_id, wait_id, added = await broadcast(sessions, dataset.workspace_id, args.entries)
    started = time.perf_counter()
    await rollups.fold_all(sessions)
    result["broadcast"] = {
        "events": added,
        "fold_s": time.perf_counter() - started,
        "refresh_s": clock.seconds,
    }
    async with sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await connection.execute(sa.text("VACUUM (ANALYZE)"))
        runs = await connection.scalar(
            sa.text("SELECT count(*) FROM enrollments WHERE journey_id = :j"), {"j": journey_id}
        )
        result["broadcast"]["enrollments"] = int(runs or 0)
    print(f"broadcast: {result['broadcast']}", file=sys.stderr)
    bodies = await ingest_bodies(url, dataset.journey_ids[0], 6, 5000)
    result["ingest_floor_with_index"] = await ingestion_floor(url, dataset.workspace_id, bodies)
    async with sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await connection.execute(sa.text("ALTER INDEX ix_events_contact RENAME TO ix_events_contact_aside"))
        definition = await connection.scalar(
            sa.text("SELECT pg_get_indexdef('ix_events_contact_aside'::regclass)")
        )
        await connection.execute(sa.text("DROP INDEX ix_events_contact_aside"))
        result["ingest_floor_without_index"] = await ingestion_floor(url, dataset.workspace_id, bodies)
        await connection.execute(
            sa.text(str(definition).replace("ix_events_contact_aside", "ix_events_contact"))
        )
    await engine.dispose()

    today = datetime.now(UTC).date()
    month = {"id": str(dataset.journey_ids[0]), "start": str(today - timedelta(days=30)), "end": str(today)}
    everything = {"start": str(today - timedelta(days=DAYS)), "end": str(today)}
    server = Server(url)
    key = dataset.key
    try:
        await server.ready()
        n = args.requests
        result["canvas"] = await timed(server.base, key, queries.CANVAS, month, n, 1)
        result["canvas_waiting"] = await timed(server.base, key, CANVAS_WAITING, month, n, 1)
        result["statements"] = {
            "canvas": await statements(url, key, queries.CANVAS, month),
            "canvas_waiting": await statements(url, key, CANVAS_WAITING, month),
        }
        wide = {"id": str(wait_id), **everything, "activity": "ENTERED"}
        result["contacts_first"] = await timed(server.base, key, NODE_CONTACTS, wide, n, 1)
        after = await page_cursor(server.base, key, NODE_CONTACTS, wide, 49)
        result["contacts_50th"] = await timed(server.base, key, NODE_CONTACTS, {**wide, "after": after}, n, 1)
        result["contacts_total"] = await timed(server.base, key, NODE_CONTACTS_TOTAL, wide, n, 1)
        sparse_node = await _a_message_node(url, dataset.journey_ids[0])
        for label, days in (("contacts_sparse_1d", 0), ("contacts_sparse_31d", 30)):
            sparse = {"id": sparse_node, "start": str(today - timedelta(days=days)), "end": str(today),
                      "activity": "OPENED"}  # fmt: skip
            result[label] = await timed(server.base, key, NODE_CONTACTS, sparse, n, 1)
        runs_of = {"id": str(journey_id)}
        result["enrollments_first"] = await timed(server.base, key, ENROLLMENTS, runs_of, n, 1)
        after = await page_cursor(server.base, key, ENROLLMENTS, runs_of, 49)
        result["enrollments_50th"] = await timed(
            server.base, key, ENROLLMENTS, {**runs_of, "after": after}, n, 1
        )
        result["enrollments_total"] = await timed(server.base, key, ENROLLMENTS_TOTAL, runs_of, n, 1)
        waiting = {**runs_of, "node": str(wait_id)}
        result["enrollments_waiting_first"] = await timed(server.base, key, ENROLLMENTS, waiting, n, 1)
        result["enrollments_waiting_total"] = await timed(server.base, key, ENROLLMENTS_TOTAL, waiting, n, 1)
        result["peak_server_mb"] = server.peak_memory_mb()
    finally:
        server.stop()
    return result


async def _a_message_node(url: str, journey_id: Any) -> str:
    connection = await asyncpg.connect(plain_url(url))
    try:
        found = await connection.fetchval(
            "SELECT id FROM nodes WHERE journey_id = $1 AND type = 'MESSAGE' ORDER BY ordinal LIMIT 1",
            journey_id,
        )
    finally:
        await connection.close()
    return str(found)


def report(result: dict[str, Any], command: str) -> str:
    b = result["broadcast"]
    lines = [
        f"Command: `{command}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        f"Dataset: {result['events']:,} events built and folded in {result['build_s']:.0f} s, of which keeping "
        f"enrollments {result['build_refresh_s']:.0f} s; broadcast journey: {b['events']:,} events, "
        f"{b['enrollments']:,} enrollments, folded in {b['fold_s']:.0f} s, of which enrollments {b['refresh_s']:.0f} s.",
    ]
    w, wo = result["ingest_floor_with_index"], result["ingest_floor_without_index"]
    lines.append(
        f"Ingest floor (check + insert, rolled back, batches of {w['batch']:,}): with ix_events_contact "
        f"{w['insert_us_per_event']:.1f} µs/event inserted, without {wo['insert_us_per_event']:.1f} µs/event."
    )
    lines += ["", "| operation | p50 ms | p90 ms | p99 ms | req/s |", "|---|---|---|---|---|"]
    labels = [
        ("canvas", "200-node canvas, all fields, 31 days"),
        ("canvas_waiting", "the same with waitingCount on every node"),
        ("contacts_first", "Node.contacts, first page (20), node with >1M NODE_ENTERED in the window"),
        ("contacts_50th", "Node.contacts, 50th page"),
        ("contacts_total", "Node.contacts totalCount"),
        ("contacts_sparse_1d", "Node.contacts, a message node of the 200-node journey, OPENED, 1 day"),
        ("contacts_sparse_31d", "the same, 31 days"),
        ("enrollments_first", "Journey.enrollments, first page (20), >1M enrollments"),
        ("enrollments_50th", "Journey.enrollments, 50th page"),
        ("enrollments_total", "Journey.enrollments totalCount and activeCount"),
        ("enrollments_waiting_first", "Journey.enrollments(nodeId:), first page"),
        ("enrollments_waiting_total", "Journey.enrollments(nodeId:) totalCount"),
    ]
    for name, label in labels:
        m = result[name]
        lines.append(f"| {label} | {m['p50']:.1f} | {m['p90']:.1f} | {m['p99']:.1f} | {m['rps']:.1f} |")
    s = result["statements"]
    lines += ["", f"SQL statements: canvas {s['canvas']}, with waitingCount {s['canvas_waiting']}. "
              f"Peak server memory: {result['peak_server_mb']:.0f} MB."]  # fmt: skip
    return "\n".join(lines) + "\n"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.contacts", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument(
        "--entries", type=int, default=CONTACTS * ENTRIES_PER_CONTACT, help="JOURNEY_ENTERED of the broadcast"
    )
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    return parser.parse_args(argv)


if __name__ == "__main__":
    arguments = parse()
    command = ("python -m bench.contacts " + " ".join(sys.argv[1:])).strip()
    measured = asyncio.run(run(arguments))
    out = Path(arguments.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "contacts.json").write_text(json.dumps({"command": command, **measured}, indent=2, default=str))
    table = report(measured, command)
    (out / "contacts.md").write_text(table)
    print(table)
