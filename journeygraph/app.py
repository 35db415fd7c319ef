"""The Starlette application: /graphql, /healthz, /readyz, with a request id on every response."""

from __future__ import annotations

import contextlib
import gc
import hmac
import math
import re
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from journeygraph.core.errors import ErrorCode
from journeygraph.core.outage import is_outage
from journeygraph.core.rate_limit import RateLimiter
from journeygraph.core.settings import Settings
from journeygraph.db.engine import create_engine, create_reader, create_sessionmaker
from journeygraph.db.ordinals import Ordinals
from journeygraph.db.queries.fold import queued_events
from journeygraph.embedded import resolve_url
from journeygraph.events_endpoint import record_events
from journeygraph.execution.executable import schema
from journeygraph.folder import Folder
from journeygraph.graphql_view import ASSETS_DIR, ASSETS_PATH, graphql_app
from journeygraph.net import is_loopback
from journeygraph.observability import Metrics, Observe, count_statements
from journeygraph.outage import DatabaseOutage
from journeygraph.persisted import PersistedQueries
from journeygraph.responses import endpoint_error, error_for, is_graphql
from journeygraph.spread import Loads, Spread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.requests import Request
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from journeygraph.demo import Demo

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestId:
    """Give every request an id (the client's `X-Request-Id` if sane) and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


async def refused(request: Request, error: Exception) -> Response:
    """Starlette's own refusals (an unknown path, a method a route does not take) as JSON."""
    assert isinstance(error, HTTPException)
    status = error.status_code
    code = {404: ErrorCode.NOT_FOUND, 405: ErrorCode.METHOD_NOT_ALLOWED}.get(status, ErrorCode.BAD_USER_INPUT)
    if is_graphql(request.url.path) and code == ErrorCode.METHOD_NOT_ALLOWED:
        code = ErrorCode.BAD_USER_INPUT  # as a GET mutation's 405 on /graphql
    message = f"{request.method} {request.url.path}: {error.detail}"
    return error_for(request.url.path, status, code, message, dict(error.headers or {}))


async def healthz(request: Request) -> JSONResponse:
    """Liveness: the process answers."""
    return JSONResponse({"status": "ok"})


async def _answers(engine: AsyncEngine) -> str:
    """ "ok", or the kind of failure (never its details)."""
    try:
        async with engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))
    except Exception as error:  # any failure means not ready
        return type(error).__name__
    return "ok"


async def readyz(request: Request) -> JSONResponse:
    """Readiness: the database (and the read replica, when there is one) answers."""
    state = request.app.state
    checks = {"database": await _answers(state.engine)}
    if state.read_engine is not None:
        checks["readReplica"] = await _answers(state.read_engine)
    if any(result != "ok" for result in checks.values()):
        return JSONResponse({"status": "unavailable", **checks}, status_code=503)
    return JSONResponse({"status": "ready", **checks})


async def metrics(request: Request) -> Response:
    """Prometheus metrics; behind `Authorization: Bearer <JOURNEYGRAPH_METRICS_TOKEN>` when that is set."""
    token = request.app.state.settings.metrics_token
    if token is None:
        # No token set: only this machine may read them (operation names are every
        # workspace's); a scraper elsewhere needs JOURNEYGRAPH_METRICS_TOKEN.
        client = request.client.host if request.client else ""
        if not is_loopback(client):
            return endpoint_error(
                403,
                ErrorCode.FORBIDDEN,
                "metrics are served to loopback only; set JOURNEYGRAPH_METRICS_TOKEN",
            )
    elif not hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
        return endpoint_error(401, ErrorCode.UNAUTHENTICATED, "metrics need the metrics token")
    state = request.app.state
    try:
        async with state.reads() as session:
            state.metrics.queued.set(await queued_events(session))
    except Exception as error:
        if not is_outage(error):
            raise
        state.metrics.queued.set(math.nan)  # the other metrics are this process's own: still served
    return Response(state.metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")


# Young objects collected after this many allocations (Python's default: 700). A canvas
# allocates hundreds of thousands of short-lived objects, none in cycles worth chasing.
GC_YOUNG_THRESHOLD = 50_000


def tune_garbage_collector() -> None:
    """Keep the cycle collector off the request path.

    Everything loaded at startup (modules, the schema) is frozen out of collection, and the
    young generation collects every 50,000 allocations rather than 700: at 10M events this took
    the canvas query's p90 from 235 to 169 ms and counts-only from 204 to 108 ms (bench/).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 50, 100)


def create_app(
    settings: Settings | None = None,
    database_url: str | None = None,
    demo: Demo | None = None,
    loads: Loads | None = None,
) -> Starlette:
    """Build the app. The database is `database_url`, else the settings' (embedded when unset);
    `loads`: this worker's slot among those of `serve --workers N` (journeygraph/spread.py)."""
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        url = database_url or resolve_url(settings.database_url, settings.data_dir)
        connections = {
            "pool_size": settings.db_pool_size,
            "connect_timeout": settings.db_connect_timeout,
            "parallel_workers": settings.db_parallel_workers,
        }
        engine = create_engine(url, **connections)
        count_statements(engine)
        app.state.engine = engine
        app.state.sessions = create_sessionmaker(engine)
        app.state.reads = create_reader(engine)
        # Contacts' ordinals this process has seen committed in this database (db/ordinals.py).
        app.state.ordinals = Ordinals(settings.contact_cache)
        # Performance figures may come from a read replica; everything else stays on the primary.
        read_engine = None
        if settings.read_database_url:
            read_engine = create_engine(settings.read_database_url, **connections)
            count_statements(read_engine)
        app.state.read_engine = read_engine
        app.state.read_sessions = create_reader(read_engine) if read_engine else None
        app.state.persisted = PersistedQueries(app.state.sessions, settings.max_tokens)
        # The folder has a connection of its own: it never waits for (or holds) a request's.
        fold_engine = create_engine(url, **{**connections, "pool_size": 1})
        app.state.folder = Folder(
            create_sessionmaker(fold_engine),
            create_reader(fold_engine),
            settings.fold_batch,
            on_fold=app.state.metrics.record_fold,
        )
        if settings.folder:
            app.state.folder.start()
        tune_garbage_collector()
        try:
            yield
        finally:
            await app.state.folder.stop()
            await fold_engine.dispose()
            await engine.dispose()
            if read_engine is not None:
                await read_engine.dispose()

    app = Starlette(
        routes=[
            Route("/graphql", graphql_app(schema), methods=["GET", "POST"]),
            Route("/v1/events", record_events, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics),
            Mount(ASSETS_PATH, StaticFiles(directory=ASSETS_DIR), name="graphiql-assets"),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: refused},
    )
    app.state.settings = settings
    app.state.demo = demo
    app.state.limiter = RateLimiter(settings.rate_limit_per_second, settings.rate_limit_burst)
    app.state.metrics = Metrics()
    # Outermost last: the request id is known to the log line, which sees the 503s too.
    app.add_middleware(DatabaseOutage)
    app.add_middleware(Observe)
    app.add_middleware(RequestId)
    if loads is not None:
        app.add_middleware(Spread, loads=loads)
    return app


# `serve --workers N` hands each worker process what the command resolved (the database URL,
# the demo GraphiQL fills in, the file of the workers' loads) through these variables; uvicorn
# imports `worker_app` in each.
WORKER_URL = "_JOURNEYGRAPH_WORKER_DATABASE_URL"
WORKER_DEMO = "_JOURNEYGRAPH_WORKER_DEMO"
WORKER_LOADS = "_JOURNEYGRAPH_WORKER_LOADS"


def worker_app() -> Starlette:
    """The app of one `serve --workers N` worker."""
    import json
    import os
    from pathlib import Path

    from journeygraph.demo import Demo

    raw = os.environ.get(WORKER_DEMO)
    shared = os.environ.get(WORKER_LOADS)
    return create_app(
        Settings.from_env(),
        os.environ[WORKER_URL],
        Demo(**json.loads(raw)) if raw else None,
        Loads(Path(shared)) if shared else None,
    )
