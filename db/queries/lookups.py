"""Which journeys, nodes and paths exist, for checking events."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from journeygraph.db.models import Journey, Node, Path

if TYPE_CHECKING:
    from collections.abc import Collection

    from sqlalchemy.ext.asyncio import AsyncSession


async def existing_journeys(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> set[uuid.UUID]:
    """The ids among `ids` that are journeys of the workspace."""
    if not ids:
        return set()
    rows = await session.scalars(
        sa.select(Journey.id).where(Journey.workspace_id == workspace_id, Journey.id.in_(ids))
    )
    return set(rows)


async def node_owners(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Journey of each node among `ids` (removed ones too: late events still count)."""
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(Node.id, Node.journey_id).where(Node.workspace_id == workspace_id, Node.id.in_(ids))
    )
    return {node_id: journey_id for node_id, journey_id in rows}


async def path_owners(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, uuid.UUID]:
    """Journey of each path among `ids`."""
    if not ids:
        return {}
    rows = await session.execute(
        sa.select(Path.id, Path.journey_id).where(Path.workspace_id == workspace_id, Path.id.in_(ids))
    )
    return {path_id: journey_id for path_id, journey_id in rows}
