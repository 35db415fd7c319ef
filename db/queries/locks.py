"""Per-workspace advisory locks, held until the transaction ends.

- Ingestion holds INGEST shared: batches of a workspace run side by side.
- A rebuild holds INGEST exclusively: no batch lands while its events are requeued.
  (Folds are serialized by their own lock, db/queries/fold.py FOLD_LOCK.)
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

INGEST = 7316


async def _lock(session: AsyncSession, kind: int, workspace_id: uuid.UUID, shared: bool = False) -> None:
    function = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await session.execute(
        sa.text(f"SELECT {function}(:kind, hashtext(:ws))"), {"kind": kind, "ws": str(workspace_id)}
    )


async def lock_for_ingest(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Many batches at once, but no rebuild meanwhile."""
    await _lock(session, INGEST, workspace_id, shared=True)


async def lock_for_rebuild(session: AsyncSession, workspace_id: uuid.UUID) -> None:
    """Nobody else writes the workspace's events until this transaction ends."""
    await _lock(session, INGEST, workspace_id)
