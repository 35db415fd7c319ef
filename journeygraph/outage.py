"""When PostgreSQL is away: fail fast with 503 and a clear error, recover when it returns.

A connection that cannot be made (refused, no socket, timed out after
`JOURNEYGRAPH_DB_CONNECT_TIMEOUT` seconds) or that broke under a query makes
the request fail with HTTP 503, code `UNAVAILABLE` and `Retry-After: 1`.
Nothing else is needed to recover: the pool checks each connection before
use (`pool_pre_ping`) and opens new ones once the database answers again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
import sqlalchemy.exc

from journeygraph.responses import error_for
from resolvers.errors import ErrorCode

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class DatabaseOutage:
    """Turns a database outage that escapes a handler into 503 `UNAVAILABLE`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking)
        except Exception as error:
            if started or not is_outage(error):
                raise
            path = scope.get("path", "")
            response = error_for(path, 503, ErrorCode.UNAVAILABLE, MESSAGE, {"Retry-After": "1"})
            await response(scope, receive, send)
