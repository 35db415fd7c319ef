"""With JOURNEYGRAPH_READ_DATABASE_URL, performance figures come from the read replica and
everything else from the primary; after a write, the rest of the request reads the primary."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
import sqlalchemy as sa
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.queries.workspaces import create_api_key, create_workspace
from tests.conftest import Api, StatementCounter
from tests.operations import create_journey

CANVAS = """query($id: ID!) { journey(id: $id) { name
  performance(startDate: "2026-11-01", endDate: "2026-11-30") { enteredCount }
  nodes { id performance(startDate: "2026-11-01", endDate: "2026-11-30") { trafficCount } } } }"""


@pytest_asyncio.fixture
async def replicated(database_url: str) -> AsyncIterator[tuple[Api, StatementCounter, StatementCounter]]:
    # The "replica" is the same database reached through a second engine: what is tested is
    # which engine each statement goes through.
    app = create_app(Settings(database_url=database_url, read_database_url=database_url), database_url)
    primary, replica = StatementCounter(), StatementCounter()
    async with LifespanManager(app):
        sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", primary)
        sa.event.listen(app.state.read_engine.sync_engine, "before_cursor_execute", replica)
        async with app.state.sessions.begin() as session:
            workspace = await create_workspace(session, f"replica {uuid.uuid4().hex[:6]}")
            key = await create_api_key(session, workspace.id, ["read", "write", "ingest"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            yield Api(http, workspace.id, key, primary), primary, replica


async def test_figures_are_read_from_the_replica_and_the_graph_from_the_primary(replicated):
    api, primary, replica = replicated
    journey = await create_journey(api)
    primary.counting = replica.counting = True

    data = await api.gql(CANVAS, {"id": journey["id"]})

    assert data["journey"]["performance"] == {"enteredCount": 0}
    figures = [s for s in replica.statements]
    graph = [s for s in primary.statements]
    assert figures and all("rollup" in s or "unique" in s or "contact" in s for s in figures)
    assert not any("rollup" in s for s in graph)  # auth, canvas sizes, journey, nodes only
    assert len(graph) == 4


async def test_after_a_write_the_same_request_reads_figures_from_the_primary(replicated):
    api, primary, replica = replicated
    journey = await create_journey(api)
    event = {"id": f"r-{uuid.uuid4()}", "type": "JOURNEY_ENTERED", "journeyId": journey["id"],
             "contactId": "c", "occurredAt": "2026-11-10T10:00:00Z"}  # fmt: skip
    mutation = """mutation($events: [EventInput!]!, $id: ID!) {
      recordEvents(events: $events) { accepted }
      updateJourney(id: $id, input: {description: "seen"}) { journey {
        performance(startDate: "2026-11-01", endDate: "2026-11-30") { enteredCount } } } }"""
    primary.counting = replica.counting = True

    data = await api.gql(mutation, {"events": [event], "id": journey["id"]})

    assert data["updateJourney"]["journey"]["performance"]["enteredCount"] == 1
    assert replica.statements == []


async def test_readiness_reports_the_replica(replicated):
    api, _, _ = replicated
    body = (await api.http.get("/readyz")).json()
    assert body == {"status": "ready", "database": "ok", "readReplica": "ok"}
