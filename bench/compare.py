"""Two checkouts side by side on one dataset: is a change slower?

    python -m bench.compare --before ../old-checkout [--after .] [--events 2000000] [--rounds 3]

Builds one dataset, then in each round serves it with each checkout in turn (the
order alternating between rounds, so drift on a noisy machine falls on both; a first
warm-up round is not counted),
each started the same way (`uvicorn journeygraph.app:create_app --factory
--workers <cores>`, its code from its own checkout), and times the canvas and the
other read operations of bench.run, then ingestion through /v1/events (2 senders,
the folder running in the server: events acknowledged a second, and acknowledged
and folded, until the tail is empty again; `--ingest-warm-up N` first sends N batches of
the same stream, untimed, so each server's caches are as after a while of it).
Prints each operation's median p50 over the rounds for both checkouts and their
ratio; writes bench/results/compare.md.
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
from bench.run import Server, admin_url, drained, fresh_database, ingest_bodies, read_keys, send_events
from journeygraph.db.engine import create_engine, create_sessionmaker

SIDES = ("before", "after")
WARM_UP = 10  # requests per side and operation before measuring


async def _paired(
    clients: dict[str, httpx.AsyncClient],
    keys: list[str],
    query: str,
    variables: dict[str, Any],
    requests: int,
    concurrency: int,
) -> dict[str, tuple[float, float]]:
    """(p50 ms, requests/s) of one operation on each side, their requests alternating: a burst of
    `concurrency` requests on one side, then on the other (which goes first alternates too), so
    both are measured under the same conditions within a second of each other. Each of the
    `concurrency` clients has a key of its own (`keys`), as in bench.run: a credential's rate limit
    is its own."""
    body = {"query": query, "variables": variables}
    latencies: dict[str, list[float]] = {side: [] for side in SIDES}
    busy: dict[str, float] = dict.fromkeys(SIDES, 0.0)

    async def one(side: str, record: bool, key: str) -> None:
        started = time.perf_counter()
        answer = await clients[side].post("/graphql", json=body, headers={"Authorization": f"Bearer {key}"})
        if record:
            latencies[side].append(time.perf_counter() - started)
        if answer.status_code != 200 or "errors" in answer.json():
            raise RuntimeError(f"{side}: {answer.text[:300]}")

    for turn in range(WARM_UP + requests):
        for side in SIDES if turn % 2 == 0 else SIDES[::-1]:
            started = time.perf_counter()
            await asyncio.gather(*(one(side, turn >= WARM_UP, keys[i]) for i in range(concurrency)))
            if turn >= WARM_UP:
                busy[side] += time.perf_counter() - started
    return {
        side: (statistics.median(latencies[side]) * 1000, len(latencies[side]) / busy[side]) for side in SIDES
    }


async def _round(
    url: str, sources: dict[str, str], dataset: Any, keys: list[str], args: argparse.Namespace, first: str
) -> dict[str, dict[str, float]]:
    """One round: both checkouts served at once, the reads alternating between them, then each
    side's ingestion in turn (`first` first)."""
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
    servers = {side: Server(url, sources[side]) for side in SIDES}
    found: dict[str, dict[str, float]] = {side: {} for side in SIDES}
    try:
        for server in servers.values():
            await server.ready()
        await drained(url)  # the events the last round ingested are folded before any read
        limits = httpx.Limits(max_connections=4)
        async with (
            httpx.AsyncClient(base_url=servers["before"].base, timeout=300, limits=limits) as before,
            httpx.AsyncClient(base_url=servers["after"].base, timeout=300, limits=limits) as after,
        ):
            clients = {"before": before, "after": after}
            for name, (query, variables, concurrency) in operations.items():
                paired = await _paired(clients, keys, query, variables, args.requests, concurrency)
                for side, (p50, rps) in paired.items():
                    found[side][name] = p50
                    if concurrency > 1:
                        found[side][name + "_rps"] = rps
        for side in (first, *(s for s in SIDES if s != first)):
            if args.ingest_warm_up:
                # the same stream's contacts, new ids: the server's caches as after a while of it
                warm = await ingest_bodies(url, dataset.journey_ids[0], args.ingest_warm_up, args.ingest_size)
                await send_events(servers[side].base, dataset.key, warm)
                await drained(url)
            bodies = await ingest_bodies(url, dataset.journey_ids[0], args.ingest_batches, args.ingest_size)
            elapsed, totals = await send_events(servers[side].base, dataset.key, bodies)
            found[side]["ingest_events_per_s"] = totals["accepted"] / elapsed
            _, folding = await drained(url)
            # acknowledged and folded, as bench.run's row: the pace a stream keeps with no backlog
            found[side]["ingest_folded_events_per_s"] = totals["accepted"] / (elapsed + folding)
        for side, server in servers.items():
            found[side]["peak_server_mb"] = server.peak_memory_mb()
        return found
    finally:
        for server in servers.values():
            server.stop()


async def measure_all(args: argparse.Namespace) -> dict[str, list[dict[str, float]]]:
    """Each checkout's measures, a dict per round."""
    admin = await admin_url(args.data_dir)
    url = await fresh_database(admin, f"jg_compare_{args.events}")
    engine = create_engine(url)
    dataset = await build(create_sessionmaker(engine), args.events)
    await engine.dispose()
    sources = {"before": args.before_dir, "after": args.after_dir}
    keys = [dataset.key, *(await read_keys(url, dataset.workspace_id, 3))]  # one per concurrent client
    runs: dict[str, list[dict[str, float]]] = {side: [] for side in SIDES}
    for round_ in range(-args.warm_up_rounds, args.rounds):
        print(f"compare: {'warm-up round' if round_ < 0 else f'round {round_ + 1}'}", file=sys.stderr)
        found = await _round(url, sources, dataset, keys, args, SIDES[round_ % 2])
        if round_ >= 0:  # a warm-up round's figures are dropped: caches and the freshly built tables settle
            for side in SIDES:
                runs[side].append(found[side])
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
    parser.add_argument(
        "--ingest-warm-up",
        type=int,
        default=0,
        help="batches of the same stream (its contacts, new ids) each server takes, and folds, before its "
        "ingestion is timed",
    )
    parser.add_argument("--out", default="bench/results")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    args = parser.parse_args(argv)
    args.before_dir, args.after_dir = str(Path(args.before).resolve()), str(Path(args.after).resolve())
    return args


if __name__ == "__main__":
    arguments = parse()
    print(report(arguments, asyncio.run(measure_all(arguments))))
