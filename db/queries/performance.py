"""Reading performance figures from the rollups.

A request names "ranges": (point index, whether the range is in day buckets,
from, to). Several points — the windows of a time series, or just one — are
answered by one statement per kind of figure, whatever the number of subjects.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa

from db.enums import EventType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

Range = tuple[int, bool, datetime, datetime]
Level = Literal["journey", "subject"]
COUNTERS = [t.column for t in EventType]

_RANGES = """ranges AS (
    SELECT * FROM unnest(
        CAST(:idx AS int[]), CAST(:is_day AS bool[]), CAST(:lo AS timestamptz[]), CAST(:hi AS timestamptz[])
    ) AS r(idx, is_day, lo, hi)
)"""


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


def _params(
    workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID], ranges: Sequence[Range]
) -> dict[str, object]:
    return {
        "workspace_id": workspace_id,
        "journeys": list(journey_ids),
        "idx": [r[0] for r in ranges],
        "is_day": [r[1] for r in ranges],
        "lo": [r[2] for r in ranges],
        "hi": [r[3] for r in ranges],
    }


def _from_buckets(table: str, is_day: bool, columns: str, level: Level) -> str:
    subjects = " AND x.subject_id = ANY(CAST(:subjects AS uuid[]))" if level == "subject" else ""
    return f"""
        SELECT r.idx, x.{"journey_id" if level == "journey" else "subject_id"} AS owner, {columns}
        FROM ranges r JOIN {table} x
          ON {"" if is_day else "NOT "}r.is_day AND x.bucket >= r.lo AND x.bucket < r.hi
        WHERE x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[])){subjects}"""


def _union(parts: list[str]) -> str:
    return "\n            UNION ALL\n".join(parts)


def _counts_sql(level: Level, days: bool, quarters: bool) -> sa.TextClause:
    columns = ", ".join(f"x.{c}" for c in [*COUNTERS, "revenue", "last_event_at"])
    sums = ", ".join(f"sum({c})" for c in [*COUNTERS, "revenue"])
    parts = [_from_buckets("rollup_days", True, columns, level)] if days else []
    parts += [_from_buckets("rollup_quarters", False, columns, level)] if quarters else []
    return sa.text(
        f"""WITH {_RANGES}, hits AS ({_union(parts)})
        SELECT idx, owner, {sums}, max(last_event_at) FROM hits GROUP BY idx, owner"""
    )


def _uniques_sql(days: bool, quarters: bool) -> sa.TextClause:
    """Distinct contacts per (point, owner, kind); owners are subjects, or journeys (their own scope).

    Whole days come from unique_gaps: a contact counts on its first day in the
    range, the one whose previous day is before the range. Edge quarter-hours
    come from the contact sets, minus contacts already counted in the whole days.
    """
    owners = """x.workspace_id = :workspace_id AND x.journey_id = ANY(CAST(:journeys AS uuid[]))
        AND x.subject_id = ANY(CAST(:subjects AS uuid[])) AND x.kind = ANY(CAST(:kinds AS smallint[]))"""
    parts = []
    if days:
        parts.append(
            f"""SELECT r.idx, x.subject_id AS owner, x.kind, sum(x.n) FILTER (WHERE x.gap > x.day - r.lo) AS n
            FROM days r JOIN unique_gaps x ON x.day >= r.lo AND x.day < r.hi
            WHERE {owners} GROUP BY r.idx, x.subject_id, x.kind"""
        )
    if quarters:
        parts.append(
            f"""SELECT e.idx, x.subject_id AS owner, x.kind, count(DISTINCT x.ordinal) AS n
            FROM edges e JOIN contact_quarters x ON x.bucket >= e.lo AND x.bucket < e.hi
            LEFT JOIN days r ON r.idx = e.idx
            WHERE {owners} AND (r.idx IS NULL OR NOT EXISTS (
                SELECT 1 FROM contact_days d
                WHERE d.workspace_id = x.workspace_id AND d.journey_id = x.journey_id AND d.subject_id = x.subject_id
                  AND d.kind = x.kind AND d.ordinal = x.ordinal AND d.bucket >= r.lo_at AND d.bucket < r.hi_at))
            GROUP BY e.idx, x.subject_id, x.kind"""
        )
    return sa.text(
        f"""WITH days AS (
            SELECT * FROM unnest(CAST(:d_idx AS int[]), CAST(:d_lo AS date[]), CAST(:d_hi AS date[]),
                                 CAST(:d_lo_at AS timestamptz[]), CAST(:d_hi_at AS timestamptz[]))
                AS r(idx, lo, hi, lo_at, hi_at)
        ), edges AS (
            SELECT * FROM unnest(CAST(:q_idx AS int[]), CAST(:q_lo AS timestamptz[]), CAST(:q_hi AS timestamptz[]))
                AS e(idx, lo, hi)
        )
        SELECT idx, owner, kind, sum(n) FROM ({_union(parts)}) AS found GROUP BY idx, owner, kind"""
    )


# Only the bucket sizes a request's ranges use are read: a branch over a table with no
# range to match would still be planned, and may scan.
_VARIANTS = [(True, False), (False, True), (True, True)]
_COUNTS = {(level, *v): _counts_sql(level, *v) for level in ("journey", "subject") for v in _VARIANTS}
_UNIQUES = {v: _uniques_sql(*v) for v in _VARIANTS}


def _variant(ranges: Sequence[Range]) -> tuple[bool, bool]:
    return any(r[1] for r in ranges), any(not r[1] for r in ranges)


async def counts(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    level: Level,
    journey_ids: Sequence[uuid.UUID],
    subject_ids: Sequence[uuid.UUID],
    ranges: Sequence[Range],
) -> dict[tuple[int, uuid.UUID], Counts]:
    """Counts per (point, owner); owner is the journey or the subject as `level` says."""
    params = _params(workspace_id, journey_ids, ranges)
    if level == "subject":
        params["subjects"] = list(subject_ids)
    result: dict[tuple[int, uuid.UUID], Counts] = {}
    width = len(COUNTERS)
    for row in await session.execute(_COUNTS[(level, *_variant(ranges))], params):
        # sums of bigint come back as Decimal; ints are what the schema serializes
        result[(row[0], row[1])] = Counts(tuple(map(int, row[2 : 2 + width])), row[2 + width], row[3 + width])
    return result


async def uniques(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    journey_ids: Sequence[uuid.UUID],
    owner_ids: Sequence[uuid.UUID],
    kinds: Sequence[int],
    ranges: Sequence[Range],
) -> dict[tuple[int, uuid.UUID], dict[int, int]]:
    """Distinct contacts per (point, owner), by kind. A journey's id as owner means the whole journey."""
    day_ranges = [r for r in ranges if r[1]]
    edge_ranges = [r for r in ranges if not r[1]]
    params = {
        "workspace_id": workspace_id,
        "journeys": list(journey_ids),
        "subjects": list(owner_ids),
        "kinds": list(kinds),
        "d_idx": [r[0] for r in day_ranges],
        "d_lo": [r[2].date() for r in day_ranges],
        "d_hi": [r[3].date() for r in day_ranges],
        "d_lo_at": [r[2] for r in day_ranges],
        "d_hi_at": [r[3] for r in day_ranges],
        "q_idx": [r[0] for r in edge_ranges],
        "q_lo": [r[2] for r in edge_ranges],
        "q_hi": [r[3] for r in edge_ranges],
    }
    found: dict[tuple[int, uuid.UUID], dict[int, int]] = {}
    for idx, owner, kind, n in await session.execute(_UNIQUES[_variant(ranges)], params):
        found.setdefault((idx, owner), {})[kind] = int(n or 0)
    return found
