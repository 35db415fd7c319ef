"""The demo data, the README's canvas query, and a newcomer's first `journeygraph serve`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

from journeygraph import demo
from tests.conftest import Api
from tests.operations import move

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_shows_the_canvas_query_graphiql_opens_with():
    assert demo.CANVAS_QUERY.strip() in README.read_text()


async def test_the_canvas_query_draws_the_demo_journey(app, http, statements):
    # given a demo workspace
    async with app.state.sessions.begin() as session:
        workspace_id, key, journeys = await demo.create_demo_workspace(session)
    showcase = journeys[0].id
    api = Api(http, workspace_id, key, statements)

    # when GraphiQL's query runs for the showcase journey
    data = await api.gql(demo.CANVAS_QUERY, demo.canvas_variables(str(showcase), date(2026, 11, 1)))

    # then it is the welcome series, whole (8 nodes and 8 paths in demo.WELCOME)
    journey = data["journey"]
    assert (journey["name"], journey["status"]) == ("Welcome series", "PUBLISHED")
    assert (len(journey["nodes"]), len(journey["paths"])) == (8, 8)
    assert [j.status.value for j in journeys] == ["PUBLISHED", "PUBLISHED", "DRAFT"]


async def test_published_demo_journeys_have_valid_graphs(app, http, statements):
    async with app.state.sessions.begin() as session:
        workspace_id, key, journeys = await demo.create_demo_workspace(session)
    api = Api(http, workspace_id, key, statements)

    for journey in journeys[:2]:
        await api.gql(move("unpublishJourney"), {"id": str(journey.id)})
        payload = (await api.gql(move("publishJourney"), {"id": str(journey.id)}))["publishJourney"]
        assert payload["userErrors"] == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_first_serve_on_the_embedded_database_shows_the_demo(tmp_path):
    # given a fresh data directory and no database URL, as on a newcomer's machine
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "JOURNEYGRAPH_DATABASE_URL"}
    env["JOURNEYGRAPH_DATA_DIR"] = str(tmp_path / "data")
    server = subprocess.Popen(
        [sys.executable, "-m", "journeygraph.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.3)

        # when a browser opens GraphiQL
        page = httpx.get(f"{base}/graphql", headers={"Accept": "text/html"}).text

        # then the demo key is filled in, and the query it opens with draws a journey
        key = json.loads((tmp_path / "data" / "demo.json").read_text())["key"]
        assert f"Bearer {key}" in page
        journeys = httpx.post(
            f"{base}/graphql",
            json={"query": "{ journeys { edges { node { id name } } } }"},
            headers={"Authorization": f"Bearer {key}"},
        ).json()["data"]["journeys"]["edges"]
        showcase = next(edge["node"]["id"] for edge in journeys if edge["node"]["name"] == "Welcome series")
        assert showcase in page
        canvas = httpx.post(
            f"{base}/graphql",
            json={
                "query": demo.CANVAS_QUERY,
                "variables": demo.canvas_variables(showcase, datetime.now(UTC).date()),
            },
            headers={"Authorization": f"Bearer {key}"},
        ).json()
        journey = canvas["data"]["journey"]
        assert len(journey["nodes"]) == 8
        # demo events make the canvas come alive on first start
        assert journey["performance"]["enteredCount"] > 0
        assert sum(n["performance"]["trafficCount"] for n in journey["nodes"]) > 0
    finally:
        server.terminate()  # SIGTERM, as `docker stop` sends
        server.wait(timeout=30)
        if server.stdout:
            server.stdout.close()

    # and stopping the server stops the embedded PostgreSQL it started (a clean shutdown
    # removes postmaster.pid); left running, it would outlive every `journeygraph serve`
    assert not (tmp_path / "data" / "pgdata" / "postmaster.pid").exists()
