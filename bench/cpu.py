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


def _own(pid: int) -> tuple[int, list[int]] | None:
    """CPU clock ticks spent so far by `pid` and its children it has waited for, and its live
    children; None if it is gone. Ticks are summed as integers, so a sum is the same in any order."""
    try:
        fields = _stat(pid)
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    # fields 11-14 after the name: utime, stime, cutime, cstime
    return sum(int(t) for t in fields[11:15]), [int(c) for c in children]


def _tree_ticks(pid: int) -> int | None:
    own = _own(pid)
    if own is None:
        return None
    ticks, children = own
    return ticks + sum(_tree_ticks(child) or 0 for child in children)


def tree_seconds(pid: int) -> float | None:
    """CPU seconds spent so far by `pid`, its descendants alive and those waited for; None if it is gone."""
    ticks = _tree_ticks(pid)
    return None if ticks is None else ticks / TICKS


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


def postgres_seconds(postmaster: int) -> tuple[float, float] | None:
    """CPU seconds spent so far by the PostgreSQL server `postmaster`'s tree, in one walk: outside
    its live connections' backends (its own work in the background: WAL writer, checkpointer,
    autovacuum..., and that of backends that have exited), and in them; None if it is gone."""
    own = _own(postmaster)
    if own is None:
        return None
    background, children = own
    connections = 0
    for child in children:
        ticks = _tree_ticks(child) or 0
        if is_connection(child):
            connections += ticks
        else:
            background += ticks
    return background / TICKS, connections / TICKS


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
    postgres: tuple[float, float] | None  # postgres_seconds: outside the connections' backends, in them


def read(server_pid: int, postgres_pid: int | None) -> Reading:
    """The gauges now."""
    return Reading(
        _machine(),
        tree_seconds(server_pid),
        postgres_seconds(postgres_pid) if postgres_pid is not None else None,
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
        "postgres_us_per_event": per_event(_whole(before.postgres), _whole(after.postgres)),
        "postgres_background_us_per_event": per_event(_outside(before.postgres), _outside(after.postgres)),
    }


def _whole(postgres: tuple[float, float] | None) -> float | None:
    return None if postgres is None else sum(postgres)


def _outside(postgres: tuple[float, float] | None) -> float | None:
    return None if postgres is None else postgres[0]
