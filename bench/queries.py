"""What the benchmark asks: the GraphQL operations, and the naive SQL over raw events."""

from __future__ import annotations

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
_COUNTERS = [t.value for t in EventType]  # one counter per event type, as the rollups keep
_COUNTS = ", ".join(f"count(*) FILTER (WHERE type = '{t}')" for t in _COUNTERS)


def _distinct(*types: str) -> str:
    return ", ".join(f"count(DISTINCT contact_id) FILTER (WHERE type = '{t}')" for t in types)


NAIVE_SQL = [
    f"""SELECT {_COUNTS}, {_distinct("JOURNEY_ENTERED", "GOAL_CONVERTED", "MESSAGE_OPENED", "MESSAGE_CLICKED")},
        sum(revenue) FILTER (WHERE type = 'TRANSACTION'), max(occurred_at)
    FROM events WHERE workspace_id = $1 AND journey_id = $2 AND occurred_at >= $3 AND occurred_at < $4""",
    """SELECT count(*) FILTER (WHERE type = 'JOURNEY_ENTERED') - count(*) FILTER (WHERE type = 'JOURNEY_COMPLETED')
        - count(*) FILTER (WHERE type = 'JOURNEY_EXITED')
    FROM events WHERE workspace_id = $1 AND journey_id = $2 AND occurred_at < $4 AND $3 < $4""",
    f"""SELECT node_id, {_COUNTS}, {_distinct("NODE_ENTERED", "MESSAGE_OPENED", "MESSAGE_CLICKED")},
        sum(revenue) FILTER (WHERE type = 'TRANSACTION'), max(occurred_at)
    FROM events WHERE workspace_id = $1 AND journey_id = $2 AND occurred_at >= $3 AND occurred_at < $4
        AND node_id IS NOT NULL GROUP BY node_id""",
    """SELECT path_id, count(*), count(DISTINCT contact_id)
    FROM events WHERE workspace_id = $1 AND journey_id = $2 AND occurred_at >= $3 AND occurred_at < $4
        AND type = 'PATH_TRAVERSED' GROUP BY path_id""",
]
