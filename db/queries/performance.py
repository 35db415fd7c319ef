"""Reading performance figures from the rollups.

A request names "ranges": (point index, whether the range is in day buckets,
from, to). Several points — the windows of a time series, or just one — are
answered by one statement per kind of figure, whatever the number of subjects.
Counts read whole UTC weeks inside day ranges from the weekly rows (a 90-day
window reads about 25 rows per subject instead of 90), the days left at the
edges from the daily rows, and partial days (the edges of a window in New
York, say) from four-hour blocks, hours and quarter-hours, the widest that fit;
distinct contacts read the contact sets of the same grains, cut the same way.

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
from datetime import datetime, timedelta
from decimal import Decimal
from operator import add
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from journeygraph.db.driver import Statement, fetch
from journeygraph.db.enums import COUNTERS, EVENT_POSITION, UNIQUE_KINDS, EventType
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries.answers import GUARD, UNLESS_KNOWN, Answers
from journeygraph.db.queries.events import unique_kind, week_of
from journeygraph.db.queries.fold import DAY, FOUR_HOURS, HOUR, QUARTER, ROLLUPS, WEEK
from journeygraph.db.queries.unions import Unions

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

Range = tuple[int, bool, datetime, datetime]
# What a counts statement answers: journeys' totals, subjects (nodes and paths), or both at once
# (a canvas: one read of the tail for all of them).
Level = Literal["journey", "subject", "both"]
# The owners of a statement of distinct contacts: journeys' totals, listed subjects, every subject of
# some journeys.
Owners = Literal["journey", "subject", "whole"]
PATH_COLUMN = EventType.PATH_TRAVERSED.column
_ZEROS = (0,) * len(COUNTERS)
# About what a remembered row holds in memory (sys.getsizeof of its objects): a point's Counts with
# its key; a group of stored sets with its key, less the sets' own bytes.
COUNTS_ROW_BYTES, SET_GROUP_BYTES = 1_000, 300


@dataclass
class Counts:
    """Event counts of one subject (or journey) over one point, in EventType order."""

    values: tuple[int, ...] = _ZEROS
    revenue: Decimal = Decimal(0)
    last_event_at: datetime | None = None

    def __getitem__(self, event_type: EventType) -> int:
        return self.values[EVENT_POSITION[event_type]]

    def __add__(self, other: Counts) -> Counts:
        """Both together: a point's stored counts and its tail's."""
        last = max((t for t in (self.last_event_at, other.last_event_at) if t is not None), default=None)
        return Counts(tuple(map(add, self.values, other.values)), self.revenue + other.revenue, last)


# How a statement reads one table: not at all (None), or else how a row finds its point
# (`single`: every range is one point's; `several`: width_bucket over the bounds) and
# how the buckets are scanned (`one`: the ranges' union is one interval; `runs`: it has
# gaps, and each run of buckets is scanned on its own).
TableRead = tuple[Literal["single", "several"], Literal["one", "runs"]] | None
# How a counts statement reads each rollup table, in _ROLLUPS order.
Buckets = tuple[TableRead, ...]


def _runs(ranges: Sequence[tuple[int, Any, Any]]) -> list[tuple[Any, Any]]:
    """The union of the ranges as sorted, disjoint intervals."""
    runs: list[tuple[Any, Any]] = []
    for _, lo, hi in sorted(ranges, key=lambda r: r[1]):
        if runs and lo <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], hi))
        else:
            runs.append((lo, hi))
    return runs


def _table_read(ranges: Sequence[tuple[int, Any, Any]]) -> TableRead:
    if not ranges:
        return None
    spread: Literal["one", "runs"] = "one" if len(_runs(ranges)) == 1 else "runs"
    return ("single" if len({r[0] for r in ranges}) == 1 else "several"), spread


def _bucket_parameters(ranges: Sequence[tuple[int, Any, Any]], prefix: str) -> dict[str, Any]:
    """Parameters that say which buckets to scan and map each bucket to its point.

    The point: with one point, that point (the statement's `single` form); else sorted
    bounds and the point of each slot between them. width_bucket(x, bounds) is k when
    bounds[k] <= x < bounds[k+1] (1-based), 0 below the first bound; `points[k + 1]` is
    then the point whose range holds that slot, or NULL.
    """
    reads, runs = _table_read(ranges), _runs(ranges)
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


def _point(prefix: str, column: str, cast: str, reads: TableRead) -> str:
    """The point a row belongs to (NULL: none), by its `column`."""
    assert reads is not None
    if reads[0] == "single":
        return f"CAST(:{prefix}_point AS int)"
    return (
        f"(CAST(:{prefix}_points AS int[]))[width_bucket(x.{column}, CAST(:{prefix}_bounds AS {cast}[])) + 1]"
    )


def _scan(
    source: str, prefix: str, column: str, cast: str, selected: str, where: str, reads: TableRead
) -> str:
    """`SELECT idx, {selected} FROM {source} WHERE {where}`, over the ranges' buckets of `column`."""
    assert reads is not None
    point = _point(prefix, column, cast, reads)
    if reads[1] == "one":
        return f"""
        SELECT {point} AS idx, {selected}
        FROM {source}
        WHERE {where} AND x.{column} >= :{prefix}_lo AND x.{column} < :{prefix}_hi"""
    # One index scan per run, so the gaps between runs (the whole days between a window's
    # edges in the quarter-hour tables) are never read. OFFSET 0 keeps the planner from
    # flattening the subquery into a join it could answer by reading all the buckets.
    return f"""
        SELECT {point} AS idx, {selected}
        FROM unnest(CAST(:{prefix}_los AS {cast}[]), CAST(:{prefix}_his AS {cast}[])) AS run(lo, hi)
        CROSS JOIN LATERAL (
            SELECT * FROM {source} WHERE {where} AND x.{column} >= run.lo AND x.{column} < run.hi OFFSET 0
        ) AS x"""


def _bucketed(
    table: str, prefix: str, column: str, cast: str, owner: str, columns: str, owners: str, reads: TableRead
) -> str:
    return _scan(f"{table} x", prefix, column, cast, f"x.{owner} AS owner, {columns}", owners, reads)


def _union(parts: list[str]) -> str:
    return "\n        UNION ALL\n".join(parts)


class WholeJourneys(NamedTuple):
    """Journeys whose every node, and every path, a statement reads (removed ones too: a
    removed node asked for by id in the same request is then answered by the same rows)."""

    nodes_of: Sequence[uuid.UUID] = ()
    paths_of: Sequence[uuid.UUID] = ()


NO_WHOLE_JOURNEYS = WholeJourneys()


def _of_journeys(table: str, journeys: str) -> str:
    """The ids of the rows of `table` (nodes or paths) in the journeys a parameter names."""
    return f"""ARRAY(SELECT c.id FROM {table} c WHERE c.workspace_id = :workspace_id
            AND c.journey_id = ANY(CAST(:{journeys} AS uuid[])))"""


def _owners(level: Level, ids: str = "subjects", *of_journeys: tuple[str, str]) -> str:
    """The rows of the journey totals, or of the subjects listed in `ids` and the nodes or paths
    of the journeys `of_journeys` names (a table and a parameter each)."""
    base = (
        f"x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[])) AND {UNLESS_KNOWN}"
    )
    if level == "journey":
        # the journey's totals row; naming the ids lets the primary key find them (with
        # `subject_id = journey_id` alone the planner reads every subject of the journey)
        return base + " AND x.subject_id = ANY(CAST(:journeys AS uuid[])) AND x.subject_id = x.journey_id"
    return base + f" AND x.subject_id = ANY({_listed(ids, *of_journeys)})"


def _listed(ids: str, *of_journeys: tuple[str, str]) -> str:
    """The subjects listed in `ids` and the nodes or paths of the journeys `of_journeys` names, as one
    array, computed once before the scan, so the key still finds each subject."""
    return " || ".join([f"CAST(:{ids} AS uuid[])", *(_of_journeys(*c) for c in of_journeys)])


# The tail's events are counted once per statement, per (point, owner, type) (the `tail` CTE): an
# event costs a hash look-up and three aggregates, not one FILTER per counter, and a statement
# reading nodes and paths reads the tail once. These columns spread those few rows into the
# rollups' columns.
_TAIL_COLUMNS = {
    **{t.column: f"coalesce(sum(n) FILTER (WHERE type = '{t.value}'), 0)" for t in EventType},
    "revenue": "coalesce(sum(revenue) FILTER (WHERE type = 'TRANSACTION'), 0)",
    "last_event_at": "max(last_event_at)",
}
# The tail's events of the journeys. Owners are picked out after grouping (a few rows), not per
# event: `= ANY` of a canvas's 500 subjects is a search of the array for every row.
_TAIL_JOURNEYS = "x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[]))"


def _tail(subjects: bool, reads: TableRead) -> str:
    """`WITH tail`: the journeys' events not folded yet, per (point, journey, type), and per subject
    too when a statement reads subjects (a journey's totals then sum its subjects' few groups)."""
    keys = "journey_id, subject_id" if subjects else "journey_id"
    events = _scan(
        "event_tail x", "t", "occurred_at", "timestamptz", "x.journey_id, x.subject_id, x.type, x.revenue, x.occurred_at",
        _TAIL_JOURNEYS, reads,
    )  # fmt: skip
    return f"""{GUARD}, tail AS MATERIALIZED (
        SELECT idx, {keys}, type, count(*) AS n, sum(revenue) AS revenue, max(occurred_at) AS last_event_at
        FROM ({events}) AS events WHERE idx IS NOT NULL GROUP BY idx, {keys}, type)
    """


def _summed(
    owner: str, owners: str, columns: list[str], sums: str, buckets: Buckets, listed: str | None
) -> str:
    """Sums per (point, owner) over the rollups' buckets, and apart from them over the `tail` CTE
    (`stored` says which: the stored sums may be remembered, db/queries/answers.py); `owner`: the
    column that names the owner (journey_id or subject_id), `listed`: an array of the owners to take
    from the tail (None: all of them)."""
    selected = ", ".join(f"x.{c}" for c in columns)
    parts = []
    for (table, prefix), reads in zip(_ROLLUPS, buckets, strict=True):
        if reads:
            parts.append(_bucketed(table, prefix, "bucket", "timestamptz", owner, selected, owners, reads))
    summed = ", ".join(f"{_TAIL_COLUMNS[c]} AS {c}" for c in columns)
    # picked out of the tail's few grouped rows (per event, `= ANY` would search the array)
    where = f"WHERE {owner} IN (SELECT unnest({listed}))" if listed else ""
    tail = f"SELECT idx, {owner} AS owner, {summed} FROM tail {where} GROUP BY idx, {owner}"
    # (a `stored` column inside one union of both kept PostgreSQL from reading the rollups' columns
    # straight into the sums)
    grouped = "WHERE idx IS NOT NULL GROUP BY idx, owner"
    selects = (
        [f"SELECT idx, owner, {sums}, true AS stored FROM ({_union(parts)}) AS hits {grouped}"]
        if parts
        else []
    )
    selects.append(f"SELECT idx, owner, {sums}, false FROM ({tail}) AS hits {grouped}")
    return _union(selects)


def _counts_sql(level: Level, buckets: Buckets, tail: TableRead) -> Statement:
    # bigint sums come back as numeric, slow to decode into Decimal; no count comes near 2^63
    sums = ", ".join([*(f"CAST(sum({c}) AS bigint)" for c in COUNTERS), "sum(revenue)", "max(last_event_at)"])
    columns = [*COUNTERS, "revenue", "last_event_at"]
    parts = []
    if level != "subject":  # the tail holds events, not totals rows: a journey's are all its events
        parts.append(_summed("journey_id", _owners("journey"), columns, sums, buckets, None))
    if level != "journey":
        nodes = ("subjects", ("nodes", "node_journeys"))
        parts.append(
            _summed("subject_id", _owners("subject", *nodes), columns, sums, buckets, _listed(*nodes))
        )
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
        paths = ("paths", ("paths", "path_journeys"))
        parts.append(
            _summed(
                "subject_id", _owners("subject", *paths), [PATH_COLUMN], traversed, buckets, _listed(*paths)
            )
        )
    # the guard's own row (db/queries/answers.py): no point, its fingerprint, whether it is known
    zeros = ", ".join(["CAST(0 AS bigint)"] * (len(COUNTERS) - 1))
    parts.append(
        "SELECT CAST(NULL AS int), fingerprint, CAST(CAST(known AS int) AS bigint), "
        f"{zeros}, CAST(NULL AS numeric), CAST(NULL AS timestamptz), CAST(NULL AS boolean) FROM guard"
    )
    return Statement(_tail(level != "journey", tail) + _union(parts))


# The contact sets' grains, in the order a window is cut into them (db/queries/fold.py, `_cut`).
_SET_GRAINS = ((WEEK, "gw"), (DAY, "gd"), (FOUR_HOURS, "gf"), (HOUR, "gh"), (QUARTER, "gq"))
# The rollup tables of the same grains, in the same order, and their parameters' prefixes.
_ROLLUPS = tuple(zip((table for table, _ in ROLLUPS), ("w", "d", "f", "h", "q"), strict=True))


def _uniques_sql(grains: tuple[TableRead, ...], tail: TableRead, asked: tuple[Owners, ...]) -> Statement:
    """Per (point, owner, kind): the stored sets' cardinalities and bitmaps, and the ordinals of the
    tail's contacts. Owners (`asked`) are journeys (`totals`: their own scope, a contact counts on its
    subject and on its journey, of the kinds `journey_kinds` lists), listed subjects (nodes and paths,
    of the kinds `kinds` lists), and every node and path of some journeys (`whole_journeys`). Those
    are read by journey, grain and bucket (ix_contact_sets_workspace_id_journey_id_grain_bucket_kind),
    a few index ranges, where listing their subjects cost an index search per subject and kind."""
    listed = _listed("subjects", ("nodes", "node_journeys"), ("paths", "path_journeys"))
    base = (
        f"x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[])) AND {UNLESS_KNOWN}"
    )
    owned = {
        "journey": "x.subject_id = ANY(CAST(:totals AS uuid[])) AND x.subject_id = x.journey_id "
        "AND x.kind = ANY(CAST(:journey_kinds AS smallint[]))",
        "subject": f"x.subject_id = ANY({listed}) AND x.kind = ANY(CAST(:kinds AS smallint[]))",
        # `kind + 0`: no bound of the primary key, whose skip scan (a search per subject) the planner
        # otherwise picks for a journey's weeks (10M events: 15.0 ms, by this index 11.1)
        "whole": "x.journey_id = ANY(CAST(:whole_journeys AS uuid[])) AND x.subject_id <> x.journey_id "
        f"AND x.subject_id <> '{NO_SUBJECT}' AND x.kind + 0 = ANY(CAST(:kinds AS smallint[]))",
    }
    parts = []
    for (grain, prefix), reads in zip(_SET_GRAINS, grains, strict=True):
        if reads:
            parts += [
                _scan(
                    "contact_sets x",
                    prefix,
                    "bucket",
                    "timestamptz",
                    "x.subject_id AS owner, x.kind, x.n, x.bitmap",
                    f"{base} AND {owned[scope]} AND x.grain = {grain}",
                    reads,
                )
                for scope in asked
            ]
    events = _scan(
        "event_tail x",  # each event of these types carries its contact's ordinal
        "t",
        "occurred_at",
        "timestamptz",
        f"x.journey_id, x.subject_id, {unique_kind('x.type')} AS kind, x.ordinal",
        _TAIL_JOURNEYS + " AND x.type = ANY(CAST(:types AS text[]))",
        tail,
    )
    # The tail's contacts per point, owner and kind, as ordinals to OR into the stored sets (a row
    # per set, not per event; repeated ordinals are left for the bitmap to drop, not sorted out here).
    # An event counts on its subject and on its journey, as the owners asked for need. Owners and
    # their kinds are picked out after grouping, a few rows (OFFSET 0 keeps the planner from moving
    # the test before it): per event, `= ANY` searches a canvas's 500 subjects, and a semi-join
    # sorted them.
    scopes = [
        *(["(e.subject_id, false)"] if {"subject", "whole"} & set(asked) else []),
        *(["(e.journey_id, true)"] if "journey" in asked else []),
    ]
    scope = "VALUES " + ", ".join(scopes)
    grouped = f"""SELECT e.idx, e.journey_id, scope.id AS owner, e.kind, array_agg(e.ordinal) AS ordinals, scope.whole
        FROM ({events}) AS e CROSS JOIN LATERAL ({scope}) AS scope(id, whole)
        WHERE e.idx IS NOT NULL
        GROUP BY e.idx, e.journey_id, scope.id, scope.whole, e.kind OFFSET 0"""
    wanted = {
        "journey": "(whole AND owner = ANY(CAST(:totals AS uuid[])) AND kind = ANY(CAST(:journey_kinds AS smallint[])))",
        "subject": f"(NOT whole AND owner IN (SELECT unnest({listed})) AND kind = ANY(CAST(:kinds AS smallint[])))",
        "whole": f"(NOT whole AND journey_id = ANY(CAST(:whole_journeys AS uuid[])) AND owner <> '{NO_SUBJECT}' "
        "AND kind = ANY(CAST(:kinds AS smallint[])))",
    }
    # A row per group of stored sets (its bitmaps as one array: a canvas's 5,000 sets are 900
    # rows, not 5,000 for Python to look at; its cardinality when it is one set), and a row per
    # group of the tail's contacts.
    stored = f"""SELECT idx, owner, kind, CASE WHEN count(*) = 1 THEN min(n) END AS n, array_agg(bitmap) AS bitmaps,
            CAST(NULL AS bigint[]) AS ordinals
        FROM ({_union(parts)}) AS found WHERE idx IS NOT NULL GROUP BY idx, owner, kind"""
    tail_sets = f"""SELECT idx, owner, kind, CAST(NULL AS int) AS n, CAST(NULL AS bytea[]) AS bitmaps, ordinals
        FROM ({grouped}) AS sets WHERE {" OR ".join(wanted[scope] for scope in asked)}"""
    # the guard's own row (db/queries/answers.py): no point, its fingerprint, whether it is known
    guard = """SELECT CAST(NULL AS int), fingerprint, CAST(NULL AS smallint), CAST(known AS int),
            CAST(NULL AS bytea[]), CAST(NULL AS bigint[]) FROM guard"""
    return Statement(GUARD + _union([stored, tail_sets, guard] if parts else [tail_sets, guard]))


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
    every: WholeJourneys = NO_WHOLE_JOURNEYS,
) -> dict[tuple[int, uuid.UUID], Counts]:
    """Counts per (point, owner); owner is the journey, or at the subject level a node or path
    (both: the journeys' totals and the subjects, from one read of the tail).

    A path's counts are its traversals alone (its only events): other counters are 0,
    revenue 0 and last_event_at None. `every` adds every node and path of some journeys
    as owners. The rollups and the tail are read in one statement: one snapshot, in which
    each acknowledged event is in exactly one of them.
    """
    blocks = _cut(ranges)
    whole = [(r[0], r[2], r[3]) for r in ranges]
    params: dict[str, Any] = {"workspace_id": workspace_id, "journeys": list(journey_ids)}
    if level != "journey":
        params["subjects"], params["paths"] = list(node_ids), list(path_ids)
        params["node_journeys"], params["path_journeys"] = list(every.nodes_of), list(every.paths_of)
    for found, (_, prefix) in [*zip(blocks, _ROLLUPS, strict=True), (whole, ("event_tail", "t"))]:
        if found:
            params.update(_bucket_parameters(found, prefix))
    width = len(COUNTERS)
    read: dict[tuple[int, uuid.UUID], Counts] = {}
    tail: dict[tuple[int, uuid.UUID], Counts] = {}
    statement = _counts_statement(level, tuple(_table_read(block) for block in blocks), _table_read(whole))
    key = _ANSWERS.key(statement, params)
    params["known"] = _ANSWERS.fingerprint(key)
    guard: Any = None
    for row in await fetch(session, statement, params):
        if row[0] is None:  # the guard's row
            guard = row
            continue
        counted = Counts(tuple(row[2 : 2 + width]), row[2 + width], row[3 + width])
        (read if row[4 + width] else tail)[(row[0], row[1])] = counted
    result = _stored(key, guard[1], bool(guard[2]), read, lambda: len(read) * COUNTS_ROW_BYTES)
    for point, counts in tail.items():
        before = result.get(point)
        result[point] = counts if before is None else before + counts
    return result


def _stored(
    key: Any, fingerprint: uuid.UUID | None, known: bool, read: dict[Any, Any], size: Callable[[], int]
) -> dict[Any, Any]:
    """The stored part of a statement's answer: the remembered one (a copy) when its guard knew it,
    else what it read, remembered under its fingerprint (none: a journey never folded) as `size()`
    bytes."""
    if known:
        return _ANSWERS.answer(key)
    if fingerprint is not None:
        _ANSWERS.keep(key, fingerprint, read, size())
    return read


def _aligned(
    lo: datetime, hi: datetime, grains: Sequence[tuple[int, int]]
) -> list[tuple[int, datetime, datetime]]:
    """[lo, hi) as the fewest blocks aligned on the grains (widest first; UTC, from midnight):
    (grain, from, to), the middle in the widest grain that fits, the edges in narrower ones.
    Worked out in seconds from lo's midnight: an HOUR series cuts 744 ranges three times a request."""
    midnight = lo.replace(hour=0, minute=0, second=0, microsecond=0)
    start, end = int((lo - midnight).total_seconds()), int((hi - midnight).total_seconds())
    return [
        (grain, midnight + timedelta(seconds=a), midnight + timedelta(seconds=b))
        for grain, a, b in _blocks(start, end, grains)
    ]


def _blocks(lo: int, hi: int, grains: Sequence[tuple[int, int]]) -> list[tuple[int, int, int]]:
    if not grains:
        return [] if lo >= hi else [(QUARTER, lo, hi)]  # quarter-aligned by construction
    (grain, width), narrower = grains[0], grains[1:]
    first = -(-lo // width) * width  # the first boundary on or after lo
    last = first + ((hi - first) // width) * width if hi > first else first
    if first >= last:
        return _blocks(lo, hi, narrower)
    return [*_blocks(lo, first, narrower), (grain, first, last), *_blocks(last, hi, narrower)]


# The grains an edge of a window (a partial UTC day) is cut into, widest first, and their widths
# in seconds (both divide a day: blocks start at midnight).
_EDGE_GRAINS = ((FOUR_HOURS, 4 * 3600), (HOUR, 3600))
_ONE_HOUR = timedelta(hours=1)


def _cut(ranges: Sequence[Range]) -> list[list[tuple[int, datetime, datetime]]]:
    """Each range as aligned blocks of the grains the rollups and the contact sets keep, in
    _SET_GRAINS (and _ROLLUPS) order: whole weeks and days of day ranges; four-hour blocks, hours and
    quarter-hours for the edges of the others (a New York day's 19-hour edge is 3 hours and four
    blocks of four: 7 rows instead of 76 quarter-hours)."""
    days, quarters = _split(ranges)
    weeks, days = _weeks(days)
    found: dict[int, list[tuple[int, datetime, datetime]]] = {FOUR_HOURS: [], HOUR: [], QUARTER: []}
    for idx, lo, hi in quarters:
        if lo.minute == 0 and hi - lo == _ONE_HOUR:  # a point of an HOUR series: one block, as it is
            found[HOUR].append((idx, lo, hi))
            continue
        for grain, a, b in _aligned(lo, hi, _EDGE_GRAINS):
            found[grain].append((idx, a, b))
    return [weeks, days, found[FOUR_HOURS], found[HOUR], found[QUARTER]]


async def uniques(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    journey_ids: Sequence[uuid.UUID],
    owner_ids: Sequence[uuid.UUID],
    kinds: Sequence[int],
    ranges: Sequence[Range],
    every: WholeJourneys = NO_WHOLE_JOURNEYS,
    journey_kinds: Sequence[int] | None = None,
) -> dict[tuple[int, uuid.UUID], dict[int, int]]:
    """Distinct contacts per (point, owner), by kind. A journey's id as owner means the whole journey;
    `every` adds every node and path of some journeys as owners. Subjects are answered for `kinds`,
    journeys for `journey_kinds` (default: the same).

    A point is the union of the stored sets of its blocks (roaring bitmaps) and of its
    contacts still in the tail, read in one statement (one snapshot). A point that is one
    stored set and nothing else is its cardinality, read without its bitmap being decoded.
    """
    blocks = _cut(ranges)
    whole = [(r[0], r[2], r[3]) for r in ranges]
    journeys = set(journey_ids)
    totals = [o for o in owner_ids if o in journeys]
    subjects = [o for o in owner_ids if o not in journeys]
    journey_kinds = kinds if journey_kinds is None else journey_kinds
    has_subjects = bool(subjects or every.nodes_of or every.paths_of)
    wanted = set(kinds if has_subjects else ()) | set(journey_kinds if totals else ())
    read_whole = set(every.nodes_of) & set(every.paths_of)
    params: dict[str, Any] = {
        "workspace_id": workspace_id,
        "journeys": list(journey_ids),
        "totals": totals,
        "subjects": subjects,
        # journeys whose every node and every path is asked for are read whole (by grain and
        # bucket); those with only their nodes, or only their paths, by the subjects they list
        "whole_journeys": [j for j in every.nodes_of if j in read_whole],
        "node_journeys": [j for j in every.nodes_of if j not in read_whole],
        "path_journeys": [j for j in every.paths_of if j not in read_whole],
        "kinds": list(kinds),
        "journey_kinds": list(journey_kinds),
        "types": [t.value for t, k in UNIQUE_KINDS.items() if k in wanted],
        **_bucket_parameters(whole, "t"),
    }
    for (_, prefix), block in zip(_SET_GRAINS, blocks, strict=True):
        if block:
            params.update(_bucket_parameters(block, prefix))
    listed = bool(subjects or params["node_journeys"] or params["path_journeys"])
    asked = (
        *(["journey"] if totals else []),
        *(["subject"] if listed else []),
        *(["whole"] if read_whole else []),
    )
    if not asked:
        return {}
    statement = _uniques_statement(tuple(_table_read(block) for block in blocks), _table_read(whole), asked)
    remembered = _ANSWERS.key(statement, params)
    params["known"] = _ANSWERS.fingerprint(remembered)
    # A group has a row of stored sets, a row of the tail's contacts, or both.
    read: dict[tuple[int, uuid.UUID, int], tuple[int | None, list[bytes]]] = {}
    tail: dict[tuple[int, uuid.UUID, int], list[int]] = {}
    guard: tuple[uuid.UUID | None, bool] = (None, False)
    for idx, owner, kind, n, bitmaps, ordinals in await fetch(session, statement, params):
        if idx is None:  # the guard's row
            guard = (owner, bool(n))
        elif bitmaps is not None:
            read[(idx, owner, kind)] = (n, bitmaps)
        else:
            tail[(idx, owner, kind)] = ordinals
    stored = _stored(remembered, *guard, read, lambda: _set_bytes(read))
    result: dict[tuple[int, uuid.UUID], dict[int, int]] = {}
    for key in stored.keys() | tail.keys():
        idx, owner, kind = key
        n, bitmaps = stored.get(key, (None, ()))
        ordinals = tail.get(key)
        by_kind = result.get((idx, owner))
        if by_kind is None:
            by_kind = result[(idx, owner)] = {}
        if n is not None and ordinals is None:  # one stored set: its cardinality, not decoded
            by_kind[kind] = n
        else:
            by_kind[kind] = _UNIONS.count(bitmaps, ordinals or ())
    return result


def _set_bytes(groups: dict[tuple[int, uuid.UUID, int], tuple[int | None, list[bytes]]]) -> int:
    """About the bytes remembered groups of stored sets hold: their sets' and a few objects' each."""
    return sum(SET_GROUP_BYTES + sum(map(len, bitmaps)) for _, bitmaps in groups.values())


# A process's remembered unions of stored sets (db/queries/unions.py): a canvas drawn again
# decodes and ORs none of the sets it read before.
_UNIONS = Unions()
# A process's remembered stored figures (db/queries/answers.py): a canvas drawn again, nothing of its
# journey folded since, reads only the tail.
_ANSWERS = Answers()
