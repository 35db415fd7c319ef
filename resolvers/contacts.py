"""Contacts in journeys: enrollments, who waits at each node, and the contacts behind a node's figure."""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections import defaultdict
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from strawberry.dataloader import DataLoader

from journeygraph.core.errors import bad_user_input, shown
from journeygraph.db.enums import UNIQUE_KINDS, EventType
from journeygraph.db.queries import enrollments, node_contacts
from journeygraph.db.queries.enrollments import Run, RunFilter
from journeygraph.db.queries.node_contacts import NodeContact
from journeygraph.db.queries.performance import uniques
from journeygraph.db.text import text_problem
from journeygraph.resolvers.ids import parse_id
from journeygraph.resolvers.pagination import decode_parts, encode_parts
from journeygraph.resolvers.performance import ranges_of
from journeygraph.resolvers.windows import Span, window

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from journeygraph.db.records import JourneyRecord, NodeRecord
    from journeygraph.resolvers.context import Context

MAX_CONTACT = 256  # the longest contact id an event can carry


class EnrollmentStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    EXITED = "EXITED"


class ContactActivity(enum.StrEnum):
    """What a contact did at a node, by the event type it is recorded as (ACTIVITY_EVENTS)."""

    ENTERED = "ENTERED"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    OPENED = "OPENED"
    CLICKED = "CLICKED"
    CONVERTED = "CONVERTED"
    EXITED = "EXITED"
    COMPLETED = "COMPLETED"


ACTIVITY_EVENTS = {
    ContactActivity.ENTERED: EventType.NODE_ENTERED,
    ContactActivity.SENT: EventType.MESSAGE_SENT,
    ContactActivity.DELIVERED: EventType.MESSAGE_DELIVERED,
    ContactActivity.OPENED: EventType.MESSAGE_OPENED,
    ContactActivity.CLICKED: EventType.MESSAGE_CLICKED,
    ContactActivity.CONVERTED: EventType.GOAL_CONVERTED,
    ContactActivity.EXITED: EventType.JOURNEY_EXITED,
    ContactActivity.COMPLETED: EventType.JOURNEY_COMPLETED,
}


class Page:
    """One page of a connection, read when a field of it is first asked for: its items with
    their cursors, whether more follow, and how many match in all (read only when asked)."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[tuple[list[tuple[str, Any]], bool]]],
        has_previous_page: bool,
        total: Callable[[], Awaitable[int]],
    ) -> None:
        self._fetch = fetch
        self._fetched: asyncio.Task[tuple[list[tuple[str, Any]], bool]] | None = None
        self.has_previous_page = has_previous_page
        self.total = total

    async def items(self) -> tuple[list[tuple[str, Any]], bool]:
        """(cursor, item) pairs and whether a next page exists; one read however many fields ask."""
        if self._fetched is None:
            self._fetched = asyncio.ensure_future(self._fetch())
        return await self._fetched


async def _nothing() -> int:
    return 0


def _first(context: Context, first: int) -> int:
    limit = context.settings.max_page_size
    if not 0 <= first <= limit:
        raise bad_user_input(f"first must be between 0 and {limit}, got {first}")
    return first


# --- enrollments -------------------------------------------------------------------------------


def _run_cursor(run: Run) -> str:
    return encode_parts([run.entered_at.isoformat(), run.contact_id, run.entry_id])


def _run_position(cursor: str) -> enrollments.Position:
    entered, contact_id, entry_id = decode_parts(cursor, 3)
    try:
        at = datetime.fromisoformat(entered)
    except ValueError:
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list") from None
    # our cursors hold an event's occurredAt: aware, from 1970 on
    if at.tzinfo is None or not 1970 <= at.year <= 9998 or text_problem(contact_id + entry_id):
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list")
    return at, contact_id, entry_id


def _contact_filter(contact_id: str | None) -> str | None:
    if contact_id is not None and len(contact_id) > MAX_CONTACT:
        raise bad_user_input(
            f"contactId is {len(contact_id)} characters; contact ids have at most {MAX_CONTACT}"
        )
    return contact_id


async def enrollment_page(
    context: Context,
    journey: JourneyRecord,
    status: EnrollmentStatus | None,
    node_id: str | None,
    contact_id: str | None,
    first: int,
    after: str | None,
) -> Page:
    """A journey's runs, newest entry first; `nodeId` keeps the ACTIVE ones waiting at that node."""
    first = _first(context, first)
    position = _run_position(after) if after is not None else None
    node: uuid.UUID | None = None
    if node_id is not None:
        node = parse_id(node_id)
        if node is None:  # not an id at all: no run waits there

            async def empty() -> tuple[list[tuple[str, Any]], bool]:
                return [], False

            return Page(empty, has_previous_page=position is not None, total=_nothing)
    where = RunFilter(
        status=status.value if status is not None else None,
        node_id=node,
        contact_id=_contact_filter(contact_id),
    )
    workspace_id = context.principal.workspace_id

    async def fetch() -> tuple[list[tuple[str, Any]], bool]:
        async with context.reads() as session:
            runs = await enrollments.runs_page(session, workspace_id, journey.id, where, first + 1, position)
        return [(_run_cursor(run), run) for run in runs[:first]], len(runs) > first

    async def total() -> int:
        async with context.reads() as session:
            return await enrollments.runs_total(session, workspace_id, journey.id, where)

    return Page(fetch, has_previous_page=position is not None, total=total)


async def waiting(context: Context, journey_id: uuid.UUID) -> dict[uuid.UUID, int]:
    """ACTIVE runs of a journey now, by current node (NO_SUBJECT: at no node yet)."""
    return await context.loaders.contacts.waiting.load(journey_id)


async def active_count(context: Context, journey: JourneyRecord) -> int:
    return sum((await waiting(context, journey.id)).values())


async def waiting_count(context: Context, node: NodeRecord) -> int:
    return (await waiting(context, node.journey_id)).get(node.id, 0)


# --- a node's contacts ---------------------------------------------------------------------------


class ContactsKey(NamedTuple):
    """One node's contacts of one activity in [lo, hi): a page of them (`first`, `after`)."""

    node_id: uuid.UUID
    journey_id: uuid.UUID
    event_type: EventType
    lo: datetime
    hi: datetime
    first: int
    after: str | None


class TotalKey(NamedTuple):
    """How many distinct contacts of one activity a node had in [lo, hi)."""

    node_id: uuid.UUID
    journey_id: uuid.UUID
    event_type: EventType
    lo: datetime
    hi: datetime


def _groups(
    keys: Sequence[Any], shared: Callable[[Any], tuple[Any, ...]]
) -> dict[tuple[Any, ...], list[Any]]:
    """Keys whose `shared` arguments agree, differing only in their node: one statement each group."""
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for key in keys:
        groups[shared(key)].append(key)
    return groups


def _page_arguments(key: ContactsKey) -> tuple[Any, ...]:
    return key.event_type, key.lo, key.hi, key.first, key.after


def _total_arguments(key: TotalKey) -> tuple[Any, ...]:
    return key.event_type, key.lo, key.hi


class ContactLoaders:
    """The per-request loaders of contacts in journeys: a statement per distinct set of arguments,
    whatever the number of nodes."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID) -> None:
        self.sessions = sessions
        self.workspace_id = workspace_id
        self.waiting = DataLoader[uuid.UUID, dict[uuid.UUID, int]](self._waiting)
        self.pages = DataLoader[ContactsKey, list[NodeContact]](self._pages)
        self.totals = DataLoader[TotalKey, int](self._totals)

    async def _waiting(self, keys: list[uuid.UUID]) -> list[dict[uuid.UUID, int]]:
        async with self.sessions() as session:
            found = await enrollments.waiting(session, self.workspace_id, keys)
        return [found[key] for key in keys]

    async def _pages(self, keys: list[ContactsKey]) -> list[list[NodeContact]]:
        found: dict[ContactsKey, list[NodeContact]] = {}
        async with self.sessions() as session:
            for (event_type, lo, hi, first, after), group in _groups(keys, _page_arguments).items():
                nodes = [(k.node_id, k.journey_id) for k in group]
                pages = await node_contacts.pages(
                    session, self.workspace_id, nodes, event_type.value, lo, hi, first + 1, after
                )
                found.update({k: pages[k.node_id] for k in group})
        return [found[key] for key in keys]

    async def _totals(self, keys: list[TotalKey]) -> list[int]:
        found: dict[TotalKey, int] = {}
        async with self.sessions() as session:
            for (event_type, lo, hi), group in _groups(keys, _total_arguments).items():
                nodes = [(k.node_id, k.journey_id) for k in group]
                kind = UNIQUE_KINDS.get(event_type)
                if kind is None:
                    counted = await node_contacts.distinct_counts(
                        session, self.workspace_id, nodes, event_type.value, lo, hi
                    )
                else:  # the contact sets: the very figure `uniqueContactCount`, `uniqueOpens`, ... read
                    ranges = ranges_of((Span(lo, hi),))
                    sets = await uniques(
                        session,
                        self.workspace_id,
                        sorted({j for _, j in nodes}),
                        [n for n, _ in nodes],
                        [kind],
                        ranges,
                    )
                    counted = {n: sets.get((0, n), {}).get(kind, 0) for n, _ in nodes}
                found.update({k: counted.get(k.node_id, 0) for k in group})
        return [found[key] for key in keys]


async def contact_page(
    context: Context,
    node: NodeRecord,
    start_date: date,
    end_date: date,
    time_zone: str | None,
    activity: ContactActivity,
    first: int,
    after: str | None,
) -> Page:
    """The distinct contacts with an `activity` event at the node in the window, by contact id."""
    first = _first(context, first)
    span, _ = window(start_date, end_date, time_zone or context.principal.workspace.time_zone)
    position = None
    if after is not None:
        (position,) = decode_parts(after, 1)
        if not position or text_problem(position):
            raise bad_user_input(f"after: {shown(after)} is not a cursor of this list")
    event_type = ACTIVITY_EVENTS[activity]
    loaders = context.loaders.contacts
    key = ContactsKey(node.id, node.journey_id, event_type, span.start, span.end, first, position)

    async def fetch() -> tuple[list[tuple[str, Any]], bool]:
        found = await loaders.pages.load(key)
        return [(encode_parts([c.contact_id]), c) for c in found[:first]], len(found) > first

    async def total() -> int:
        return await loaders.totals.load(TotalKey(node.id, node.journey_id, event_type, span.start, span.end))

    return Page(fetch, has_previous_page=position is not None, total=total)
