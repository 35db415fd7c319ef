"""Every performance metric, declared once (as polar declares its metrics in server/polar/metrics/metrics.py).

A metric is a field of one level's performance type (journey, node or path):
what it counts (an event type, or its distinct contacts), or the formula it
is made of, which node types it applies to (null on the others), and its
description. From this list come the GraphQL performance types
(schema/performance.py), the figures of every point (`figures`), which
selected fields need distinct contacts (`UNIQUE_FIELDS`), which distinct kinds
each level reads (`LEVEL_KINDS`) and the checks that nothing is left out
(tests/resolvers/test_metrics.py). The rollups keep one counter column per
event type (db/models.py) and a contact set per distinct kind
(db/enums.UNIQUE_KINDS, whose codes are stored and so never change).

Adding a metric is one entry here (and its definition in docs/metrics.md and
tests/reference.py, which stay independent of this code on purpose: they are
what it is checked against). Adding an event type is a member of EventType
and, if its distinct contacts are counted, a code in UNIQUE_KINDS.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from types import MappingProxyType, SimpleNamespace
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from journeygraph.db.enums import EVENT_POSITION, UNIQUE_KINDS, EventType, NodeType

if TYPE_CHECKING:
    from journeygraph.db.queries.performance import Counts

Level = Literal["journey", "node", "path"]
E = EventType
MESSAGE = frozenset({NodeType.MESSAGE})
WEBHOOK = frozenset({NodeType.WEBHOOK})


class Inputs(NamedTuple):
    """What one point's figures are computed from (a tuple: a canvas makes hundreds)."""

    counts: Counts
    uniques: Mapping[int, int]
    node_type: NodeType | None = None
    in_progress: int = 0
    source: Counts | None = None  # a path's source node, over the same point
    source_uniques: Mapping[int, int] = MappingProxyType({})


@dataclass(frozen=True)
class Metric:
    """One field of one level's performance type."""

    name: str  # the Python name; GraphQL camel-cases it
    level: Level
    value: type  # int, float, Decimal or datetime
    description: str | None
    compute: Callable[[Inputs, dict[str, Any]], Any]  # the point, and the level's metrics computed before it
    event: EventType | None = None  # the event type it counts, or whose contacts it counts
    distinct: bool = False  # distinct contacts, not events
    uses: tuple[str, ...] = ()  # the metrics a formula is made of (the source node's, for `of_source`)
    node_types: frozenset[NodeType] | None = None  # at the node level: null for other node types
    nullable: bool = False  # null when it cannot be computed (a ratio over 0)

    @property
    def graphql_name(self) -> str:
        head, *rest = self.name.split("_")
        return head + "".join(part.title() for part in rest)


def ratio(numerator: int | None, denominator: int | None) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator and numerator is not None else None


def count(name: str, level: Level, event: EventType, description: str | None = None, **more: Any) -> Metric:
    """The events of one type."""
    position = EVENT_POSITION[event]  # Counts.values' order: read by position, not through __getitem__
    return Metric(name, level, int, description, lambda p, _: p.counts.values[position], event=event, **more)


def distinct(name: str, level: Level, event: EventType, description: str, **more: Any) -> Metric:
    """The distinct contacts with events of one type."""
    kind = UNIQUE_KINDS[event]
    return Metric(
        name, level, int, description, lambda p, _: p.uniques.get(kind, 0), event=event, distinct=True, **more
    )


def rate(name: str, level: Level, numerator: str, denominator: str, description: str, **more: Any) -> Metric:
    """One metric of the level over another, null over 0."""
    return Metric(
        name,
        level,
        float,
        description,
        lambda _, done: ratio(done[numerator], done[denominator]),
        uses=(numerator, denominator),
        nullable=True,
        **more,
    )


def of_source(name: str, numerator: str, event: EventType, unique: bool, description: str) -> Metric:
    """A path's metric over its source node's count (or distinct contacts) of `event` in the same point."""

    def compute(p: Inputs, done: dict[str, Any]) -> float | None:
        source = (
            p.source_uniques.get(UNIQUE_KINDS[event], 0) if unique else (p.source[event] if p.source else 0)
        )
        return ratio(done[numerator], source)

    return Metric(name, "path", float, description, compute, uses=(numerator,), nullable=True)


_REVENUE = "Exact sum of TRANSACTION revenue."
_JOURNEY_WIDE = "Distinct contacts across the whole journey, not a sum over nodes."
# The message metrics every MESSAGE node shows, and the journey as a whole.
_MESSAGE_COUNTS = [
    ("message_sent", E.MESSAGE_SENT),
    ("message_delivered", E.MESSAGE_DELIVERED),
    ("message_bounced", E.MESSAGE_BOUNCED),
    ("opens", E.MESSAGE_OPENED),
    ("clicks", E.MESSAGE_CLICKED),
    ("unsubscribes", E.UNSUBSCRIBED),
    ("spam_complaints", E.SPAM_COMPLAINT),
    ("global_holdouts", E.HOLDOUT_GLOBAL),
    ("journey_holdouts", E.HOLDOUT_JOURNEY),
    ("adds_to_cart", E.ADDED_TO_CART),
    ("transactions", E.TRANSACTION),
]
_WEBHOOK_COUNTS = [("webhook_succeeded", E.WEBHOOK_SUCCEEDED), ("webhook_failed", E.WEBHOOK_FAILED)]


def _in_progress(p: Inputs, _: dict[str, Any]) -> int:
    return p.in_progress


def _revenue(p: Inputs, _: dict[str, Any]) -> Decimal:
    return p.counts.revenue


def _last_event_at(p: Inputs, _: dict[str, Any]) -> datetime | None:
    return p.counts.last_event_at


METRICS: list[Metric] = [
    # A journey: every event of the journey, removed nodes' included.
    count("entered_count", "journey", E.JOURNEY_ENTERED, "JOURNEY_ENTERED events."),
    distinct("unique_contact_count", "journey", E.JOURNEY_ENTERED, "Distinct contacts that entered."),
    count("completed_count", "journey", E.JOURNEY_COMPLETED, "JOURNEY_COMPLETED events."),
    count("exited_early_count", "journey", E.JOURNEY_EXITED, "JOURNEY_EXITED events."),
    count("converted_count", "journey", E.GOAL_CONVERTED, "GOAL_CONVERTED events."),
    distinct("unique_converted_count", "journey", E.GOAL_CONVERTED, "Distinct contacts that converted."),
    Metric(
        "in_progress_count",
        "journey",
        int,
        "Entered minus completed minus exited, over all time up to the window's end; never below 0.",
        _in_progress,
    ),
    rate("completion_rate", "journey", "completed_count", "entered_count", "completedCount / enteredCount."),
    rate(
        "conversion_rate",
        "journey",
        "unique_converted_count",
        "unique_contact_count",
        "uniqueConvertedCount / uniqueContactCount.",
    ),
    rate(
        "early_exit_rate",
        "journey",
        "exited_early_count",
        "entered_count",
        "exitedEarlyCount / enteredCount.",
    ),
    *(count(name, "journey", event) for name, event in _MESSAGE_COUNTS[:4]),
    distinct("unique_opens", "journey", E.MESSAGE_OPENED, _JOURNEY_WIDE),
    count("clicks", "journey", E.MESSAGE_CLICKED),
    distinct("unique_clicks", "journey", E.MESSAGE_CLICKED, _JOURNEY_WIDE),
    *(count(name, "journey", event) for name, event in _MESSAGE_COUNTS[5:]),
    Metric("revenue", "journey", Decimal, _REVENUE, _revenue),
    *(count(name, "journey", event) for name, event in _WEBHOOK_COUNTS),
    Metric("last_event_at", "journey", datetime, None, _last_event_at, nullable=True),
    # A node: events whose nodeId is the node; message metrics on MESSAGE nodes, webhook ones on WEBHOOK nodes.
    count("traffic_count", "node", E.NODE_ENTERED, "NODE_ENTERED events."),
    distinct("unique_contact_count", "node", E.NODE_ENTERED, "Distinct contacts that entered the node."),
    count("conversions", "node", E.GOAL_CONVERTED, "GOAL_CONVERTED events at this node."),
    count(
        "exits",
        "node",
        E.JOURNEY_EXITED,
        "JOURNEY_EXITED events that carry the node: contacts who left here.",
    ),
    count(
        "completions",
        "node",
        E.JOURNEY_COMPLETED,
        "JOURNEY_COMPLETED events that carry the node: runs that ended here.",
    ),
    *(count(name, "node", event, node_types=MESSAGE) for name, event in _MESSAGE_COUNTS[:4]),
    distinct(
        "unique_opens", "node", E.MESSAGE_OPENED, "Distinct contacts with MESSAGE_OPENED.", node_types=MESSAGE
    ),
    count("clicks", "node", E.MESSAGE_CLICKED, node_types=MESSAGE),
    distinct(
        "unique_clicks",
        "node",
        E.MESSAGE_CLICKED,
        "Distinct contacts with MESSAGE_CLICKED.",
        node_types=MESSAGE,
    ),
    *(count(name, "node", event, node_types=MESSAGE) for name, event in _MESSAGE_COUNTS[5:]),
    Metric("revenue", "node", Decimal, _REVENUE, _revenue, node_types=MESSAGE),
    *(count(name, "node", event, node_types=WEBHOOK) for name, event in _WEBHOOK_COUNTS),
    rate(
        "delivery_rate",
        "node",
        "message_delivered",
        "message_sent",
        "messageDelivered / messageSent.",
        node_types=MESSAGE,
    ),
    rate(
        "open_rate",
        "node",
        "unique_opens",
        "message_delivered",
        "uniqueOpens / messageDelivered.",
        node_types=MESSAGE,
    ),
    rate(
        "click_rate",
        "node",
        "unique_clicks",
        "message_delivered",
        "uniqueClicks / messageDelivered.",
        node_types=MESSAGE,
    ),
    rate(
        "click_to_open_rate",
        "node",
        "unique_clicks",
        "unique_opens",
        "uniqueClicks / uniqueOpens.",
        node_types=MESSAGE,
    ),
    Metric(
        "last_event_at",
        "node",
        datetime,
        "Latest occurredAt of the node's events in the window.",
        _last_event_at,
        nullable=True,
    ),
    # A path: its traversals; its ratios are against its source node over the same window.
    count("traffic_count", "path", E.PATH_TRAVERSED, "PATH_TRAVERSED events."),
    distinct("unique_contact_count", "path", E.PATH_TRAVERSED, "Distinct contacts that traversed the path."),
    of_source(
        "traffic_ratio",
        "traffic_count",
        E.NODE_ENTERED,
        False,
        "trafficCount / the source node's trafficCount.",
    ),
    of_source(
        "unique_contact_ratio",
        "unique_contact_count",
        E.NODE_ENTERED,
        True,
        "uniqueContactCount / the source node's uniqueContactCount.",
    ),
]
BY_LEVEL: dict[Level, list[Metric]] = {
    level: [m for m in METRICS if m.level == level] for level in ("journey", "node", "path")
}


def _needs_uniques(metric: Metric, level: list[Metric]) -> bool:
    if metric.distinct:
        return True
    named = {m.name: m for m in level}
    return any(_needs_uniques(named[name], level) for name in metric.uses)


# Selected fields that need distinct-contact counts: only when one is selected are they fetched.
UNIQUE_FIELDS = frozenset(
    m.graphql_name for level in BY_LEVEL.values() for m in level if _needs_uniques(m, level)
)
# The distinct kinds each level reads (nodes and paths are read together, as subjects).
LEVEL_KINDS: dict[str, list[int]] = {
    "journey": sorted({UNIQUE_KINDS[m.event] for m in BY_LEVEL["journey"] if m.distinct and m.event}),
    "subject": sorted(
        {UNIQUE_KINDS[m.event] for m in BY_LEVEL["node"] + BY_LEVEL["path"] if m.distinct and m.event}
        | {UNIQUE_KINDS[E.NODE_ENTERED]}  # a path's unique ratio reads its source node's
    ),
}


class Figures(SimpleNamespace):
    """One point's figures, by field name, as the GraphQL performance types read them."""


# Per level and node type: the metrics that do not apply (None), and those that do, in order.
_PLANS: dict[tuple[Level, NodeType | None], tuple[dict[str, None], list[tuple[str, Any]]]] = {}


def _plan(level: Level, node_type: NodeType | None) -> tuple[dict[str, None], list[tuple[str, Any]]]:
    found = _PLANS.get((level, node_type))
    if found is None:
        metrics = BY_LEVEL[level]
        applies = [m.node_types is None or node_type in m.node_types for m in metrics]
        nulls = {m.name: None for m, a in zip(metrics, applies, strict=True) if not a}
        found = _PLANS[(level, node_type)] = (
            nulls,
            [(m.name, m.compute) for m, a in zip(metrics, applies, strict=True) if a],
        )
    return found


def figures(level: Level, point: Inputs) -> Figures:
    """Every metric of the level for one point; a metric of other node types is None.

    A formula reads the metrics before it in `done`; one that does not apply there is None
    already, so the order of the metrics that do is all that matters.
    """
    nulls, computed = _plan(level, point.node_type)
    done: dict[str, Any] = dict(nulls)
    for name, compute in computed:
        done[name] = compute(point, done)
    return Figures(**done)
