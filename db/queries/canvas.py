"""Nodes and paths: batched look-ups and the bulk write behind a saved canvas.

Look-ups return plain records, not ORM instances: a record reads like its model
(`row.id`, `row.type`, `row.config`, the same values), and nothing changes these
rows through a session. A canvas reads hundreds of them per request, and building
ORM instances (identity map, instance state) took about twice the CPU of the rows
themselves. Not Core rows either: graphql-core asks every value it completes for
`__await__`, and a Row answers a missing attribute by formatting an error message.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import make_dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from db.models import Node, Path

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


def _record(model: Any) -> Any:
    """A slotted class with the model's columns as attributes, built from a row in column order."""
    return make_dataclass(f"{model.__name__}Record", [c.key for c in model.__table__.columns], slots=True)


_RECORDS = {Node: _record(Node), Path: _record(Path)}


async def nodes_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Node]:
    """The workspace's nodes among `ids` (removed ones included: their history stays), by id."""
    return await _by_id(session, Node, workspace_id, ids)


async def paths_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Path]:
    """The workspace's paths among `ids` (removed ones included), by id."""
    return await _by_id(session, Path, workspace_id, ids)


async def _by_id(
    session: AsyncSession, model: Any, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    table, record = model.__table__, _RECORDS[model]
    rows = await session.execute(
        sa.select(table).where(table.c.workspace_id == workspace_id, table.c.id.in_(ids))
    )
    return {row.id: record(*row) for row in rows.all()}


async def _by_journey(
    session: AsyncSession,
    model: Any,
    workspace_id: uuid.UUID,
    journey_ids: Sequence[uuid.UUID],
    removed: bool,
) -> dict[uuid.UUID, list[Any]]:
    table, record = model.__table__, _RECORDS[model]
    query = sa.select(table).where(table.c.workspace_id == workspace_id, table.c.journey_id.in_(journey_ids))
    if not removed:
        query = query.where(table.c.removed_at.is_(None))
    grouped: dict[uuid.UUID, list[Any]] = defaultdict(list)
    for row in (await session.execute(query.order_by(table.c.journey_id, table.c.ordinal))).all():
        grouped[row.journey_id].append(record(*row))
    return grouped


async def nodes_by_journey_ids(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID], *, removed: bool = False
) -> dict[uuid.UUID, list[Node]]:
    """Each journey's nodes in canvas order; only the current canvas unless `removed` is true."""
    return await _by_journey(session, Node, workspace_id, journey_ids, removed)


async def paths_by_journey_ids(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID], *, removed: bool = False
) -> dict[uuid.UUID, list[Path]]:
    """Each journey's paths in canvas order; only the current canvas unless `removed` is true."""
    return await _by_journey(session, Path, workspace_id, journey_ids, removed)


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


async def canvas_sizes(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[int, int]]:
    """(current nodes, current paths) of each of the workspace's journeys among `journey_ids`, in one statement."""
    nodes = (
        sa.select(Node.journey_id, sa.func.count().label("n"))
        .where(Node.workspace_id == workspace_id, Node.journey_id.in_(journey_ids), Node.removed_at.is_(None))
        .group_by(Node.journey_id)
        .subquery()
    )
    paths = (
        sa.select(Path.journey_id, sa.func.count().label("n"))
        .where(Path.workspace_id == workspace_id, Path.journey_id.in_(journey_ids), Path.removed_at.is_(None))
        .group_by(Path.journey_id)
        .subquery()
    )
    rows = await session.execute(
        sa.select(nodes.c.journey_id, nodes.c.n, sa.func.coalesce(paths.c.n, 0)).outerjoin(
            paths, paths.c.journey_id == nodes.c.journey_id
        )
    )
    return {journey_id: (n, p) for journey_id, n, p in rows}
