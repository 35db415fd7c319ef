"""Performance figures of journeys, nodes and paths, over a window or a time series.

Figures come from per-request loaders keyed by (owner, journey, points, source
node), one loader per level and kind of figure, so a whole canvas costs one
statement per kind of figure and per distinct window, whatever the number of
nodes. Each `performance` field awaits its loaders once and hands back plain
values (resolvers/figures.py), which the schema reads without awaiting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from strawberry.dataloader import DataLoader

from db.enums import UNIQUE_KINDS, EventType
from db.models import Journey, Node
from db.queries import performance as reads
from db.queries.performance import Counts
from resolvers.figures import UNIQUE_FIELDS, Figures, journey_figures, node_figures, path_figures
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
LEVEL_KINDS: dict[reads.Level, list[int]] = {
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


def _ranges(series: Series) -> list[reads.Range]:
    return [(i, is_day, lo, hi) for i, span in enumerate(series) for is_day, lo, hi in cover(span)]


class _ByWindowLoader(DataLoader[Key, list[Any]]):
    """Batches every key of one request: one statement per distinct series.

    Each key gets one entry per point: (the owner's figures, its source node's or None).
    """

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID, level: reads.Level
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
        return await reads.counts(
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
        # A journey's whole-journey contact sets are kept under the journey's own id.
        return await reads.uniques(
            session,
            self.workspace_id,
            list({k[1] for k in keys}),
            self._owners(keys),
            LEVEL_KINDS[self.level],
            _ranges(series),
        )


class InProgressByWindowLoader(_ByWindowLoader):
    """Contacts inside a journey as of each point's end: entered minus completed minus exited, over all time."""

    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[Key]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        # Point -1 is everything before the series; each point adds its own movements.
        ranges = [(-1, is_day, lo, hi) for is_day, lo, hi in before(series[0].start)] + _ranges(series)
        rows = await reads.counts(session, self.workspace_id, "journey", [k[0] for k in keys], [], ranges)
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


def _series(
    context: Context, start: date, end: date, tz_name: str | None, granularity: Granularity | None
) -> Series:
    key = ("series", start, end, tz_name, granularity)
    if key not in context.cache:  # the same window is asked for by every node of a canvas
        span, tz = window(start, end, tz_name or context.principal.workspace.time_zone, granularity)
        context.cache[key] = (span,) if granularity is None else points(span, tz, granularity)
    series: Series = context.cache[key]
    return series


async def _figures(
    context: Context, row: Journey | Node | Path, series: Series, wanted: set[str]
) -> list[Figures]:
    """Every point's figures: one await per loader for the whole series, then plain values.

    Fields are then read synchronously, which matters: a canvas has thousands of them.
    """
    loaders = context.loaders.performance
    key: Key
    if isinstance(row, Journey):
        kind, key = "journey", (row.id, row.id, series, None)
    elif isinstance(row, Node):
        kind, key = "node", (row.id, row.journey_id, series, None)
    else:
        kind, key = "path", (row.id, row.journey_id, series, row.source_node_id)
    jobs: dict[str, Any] = {"counts": loaders.counts[kind].load(key)}
    if wanted & UNIQUE_FIELDS:
        jobs["uniques"] = loaders.uniques[kind].load(key)
    if kind == "journey" and "inProgressCount" in wanted:
        jobs["progress"] = loaders.in_progress.load(key)
    found = dict(zip(jobs, await asyncio.gather(*jobs.values()), strict=True))
    counts = found["counts"]
    uniques = found.get("uniques") or [({}, {})] * len(series)
    progress = found.get("progress")
    result = []
    for i in range(len(series)):
        (own, source), (own_u, source_u) = counts[i], uniques[i]
        own, source, own_u, source_u = own or Counts(), source or Counts(), own_u or {}, source_u or {}
        if isinstance(row, Journey):
            result.append(journey_figures(own, own_u, progress[i][0] if progress else 0))
        elif isinstance(row, Node):
            result.append(node_figures(own, own_u, row.type))
        else:
            result.append(path_figures(own, own_u, source, source_u))
    return result


async def performance(
    context: Context,
    row: Journey | Node | Path,
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> Figures:
    """The figures of a journey, node or path over one window; `wanted` are the selected field names."""
    return (await _figures(context, row, _series(context, start, end, tz_name, None), wanted))[0]


@dataclass(frozen=True)
class Point:
    start: datetime
    end: datetime
    performance: Figures


async def time_series(
    context: Context,
    row: Journey | Node | Path,
    start: date,
    end: date,
    granularity: Granularity,
    tz_name: str | None,
    wanted: set[str],
) -> list[Point]:
    """The figures of a journey, node or path for each point of a series."""
    series = _series(context, start, end, tz_name, granularity)
    found = await _figures(context, row, series, wanted)
    return [Point(span.start, span.end, f) for span, f in zip(series, found, strict=True)]
