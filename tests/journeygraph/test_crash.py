"""kill -9 of the server, mid-ingest and mid-fold, loses no acknowledged event and counts none twice.

The real server (`journeygraph serve`, its folder folding small batches) runs in
a process of its own; senders post batches while it is killed with SIGKILL at
random moments, five times, and started again. Then every acknowledged event
must be stored, and the figures and enrollments, once everything is folded and
also before, must be SPEC's definitions over exactly the events stored (a
request killed before its answer may or may not have been stored; either way
it is all or nothing, and counted once).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import signal
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import sqlalchemy as sa

from journeygraph.db.queries import rollups
from tests import reference
from tests.conftest import free_port
from tests.operations import create_journey
from tests.resolvers.test_contacts import NODES, PATHS, all_enrollments, without_entry
from tests.resolvers.test_performance import CANVAS, check_canvas

START = datetime(2026, 3, 6, tzinfo=UTC)


def start_server(database_url: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "JOURNEYGRAPH_DATABASE_URL": database_url, "JOURNEYGRAPH_FOLD_BATCH": "150"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "journeygraph.cli",
            "serve",
            "--no-migrate",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return process, f"http://127.0.0.1:{port}"


async def ready(base: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            assert process.poll() is None, "the server exited"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise AssertionError("the server did not become ready")


def batch_of(journey: dict[str, Any], rng: random.Random, tag: str) -> list[dict[str, Any]]:
    nodes = [n["id"] for n in journey["nodes"]]
    kinds = [
        "JOURNEY_ENTERED",
        "NODE_ENTERED",
        "NODE_ENTERED",
        "MESSAGE_OPENED",
        "JOURNEY_COMPLETED",
        "GOAL_CONVERTED",
    ]
    events = []
    for i in range(rng.randrange(20, 120)):
        kind = rng.choice(kinds)
        event = {
            "id": f"{tag}-{i}",
            "type": kind,
            "journeyId": journey["id"],
            "contactId": f"c{rng.randrange(60)}",
            "occurredAt": (START + timedelta(minutes=rng.randrange(60 * 24 * 4))).isoformat(),
        }
        if kind != "JOURNEY_ENTERED":
            event["nodeId"] = rng.choice(nodes)
        events.append(event)
    return events


async def test_kill_9_loses_no_acknowledged_event_and_counts_none_twice(app, api, database_url):
    journey = await create_journey(api, "Crash", NODES, PATHS)
    rng = random.Random(9)
    acknowledged: set[str] = set()
    batches: list[list[dict[str, Any]]] = []
    sent = 0
    for round_ in range(5):
        process, base = start_server(database_url)
        try:
            await ready(base, process)
            stop = asyncio.Event()

            async def sender(n: int, base: str, stop: asyncio.Event, round_: int) -> None:
                nonlocal sent
                async with httpx.AsyncClient(base_url=base, timeout=30) as client:
                    while not stop.is_set():
                        if batches and rng.random() < 0.2:
                            events = rng.choice(batches)  # a retry: its events must not count twice
                        else:
                            events = batch_of(journey, rng, f"r{round_}-s{n}-{sent}")
                            batches.append(events)
                        sent += 1
                        try:
                            response = await client.post(
                                "/v1/events",
                                json={"events": events},
                                headers={"Authorization": f"Bearer {api.key}"},
                            )
                        except httpx.TransportError:
                            return  # killed: this batch is not acknowledged
                        assert response.status_code == 200, response.text
                        acknowledged.update(e["id"] for e in events)

            senders = [asyncio.create_task(sender(n, base, stop, round_)) for n in range(3)]
            await asyncio.sleep(rng.uniform(0.3, 1.5))
            process.send_signal(signal.SIGKILL)  # mid-ingest, and likely mid-fold
            process.wait()
            stop.set()
            await asyncio.gather(*senders)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    async with app.state.sessions() as session:
        stored_ids = set(
            await session.scalars(
                sa.text("SELECT id FROM events WHERE workspace_id = :ws"), {"ws": api.workspace_id}
            )
        )
        queued = await session.scalar(
            sa.text("SELECT count(*) FROM event_tail WHERE workspace_id = :ws"), {"ws": api.workspace_id}
        )
    # every acknowledged event is stored
    assert acknowledged and acknowledged <= stored_ids
    # the events as stored, the yardstick's input
    async with app.state.sessions() as session:
        rows = (
            await session.execute(
                sa.text(
                    "SELECT id, type, journey_id, node_id, contact_id, occurred_at FROM events WHERE workspace_id = :ws"
                ),
                {"ws": api.workspace_id},
            )
        ).all()
    events = [
        {"id": i, "type": t, "journeyId": str(j), "contactId": c, "occurredAt": at.isoformat(),
         **({"nodeId": str(n)} if n else {})}
        for i, t, j, n, c, at in rows
    ]  # fmt: skip
    assert queued is not None
    for label in ("as the crashes left it", "all folded"):
        if label == "all folded":
            # the rest of the tail folded here and now (beside the test app's own folder: one folds
            # at a time), not awaited against a clock a busy machine may miss
            await rollups.fold_all(app.state.sessions)
            async with app.state.sessions() as session:
                left = await session.scalar(
                    sa.text("SELECT count(*) FROM event_tail WHERE workspace_id = :ws"),
                    {"ws": api.workspace_id},
                )
            assert not left
        lo, hi = reference.window(date(2026, 3, 6), date(2026, 3, 10), "UTC")
        data = await api.gql(
            CANVAS, {"id": journey["id"], "start": "2026-03-06", "end": "2026-03-10", "tz": "UTC"}
        )
        check_canvas(data["journey"], events, journey["id"], lo, hi, label)
        runs, total, _ = await all_enrollments(api, journey["id"], first=100)
        expected = reference.enrollments(events, journey["id"])
        assert (runs, total) == (without_entry(expected), len(expected)), label
