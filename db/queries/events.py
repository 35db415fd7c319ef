"""Storing events: appended to `events` and to the tail the folder reads, in the caller's transaction.

A batch is copied into a temporary table (COPY: no parameter per value). One
statement numbers its new contacts; one inserts what is new into `events` (the
primary key decides what is a duplicate) and queues exactly those rows in
`event_tail`, each event of a type counted in distinct contacts with its
contact's ordinal. Nothing else is written on this path: the rollups and
contact sets are the folder's (db/queries/fold.py), and figures read the tail
until it has folded it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa

from journeygraph.db.enums import UNIQUE_KINDS, UNIQUE_TYPES, EventType
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
# The batch's new contacts numbered (contacts.ordinal) before its events are stored, so each event
# of a unique-counted type is queued with its ordinal. In contact order: two batches numbering the
# same new contacts at once then wait for each other in one order, never in a cycle; and contacts
# always before events, in every batch.
_NUMBER_CONTACTS = sa.text(
    f"""
    INSERT INTO contacts (workspace_id, contact_id)
    SELECT :workspace_id, w.contact_id
    FROM (SELECT DISTINCT contact_id FROM staged_events WHERE type IN {UNIQUE_TYPES}) AS w
    WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.workspace_id = :workspace_id AND c.contact_id = w.contact_id)
    ORDER BY w.contact_id
    ON CONFLICT (workspace_id, contact_id) DO NOTHING
    """
)
# A contact another batch numbered meanwhile was skipped above (the conflict waits for its commit),
# and is found here: each statement reads what was committed before it began.
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
        INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue,
                                ordinal)
        SELECT :workspace_id, journey_id, {SUBJECT}, type, contact_id, occurred_at, revenue,
               CASE WHEN type IN {UNIQUE_TYPES} THEN (
                   SELECT c.ordinal FROM contacts c
                   WHERE c.workspace_id = :workspace_id AND c.contact_id = stored.contact_id) END
        FROM stored
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
    await session.execute(_NUMBER_CONTACTS, {"workspace_id": workspace_id})
    rows = await session.execute(_INSERT_EVENTS, {"workspace_id": workspace_id})
    return {row[0] for row in rows}
