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
Key = tuple[uuid.UUID, uuid.UUID, Series]  # (owner, journey, points)

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
    """Batches every key of one request: one statement per distinct series."""

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
                found.update(await self._fetch(session, series, group))
        return [found[key] for key in keys]

    async def _fetch(self, session: AsyncSession, series: Series, keys: list[Key]) -> dict[Key, list[Any]]:
        raise NotImplementedError


class CountsByWindowLoader(_ByWindowLoader):
    async def _fetch(self, session: AsyncSession, series: Series, keys: list[Key]) -> dict[Key, list[Any]]:
        rows = await figures.counts(
            session,
            self.workspace_id,
            self.level,
            list({k[1] for k in keys}),
            [k[0] for k in keys],
            _ranges(series),
        )
        return {key: [rows.get((i, key[0])) or figures.Counts() for i in range(len(series))] for key in keys}


class UniquesByWindowLoader(_ByWindowLoader):
    async def _fetch(self, session: AsyncSession, series: Series, keys: list[Key]) -> dict[Key, list[Any]]:
        rows = await figures.uniques(
            session,
            self.workspace_id,
            self.level,
            list({k[1] for k in keys}),
            [k[0] for k in keys],
            LEVEL_KINDS[self.level],
            _ranges(series),
        )
        return {
            key: [
                {kind: rows.get((i, key[0], kind), 0) for kind in LEVEL_KINDS[self.level]}
                for i in range(len(series))
            ]
            for key in keys
        }


class InProgressByWindowLoader(_ByWindowLoader):
    """Contacts inside a journey as of each point's end: entered minus completed minus exited, over all time."""

    async def _fetch(self, session: AsyncSession, series: Series, keys: list[Key]) -> dict[Key, list[Any]]:
        # Point -1 is everything before the series; each point adds its own movements.
        ranges = [(-1, is_day, lo, hi) for is_day, lo, hi in before(series[0].start)] + _ranges(series)
        rows = await figures.counts(session, self.workspace_id, "journey", [k[0] for k in keys], [], ranges)
        result = {}
        for key in keys:
            running, values = 0, []
            for i in range(-1, len(series)):
                c = rows.get((i, key[0]))
                if c is not None:
                    running += (
                        c[EventType.JOURNEY_ENTERED]
                        - c[EventType.JOURNEY_COMPLETED]
                        - c[EventType.JOURNEY_EXITED]
                    )
                if i >= 0:
                    values.append(max(running, 0))
            result[key] = values
        return result


class PerformanceLoaders:
    """The performance loaders of one request."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID) -> None:
        self.journey_counts = CountsByWindowLoader(sessions, workspace_id, "journey")
        self.journey_uniques = UniquesByWindowLoader(sessions, workspace_id, "journey")
        self.in_progress = InProgressByWindowLoader(sessions, workspace_id, "journey")
        self.subject_counts = CountsByWindowLoader(sessions, workspace_id, "subject")
        self.subject_uniques = UniquesByWindowLoader(sessions, workspace_id, "subject")


@dataclass(frozen=True)
class Measure:
    """One point's figures for one journey, node or path."""

    context: Context
    level: figures.Level
    owner_id: uuid.UUID
    journey_id: uuid.UUID
    series: Series
    index: int
    node_type: NodeType | None = None
    source_node_id: uuid.UUID | None = None  # paths: ratios are against the source node

    @property
    def _loaders(self) -> PerformanceLoaders:
        return self.context.loaders.performance

    @property
    def span(self) -> Span:
        return self.series[self.index]

    async def counts(self) -> figures.Counts:
        loader = self._loaders.journey_counts if self.level == "journey" else self._loaders.subject_counts
        return (await loader.load((self.owner_id, self.journey_id, self.series)))[self.index]

    async def count(self, event_type: EventType) -> int:
        return (await self.counts())[event_type]

    async def unique(self, event_type: EventType) -> int:
        loader = self._loaders.journey_uniques if self.level == "journey" else self._loaders.subject_uniques
        found = (await loader.load((self.owner_id, self.journey_id, self.series)))[self.index]
        return int(found[UNIQUE_KINDS[event_type]])

    async def revenue(self) -> Decimal:
        return (await self.counts()).revenue

    async def last_event_at(self) -> datetime | None:
        return (await self.counts()).last_event_at

    async def in_progress(self) -> int:
        values = await self._loaders.in_progress.load((self.owner_id, self.journey_id, self.series))
        return int(values[self.index])

    def source(self) -> Measure:
        """The same point measured on a path's source node."""
        assert self.source_node_id is not None
        return Measure(
            self.context, "subject", self.source_node_id, self.journey_id, self.series, self.index, None
        )


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
        return {"level": "journey", "owner_id": row.id, "journey_id": row.id}
    if isinstance(row, Node):
        return {"level": "subject", "owner_id": row.id, "journey_id": row.journey_id, "node_type": row.type}
    return {
        "level": "subject",
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
