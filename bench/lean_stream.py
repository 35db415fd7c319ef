"""The leanest design end to end, beside the product, in the same run (bench/lean_server.py).

    python -m bench.lean_stream --database jg_bench_10000000 --events 1800000 --pairs 2
    python -m bench.lean_stream --database jg_bench_10000000 --designs lean --folders 2
    python -m bench.lean_stream --database jg_a --designs product,before --before ../old --before-database jg_b

On a database bench/dataset.py built (the benchmark's own, or any), each pair sends the same kind of
stream (`bench.run`'s: new events for one journey, 5,000 to a batch, two senders) first into
`journeygraph serve --workers 2` and then into the lean server (uvicorn, two workers) with its
folder or folders beside it, and waits until each has folded all of it. It prints a JSON line for
each pass: events acknowledged a second, events acknowledged and folded a second (what a stream of
that pace leaves no backlog at: the issue's "sustained"), the CPU per event of the server's
processes (the folders' too) and of PostgreSQL, from /proc (bench/cpu.py), the events its database
holds after it (`events_after`: counted before the first pass, then added to), and for the lean
design where its folds' time went. It asserts nothing about time. The lean tables it adds
(`lean_*`) are left behind for a look; the product's own tables take the lean passes' events too,
so run it on a database kept for benchmarks. Design "before" runs an older checkout's server the
same way, on a copy of the database made before the first pass, so that the product's stored state
and the older one's never see each other's events: a before/after comparison side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

import asyncpg

from bench import cpu
from bench.lean_server import TABLES
from bench.run import (
    Server,
    admin_url,
    database_url,
    drained,
    ingest_bodies,
    plain_url,
    rows_in,
    send_events,
    wait_ready,
)
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.queries.workspaces import create_api_key

BATCH = 5_000


async def _prepare(url: str) -> tuple[uuid.UUID, uuid.UUID]:
    """Create the prototype's tables if need be; the workspace and its busiest journey (the one
    bench.run streams into)."""
    connection = await asyncpg.connect(plain_url(url))
    try:
        await connection.execute(TABLES)
        workspace, journey = await connection.fetchrow(
            "SELECT workspace_id, journey_id FROM enrollment_counts GROUP BY 1, 2 ORDER BY sum(n) DESC LIMIT 1"
        )
    finally:
        await connection.close()
    return workspace, journey


class Lean:
    """The lean server and its folders, each in its own processes."""

    def __init__(
        self, url: str, workspace: uuid.UUID, key: str, folders: int = 1, checks: bool = False
    ) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        reports = Path(tempfile.mkdtemp())
        env = {
            **os.environ,
            "LEAN_DATABASE_URL": plain_url(url),
            "LEAN_WORKSPACE": str(workspace),
            "LEAN_KEY": key,
            **({"LEAN_CHECKS": "1"} if checks else {}),
        }
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.lean_server:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--workers", str(os.cpu_count() or 1)],
            env=env,
        )  # fmt: skip
        roles = ["all"] if folders == 1 else ["figures", "runs"]
        self.reports = [reports / f"{role}.json" for role in roles]
        self.folders = [
            subprocess.Popen([sys.executable, "-m", "bench.lean_server"],
                             env={**env, "LEAN_ROLE": role, "LEAN_REPORT": str(report)})
            for role, report in zip(roles, self.reports, strict=True)
        ]  # fmt: skip
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self) -> dict[str, Any]:
        """Stop both; what the folder's folds spent, by part (bench/lean_server.py)."""
        for process in (self.server, *self.folders):
            process.terminate()
            process.wait(timeout=30)
        return {report.stem: json.loads(report.read_text()) for report in self.reports if report.exists()}


def _reading(pids: list[int], postgres: int | None) -> tuple[float, cpu.Reading]:
    """The gauges now (the server's tree in the reading), and the CPU seconds of the processes
    beside the server (the prototype's folders)."""
    return sum(cpu.tree_seconds(p) or 0.0 for p in pids[1:]), cpu.read(pids[0], postgres)


async def _measure(
    base: str, key: str, bodies: list[str], pids: list[int], postgres: int | None, drain: Any
) -> dict[str, Any]:
    """`pids`: the server's first, then any process of the design's beside it."""
    before = _reading(pids, postgres)
    elapsed, totals = await send_events(base, key, bodies)
    after_ack = _reading(pids, postgres)
    folded_after = await drain()
    after = _reading(pids, postgres)
    events = totals["accepted"]

    def part(a: tuple[float, cpu.Reading], b: tuple[float, cpu.Reading]) -> dict[str, float | None]:
        shares = cpu.spent(a[1], b[1], events)
        server = shares["server_us_per_event"]
        beside = (b[0] - a[0]) * 1e6 / events
        return {"server_us": None if server is None else server + beside,
                "postgres_us": shares["postgres_us_per_event"], "machine_busy": shares["machine_busy"]}  # fmt: skip

    return {"accepted": events, "rejected": totals["rejected"], "events_per_s": events / elapsed,
            "sustained_events_per_s": events / (elapsed + folded_after), "folded_after_s": folded_after,
            "while_acknowledging": part(before, after_ack), "to_the_end": part(before, after)}  # fmt: skip


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    admin = await admin_url(args.data_dir)
    url = database_url(admin, args.database)
    workspace, journey = await _prepare(url)
    postgres = await cpu.postmaster(url)
    key = await _key(url, workspace)
    before = ("", "")
    # events in each design's database, counted once, then added to
    held = {url: await rows_in(url, "events")}
    if "before" in args.designs.split(","):
        before_url = database_url(admin, args.before_database)
        before = (before_url, await _key(before_url, workspace))
        held[before_url] = await rows_in(before_url, "events")
    results = []
    for pair in range(args.pairs):
        for design in args.designs.split(","):
            bodies = await ingest_bodies(url, journey, args.events // BATCH, BATCH)
            at = before[0] if design == "before" else url  # the lean tables live beside the product's
            if design in ("product", "before"):
                # "before": an older checkout on its own copy of the database (bench.run.Server's source)
                with_key = key if design == "product" else before[1]
                server = Server(at, source=args.before if design == "before" else None)
                await server.ready()
                try:
                    measured = await _measure(server.base, with_key, bodies, [server.process.pid], postgres,
                                              lambda at=at: _drained(at))  # fmt: skip
                finally:
                    server.stop()
            else:
                lean = Lean(url, workspace, key, args.folders, args.checks)
                await wait_ready(lean.base)
                try:
                    measured = await _measure(lean.base, key, bodies, [lean.server.pid, *(f.pid for f in lean.folders)], postgres,
                                              lambda: _drained(url, "lean_bodies"))  # fmt: skip
                finally:
                    folds = lean.stop()
                measured["folds"] = folds
            held[at] += measured["accepted"]
            measured.update(pair=pair, design=design, events_after=held[at])
            print(json.dumps(measured), file=sys.stderr, flush=True)
            results.append(measured)
    return results


async def _drained(url: str, table: str = "event_tail") -> float:
    """Seconds until `table` is empty: the product's tail, or the prototype's queue."""
    return (await drained(url, table))[1]


async def _key(url: str, workspace: uuid.UUID) -> str:
    """A new key of the workspace, for both designs' senders."""
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine).begin() as session:
            return await create_api_key(session, workspace, ["ingest", "read"])
    finally:
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default="jg_bench_10000000")
    parser.add_argument("--events", type=int, default=1_800_000, help="events per pass")
    parser.add_argument("--pairs", type=int, default=2, help="passes of each design, alternating")
    parser.add_argument("--designs", default="product,lean", help="which to run, in this order, each pair")
    parser.add_argument("--folders", type=int, choices=(1, 2), default=1,
                        help="the lean design's folders: one, or one for the figures beside one for the runs")  # fmt: skip
    parser.add_argument("--data-dir", default=".journeygraph-bench", help="the embedded server's directory")
    parser.add_argument(
        "--checks", action="store_true", help="the lean server checks events as the product does"
    )
    parser.add_argument(
        "--before", help="design 'before': this older checkout's server, on --before-database"
    )
    parser.add_argument(
        "--before-database", help="a copy of --database (CREATE DATABASE ... TEMPLATE) for design 'before'"
    )
    parser.add_argument("--out", help="write the results here as JSON")
    args = parser.parse_args()
    results = asyncio.run(run(args))
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
