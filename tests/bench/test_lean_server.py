"""bench/lean_server.py, the leanest design's prototype: what it stores and folds must be right, or its
speed would say nothing. Its server runs in-process through the real ASGI app, its folders on their
own connections, on a database of their own (the lean tables would stay in the suite's)."""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from bench import lean_server
from bench.dataset import build
from bench.run import database_url, fresh_database, plain_url
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.enums import COUNTERS, UNIQUE_KINDS, EventType
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries import fold

DAY = datetime(2020, 1, 6, tzinfo=UTC)  # a Monday long before the dataset's events


@pytest.fixture
async def lean(server_url, monkeypatch, request):
    """The lean server (checking events as the product does when parametrized with True), a
    connection, and a dataset's workspace, busiest journey and its nodes."""
    name = f"jg_test_lean_{uuid.uuid4().hex[:8]}"
    url = await fresh_database(server_url, name)
    engine = create_engine(url)
    dataset = await build(create_sessionmaker(engine), 100)
    await engine.dispose()
    connection = await asyncpg.connect(plain_url(url))
    await connection.execute(lean_server.TABLES)
    journey = dataset.journey_ids[0]
    nodes = [
        r[0]
        for r in await connection.fetch(
            "SELECT id FROM nodes WHERE journey_id = $1 ORDER BY ordinal", journey
        )
    ]
    monkeypatch.setenv("LEAN_DATABASE_URL", plain_url(url))
    monkeypatch.setenv("LEAN_WORKSPACE", str(dataset.workspace_id))
    monkeypatch.setenv("LEAN_KEY", "lean-key")
    if getattr(request, "param", False):
        monkeypatch.setenv("LEAN_CHECKS", "1")
    app = lean_server.create_app()
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://lean") as http:
            yield http, connection, dataset.workspace_id, journey, nodes
    await connection.close()
    admin = await asyncpg.connect(plain_url(database_url(server_url, "postgres")))
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


def _event(i: str, kind: str, journey: uuid.UUID, contact: str, minutes: int, node: uuid.UUID | None = None):
    event = {"id": f"lean-{i}", "type": kind, "journeyId": str(journey), "contactId": contact,
             "occurredAt": (DAY + timedelta(minutes=minutes)).isoformat()}  # fmt: skip
    if node is not None:
        event["nodeId"] = str(node)
    return event


async def _post(http, events) -> dict:
    answer = await http.post("/v1/events", content=json.dumps({"events": events}),
                             headers={"Authorization": "Bearer lean-key"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _fold_all(folders) -> None:
    for folder in folders:
        while await folder.fold():
            pass


async def _day_totals(connection, journey) -> dict[str, int]:
    row = await connection.fetchrow(
        f"SELECT {', '.join(COUNTERS)} FROM rollup_days WHERE journey_id = $1 AND subject_id = $1 AND bucket = $2",
        journey, DAY,
    )  # fmt: skip
    return {c: int(row[c]) for c in COUNTERS} if row else dict.fromkeys(COUNTERS, 0)


@pytest.mark.parametrize("roles", [("all",), ("runs", "figures")])
async def test_the_lean_design_stores_once_and_folds_what_spec_defines(lean, roles):
    http, connection, workspace, journey, nodes = lean
    first, second = nodes[1], nodes[2]
    # given a body: contact a enters twice, with its latest node between the two entries (and an
    # older node event arriving after it); b enters and completes; three contacts open a message
    body = [
        _event("a1", "JOURNEY_ENTERED", journey, "a", 0),
        _event("a2", "NODE_ENTERED", journey, "a", 10, first),
        _event("a3", "JOURNEY_ENTERED", journey, "a", 20),
        _event("a4", "NODE_ENTERED", journey, "a", 5, second),
        _event("b1", "JOURNEY_ENTERED", journey, "b", 0),
        _event("b2", "JOURNEY_COMPLETED", journey, "b", 30),
        *(_event(f"m{c}", "MESSAGE_OPENED", journey, c, 40, first) for c in ("a", "b", "c")),
    ]

    # when it is posted twice, and folded
    assert await _post(http, body) == {"accepted": len(body), "duplicates": 0, "rejected": []}
    assert await _post(http, body) == {"accepted": 0, "duplicates": len(body), "rejected": []}
    # (one folder for all of it, or one for the runs and another for the figures, each on its connection)
    others = [await asyncpg.connect(os.environ["LEAN_DATABASE_URL"]) for _ in roles[1:]]
    folders = [
        lean_server.Folder(c, workspace, role) for c, role in zip([connection, *others], roles, strict=True)
    ]
    keeper = next(f for f in folders if f.role in ("all", "runs"))
    await _fold_all(folders)

    # then each event is stored and counted once, on its journey's day
    stored = await connection.fetchval("SELECT count(*) FROM events WHERE id LIKE 'lean-%'")
    assert stored == len(body)
    sent = {t.column: sum(e["type"] == t.value for e in body) for t in EventType}
    assert await _day_totals(connection, journey) == sent
    # and the day's distinct contacts who opened a message are the three, and who entered a and b
    distinct = [
        await connection.fetchval(
            "SELECT n FROM contact_sets WHERE journey_id = $1 AND subject_id = $1 AND grain = $2 AND bucket = $3"
            " AND kind = $4",
            journey, fold.DAY, DAY, UNIQUE_KINDS[kind],
        )
        for kind in (EventType.MESSAGE_OPENED, EventType.JOURNEY_ENTERED)
    ]  # fmt: skip
    assert distinct == [3, 2]
    # and a run per entry
    runs = await connection.fetch("SELECT contact_id, entry_id FROM lean_runs ORDER BY entry_id")
    assert [tuple(r) for r in runs] == [("a", "lean-a1"), ("a", "lean-a3"), ("b", "lean-b1")]
    # and the ACTIVE runs by current node: a's first run is at its latest node (entered at 10, after
    # the entry at 0), its second entered after that node and is at none; b's run has ended
    waiting = dict(await connection.fetch("SELECT node_id, n FROM lean_counts WHERE n <> 0"))
    assert waiting == {first: 1, NO_SUBJECT: 1}
    assert keeper.late == 0

    # when b's node event dated before its end arrives later
    assert (await _post(http, [_event("b3", "NODE_ENTERED", journey, "b", 15, first)]))["accepted"] == 1
    await _fold_all(folders)

    # then b is recomputed from its events by the product's own statement: one run, completed
    assert keeper.late == 1
    recomputed = await connection.fetch(
        "SELECT entry_id, status, current_node_id FROM enrollments WHERE journey_id = $1 AND contact_id = 'b'",
        journey,
    )  # fmt: skip
    assert [tuple(r) for r in recomputed] == [("lean-b1", "COMPLETED", first)]
    # and a body is gone once every folder has read it
    assert await connection.fetchval("SELECT count(*) FROM lean_bodies") == 0
    for other in others:
        await other.close()


async def test_a_body_it_cannot_type_is_refused_and_nothing_is_queued(lean):
    http, connection, *_ = lean

    # when an event's type is not one of the types
    answer = await http.post(
        "/v1/events", content=json.dumps({"events": [{"id": "x", "type": "NOPE"}]}),
        headers={"Authorization": "Bearer lean-key"},
    )  # fmt: skip

    # then 400, naming the field, and nothing stored or queued
    assert answer.status_code == 400
    assert "type" in answer.json()["error"]
    assert await connection.fetchval("SELECT count(*) FROM lean_bodies") == 0


@pytest.mark.parametrize("lean", [True], indirect=True)
async def test_with_the_products_checks_an_event_they_reject_is_neither_stored_nor_folded(lean):
    http, connection, workspace, journey, _ = lean

    # when a body holds a good entry and one whose contact id holds NUL (the compiled decoder alone
    # would take it, and PostgreSQL's text could not)
    good = _event("g", "JOURNEY_ENTERED", journey, "a", 0)
    bad = _event("n", "JOURNEY_ENTERED", journey, "a\x00b", 0)
    answer = await _post(http, [good, bad])
    await _fold_all([lean_server.Folder(connection, workspace)])

    # then only the good one is stored, the other is said to be rejected, and only the good one is counted
    assert answer["accepted"] == 1
    assert [r["index"] for r in answer["rejected"]] == [1]
    assert [r[0] for r in await connection.fetch("SELECT id FROM events WHERE id LIKE 'lean-%'")] == [
        "lean-g"
    ]
    assert (await _day_totals(connection, journey))["journey_entered"] == 1
