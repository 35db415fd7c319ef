"""Path: a directed edge from one node to the next."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from journeygraph.resolvers import journeys as resolve
from journeygraph.schema.batching import BATCH
from journeygraph.schema.measures import performance_field, time_series_field

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
    from journeygraph.resolvers.context import Context
    from journeygraph.schema.journey import Journey
    from journeygraph.schema.node import Node
    from journeygraph.schema.performance import PathPerformance, PathPerformancePoint

JourneyRef = Annotated["Journey", strawberry.lazy("journeygraph.schema.journey")]
NodeRef = Annotated["Node", strawberry.lazy("journeygraph.schema.node")]

PathPerformanceRef = Annotated["PathPerformance", strawberry.lazy("journeygraph.schema.performance")]
PathPointRef = Annotated["PathPerformancePoint", strawberry.lazy("journeygraph.schema.performance")]


@strawberry.type(description="A directed edge of a journey's graph.")
class Path:
    id: strawberry.ID
    label: str | None
    index: int = strawberry.field(description="Order among the paths leaving the same node, from 0.")

    @strawberry.field(description="True once a saved canvas no longer contains the path; its history stays.")
    def removed(self, root: strawberry.Parent[PathRecord]) -> bool:
        return root.removed_at is not None

    @strawberry.field(graphql_type=JourneyRef)
    async def journey(
        self, root: strawberry.Parent[PathRecord], info: strawberry.Info[Context, None]
    ) -> JourneyRecord:
        return await resolve.owner(info.context, root)

    # Plain functions: they answer at once when the node is loaded, else with an awaitable.
    # On a list of paths (a canvas) the executor asks for every path's end at once (BATCH).
    @strawberry.field(
        graphql_type=NodeRef,
        metadata={BATCH: lambda info, rows, _: resolve.path_ends(info.context, rows, "source")},
    )
    def source(
        self, root: strawberry.Parent[PathRecord], info: strawberry.Info[Context, None]
    ) -> NodeRecord | Awaitable[NodeRecord]:
        return resolve.path_end(info.context, root, "source")

    @strawberry.field(
        graphql_type=NodeRef,
        metadata={BATCH: lambda info, rows, _: resolve.path_ends(info.context, rows, "target")},
    )
    def target(
        self, root: strawberry.Parent[PathRecord], info: strawberry.Info[Context, None]
    ) -> NodeRecord | Awaitable[NodeRecord]:
        return resolve.path_end(info.context, root, "target")

    performance: PathPerformanceRef = performance_field(PathPerformanceRef, "path")
    time_series: list[PathPointRef] = time_series_field(PathPointRef, "path")
