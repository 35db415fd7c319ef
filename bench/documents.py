"""Documents that are expensive to read: what an attacker's unique documents do to everyone's canvas.

    python -m bench.documents                      # this checkout
    python -m bench.documents --before ../old      # and, side by side, another checkout's server

Six senders share one key and post for --seconds, as fast as answers come
back, 2,400 copies of `workspace { id }` with a unique comment each (under the
token limit; the overlapping-fields validation compares every pair).
Meanwhile another key asks the counts-only canvas of a 200-node journey. Then
the same senders post the same bodies with a key that does not exist: the
cheapest refusal there is, the floor any flood of requests costs. Reported
per server: the canvas p50 alone, under the attack and under the floor, what
the senders got (status codes) and the CPU the server spent. Not a test: it
asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from bench import cpu, queries
from bench.dataset import build
from bench.run import Server, admin_url, fresh_database
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.queries.workspaces import create_api_key

ATTACK = "{" + " workspace { id }" * 2400 + "}"
CANVAS_EVERY = 0.2  # seconds between the start of one canvas request and the next


async def _canvas_p50(client: httpx.AsyncClient, key: str, window: dict[str, Any], requests: int) -> float:
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await client.post(
            "/graphql", json={"query": queries.CANVAS_COUNTS, "variables": window},
            headers={"Authorization": f"Bearer {key}"},
        )  # fmt: skip
        latencies.append(time.perf_counter() - started)
        answer.raise_for_status()
    return statistics.median(latencies) * 1000


async def _flood(
    server: Server, key: str, window: dict[str, Any], sender_key: str, args: argparse.Namespace
) -> dict[str, Any]:
    """Canvas p50 while the senders post unique documents with `sender_key` for --seconds."""
    statuses: collections.Counter[int] = collections.Counter()
    stop = asyncio.Event()

    async def sender() -> None:
        async with httpx.AsyncClient(base_url=server.base, timeout=300) as own:
            while not stop.is_set():
                answer = await own.post(
                    "/graphql", json={"query": f"{ATTACK} # {uuid.uuid4()}"},
                    headers={"Authorization": f"Bearer {sender_key}"},
                )  # fmt: skip
                statuses[answer.status_code] += 1

    spent_before = cpu.tree_seconds(server.process.pid) or 0.0
    senders = [asyncio.create_task(sender()) for _ in range(args.senders)]
    latencies = []
    async with httpx.AsyncClient(base_url=server.base, timeout=300) as client:
        deadline = time.perf_counter() + args.seconds
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            answer = await client.post(
                "/graphql", json={"query": queries.CANVAS_COUNTS, "variables": window},
                headers={"Authorization": f"Bearer {key}"},
            )  # fmt: skip
            took = time.perf_counter() - started
            latencies.append(took)
            answer.raise_for_status()
            await asyncio.sleep(max(0.0, CANVAS_EVERY - took))  # a canvas user's pace, within its own bucket
    stop.set()
    await asyncio.gather(*senders)
    return {
        "canvas_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "canvas_requests": len(latencies),
        "sender_answers": dict(statuses),
        "server_cpu_s": round((cpu.tree_seconds(server.process.pid) or 0.0) - spent_before, 1),
    }


async def measure(
    server: Server, key: str, attacker: str, window: dict[str, Any], args: argparse.Namespace
) -> dict[str, Any]:
    await server.ready()
    async with httpx.AsyncClient(base_url=server.base, timeout=300) as client:
        await _canvas_p50(client, key, window, 10)  # warm up
        alone = await _canvas_p50(client, key, window, args.requests)
    return {
        "canvas_p50_alone_ms": round(alone, 1),
        "unique_documents": await _flood(server, key, window, attacker, args),
        "unknown_key_floor": await _flood(server, key, window, "jg_not_a_key", args),
    }


async def main(args: argparse.Namespace) -> None:
    admin = await admin_url(args.data_dir)
    url = await fresh_database(admin, "jg_bench_documents")
    engine = create_engine(url)
    dataset = await build(create_sessionmaker(engine), args.events)
    async with create_sessionmaker(engine).begin() as session:
        attacker = await create_api_key(session, dataset.workspace_id, ["read"])
    await engine.dispose()
    today = datetime.now(UTC).date()
    window = {"id": str(dataset.journey_ids[0]), "start": str(today - timedelta(days=30)), "end": str(today)}
    checkouts = {"this checkout": None, **({"--before": args.before} if args.before else {})}
    for name, source in checkouts.items():
        server = Server(url, source)
        try:
            print(name, await measure(server, dataset.key, attacker, window, args), flush=True)
        finally:
            server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.documents", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--senders", type=int, default=6)
    parser.add_argument("--requests", type=int, default=30, help="canvas requests measured alone")
    parser.add_argument("--seconds", type=float, default=20, help="how long each flood lasts")
    parser.add_argument("--before", help="another checkout of journeygraph to run side by side")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    asyncio.run(main(parser.parse_args()))
    sys.exit(0)
