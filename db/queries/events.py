"""Storing events: appended to `events` and to the tail the folder reads, in the caller's transaction.

A batch is copied into a temporary table (COPY: no parameter per value), then
one statement inserts what is new into `events` (the primary key decides what
is a duplicate) and queues exactly those rows in `event_tail`. Nothing else is
written on this path: the rollups and contact sets are the folder's
(db/queries/fold.py), and figures read the tail until it has folded it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa

from journeygraph.db.enums import UNIQUE_KINDS, EventType
from journeygraph.db.models import NO_SUBJECT

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


def quarter_of(moment: datetime) -> datetime:
    """Start of the 15-minute UTC bucket holding `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def hour_of(moment: datetime) -> datetime:
    """Start of the UTC hour holding `moment`."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    """Start of the UTC day holding `moment`."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def week_of(moment: datetime) -> datetime:
    """Start (Monday 00:00 UTC) of the UTC week holding `moment`."""
    day = day_of(moment)
    return day - timedelta(days=day.weekday())


class NewEvent(NamedTuple):
    """A checked event, ready to store: a row of `staged_events` as it stands (a tuple is cheaper
    to build than a frozen dataclass, and COPY takes it as it is)."""

    id: str
    type: EventType
    journey_id: uuid.UUID
    node_id: uuid.UUID | None
    path_id: uuid.UUID | None
    contact_id: str
    occurred_at: datetime
    revenue: Decimal | None
    url: str | None


def unique_kind(column: str) -> str:
    """The UNIQUE_KINDS code of the event type in `column`, in SQL (NULL for the other types)."""
    return (
        f"CASE {column} " + " ".join(f"WHEN '{t.value}' THEN {k}" for t, k in UNIQUE_KINDS.items()) + " END"
    )


# One table per connection, emptied at each commit; COPY fills it.
_STAGE = sa.text(
    """
    CREATE TEMPORARY TABLE IF NOT EXISTS staged_events (
        id text, type text, journey_id uuid, node_id uuid, path_id uuid, contact_id text,
        occurred_at timestamptz, revenue numeric, url text
    ) ON COMMIT DELETE ROWS
    """
)
_STAGED_COLUMNS = NewEvent._fields
# An event's subject in SQL, as NewEvent.subject_id says it: its path, else its node, else NO_SUBJECT.
SUBJECT = (
    "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id "
    f"ELSE coalesce(node_id, '{NO_SUBJECT}'::uuid) END"
)
_INSERT_EVENTS = sa.text(
    f"""
    WITH stored AS (
        INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at,
                            revenue, url)
        SELECT :workspace_id, id, type, journey_id, node_id, path_id, contact_id,
               occurred_at, revenue, url
        FROM staged_events ORDER BY id
        ON CONFLICT (workspace_id, id) DO NOTHING
        RETURNING id, type, journey_id, node_id, path_id, contact_id, occurred_at, revenue
    ), queued AS (
        INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue)
        SELECT :workspace_id, journey_id, {SUBJECT}, type, contact_id, occurred_at, revenue FROM stored
    )
    SELECT id FROM stored
    """
)


async def insert_events(
    session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[NewEvent]
) -> set[str]:
    """Insert the events whose ids are new to the workspace, queue them for folding; return their ids.

    ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first
    writer's commit and then skip, so each id is stored, and queued, exactly once.
    """
    # Through the session, so its transaction is open before COPY: COPY on the raw connection
    # first would run outside it, and the staged rows would be emptied by their own commit.
    await session.execute(_STAGE)
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.copy_records_to_table(
        "staged_events",
        records=events,  # the type is a StrEnum: COPY writes its value as text
        columns=_STAGED_COLUMNS,
    )
    rows = await session.execute(_INSERT_EVENTS, {"workspace_id": workspace_id})
    return {row[0] for row in rows}


_KNOWN_CONTACTS = sa.text(
    "SELECT contact_id, ordinal FROM contacts WHERE workspace_id = :workspace_id AND contact_id = ANY(CAST(:ids AS text[]))"
)
_NEW_CONTACTS = sa.text(
    """
    INSERT INTO contacts (workspace_id, contact_id) SELECT :workspace_id, unnest(CAST(:ids AS text[]))
    ON CONFLICT (workspace_id, contact_id) DO NOTHING
    RETURNING contact_id, ordinal
    """
)


async def contact_ordinals(
    session: AsyncSession, workspace_id: uuid.UUID, contact_ids: set[str]
) -> dict[str, int]:
    """The ordinal of each contact, numbering new ones."""
    found: dict[str, int] = {}
    missing = sorted(contact_ids)
    while missing:
        known = await session.execute(_KNOWN_CONTACTS, {"workspace_id": workspace_id, "ids": missing})
        found.update({contact_id: ordinal for contact_id, ordinal in known})
        missing = [c for c in missing if c not in found]
        if missing:
            # A contact another transaction adds meanwhile is skipped here (conflict)
            # and found by the next look-up, whose snapshot is newer.
            added = await session.execute(_NEW_CONTACTS, {"workspace_id": workspace_id, "ids": missing})
            found.update({contact_id: ordinal for contact_id, ordinal in added})
            missing = [c for c in missing if c not in found]
    return found
