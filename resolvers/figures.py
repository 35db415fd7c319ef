"""SPEC.md's metric definitions, applied to rollup sums.

Each function turns one point's counts (and distinct-contact counts, when they
were fetched) into every field of the matching GraphQL performance type.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import TYPE_CHECKING

from db.enums import UNIQUE_KINDS, NodeType
from db.enums import EventType as E

if TYPE_CHECKING:
    from db.queries.performance import Counts

# Fields that need distinct-contact counts: only when one is selected are they fetched.
UNIQUE_FIELDS = frozenset(
    {
        "uniqueContactCount",
        "uniqueConvertedCount",
        "conversionRate",
        "uniqueOpens",
        "uniqueClicks",
        "openRate",
        "clickRate",
        "clickToOpenRate",
        "uniqueContactRatio",
    }
)
MESSAGE_COUNTS = {
    "message_sent": E.MESSAGE_SENT,
    "message_delivered": E.MESSAGE_DELIVERED,
    "message_bounced": E.MESSAGE_BOUNCED,
    "opens": E.MESSAGE_OPENED,
    "clicks": E.MESSAGE_CLICKED,
    "unsubscribes": E.UNSUBSCRIBED,
    "spam_complaints": E.SPAM_COMPLAINT,
    "global_holdouts": E.HOLDOUT_GLOBAL,
    "journey_holdouts": E.HOLDOUT_JOURNEY,
    "adds_to_cart": E.ADDED_TO_CART,
    "transactions": E.TRANSACTION,
}
WEBHOOK_COUNTS = {"webhook_succeeded": E.WEBHOOK_SUCCEEDED, "webhook_failed": E.WEBHOOK_FAILED}


class Figures(SimpleNamespace):
    """One point's figures, by field name, as the GraphQL performance types read them."""


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None when the denominator is 0."""
    return numerator / denominator if denominator else None


def _unique(uniques: dict[int, int], event_type: E) -> int:
    return uniques.get(UNIQUE_KINDS[event_type], 0)


def journey_figures(c: Counts, uniques: dict[int, int], in_progress: int) -> Figures:
    """A journey's figures: every event of the journey, removed nodes included."""
    entered, completed, exited = c[E.JOURNEY_ENTERED], c[E.JOURNEY_COMPLETED], c[E.JOURNEY_EXITED]
    unique_entered, unique_converted = _unique(uniques, E.JOURNEY_ENTERED), _unique(uniques, E.GOAL_CONVERTED)
    return Figures(
        entered_count=entered,
        unique_contact_count=unique_entered,
        completed_count=completed,
        exited_early_count=exited,
        converted_count=c[E.GOAL_CONVERTED],
        unique_converted_count=unique_converted,
        in_progress_count=in_progress,
        completion_rate=ratio(completed, entered),
        conversion_rate=ratio(unique_converted, unique_entered),
        early_exit_rate=ratio(exited, entered),
        # journey-wide uniques are distinct contacts over the whole journey, not a sum over nodes
        unique_opens=_unique(uniques, E.MESSAGE_OPENED),
        unique_clicks=_unique(uniques, E.MESSAGE_CLICKED),
        revenue=c.revenue,
        last_event_at=c.last_event_at,
        **{name: c[t] for name, t in {**MESSAGE_COUNTS, **WEBHOOK_COUNTS}.items()},
    )


def node_figures(c: Counts, uniques: dict[int, int], node_type: NodeType) -> Figures:
    """A node's figures: message metrics only for MESSAGE nodes, webhook ones only for WEBHOOK nodes."""
    message, webhook = node_type == NodeType.MESSAGE, node_type == NodeType.WEBHOOK
    opens, clicks = _unique(uniques, E.MESSAGE_OPENED), _unique(uniques, E.MESSAGE_CLICKED)
    sent, delivered = c[E.MESSAGE_SENT], c[E.MESSAGE_DELIVERED]
    return Figures(
        traffic_count=c[E.NODE_ENTERED],
        unique_contact_count=_unique(uniques, E.NODE_ENTERED),
        conversions=c[E.GOAL_CONVERTED],
        unique_opens=opens if message else None,
        unique_clicks=clicks if message else None,
        revenue=c.revenue if message else None,
        delivery_rate=ratio(delivered, sent) if message else None,
        open_rate=ratio(opens, delivered) if message else None,
        click_rate=ratio(clicks, delivered) if message else None,
        click_to_open_rate=ratio(clicks, opens) if message else None,
        last_event_at=c.last_event_at,
        **{name: c[t] if message else None for name, t in MESSAGE_COUNTS.items()},
        **{name: c[t] if webhook else None for name, t in WEBHOOK_COUNTS.items()},
    )


def path_figures(
    c: Counts, uniques: dict[int, int], source: Counts, source_uniques: dict[int, int]
) -> Figures:
    """A path's figures; its ratios are against its source node over the same window."""
    traffic, unique = c[E.PATH_TRAVERSED], _unique(uniques, E.PATH_TRAVERSED)
    return Figures(
        traffic_count=traffic,
        unique_contact_count=unique,
        traffic_ratio=ratio(traffic, source[E.NODE_ENTERED]),
        unique_contact_ratio=ratio(unique, _unique(source_uniques, E.NODE_ENTERED)),
    )
