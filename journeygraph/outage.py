"""When PostgreSQL is away: fail fast with 503 and a clear error, recover when it returns.

A connection that cannot be made (refused, no socket, timed out after
`JOURNEYGRAPH_DB_CONNECT_TIMEOUT` seconds) or that broke under a query makes
the request fail with HTTP 503, code `UNAVAILABLE` and `Retry-After: 1`.
Nothing else is needed to recover: the pool checks each connection before
use (`pool_pre_ping`) and opens new ones once the database answers again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from journeygraph.core.errors import ErrorCode
from journeygraph.core.outage import MESSAGE, is_outage
from journeygraph.responses import error_for

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send


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
