"""Recomputing the rollups from the raw events (`journeygraph rebuild-rollups`).

A rebuild empties the workspace's rollups, contact sets and enrollments (their
states too) and queues every one of its events in the tail again, in one
transaction holding the fold lock
(so no fold is half-way) and the workspace's ingestion lock exclusively (so
no batch lands meanwhile). Figures stay exact throughout: until the folder has
worked through the tail, queries read it. `fold_all` folds it there and then.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from journeygraph.db.enums import UNIQUE_TYPES
from journeygraph.db.queries.answers import FOLDED_NOW
from journeygraph.db.queries.events import SHAPING_ID, SUBJECT
from journeygraph.db.queries.fold import FOLD_LOCK, ROLLUPS, fold
from journeygraph.db.queries.locks import lock_for_rebuild

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


_NOT_ALLOWED = "42501"  # PostgreSQL's insufficient_privilege


async def rebuild(session: AsyncSession, workspace_id: uuid.UUID) -> int:
    """Requeue every event of a workspace for folding, its rollups emptied; return how many events."""
    params = {"workspace_id": workspace_id}
    await session.execute(sa.text(f"SELECT pg_advisory_xact_lock({FOLD_LOCK})"))
    await lock_for_rebuild(session, workspace_id)
    for table in (
        *(rollup for rollup, _ in ROLLUPS),
        "contact_sets",
        "enrollments",
        "enrollment_counts",
        "enrollment_states",
        "event_tail",
    ):
        await session.execute(sa.text(f"DELETE FROM {table} WHERE workspace_id = :workspace_id"), params)
    # every journey's figures change, those of journeys with no events left too (db/queries/answers.py)
    await session.execute(
        sa.text(f"UPDATE journey_folds SET folded = {FOLDED_NOW} WHERE workspace_id = :workspace_id"),
        params,
    )
    # contacts are kept: their ordinals stay, and the events are queued with them
    await session.execute(
        sa.text(
            f"""INSERT INTO contacts (workspace_id, contact_id)
            SELECT :workspace_id, contact_id FROM events
            WHERE workspace_id = :workspace_id AND type IN {UNIQUE_TYPES} GROUP BY contact_id ORDER BY contact_id
            ON CONFLICT (workspace_id, contact_id) DO NOTHING"""
        ),
        params,
    )
    queued = await session.execute(
        sa.text(
            f"""INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue,
                                    ordinal, event_id)
            SELECT e.workspace_id, e.journey_id, {SUBJECT}, e.type, e.contact_id, e.occurred_at, e.revenue,
                   CASE WHEN e.type IN {UNIQUE_TYPES} THEN c.ordinal END, {SHAPING_ID}
            FROM events e LEFT JOIN contacts c ON c.workspace_id = e.workspace_id AND c.contact_id = e.contact_id
            WHERE e.workspace_id = :workspace_id ORDER BY e.occurred_at"""
        ),
        params,
    )
    return int(queued.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult's


async def fold_all(
    sessions: async_sessionmaker[AsyncSession], batch: int = 200_000, compact: bool = True
) -> int:
    """Fold the whole tail, one transaction per batch, waiting for the lock; return how many events.
    The tail is then compacted (`compact_tail`), unless `compact` is false."""
    total = 0
    while True:
        async with sessions.begin() as session:
            moved = await fold(session, batch, wait=True)
        if not moved:
            break
        total += moved
    if compact:
        await compact_tail(sessions)
    return total


async def compact_tail(sessions: async_sessionmaker[AsyncSession]) -> None:
    """Rebuild the tail's indexes and vacuum it, after a backlog (a rebuild's: a workspace's whole
    history) went through it. Its indexes keep the size of the largest backlog otherwise (a
    million events: about 150 MB), and each of the folder's vacuums reads them whole. Locks the
    tail for as long as rebuilding the indexes of what is left takes (milliseconds once folded).
    Only the table's owner (or a role granted MAINTAIN on it) may: for another role PostgreSQL
    skips the vacuum with a warning, and this skips the rebuild."""
    async with sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        try:
            await connection.execute(sa.text("REINDEX TABLE event_tail"))
        except sa.exc.DBAPIError as error:
            if getattr(error.orig, "sqlstate", None) != _NOT_ALLOWED:
                raise
        await connection.execute(sa.text("VACUUM event_tail"))


async def workspace_ids(session: AsyncSession) -> list[uuid.UUID]:
    """Every workspace's id."""
    return list(await session.scalars(sa.text("SELECT id FROM workspaces ORDER BY id")))
