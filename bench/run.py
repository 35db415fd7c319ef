"""The journeygraph benchmark: one command, a markdown table and a JSON file.

    python -m bench.run                          # 10M events, scale curve 1M/5M/10M
    python -m bench.run --quick                  # ~100k events in seconds (the test suite runs this)
    python -m bench.run --events 2000000 --scales 1000000,2000000

It builds a dataset per scale (bench/dataset.py) in a fresh database on the
server JOURNEYGRAPH_DATABASE_URL names, or on an embedded PostgreSQL under
--data-dir; starts the real server; measures over HTTP after warm-up; runs the
naive exact SQL over the raw events for the same canvas answer, and the same
answer in DuckDB and ClickHouse (bench/peers.py, when installed); counts SQL
statements per request; measures ingestion and a retry storm, and last the same
ingestion into a server with its folders off (JOURNEYGRAPH_FOLDER=false), so
acknowledging alone stands beside acknowledging while folding. Not a test: it
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bench import cpu, peers, queries
from bench.dataset import build
from bench.floors import graphql_floor, ingestion_floor
from journeygraph import embedded, migrations
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.queries.workspaces import create_api_key

# Requests before measuring: each server worker's pooled connections prepare a statement
# on its first use, and a request takes several connections at once.
WARM_UP = 10


def plain_url(url: str) -> str:
    """The URL as asyncpg.connect takes it (no driver suffix)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def database_url(url: str, name: str) -> str:
    """The same server's URL for database `name`."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


async def admin_url(data_dir: str) -> str:
    """The server the benchmarks build their databases on: JOURNEYGRAPH_DATABASE_URL's, else the
    embedded PostgreSQL under `data_dir` (started if need be)."""
    configured = os.environ.get("JOURNEYGRAPH_DATABASE_URL")
    if configured:
        return configured
    return await asyncio.to_thread(embedded.start, Path(data_dir), "postgres")


async def fresh_database(admin: str, name: str, template: str | None = None) -> str:
    """Database `name` created anew (a copy of `template` when named) and migrated; its URL."""
    connection = await asyncpg.connect(plain_url(admin))
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        copied = f' TEMPLATE "{template}"' if template is not None else ""
        await connection.execute(f'CREATE DATABASE "{name}"{copied}')
    finally:
        await connection.close()
    url = database_url(admin, name)
    await asyncio.to_thread(migrations.upgrade, url)
    return url


async def wait_ready(base: str) -> None:
    """Until the server at `base` answers /readyz (30 s at most)."""
    async with httpx.AsyncClient() as client:
        for _ in range(300):
            try:
                if (await client.get(f"{base}/readyz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError(f"the server at {base} did not become ready")


class Server:
    """The real server in its own processes, on a free loopback port, started as a user starts it:
    `journeygraph serve --workers <cores>` (the API is stateless). `source`: another checkout to
    run instead (an older one, for a before/after comparison), through uvicorn's own command."""

    def __init__(self, url: str, source: str | None = None, settings: dict[str, str] | None = None) -> None:
        """`settings`: more JOURNEYGRAPH_* environment variables, as a user sets them (README)."""
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        env = {
            **os.environ,
            "JOURNEYGRAPH_DATABASE_URL": url,
            "JOURNEYGRAPH_DB_POOL_SIZE": "10",
            **(settings or {}),
        }
        workers = str(os.cpu_count() or 1)
        command = [sys.executable, "-m", "journeygraph.cli", "serve", "--no-migrate", "--host", "127.0.0.1",
                   "--port", str(self.port), "--workers", workers]  # fmt: skip
        if source is not None:
            env["PYTHONPATH"] = str(Path(source).resolve())
            command = [sys.executable, "-m", "uvicorn", "journeygraph.app:create_app", "--factory", "--host",
                       "127.0.0.1", "--port", str(self.port), "--log-level", "warning", "--workers", workers]  # fmt: skip
        self.process = subprocess.Popen(
            command, env=env, cwd=source, stderr=subprocess.DEVNULL if source is None else None
        )
        self.base = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        await wait_ready(self.base)

    def peak_memory_mb(self) -> float:
        """Peak resident memory of the busiest server process (a worker, or the only process)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        peaks = []
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        return max(peaks, default=float("nan"))

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _stats(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    return {
        "p50": statistics.median(ordered) * 1000,
        "p90": pick(0.9),
        "p99": pick(0.99),
        "rps": len(ordered) / elapsed,
    }


async def waited_out(response: httpx.Response) -> bool:
    """Whether the rate limit refused `response`'s request (429): the credential's points are spent,
    and this waits Retry-After, as a client should, before the caller asks again."""
    if response.status_code != 429:
        return False
    await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    return True


async def timed(
    base: str, key: str | list[str], query: str, variables: dict[str, Any], requests: int, concurrency: int
) -> dict[str, float]:
    """Latency percentiles and throughput of one operation, after warm-up. `key`: one key, or a key
    per concurrent client (as that many people would each have their own; a credential's rate limit
    is its own, README "Limits, query cost and rate limits").

    A request the rate limit refuses is waited out (Retry-After) and asked again: it is counted
    (`rate_limited`, the measured requests' only), not timed, and the wait stays in `rps`. The reads
    of a small dataset are fast enough for one client to spend its credential's points.

    Each concurrent client warms up (WARM_UP requests, side by side as measured), so every
    connection, the worker it lands on and the database connections that worker opens for that
    many requests at once are as in a server that has been running, not only the first's."""
    keys = [key] if isinstance(key, str) else key
    body = {"query": query, "variables": variables}
    async with httpx.AsyncClient(
        base_url=base, timeout=300, limits=httpx.Limits(max_connections=concurrency)
    ) as client:
        limited = 0

        async def post(key: str) -> httpx.Response | None:
            """One request; None when the rate limit refused it (waited out, and counted)."""
            nonlocal limited
            response = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}"})
            if await waited_out(response):
                limited += 1
                return None
            return response

        async def warm(key: str) -> None:
            done = 0
            while done < WARM_UP:
                response = await post(key)
                if response is not None:
                    done += 1
                    answer = response.json()
                    if "errors" in answer:
                        raise RuntimeError(answer["errors"])

        await asyncio.gather(*(warm(keys[i % len(keys)]) for i in range(concurrency)))
        latencies: list[float] = []
        remaining, limited = requests, 0  # the warm-up's refusals are not the measurement's

        async def worker(key: str) -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                started = time.perf_counter()
                response = await post(key)
                if response is None:
                    remaining += 1  # not served: asked again, so that `requests` are timed
                    continue
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker(keys[i % len(keys)]) for i in range(concurrency)))
        found = _stats(latencies, time.perf_counter() - started)
        return found | {"rate_limited": limited} if limited else found


async def statements(url: str, key: str, query: str, variables: dict[str, Any]) -> int:
    """SQL statements one request of this operation runs, counted in-process."""
    from asgi_lifespan import LifespanManager

    from journeygraph.app import create_app
    from journeygraph.core.settings import Settings

    app = create_app(Settings(database_url=url), url)
    count = 0

    def listen(*_: Any) -> None:
        nonlocal count
        count += 1

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as client,
    ):
        headers = {"Authorization": f"Bearer {key}"}
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", listen)
        await client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
    return count


_NAIVE_INDEX = """CREATE INDEX IF NOT EXISTS bench_events_by_journey_time
    ON events (workspace_id, journey_id, occurred_at)"""


async def naive(
    url: str, workspace_id: uuid.UUID, journey_id: uuid.UUID, start: datetime, end: datetime, runs: int
) -> tuple[float, list[Any]]:
    """Median time of the naive exact SQL for the canvas answer, and its journey-level row.

    It reads the raw events by journey and time through an index built for it here and dropped
    after: the index a naive store would keep (journeygraph keeps none: nothing it answers reads
    events that way, and every acknowledged event would pay for it)."""
    connection = await asyncpg.connect(plain_url(url))
    times, first = [], []
    await connection.execute(_NAIVE_INDEX)
    try:
        for _ in range(runs + 1):
            started = time.perf_counter()
            results = [
                await connection.fetch(sql, workspace_id, journey_id, start, end) for sql in queries.NAIVE_SQL
            ]
            times.append(time.perf_counter() - started)
            first = list(results[0][0])
    finally:
        await connection.execute("DROP INDEX IF EXISTS bench_events_by_journey_time")
        await connection.close()
    return statistics.median(times[1:]) * 1000, first


async def ingest_bodies(url: str, journey_id: uuid.UUID, batches: int, size: int) -> list[str]:
    """Request bodies of new events for the journey, as the engine sends them: each a JSON batch."""
    connection = await asyncpg.connect(plain_url(url))
    nodes = [
        str(r[0]) for r in await connection.fetch("SELECT id FROM nodes WHERE journey_id = $1", journey_id)
    ]
    paths = [
        str(r[0]) for r in await connection.fetch("SELECT id FROM paths WHERE journey_id = $1", journey_id)
    ]
    await connection.close()
    rng, now, tag = random.Random(5), datetime.now(UTC), uuid.uuid4().hex[:8]
    kinds = ["JOURNEY_ENTERED", "NODE_ENTERED", "NODE_ENTERED", "PATH_TRAVERSED", "PATH_TRAVERSED", "MESSAGE_SENT",
             "MESSAGE_DELIVERED", "MESSAGE_OPENED", "MESSAGE_CLICKED", "WEBHOOK_SUCCEEDED"]  # fmt: skip
    bodies = []
    for b in range(batches):
        events = []
        for i in range(size):
            kind = rng.choice(kinds)
            # Events arrive as they happen: within the last ten minutes.
            event = {"id": f"ingest-{tag}-{b}-{i}", "type": kind, "journeyId": str(journey_id),
                     "contactId": f"contact-{rng.randrange(300_000)}",
                     "occurredAt": (now - timedelta(seconds=rng.uniform(0, 600))).isoformat()}  # fmt: skip
            if kind == "PATH_TRAVERSED":
                event["pathId"] = rng.choice(paths)
            elif kind != "JOURNEY_ENTERED":
                event["nodeId"] = rng.choice(nodes)
            events.append(event)
        bodies.append(json.dumps({"events": events}))
    return bodies


async def send_events(
    base: str, key: str, bodies: list[str], every: float = 0.0
) -> tuple[float, dict[str, int]]:
    """Send `bodies` to /v1/events with two senders; (seconds taken, events accepted, duplicates
    and rejected). With `every`, the n-th body is not sent before n * `every` seconds from the
    start (a stream at a set pace; a sender that falls behind sends at once)."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    queue, totals = list(reversed(bodies)), {"accepted": 0, "duplicates": 0, "rejected": 0}
    taken = 0
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:

        async def sender() -> None:
            nonlocal taken
            while queue:
                body, due = queue.pop(), started + taken * every
                taken += 1
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                answer = (await client.post("/v1/events", content=body, headers=headers)).json()
                totals["accepted"] += answer["accepted"]
                totals["duplicates"] += answer["duplicates"]
                totals["rejected"] += len(answer["rejected"])

        started = time.perf_counter()
        await asyncio.gather(sender(), sender())
        return time.perf_counter() - started, totals


async def ingestion(
    server: Server,
    postgres: int | None,
    key: str,
    url: str,
    journey_id: uuid.UUID,
    batches: int,
    size: int,
    paces: list[int],
) -> dict[str, Any]:
    """Events/s through /v1/events with 2 senders, alone and then with a canvas client drawing back to
    back (new events each time), then the first pass's batches again (a retry storm); then, for each
    of `paces` (events/s), a stream sent at that pace while the canvas client draws. `postgres`: the
    PostgreSQL server's pid when it runs on this machine (bench/cpu.py)."""
    base = server.base
    alone_bodies = await ingest_bodies(url, journey_id, batches, size)
    busy_bodies = await ingest_bodies(url, journey_id, batches, size)
    now = datetime.now(UTC)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    today = now.date()
    variables = {"id": str(journey_id), "start": str(today - timedelta(days=30)), "end": str(today)}
    elapsed, first, first_spent = await _pass(server, postgres, key, alone_bodies)
    queued_at_end, fold_after = await drained(url)
    sending = asyncio.create_task(send_events(base, key, busy_bodies))
    during = await _canvas_while(base, headers, variables, sending)
    busy_elapsed, busy = await sending
    busy_queued, busy_fold_after = await drained(url)
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        before = (
            await client.post(
                "/graphql", json={"query": queries.CANVAS, "variables": variables}, headers=headers
            )
        ).json()
        storm_elapsed, storm = await send_events(base, key, alone_bodies)
        after = (
            await client.post(
                "/graphql", json={"query": queries.CANVAS, "variables": variables}, headers=headers
            )
        ).json()
    paced = []
    for pace in paces:
        await drained(url)
        bodies = await ingest_bodies(url, journey_id, batches, size)
        sending = asyncio.create_task(send_events(base, key, bodies, every=size / pace))
        during_pace = await _canvas_while(base, headers, variables, sending)
        pace_elapsed, pace_totals = await sending
        pace_queued, pace_fold_after = await drained(url)
        paced.append({"pace": pace, "pass": pace_totals, "events_per_s": pace_totals["accepted"] / pace_elapsed,
                      "canvas_during": during_pace, "tail_at_end": pace_queued, "folded_after_s": pace_fold_after})  # fmt: skip
    return {
        "paced": paced,
        "events": batches * size,
        "batches": batches,
        "events_per_s": first["accepted"] / elapsed,
        **first_spent,  # the machine's busy share, CPU µs per event of the server and of PostgreSQL
        # acknowledged and folded: what a stream of this pace leaves no backlog at
        "sustained_events_per_s": first["accepted"] / (elapsed + fold_after),
        "tail_at_end": queued_at_end,
        "folded_after_s": fold_after,
        "with_canvas_events_per_s": busy["accepted"] / busy_elapsed,
        "canvas_during": during,
        "with_canvas_tail_at_end": busy_queued,
        "with_canvas_folded_after_s": busy_fold_after,
        "first_pass": first,
        "with_canvas_pass": busy,
        "retry_storm": storm,
        "retry_storm_events_per_s": batches * size / storm_elapsed,
        # the answers' data: extensions.cost.remaining moves with the rate limiter's clock
        "figures_unchanged_by_storm": before["data"] == after["data"] and "errors" not in before,
    }


async def rows_in(url: str, table: str = "event_tail") -> int:
    """Rows in `table`: by default the events queued in the tail (bench/lean_server.py's queue of
    bodies, `events` for all the database holds)."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        return int(await connection.fetchval(f"SELECT count(*) FROM {table}"))
    finally:
        await connection.close()


async def biggest_journey(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The workspace and journey with the most nodes: bench/dataset.py's big one, holding half the events."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        workspace_id, journey_id = await connection.fetchrow(
            "SELECT workspace_id, journey_id FROM nodes GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1"
        )
        return workspace_id, journey_id
    finally:
        await connection.close()


async def drained(url: str, table: str = "event_tail") -> tuple[int, float]:
    """The tail (or `table`) now, and how long until it is empty."""
    started, queued = time.perf_counter(), await rows_in(url, table)
    while await rows_in(url, table):  # noqa: ASYNC110  # polling the database: no event to wait on
        await asyncio.sleep(0.2)
    return queued, time.perf_counter() - started


async def _canvas_while(
    base: str, headers: dict[str, str], variables: dict[str, Any], running: asyncio.Task[Any]
) -> dict[str, float]:
    """Canvas latencies (one client, back to back) for as long as `running` runs. A client drawing
    back to back for minutes can spend its credential's points (RATE_LIMIT_PER_SECOND): it then
    waits Retry-After, as a client should, and the refusals are counted, not timed."""
    latencies: list[float] = []
    limited = 0
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        while not running.done():
            began = time.perf_counter()
            answer = await client.post(
                "/graphql", json={"query": queries.CANVAS, "variables": variables}, headers=headers
            )
            if await waited_out(answer):
                limited += 1
                continue
            latencies.append(time.perf_counter() - began)
            answer.raise_for_status()
    found = _stats(latencies, time.perf_counter() - started) if latencies else {}
    return found | {"rate_limited": limited} if limited else found


async def floors(
    base: str, key: str, url: str, dataset: Any, window: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    """bench/floors.py's measurements on this run's dataset and answers."""
    found: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=base, timeout=300) as client:
        for name, query in (("graphql_canvas", queries.CANVAS), ("graphql_counts", queries.CANVAS_COUNTS)):
            body = {"query": query, "variables": window}
            answer = await client.post("/graphql", json=body, headers={"Authorization": f"Bearer {key}"})
            found[name] = graphql_floor(query, window, answer.json()["data"])
    bodies = await ingest_bodies(url, dataset.journey_ids[0], min(args.ingest_batches, 5), args.ingest_size)
    found["ingestion"] = await ingestion_floor(url, dataset.workspace_id, bodies)
    return found


async def read_keys(url: str, workspace_id: uuid.UUID, n: int) -> list[str]:
    """`n` more keys of the workspace that may read."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            return [await create_api_key(session, workspace_id, ["read"]) for _ in range(n)]
    finally:
        await engine.dispose()


async def run_scale(admin: str, events: int, full: bool, args: argparse.Namespace) -> dict[str, Any]:
    url = await fresh_database(admin, f"jg_bench_{events}")
    engine = create_engine(url)
    started = time.perf_counter()
    dataset = await build(create_sessionmaker(engine), events)
    await engine.dispose()
    result: dict[str, Any] = {"events": events, "build_s": time.perf_counter() - started}
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=30), today
    main = str(dataset.journey_ids[0])
    window = {"id": main, "start": str(start), "end": str(end)}
    postgres = await cpu.postmaster(plain_url(url))  # read once: where ingestion's CPU goes (bench/cpu.py)
    server = Server(url)
    try:
        await server.ready()
        key = dataset.key
        result["canvas"] = await timed(server.base, key, queries.CANVAS, window, args.requests, 1)
        result["canvas_counts"] = await timed(
            server.base, key, queries.CANVAS_COUNTS, window, args.requests, 1
        )
        naive_ms, _ = await naive(
            url,
            dataset.workspace_id,
            dataset.journey_ids[0],
            _midnight(start),
            _midnight(end + timedelta(days=1)),
            3 if full else 1,
        )
        result["naive_ms"] = naive_ms
        if full:  # DuckDB and ClickHouse on the same events, before any is ingested (bench/peers.py)
            result["peers"] = (
                await peers.measure(
                    plain_url(url), dataset.workspace_id, dataset.journey_ids[0], 3 if args.quick else 5
                )
                if peers.installed()
                else None
            )
        result["statements"] = {
            "canvas": await statements(url, key, queries.CANVAS, window),
            "canvas_counts": await statements(url, key, queries.CANVAS_COUNTS, window),
        }
        if full:
            previous = {
                **window,
                "prevStart": str(start - timedelta(days=31)),
                "prevEnd": str(start - timedelta(days=1)),
            }
            ids = {"ids": [str(j) for j in dataset.journey_ids], "start": str(start), "end": str(end)}
            # four people drawing the canvas, a key each
            viewers = [key, *(await read_keys(url, dataset.workspace_id, 3))]
            result["canvas_c4"] = await timed(
                server.base, viewers, queries.CANVAS, window, args.requests * 2, 4
            )
            result["two_windows"] = await timed(
                server.base, key, queries.TWO_WINDOWS, previous, args.requests, 1
            )
            zoned = {**window, "tz": queries.ZONE}
            result["canvas_zoned"] = await timed(
                server.base, key, queries.CANVAS_ZONED, zoned, args.requests, 1
            )
            result["hourly_31d"] = await timed(server.base, key, queries.HOURLY, window, args.requests, 1)
            result["by_ids_20"] = await timed(server.base, key, queries.BY_IDS, ids, args.requests, 1)
            result["statements"]["two_windows"] = await statements(url, key, queries.TWO_WINDOWS, previous)
            result["statements"]["canvas_zoned"] = await statements(url, key, queries.CANVAS_ZONED, zoned)
            result["statements"]["hourly_31d"] = await statements(url, key, queries.HOURLY, window)
            result["statements"]["by_ids_20"] = await statements(url, key, queries.BY_IDS, ids)
            result["floors"] = await floors(server.base, key, url, dataset, window, args)
            result["ingestion"] = await ingestion(
                server,
                postgres,
                key,
                url,
                dataset.journey_ids[0],
                args.ingest_batches,
                args.ingest_size,
                args.ingest_paces,
            )
        result["peak_server_mb"] = server.peak_memory_mb()
    finally:
        server.stop()
    if full:  # last: it leaves its events queued
        result["acknowledging_only"] = await acknowledging_only(
            url, postgres, dataset.key, dataset.journey_ids[0], args.ingest_batches, args.ingest_size
        )
    return result


async def _pass(
    server: Server, postgres: int | None, key: str, bodies: list[str]
) -> tuple[float, dict[str, int], dict[str, float | None]]:
    """send_events, and where the CPU went while it ran (bench/cpu.py; `postgres`: the
    PostgreSQL server's pid when it runs on this machine)."""
    before = cpu.read(server.process.pid, postgres)
    elapsed, totals = await send_events(server.base, key, bodies)
    return elapsed, totals, cpu.spent(before, cpu.read(server.process.pid, postgres), totals["accepted"])


async def acknowledging_only(
    url: str, postgres: int | None, key: str, journey_id: uuid.UUID, batches: int, size: int
) -> dict[str, Any]:
    """The first ingestion pass again (new events), into a server started with every folder off
    (`JOURNEYGRAPH_FOLDER=false`, as where another process folds): what acknowledging alone gets of
    the machine, beside the pass with the folder (`ingestion`). The events stay queued."""
    server = Server(url, settings={"JOURNEYGRAPH_FOLDER": "false"})
    try:
        await server.ready()
        bodies = await ingest_bodies(url, journey_id, batches, size)
        elapsed, totals, spent = await _pass(server, postgres, key, bodies)
    finally:
        server.stop()
    return {"events_per_s": totals["accepted"] / elapsed, "pass": totals, **spent,
            "tail_at_end": await rows_in(url)}  # fmt: skip


def _percent(share: float | None) -> str:
    return "?" if share is None else f"{share:.0%}"


def cpu_words(found: dict[str, Any]) -> str:
    """A pass's CPU per event (bench/cpu.py), as the report says it."""
    server, postgres = found.get("server_us_per_event"), found.get("postgres_us_per_event")
    in_server = "?" if server is None else f"{server:.1f}"
    background = found.get("postgres_background_us_per_event")
    aside = "" if background is None else f" ({background:.1f} of them outside its connections' backends)"
    in_postgres = (
        "PostgreSQL's not read (it runs on another machine)"
        if postgres is None
        else f"{postgres:.1f} µs in PostgreSQL's{aside}"
    )
    return (
        f"the machine {_percent(found.get('machine_busy'))} busy, CPU per event {in_server} µs in the "
        f"server's processes and {in_postgres}"
    )


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


# The read operations of the report's table, by their key in a run's results.
OPERATIONS = [("canvas", "canvas, all fields, c=1"), ("canvas_c4", "canvas, all fields, c=4"),
              ("canvas_counts", "canvas, counts only, c=1"), ("two_windows", "canvas, two windows (aliases)"),
              ("canvas_zoned", f"canvas, all fields, {queries.ZONE} window"),
              ("hourly_31d", "journey HOUR series, 31 days"), ("by_ids_20", "journeysByIds, 20 journeys")]  # fmt: skip


def report(runs: list[dict[str, Any]], command: str) -> str:
    main = runs[-1]
    lines = [
        f"Command: `{command}`",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
    ]
    lines += [
        "| operation (31-day window) | p50 ms | p90 ms | p99 ms | req/s | SQL statements |",
        "|---|---|---|---|---|---|",
    ]
    for name, label in OPERATIONS:
        if name in main:
            m = main[name]
            n = main["statements"].get(name.replace("_c4", ""), "")
            lines.append(
                f"| {label} | {m['p50']:.1f} | {m['p90']:.1f} | {m['p99']:.1f} | {m['rps']:.1f} | {n} |"
            )
    refused = {
        name: main[name]["rate_limited"] for name, _ in OPERATIONS if main.get(name, {}).get("rate_limited")
    }
    if refused:
        lines += ["", f"Requests refused by the rate limit (waited out and asked again, not timed; "
                  f"their waits are in req/s): {refused}."]  # fmt: skip
    lines += ["", f"Naive exact SQL over raw events, same canvas answer: {main['naive_ms']:.1f} ms "
              f"({main['naive_ms'] / main['canvas']['p50']:.1f}x the canvas p50)."]  # fmt: skip
    if "ingestion" in main:
        i = main["ingestion"]
        lines.append(f"Ingestion: {i['events_per_s']:,.0f} events/s ({i['events']:,} events in {i['batches']} batches, 2 senders); "
                     f"retry storm: {i['retry_storm']['duplicates']:,} duplicates, {i['retry_storm']['accepted']} accepted, "
                     f"figures unchanged: {i['figures_unchanged_by_storm']}.")  # fmt: skip
        lines.append(f"Queued when the last batch was acknowledged: {i['tail_at_end']:,} events, all folded "
                     f"{i['folded_after_s']:.1f} s later: {i['sustained_events_per_s']:,.0f} events/s acknowledged "
                     "and folded.")  # fmt: skip
        during = i.get("canvas_during") or {}
        if during:
            lines.append(f"The same again (new events) while a canvas client (all fields) draws back to back: "
                         f"{i['with_canvas_events_per_s']:,.0f} events/s; canvas p50 {during['p50']:.1f} ms, "
                         f"p90 {during['p90']:.1f} ms ({during['rps']:.1f} req/s); queued at the end "
                         f"{i['with_canvas_tail_at_end']:,}, folded {i['with_canvas_folded_after_s']:.1f} s later.")  # fmt: skip
        for paced in i.get("paced", []):
            d = paced["canvas_during"]
            lines.append(f"A stream paced at {paced['pace']:,} events/s ({paced['events_per_s']:,.0f} acknowledged a second) "
                         f"while the canvas client draws: canvas p50 {d['p50']:.1f} ms, p90 {d['p90']:.1f} ms; queued at the end "
                         f"{paced['tail_at_end']:,}, folded {paced['folded_after_s']:.1f} s later.")  # fmt: skip
        alone = main.get("acknowledging_only")
        if alone:
            lines.append(f"Acknowledging only (a server with every folder off, JOURNEYGRAPH_FOLDER=false; new events): "
                         f"{alone['events_per_s']:,.0f} events/s, {cpu_words(alone)}; against {i['events_per_s']:,.0f} "
                         f"events/s, {cpu_words(i)}, with the folder running (the first pass above).")  # fmt: skip
        drawn = {"with_canvas": during} | {str(p["pace"]): p["canvas_during"] for p in i.get("paced", [])}
        refused = {name: d["rate_limited"] for name, d in drawn.items() if d.get("rate_limited")}
        if refused:
            lines.append(f"Canvas requests refused by the rate limit (waited out, not timed): {refused}.")
    if "floors" in main:
        f = main["floors"]
        c, n, i = f["graphql_canvas"], f["graphql_counts"], f["ingestion"]
        lines.append(f"Floors (bench/floors.py): stock graphql-core over the ready answer, no database: counts only "
                     f"{n['parse_validate_ms'] + n['execute_ms']:.1f} ms ({n['parse_validate_ms']:.1f} parse and validate), "
                     f"all fields {c['parse_validate_ms'] + c['execute_ms']:.1f} ms; events checked and inserted alone, "
                     f"no rollups: {i['check_us_per_event']:.1f} + {i['insert_us_per_event']:.1f} µs per event, "
                     f"{i['events_per_s']:,.0f} events/s one batch at a time.")  # fmt: skip
    if main.get("peers"):
        zoned = main.get("canvas_zoned")
        lines += peers.lines(main["peers"], main["canvas"]["p50"], zoned["p50"] if zoned else None)
    elif "peers" in main:
        lines.append('Peers (DuckDB, ClickHouse): not installed; `pip install -e ".[peers]"` runs them.')
    lines.append(
        f"Peak server memory: {main['peak_server_mb']:.0f} MB. Dataset build: {main['build_s']:.0f} s."
    )
    lines += [
        "",
        "| events | canvas p50 ms | counts-only p50 ms | naive SQL ms | statements (canvas) |",
        "|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(f"| {run['events']:,} | {run['canvas']['p50']:.1f} | {run['canvas_counts']['p50']:.1f} | "
                     f"{run['naive_ms']:.1f} | {run['statements']['canvas']} |")  # fmt: skip
    return "\n".join(lines) + "\n"


def write(out: Path, command: str, runs: list[dict[str, Any]]) -> str:
    """Write results.json and results.md (after each scale, so a long run keeps what it measured)."""
    out.mkdir(parents=True, exist_ok=True)
    table = report(runs, command)
    (out / "results.json").write_text(json.dumps({"command": command, "runs": runs}, indent=2, default=str))
    (out / "results.md").write_text(table)
    return table


async def main(args: argparse.Namespace, command: str) -> dict[str, Any]:
    admin = await admin_url(args.data_dir)
    scales = sorted({*args.scales, args.events})
    runs = []
    for events in scales:
        print(f"benchmark: {events:,} events", file=sys.stderr)
        runs.append(await run_scale(admin, events, events == args.events, args))
        # the full run (all operations) last: the report's first table is about it
        write(Path(args.out), command, sorted(runs, key=lambda r: (r["events"] == args.events, r["events"])))
    return {"runs": runs}


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--scales", default="1000000,5000000", help="further scales for the latency curve")
    parser.add_argument("--requests", type=int, default=40, help="measured requests per operation")
    parser.add_argument("--ingest-batches", type=int, default=40)
    parser.add_argument("--ingest-size", type=int, default=5000, help="events per ingestion batch")
    parser.add_argument(
        "--ingest-paces",
        type=lambda text: [int(p) for p in text.split(",") if p],
        default=[10_000, 20_000],
        help="events/s of the paced streams the canvas is measured during (comma-separated; '' for none)",
    )
    parser.add_argument("--quick", action="store_true", help="~100k events, few requests: a smoke run")
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    args = parser.parse_args(argv)
    args.scales = [int(s) for s in args.scales.split(",") if s]
    if args.quick:
        args.events, args.scales, args.requests, args.ingest_batches, args.ingest_size = (
            50_000,
            [],
            3,
            2,
            1000,
        )
    return args


if __name__ == "__main__":
    arguments = parse()
    command = ("python -m bench.run " + " ".join(sys.argv[1:])).strip()
    results = asyncio.run(main(arguments, command))
    print((Path(arguments.out) / "results.md").read_text())
