"""The facts of the request being served (statements run, operation, cost, error codes):
written by whichever layer learns them, read by journeygraph.observability when it ends."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field


@dataclass
class RequestFacts:
    """Filled in while a request runs; read when it ends."""

    statements: int = 0
    operation: str | None = None
    cost: int | None = None
    error_codes: list[str] = field(default_factory=list)


CURRENT: contextvars.ContextVar[RequestFacts | None] = contextvars.ContextVar("request_facts", default=None)


def current_request() -> RequestFacts | None:
    """The facts of the request this code runs for (None outside a request)."""
    return CURRENT.get()
