"""What the benchmark asks: the GraphQL operations, and the naive SQL over raw events."""

from __future__ import annotations

from collections.abc import Callable

from journeygraph.db.enums import EventType

JOURNEY_FIELDS = """enteredCount uniqueContactCount completedCount exitedEarlyCount convertedCount
  uniqueConvertedCount inProgressCount completionRate conversionRate earlyExitRate messageSent messageDelivered
  messageBounced opens uniqueOpens clicks uniqueClicks unsubscribes spamComplaints globalHoldouts journeyHoldouts
  addsToCart transactions revenue webhookSucceeded webhookFailed lastEventAt"""
NODE_FIELDS = """trafficCount uniqueContactCount conversions messageSent messageDelivered messageBounced opens
  uniqueOpens clicks uniqueClicks unsubscribes spamComplaints globalHoldouts journeyHoldouts addsToCart transactions
  revenue webhookSucceeded webhookFailed deliveryRate openRate clickRate clickToOpenRate lastEventAt"""
PATH_FIELDS = "trafficCount uniqueContactCount trafficRatio uniqueContactRatio"
COUNT_ONLY = {"uniqueContactCount", "uniqueConvertedCount", "conversionRate", "uniqueOpens", "uniqueClicks",
              "openRate", "clickRate", "clickToOpenRate", "uniqueContactRatio", "inProgressCount"}  # fmt: skip


def _counts(fields: str) -> str:
    return " ".join(f for f in fields.split() if f not in COUNT_ONLY)


def canvas(journey: str, node: str, path: str, zoned: bool = False) -> str:
    """The canvas query; `zoned` adds a `$tz` variable for the window's time zone."""
    tz, declared = (", timeZone: $tz", ", $tz: String") if zoned else ("", "")
    window = f"startDate: $start, endDate: $end{tz}"
    return f"""query Canvas($id: ID!, $start: Date!, $end: Date!{declared}) {{ journey(id: $id) {{
  id name performance({window}) {{ {journey} }}
  nodes {{ id type name position {{ x y }} performance({window}) {{ {node} }} }}
  paths {{ id index source {{ id }} target {{ id }} performance({window}) {{ {path} }} }}
}} }}"""


CANVAS = canvas(JOURNEY_FIELDS, NODE_FIELDS, PATH_FIELDS)
# The same canvas in a time zone behind UTC: each edge of the window is part of a UTC day.
CANVAS_ZONED = canvas(JOURNEY_FIELDS, NODE_FIELDS, PATH_FIELDS, zoned=True)
ZONE = "America/New_York"
CANVAS_COUNTS = canvas(_counts(JOURNEY_FIELDS), _counts(NODE_FIELDS), _counts(PATH_FIELDS))
TWO_WINDOWS = f"""query Compare($id: ID!, $start: Date!, $end: Date!, $prevStart: Date!, $prevEnd: Date!) {{ journey(id: $id) {{
  now: performance(startDate: $start, endDate: $end) {{ {JOURNEY_FIELDS} }}
  before: performance(startDate: $prevStart, endDate: $prevEnd) {{ {JOURNEY_FIELDS} }}
  nodes {{ id now: performance(startDate: $start, endDate: $end) {{ {NODE_FIELDS} }}
              before: performance(startDate: $prevStart, endDate: $prevEnd) {{ {NODE_FIELDS} }} }}
  paths {{ id now: performance(startDate: $start, endDate: $end) {{ {PATH_FIELDS} }}
              before: performance(startDate: $prevStart, endDate: $prevEnd) {{ {PATH_FIELDS} }} }}
}} }}"""
HOURLY = f"""query Hourly($id: ID!, $start: Date!, $end: Date!) {{ journey(id: $id) {{
  timeSeries(startDate: $start, endDate: $end, granularity: HOUR) {{ start end performance {{ {JOURNEY_FIELDS} }} }}
}} }}"""
BY_IDS = f"""query Overview($ids: [ID!]!, $start: Date!, $end: Date!) {{ journeysByIds(ids: $ids) {{
  id name status performance(startDate: $start, endDate: $end) {{ {JOURNEY_FIELDS} }}
}} }}"""

# The same canvas answer, computed the naive exact way: aggregates over the raw events.
COUNTERS = [t.value for t in EventType]  # one counter per event type, as the rollups keep
JOURNEY_DISTINCT = ("JOURNEY_ENTERED", "GOAL_CONVERTED", "MESSAGE_OPENED", "MESSAGE_CLICKED")
NODE_DISTINCT = ("NODE_ENTERED", "MESSAGE_OPENED", "MESSAGE_CLICKED")


def naive_sql(
    count: Callable[[str], str],
    distinct: Callable[[str | None], str],
    revenue: str,
    where: str,
    ever: str,
    last: str = "",
) -> list[str]:
    """The canvas answer's four statements over `events` (the journey's row, its in-progress count,
    a row per node and per path) in a dialect given by its aggregates: `count(type)`,
    `distinct(type)` (None: all the rows'), the revenue sum; `where` picks the journey's events in
    the window, `ever` those before its end; `last` adds a column (", max(occurred_at)")."""
    counts = ", ".join(count(t) for t in COUNTERS)
    return [
        f"SELECT {counts}, {', '.join(distinct(t) for t in JOURNEY_DISTINCT)}, {revenue}{last} FROM events WHERE {where}",
        f"""SELECT {count("JOURNEY_ENTERED")} - {count("JOURNEY_COMPLETED")} - {count("JOURNEY_EXITED")}
        FROM events WHERE {ever}""",
        f"""SELECT node_id, {counts}, {", ".join(distinct(t) for t in NODE_DISTINCT)}, {revenue}{last}
        FROM events WHERE {where} AND node_id IS NOT NULL GROUP BY node_id""",
        f"""SELECT path_id, count(*), {distinct(None)} FROM events
        WHERE {where} AND type = 'PATH_TRAVERSED' GROUP BY path_id""",
    ]


NAIVE_SQL = naive_sql(
    lambda t: f"count(*) FILTER (WHERE type = '{t}')",
    lambda t: "count(DISTINCT contact_id)" + (f" FILTER (WHERE type = '{t}')" if t else ""),
    "sum(revenue) FILTER (WHERE type = 'TRANSACTION')",
    "workspace_id = $1 AND journey_id = $2 AND occurred_at >= $3 AND occurred_at < $4",
    "workspace_id = $1 AND journey_id = $2 AND occurred_at < $4 AND $3 < $4",
    last=", max(occurred_at)",
)
