"""The operations under clients/queries, the clients generated from them, and the README's use of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate

from journeygraph import demo
from schema import schema

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "clients" / "queries"
README = ROOT / "README.md"
EXPECTED = {
    "Canvas", "Journeys", "ComparePeriods", "NodeDailySeries", "CreateJourney", "SaveCanvas", "RecordEvents",
}  # fmt: skip


def _need_node() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed; the TypeScript generator needs them")


def test_every_operation_is_a_file_that_validates_against_the_schema():
    files = {path.stem: path.read_text() for path in QUERIES.glob("*.graphql")}
    assert set(files) == EXPECTED
    for name, text in files.items():
        assert validate(schema._schema, parse(text)) == [], name


def test_the_readme_and_graphiql_show_the_canvas_file():
    canvas = (QUERIES / "Canvas.graphql").read_text()
    assert canvas.strip() in README.read_text()
    assert demo.CANVAS_QUERY == canvas  # GraphiQL's pre-filled query is the file
    for name in EXPECTED:
        assert f"clients/queries/{name}.graphql" in README.read_text()


def test_the_committed_clients_equal_a_fresh_generation():
    _need_node()
    run = subprocess.run(
        [sys.executable, "clients/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr


def test_the_typescript_types_compile_with_a_typed_caller():
    _need_node()
    typescript = ROOT / "clients" / "typescript"
    if not (typescript / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=typescript, check=True
        )
    run = subprocess.run(
        ["node_modules/.bin/tsc", "--noEmit", "-p", "tsconfig.json"],
        cwd=typescript,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


async def test_the_generated_python_client_drives_the_live_server(live_server: str, api):
    sys.path.insert(0, str(ROOT / "clients" / "python"))
    from journeygraph_client import JourneygraphClient

    # a fresh workspace's key (made through the in-process app; the live server shares its database)
    url, auth = f"{live_server}/graphql", {"Authorization": f"Bearer {api.key}"}
    async with JourneygraphClient(url, headers=auth) as client:
        await _drive(client)


async def _drive(client: Any) -> None:
    from journeygraph_client import (
        Channel,
        CreateJourneyInput,
        EventInput,
        EventType,
        NodeInput,
        NodeType,
        PathInput,
    )

    created = await client.create_journey(
        CreateJourneyInput(
            name="Typed client",
            nodes=[
                NodeInput(key="start", type=NodeType.TRIGGER, name="Start"),
                NodeInput(key="mail", type=NodeType.MESSAGE, name="Mail", channel=Channel.EMAIL),
            ],
            paths=[PathInput(source="start", target="mail")],
        )
    )
    assert created.create_journey.user_errors == []
    journey = created.create_journey.journey
    assert journey is not None
    mail = next(n for n in journey.nodes if n.type_ == NodeType.MESSAGE)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def event(id: str, kind: EventType, contact: str, **more: Any) -> EventInput:
        return EventInput(id=id, type=kind, journeyId=journey.id, contactId=contact, occurredAt=at, **more)

    recorded = await client.record_events(
        [
            event("t-1", EventType.JOURNEY_ENTERED, "a"),
            event("t-2", EventType.JOURNEY_ENTERED, "b"),
            event("t-3", EventType.MESSAGE_SENT, "a", nodeId=mail.id),
            event("t-4", EventType.TRANSACTION, "a", nodeId=mail.id, revenue=Decimal("12.50")),
        ]
    )
    assert (recorded.record_events.accepted, recorded.record_events.duplicates) == (4, 0)

    today = at.date()
    canvas = await client.canvas(journey.id, today - timedelta(days=1), today + timedelta(days=1), "UTC")

    assert canvas.journey is not None
    assert canvas.journey.performance.entered_count == 2  # two JOURNEY_ENTERED events
    assert canvas.journey.performance.revenue == Decimal("12.50")
    sent = {n.id: n.performance.message_sent for n in canvas.journey.nodes}
    assert sent[mail.id] == 1

    series = await client.node_daily_series(mail.id, today - timedelta(days=2), today, "UTC")
    assert series.node is not None
    assert [p.start.date() for p in series.node.time_series] == [today - timedelta(days=d) for d in (2, 1, 0)]
    assert sum(p.performance.message_sent or 0 for p in series.node.time_series) == 1

    listed = await client.journeys(first=5)
    assert [edge.node.id for edge in listed.journeys.edges] == [journey.id]

    # the events' day against the nine days before it, in one request (aliases)
    compared = await client.compare_periods(
        journey.id, today - timedelta(days=1), today + timedelta(days=1),
        today - timedelta(days=10), today - timedelta(days=2), "UTC",
    )  # fmt: skip
    assert compared.journey is not None
    assert (compared.journey.current.entered_count, compared.journey.previous.entered_count) == (2, 0)
