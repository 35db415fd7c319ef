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
from db.models import (
    NO_EARLIER_DAY,
    NO_SUBJECT,
    ContactDay,
    ContactQuarter,
    RollupDay,
    RollupQuarter,
    RollupWeek,
)
from db.queries.locks import lock_uniques

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


def week_of(moment: datetime) -> datetime:
    """Start (Monday 00:00 UTC) of the UTC week holding `moment`."""
    day = day_of(moment)
    return day - timedelta(days=day.weekday())


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
        """The subject it counts on: its path, else its node, else NO_SUBJECT."""
        if self.type == EventType.PATH_TRAVERSED and self.path_id is not None:
            return self.path_id
        return self.node_id or NO_SUBJECT


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


def _contact_insert(table: str, returning: str = "") -> sa.TextClause:
    return sa.text(
        f"""
        INSERT INTO {table} (workspace_id, journey_id, subject_id, kind, bucket, ordinal)
        SELECT :workspace_id, * FROM unnest(
            CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]), CAST(:kinds AS smallint[]),
            CAST(:buckets AS timestamptz[]), CAST(:ordinals AS bigint[])
        )
        ON CONFLICT DO NOTHING {returning}
        """
    )


_UPSERT_QUARTERS = _rollup_upsert(RollupQuarter.__tablename__)
_UPSERT_DAYS = _rollup_upsert(RollupDay.__tablename__)
_UPSERT_WEEKS = _rollup_upsert(RollupWeek.__tablename__)
_INSERT_CONTACT_QUARTERS = _contact_insert(ContactQuarter.__tablename__)
_INSERT_CONTACT_DAYS = _contact_insert(
    ContactDay.__tablename__, "RETURNING journey_id::text, subject_id::text, kind, bucket, ordinal"
)
_NEIGHBOUR_DAYS = sa.text(
    """
    SELECT c.journey_id::text, c.subject_id::text, c.kind, c.ordinal, c.bucket
    FROM unnest(CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]), CAST(:kinds AS smallint[]),
                CAST(:ordinals AS bigint[]), CAST(:lo AS timestamptz[]), CAST(:hi AS timestamptz[]))
         AS t(journey_id, subject_id, kind, ordinal, lo, hi)
    JOIN contact_days c ON c.workspace_id = :workspace_id AND c.journey_id = t.journey_id
        AND c.subject_id = t.subject_id AND c.kind = t.kind AND c.ordinal = t.ordinal
        AND c.bucket >= t.lo AND c.bucket <= t.hi
    """
)
_ADD_GAPS = sa.text(
    """
    INSERT INTO unique_gaps (workspace_id, journey_id, subject_id, kind, day, gap, n)
    SELECT :workspace_id, * FROM unnest(CAST(:journeys AS uuid[]), CAST(:subjects AS uuid[]),
        CAST(:kinds AS smallint[]), CAST(:days AS date[]), CAST(:gaps AS smallint[]), CAST(:ns AS int[]))
    ON CONFLICT (workspace_id, journey_id, subject_id, kind, day, gap) DO UPDATE SET n = unique_gaps.n + excluded.n
    """
)
_NO_SUBJECT_TEXT = str(NO_SUBJECT)
MAX_GAP = 366  # the longest window; longer gaps all read as NO_EARLIER_DAY
LOOKBACK = timedelta(days=MAX_GAP)


def _gap(day: datetime, previous: datetime | None) -> int:
    if previous is None or (day - previous).days > MAX_GAP:
        return NO_EARLIER_DAY
    return (day - previous).days


def _columns(rows: list[tuple[Any, ...]], names: list[str]) -> dict[str, list[Any]]:
    return {name: [row[i] for row in rows] for i, name in enumerate(names)}


async def _add_counts(
    session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[NewEvent], keys: list[tuple[str, str]]
) -> None:
    for upsert, bucket_of in (
        (_UPSERT_QUARTERS, quarter_of),
        (_UPSERT_DAYS, day_of),
        (_UPSERT_WEEKS, week_of),
    ):
        sums: dict[tuple[str, str, datetime], dict[str, Any]] = {}
        for event, (journey, subject) in zip(events, keys, strict=True):
            bucket = bucket_of(event.occurred_at)
            for key in (
                (journey, subject, bucket),
                (journey, journey, bucket),
            ):  # its subject, and its journey's totals
                row = sums.get(key)
                if row is None:
                    row = sums[key] = dict.fromkeys(COUNTERS, 0)
                    row["revenue"], row["last_event_at"] = Decimal(0), event.occurred_at
                row[event.type.column] += 1
                if event.type == EventType.TRANSACTION and event.revenue is not None:
                    row["revenue"] += event.revenue
                row["last_event_at"] = max(row["last_event_at"], event.occurred_at)
        ordered = sorted(sums)  # key order: concurrent batches queue instead of deadlocking
        params: dict[str, Any] = {
            "workspace_id": workspace_id,
            **_columns(ordered, ["journey_id", "subject_id", "bucket"]),
        }
        for column in [*COUNTERS, "revenue", "last_event_at"]:
            params[column] = [sums[k][column] for k in ordered]
        await session.execute(upsert, params)


async def _add_gaps(
    session: AsyncSession, workspace_id: uuid.UUID, new_days: list[tuple[str, str, int, datetime, int]]
) -> None:
    """Fold new contact-days into unique_gaps: each new day gets its gap, and the
    contact's next day (if any) has its gap shortened to end at the new day."""
    first: dict[tuple[str, str, int, int], datetime] = {}
    last: dict[tuple[str, str, int, int], datetime] = {}
    added: dict[tuple[str, str, int, int], set[datetime]] = {}
    for journey, subject, kind, day, ordinal in new_days:
        key = (journey, subject, kind, ordinal)
        added.setdefault(key, set()).add(day)
        first[key] = min(first.get(key, day), day)
        last[key] = max(last.get(key, day), day)
    keys = sorted(added)
    rows = await session.execute(
        _NEIGHBOUR_DAYS,
        {
            "workspace_id": workspace_id,
            **_columns(keys, ["journeys", "subjects", "kinds", "ordinals"]),
            "lo": [first[k] - LOOKBACK for k in keys],
            "hi": [last[k] + LOOKBACK for k in keys],
        },
    )
    days: dict[tuple[str, str, int, int], list[datetime]] = {}
    for journey, subject, kind, ordinal, day in rows:
        days.setdefault((journey, subject, kind, ordinal), []).append(day)
    delta: dict[tuple[str, str, int, Any, int], int] = defaultdict(int)
    for key, now_days in days.items():
        now_days.sort()
        new = added[key]
        old_days = [d for d in now_days if d not in new]
        # Only the new days, and the old day right after each, change their gap.
        touched = set(new)
        for i, d in enumerate(now_days[:-1]):
            if d in new and now_days[i + 1] not in new:
                touched.add(now_days[i + 1])
        for listed, sign in ((old_days, -1), (now_days, 1)):
            previous = None
            for d in listed:
                if d in touched:
                    delta[(key[0], key[1], key[2], d.date(), _gap(d, previous))] += sign
                previous = d
    changes = sorted((k, n) for k, n in delta.items() if n)
    if changes:
        await session.execute(
            _ADD_GAPS,
            {
                "workspace_id": workspace_id,
                **_columns([k for k, _ in changes], ["journeys", "subjects", "kinds", "days", "gaps"]),
                "ns": [n for _, n in changes],
            },
        )


async def add_to_rollups(
    session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[NewEvent], ordinals: dict[str, int]
) -> None:
    """Add newly stored events to the count rollups, the contact sets and the gap counts."""
    keys = [(str(e.journey_id), str(e.subject_id)) for e in events]
    await _add_counts(session, workspace_id, events, keys)
    quarters: set[tuple[str, str, int, datetime, int]] = set()
    days: set[tuple[str, str, int, datetime, int]] = set()
    for event, (journey, subject) in zip(events, keys, strict=True):
        kind = UNIQUE_KINDS.get(event.type)
        if kind is None:
            continue
        ordinal = ordinals[event.contact_id]
        quarter, day = quarter_of(event.occurred_at), day_of(event.occurred_at)
        # Each contact counts on its subject and, separately, on the journey as a whole.
        for scope in {subject, journey} - {_NO_SUBJECT_TEXT}:
            quarters.add((journey, scope, kind, quarter, ordinal))
            days.add((journey, scope, kind, day, ordinal))
    if not quarters:
        return
    names = ["journeys", "subjects", "kinds", "buckets", "ordinals"]
    await session.execute(
        _INSERT_CONTACT_QUARTERS, {"workspace_id": workspace_id, **_columns(sorted(quarters), names)}
    )
    # Gaps depend on a contact's neighbouring days: one writer per workspace at a time.
    await lock_uniques(session, workspace_id)
    rows = await session.execute(
        _INSERT_CONTACT_DAYS, {"workspace_id": workspace_id, **_columns(sorted(days), names)}
    )
    new_days = [(j, s, k, b, o) for j, s, k, b, o in rows]
    if new_days:
        await _add_gaps(session, workspace_id, new_days)
