"""Performance types: what SPEC.md's "metric definitions" section defines, field by field.

Each type's root is a `resolvers.performance.Measure`; the fields below only
say which figure to read and when it is null.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from db.enums import EventType as E
from db.enums import NodeType
from resolvers.performance import Measure, ratio


def _total(event_type: E, description: str | None = None) -> Any:
    async def resolve(root: strawberry.Parent[Measure]) -> int:
        return await root.count(event_type)

    return strawberry.field(resolver=resolve, description=description)


def _unique(event_type: E, description: str | None = None) -> Any:
    async def resolve(root: strawberry.Parent[Measure]) -> int:
        return await root.unique(event_type)

    return strawberry.field(resolver=resolve, description=description)


def _node_count(event_type: E, node_type: NodeType) -> Any:
    async def resolve(root: strawberry.Parent[Measure]) -> int | None:
        return await root.count(event_type) if root.node_type == node_type else None

    return strawberry.field(
        resolver=resolve, description=f"Null unless the node is a {node_type.value} node."
    )


def _node_unique(event_type: E) -> Any:
    async def resolve(root: strawberry.Parent[Measure]) -> int | None:
        return await root.unique(event_type) if root.node_type == NodeType.MESSAGE else None

    return strawberry.field(
        resolver=resolve, description="Distinct contacts; null unless the node is a MESSAGE node."
    )


async def _revenue(root: strawberry.Parent[Measure]) -> Decimal:
    return await root.revenue()


async def _last_event_at(root: strawberry.Parent[Measure]) -> datetime | None:
    return await root.last_event_at()


@strawberry.type(description="A journey's figures over a window; removed nodes' events included.")
class JourneyPerformance:
    entered_count: int = _total(E.JOURNEY_ENTERED)
    unique_contact_count: int = _unique(E.JOURNEY_ENTERED, "Distinct contacts that entered.")
    completed_count: int = _total(E.JOURNEY_COMPLETED)
    exited_early_count: int = _total(E.JOURNEY_EXITED)
    converted_count: int = _total(E.GOAL_CONVERTED)
    unique_converted_count: int = _unique(E.GOAL_CONVERTED)

    @strawberry.field(
        description="Entered minus completed minus exited, over all time up to the window's end."
    )
    async def in_progress_count(self, root: strawberry.Parent[Measure]) -> int:
        return await root.in_progress()

    @strawberry.field(description="completedCount / enteredCount.")
    async def completion_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        return ratio(await root.count(E.JOURNEY_COMPLETED), await root.count(E.JOURNEY_ENTERED))

    @strawberry.field(description="uniqueConvertedCount / uniqueContactCount.")
    async def conversion_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        return ratio(await root.unique(E.GOAL_CONVERTED), await root.unique(E.JOURNEY_ENTERED))

    @strawberry.field(description="exitedEarlyCount / enteredCount.")
    async def early_exit_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        return ratio(await root.count(E.JOURNEY_EXITED), await root.count(E.JOURNEY_ENTERED))

    message_sent: int = _total(E.MESSAGE_SENT)
    message_delivered: int = _total(E.MESSAGE_DELIVERED)
    message_bounced: int = _total(E.MESSAGE_BOUNCED)
    opens: int = _total(E.MESSAGE_OPENED)
    unique_opens: int = _unique(
        E.MESSAGE_OPENED, "Distinct contacts across the whole journey, not a sum over nodes."
    )
    clicks: int = _total(E.MESSAGE_CLICKED)
    unique_clicks: int = _unique(
        E.MESSAGE_CLICKED, "Distinct contacts across the whole journey, not a sum over nodes."
    )
    unsubscribes: int = _total(E.UNSUBSCRIBED)
    spam_complaints: int = _total(E.SPAM_COMPLAINT)
    global_holdouts: int = _total(E.HOLDOUT_GLOBAL)
    journey_holdouts: int = _total(E.HOLDOUT_JOURNEY)
    adds_to_cart: int = _total(E.ADDED_TO_CART)
    transactions: int = _total(E.TRANSACTION)
    revenue: Decimal = strawberry.field(resolver=_revenue, description="Exact sum of TRANSACTION revenue.")
    webhook_succeeded: int = _total(E.WEBHOOK_SUCCEEDED)
    webhook_failed: int = _total(E.WEBHOOK_FAILED)
    last_event_at: datetime | None = strawberry.field(resolver=_last_event_at)


M = NodeType.MESSAGE
W = NodeType.WEBHOOK


@strawberry.type(description="A node's figures over a window: events whose nodeId is the node.")
class NodePerformance:
    traffic_count: int = _total(E.NODE_ENTERED, "NODE_ENTERED events.")
    unique_contact_count: int = _unique(E.NODE_ENTERED, "Distinct contacts that entered the node.")
    conversions: int = _total(E.GOAL_CONVERTED, "GOAL_CONVERTED events at this node.")
    message_sent: int | None = _node_count(E.MESSAGE_SENT, M)
    message_delivered: int | None = _node_count(E.MESSAGE_DELIVERED, M)
    message_bounced: int | None = _node_count(E.MESSAGE_BOUNCED, M)
    opens: int | None = _node_count(E.MESSAGE_OPENED, M)
    unique_opens: int | None = _node_unique(E.MESSAGE_OPENED)
    clicks: int | None = _node_count(E.MESSAGE_CLICKED, M)
    unique_clicks: int | None = _node_unique(E.MESSAGE_CLICKED)
    unsubscribes: int | None = _node_count(E.UNSUBSCRIBED, M)
    spam_complaints: int | None = _node_count(E.SPAM_COMPLAINT, M)
    global_holdouts: int | None = _node_count(E.HOLDOUT_GLOBAL, M)
    journey_holdouts: int | None = _node_count(E.HOLDOUT_JOURNEY, M)
    adds_to_cart: int | None = _node_count(E.ADDED_TO_CART, M)
    transactions: int | None = _node_count(E.TRANSACTION, M)

    @strawberry.field(description="Exact sum of TRANSACTION revenue; null unless the node is a MESSAGE node.")
    async def revenue(self, root: strawberry.Parent[Measure]) -> Decimal | None:
        return await root.revenue() if root.node_type == M else None

    webhook_succeeded: int | None = _node_count(E.WEBHOOK_SUCCEEDED, W)
    webhook_failed: int | None = _node_count(E.WEBHOOK_FAILED, W)

    @strawberry.field(description="messageDelivered / messageSent.")
    async def delivery_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        if root.node_type != M:
            return None
        return ratio(await root.count(E.MESSAGE_DELIVERED), await root.count(E.MESSAGE_SENT))

    @strawberry.field(description="uniqueOpens / messageDelivered.")
    async def open_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        if root.node_type != M:
            return None
        return ratio(await root.unique(E.MESSAGE_OPENED), await root.count(E.MESSAGE_DELIVERED))

    @strawberry.field(description="uniqueClicks / messageDelivered.")
    async def click_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        if root.node_type != M:
            return None
        return ratio(await root.unique(E.MESSAGE_CLICKED), await root.count(E.MESSAGE_DELIVERED))

    @strawberry.field(description="uniqueClicks / uniqueOpens.")
    async def click_to_open_rate(self, root: strawberry.Parent[Measure]) -> float | None:
        if root.node_type != M:
            return None
        return ratio(await root.unique(E.MESSAGE_CLICKED), await root.unique(E.MESSAGE_OPENED))

    last_event_at: datetime | None = strawberry.field(
        resolver=_last_event_at, description="Latest occurredAt of the node's events in the window."
    )


@strawberry.type(description="A path's figures over a window.")
class PathPerformance:
    traffic_count: int = _total(E.PATH_TRAVERSED, "PATH_TRAVERSED events.")
    unique_contact_count: int = _unique(E.PATH_TRAVERSED, "Distinct contacts that traversed the path.")

    @strawberry.field(description="trafficCount / the source node's trafficCount.")
    async def traffic_ratio(self, root: strawberry.Parent[Measure]) -> float | None:
        return ratio(await root.count(E.PATH_TRAVERSED), await root.count(E.NODE_ENTERED, of_source=True))

    @strawberry.field(description="uniqueContactCount / the source node's uniqueContactCount.")
    async def unique_contact_ratio(self, root: strawberry.Parent[Measure]) -> float | None:
        return ratio(await root.unique(E.PATH_TRAVERSED), await root.unique(E.NODE_ENTERED, of_source=True))


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
