"""The typed per-request context every resolver receives."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from journeygraph.resolvers.loaders import Loaders

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from starlette.requests import Request
    from starlette.responses import Response

    from journeygraph.core.principal import Principal
    from journeygraph.core.rate_limit import RateLimiter
    from journeygraph.core.settings import Settings


@dataclass
class Context:
    """Request-scoped state: the caller, database access, settings and the loaders."""

    request: Request
    response: Response
    principal: Principal
    sessions: async_sessionmaker[AsyncSession]
    # The loaders' sessions: autocommit reads on the primary (db.engine.create_reader).
    reads: async_sessionmaker[AsyncSession]
    settings: Settings
    request_id: str
    limiter: RateLimiter
    # A read replica's sessions for performance figures (JOURNEYGRAPH_READ_DATABASE_URL), if any.
    read_sessions: async_sessionmaker[AsyncSession] | None = None
    loaders: Loaders = field(init=False)
    # Per-request memo for work repeated on every node of a canvas (selections, windows).
    cache: dict[Any, Any] = field(default_factory=dict)
    # The objects in the answer's data, counted by the executor when the answer has no
    # error (journeygraph/execution/executor.py); None: the cost check counts them from the data.
    answer_objects: int | None = None
    # Points taken for parsing and validating a document not seen before (journeygraph/execution/documents.py).
    document_cost: int = 0

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.reads, self.principal.workspace_id, self.read_sessions)

    def reset_loaders(self) -> None:
        """After a write: forget everything loaded so far, and read the rest of this request
        (figures included) from the primary, so later fields see the change."""
        self.read_sessions = None
        self.loaders = Loaders(self.reads, self.principal.workspace_id)
