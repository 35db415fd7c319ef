"""Per-request DataLoaders: every related row is fetched in batches, never one by one.

Each batch opens its own session, since an AsyncSession must not be shared by
the concurrent tasks a GraphQL execution runs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from journeygraph.db.queries import canvas, journeys
from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
from journeygraph.resolvers.contacts import ContactLoaders
from journeygraph.resolvers.performance import PerformanceLoaders

if TYPE_CHECKING:
    import uuid
    from collections.abc import Awaitable, Callable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

T = TypeVar("T")


class _Loader(DataLoader["uuid.UUID", T]):
    """A loader whose batch function is a `db.queries` function keyed by id."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        workspace_id: uuid.UUID,
        query: Callable[[AsyncSession, uuid.UUID, list[uuid.UUID]], Awaitable[dict[uuid.UUID, Any]]],
        empty: Callable[[], Any] = lambda: None,
    ) -> None:
        async def load(keys: list[uuid.UUID]) -> list[T]:
            async with sessions() as session:
                found = await query(session, workspace_id, keys)
            self.loaded(found)
            return [found.get(key, empty()) for key in keys]

        super().__init__(load)

    def loaded(self, found: dict[uuid.UUID, Any]) -> None:
        """Hook run with each batch's result (used to prime other loaders)."""


class JourneyByIdLoader(_Loader[JourneyRecord | None]):
    pass


class NodeByIdLoader(_Loader[NodeRecord | None]):
    pass


class PathByIdLoader(_Loader[PathRecord | None]):
    pass


class NodesByJourneyIdLoader(_Loader[list[NodeRecord]]):
    """The current canvas's nodes; primes NodeByIdLoader so path ends cost no query."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID, by_id: NodeByIdLoader
    ):
        super().__init__(sessions, workspace_id, canvas.nodes_by_journey_ids, list)
        self.by_id = by_id

    def loaded(self, found: dict[uuid.UUID, Any]) -> None:
        self.by_id.prime_many({node.id: node for nodes in found.values() for node in nodes})


class PathsByJourneyIdLoader(_Loader[list[PathRecord]]):
    pass


class CanvasSizeLoader(_Loader[tuple[int, int]]):
    """(current nodes, current paths) of a journey; primed by the cost check when it looked them up."""


class Loaders:
    """All loaders of one request, for one workspace."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        workspace_id: uuid.UUID,
        read_sessions: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        """`read_sessions`, when given, serve the performance figures (a read replica)."""
        self.journey_by_id = JourneyByIdLoader(sessions, workspace_id, journeys.journeys_by_ids)
        self.node_by_id = NodeByIdLoader(sessions, workspace_id, canvas.nodes_by_ids)
        self.path_by_id = PathByIdLoader(sessions, workspace_id, canvas.paths_by_ids)
        self.nodes_by_journey_id = NodesByJourneyIdLoader(sessions, workspace_id, self.node_by_id)
        self.paths_by_journey_id = PathsByJourneyIdLoader(
            sessions, workspace_id, canvas.paths_by_journey_ids, list
        )
        self.canvas_size = CanvasSizeLoader(sessions, workspace_id, canvas.canvas_sizes, lambda: (0, 0))
        self.performance = PerformanceLoaders(read_sessions or sessions, workspace_id)
        # on the primary, like the rows: who is where must include the event acknowledged last
        self.contacts = ContactLoaders(sessions, workspace_id)
