"""Nodes and paths: batched look-ups and the bulk write behind a saved canvas.

Look-ups run on the driver (db.driver) and return the records of db.records, not ORM
instances. Not Core rows either: graphql-core asks every value it completes for
`__await__`, and a Row answers a missing attribute by formatting an error message.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from journeygraph.db.driver import Statement, fetch, select_columns
from journeygraph.db.models import Node, Path
from journeygraph.db.records import NodeRecord, PathRecord, reader

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


C = TypeVar("C", NodeRecord, PathRecord)
_NODE = reader(Node, NodeRecord)
_PATH = reader(Path, PathRecord)


_IN_JOURNEYS = "journey_id = ANY(CAST(:ids AS uuid[]))"
_BY_ID = {model: select_columns(model, "id = ANY(CAST(:ids AS uuid[]))") for model in (Node, Path)}
_BY_JOURNEY = {
    (model, removed): select_columns(
        model,
        _IN_JOURNEYS if removed else _IN_JOURNEYS + " AND removed_at IS NULL",
        "ORDER BY journey_id, ordinal",
    )
    for model in (Node, Path)
    for removed in (False, True)
}


async def nodes_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, NodeRecord]:
    """The workspace's nodes among `ids` (removed ones included: their history stays), by id."""
    return await _by_id(session, Node, _NODE, workspace_id, ids)


async def paths_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, PathRecord]:
    """The workspace's paths among `ids` (removed ones included), by id."""
    return await _by_id(session, Path, _PATH, workspace_id, ids)


async def _by_id(
    session: AsyncSession,
    model: Any,
    read: Callable[[Sequence[Any]], C],
    workspace_id: uuid.UUID,
    ids: Sequence[uuid.UUID],
) -> dict[uuid.UUID, C]:
    rows = await fetch(session, _BY_ID[model], {"workspace_id": workspace_id, "ids": list(ids)})
    found = (read(row) for row in rows)
    return {row.id: row for row in found}


async def _by_journey(
    session: AsyncSession,
    model: Any,
    read: Callable[[Sequence[Any]], C],
    workspace_id: uuid.UUID,
    journey_ids: Sequence[uuid.UUID],
    removed: bool,
) -> dict[uuid.UUID, list[C]]:
    statement = _BY_JOURNEY[(model, removed)]
    grouped: dict[uuid.UUID, list[C]] = defaultdict(list)
    for row in await fetch(session, statement, {"workspace_id": workspace_id, "ids": list(journey_ids)}):
        found = read(row)
        grouped[found.journey_id].append(found)
    return grouped


async def nodes_by_journey_ids(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID], *, removed: bool = False
) -> dict[uuid.UUID, list[NodeRecord]]:
    """Each journey's nodes in canvas order; only the current canvas unless `removed` is true."""
    return await _by_journey(session, Node, _NODE, workspace_id, journey_ids, removed)


async def paths_by_journey_ids(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID], *, removed: bool = False
) -> dict[uuid.UUID, list[PathRecord]]:
    """Each journey's paths in canvas order; only the current canvas unless `removed` is true."""
    return await _by_journey(session, Path, _PATH, workspace_id, journey_ids, removed)


async def _upsert(session: AsyncSession, model: type[Node] | type[Path], rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    statement = insert(model)
    updated: dict[str, Any] = {
        column: statement.excluded[column] for column in rows[0] if column not in ("workspace_id", "id")
    }
    updated["removed_at"] = sa.null()
    await session.execute(
        statement.on_conflict_do_update(index_elements=["workspace_id", "id"], set_=updated), rows
    )


async def _remove_others(
    session: AsyncSession,
    model: type[Node] | type[Path],
    workspace_id: uuid.UUID,
    journey_id: uuid.UUID,
    keep: list[uuid.UUID],
) -> None:
    await session.execute(
        sa.update(model)
        .where(
            model.workspace_id == workspace_id,
            model.journey_id == journey_id,
            model.removed_at.is_(None),
            model.id.not_in(keep),
        )
        .values(removed_at=sa.func.now())
    )


async def write_canvas(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    journey_id: uuid.UUID,
    nodes: list[dict[str, Any]],
    paths: list[dict[str, Any]],
) -> None:
    """Make `nodes` and `paths` the journey's canvas: upsert them, mark every other row removed.

    Rows are dicts of column values with `id` set (new ids chosen by the caller);
    a removed row given again comes back onto the canvas with its history.
    """
    base = {"workspace_id": workspace_id, "journey_id": journey_id}
    await _upsert(session, Node, [{**base, **node} for node in nodes])
    await _upsert(session, Path, [{**base, **path} for path in paths])
    await _remove_others(session, Path, workspace_id, journey_id, [p["id"] for p in paths])
    await _remove_others(session, Node, workspace_id, journey_id, [n["id"] for n in nodes])


_SIZES = Statement(
    """
    SELECT j.id, count(*),
           (SELECT count(*) FROM paths p WHERE p.workspace_id = :workspace_id AND p.journey_id = j.id
                AND p.removed_at IS NULL)
    FROM unnest(CAST(:ids AS uuid[])) AS j(id)
    JOIN nodes n ON n.workspace_id = :workspace_id AND n.journey_id = j.id AND n.removed_at IS NULL
    GROUP BY j.id
    """
)


async def canvas_sizes(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(current nodes, current paths) of each of the workspace's journeys among `journey_ids`, in one
    statement; a journey without current nodes is absent."""
    ids = list(dict.fromkeys(journey_ids))  # each once: unnest would count a repeated one twice
    rows = await fetch(session, _SIZES, {"workspace_id": workspace_id, "ids": ids})
    return {journey_id: (n, p) for journey_id, n, p in rows}


_LARGEST = Statement(
    """
    SELECT ARRAY(SELECT count(*) FROM nodes WHERE workspace_id = :workspace_id AND removed_at IS NULL
                 GROUP BY journey_id ORDER BY count(*) DESC LIMIT :most),
           ARRAY(SELECT count(*) FROM paths WHERE workspace_id = :workspace_id AND removed_at IS NULL
                 GROUP BY journey_id ORDER BY count(*) DESC LIMIT :most)
    """
)


async def largest_canvases(
    session: AsyncSession, workspace_id: uuid.UUID, most: int
) -> tuple[list[int], list[int]]:
    """The current node counts of the workspace's `most` largest canvases, and (apart) their path
    counts, largest first, in one statement: N journeys of a list have at most the sum of the first N."""
    rows = await fetch(session, _LARGEST, {"workspace_id": workspace_id, "most": most})
    nodes, paths = rows[0]
    return list(nodes), list(paths)
