"""Path: a directed edge from one node to the next."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import strawberry

from resolvers import journeys as resolve
from resolvers import performance as measure
from schema.enums import Granularity
from schema.selection import selected

if TYPE_CHECKING:
    from db.models import Path as PathRow
    from resolvers.context import Context
    from schema.journey import Journey
    from schema.node import Node
    from schema.performance import PathPerformance, PathPerformancePoint

JourneyRef = Annotated["Journey", strawberry.lazy("schema.journey")]
NodeRef = Annotated["Node", strawberry.lazy("schema.node")]


@strawberry.type(description="A directed edge of a journey's graph.")
class Path:
    id: strawberry.ID
    label: str | None
    index: int = strawberry.field(description="Order among the paths leaving the same node, from 0.")

    @strawberry.field(description="True once a saved canvas no longer contains the path; its history stays.")
    def removed(self, root: strawberry.Parent[PathRow]) -> bool:
        return root.removed_at is not None

    @strawberry.field
    async def journey(
        self, root: strawberry.Parent[PathRow], info: strawberry.Info[Context, None]
    ) -> JourneyRef:
        return await resolve.owner(info.context, root)  # type: ignore[return-value]  # rows stand in for Journey

    @strawberry.field
    async def source(self, root: strawberry.Parent[PathRow], info: strawberry.Info[Context, None]) -> NodeRef:
        return await resolve.path_end(info.context, root, "source")  # type: ignore[return-value]

    @strawberry.field
    async def target(self, root: strawberry.Parent[PathRow], info: strawberry.Info[Context, None]) -> NodeRef:
        return await resolve.path_end(info.context, root, "target")  # type: ignore[return-value]

    @strawberry.field(
        description="Figures over [start of startDate, start of the day after endDate) in timeZone (default: the workspace's)."
    )
    async def performance(
        self,
        root: strawberry.Parent[PathRow],
        info: strawberry.Info[Context, None],
        start_date: date,
        end_date: date,
        time_zone: str | None = None,
    ) -> Annotated[PathPerformance, strawberry.lazy("schema.performance")]:
        return await measure.performance(info.context, root, start_date, end_date, time_zone, selected(info))  # type: ignore[return-value]

    @strawberry.field(
        description="Consecutive points covering the window, each with the same figures over its own [start, end)."
    )
    async def time_series(
        self,
        root: strawberry.Parent[PathRow],
        info: strawberry.Info[Context, None],
        start_date: date,
        end_date: date,
        granularity: Granularity = Granularity.DAY,
        time_zone: str | None = None,
    ) -> list[Annotated[PathPerformancePoint, strawberry.lazy("schema.performance")]]:
        return await measure.time_series(
            info.context, root, start_date, end_date, granularity, time_zone, selected(info, "performance")
        )  # type: ignore[return-value]
