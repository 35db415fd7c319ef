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
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from db.models import Path
    from resolvers.context import Context

Series = tuple[Span, ...]
# (owner, journey, points): the owner is a journey, node or path.
Key = tuple[uuid.UUID, uuid.UUID, Series]

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

    Each key gets one entry per point: the owner's figures, or None when it has none.
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
                    found[key] = [rows.get((i, key[0])) for i in range(len(series))]
        return [found[key] for key in keys]

    @staticmethod
    def _owners(keys: list[Key]) -> list[uuid.UUID]:
        return list({k[0] for k in keys})

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


def _key(row: Journey | Node | Path, series: Series) -> tuple[str, Key]:
    if isinstance(row, Journey):
        return "journey", (row.id, row.id, series)
    if isinstance(row, Node):
        return "node", (row.id, row.journey_id, series)
    return "path", (row.id, row.journey_id, series)


def _source(loaders: PerformanceLoaders, kind: str, path: Path, series: Series) -> Any:
    """A path's source node's figures, for its ratios.

    From the node loaders when they already hold that node (a canvas asks for every
    node's figures), else by the path loaders in the paths' own statement: either way
    no statement of its own, whichever of nodes and paths the executor reaches first.
    """
    key = (path.source_node_id, path.journey_id, series)
    held = getattr(loaders, kind)["node"].cache_map.get(key)
    return held if held is not None else getattr(loaders, kind)["path"].load(key)


async def _figures(
    context: Context, rows: Sequence[Journey | Node | Path], series: Series, wanted: set[str]
) -> list[list[Figures]]:
    """Every point's figures of each row: one await for the whole batch, then plain values.

    Fields are then read synchronously, which matters: a canvas has thousands of them.
    Rows of one kind (journeys, nodes or paths) share their loaders' batches.
    """
    loaders = context.loaders.performance
    keyed = [_key(row, series) for row in rows]
    with_uniques, with_progress = bool(wanted & UNIQUE_FIELDS), "inProgressCount" in wanted
    # every load is registered before the first await, so each loader answers in one batch
    loads = []
    for row, (kind, key) in zip(rows, keyed, strict=True):
        path = kind == "path"
        loads.append(
            (
                loaders.counts[kind].load(key),
                loaders.uniques[kind].load(key) if with_uniques else None,
                loaders.in_progress.load(key) if kind == "journey" and with_progress else None,
                _source(loaders, "counts", row, series) if path else None,  # type: ignore[arg-type]
                _source(loaders, "uniques", row, series) if path and with_uniques else None,  # type: ignore[arg-type]
            )
        )
    answers = iter(await asyncio.gather(*(job for jobs in loads for job in jobs if job is not None)))
    absent = [None] * len(series)
    results = []
    for (kind, _), row, jobs in zip(keyed, rows, loads, strict=True):
        counts, uniques, progress, source, source_uniques = (
            absent if job is None else next(answers) for job in jobs
        )
        result = []
        for i in range(len(series)):
            own, own_u = counts[i] or Counts(), uniques[i] or {}
            if kind == "journey":
                result.append(journey_figures(own, own_u, progress[i] or 0))
            elif kind == "node":
                result.append(node_figures(own, own_u, row.type))  # type: ignore[union-attr]
            else:
                result.append(path_figures(own, own_u, source[i] or Counts(), source_uniques[i] or {}))
        results.append(result)
    return results


async def performance(
    context: Context,
    row: Journey | Node | Path,
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> Figures:
    """The figures of a journey, node or path over one window; `wanted` are the selected field names."""
    return (await performances(context, [row], start, end, tz_name, wanted))[0]


async def performances(
    context: Context,
    rows: Sequence[Journey | Node | Path],
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> list[Figures]:
    """`performance` for many rows at once (every node of a canvas): one await for all of them."""
    series = _series(context, start, end, tz_name, None)
    return [points[0] for points in await _figures(context, rows, series, wanted)]


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
    (found,) = await _figures(context, [row], series, wanted)
    return [Point(span.start, span.end, f) for span, f in zip(series, found, strict=True)]
