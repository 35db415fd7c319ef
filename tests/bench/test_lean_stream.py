"""bench.lean_stream on a small dataset, so it never rots. It asserts what it measured, never how fast."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

from bench.dataset import build
from bench.run import fresh_database
from journeygraph.db.engine import create_engine, create_sessionmaker
from tests.bench.test_quick import ROOT


async def _dataset(server_url: str, name: str) -> None:
    engine = create_engine(await fresh_database(server_url, name))
    try:
        await build(create_sessionmaker(engine), 2_000)
    finally:
        await engine.dispose()


def test_both_designs_take_and_fold_every_event(server_url, tmp_path):
    # given a small dataset
    asyncio.run(_dataset(server_url, "jg_test_lean_stream"))

    # when a pass of 10,000 events goes to the product and one to the prototype (two folders, the
    # product's checks)
    out = tmp_path / "lean.json"
    run = subprocess.run(
        [sys.executable, "-m", "bench.lean_stream", "--database", "jg_test_lean_stream", "--events", "10000",
         "--pairs", "1", "--folders", "2", "--checks", "--out", str(out)],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": server_url},
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip

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
