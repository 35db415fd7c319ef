"""The benchmark's --quick run, so it never rots. It asserts what it found, never how fast."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys

import asyncpg
from sqlalchemy.engine import make_url

# the checkout this test runs from
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_the_quick_benchmark_runs_end_to_end(server_url, embedded_data_dir, tmp_path):
    # when
    run = subprocess.run(
        [sys.executable, "-m", "bench.run", "--quick", "--out", str(tmp_path)],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": server_url},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )

    # then it reports every measurement, and the retry storm changed nothing
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "results.json").read_text())
    [scale] = results["runs"]
    for operation in ("canvas", "canvas_c4", "canvas_counts", "two_windows", "hourly_31d", "by_ids_20"):
        assert scale[operation]["p50"] > 0
    assert scale["naive_ms"] > 0
    ingestion = scale["ingestion"]
    assert ingestion["first_pass"] == {"accepted": ingestion["events"], "duplicates": 0, "rejected": 0}
    assert ingestion["with_canvas_pass"] == {"accepted": ingestion["events"], "duplicates": 0, "rejected": 0}
    assert ingestion["retry_storm"] == {"accepted": 0, "duplicates": ingestion["events"], "rejected": 0}
    assert ingestion["figures_unchanged_by_storm"] is True
    assert 0 < ingestion["sustained_events_per_s"] <= ingestion["events_per_s"]
    # and each paced stream was sent whole while the canvas was drawn
    assert [p["pace"] for p in ingestion["paced"]] == [10_000, 20_000]
    for paced in ingestion["paced"]:
        assert paced["pass"] == {"accepted": ingestion["events"], "duplicates": 0, "rejected": 0}
        assert paced["canvas_during"]["p50"] > 0 and paced["tail_at_end"] >= 0
    assert "A stream paced at 10,000 events/s" in (tmp_path / "results.md").read_text()
    # and a pass into a server with its folders off was acknowledged whole and left queued, unfolded
    alone = scale["acknowledging_only"]
    assert alone["pass"] == {"accepted": ingestion["events"], "duplicates": 0, "rejected": 0}
    assert alone["events_per_s"] > 0 and alone["tail_at_end"] == ingestion["events"]
    assert "Acknowledging only (a server with every folder off" in (tmp_path / "results.md").read_text()
    # and both passes said where their CPU went: the server's processes, and PostgreSQL's when
    # it runs here (the embedded server does)
    for measured in (ingestion, alone):
        assert 0 < measured["machine_busy"] <= 1 and measured["server_us_per_event"] > 0
        if embedded_data_dir is not None:
            assert measured["postgres_us_per_event"] > 0
            # its share outside the connections' backends is part of it (a short pass may see none)
            assert 0 <= measured["postgres_background_us_per_event"] < measured["postgres_us_per_event"]
    assert " µs in the server's processes and " in (tmp_path / "results.md").read_text()
    assert "| canvas, all fields, c=1 |" in (tmp_path / "results.md").read_text()
    floors = scale["floors"]
    for name in ("graphql_canvas", "graphql_counts"):
        assert floors[name]["execute_ms"] > 0
    assert floors["ingestion"]["batch"] == 1000 and floors["ingestion"]["events_per_s"] > 0
    assert "Floors (bench/floors.py)" in (tmp_path / "results.md").read_text()
    # the peers' answers, when installed (the `peers` extra), are the same as PostgreSQL's naive SQL
    peers = scale["peers"]
    if peers is None:
        assert "Peers (DuckDB, ClickHouse): not installed" in (tmp_path / "results.md").read_text()
    else:
        for name in ("DuckDB", "ClickHouse (chdb)"):
            for zone in ("utc", "new_york"):
                assert peers[name][zone]["same_answer"] is True and peers[name][zone]["p50"] > 0
        assert "- ClickHouse (chdb): " in (tmp_path / "results.md").read_text()
    # the ingestion floor's inserts were rolled back: only the measured batches (two passes, the
    # paced streams and the pass acknowledged alone) were stored
    stored = asyncio.run(_ingested(server_url, f"jg_bench_{scale['events']}"))
    assert stored == (3 + len(ingestion["paced"])) * ingestion["events"]


async def _ingested(server_url: str, name: str) -> int:
    url = make_url(server_url).set(drivername="postgresql", database=name).render_as_string(False)
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT count(*) FROM events WHERE id LIKE 'ingest-%'"))
    finally:
        await connection.close()


def bench(server_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m <args>` from the checkout against the test server."""
    return subprocess.run(
        [sys.executable, "-m", *args],
        env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": server_url},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


async def _bench(server_url: str, database: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`bench`, then the database it made dropped."""
    try:
        return await asyncio.to_thread(bench, server_url, *args)
    finally:
        await drop_database(server_url, database)


async def drop_database(server_url: str, name: str) -> None:
    connection = await asyncpg.connect(
        make_url(server_url).set(drivername="postgresql").render_as_string(False)
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def test_the_profiler_runs_end_to_end(server_url):
    # when the canvas is profiled on a small dataset (its database dropped afterwards)
    run = await _bench(
        server_url, "jg_profile_20000", "bench.profile", "--events", "20000", "--requests", "2", "--query", "counts",
    )  # fmt: skip

    # then it reports the request's time and where it went
    assert run.returncode == 0, run.stderr[-3000:]
    assert "counts at 20,000 events, 2 requests in-process: wall p50" in run.stdout
    assert "journeygraph/execution/executor.py" in run.stdout  # the executor, in the call tree


async def test_the_contacts_benchmark_runs_end_to_end(server_url, tmp_path):
    # when bench.contacts runs on a small dataset and broadcast (its database dropped afterwards)
    run = await _bench(
        server_url, "jg_bench_contacts_20000", "bench.contacts", "--events", "20000", "--entries", "3000",
        "--requests", "2", "--out", str(tmp_path),
    )  # fmt: skip

    # then it reports every measurement, with the broadcast's enrollments and the one statement waitingCount adds
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((tmp_path / "contacts.json").read_text())
    assert results["broadcast"]["enrollments"] == 3000
    assert results["statements"]["canvas_waiting"] == results["statements"]["canvas"] + 1
    for name in ("canvas_waiting", "contacts_first", "contacts_50th", "contacts_total", "enrollments_first",
                 "enrollments_50th", "enrollments_total", "enrollments_waiting_first"):  # fmt: skip
        assert results[name]["p50"] > 0, name
    assert "| Node.contacts, 50th page |" in (tmp_path / "contacts.md").read_text()


async def test_the_comparison_runs_a_checkout_against_itself(server_url, tmp_path):
    # when this checkout is compared with itself, tiny (its database dropped afterwards)
    run = await _bench(
        server_url, "jg_compare_5000", "bench.compare", "--before", ROOT, "--after", ROOT, "--events", "5000",
        "--rounds", "1", "--warm-up-rounds", "0", "--requests", "2", "--ingest-batches", "1",
        "--ingest-size", "200", "--out", str(tmp_path),
    )  # fmt: skip

    # then both sides are measured for every operation, and the table says so
    assert run.returncode == 0, run.stderr[-3000:]
    table = (tmp_path / "compare.md").read_text()
    for measure in ("canvas", "canvas_zoned", "hourly_31d", "canvas_c4_rps", "ingest_events_per_s"):
        row = next(line for line in table.splitlines() if line.startswith(f"| {measure} |"))
        before, after = (float(cell.split()[0].replace(",", "")) for cell in row.split("|")[2:4])
        assert before > 0 and after > 0, row
