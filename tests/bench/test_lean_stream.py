"""bench.lean_stream on a small dataset, so it never rots. It asserts what it measured, never how fast."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import asyncpg

from bench.dataset import build
from bench.run import database_url, fresh_database, plain_url
from journeygraph.db.engine import create_engine, create_sessionmaker
from tests.bench.test_quick import ROOT


async def _dataset(server_url: str, name: str) -> None:
    engine = create_engine(await fresh_database(server_url, name))
    try:
        await build(create_sessionmaker(engine), 2_000)
    finally:
        await engine.dispose()


def _stream(server_url: str, database: str, out: Path, *more: str) -> subprocess.CompletedProcess[str]:
    """One pair of passes of 10,000 events (bench.lean_stream) on `database`, results written to `out`."""
    return subprocess.run(
        [sys.executable, "-m", "bench.lean_stream", "--database", database, "--events", "10000", "--pairs", "1",
         *more, "--out", str(out)],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": server_url},
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip


def test_both_designs_take_and_fold_every_event(server_url, tmp_path):
    # given a small dataset
    asyncio.run(_dataset(server_url, "jg_test_lean_stream"))

    # when a pass of 10,000 events goes to the product and one to the prototype (two folders, the
    # product's checks)
    out = tmp_path / "lean.json"
    run = _stream(server_url, "jg_test_lean_stream", out, "--folders", "2", "--checks")

    # then each took every event, folded all of them, and was measured
    assert run.returncode == 0, run.stderr[-3000:]
    product, lean = json.loads(out.read_text())
    assert (product["design"], lean["design"]) == ("product", "lean")
    for measured in (product, lean):
        assert (measured["accepted"], measured["rejected"]) == (10_000, 0)
        assert measured["sustained_events_per_s"] > 0
        assert measured["to_the_end"]["server_us"] > 0
    # and both lean folders folded every event, each its half
    assert {role: folds["folded"] for role, folds in lean["folds"].items()} == {
        "figures": 10_000,
        "runs": 10_000,
    }
    assert set(lean["folds"]["runs"]["us"]) == {"take out and read again", "enrollments", "commit"}


async def _events(server_url: str, names: list[str]) -> dict[str, int]:
    """How many events each database holds."""
    counts = {}
    for name in names:
        connection = await asyncpg.connect(plain_url(database_url(server_url, name)))
        try:
            counts[name] = await connection.fetchval("SELECT count(*) FROM events")
        finally:
            await connection.close()
    return counts


async def _seven_more(server_url: str, name: str) -> None:
    """Seven copies of stored events, under new ids."""
    connection = await asyncpg.connect(plain_url(database_url(server_url, name)))
    try:
        await connection.execute(
            "INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at,"
            " revenue, url) SELECT workspace_id, id || '-again', type, journey_id, node_id, path_id, contact_id,"
            " occurred_at, revenue, url FROM events LIMIT 7"
        )
    finally:
        await connection.close()


def test_a_before_and_after_pass_each_stream_into_their_own_copy(server_url, tmp_path):
    # given a small dataset and a copy of it
    names = ["jg_test_lean_stream_a", "jg_test_lean_stream_a_b"]
    asyncio.run(_dataset(server_url, names[0]))
    asyncio.run(fresh_database(server_url, names[1], template=names[0]))
    asyncio.run(_seven_more(server_url, names[0]))  # so that the two databases' counts differ
    before = asyncio.run(_events(server_url, names))

    # when a pass goes to this checkout's server and one to "an older checkout" (this one again) on the copy
    out = tmp_path / "before.json"
    run = _stream(server_url, names[0], out, "--designs", "product,before", "--before", str(ROOT),
                  "--before-database", names[1])  # fmt: skip

    # then each took and folded every event, each into its own database
    assert run.returncode == 0, run.stderr[-3000:]
    product, older = json.loads(out.read_text())
    assert (product["design"], older["design"]) == ("product", "before")
    for measured in (product, older):
        assert (measured["accepted"], measured["rejected"]) == (10_000, 0)
    after = asyncio.run(_events(server_url, names))
    assert {name: after[name] - n for name, n in before.items()} == dict.fromkeys(names, 10_000)
    # and each says how many events its own database holds after its pass
    assert (product["events_after"], older["events_after"]) == (after[names[0]], after[names[1]])
