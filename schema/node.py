"""Node: one step of a journey's graph."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from journeygraph.resolvers import contacts as in_journeys
from journeygraph.resolvers import journeys as resolve
from journeygraph.schema.batching import BATCH
from journeygraph.schema.enums import Channel, ContactActivity, NodeType
from journeygraph.schema.measures import performance_field, time_series_field
from journeygraph.schema.scalars import JSON

if TYPE_CHECKING:
    from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
    from journeygraph.resolvers.contacts import Page
    from journeygraph.resolvers.context import Context
    from journeygraph.schema.contacts import NodeContactConnection
    from journeygraph.schema.journey import Journey
    from journeygraph.schema.path import Path
    from journeygraph.schema.performance import NodePerformance, NodePerformancePoint

JourneyRef = Annotated["Journey", strawberry.lazy("journeygraph.schema.journey")]
PathRef = Annotated["Path", strawberry.lazy("journeygraph.schema.path")]

NodeContactConnectionRef = Annotated["NodeContactConnection", strawberry.lazy("journeygraph.schema.contacts")]
NodePerformanceRef = Annotated["NodePerformance", strawberry.lazy("journeygraph.schema.performance")]
NodePointRef = Annotated["NodePerformancePoint", strawberry.lazy("journeygraph.schema.performance")]


@strawberry.type
class Position:
    x: float
    y: float


def _position(row: NodeRecord) -> Position | None:
    if row.position_x is None or row.position_y is None:
        return None
    return Position(x=row.position_x, y=row.position_y)


async def _positions(_info: Any, rows: list[NodeRecord], _arguments: Any) -> list[Position | None]:
    return [_position(row) for row in rows]  # on a canvas: for every node at once (BATCH)


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

    @strawberry.field(description="Where the canvas draws the node.", metadata={BATCH: _positions})
    def position(self, root: strawberry.Parent[NodeRecord]) -> Position | None:
        return _position(root)

    @strawberry.field(description="True once a saved canvas no longer contains the node; its history stays.")
    def removed(self, root: strawberry.Parent[NodeRecord]) -> bool:
        return root.removed_at is not None

    @strawberry.field(graphql_type=JourneyRef)
    async def journey(
        self, root: strawberry.Parent[NodeRecord], info: strawberry.Info[Context, None]
    ) -> JourneyRecord:
        return await resolve.owner(info.context, root)

    @strawberry.field(
        description="Paths of the current canvas leading into this node.", graphql_type=list[PathRef]
    )
    async def incoming(
        self, root: strawberry.Parent[NodeRecord], info: strawberry.Info[Context, None]
    ) -> list[PathRecord]:
        return await resolve.node_paths(info.context, root, "incoming")

    @strawberry.field(
        description="Paths of the current canvas leading out of this node, by index.",
        graphql_type=list[PathRef],
    )
    async def outgoing(
        self, root: strawberry.Parent[NodeRecord], info: strawberry.Info[Context, None]
    ) -> list[PathRecord]:
        return await resolve.node_paths(info.context, root, "outgoing")

    performance: NodePerformanceRef = performance_field(NodePerformanceRef, "node")
    time_series: list[NodePointRef] = time_series_field(NodePointRef, "node")

    @strawberry.field(description="ACTIVE enrollments whose currentNode is this node, now.")
    async def waiting_count(
        self, root: strawberry.Parent[NodeRecord], info: strawberry.Info[Context, None]
    ) -> int:
        return await in_journeys.waiting_count(info.context, root)

    @strawberry.field(
        description="The distinct contacts with at least one event of `activity` at this node in "
        "[start of startDate, start of the day after endDate) in timeZone (default: the workspace's), "
        "by contactId.",
        graphql_type=NodeContactConnectionRef,
    )
    async def contacts(
        self,
        root: strawberry.Parent[NodeRecord],
        info: strawberry.Info[Context, None],
        start_date: date,
        end_date: date,
        time_zone: str | None = None,
        *,
        activity: ContactActivity,
        first: int | None = 20,
        after: str | None = None,
    ) -> Page:
        return await in_journeys.contact_page(
            info.context,
            root,
            start_date,
            end_date,
            time_zone,
            activity,
            20 if first is None else first,
            after,
        )
