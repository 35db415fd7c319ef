"""Performance figures of journeys, nodes and paths, over a window or a time series.

Figures come from per-request loaders keyed by (owner, journey, points), one
loader per kind of figure (counts, distinct contacts, contacts in progress) for
journeys, nodes and paths alike, so a whole canvas costs one statement per kind
of figure and per distinct window, whatever the number of nodes: each reads the
tail of events not folded yet once for all of them. A list's `performance`
fields are resolved together (a batch field, journeygraph/execution/executor.py):
one await for all of them, then plain values (resolvers/metrics.py), which the
schema reads without awaiting.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from journeygraph.db.enums import EventType
from journeygraph.db.queries import performance as performance_queries
from journeygraph.db.queries.performance import Counts
from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
from journeygraph.resolvers.metrics import LEVEL_KINDS, UNIQUE_FIELDS, Figures, Inputs, figures
from journeygraph.resolvers.windows import Granularity, Span, before, cover, points, window, zone

if TYPE_CHECKING:
    from collections.abc import Awaitable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from journeygraph.resolvers.context import Context

Series = tuple[Span, ...]
Kind = Literal["journey", "node", "path"]


class WholeJourney(NamedTuple):
    """Every node or path of a journey (removed ones too), as `kind` says, over a series."""

    journey: uuid.UUID
    series: Series
    kind: Kind


class FigureKey(NamedTuple):
    """The figures of one journey, node or path (the owner, as `kind` says) over a series."""

    owner: uuid.UUID
    journey: uuid.UUID
    series: Series
    kind: Kind

    @property
    def whole(self) -> WholeJourney:
        """Every owner of this one's kind in its journey: a batch that answers this key too."""
        return WholeJourney(self.journey, self.series, self.kind)


def ranges_of(series: Series) -> list[performance_queries.Range]:
    return [(i, is_day, lo, hi) for i, span in enumerate(series) for is_day, lo, hi in cover(span)]


class _ByWindowLoader:
    """Batches the keys asked for in one turn of the event loop: one statement per distinct series.

    A DataLoader, but a whole list's keys wait on their batch's one future rather than
    on a future each: a canvas asks for a thousand keys at once. Each key's answer,
    from `answer` once its batch is done, has one entry per point: the owner's figures,
    or None when it has none.

    A journey's nodes (or paths) can be asked for as a whole (`whole`) before
    their rows are loaded: the statement then names the journey, and answers every one
    of them, so a canvas's figures are read while its nodes and paths are.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID) -> None:
        self.sessions, self.workspace_id = sessions, workspace_id
        self.answers: dict[FigureKey, list[Any]] = {}
        self._batch_of: dict[FigureKey, asyncio.Future[None]] = {}  # every key asked for: its batch
        # every whole asked for: its batch; a key's (journey, series, kind) finds it too (key[1:])
        self._whole_of: dict[tuple[uuid.UUID, Series, Kind], asyncio.Future[None]] = {}
        self._rows_of: dict[Series, dict[tuple[int, uuid.UUID], Any]] = defaultdict(dict)  # wholes' rows
        self._queued: list[FigureKey] = []
        self._queued_wholes: list[WholeJourney] = []
        self._next: asyncio.Future[None] | None = None
        self._running: set[asyncio.Task[None]] = set()

    def holds(self, key: FigureKey) -> bool:
        """Whether the key was asked for already (its answer may still be on its way)."""
        return key in self._batch_of or key.whole in self._whole_of

    def many(self, keys: Sequence[FigureKey]) -> Awaitable[Any]:
        """Wait until every key can be answered; keys asked for before are not fetched again."""
        batches = set()
        for key in keys:
            # key[1:] is (journey, series, kind): equal to, and hashed as, its WholeJourney
            batch = self._batch_of.get(key) or self._whole_of.get(key[1:])
            if batch is None:
                batch = self._batch_of[key] = self._queue()
                self._queued.append(key)
            batches.add(batch)
        return next(iter(batches)) if len(batches) == 1 else asyncio.gather(*batches)

    def whole(self, whole: WholeJourney) -> None:
        """Ask for every node (or path, as its kind says) of a journey over a series."""
        if whole not in self._whole_of:
            self._whole_of[whole] = self._queue()
            self._queued_wholes.append(whole)

    def answer(self, key: FigureKey) -> list[Any]:
        """A key's answer, once `many` is done waiting for it."""
        found = self.answers.get(key)
        if found is None:  # answered by its journey's whole batch
            rows, owner = self._rows_of[key.series], key.owner
            points = len(key.series)  # a window is one point: a canvas's every key
            found = [rows.get((0, owner))] if points == 1 else [rows.get((i, owner)) for i in range(points)]
            self.answers[key] = found
        return found

    def _queue(self) -> asyncio.Future[None]:
        if self._next is None:
            loop = asyncio.get_running_loop()
            self._next = loop.create_future()
            loop.call_soon(self._dispatch)  # after everything asked for in this turn
        return self._next

    def _dispatch(self) -> None:
        keys, wholes, batch = self._queued, self._queued_wholes, self._next
        self._queued, self._queued_wholes, self._next = [], [], None
        assert batch is not None
        task = asyncio.ensure_future(self._run(keys, wholes, batch))
        self._running.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._running.discard)

    async def _run(
        self, keys: list[FigureKey], wholes: list[WholeJourney], batch: asyncio.Future[None]
    ) -> None:
        try:
            await self._load(keys, wholes)
        except Exception as error:  # every key of the batch fails with it
            batch.set_exception(error)
        else:
            batch.set_result(None)

    async def _load(self, keys: list[FigureKey], wholes: list[WholeJourney]) -> None:
        by_series: dict[Series, tuple[list[FigureKey], list[WholeJourney]]] = defaultdict(lambda: ([], []))
        for key in keys:
            by_series[key.series][0].append(key)
        for whole in wholes:
            by_series[whole.series][1].append(whole)
        # Each series is its own statement, run side by side on a connection of its own: two
        # windows of a canvas (this period and the one before) cost about one window's time.
        await asyncio.gather(*(self._load_series(series, *found) for series, found in by_series.items()))

    async def _load_series(self, series: Series, keys: list[FigureKey], wholes: list[WholeJourney]) -> None:
        async with self.sessions() as session:
            rows = await self._fetch(session, series, keys, wholes)
        for key in keys:
            self.answers[key] = [rows.get((i, key.owner)) for i in range(len(series))]
        if wholes:
            self._rows_of[series].update(rows)

    @staticmethod
    def _owners(keys: list[FigureKey], kind: Kind | None = None) -> list[uuid.UUID]:
        return list({key.owner for key in keys if kind is None or key.kind == kind})

    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        raise NotImplementedError


def _whole_journeys(wholes: list[WholeJourney], kind: Kind) -> list[uuid.UUID]:
    return [whole.journey for whole in wholes if whole.kind == kind]


def _journeys(keys: list[FigureKey], wholes: list[WholeJourney]) -> list[uuid.UUID]:
    """The journeys a batch names, by its keys or as wholes."""
    return list({key.journey for key in keys} | {whole.journey for whole in wholes})


def _every(wholes: list[WholeJourney]) -> performance_queries.WholeJourneys:
    """The journeys whose every node, and every path, a batch asks for."""
    return performance_queries.WholeJourneys(_whole_journeys(wholes, "node"), _whole_journeys(wholes, "path"))


def _level(keys: list[FigureKey], wholes: list[WholeJourney]) -> performance_queries.Level:
    """Whether a batch asks for journeys' totals, subjects (nodes and paths), or both."""
    totals = any(key.kind == "journey" for key in keys)
    subjects = bool(wholes) or any(key.kind != "journey" for key in keys)
    return "both" if totals and subjects else "journey" if totals else "subject"


class CountsByWindowLoader(_ByWindowLoader):
    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        return await performance_queries.counts(
            session,
            self.workspace_id,
            _level(keys, wholes),
            _journeys(keys, wholes),
            self._owners(keys, "node"),
            ranges_of(series),
            self._owners(keys, "path"),
            _every(wholes),
        )


class UniquesByWindowLoader(_ByWindowLoader):
    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        # A journey's whole-journey contact sets are kept under the journey's own id.
        return await performance_queries.uniques(
            session,
            self.workspace_id,
            _journeys(keys, wholes),
            self._owners(keys),
            LEVEL_KINDS["subject"],
            ranges_of(series),
            _every(wholes),
            LEVEL_KINDS["journey"],
        )


class InProgressByWindowLoader(_ByWindowLoader):
    """Contacts inside a journey as of each point's end: entered minus completed minus exited, over all time."""

    async def _fetch(
        self, session: AsyncSession, series: Series, keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        # Point -1 is everything before the series; each point adds its own movements. A series of
        # one point reads everything before its end as that point: one point, so the statement
        # needs no per-row mapping of events to points (the tail's are then counted by a hash).
        first = -1 if len(series) > 1 else 0
        ranges = [(first, is_day, lo, hi) for is_day, lo, hi in before(series[0].start)] + ranges_of(series)
        rows = await performance_queries.counts(
            session, self.workspace_id, "journey", [key.owner for key in keys], [], ranges
        )
        result: dict[tuple[int, uuid.UUID], int] = {}
        for key in keys:
            running = 0
            for i in range(-1, len(series)):
                c = rows.get((i, key.owner))
                if c is not None:
                    running += (
                        c[EventType.JOURNEY_ENTERED]
                        - c[EventType.JOURNEY_COMPLETED]
                        - c[EventType.JOURNEY_EXITED]
                    )
                if i >= 0:
                    result[(i, key.owner)] = max(running, 0)
        return result


class PerformanceLoaders:
    """The performance loaders of one request: one of each kind of figure for journeys, nodes and
    paths alike, so a canvas's figures of a kind arrive in one batch (one statement, one read of
    the tail) whatever the order the executor reaches them."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], workspace_id: uuid.UUID) -> None:
        self.counts = CountsByWindowLoader(sessions, workspace_id)
        self.uniques = UniquesByWindowLoader(sessions, workspace_id)
        self.in_progress = InProgressByWindowLoader(sessions, workspace_id)


def _series(
    context: Context, start: date, end: date, tz_name: str | None, granularity: Granularity | None
) -> Series:
    key = ("series", start, end, tz_name, granularity)
    if key not in context.cache:  # the same window is asked for by every node of a canvas
        span, tz = window(start, end, tz_name or context.principal.workspace.time_zone, granularity)
        context.cache[key] = (span,) if granularity is None else points(span, tz, granularity)
    series: Series = context.cache[key]
    return series


def _key(row: JourneyRecord | NodeRecord | PathRecord, kind: Kind, series: Series) -> FigureKey:
    journey_id = row.id if isinstance(row, JourneyRecord) else row.journey_id
    return FigureKey(row.id, journey_id, series, kind)


def _node(row: JourneyRecord | NodeRecord | PathRecord) -> NodeRecord:
    assert isinstance(row, NodeRecord), row  # rows of one kind: the caller's `kind` says which
    return row


def _path(row: JourneyRecord | NodeRecord | PathRecord) -> PathRecord:
    assert isinstance(row, PathRecord), row
    return row


async def _figures(
    context: Context,
    rows: Sequence[JourneyRecord | NodeRecord | PathRecord],
    kind: Kind,
    series: Series,
    wanted: set[str],
) -> list[list[Figures]]:
    """Every point's figures of each row: one await for the whole batch, then plain values.

    Fields are then read synchronously, which matters: a canvas has thousands of them.
    Rows are of one kind (journeys, nodes or paths), and share their loaders' batches.
    """
    if not rows:
        return []
    loaders = context.loaders.performance
    keys = [_key(row, kind, series) for row in rows]
    with_uniques = bool(wanted & UNIQUE_FIELDS)
    with_progress = kind == "journey" and "inProgressCount" in wanted
    # every key is asked for before the first await, so each loader answers in one batch
    counts, uniques = loaders.counts, loaders.uniques
    sources: list[FigureKey] = []
    if kind == "path":  # a path's ratios read its source node's figures
        sources = [
            FigureKey(path.source_node_id, path.journey_id, series, "node") for path in map(_path, rows)
        ]
    jobs = [counts.many([*keys, *sources])]
    if with_uniques:
        jobs.append(uniques.many([*keys, *sources]))
    if with_progress:
        jobs.append(loaders.in_progress.many(keys))
    await asyncio.gather(*jobs)
    absent, points = [None] * len(series), range(len(series))
    results = []
    owns = [counts.answer(key) for key in keys]
    owns_u = [uniques.answer(key) for key in keys] if with_uniques else [absent] * len(keys)
    for i, (row, own, own_u) in enumerate(zip(rows, owns, owns_u, strict=True)):
        key = keys[i]
        if kind == "journey":
            progress = loaders.in_progress.answer(key) if with_progress else absent
            results.append(
                [
                    figures(kind, Inputs(own[p] or Counts(), own_u[p] or {}, in_progress=progress[p] or 0))
                    for p in points
                ]
            )
        elif kind == "node":
            node_type = _node(row).type
            results.append(
                [figures(kind, Inputs(own[p] or Counts(), own_u[p] or {}, node_type)) for p in points]
            )
        else:
            source = counts.answer(sources[i])
            source_u = uniques.answer(sources[i]) if with_uniques else absent
            results.append(
                [
                    figures(
                        kind,
                        Inputs(
                            own[p] or Counts(),
                            own_u[p] or {},
                            source=source[p] or Counts(),
                            source_uniques=source_u[p] or {},
                        ),
                    )
                    for p in points
                ]
            )
    return results


def prefetch(
    context: Context,
    journey: JourneyRecord,
    kind: Kind,
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> None:
    """Ask for the figures of every node (or path) of a journey over a window before
    their rows are loaded. Paths ask for their journey's nodes too (a path's ratios need its
    source node's figures); the loaders fetch each whole journey once."""
    try:
        series = _series(context, start, end, tz_name, None)
    except Exception:  # an unknown time zone, say: the field itself reports it
        return
    loaders = context.loaders.performance
    wholes = [WholeJourney(journey.id, series, "node")]
    if kind == "path":
        wholes.append(WholeJourney(journey.id, series, "path"))
    for loader in (loaders.counts, loaders.uniques) if wanted & UNIQUE_FIELDS else (loaders.counts,):
        for whole in wholes:
            loader.whole(whole)


async def performance(
    context: Context,
    row: JourneyRecord | NodeRecord | PathRecord,
    kind: Kind,
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> Figures:
    """The figures of a journey, node or path over one window; `wanted` are the selected field names."""
    return (await performances(context, [row], kind, start, end, tz_name, wanted))[0]


async def performances(
    context: Context,
    rows: Sequence[JourneyRecord | NodeRecord | PathRecord],
    kind: Kind,
    start: date,
    end: date,
    tz_name: str | None,
    wanted: set[str],
) -> list[Figures]:
    """`performance` for many rows at once (every node of a canvas): one await for all of them."""
    series = _series(context, start, end, tz_name, None)
    return [points[0] for points in await _figures(context, rows, kind, series, wanted)]


@dataclass(frozen=True)
class Point:
    start: datetime
    end: datetime
    performance: Figures


async def time_series(
    context: Context,
    row: JourneyRecord | NodeRecord | PathRecord,
    kind: Kind,
    start: date,
    end: date,
    granularity: Granularity,
    tz_name: str | None,
    wanted: set[str],
) -> list[Point]:
    """The figures of a journey, node or path for each point of a series."""
    series = _series(context, start, end, tz_name, granularity)
    (found,) = await _figures(context, [row], kind, series, wanted)
    # Each point's edges in the window's own offset (2026-11-20T00:00:00+05:30, not the same
    # instant as 2026-11-19T18:30:00+00:00): a chart that slices the date gets the local day.
    tz = zone(tz_name or context.principal.workspace.time_zone)
    return [
        Point(span.start.astimezone(tz), span.end.astimezone(tz), f)
        for span, f in zip(series, found, strict=True)
    ]
