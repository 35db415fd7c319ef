"""The same exact canvas answer from two column stores, in-process: DuckDB and ClickHouse (chdb).

    pip install -e ".[peers]"                     # duckdb and chdb (chdb is about 0.5 GB)
    python -m bench.peers --events 10000000       # against bench.run's database jg_bench_10000000

Each peer is loaded with the workspace's raw events (exported from PostgreSQL once, as CSV;
loading is not timed), sorted by journey and time, the order a naive store would keep them in
(DuckDB prunes by its zone maps, ClickHouse by its primary key). Then the canvas's answer —
the journey's counts and distinct contacts, its in-progress count, every node's and every
path's — is computed over the raw events with each engine's own exact aggregates
(`count(DISTINCT)`, `uniqExact`), for the last 31 days in UTC and in America/New_York (the
window's bounds are the zone's midnights, as journeygraph's), and timed: query time only, the
median of `--runs`. Every answer is checked against PostgreSQL's naive SQL (bench/queries.py)
before it is timed. `bench.run` runs this after its own measurements when both are installed.
Not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from bench import queries

_COLUMNS = "workspace_id, journey_id, node_id, path_id, type, contact_id, occurred_at, revenue"


def installed() -> bool:
    try:
        import chdb  # noqa: F401
        import duckdb  # noqa: F401
    except ImportError:
        return False
    return True


def window(days_back: int, zone: str) -> tuple[datetime, datetime]:
    """The last `days_back + 1` days up to today in `zone`, as UTC instants (its midnights)."""
    tz = ZoneInfo(zone)
    today = datetime.now(tz).date()
    start, end = today - timedelta(days=days_back), today + timedelta(days=1)
    return _midnight(start, tz), _midnight(end, tz)


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _bounds(
    workspace: uuid.UUID, journey: uuid.UUID, lo: datetime, hi: datetime, stamp: str
) -> tuple[str, str]:
    journey_of = f"workspace_id = '{workspace}' AND journey_id = '{journey}'"
    at = f"occurred_at < {stamp.format(hi.isoformat())}"
    return (
        f"{journey_of} AND occurred_at >= {stamp.format(lo.isoformat())} AND {at}",
        f"{journey_of} AND {at}",
    )


class DuckPeer:
    name = "DuckDB"

    def __init__(self, csv: Path) -> None:
        import duckdb

        self.db = duckdb.connect()
        self.db.execute("SET TimeZone = 'UTC'")
        self.db.execute(
            f"""CREATE TABLE events AS SELECT * FROM read_csv('{csv}', header = true, columns = {{
                'workspace_id': 'UUID', 'journey_id': 'UUID', 'node_id': 'UUID', 'path_id': 'UUID',
                'type': 'VARCHAR', 'contact_id': 'VARCHAR', 'occurred_at': 'TIMESTAMPTZ',
                'revenue': 'DECIMAL(18, 2)'}}) ORDER BY journey_id, occurred_at"""
        )

    def canvas(self, workspace: uuid.UUID, journey: uuid.UUID, lo: datetime, hi: datetime) -> list[list[Any]]:
        where, ever = _bounds(workspace, journey, lo, hi, "TIMESTAMPTZ '{}'")
        statements = queries.naive_sql(
            lambda t: f"count(*) FILTER (WHERE type = '{t}')",
            lambda t: "count(DISTINCT contact_id)" + (f" FILTER (WHERE type = '{t}')" if t else ""),
            "coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0)",
            where,
            ever,
        )
        return [[list(r) for r in self.db.execute(sql).fetchall()] for sql in statements]


class ClickHousePeer:
    name = "ClickHouse (chdb)"

    def __init__(self, csv: Path, directory: Path) -> None:
        from chdb import session

        self.session = session.Session(str(directory))
        self.session.query("CREATE DATABASE IF NOT EXISTS bench")
        self.session.query(
            """CREATE TABLE bench.events (workspace_id UUID, journey_id UUID, node_id Nullable(UUID),
                path_id Nullable(UUID), type LowCardinality(String), contact_id String,
                occurred_at DateTime64(6, 'UTC'), revenue Nullable(Decimal(18, 2)))
            ENGINE = MergeTree ORDER BY (workspace_id, journey_id, occurred_at)"""
        )
        self.session.query(
            f"""INSERT INTO bench.events SELECT * FROM file('{csv}', 'CSVWithNames',
                'workspace_id UUID, journey_id UUID, node_id Nullable(UUID), path_id Nullable(UUID), type String,
                 contact_id String, occurred_at DateTime64(6, \\'UTC\\'), revenue Nullable(Decimal(18, 2))')
            SETTINGS date_time_input_format = 'best_effort'"""
        )

    def canvas(self, workspace: uuid.UUID, journey: uuid.UUID, lo: datetime, hi: datetime) -> list[list[Any]]:
        where, ever = _bounds(
            workspace,
            journey,
            lo.replace(tzinfo=None),
            hi.replace(tzinfo=None),
            "toDateTime64('{}', 6, 'UTC')",
        )
        statements = queries.naive_sql(
            lambda t: f"countIf(type = '{t}')",
            lambda t: f"uniqExactIf(contact_id, type = '{t}')" if t else "uniqExact(contact_id)",
            "sumIf(revenue, type = 'TRANSACTION')",
            where,
            ever,
        )
        found = []
        for sql in statements:
            text = self.session.query(sql.replace("FROM events", "FROM bench.events"), "TabSeparated").bytes()
            found.append([line.split("\t") for line in text.decode().splitlines()])
        return found


async def export(url: str, workspace: uuid.UUID, path: Path) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.copy_from_query(
            f"SELECT {_COLUMNS} FROM events WHERE workspace_id = $1", workspace, output=str(path), format="csv",
            header=True,
        )  # fmt: skip
    finally:
        await connection.close()


async def reference(
    url: str, workspace: uuid.UUID, journey: uuid.UUID, lo: datetime, hi: datetime
) -> list[list[Any]]:
    """PostgreSQL's naive exact SQL for the same answer (bench/queries.py), without its last-event column."""
    connection = await asyncpg.connect(url)
    try:
        found = [
            [list(r) for r in await connection.fetch(sql, workspace, journey, lo, hi)]
            for sql in queries.NAIVE_SQL
        ]
    finally:
        await connection.close()
    found[0] = [row[:-1] for row in found[0]]  # max(occurred_at): not part of the comparison
    found[2] = [row[:-1] for row in found[2]]
    return found


def _normal(answer: list[list[Any]]) -> list[list[tuple[str, ...]]]:
    """Rows as sorted tuples of plain text (each engine answers in its own types; NULL sums as 0)."""

    def cell(value: Any) -> str:
        if value is None or value in ("\\N", ""):
            return "0"
        try:
            number = Decimal(str(value))
        except InvalidOperation:  # an id
            return str(value)
        return str(int(number)) if number == number.to_integral_value() else f"{number:.2f}"

    return [sorted(tuple(cell(v) for v in row) for row in rows) for rows in answer]


def timed(
    peer: Any, workspace: uuid.UUID, journey: uuid.UUID, lo: datetime, hi: datetime, runs: int
) -> float:
    peer.canvas(workspace, journey, lo, hi)  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        peer.canvas(workspace, journey, lo, hi)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


async def measure(url: str, workspace: uuid.UUID, journey: uuid.UUID, runs: int) -> dict[str, Any]:
    """p50 ms of each peer's canvas answer, UTC and America/New_York; each answer checked first."""
    windows = {"utc": window(30, "UTC"), "new_york": window(30, queries.ZONE)}
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="jg-peers-") as scratch:
        csv = Path(scratch) / "events.csv"
        started = time.perf_counter()
        await export(url, workspace, csv)
        result["export_s"] = time.perf_counter() - started
        expected = {
            name: _normal(await reference(url, workspace, journey, *w)) for name, w in windows.items()
        }
        for make in (lambda: DuckPeer(csv), lambda: ClickHousePeer(csv, Path(scratch) / "chdb")):
            started = time.perf_counter()
            peer = make()
            load_s = time.perf_counter() - started
            found: dict[str, Any] = {"load_s": load_s}
            for name, (lo, hi) in windows.items():
                same = _normal(peer.canvas(workspace, journey, lo, hi)) == expected[name]
                found[name] = {"p50": timed(peer, workspace, journey, lo, hi, runs), "same_answer": same}
            result[peer.name] = found
            del peer
    return result


def lines(found: dict[str, Any], canvas_utc: float | None, canvas_ny: float | None) -> list[str]:
    """The report's lines: each peer's p50 beside journeygraph's canvas p50 (when measured)."""
    ours = (
        f"; journeygraph's canvas {canvas_utc:.1f} / {canvas_ny:.1f} ms"
        if canvas_utc is not None and canvas_ny is not None
        else ""
    )
    text = [
        f"Peers, the same canvas answer over the raw events, in-process, query time only (UTC / New York){ours}:"
    ]
    for name in ("DuckDB", "ClickHouse (chdb)"):
        peer = found[name]
        same = peer["utc"]["same_answer"] and peer["new_york"]["same_answer"]
        text.append(
            f"- {name}: {peer['utc']['p50']:.1f} / {peer['new_york']['p50']:.1f} ms p50; "
            f"same answer as PostgreSQL's naive SQL: {same}; loaded in {peer['load_s']:.0f} s"
        )
    return text


async def main(args: argparse.Namespace) -> None:
    from bench.run import admin_url, database_url, plain_url

    admin = await admin_url(args.data_dir)
    url = plain_url(database_url(admin, f"jg_bench_{args.events}"))
    connection = await asyncpg.connect(url)
    try:
        workspace = await connection.fetchval("SELECT id FROM workspaces LIMIT 1")
        journey = await connection.fetchval(
            "SELECT journey_id FROM nodes GROUP BY journey_id ORDER BY count(*) DESC LIMIT 1"
        )
    finally:
        await connection.close()
    found = await measure(url, workspace, journey, args.runs)
    print("\n".join(lines(found, None, None)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000, help="which jg_bench_<events> database")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per window, after one warm-up")
    parser.add_argument("--data-dir", default=".journeygraph-bench")
    if not installed():
        sys.exit('bench.peers needs duckdb and chdb: pip install -e ".[peers]"')
    asyncio.run(main(parser.parse_args()))
