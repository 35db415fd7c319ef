"""Performance figures of journeys, nodes and paths, over a window or a time series.

A `Measure` names what is measured (a journey, node or path), over which
points, and which point; its figures come from per-request loaders keyed by
(owner, journey, points), so a whole canvas costs one statement per kind of
figure and per distinct window, whatever the number of nodes.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from db.enums import UNIQUE_KINDS, EventType, NodeType
from db.models import Journey, Node
from db.queries import performance as figures
from resolvers.windows import Granularity, Span, before, cover, points, window

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from db.models import Path
    from resolvers.context import Context

Series = tuple[Span, ...]
# (owner, journey, points, source node): a path's key names its source node too, so
# its ratios come from the same statement as its own figures (no second wave).
Key = tuple[uuid.UUID, uuid.UUID, Series, uuid.UUID | None]

# The distinct-contact kinds each level shows.
LEVEL_KINDS: dict[figures.Level, list[int]] = {
    "journey": [
        UNIQUE_KINDS[t]
        for t in (
            EventType.JOURNEY_ENTERED,
            EventType.GOAL_CONVERTED,
            EventType.MESSAGE_OPENED,
            EventType.MESSAGE_CLICKED,
        )
    ],
    "subject": [
        UNIQUE_KINDS[t]
        for t in (
            EventType.NODE_ENTERED,
            EventType.PATH_TRAVERSED,
            EventType.MESSAGE_OPENED,
            EventType.MESSAGE_CLICKED,
        )
    ],
}


def _ranges(series: Series) -> list[figures.Range]:
    return [(i, is_day, lo, hi) for i, span in enumerate(series) for is_day, lo, hi in cover(span)]


class _ByWindowLoader(DataLoader[Key, list[Any]]):
    """Batches every key of one request: one statement per distinct series.

    Each key gets one entry per point: (the owner's figures, its source node's or None).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID, level: figures.Level
    ) -> None:
        self.sessions, self.workspace_id, self.level = sessions, workspace_id, level
        super().__init__(self._load)

    async def _load(self, keys: list[Key]) -> list[list[Any]]:
        by_series: dict[Series, list[Key]] = defaultdict(list)
        for key in keys:
            by_series[key[2]].append(key)
        found: dict[Key, list[Any]] = {}
        async with self.sessions() as session:
            for series, group in by_series.items():
                rows = await self._fetch(session, series, group)
                for key in group:
                    found[key] = [
                        (rows.get((i, key[0])), None if key[3] is None else rows.get((i, key[3])))
                        for i in range(len(series))
                    ]
        return [found[key] for key in keys]

    @staticmethod
    def _owners(keys: list[Key]) -> list[uuid.UUID]:
        return list({k[0] for k in keys} | {k[3] for k in keys if k[3] is not None})

    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[Key]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        raise NotImplementedError


class CountsByWindowLoader(_ByWindowLoader):
    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[Key]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        return await figures.counts(
            session,
            self.workspace_id,
            self.level,
            list({k[1] for k in keys}),
            self._owners(keys),
            _ranges(series),
        )


class UniquesByWindowLoader(_ByWindowLoader):
    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[Key]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        rows = await figures.uniques(
            session,
            self.workspace_id,
            self.level,
            list({k[1] for k in keys}),
            self._owners(keys),
            LEVEL_KINDS[self.level],
            _ranges(series),
        )
        found: dict[tuple[int, uuid.UUID], dict[int, int]] = defaultdict(dict)
        for (idx, owner, kind), n in rows.items():
            found[(idx, owner)][kind] = n
        return found


class InProgressByWindowLoader(_ByWindowLoader):
    """Contacts inside a journey as of each point's end: entered minus completed minus exited, over all time."""

    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[Key]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        # Point -1 is everything before the series; each point adds its own movements.
        ranges = [(-1, is_day, lo, hi) for is_day, lo, hi in before(series[0].start)] + _ranges(series)
        rows = await figures.counts(session, self.workspace_id, "journey", [k[0] for k in keys], [], ranges)
        result: dict[tuple[int, uuid.UUID], int] = {}
        for key in keys:
            running = 0
            for i in range(-1, len(series)):
                c = rows.get((i, key[0]))
                if c is not None:
                    running += (
                        c[EventType.JOURNEY_ENTERED]
                        - c[EventType.JOURNEY_COMPLETED]
                        - c[EventType.JOURNEY_EXITED]
                    )
                if i >= 0:
                    result[(i, key[0])] = max(running, 0)
        return result


class PerformanceLoaders:
    """The performance loaders of one request: one of each kind per level, so each level's
    figures arrive in one batch whatever the order the executor reaches them."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID) -> None:
        self.counts = {
            "journey": CountsByWindowLoader(sessions, workspace_id, "journey"),
            "node": CountsByWindowLoader(sessions, workspace_id, "subject"),
            "path": CountsByWindowLoader(sessions, workspace_id, "subject"),
        }
        self.uniques = {
            "journey": UniquesByWindowLoader(sessions, workspace_id, "journey"),
            "node": UniquesByWindowLoader(sessions, workspace_id, "subject"),
            "path": UniquesByWindowLoader(sessions, workspace_id, "subject"),
        }
        self.in_progress = InProgressByWindowLoader(sessions, workspace_id, "journey")


@dataclass(frozen=True)
class Measure:
    """One point's figures for one journey, node or path."""

    context: Context
    kind: str  # "journey", "node" or "path"
    owner_id: uuid.UUID
    journey_id: uuid.UUID
    series: Series
    index: int
    node_type: NodeType | None = None
    source_node_id: uuid.UUID | None = None  # paths: ratios are against the source node

    @property
    def _key(self) -> Key:
        return (self.owner_id, self.journey_id, self.series, self.source_node_id)

    @property
    def span(self) -> Span:
        return self.series[self.index]

    async def _counts(self, of_source: bool = False) -> figures.Counts:
        found = (await self.context.loaders.performance.counts[self.kind].load(self._key))[self.index][
            of_source
        ]
        return found or figures.Counts()

    async def _uniques(self, of_source: bool = False) -> dict[int, int]:
        found = (await self.context.loaders.performance.uniques[self.kind].load(self._key))[self.index][
            of_source
        ]
        return found or {}

    async def count(self, event_type: EventType, of_source: bool = False) -> int:
        """Events of this type (on a path's source node when `of_source`)."""
        return (await self._counts(of_source))[event_type]

    async def unique(self, event_type: EventType, of_source: bool = False) -> int:
        """Distinct contacts with events of this type (on a path's source node when `of_source`)."""
        return (await self._uniques(of_source)).get(UNIQUE_KINDS[event_type], 0)

    async def revenue(self) -> Decimal:
        return (await self._counts()).revenue

    async def last_event_at(self) -> datetime | None:
        return (await self._counts()).last_event_at

    async def in_progress(self) -> int:
        values = await self.context.loaders.performance.in_progress.load(self._key)
        return int(values[self.index][0] or 0)


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def _series(
    context: Context, start: date, end: date, tz_name: str | None, granularity: Granularity | None
) -> Series:
    span, tz = window(start, end, tz_name or context.principal.workspace.time_zone, granularity)
    return (span,) if granularity is None else points(span, tz, granularity)


def _measures(context: Context, series: Series, **what: Any) -> list[Measure]:
    return [Measure(context, series=series, index=i, **what) for i in range(len(series))]


def _what(row: Journey | Node | Path) -> dict[str, Any]:
    if isinstance(row, Journey):
        return {"kind": "journey", "owner_id": row.id, "journey_id": row.id}
    if isinstance(row, Node):
        return {"kind": "node", "owner_id": row.id, "journey_id": row.journey_id, "node_type": row.type}
    return {
        "kind": "path",
        "owner_id": row.id,
        "journey_id": row.journey_id,
        "source_node_id": row.source_node_id,
    }


def performance(
    context: Context, row: Journey | Node | Path, start: date, end: date, tz_name: str | None
) -> Measure:
    """The figures of a journey, node or path over one window."""
    return _measures(context, _series(context, start, end, tz_name, None), **_what(row))[0]


@dataclass(frozen=True)
class Point:
    start: datetime
    end: datetime
    performance: Measure


def time_series(
    context: Context,
    row: Journey | Node | Path,
    start: date,
    end: date,
    granularity: Granularity,
    tz_name: str | None,
) -> list[Point]:
    """The figures of a journey, node or path for each point of a series."""
    series = _series(context, start, end, tz_name, granularity)
    return [Point(m.span.start, m.span.end, m) for m in _measures(context, series, **_what(row))]
