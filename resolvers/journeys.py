"""Read resolvers: the workspace, journeys (one, many, a page), nodes and paths."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from journeygraph.core.errors import ApiError, ErrorCode, bad_user_input, shown
from journeygraph.db.queries.journeys import JourneyFilter, count_journeys, list_journeys
from journeygraph.db.records import NodeRecord
from journeygraph.resolvers.ids import parse_id
from journeygraph.resolvers.pagination import decode_cursor, encode_cursor

if TYPE_CHECKING:
    import uuid
    from collections.abc import Awaitable, Sequence

    from journeygraph.db.enums import JourneyStatus, NodeType
    from journeygraph.db.records import JourneyRecord, PathRecord
    from journeygraph.resolvers.context import Context


async def journey(context: Context, id: str) -> JourneyRecord | None:
    """The journey with this id in the caller's workspace, or None."""
    journey_id = parse_id(id)
    return None if journey_id is None else await context.loaders.journey_by_id.load(journey_id)


async def journeys_by_ids(context: Context, ids: Sequence[str]) -> list[JourneyRecord | ApiError]:
    """Journeys in the order of `ids`. Where an id is malformed or not found, the entry is an
    error: graphql-core answers it as null with an error at that entry's path (code
    BAD_USER_INPUT or NOT_FOUND), so a client knows which entry failed and why."""
    limit = context.settings.max_ids
    if len(ids) > limit:
        raise bad_user_input(f"journeysByIds takes at most {limit} ids, got {len(ids)}")
    parsed = [parse_id(i) for i in ids]
    found = await context.loaders.journey_by_id.load_many([p for p in parsed if p is not None])
    by_id = {row.id: row for row in found if row is not None}
    answers: list[JourneyRecord | ApiError] = []
    for raw, journey_id in zip(ids, parsed, strict=True):
        if journey_id is None:
            answers.append(bad_user_input(f"{shown(raw)} is not a journey id"))
        elif journey_id not in by_id:
            answers.append(ApiError(f"no journey with id {journey_id}", ErrorCode.NOT_FOUND))
        else:
            answers.append(by_id[journey_id])
    return answers


async def node(context: Context, id: str) -> NodeRecord | None:
    """The node with this id, removed from its canvas or not, or None."""
    node_id = parse_id(id)
    return None if node_id is None else await context.loaders.node_by_id.load(node_id)


async def path(context: Context, id: str) -> PathRecord | None:
    """The path with this id, removed from its canvas or not, or None."""
    path_id = parse_id(id)
    return None if path_id is None else await context.loaders.path_by_id.load(path_id)


@dataclass(frozen=True)
class JourneyPage:
    """One page of journeys, newest change first: (cursor, journey) pairs, and where the page
    stands among all of them (the GraphQL JourneyConnection reads it)."""

    items: list[tuple[str, JourneyRecord]]
    has_next_page: bool
    has_previous_page: bool
    total_count: int


async def journeys_page(
    context: Context,
    first: int,
    after: str | None,
    statuses: Sequence[JourneyStatus] | None,
    search: str | None,
) -> JourneyPage:
    """One page of the workspace's journeys, newest change first."""
    limit = context.settings.max_page_size
    if not 0 <= first <= limit:
        raise bad_user_input(f"first must be between 0 and {limit}, got {first}")
    position = decode_cursor(after) if after is not None else None
    where = JourneyFilter(statuses=statuses, search=search)
    workspace_id = context.principal.workspace_id
    async with context.sessions() as session:
        rows = await list_journeys(session, workspace_id, where, first + 1, position)
        total = await count_journeys(session, workspace_id, where)
    page = rows[:first]
    context.loaders.journey_by_id.prime_many({row.id: row for row in page})
    return JourneyPage(
        items=[(encode_cursor(row.updated_at, row.id), row) for row in page],
        has_next_page=len(rows) > first,
        has_previous_page=position is not None,
        total_count=total,
    )


async def journey_nodes(
    context: Context, journey: JourneyRecord, types: Sequence[NodeType] | None
) -> list[NodeRecord]:
    """The journey's current canvas nodes, optionally only of some types."""
    nodes: list[NodeRecord] = await context.loaders.nodes_by_journey_id.load(journey.id)
    return nodes if types is None else [n for n in nodes if n.type in types]


async def journey_paths(context: Context, journey: JourneyRecord) -> list[PathRecord]:
    """The journey's current canvas paths."""
    paths: list[PathRecord] = await context.loaders.paths_by_journey_id.load(journey.id)
    return paths


async def canvas_size(context: Context, journey: JourneyRecord) -> tuple[int, int]:
    """(current nodes, current paths) of the journey's canvas."""
    size: tuple[int, int] = await context.loaders.canvas_size.load(journey.id)
    return size


async def node_paths(context: Context, node: NodeRecord, direction: str) -> list[PathRecord]:
    """Current canvas paths into (`incoming`) or out of (`outgoing`) a node, by index."""
    paths: list[PathRecord] = await context.loaders.paths_by_journey_id.load(node.journey_id)
    end = "target_node_id" if direction == "incoming" else "source_node_id"
    return sorted((p for p in paths if getattr(p, end) == node.id), key=lambda p: (p.index, p.ordinal))


async def owner(context: Context, row: NodeRecord | PathRecord) -> JourneyRecord:
    """The journey a node or path belongs to (always in the same workspace)."""
    found = await context.loaders.journey_by_id.load(row.journey_id)
    assert found is not None  # foreign key
    return found


def path_end(context: Context, path: PathRecord, end: str) -> NodeRecord | Awaitable[NodeRecord]:
    """A path's source or target node: at once when its canvas already loaded it (the
    usual case on a canvas, where an awaitable per path end is measurable), else via
    its journey's canvas nodes, which a canvas is loading anyway: the number of
    statements then never depends on whether nodes or paths arrived first."""
    node_id = path.source_node_id if end == "source" else path.target_node_id
    known = context.loaders.node_by_id.cache_map.get(node_id)
    if known is not None and known.done() and known.exception() is None:
        node = known.result()
        if node is not None:
            return node
    return _path_end_via_canvas(context, path, node_id)


async def path_ends(context: Context, paths: list[PathRecord], end: str) -> list[NodeRecord]:
    """`path_end` for many paths at once: one await, and only if some end is not loaded yet."""
    found = [path_end(context, path, end) for path in paths]
    ready = [f for f in found if isinstance(f, NodeRecord)]
    if len(ready) == len(found):
        return ready
    loaded = iter(await asyncio.gather(*(f for f in found if not isinstance(f, NodeRecord))))
    return [f if isinstance(f, NodeRecord) else next(loaded) for f in found]


async def _path_end_via_canvas(context: Context, path: PathRecord, node_id: uuid.UUID) -> NodeRecord:
    await context.loaders.nodes_by_journey_id.load(path.journey_id)  # primes node_by_id
    found = await context.loaders.node_by_id.load(node_id)  # a query only for a removed node
    assert found is not None  # foreign key
    return found
