"""Taking in events: one code path behind `POST /v1/events` and `recordEvents`.

Each event is checked on its own; the good ones of a batch are stored and
queued for the folder in one transaction, and figures read that queue (the
tail) as well as the rollups, so an accepted event shows in every figure as
soon as the answer is sent. Ids already stored are duplicates.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeGuard

from pydantic import ValidationError

from journeygraph.core.errors import shown
from journeygraph.db.enums import EventType
from journeygraph.db.queries import events as store
from journeygraph.db.queries.locks import lock_for_ingest
from journeygraph.db.queries.lookups import existing_journeys, node_owners, path_owners
from journeygraph.db.text import is_unicode, text_problem
from journeygraph.resolvers.event_schema import (
    EARLIEST,
    FUTURE_SLACK,
    MAX_CONTACT,
    MAX_ID,
    MAX_URL,
    NEEDS_NODE,
    EventIn,
    Unreadable,
    rejection_of,
)
from journeygraph.resolvers.ids import parse_id

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from journeygraph.db.ordinals import Ordinals


ECHOED_ID = 1024
# Checking a batch of 5,000 in one go would hold the event loop for 10 to 25 ms (2 µs a plain event,
# 5 or more the long way), and a canvas request waiting behind every such batch is what made it slow
# during ingestion.
YIELD_EVERY = 250
_TYPES = {t.value: t for t in EventType}
# RFC 3339's own form (upper-case T and Z, offsets within a day, at most microseconds): one that
# pydantic and datetime.fromisoformat read alike. Other forms pydantic takes go the long way.
_MOMENT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
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


def _uuid(value: Any, name: str, missing_code: str | None, unknown_code: str) -> uuid.UUID | None:
    if value is None:
        if missing_code is not None:
            raise _Reject(missing_code, f"{name} is required for this event type")
        return None
    parsed = parse_id(value) if isinstance(value, str) else None
    if parsed is None:
        raise _Reject(unknown_code, f"{name} {shown(value)} does not exist")
    return parsed


def _echoed_id(raw: Any) -> str | None:
    """A rejected event's id as the answer may repeat it: a string of valid text up to
    ECHOED_ID characters (an over-long one too, so the sender can find it), else None."""
    value = raw.get("id") if isinstance(raw, dict) else None
    if not isinstance(value, str) or len(value) > ECHOED_ID:
        return None
    return value if is_unicode(value) else None


def check_event(raw: Any, now: datetime) -> store.NewEvent:
    """Check one event's own fields (not yet against the database)."""
    return plain_event(raw, now) or _checked(raw, now)


def _text(value: Any, longest: int) -> TypeGuard[str]:
    """`value` is a string that EventIn takes as it is: 1 to `longest` characters of valid text, no NUL."""
    return type(value) is str and 0 < len(value) <= longest and text_problem(value) is None


def _plain_id(value: Any) -> uuid.UUID | None:
    return parse_id(value) if type(value) is str else None


def plain_event(raw: Any, now: datetime) -> store.NewEvent | None:
    """The event as `_checked` would store it when it is plainly good, else None (then `_checked` decides).

    Most events are plain: an object of strings in their bounds, a known type other
    than TRANSACTION, the journey's, node's and path's ids where the type needs them
    and a timestamp in the form RFC 3339 writes. For those this does in plain Python
    what pydantic and `_checked` do, in under half the time (2.4 µs an event
    against 5.2, docs/performance.md "Stop 33"); anything else, a transaction's
    revenue, any doubt, goes the long way, which alone words rejections. A property
    test (tests/resolvers/test_plain_events.py) holds the two to the same answer.
    """
    if type(raw) is not dict:
        return None
    named = raw.get("type")
    kind = _TYPES.get(named) if type(named) is str else None
    if kind is None or kind is EventType.TRANSACTION:
        return None
    event_id, contact_id, url = raw.get("id"), raw.get("contactId"), raw.get("url")
    if not (_text(event_id, MAX_ID) and _text(contact_id, MAX_CONTACT)):
        return None
    if url is not None and not _text(url, MAX_URL):
        return None
    moment = raw.get("occurredAt")
    if type(moment) is not str or _MOMENT.fullmatch(moment) is None:
        return None
    try:
        occurred_at = datetime.fromisoformat(moment)
    except ValueError:
        return None
    if not EARLIEST <= occurred_at <= now + FUTURE_SLACK:
        return None
    node = raw.get("nodeId")
    if node is None and kind in NEEDS_NODE:
        return None
    node_id = None if node is None else _plain_id(node)
    journey_id = _plain_id(raw.get("journeyId"))
    path_id = _plain_id(raw.get("pathId")) if kind is EventType.PATH_TRAVERSED else None
    if journey_id is None or (node is not None and node_id is None):
        return None
    if path_id is None and kind is EventType.PATH_TRAVERSED:
        return None
    return store.NewEvent(event_id, kind, journey_id, node_id, path_id, contact_id, occurred_at, None, url)


def _checked(raw: Any, now: datetime) -> store.NewEvent:
    """The long way, for any event: pydantic's EventIn, whose errors word the rejections."""
    if isinstance(raw, Unreadable):
        raise _Reject("INVALID", raw.message)
    if not isinstance(raw, dict):
        raise _Reject("INVALID", "an event must be a JSON object")
    try:
        event = EventIn.model_validate(raw)
    except ValidationError as error:
        raise _Reject(*rejection_of(error)) from None
    if event.occurred_at > now + FUTURE_SLACK:
        raise _Reject(
            "FUTURE_TIMESTAMP",
            f"occurredAt {event.occurred_at.isoformat()} is more than 15 minutes in the future",
        )
    journey_id = _uuid(event.journey_id, "journeyId", "INVALID", "UNKNOWN_JOURNEY")
    assert journey_id is not None
    node_needed = "MISSING_NODE" if event.type in NEEDS_NODE else None
    node_id = _uuid(event.node_id, "nodeId", node_needed, "UNKNOWN_NODE")
    # Only PATH_TRAVERSED is about a path; a pathId on another type is not checked or kept.
    path_needed = event.type == EventType.PATH_TRAVERSED
    path_id = _uuid(event.path_id, "pathId", "MISSING_PATH", "UNKNOWN_PATH") if path_needed else None
    # Only transactions carry revenue; anything else sent is ignored.
    revenue = event.revenue if event.type == EventType.TRANSACTION else None
    if event.type == EventType.TRANSACTION and revenue is None:
        raise _Reject("MISSING_REVENUE", "revenue is required for TRANSACTION")
    return store.NewEvent(
        id=event.id,
        type=event.type,
        journey_id=journey_id,
        node_id=node_id,
        path_id=path_id,
        contact_id=event.contact_id,
        occurred_at=event.occurred_at,
        revenue=revenue,
        url=event.url,
    )


async def ingest(
    sessions: async_sessionmaker[AsyncSession],
    workspace_id: uuid.UUID,
    raw_events: Sequence[Any],
    ordinals: Ordinals | None = None,
) -> IngestResult:
    """Check, store and count a batch of events; see the module docstring.

    `ordinals` is the process's memory of contacts' ordinals (db/ordinals.py): it
    spares known contacts a look-up, and learns the batch's once it has committed.
    """
    now = datetime.now(UTC)
    result = IngestResult()
    shaped: list[tuple[int, store.NewEvent]] = []
    for index, raw in enumerate(raw_events):
        if index and not index % YIELD_EVERY:
            await asyncio.sleep(0)  # let the process's other requests (a canvas) run between slices
        try:
            shaped.append((index, check_event(raw, now)))
        except _Reject as problem:
            result.rejected.append(Rejection(index, _echoed_id(raw), problem.code, problem.message))

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
        stored = await store.insert_events(session, workspace_id, unique, ordinals) if unique else None
        result.accepted = len(stored.ids) if stored is not None else 0
        result.duplicates += len(unique) - result.accepted
    if stored is not None and ordinals is not None:
        ordinals.learn(workspace_id, stored.ordinals)  # committed now: `begin()` commits on leaving
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
        elif event.node_id is not None and nodes[event.node_id] != event.journey_id:
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
