"""Storing events: appended to `events` and to the tail the folder reads, in the caller's transaction.

Each event of a type counted in distinct contacts needs its contact's ordinal;
the server remembers committed ones (db/ordinals.py), and the rest are read, or
numbered when new, in at most three statements over the batch's unknown
contacts. The batch is then copied, ordinals included, into a temporary table
(COPY: no parameter per value), and one statement inserts what is new into
`events` (the primary key decides what is a duplicate) and queues exactly those
rows in `event_tail`. Nothing else is written on this path: the rollups and
contact sets are the folder's (db/queries/fold.py), and figures read the tail
until it has folded it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, NamedTuple

import sqlalchemy as sa

from journeygraph.db.enums import UNIQUE_KINDS, EventType
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries.enrollments import SHAPING

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from journeygraph.db.ordinals import Ordinals


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


# One table per connection, emptied at each commit; COPY fills it. Its ids sort as `events`' key
# compares them, byte by byte.
_STAGE = sa.text(
    """
    CREATE TEMPORARY TABLE IF NOT EXISTS staged_events (
        id text COLLATE "C", type text, journey_id uuid, node_id uuid, path_id uuid, contact_id text,
        occurred_at timestamptz, revenue numeric, url text, ordinal bigint
    ) ON COMMIT DELETE ROWS
    """
)
_STAGED_COLUMNS = (*NewEvent._fields, "ordinal")
# An event's subject in SQL, as NewEvent.subject_id says it: its path, else its node, else NO_SUBJECT.
SUBJECT = (
    "CASE WHEN type = 'PATH_TRAVERSED' AND path_id IS NOT NULL THEN path_id "
    f"ELSE coalesce(node_id, '{NO_SUBJECT}'::uuid) END"
)
# The id the tail keeps of an event: only of those that shape runs (db/queries/run_states.py).
SHAPING_ID = f"CASE WHEN type IN {SHAPING} THEN id END"
_UNIQUE = frozenset(UNIQUE_KINDS)
_ORDINALS = sa.text(
    "SELECT contact_id, ordinal FROM contacts"
    " WHERE workspace_id = :workspace_id AND contact_id = ANY(CAST(:contacts AS text[]))"
)
# New contacts numbered before any event is stored, in contact order: two batches numbering the same
# new contacts at once then wait for each other in one order, never in a cycle; and contacts always
# before events, in every batch. A contact another batch is numbering meanwhile is skipped here (the
# conflict waits for its commit) and read by the next _ORDINALS, which sees what committed before it.
_NUMBER_CONTACTS = sa.text(
    """
    INSERT INTO contacts (workspace_id, contact_id)
    SELECT :workspace_id, w.contact_id FROM unnest(CAST(:contacts AS text[])) AS w(contact_id)
    ORDER BY w.contact_id COLLATE "C"
    ON CONFLICT (workspace_id, contact_id) DO NOTHING
    RETURNING contact_id, ordinal
    """
)
# What is new goes into `events` (the primary key decides what is a duplicate), and exactly those
# rows into the tail, each with the ordinal staged beside it.
_INSERT_EVENTS = sa.text(
    f"""
    WITH stored AS (
        INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at,
                            revenue, url)
        SELECT :workspace_id, id, type, journey_id, node_id, path_id, contact_id,
               occurred_at, revenue, url
        FROM staged_events ORDER BY id
        ON CONFLICT (workspace_id, id) DO NOTHING
        RETURNING id
    ), queued AS (
        INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at, revenue,
                                ordinal, event_id)
        SELECT :workspace_id, journey_id, {SUBJECT}, type, contact_id, occurred_at, revenue, ordinal, {SHAPING_ID}
        FROM staged_events JOIN stored USING (id)
    )
    SELECT id FROM stored
    """
)


class Stored(NamedTuple):
    """What `insert_events` stored, and the contacts' ordinals it read or numbered to do it."""

    ids: set[str]
    ordinals: dict[str, int]  # to remember (db/ordinals.py) once the caller's transaction commits


async def contact_ordinals(
    session: AsyncSession, workspace_id: uuid.UUID, contacts: set[str]
) -> dict[str, int]:
    """The ordinals of `contacts`, numbering those new to the workspace (in the caller's transaction)."""
    found: dict[str, int] = {}
    params = {"workspace_id": workspace_id}
    for statement in (_ORDINALS, _NUMBER_CONTACTS, _ORDINALS):
        rest = sorted(contacts.difference(found))
        if not rest:
            break
        found.update(
            (row[0], row[1]) for row in await session.execute(statement, {**params, "contacts": rest})
        )
    missing = contacts.difference(found)
    assert not missing, f"contacts without an ordinal after numbering: {sorted(missing)[:3]}"
    return found


async def insert_events(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    events: Sequence[NewEvent],
    ordinals: Ordinals | None = None,
) -> Stored:
    """Insert the events whose ids are new to the workspace and queue them for folding.

    Events whose distinct contacts are counted are queued with their contact's
    ordinal: taken from `ordinals` when it knows the contact, else read or
    numbered here. ON CONFLICT DO NOTHING makes a concurrent duplicate wait for
    the first writer's commit and then skip, so each id is stored, and queued,
    exactly once.
    """
    known: dict[str, int] = {}
    unknown: set[str] = set()
    for event in events:
        if event.type in _UNIQUE and event.contact_id not in known:
            ordinal = ordinals.get(workspace_id, event.contact_id) if ordinals is not None else None
            if ordinal is None:
                unknown.add(event.contact_id)
            else:
                known[event.contact_id] = ordinal
    looked_up = await contact_ordinals(session, workspace_id, unknown) if unknown else {}
    known.update(looked_up)
    # Through the session, so its transaction is open before COPY: COPY on the raw connection
    # first would run outside it, and the staged rows would be emptied by their own commit.
    await session.execute(_STAGE)
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.copy_records_to_table(
        "staged_events",
        # the type is a StrEnum: COPY writes its value as text
        records=[(*e, known[e.contact_id] if e.type in _UNIQUE else None) for e in events],
        columns=_STAGED_COLUMNS,
    )
    rows = await session.execute(_INSERT_EVENTS, {"workspace_id": workspace_id})
    return Stored({row[0] for row in rows}, looked_up)
