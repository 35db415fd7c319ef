"""Persisted queries: documents registered under their sha256, per workspace."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from journeygraph.db.models import PersistedQuery

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession


async def find_query(session: AsyncSession, workspace_id: uuid.UUID, sha256: str) -> str | None:
    """The document registered under `sha256`, if any."""
    found = await session.execute(
        sa.select(PersistedQuery.query).where(
            PersistedQuery.workspace_id == workspace_id, PersistedQuery.sha256 == sha256
        )
    )
    return found.scalar_one_or_none()


async def register_query(session: AsyncSession, workspace_id: uuid.UUID, sha256: str, query: str) -> None:
    """Register `query` under `sha256` (a second registration of the same hash changes nothing)."""
    await session.execute(
        insert(PersistedQuery)
        .values(workspace_id=workspace_id, sha256=sha256, query=query)
        .on_conflict_do_nothing(index_elements=["workspace_id", "sha256"])
    )
