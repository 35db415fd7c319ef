"""Node: one step of a journey's graph."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import journeys as resolve
from resolvers import performance as measure
from schema.enums import Channel, Granularity, NodeType
from schema.scalars import JSON
from schema.selection import selected

if TYPE_CHECKING:
    from db.models import Node as NodeRow
    from resolvers.context import Context
    from schema.journey import Journey
    from schema.path import Path
    from schema.performance import NodePerformance, NodePerformancePoint

JourneyRef = Annotated["Journey", strawberry.lazy("schema.journey")]
PathRef = Annotated["Path", strawberry.lazy("schema.path")]


@strawberry.type
class Position:
    x: float
    y: float


@strawberry.type(
    description="A step of a journey: trigger, message, wait, condition, split, goal check, webhook, exit."
)
class Node:
    id: strawberry.ID
    type: NodeType
    name: str | None
    channel: Channel | None = strawberry.field(
        description="How a MESSAGE node reaches the contact; null for others."
    )
    config: JSON

    @strawberry.field(description="Where the canvas draws the node.")
    def position(self, root: strawberry.Parent[NodeRow]) -> Position | None:
        if root.position_x is None or root.position_y is None:
            return None
        return Position(x=root.position_x, y=root.position_y)

    @strawberry.field(description="True once a saved canvas no longer contains the node; its history stays.")
    def removed(self, root: strawberry.Parent[NodeRow]) -> bool:
        return root.removed_at is not None

    @strawberry.field
    async def journey(
        self, root: strawberry.Parent[NodeRow], info: strawberry.Info[Context, None]
    ) -> JourneyRef:
        return await resolve.owner(info.context, root)  # type: ignore[return-value]  # rows stand in for Journey

    @strawberry.field(description="Paths of the current canvas leading into this node.")
    async def incoming(
        self, root: strawberry.Parent[NodeRow], info: strawberry.Info[Context, None]
    ) -> list[PathRef]:
        return await resolve.node_paths(info.context, root, "incoming")  # type: ignore[return-value]

    @strawberry.field(description="Paths of the current canvas leading out of this node, by index.")
    async def outgoing(
        self, root: strawberry.Parent[NodeRow], info: strawberry.Info[Context, None]
    ) -> list[PathRef]:
        return await resolve.node_paths(info.context, root, "outgoing")  # type: ignore[return-value]

    @strawberry.field(
        description="Figures over [start of startDate, start of the day after endDate) in timeZone (default: the workspace's)."
    )
    async def performance(
        self,
        root: strawberry.Parent[NodeRow],
        info: strawberry.Info[Context, None],
        start_date: date,
        end_date: date,
        time_zone: str | None = None,
    ) -> Annotated[NodePerformance, strawberry.lazy("schema.performance")]:
        return await measure.performance(info.context, root, start_date, end_date, time_zone, selected(info))  # type: ignore[return-value]

    @strawberry.field(
        description="Consecutive points covering the window, each with the same figures over its own [start, end)."
    )
    async def time_series(
        self,
        root: strawberry.Parent[NodeRow],
        info: strawberry.Info[Context, None],
        start_date: date,
        end_date: date,
        granularity: Granularity = Granularity.DAY,
        time_zone: str | None = None,
    ) -> list[Annotated[NodePerformancePoint, strawberry.lazy("schema.performance")]]:
        return await measure.time_series(
            info.context, root, start_date, end_date, granularity, time_zone, selected(info, "performance")
        )  # type: ignore[return-value]
