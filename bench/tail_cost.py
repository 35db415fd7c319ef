"""What the tail costs a canvas: its p50 against the number of events queued and not yet folded.

    python -m bench.tail_cost                     # the 2M-event dataset; tails of 0 to 175,000 events
    python -m bench.tail_cost --events 1000000 --steps 3

Every query reads the rollups and the tail (the events acknowledged and not
folded yet), so how far the folder is behind changes what a canvas costs,
never what it answers. This serves bench/dataset.py's dataset with the
folder off (`JOURNEYGRAPH_FOLDER=false`, `journeygraph serve --workers
<cores>`), then alternates: the 200-node canvas (all fields, 31 days, after
warm-up), then more events through `POST /v1/events`, shaped as `bench.run`
sends them, so the tail grows by 25,000, 50,000, ... It asserts nothing about
time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import queries
from bench.dataset import build
from bench.run import Server, admin_url, fresh_database, ingest_bodies, rows_in, send_events, timed
from journeygraph.db.engine import create_engine, create_sessionmaker

BATCH = 5_000


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    admin = await admin_url(args.data_dir)
    url = await fresh_database(admin, f"jg_bench_tail_{args.events}")
    engine = create_engine(url)
    dataset = await build(create_sessionmaker(engine), args.events)
    await engine.dispose()
    journey = dataset.journey_ids[0]
    today = datetime.now(UTC).date()
    window = {"id": str(journey), "start": str(today - timedelta(days=30)), "end": str(today)}
    os.environ["JOURNEYGRAPH_FOLDER"] = "false"  # the server's; nothing folds while this runs
    server = Server(url)
    found = []
    try:
        await server.ready()
        for step in range(args.steps + 1):
            if step:
                bodies = await ingest_bodies(url, journey, step * 5, BATCH)
                await send_events(server.base, dataset.key, bodies)
            queued = await rows_in(url)
            canvas = await timed(server.base, dataset.key, queries.CANVAS, window, args.requests, 1)
            found.append({"tail": queued, "canvas_p50_ms": canvas["p50"], "canvas_p90_ms": canvas["p90"]})
            print(f"tail {queued:,}: canvas p50 {canvas['p50']:.1f} ms", flush=True)
    finally:
        server.stop()
    return found


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2_000_000, help="events in the dataset")
    parser.add_argument("--steps", type=int, default=4, help="times the tail grows (by 25,000, 50,000, ...)")
    parser.add_argument("--requests", type=int, default=10, help="canvases timed at each size")
    parser.add_argument("--data-dir", default=".journeygraph-bench", help="embedded PostgreSQL's directory")
    return parser.parse_args(argv)


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(parse())), indent=2))
