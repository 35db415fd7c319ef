"""Performance types: what SPEC.md's "metric definitions" section defines, field by field.

Their values are computed in resolvers/figures.py and read here as plain
attributes: a canvas has thousands of these fields, so none awaits anything.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry


@strawberry.type(description="A journey's figures over a window; removed nodes' events included.")
class JourneyPerformance:
    entered_count: int = strawberry.field(description="JOURNEY_ENTERED events.")
    unique_contact_count: int = strawberry.field(description="Distinct contacts that entered.")
    completed_count: int = strawberry.field(description="JOURNEY_COMPLETED events.")
    exited_early_count: int = strawberry.field(description="JOURNEY_EXITED events.")
    converted_count: int = strawberry.field(description="GOAL_CONVERTED events.")
    unique_converted_count: int = strawberry.field(description="Distinct contacts that converted.")
    in_progress_count: int = strawberry.field(
        description="Entered minus completed minus exited, over all time up to the window's end; never below 0."
    )
    completion_rate: float | None = strawberry.field(description="completedCount / enteredCount.")
    conversion_rate: float | None = strawberry.field(description="uniqueConvertedCount / uniqueContactCount.")
    early_exit_rate: float | None = strawberry.field(description="exitedEarlyCount / enteredCount.")
    message_sent: int
    message_delivered: int
    message_bounced: int
    opens: int
    unique_opens: int = strawberry.field(
        description="Distinct contacts across the whole journey, not a sum over nodes."
    )
    clicks: int
    unique_clicks: int = strawberry.field(
        description="Distinct contacts across the whole journey, not a sum over nodes."
    )
    unsubscribes: int
    spam_complaints: int
    global_holdouts: int
    journey_holdouts: int
    adds_to_cart: int
    transactions: int
    revenue: Decimal = strawberry.field(description="Exact sum of TRANSACTION revenue.")
    webhook_succeeded: int
    webhook_failed: int
    last_event_at: datetime | None


@strawberry.type(
    description="A node's figures over a window: events whose nodeId is the node. Message metrics are null "
    "unless the node is a MESSAGE node, webhook ones unless it is a WEBHOOK node."
)
class NodePerformance:
    traffic_count: int = strawberry.field(description="NODE_ENTERED events.")
    unique_contact_count: int = strawberry.field(description="Distinct contacts that entered the node.")
    conversions: int = strawberry.field(description="GOAL_CONVERTED events at this node.")
    message_sent: int | None
    message_delivered: int | None
    message_bounced: int | None
    opens: int | None
    unique_opens: int | None = strawberry.field(description="Distinct contacts with MESSAGE_OPENED.")
    clicks: int | None
    unique_clicks: int | None = strawberry.field(description="Distinct contacts with MESSAGE_CLICKED.")
    unsubscribes: int | None
    spam_complaints: int | None
    global_holdouts: int | None
    journey_holdouts: int | None
    adds_to_cart: int | None
    transactions: int | None
    revenue: Decimal | None = strawberry.field(description="Exact sum of TRANSACTION revenue.")
    webhook_succeeded: int | None
    webhook_failed: int | None
    delivery_rate: float | None = strawberry.field(description="messageDelivered / messageSent.")
    open_rate: float | None = strawberry.field(description="uniqueOpens / messageDelivered.")
    click_rate: float | None = strawberry.field(description="uniqueClicks / messageDelivered.")
    click_to_open_rate: float | None = strawberry.field(description="uniqueClicks / uniqueOpens.")
    last_event_at: datetime | None = strawberry.field(
        description="Latest occurredAt of the node's events in the window."
    )


@strawberry.type(description="A path's figures over a window.")
class PathPerformance:
    traffic_count: int = strawberry.field(description="PATH_TRAVERSED events.")
    unique_contact_count: int = strawberry.field(description="Distinct contacts that traversed the path.")
    traffic_ratio: float | None = strawberry.field(
        description="trafficCount / the source node's trafficCount."
    )
    unique_contact_ratio: float | None = strawberry.field(
        description="uniqueContactCount / the source node's uniqueContactCount."
    )


@strawberry.type
class JourneyPerformancePoint:
    start: datetime
    end: datetime
    performance: JourneyPerformance


@strawberry.type
class NodePerformancePoint:
    start: datetime
    end: datetime
    performance: NodePerformance


@strawberry.type
class PathPerformancePoint:
    start: datetime
    end: datetime
    performance: PathPerformance
