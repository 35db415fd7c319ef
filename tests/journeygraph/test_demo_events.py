"""Demo events are realistic and land in the figures; rebuild-rollups recomputes them exactly."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import sqlalchemy as sa

from journeygraph import demo
from journeygraph.db.queries import rollups
from journeygraph.demo_events import load_graphs, simulate
from journeygraph.resolvers.ingest import ingest
from tests import reference
from tests.conftest import Api
from tests.resolvers.test_performance import CANVAS, check_canvas

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


async def demo_dataset(app, http, statements, count):
    async with app.state.sessions.begin() as session:
        workspace_id, key, journeys = await demo.create_demo_workspace(session)
    async with app.state.sessions() as session:
        graphs = await load_graphs(session, workspace_id, [j.id for j in journeys[:2]])
    events = simulate(graphs, count, days=90, now=NOW, seed=11)
    result = await ingest(app.state.sessions, workspace_id, events)
    return Api(http, workspace_id, key, statements), journeys, events, result


async def test_demo_events_cover_every_kind_and_all_land(app, http, statements):
    api, journeys, events, result = await demo_dataset(app, http, statements, 4000)

    assert (result.accepted, result.duplicates, result.rejected) == (4000, 0, [])
    kinds = {e["type"] for e in events}
    assert kinds >= {"JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "GOAL_CONVERTED", "NODE_ENTERED",
                     "PATH_TRAVERSED", "MESSAGE_SENT", "MESSAGE_DELIVERED", "MESSAGE_OPENED", "MESSAGE_CLICKED",
                     "TRANSACTION", "WEBHOOK_SUCCEEDED", "WEBHOOK_FAILED"}  # fmt: skip
    entries = [e["contactId"] for e in events if e["type"] == "JOURNEY_ENTERED"]
    assert len(set(entries)) < len(entries)  # some contacts come back
    assert min(reference.when(e) for e in events) >= datetime(2026, 8, 22, 12, tzinfo=UTC)
    lo, hi = reference.window(date(2026, 10, 22), date(2026, 11, 20), "UTC")
    for journey in journeys[:2]:
        data = await api.gql(
            CANVAS, {"id": str(journey.id), "start": "2026-10-22", "end": "2026-11-20", "tz": "UTC"}
        )
        check_canvas(data["journey"], events, str(journey.id), lo, hi, journey.name)
        assert data["journey"]["performance"]["enteredCount"] > 0


async def test_rebuild_rollups_recomputes_the_same_figures(app, http, statements, database_url):
    # given demo figures, and rollups that then went wrong
    api, journeys, events, _ = await demo_dataset(app, http, statements, 1500)
    journey_id = str(journeys[0].id)
    variables = {"id": journey_id, "start": "2026-08-01", "end": "2026-11-20", "tz": "America/New_York"}
    await rollups.fold_all(app.state.sessions)  # all of them folded, none left in the tail
    async with app.state.sessions.begin() as session:
        for table in ("rollup_days", "contact_sets"):
            await session.execute(
                sa.text(f"DELETE FROM {table} WHERE workspace_id = :ws"), {"ws": api.workspace_id}
            )
    broken = await api.gql(CANVAS, variables)
    lo, hi = reference.window(date(2026, 8, 1), date(2026, 11, 20), "America/New_York")
    assert broken["journey"]["performance"] != reference.journey(events, journey_id, lo, hi)

    # when the rollups are rebuilt from the raw events
    run = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "journeygraph.cli", "rebuild-rollups", "--workspace", str(api.workspace_id)],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # then every figure is right again
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{api.workspace_id}\t1500 events"
    check_canvas((await api.gql(CANVAS, variables))["journey"], events, journey_id, lo, hi, "rebuilt")
