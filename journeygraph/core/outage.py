"""What a database outage looks like from Python: the errors that say PostgreSQL cannot be
reached. The HTTP answer to one is journeygraph.outage's."""

from __future__ import annotations

import asyncpg
import sqlalchemy.exc

MESSAGE = "the database is unavailable; retry shortly"
_CONNECTION_ERRORS = (
    OSError,  # refused, no such socket, reset
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,  # starting up or shutting down
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.InterfaceError,  # the connection went away under a query
)


def is_outage(error: BaseException | None) -> bool:
    """True when `error` (or what caused it) says the database cannot be reached."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
            return True
        if isinstance(error, _CONNECTION_ERRORS):
            return True
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
        seen += 1
    return False
