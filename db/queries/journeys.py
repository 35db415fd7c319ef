"""Journeys: look-ups by id, the filtered and paginated list, and row locks for changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from journeygraph.db.driver import fetch, select_columns
from journeygraph.db.enums import JourneyStatus
from journeygraph.db.models import Journey
from journeygraph.db.records import JourneyRecord, reader, record_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


_BY_ID = select_columns(Journey, "id = ANY(CAST(:ids AS uuid[]))")
_RECORD = reader(Journey, JourneyRecord)


async def journeys_by_ids(
    session: AsyncSession, workspace_id: uuid.UUID, ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, JourneyRecord]:
    """The workspace's journeys among `ids`, by id, as records (see db.records)."""
    rows = await fetch(session, _BY_ID, {"workspace_id": workspace_id, "ids": list(ids)})
    found = (_RECORD(row) for row in rows)
    return {row.id: row for row in found}


@dataclass(frozen=True)
class JourneyFilter:
    """What the journeys list is narrowed to."""

    statuses: Sequence[JourneyStatus] | None = None
    search: str | None = None


def _filtered(workspace_id: uuid.UUID, where: JourneyFilter) -> list[sa.ColumnElement[bool]]:
    clauses: list[sa.ColumnElement[bool]] = [Journey.workspace_id == workspace_id]
    if where.statuses is not None:
        clauses.append(Journey.status.in_(list(where.statuses)))
    if where.search:
        pattern = "%" + where.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append(
            sa.or_(Journey.name.ilike(pattern, escape="\\"), Journey.description.ilike(pattern, escape="\\"))
        )
    return clauses


async def list_journeys(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    where: JourneyFilter,
    limit: int,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> list[JourneyRecord]:
    """Up to `limit` journeys, newest change first, strictly after the keyset position `after`."""
    clauses = _filtered(workspace_id, where)
    if after is not None:
        clauses.append(sa.tuple_(Journey.updated_at, Journey.id) < sa.tuple_(*after))
    rows = await session.scalars(
        sa.select(Journey).where(*clauses).order_by(Journey.updated_at.desc(), Journey.id.desc()).limit(limit)
    )
    return [record_of(row, JourneyRecord) for row in rows]


async def count_journeys(session: AsyncSession, workspace_id: uuid.UUID, where: JourneyFilter) -> int:
    """How many journeys the filter matches."""
    count = await session.scalar(
        sa.select(sa.func.count()).select_from(Journey).where(*_filtered(workspace_id, where))
    )
    return int(count or 0)


async def lock_journey(
    session: AsyncSession, workspace_id: uuid.UUID, journey_id: uuid.UUID
) -> Journey | None:
    """The journey, locked until the transaction ends, so concurrent edits queue instead of interleaving."""
    return await session.scalar(
        sa.select(Journey)
        .where(Journey.workspace_id == workspace_id, Journey.id == journey_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


async def insert_journey(session: AsyncSession, workspace_id: uuid.UUID, **values: Any) -> Journey:
    """Insert a DRAFT journey at version 1."""
    journey = Journey(
        workspace_id=workspace_id, id=uuid.uuid4(), status=JourneyStatus.DRAFT, version=1, **values
    )
    session.add(journey)
    await session.flush()
    return journey


async def touch_journey(session: AsyncSession, journey: Journey, **values: Any) -> Journey:
    """Apply `values` to a locked journey, bump its version and `updated_at`, and return it fresh."""
    row = await session.scalar(
        sa.update(Journey)
        .where(Journey.workspace_id == journey.workspace_id, Journey.id == journey.id)
        .values(version=Journey.version + 1, updated_at=sa.func.now(), **values)
        .returning(Journey)
        .execution_options(populate_existing=True)
    )
    assert row is not None  # the row is locked by this transaction
    return row
