"""Taking in events: one code path behind `POST /v1/events` and `recordEvents`.

Each event is checked on its own; the good ones of a batch are stored, and
rollups updated, in one transaction, so an accepted event shows in every
figure as soon as the answer is sent. Ids already stored are duplicates.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from db.enums import UNIQUE_KINDS, EventType
from db.queries import events as store
from db.queries.locks import lock_for_ingest
from db.queries.lookups import existing_journeys, node_owners, path_owners
from resolvers.ids import parse_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

MAX_ID = 128
MAX_CONTACT = 256
MAX_URL = 2048
FUTURE_SLACK = timedelta(minutes=15)
NEEDS_NODE = frozenset(
    {
        EventType.NODE_ENTERED,
        EventType.MESSAGE_SENT,
        EventType.MESSAGE_DELIVERED,
        EventType.MESSAGE_BOUNCED,
        EventType.MESSAGE_OPENED,
        EventType.MESSAGE_CLICKED,
        EventType.UNSUBSCRIBED,
        EventType.SPAM_COMPLAINT,
        EventType.HOLDOUT_GLOBAL,
        EventType.HOLDOUT_JOURNEY,
        EventType.ADDED_TO_CART,
        EventType.TRANSACTION,
        EventType.WEBHOOK_SUCCEEDED,
        EventType.WEBHOOK_FAILED,
    }
)


@dataclass(frozen=True)
class Rejection:
    index: int
    id: str | None
    code: str
    message: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejection] = field(default_factory=list)


class _Reject(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code, self.message = code, message


def _text(raw: dict[str, Any], name: str, limit: int, required: bool = True) -> str | None:
    value = raw.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= limit:
        raise _Reject("INVALID", f"{name} must be a string of 1 to {limit} characters")
    return value


def _uuid(raw: dict[str, Any], name: str, missing_code: str | None, unknown_code: str) -> uuid.UUID | None:
    value = raw.get(name)
    if value is None:
        if missing_code is not None:
            raise _Reject(missing_code, f"{name} is required for this event type")
        return None
    parsed = parse_id(value) if isinstance(value, str) else None
    if parsed is None:
        raise _Reject(unknown_code, f"{name} {value!r} does not exist")
    return parsed


def _moment(raw: dict[str, Any], now: datetime) -> datetime:
    value = raw.get("occurredAt")
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise _Reject("INVALID", "occurredAt must be an RFC 3339 timestamp with an offset")
    if value > now + FUTURE_SLACK:
        raise _Reject(
            "FUTURE_TIMESTAMP", f"occurredAt {value.isoformat()} is more than 15 minutes in the future"
        )
    return value.astimezone(UTC)


def _revenue(raw: dict[str, Any], event_type: EventType) -> Decimal | None:
    if event_type != EventType.TRANSACTION:
        return None  # only transactions carry revenue; anything else sent is ignored
    value = raw.get("revenue")
    if value is None:
        raise _Reject("MISSING_REVENUE", "revenue is required for TRANSACTION")
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise _Reject("INVALID", "revenue must be a decimal number or a string holding one")
    try:
        # a float here only comes from a caller who parsed JSON lossily; str() keeps what they see
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        raise _Reject("INVALID", f"revenue {value!r} is not a decimal number") from None
    if not amount.is_finite():
        raise _Reject("INVALID", f"revenue {value!r} is not a finite number")
    if amount < 0:
        raise _Reject("NEGATIVE_REVENUE", f"revenue {value} is negative")
    return amount


def check_event(raw: Any, now: datetime) -> store.NewEvent:
    """Check one event's own fields (not yet against the database)."""
    if not isinstance(raw, dict):
        raise _Reject("INVALID", "an event must be a JSON object")
    event_id = _text(raw, "id", MAX_ID)
    assert event_id is not None
    try:
        event_type = EventType(str(raw.get("type")))
    except ValueError:
        raise _Reject("INVALID", f"type {raw.get('type')!r} is not an event type") from None
    journey_id = _uuid(raw, "journeyId", "INVALID", "UNKNOWN_JOURNEY")
    assert journey_id is not None
    node_id = _uuid(raw, "nodeId", "MISSING_NODE" if event_type in NEEDS_NODE else None, "UNKNOWN_NODE")
    path_needed = event_type == EventType.PATH_TRAVERSED
    # Only PATH_TRAVERSED is about a path; a pathId on another type is not checked or kept.
    path_id = _uuid(raw, "pathId", "MISSING_PATH", "UNKNOWN_PATH") if path_needed else None
    contact_id = _text(raw, "contactId", MAX_CONTACT)
    assert contact_id is not None
    return store.NewEvent(
        id=event_id,
        type=event_type,
        journey_id=journey_id,
        node_id=node_id,
        path_id=path_id,
        contact_id=contact_id,
        occurred_at=_moment(raw, now),
        revenue=_revenue(raw, event_type),
        url=_text(raw, "url", MAX_URL, required=False),
    )


async def ingest(
    sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID, raw_events: Sequence[Any]
) -> IngestResult:
    """Check, store and count a batch of events; see the module docstring."""
    now = datetime.now(UTC)
    result = IngestResult()
    shaped: list[tuple[int, store.NewEvent]] = []
    for index, raw in enumerate(raw_events):
        try:
            shaped.append((index, check_event(raw, now)))
        except _Reject as problem:
            raw_id = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
            result.rejected.append(Rejection(index, raw_id, problem.code, problem.message))

    async with sessions.begin() as session:
        await lock_for_ingest(session, workspace_id)
        good = await _known(session, workspace_id, shaped, result)
        seen: set[str] = set()
        unique: list[store.NewEvent] = []
        for event in good:
            if event.id in seen:
                result.duplicates += 1  # the same id twice in one batch
            else:
                seen.add(event.id)
                unique.append(event)
        stored = await store.insert_events(session, workspace_id, unique) if unique else set()
        fresh = [event for event in unique if event.id in stored]
        result.accepted = len(fresh)
        result.duplicates += len(unique) - len(fresh)
        if fresh:
            ordinals = await store.contact_ordinals(
                session, workspace_id, {e.contact_id for e in fresh if e.type in UNIQUE_KINDS}
            )
            await store.add_to_rollups(session, workspace_id, fresh, ordinals)
    result.rejected.sort(key=lambda r: r.index)
    return result


async def _known(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    shaped: list[tuple[int, store.NewEvent]],
    result: IngestResult,
) -> list[store.NewEvent]:
    """The events whose journey, node and path exist in the workspace and belong together."""
    journeys = await existing_journeys(session, workspace_id, {e.journey_id for _, e in shaped})
    nodes = await node_owners(session, workspace_id, {e.node_id for _, e in shaped if e.node_id})
    paths = await path_owners(session, workspace_id, {e.path_id for _, e in shaped if e.path_id})
    good = []
    for index, event in shaped:
        problem = None
        if event.journey_id not in journeys:
            problem = ("UNKNOWN_JOURNEY", f"journeyId {event.journey_id} does not exist")
        elif event.node_id is not None and event.node_id not in nodes:
            problem = ("UNKNOWN_NODE", f"nodeId {event.node_id} does not exist")
        elif event.node_id is not None and nodes[event.node_id][0] != event.journey_id:
            problem = (
                "NODE_NOT_IN_JOURNEY",
                f"node {event.node_id} is not part of journey {event.journey_id}",
            )
        elif event.path_id is not None and event.path_id not in paths:
            problem = ("UNKNOWN_PATH", f"pathId {event.path_id} does not exist")
        elif event.path_id is not None and paths[event.path_id] != event.journey_id:
            problem = (
                "NODE_NOT_IN_JOURNEY",
                f"path {event.path_id} is not part of journey {event.journey_id}",
            )
        if problem is None:
            good.append(event)
        else:
            result.rejected.append(Rejection(index, event.id, *problem))
    return good
