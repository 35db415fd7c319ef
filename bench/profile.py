"""Profile the canvas in-process: where one request's Python time goes.

    python -m bench.profile                        # 1M events, the all-fields canvas
    python -m bench.profile --events 10000000 --query counts --flat

Builds a dataset (bench/dataset.py) in a fresh database `jg_profile_<events>`
(on JOURNEYGRAPH_DATABASE_URL's server, else the embedded one under
--data-dir), unless it exists already; runs warm-up requests through the real
ASGI app in this process; then prints the wall time and this process's CPU time
per request, and a pyinstrument profile of the measured requests (install it
with `pip install -e ".[profile]"`). Not a test, and not the benchmark: the
profiler slows what it watches, so read its shares, not its milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import sqlalchemy as sa
from asgi_lifespan import LifespanManager

from bench import queries
from bench.dataset import build
from bench.run import admin_url, database_url, fresh_database, plain_url
from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.queries.workspaces import create_api_key

QUERIES = {"canvas": queries.CANVAS, "counts": queries.CANVAS_COUNTS, "hourly": queries.HOURLY}


async def _dataset(admin: str, events: int) -> tuple[str, str, str]:
    """The database URL, an API key and the main journey's id, building the dataset if needed."""
    name = f"jg_profile_{events}"
    connection = await asyncpg.connect(plain_url(admin))
    try:
        exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
    finally:
        await connection.close()
    url = database_url(admin, name) if exists else await fresh_database(admin, name)
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    try:
        if not exists:
            await build(sessions, events)
        async with sessions.begin() as session:
            workspace = (await session.execute(sa.text("SELECT id FROM workspaces LIMIT 1"))).scalar_one()
            journey = (
                await session.execute(
                    sa.text("SELECT journey_id FROM nodes GROUP BY journey_id ORDER BY count(*) DESC LIMIT 1")
                )
            ).scalar_one()
            key = await create_api_key(session, workspace, ["read"])
    finally:
        await engine.dispose()
    return url, key, str(journey)


async def main(args: argparse.Namespace) -> None:
    admin = await admin_url(args.data_dir)
    url, key, journey = await _dataset(admin, args.events)
    today = datetime.now(UTC).date()
    body = {
        "query": QUERIES[args.query],
        "variables": {"id": journey, "start": str(today - timedelta(days=30)), "end": str(today)},
    }
    headers = {"Authorization": f"Bearer {key}"}
    from pyinstrument import Profiler

    app = create_app(Settings(database_url=url), url)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:

            async def ask() -> None:
                answer: dict[str, Any] = (await client.post("/graphql", json=body, headers=headers)).json()
                if "errors" in answer:
                    raise RuntimeError(answer["errors"])

            for _ in range(5):
                await ask()
            walls, cpus = [], []
            for _ in range(args.requests):
                wall, cpu = time.perf_counter(), time.process_time()
                await ask()
                walls.append((time.perf_counter() - wall) * 1000)
                cpus.append((time.process_time() - cpu) * 1000)
            print(
                f"{args.query} at {args.events:,} events, {args.requests} requests in-process: "
                f"wall p50 {statistics.median(walls):.1f} ms (min {min(walls):.1f}), "
                f"Python CPU p50 {statistics.median(cpus):.1f} ms (min {min(cpus):.1f})"
            )
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.requests):
                await ask()
            profiler.stop()
    print(profiler.output_text(unicode=True, color=False, time="percent_of_total", flat=args.flat))


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--query", choices=sorted(QUERIES), default="canvas")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--flat", action="store_true", help="time per function, not the call tree")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse()))
