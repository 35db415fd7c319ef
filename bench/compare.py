"""Two checkouts side by side on one dataset: is a change slower?

    python -m bench.compare --before ../old-checkout [--after .] [--events 2000000] [--rounds 3]

Builds one dataset, then in each round serves it with each checkout in turn (the
order alternating between rounds, so drift on a noisy machine falls on both; a first
warm-up round is not counted),
each started the same way (`uvicorn journeygraph.app:create_app --factory
--workers <cores>`, its code from its own checkout), and times the canvas and the
other read operations of bench.run, then ingestion through /v1/events (2 senders,
the folder running in the server). Prints each operation's median p50 over the
rounds for both checkouts and their ratio; writes bench/results/compare.md.
Both checkouts must share the database schema (the same migrations).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import queries
from bench.dataset import build
from bench.run import Server, _tail_size, fresh_database, ingest_bodies, timed
from journeygraph import embedded
from journeygraph.db.engine import create_engine, create_sessionmaker

READS = ("canvas", "canvas_counts", "canvas_zoned", "hourly_31d", "two_windows", "by_ids_20", "canvas_c4")


async def _ingest(base: str, key: str, bodies: list[str]) -> float:
    """Events/s of `bodies` sent by two senders."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    queue, accepted = list(bodies), 0
    async with httpx.AsyncClient(base_url=base, timeout=600) as client:

        async def sender() -> None:
            nonlocal accepted
            while queue:
                answer = (await client.post("/v1/events", content=queue.pop(), headers=headers)).json()
                accepted += answer["accepted"]

        started = time.perf_counter()
        await asyncio.gather(sender(), sender())
        return accepted / (time.perf_counter() - started)


async def _measure(url: str, source: str, dataset: Any, args: argparse.Namespace) -> dict[str, float]:
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=30), today
    window = {"id": str(dataset.journey_ids[0]), "start": str(start), "end": str(end)}
    previous = {
        **window,
        "prevStart": str(start - timedelta(days=31)),
        "prevEnd": str(start - timedelta(days=1)),
    }
    ids = {"ids": [str(j) for j in dataset.journey_ids], "start": str(start), "end": str(end)}
    operations: dict[str, tuple[str, dict[str, Any], int]] = {
        "canvas": (queries.CANVAS, window, 1),
        "canvas_counts": (queries.CANVAS_COUNTS, window, 1),
        "canvas_zoned": (queries.CANVAS_ZONED, {**window, "tz": queries.ZONE}, 1),
        "hourly_31d": (queries.HOURLY, window, 1),
        "two_windows": (queries.TWO_WINDOWS, previous, 1),
        "by_ids_20": (queries.BY_IDS, ids, 1),
        "canvas_c4": (queries.CANVAS, window, 4),
    }
    server = Server(url, source)
    try:
        await server.ready()
        # the events the previous side ingested are folded (by this server's folder) before any read
        while await _tail_size(url):  # noqa: ASYNC110  # polling the database: no event to wait on
            await asyncio.sleep(0.5)
        found = {}
        for name, (query, variables, concurrency) in operations.items():
            stats = await timed(
                server.base, dataset.key, query, variables, args.requests * concurrency, concurrency
            )
            found[name] = stats["p50"]
            if concurrency > 1:
                found[name + "_rps"] = stats["rps"]
        bodies = await ingest_bodies(url, dataset.journey_ids[0], args.ingest_batches, args.ingest_size)
        found["ingest_events_per_s"] = await _ingest(server.base, dataset.key, bodies)
        found["peak_server_mb"] = server.peak_memory_mb()
        return found
    finally:
        server.stop()


async def measure_all(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    """Each checkout's measures, a dict per round."""
    admin = os.environ.get("JOURNEYGRAPH_DATABASE_URL")
    if not admin:
        admin = await asyncio.to_thread(embedded.start, Path(args.data_dir), "postgres")
    url = await fresh_database(admin, f"jg_compare_{args.events}")
    engine = create_engine(url)
    dataset = await build(create_sessionmaker(engine), args.events)
    await engine.dispose()
    sides = {"before": args.before_dir, "after": args.after_dir}
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for round_ in range(-args.warm_up_rounds, args.rounds):
        order = ["before", "after"] if round_ % 2 == 0 else ["after", "before"]
        for side in order:
            print(f"compare: round {round_ + 1}{' (warm-up)' if round_ < 0 else ''}, {side}", file=sys.stderr)
            measured = await _measure(url, sides[side], dataset, args)
            if (
                round_ >= 0
            ):  # a warm-up round's figures are dropped: caches and the freshly built tables settle
                runs[side].append(measured)
    return runs


def report(args: argparse.Namespace, runs: dict[str, list[dict[str, float]]]) -> str:
    """The comparison as a Markdown table, also written to <out>/compare.md."""
    names = [n for n in runs["after"][0] if n != "peak_server_mb"] + ["peak_server_mb"]
    lines = [
        f"`python -m bench.compare --before {args.before} --after {args.after} --events {args.events} "
        f"--rounds {args.rounds}`: medians over {args.rounds} rounds, {os.cpu_count()} cores.",
        "",
        "| measure | before | after | after / before |",
        "|---|---|---|---|",
    ]
    for name in names:
        before = statistics.median(r[name] for r in runs["before"])
        after = statistics.median(r[name] for r in runs["after"])
        unit = "" if name.endswith(("_rps", "_per_s", "_mb")) else " ms"
        lines.append(f"| {name} | {before:,.1f}{unit} | {after:,.1f}{unit} | {after / before:.2f} |")
    text = "\n".join(lines) + "\n"
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.md").write_text(text)
    return text


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the other checkout (run with this one's venv)")
    parser.add_argument("--after", default=".")
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warm-up-rounds", type=int, default=1, help="rounds run first and not counted")
    parser.add_argument("--requests", type=int, default=30, help="measured requests per operation")
    parser.add_argument("--ingest-batches", type=int, default=20)
    parser.add_argument("--ingest-size", type=int, default=5000)
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    args = parser.parse_args(argv)
    args.before_dir, args.after_dir = str(Path(args.before).resolve()), str(Path(args.after).resolve())
    return args


if __name__ == "__main__":
    arguments = parse()
    print(report(arguments, asyncio.run(measure_all(arguments))))
