"""Storing events and keeping the rollups in step, in the caller's transaction.

Every statement takes whole arrays (`unnest`), so a batch of 10,000 events is a
handful of statements. Rows are written in key order so that concurrent
batches touching the same rollup rows queue instead of deadlocking.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from db.enums import UNIQUE_KINDS, EventType
from db.models import ContactDay, ContactQuarter, RollupDay, RollupQuarter

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

QUARTER = timedelta(minutes=15)
COUNTERS = [t.column for t in EventType]


def quarter_of(moment: datetime) -> datetime:
    """Start of the 15-minute UTC bucket holding `moment`."""
    moment = moment.astimezone(UTC)
    return moment.replace(minute=moment.minute - moment.minute % 15, second=0, microsecond=0)


def day_of(moment: datetime) -> datetime:
    """Start of the UTC day holding `moment`."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class NewEvent:
    """A checked event, ready to store."""

    id: str
    type: EventType
    journey_id: uuid.UUID
    node_id: uuid.UUID | None
    path_id: uuid.UUID | None
    contact_id: str
    occurred_at: datetime
    revenue: Decimal | None
    url: str | None

    @property
    def subject_id(self) -> uuid.UUID:
        """The rollup row it counts in: its path, else its node, else the journey itself."""
        if self.type == EventType.PATH_TRAVERSED and self.path_id is not None:
            return self.path_id
        return self.node_id or self.journey_id


_INSERT_EVENTS = sa.text(
    """
    INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at, revenue, url)
    SELECT :workspace_id, * FROM unnest(
        CAST(:ids AS text[]), CAST(:types AS text[]), CAST(:journeys AS uuid[]), CAST(:nodes AS uuid[]),
        CAST(:paths AS uuid[]), CAST(:contacts AS text[]), CAST(:occurred AS timestamptz[]),
        CAST(:revenues AS numeric[]), CAST(:urls AS text[])
    )
    ON CONFLICT (workspace_id, id) DO NOTHING
    RETURNING id
    """
)


async def insert_events(
    session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[NewEvent]
) -> set[str]:
    """Insert the events whose ids are new to the workspace; return those ids.

    ON CONFLICT DO NOTHING makes a concurrent duplicate wait for the first
    writer's commit and then skip, so each id is counted exactly once.
    """
    ordered = sorted(events, key=lambda e: e.id)
    rows = await session.execute(
        _INSERT_EVENTS,
        {
            "workspace_id": workspace_id,
            "ids": [e.id for e in ordered],
            "types": [e.type.value for e in ordered],
            "journeys": [e.journey_id for e in ordered],
            "nodes": [e.node_id for e in ordered],
            "paths": [e.path_id for e in ordered],
            "contacts": [e.contact_id for e in ordered],
            "occurred": [e.occurred_at for e in ordered],
            "revenues": [e.revenue for e in ordered],
            "urls": [e.url for e in ordered],
        },
    )
    return {row[0] for row in rows}


_ORDINALS = sa.text(
    """
    WITH wanted AS (SELECT unnest(CAST(:ids AS text[])) AS contact_id),
    added AS (
        INSERT INTO contacts (workspace_id, contact_id)
        SELECT :workspace_id, contact_id FROM wanted
        ON CONFLICT (workspace_id, contact_id) DO NOTHING
        RETURNING contact_id, ordinal
    )
    SELECT contact_id, ordinal FROM added
    UNION ALL
    SELECT c.contact_id, c.ordinal FROM contacts c JOIN wanted w USING (contact_id)
    WHERE c.workspace_id = :workspace_id
    """
)


async def contact_ordinals(
    session: AsyncSession, workspace_id: uuid.UUID, contact_ids: set[str]
) -> dict[str, int]:
    """The ordinal of each contact, numbering new ones."""
    found: dict[str, int] = {}
    missing = sorted(contact_ids)
    while missing:
        # A contact another transaction added after this statement's snapshot is neither
        # inserted (conflict) nor seen (snapshot); the next statement's snapshot sees it.
        rows = await session.execute(_ORDINALS, {"workspace_id": workspace_id, "ids": missing})
        found.update({contact_id: ordinal for contact_id, ordinal in rows})
        missing = [c for c in missing if c not in found]
    return found


def _rollup_upsert(table: str) -> sa.TextClause:
    columns = ["journey_id", "subject_id", "bucket", *COUNTERS, "revenue", "last_event_at"]
    casts = ["uuid[]", "uuid[]", "timestamptz[]", *["bigint[]"] * len(COUNTERS), "numeric[]", "timestamptz[]"]
    arrays = ", ".join(f"CAST(:{c} AS {t})" for c, t in zip(columns, casts, strict=True))
    updates = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in [*COUNTERS, "revenue"])
    return sa.text(
        f"""
        INSERT INTO {table} (workspace_id, {", ".join(columns)})
        SELECT :workspace_id, * FROM unnest({arrays})
        ON CONFLICT (workspace_id, journey_id, subject_id, bucket) DO UPDATE SET {updates},
            last_event_at = greatest({table}.last_event_at, excluded.last_event_at)
        """
    )


def _contact_insert(table: str) -> sa.TextClause:
    return sa.text(
        f"""
        INSERT INTO {table} (workspace_id, journey_id, subject_id, kind, bucket, ordinal)
        SELECT :workspace_id, * FROM unnest(
            CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]), CAST(:kinds AS smallint[]),
            CAST(:buckets AS timestamptz[]), CAST(:ordinals AS bigint[])
        )
        ON CONFLICT DO NOTHING
        """
    )


# (count upsert, contact-set insert, bucket function) for each bucket size
ROLLUPS: list[tuple[sa.TextClause, sa.TextClause, Any]] = [
    (_rollup_upsert(RollupQuarter.__tablename__), _contact_insert(ContactQuarter.__tablename__), quarter_of),
    (_rollup_upsert(RollupDay.__tablename__), _contact_insert(ContactDay.__tablename__), day_of),
]


async def add_to_rollups(
    session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[NewEvent], ordinals: dict[str, int]
) -> None:
    """Add newly stored events to the count rollups and the contact sets, at both bucket sizes."""
    for upsert, insert_members, bucket_of in ROLLUPS:
        sums: dict[tuple[uuid.UUID, uuid.UUID, datetime], dict[str, Any]] = {}
        members: set[tuple[uuid.UUID, uuid.UUID, int, datetime, int]] = set()
        for event in events:
            bucket = bucket_of(event.occurred_at)
            key = (event.journey_id, event.subject_id, bucket)
            row = sums.get(key)
            if row is None:
                row = sums[key] = defaultdict(int, revenue=Decimal(0), last_event_at=event.occurred_at)
            row[event.type.column] += 1
            if event.type == EventType.TRANSACTION and event.revenue is not None:
                row["revenue"] += event.revenue
            row["last_event_at"] = max(row["last_event_at"], event.occurred_at)
            kind = UNIQUE_KINDS.get(event.type)
            if kind is not None:
                members.add((event.journey_id, event.subject_id, kind, bucket, ordinals[event.contact_id]))
        keys = sorted(sums)
        params: dict[str, Any] = {
            "workspace_id": workspace_id,
            "journey_id": [k[0] for k in keys],
            "subject_id": [k[1] for k in keys],
            "bucket": [k[2] for k in keys],
            "revenue": [sums[k]["revenue"] for k in keys],
            "last_event_at": [sums[k]["last_event_at"] for k in keys],
        }
        for column in COUNTERS:
            params[column] = [sums[k][column] for k in keys]
        await session.execute(upsert, params)
        if members:
            rows = sorted(members)
            await session.execute(
                insert_members,
                {
                    "workspace_id": workspace_id,
                    "journeys": [r[0] for r in rows],
                    "subjects": [r[1] for r in rows],
                    "kinds": [r[2] for r in rows],
                    "buckets": [r[3] for r in rows],
                    "ordinals": [r[4] for r in rows],
                },
            )
