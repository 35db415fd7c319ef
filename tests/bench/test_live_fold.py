"""bench.live_fold on a small dataset, built and then streamed into again, so neither way rots.
It asserts what each run folds and leaves, never how fast."""

from __future__ import annotations

import asyncio
import json

import asyncpg

from bench.run import database_url, plain_url
from tests.bench.test_quick import bench, drop_database

NAME = "jg_bench_live_fold_20000"


def _live_fold(server_url: str, *args: str) -> dict:
    run = bench(server_url, "bench.live_fold", "--live", "2000", *args)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout)


def test_a_built_dataset_then_the_same_database_streamed_into_again(server_url):
    try:
        # when a 20,000-event dataset is built and one round of 2,000 live events folded
        built = _live_fold(server_url, "--events", "20000", "--rounds", "1")
        # and then that database is streamed into again, two rounds, with --database
        again = _live_fold(server_url, "--database", NAME, "--rounds", "2")

        # then each round folded its 2,000 events, and the second run started from the first's 22,000
        assert [r["events"] for r in built["rounds"]] == [2_000]
        assert again["events"] == 22_000
        assert [r["events"] for r in again["rounds"]] == [2_000, 2_000]
        # and each round says what CPU its folds took in this process (a 2,000-event fold may take
        # under one clock tick: 0 is a reading)
        assert all(r["cpu"]["server_us_per_event"] >= 0 for r in built["rounds"] + again["rounds"])
        gauges = {
            "machine_busy",
            "server_us_per_event",
            "postgres_us_per_event",
            "postgres_background_us_per_event",
        }
        assert all(set(r["cpu"]) == gauges for r in built["rounds"] + again["rounds"])
        # and the folded events stayed, nothing left queued
        assert asyncio.run(_left(server_url)) == (26_000, 0)
    finally:
        asyncio.run(drop_database(server_url, NAME))


async def _left(server_url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(plain_url(database_url(server_url, NAME)))
    try:
        events = await connection.fetchval("SELECT count(*) FROM events")
        return events, await connection.fetchval("SELECT count(*) FROM event_tail")
    finally:
        await connection.close()
