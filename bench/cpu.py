"""Where a pass's CPU went, from /proc: the machine's busy share, the server's processes, PostgreSQL's.

A process's CPU in /proc/<pid>/stat is its own (utime, stime) plus that of its
children it has waited for (cutime, cstime); a live child's is in neither. So
the four summed over a process and all its live descendants is everything the
tree has spent since it started, whatever exits in between: the difference of
two readings is what it spent between them. (A child waited for in the instant
between reading its parent and listing the parent's children is missed: a
connection closing at that moment, small beside a pass.)

PostgreSQL's share is also split: its live connections' backends (the server's
pooled connections, doing the statements) against the rest of its tree (the
WAL writer, the checkpointer, autovacuum, which no statement pays for). A
backend that exits during a pass moves its whole life's CPU into the rest: the
server's connections stay open through a pass, but a query's parallel workers
exit with it (the server's run none unless `JOURNEYGRAPH_DB_PARALLEL_WORKERS`
says so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import asyncpg

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_seconds(pid: int) -> float | None:
    """CPU seconds spent so far by `pid`, its descendants alive and those waited for; None if it is gone."""
    try:
        fields = _stat(pid)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    # fields 11-14 after the name: utime, stime, cutime, cstime
    total = sum(int(t) for t in fields[11:15]) / TICKS
    for child in children:
        total += tree_seconds(int(child)) or 0.0
    return total


async def postmaster(url: str) -> int | None:
    """The pid of the PostgreSQL server at `url` when it runs on this machine (the parent of the
    backend serving a connection), else None."""
    connection = await asyncpg.connect(url)
    try:  # read while the backend lives: it exits with its connection
        return _postgres_parent(int(await connection.fetchval("SELECT pg_backend_pid()")))
    finally:
        await connection.close()


def _postgres_parent(backend: int) -> int | None:
    """The parent of process `backend` if both are PostgreSQL's here (no such process: elsewhere)."""
    try:
        named = Path(f"/proc/{backend}/comm").read_text().strip()
        parent = int(_stat(backend)[1])
        parent_named = Path(f"/proc/{parent}/comm").read_text().strip()
    except (OSError, IndexError, ValueError):
        return None  # another machine (or another pid namespace)
    return parent if named.startswith("postgres") and parent_named.startswith("postgres") else None


# The first word of the title PostgreSQL gives each of its processes that serves no connection
# ("postgres: walwriter", "postgres: autovacuum worker jg", ...); a connection's backend is titled by
# its role and database instead.
_BACKGROUND = frozenset(
    {"walwriter", "checkpointer", "background", "autovacuum", "logical", "io", "walsummarizer", "archiver",
     "startup", "walreceiver", "walsender", "slotsync"}
)  # fmt: skip


def is_connection(pid: int) -> bool:
    """Whether PostgreSQL process `pid` is a connection's backend (not its WAL writer, checkpointer,
    autovacuum, ...); False if it is gone."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    _, _, what = title.partition(":")
    words = what.split()
    return bool(words) and words[0] not in _BACKGROUND


def connections_seconds(postmaster: int) -> float | None:
    """CPU seconds spent so far by the live connections' backends of the PostgreSQL server
    `postmaster`; None if it is gone. The rest of its tree is its own work in the background
    (WAL writer, checkpointer, autovacuum...) and that of backends that have exited."""
    try:
        children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    except OSError:
        return None
    return sum(tree_seconds(int(c)) or 0.0 for c in children if is_connection(int(c)))


def _machine() -> tuple[int, int] | None:
    """(idle, total) CPU ticks of the machine so far, from /proc/stat."""
    try:
        ticks = [int(t) for t in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except OSError:
        return None
    return ticks[3] + ticks[4], sum(ticks)  # idle and iowait


@dataclass(frozen=True)
class Reading:
    machine: tuple[int, int] | None
    server: float | None
    postgres: float | None
    connections: float | None = None  # of `postgres`, the live connections' backends


def read(server_pid: int, postgres_pid: int | None) -> Reading:
    """The gauges now."""
    return Reading(
        _machine(),
        tree_seconds(server_pid),
        tree_seconds(postgres_pid) if postgres_pid is not None else None,
        connections_seconds(postgres_pid) if postgres_pid is not None else None,
    )


def spent(before: Reading, after: Reading, events: int) -> dict[str, float | None]:
    """Between two readings: the machine's busy share, and the CPU µs per event of the server's
    processes, of PostgreSQL's, and of PostgreSQL's outside the live connections' backends (None
    where a gauge could not be read)."""

    def per_event(was: float | None, now: float | None) -> float | None:
        return (now - was) * 1e6 / events if was is not None and now is not None and events else None

    busy = None
    if before.machine is not None and after.machine is not None and after.machine[1] > before.machine[1]:
        idle, total = (a - b for a, b in zip(after.machine, before.machine, strict=True))
        busy = 1 - idle / total
    return {
        "machine_busy": busy,
        "server_us_per_event": per_event(before.server, after.server),
        "postgres_us_per_event": per_event(before.postgres, after.postgres),
        "postgres_background_us_per_event": per_event(_outside(before), _outside(after)),
    }


def _outside(reading: Reading) -> float | None:
    """PostgreSQL's CPU seconds outside its live connections' backends."""
    if reading.postgres is None or reading.connections is None:
        return None
    return reading.postgres - reading.connections
