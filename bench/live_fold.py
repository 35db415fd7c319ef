"""The folder's cost per live event, and the share of it that keeps enrollments.

    python -m bench.live_fold                     # 1M-event dataset, then 3 rounds of 100,000 live events
    python -m bench.live_fold --events 2000000 --rounds 5
    python -m bench.live_fold --database jg_bench_10000000   # on the database bench.run left (10M events)

It builds bench/dataset.py's dataset (folded), then in each round queues a
live stream shaped as `bench.run` sends it (the same event types, contacts
and ten-minute spread; taken by the server's own `ingest`, so events and tail
are written as `POST /v1/events` writes them) and folds it in the folder's batches (JOURNEYGRAPH_FOLD_BATCH's
default), timing the folds and, inside them, `run_states.refresh`, and
reading the CPU this process and PostgreSQL's spent meanwhile (bench/cpu.py;
PostgreSQL's when it runs on this machine). With `--database` it streams into
that database instead, into its biggest journey, and the folded events stay
(each round adds `--live` events). One fold runs at a time in the whole
database, so a million over its µs per event is the most events a second the
folders can fold, however many cores serve. Run it in two checkouts one after
the other to compare; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import time
from typing import Any

from bench import cpu
from bench.contacts import refresh_clock
from bench.dataset import build
from bench.run import (
    admin_url,
    biggest_journey,
    cpu_words,
    database_url,
    fresh_database,
    ingest_bodies,
    plain_url,
    rows_in,
)
from journeygraph.core.settings import Settings
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.queries import rollups
from journeygraph.resolvers.ingest import ingest

BATCH = 5_000


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin = await admin_url(args.data_dir)
    if args.database:
        url = database_url(admin, args.database)
    else:
        url = await fresh_database(admin, f"jg_bench_live_fold_{args.events}")
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    clock = refresh_clock()
    if args.database:
        (workspace_id, journey_id), events = await biggest_journey(url), await rows_in(url, "events")
    else:
        started = time.perf_counter()
        dataset = await build(sessions, args.events)
        print(f"built {args.events:,} events in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        workspace_id, journey_id, events = dataset.workspace_id, dataset.journey_ids[0], args.events
    fold_batch = Settings.model_fields["fold_batch"].default
    postgres = await cpu.postmaster(plain_url(url))  # None when PostgreSQL runs elsewhere
    rounds = []
    for _ in range(args.rounds):
        bodies = await ingest_bodies(url, journey_id, max(1, args.live // BATCH), min(BATCH, args.live))
        for body in bodies:
            await ingest(sessions, workspace_id, json.loads(body)["events"])
        clock.seconds, started, before = 0.0, time.perf_counter(), cpu.read(os.getpid(), postgres)
        moved = await rollups.fold_all(sessions, fold_batch, compact=False)
        seconds = time.perf_counter() - started
        spent = cpu.spent(before, cpu.read(os.getpid(), postgres), moved)  # "server": this process
        await rollups.compact_tail(sessions)  # untimed: the folds are what this measures
        rounds.append({"events": moved, "fold_s": seconds, "refresh_s": clock.seconds, "cpu": spent})
        print(
            f"folded {moved:,} live events in {seconds:.2f} s, of which enrollments {clock.seconds:.2f} s;"
            f" {cpu_words(spent)} (the server's processes here: this one, folding)",
            file=sys.stderr,
        )
    await engine.dispose()
    per_event = [1e6 * r["fold_s"] / r["events"] for r in rounds]
    refresh_per_event = [1e6 * r["refresh_s"] / r["events"] for r in rounds]
    return {
        "events": events,
        "rounds": rounds,
        "fold_us_per_event_median": statistics.median(per_event),
        "refresh_us_per_event_median": statistics.median(refresh_per_event),
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000, help="events in the dataset")
    parser.add_argument("--live", type=int, default=100_000, help="live events queued per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database",
        help="stream into this existing database (as bench.run leaves it) instead of building one",
    )
    parser.add_argument("--data-dir", default=".journeygraph-bench", help="embedded PostgreSQL's directory")
    return parser.parse_args(argv)


if __name__ == "__main__":
    result = asyncio.run(run(parse()))
    print(json.dumps(result, indent=2))
