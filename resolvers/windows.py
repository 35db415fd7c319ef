"""Performance windows: calendar dates in a time zone, turned into exact UTC instants.

A window is [start of `startDate`, start of the day after `endDate`) in the
time zone; a time series cuts it into points at local hour, day, ISO-week or
month boundaries. Each piece is then covered by rollup buckets: whole UTC days
where they fit, 15-minute buckets at the edges.
"""

from __future__ import annotations

import enum
import itertools
import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta
from typing import NamedTuple

from journeygraph.core.errors import bad_user_input, shown

# Events are dated from 1970 on; the last date leaves room for a window's end and a MONTH
# series' next month without leaving the calendar Python and PostgreSQL share.
FIRST_DATE = date(1970, 1, 1)
LAST_DATE = date(9998, 12, 31)
# An IANA name: letters, digits and `_+-` in up to three `/`-separated parts (Etc/GMT+5,
# America/Argentina/Buenos_Aires); the longest in use is 32 characters.
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,29}(/[A-Za-z0-9_+-]{1,30}){0,2}")
MAX_DAYS = 366
MAX_HOUR_DAYS = 31
QUARTER = timedelta(minutes=15)
DAY = timedelta(days=1)


class Granularity(enum.StrEnum):
    HOUR = "HOUR"
    DAY = "DAY"
    WEEK = "WEEK"
    MONTH = "MONTH"


class Span(NamedTuple):
    """[start, end) in UTC.

    A tuple: a canvas hashes the same span thousands of times (every figure's key holds its
    series), and a tuple of datetimes hashes in C where a frozen dataclass hashes in Python.
    """

    start: datetime
    end: datetime


def zone(name: str) -> zoneinfo.ZoneInfo:
    """The IANA time zone `name`; BAD_USER_INPUT when there is none.

    Only names spelled like IANA's reach the look-up: a directory (`Europe`), a
    path or a very long name makes the file system fail (IsADirectoryError,
    ENAMETOOLONG), which must not read as a database outage.
    """
    if not _ZONE_NAME.fullmatch(name):
        raise bad_user_input(f"timeZone {shown(name)} is not an IANA time zone (e.g. Europe/Paris)")
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise bad_user_input(f"timeZone {shown(name)} is not an IANA time zone (e.g. Europe/Paris)") from None


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first instant of `day` in `tz`, in UTC.

    Where a daylight-saving jump skips midnight, fold=0 reads the missing
    00:00 with the offset before the jump, which is exactly the instant the
    day begins.
    """
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def window(
    start_date: date, end_date: date, tz_name: str, granularity: Granularity | None = None
) -> tuple[Span, zoneinfo.ZoneInfo]:
    """Check the arguments and return the window in UTC."""
    for name, day in (("startDate", start_date), ("endDate", end_date)):
        if not FIRST_DATE <= day <= LAST_DATE:
            raise bad_user_input(
                f"{name} {day} is outside {FIRST_DATE} to {LAST_DATE}, the dates figures cover"
            )
    if start_date > end_date:
        raise bad_user_input(f"startDate {start_date} is after endDate {end_date}")
    days = (end_date - start_date).days + 1
    if days > MAX_DAYS:
        raise bad_user_input(f"the window covers {days} days; at most {MAX_DAYS} are allowed")
    if granularity == Granularity.HOUR and days > MAX_HOUR_DAYS:
        raise bad_user_input(
            f"HOUR granularity covers at most {MAX_HOUR_DAYS} days; this window covers {days}"
        )
    tz = zone(tz_name)
    span = Span(local_midnight(start_date, tz), local_midnight(end_date + DAY, tz))
    for edge in (span.start, span.end):
        if edge.timestamp() % QUARTER.total_seconds():
            raise bad_user_input(
                f"{tz_name} is {edge.astimezone(tz).strftime('%z')} from UTC on {edge.date()}, not a multiple of 15 minutes"
            )
    return span, tz


def points(span: Span, tz: zoneinfo.ZoneInfo, granularity: Granularity) -> tuple[Span, ...]:
    """Consecutive points covering the window, first and last clipped to it."""
    if granularity == Granularity.HOUR:
        # Hours are counted in elapsed time, so a 23- or 25-hour local day has 23 or 25 points.
        edges = [
            span.start + timedelta(hours=h)
            for h in range(int((span.end - span.start) / timedelta(hours=1)) + 1)
        ]
    else:
        first = span.start.astimezone(tz).date()
        if granularity == Granularity.DAY:
            starts = [first]
        elif granularity == Granularity.WEEK:
            starts = [first - timedelta(days=first.weekday())]
        else:
            starts = [first.replace(day=1)]
        edges = []
        day = starts[0]
        while True:
            moment = local_midnight(day, tz)
            edges.append(moment)
            if moment >= span.end:
                break
            day = _next(day, granularity)
        edges[0] = max(edges[0], span.start)
    edges[-1] = min(edges[-1], span.end)
    if edges[-1] < span.end:
        edges.append(span.end)
    return tuple(Span(a, b) for a, b in itertools.pairwise(edges) if a < b)


def _next(day: date, granularity: Granularity) -> date:
    if granularity == Granularity.DAY:
        return day + DAY
    if granularity == Granularity.WEEK:
        return day + timedelta(days=7)
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _ceil_day(moment: datetime) -> datetime:
    floor = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + DAY


def cover(span: Span) -> list[tuple[bool, datetime, datetime]]:
    """Bucket ranges covering `span` exactly: (is a day range, from, to).

    Whole UTC days inside the span come from day buckets; the rest, at most a
    day at each edge, from 15-minute buckets.
    """
    first_day, last_day = _ceil_day(span.start), span.end.replace(hour=0, minute=0, second=0, microsecond=0)
    if first_day >= last_day:
        return [(False, span.start, span.end)]
    ranges = [(True, first_day, last_day)]
    if span.start < first_day:
        ranges.append((False, span.start, first_day))
    if last_day < span.end:
        ranges.append((False, last_day, span.end))
    return ranges


def before(moment: datetime) -> list[tuple[bool, datetime, datetime]]:
    """Bucket ranges covering all time before `moment` (for in-progress counts)."""
    floor = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    ranges = [(True, datetime(1, 1, 2, tzinfo=UTC), floor)]
    if floor < moment:
        ranges.append((False, floor, moment))
    return ranges
