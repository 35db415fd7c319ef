"""Reading performance figures from the rollups.

A request names "ranges": (point index, whether the range is in day buckets,
from, to). Several points — the windows of a time series, or just one — are
answered by one statement per kind of figure, whatever the number of subjects.
Counts read whole UTC weeks inside day ranges from the weekly rows (a 90-day
window reads about 25 rows per subject instead of 90), the days left at the
edges from the daily rows, and partial days from the quarter-hours.

Rows are assigned to points with width_bucket over the sorted range bounds: a
binary search per row. (A join against the list of ranges lets the planner
rescan every range for every row.) When every range of a table is one point's
(a canvas), the point is a constant instead: width_bucket unpacks its array for
every row, which made the canvas's largest statement about 40% slower. A table
is scanned over the union of its ranges; when that union has gaps (a window's
two edges, with the days between read elsewhere) each run is its own index
search, so the rows between them are never read.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from db.driver import Statement, fetch
from db.enums import EventType
from db.queries.events import week_of

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

Range = tuple[int, bool, datetime, datetime]
Level = Literal["journey", "subject"]
COUNTERS = [t.column for t in EventType]
PATH_COLUMN = EventType.PATH_TRAVERSED.column
_POSITION = {t: i for i, t in enumerate(EventType)}
_ZEROS = (0,) * len(COUNTERS)


@dataclass
class Counts:
    """Event counts of one subject (or journey) over one point, in EventType order."""

    values: tuple[int, ...] = _ZEROS
    revenue: Decimal = Decimal(0)
    last_event_at: datetime | None = None

    def __getitem__(self, event_type: EventType) -> int:
        return self.values[_POSITION[event_type]]


# How a statement reads one table: not at all (None), or else how a row finds its point
# (`single`: every range is one point's; `several`: width_bucket over the bounds) and
# how the buckets are scanned (`one`: the ranges' union is one interval; `runs`: it has
# gaps, and each run of buckets is scanned on its own).
Reads = tuple[Literal["single", "several"], Literal["one", "runs"]] | None
# How a counts statement reads weeks, days and quarter-hours.
Buckets = tuple[Reads, Reads, Reads]


def _runs(ranges: Sequence[tuple[int, Any, Any]]) -> list[tuple[Any, Any]]:
    """The union of the ranges as sorted, disjoint intervals."""
    runs: list[tuple[Any, Any]] = []
    for _, lo, hi in sorted(ranges, key=lambda r: r[1]):
        if runs and lo <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], hi))
        else:
            runs.append((lo, hi))
    return runs


def _reads(ranges: Sequence[tuple[int, Any, Any]]) -> Reads:
    if not ranges:
        return None
    spread: Literal["one", "runs"] = "one" if len(_runs(ranges)) == 1 else "runs"
    return ("single" if len({r[0] for r in ranges}) == 1 else "several"), spread


def _slots(ranges: Sequence[tuple[int, Any, Any]], prefix: str) -> dict[str, Any]:
    """Parameters that say which buckets to scan and map each bucket to its point.

    The point: with one point, that point (the statement's `single` form); else sorted
    bounds and the point of each slot between them. width_bucket(x, bounds) is k when
    bounds[k] <= x < bounds[k+1] (1-based), 0 below the first bound; `points[k + 1]` is
    then the point whose range holds that slot, or NULL.
    """
    reads, runs = _reads(ranges), _runs(ranges)
    assert reads is not None
    params: dict[str, Any] = {}
    if reads[1] == "one":
        params[f"{prefix}_lo"], params[f"{prefix}_hi"] = runs[0]
    else:
        params[f"{prefix}_los"], params[f"{prefix}_his"] = [r[0] for r in runs], [r[1] for r in runs]
    if reads[0] == "single":
        params[f"{prefix}_point"] = ranges[0][0]
        return params
    bounds = sorted({r[1] for r in ranges} | {r[2] for r in ranges})
    position = {bound: i for i, bound in enumerate(bounds)}
    points: list[int | None] = [None] * (len(bounds) + 1)
    for idx, lo, hi in ranges:
        for i in range(position[lo], position[hi]):
            points[i + 1] = idx
    params[f"{prefix}_bounds"], params[f"{prefix}_points"] = bounds, points
    return params


def _bucketed(
    table: str, prefix: str, column: str, cast: str, owner: str, columns: str, owners: str, reads: Reads
) -> str:
    assert reads is not None
    point = (
        f"CAST(:{prefix}_point AS int)"
        if reads[0] == "single"
        else f"(CAST(:{prefix}_points AS int[]))[width_bucket(x.{column}, CAST(:{prefix}_bounds AS {cast}[])) + 1]"
    )
    if reads[1] == "one":
        return f"""
        SELECT {point} AS idx, x.{owner} AS owner, {columns}
        FROM {table} x
        WHERE {owners} AND x.{column} >= :{prefix}_lo AND x.{column} < :{prefix}_hi"""
    # One index scan per run, so the gaps between runs (the whole days between a window's
    # edges in the quarter-hour tables) are never read. OFFSET 0 keeps the planner from
    # flattening the subquery into a join it could answer by reading all the buckets.
    return f"""
        SELECT {point} AS idx, x.{owner} AS owner, {columns}
        FROM unnest(CAST(:{prefix}_los AS {cast}[]), CAST(:{prefix}_his AS {cast}[])) AS run(lo, hi)
        CROSS JOIN LATERAL (
            SELECT * FROM {table} x WHERE {owners} AND x.{column} >= run.lo AND x.{column} < run.hi OFFSET 0
        ) AS x"""


def _union(parts: list[str]) -> str:
    return "\n        UNION ALL\n".join(parts)


class EveryOf(NamedTuple):
    """Journeys whose every node, and every path, a statement reads (removed ones too: a
    removed node asked for by id in the same request is then answered by the same rows)."""

    nodes_of: Sequence[uuid.UUID] = ()
    paths_of: Sequence[uuid.UUID] = ()


EVERY_OF_NONE = EveryOf()


def _of_journeys(table: str, journeys: str) -> str:
    """The ids of the rows of `table` (nodes or paths) in the journeys a parameter names."""
    return f"""ARRAY(SELECT c.id FROM {table} c WHERE c.workspace_id = :workspace_id
            AND c.journey_id = ANY(CAST(:{journeys} AS uuid[])))"""


def _owners(level: Level, ids: str = "subjects", *of_journeys: tuple[str, str]) -> str:
    """The rows of the journey totals, or of the subjects listed in `ids` and the nodes or paths
    of the journeys `of_journeys` names (a table and a parameter each)."""
    base = "x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[]))"
    if level == "journey":
        # the journey's totals row; naming the ids lets the primary key find them (with
        # `subject_id = journey_id` alone the planner reads every subject of the journey)
        return base + " AND x.subject_id = ANY(CAST(:journeys AS uuid[])) AND x.subject_id = x.journey_id"
    # one array, computed once before the scan, so the key still finds each subject
    listed = " || ".join([f"CAST(:{ids} AS uuid[])", *(_of_journeys(*c) for c in of_journeys)])
    return base + f" AND x.subject_id = ANY({listed})"


def _summed(owner: str, owners: str, columns: list[str], sums: str, buckets: Buckets) -> str:
    listed = ", ".join(f"x.{c}" for c in columns)
    parts = []
    tables = (("rollup_weeks", "w"), ("rollup_days", "d"), ("rollup_quarters", "q"))
    for (table, prefix), reads in zip(tables, buckets, strict=True):
        if reads:
            parts.append(_bucketed(table, prefix, "bucket", "timestamptz", owner, listed, owners, reads))
    return f"""SELECT idx, owner, {sums} FROM ({_union(parts)}) AS hits
        WHERE idx IS NOT NULL GROUP BY idx, owner"""


def _counts_sql(level: Level, buckets: Buckets) -> Statement:
    owner = "journey_id" if level == "journey" else "subject_id"
    # bigint sums come back as numeric, slow to decode into Decimal; no count comes near 2^63
    sums = ", ".join([*(f"CAST(sum({c}) AS bigint)" for c in COUNTERS), "sum(revenue)", "max(last_event_at)"])
    owners = _owners(level, "subjects", ("nodes", "node_journeys"))
    summed = _summed(owner, owners, [*COUNTERS, "revenue", "last_event_at"], sums, buckets)
    if level == "journey":
        return Statement(summed)
    # A path's rows hold its traversals and nothing else (a path is the subject of PATH_TRAVERSED
    # only), so paths sum that one column: each sum is a cost per row, and a canvas has more
    # path rows than node rows.
    traversed = ", ".join(
        [
            *(f"CAST({'sum(path_traversed)' if c == PATH_COLUMN else '0'} AS bigint)" for c in COUNTERS),
            "CAST(0 AS numeric)",
            "CAST(NULL AS timestamptz)",
        ]
    )
    paths = _owners("subject", "paths", ("paths", "path_journeys"))
    return Statement(
        summed + "\n        UNION ALL\n" + _summed(owner, paths, [PATH_COLUMN], traversed, buckets)
    )


def _uniques_sql(days: Reads, quarters: Reads) -> Statement:
    """Distinct contacts per (point, owner, kind); owners are subjects, or journeys (their own scope).

    Whole days come from unique_gaps: a contact counts on its first day in the
    point's days, the one whose previous day is before them. Edge quarter-hours
    come from the contact sets, minus contacts already counted in those days.
    """
    listed = _owners("subject", "subjects", ("nodes", "node_journeys"), ("paths", "path_journeys"))
    owners = listed + " AND x.kind = ANY(CAST(:kinds AS smallint[]))"
    parts = []
    if days:
        gaps = _bucketed(
            "unique_gaps", "g", "day", "date", "subject_id", "x.kind, x.n, x.gap, x.day", owners, days
        )
        parts.append(
            f"""SELECT idx, owner, kind, sum(n) FILTER (WHERE gap > day - (CAST(:first_day AS date[]))[idx + 1]) AS n
            FROM ({gaps}) AS g WHERE idx IS NOT NULL GROUP BY idx, owner, kind"""
        )
    if quarters:
        edges = _bucketed(
            "contact_quarters",
            "q",
            "bucket",
            "timestamptz",
            "subject_id",
            "x.journey_id, x.kind, x.ordinal",
            owners,
            quarters,
        )
        # Only points that also have whole days need the look-up (an HOUR series has none).
        counted_in_days = (
            """ AND ((CAST(:days_from AS timestamptz[]))[e.idx + 1] IS NULL OR NOT EXISTS (
                SELECT 1 FROM contact_days d
                WHERE d.workspace_id = :workspace_id AND d.journey_id = e.journey_id AND d.subject_id = e.owner
                  AND d.kind = e.kind AND d.ordinal = e.ordinal
                  AND d.bucket >= (CAST(:days_from AS timestamptz[]))[e.idx + 1]
                  AND d.bucket < (CAST(:days_to AS timestamptz[]))[e.idx + 1]))"""
            if days
            else ""
        )
        parts.append(
            f"""SELECT idx, owner, kind, count(DISTINCT ordinal) AS n FROM ({edges}) AS e
            WHERE idx IS NOT NULL{counted_in_days}
            GROUP BY idx, owner, kind"""
        )
    return Statement(
        f"SELECT idx, owner, kind, sum(n) FROM ({_union(parts)}) AS found GROUP BY idx, owner, kind"
    )


# Only the bucket sizes a request's ranges use are read; a statement per way of reading them.
_counts_statement = functools.cache(_counts_sql)
_uniques_statement = functools.cache(_uniques_sql)


def _split(
    ranges: Sequence[Range],
) -> tuple[list[tuple[int, datetime, datetime]], list[tuple[int, datetime, datetime]]]:
    days = [(r[0], r[2], r[3]) for r in ranges if r[1]]
    quarters = [(r[0], r[2], r[3]) for r in ranges if not r[1]]
    return days, quarters


def _weeks(
    days: list[tuple[int, datetime, datetime]],
) -> tuple[list[tuple[int, datetime, datetime]], list[tuple[int, datetime, datetime]]]:
    """The whole UTC weeks (Monday to Monday) inside day ranges, and the days left at their edges."""
    weeks, rest = [], []
    for idx, lo, hi in days:
        first, last = week_of(lo + timedelta(days=6)), week_of(hi)  # Mondays: on or after lo, on or before hi
        if first < last:
            weeks.append((idx, first, last))
            rest += [(idx, a, b) for a, b in ((lo, first), (last, hi)) if a < b]
        else:
            rest.append((idx, lo, hi))
    return weeks, rest


async def counts(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    level: Level,
    journey_ids: Sequence[uuid.UUID],
    node_ids: Sequence[uuid.UUID],
    ranges: Sequence[Range],
    path_ids: Sequence[uuid.UUID] = (),
    every: EveryOf = EVERY_OF_NONE,
) -> dict[tuple[int, uuid.UUID], Counts]:
    """Counts per (point, owner); owner is the journey, or at the subject level a node or path.

    A path's counts are its traversals alone (its only events): other counters are 0,
    revenue 0 and last_event_at None. `every` adds every node and path of some journeys
    as owners.
    """
    days, quarters = _split(ranges)
    weeks, days = _weeks(days)
    params: dict[str, Any] = {"workspace_id": workspace_id, "journeys": list(journey_ids)}
    if level == "subject":
        params["subjects"], params["paths"] = list(node_ids), list(path_ids)
        params["node_journeys"], params["path_journeys"] = list(every.nodes_of), list(every.paths_of)
    for found, prefix in ((weeks, "w"), (days, "d"), (quarters, "q")):
        if found:
            params.update(_slots(found, prefix))
    width = len(COUNTERS)
    result: dict[tuple[int, uuid.UUID], Counts] = {}
    statement = _counts_statement(level, (_reads(weeks), _reads(days), _reads(quarters)))
    for row in await fetch(session, statement, params):
        result[(row[0], row[1])] = Counts(tuple(row[2 : 2 + width]), row[2 + width], row[3 + width])
    return result


async def uniques(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    journey_ids: Sequence[uuid.UUID],
    owner_ids: Sequence[uuid.UUID],
    kinds: Sequence[int],
    ranges: Sequence[Range],
    every: EveryOf = EVERY_OF_NONE,
) -> dict[tuple[int, uuid.UUID], dict[int, int]]:
    """Distinct contacts per (point, owner), by kind. A journey's id as owner means the whole journey;
    `every` adds every node and path of some journeys as owners."""
    days, quarters = _split(ranges)
    points = max(r[0] for r in ranges) + 1
    first_day: list[date | None] = [None] * points
    days_from: list[datetime | None] = [None] * points
    days_to: list[datetime | None] = [None] * points
    for idx, lo, hi in days:
        first_day[idx], days_from[idx], days_to[idx] = lo.date(), lo, hi
    params: dict[str, Any] = {
        "workspace_id": workspace_id,
        "journeys": list(journey_ids),
        "subjects": list(owner_ids),
        "node_journeys": list(every.nodes_of),
        "path_journeys": list(every.paths_of),
        "kinds": list(kinds),
        "first_day": first_day,
        "days_from": days_from,
        "days_to": days_to,
    }
    if days:
        params.update(_slots([(idx, lo.date(), hi.date()) for idx, lo, hi in days], "g"))
    if quarters:
        params.update(_slots(quarters, "q"))
    found: dict[tuple[int, uuid.UUID], dict[int, int]] = {}
    statement = _uniques_statement(_reads(days), _reads(quarters))
    for idx, owner, kind, n in await fetch(session, statement, params):
        found.setdefault((idx, owner), {})[kind] = int(n or 0)
    return found
