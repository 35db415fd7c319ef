"""bench.write_floor on a small dataset, so it never rots. It asserts what it leaves, never how fast."""

from __future__ import annotations

import asyncio
import re

import asyncpg

from bench.run import database_url, plain_url
from tests.bench.test_quick import bench, drop_database

PARTS = (
    "acknowledge as built (5,000-event batches)",
    "fold as built: counting statement",
    "fold as built: contact sets",
    "fold as built: enrollments",
    "enrollments: the states read",
    "enrollments: placed in Python",
    "enrollments: written (one statement)",
    "enrollments: late contacts recomputed",
    "COPY into a staging table",
    "append, the key only",
    "append, the key only, in contact order",
    "append with the index by contact, in contact order",
    "queue with ordinals (hash join), the tail's key only",
    "one state row per contact whose runs the events shape",
    "a row per new run",
    "decode and check as built (json with Decimal, check_event)",
    "decode and type with a compiled decoder (msgspec)",
    "decode a stored body again (orjson)",
    "take the queued events out alone (DELETE … RETURNING, fetched)",
    "count them in Python, every grain",
    "upsert the five rollups with those rows",
    "queue a row per body (uncompressed), written and taken out",
)
LATE = "enrollments: late contacts recomputed"


def test_every_part_is_measured_and_nothing_stays(server_url):
    # when the floor is measured in two rounds (and a warm-up) on a 20,000-event dataset, 2,000 events a part
    run = bench(server_url, "bench.write_floor", "--events", "20000", "--per-round", "2000", "--rounds", "2")

    # then every part has its median
    assert run.returncode == 0, run.stderr[-3000:]
    medians = dict(re.findall(r"^(.+?)\s{2,}(\d+\.\d)$", run.stdout, re.MULTILINE))
    assert set(medians) == set(PARTS)
    # (a stream dated within ten minutes may send no contact back to its events: that part may be 0)
    assert all(float(value) > 0 for part, value in medians.items() if part != LATE)
    # and each part was rolled back: the dataset is as built, nothing queued, no index missing
    left = asyncio.run(_left(server_url, "jg_bench_write_floor_20000"))
    assert left == (20_000, 0, 0, {"ix_events_contact", "ix_event_tail_workspace_id_journey_id_occurred_at"})


async def _left(server_url: str, name: str) -> tuple[int, int, int, set[str]]:
    connection = await asyncpg.connect(plain_url(database_url(server_url, name)))
    try:
        events = await connection.fetchval("SELECT count(*) FROM events")
        queued = await connection.fetchval("SELECT count(*) FROM event_tail")
        runs = await connection.fetchval("SELECT count(*) FROM enrollments WHERE entry_id LIKE 'ingest-%'")
        indexes = {
            row[0]
            for row in await connection.fetch(
                "SELECT indexname FROM pg_indexes WHERE indexname IN "
                "('ix_events_contact', 'ix_event_tail_workspace_id_journey_id_occurred_at')"
            )
        }
        return events, queued, runs, indexes
    finally:
        await connection.close()
        await drop_database(server_url, name)
