"""What the server tells its operators: JSON logs, Prometheus metrics, SQL statements per request.

Each HTTP request gets one log line (logger `journeygraph.request`) with its
request id, path, status, operation name, query cost, duration and the SQL
statements it ran, and the same figures go to the metrics served at
`/metrics`.
"""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from journeygraph.core.request_facts import CURRENT, RequestFacts

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from journeygraph.resolvers.ingest import IngestResult

request_log = logging.getLogger("journeygraph.request")

# Operation names come from clients; past this many distinct ones, the rest share a label.
MAX_OPERATION_LABELS = 200
MAX_LABELS_PER_WORKSPACE = 20
LOG_FIELDS = ("request_id", "method", "path", "status", "operation", "cost", "duration_ms", "statements")


def count_statements(engine: AsyncEngine) -> None:
    """Count every SQL statement against the request it runs for."""

    def before_cursor_execute(*args: Any) -> None:
        facts = CURRENT.get()
        if facts is not None:
            facts.statements += 1

    sa.event.listen(engine.sync_engine, "before_cursor_execute", before_cursor_execute)


class Metrics:
    """The app's Prometheus metrics, in a registry of its own."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.duration = Histogram(
            "journeygraph_request_duration_seconds",
            "Time to answer a request, by GraphQL operation name (or endpoint).",
            ["operation"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.statements = Histogram(
            "journeygraph_sql_statements_per_request",
            "SQL statements one request ran, by operation.",
            ["operation"],
            registry=self.registry,
            buckets=(0, 1, 2, 5, 10, 15, 20, 30, 50, 100),
        )
        self.events = Counter(
            "journeygraph_events",
            "Events received, by outcome (accepted, duplicate, rejected).",
            ["outcome"],
            registry=self.registry,
        )
        self.errors = Counter(
            "journeygraph_errors",
            "Errors returned, by code.",
            ["code"],
            registry=self.registry,
        )
        self.folded = Counter(
            "journeygraph_events_folded",
            "Queued events this process's folder folded into the rollups.",
            registry=self.registry,
        )
        self.fold_duration = Histogram(
            "journeygraph_fold_duration_seconds",
            "Time one fold of this process's folder took (one transaction), for folds that moved events.",
            registry=self.registry,
            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.queued = Gauge(
            "journeygraph_events_queued",
            "Events acknowledged and not folded yet, in every workspace, counted at each scrape"
            " (NaN when the database cannot be read).",
            registry=self.registry,
        )
        self._operations: set[str] = set()
        self._introduced: dict[object, int] = {}  # labels each workspace brought in

    def operation_label(self, name: str, workspace: object = None) -> str:
        """`name` as a label, or "other": at most MAX_OPERATION_LABELS in all, and at most
        MAX_LABELS_PER_WORKSPACE brought in by any one workspace, so one tenant's made-up
        names cannot use up the labels of all the others."""
        if name in self._operations:
            return name
        introduced = self._introduced.get(workspace, 0)
        if len(self._operations) >= MAX_OPERATION_LABELS or introduced >= MAX_LABELS_PER_WORKSPACE:
            return "other"
        self._operations.add(name)
        self._introduced[workspace] = introduced + 1
        return name

    def record_events(self, result: IngestResult) -> None:
        self.events.labels("accepted").inc(result.accepted)
        self.events.labels("duplicate").inc(result.duplicates)
        self.events.labels("rejected").inc(len(result.rejected))

    def record_fold(self, moved: int, seconds: float) -> None:
        """A fold of this process's folder that moved `moved` events in `seconds`."""
        self.folded.inc(moved)
        self.fold_duration.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


ENDPOINTS = {"/graphql": "graphql", "/v1/events": "events", "/readyz": "readyz"}


def operation_of(path: str, facts: RequestFacts) -> str:
    """The GraphQL operation name, else a fixed name per endpoint (never the raw path: unbounded)."""
    if facts.operation is not None:
        return facts.operation
    if path.startswith("/graphiql-assets/"):
        return "graphiql-assets"
    return ENDPOINTS.get(path, "other")


class Observe:
    """Times each request, counts its statements, logs it as JSON and feeds the metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in ("/metrics", "/healthz"):
            await self.app(scope, receive, send)
            return
        facts = RequestFacts()
        token = CURRENT.set(facts)
        started = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            CURRENT.reset(token)
            elapsed = time.perf_counter() - started
            metrics: Metrics = scope["app"].state.metrics
            principal = scope.get("state", {}).get("principal")
            workspace = principal.workspace_id if principal is not None else None
            operation = metrics.operation_label(operation_of(scope["path"], facts), workspace)
            metrics.duration.labels(operation).observe(elapsed)
            metrics.statements.labels(operation).observe(facts.statements)
            for code in facts.error_codes:
                metrics.errors.labels(code).inc()
            request_log.info(
                "request",
                extra={
                    "request_id": scope.get("state", {}).get("request_id"),
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "operation": operation,
                    "cost": facts.cost,
                    "duration_ms": round(elapsed * 1000, 2),
                    "statements": facts.statements,
                },
            )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request fields given."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in LOG_FIELDS:
            if hasattr(record, name):
                line[name] = getattr(record, name)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(level: str = "INFO") -> None:
    """JSON lines on stderr for the journeygraph loggers (the server's own request log included)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger("journeygraph")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
