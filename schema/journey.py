"""Journey, its goal, and the journeys connection."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from journeygraph.resolvers import contacts as in_journeys
from journeygraph.resolvers import journeys as resolve
from journeygraph.schema.enums import EnrollmentStatus, JourneyStatus, NodeType
from journeygraph.schema.measures import performance_field, prefetch_figures, time_series_field
from journeygraph.schema.scalars import JSON

if TYPE_CHECKING:
    from collections.abc import Sequence

    from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
    from journeygraph.resolvers.contacts import Page
    from journeygraph.resolvers.context import Context
    from journeygraph.resolvers.journeys import JourneyPage
    from journeygraph.schema.contacts import EnrollmentConnection
    from journeygraph.schema.node import Node
    from journeygraph.schema.path import Path
    from journeygraph.schema.performance import JourneyPerformance, JourneyPerformancePoint

NodeRef = Annotated["Node", strawberry.lazy("journeygraph.schema.node")]
PathRef = Annotated["Path", strawberry.lazy("journeygraph.schema.path")]

EnrollmentConnectionRef = Annotated["EnrollmentConnection", strawberry.lazy("journeygraph.schema.contacts")]
JourneyPerformanceRef = Annotated["JourneyPerformance", strawberry.lazy("journeygraph.schema.performance")]
JourneyPointRef = Annotated["JourneyPerformancePoint", strawberry.lazy("journeygraph.schema.performance")]


@strawberry.type(description="What counts as a conversion for a journey.")
class JourneyGoal:
    type: str
    config: JSON
    deadline_days: int | None


@strawberry.type(description="A customer journey: a graph of nodes joined by paths.")
class Journey:
    id: strawberry.ID
    name: str
    description: str | None
    status: JourneyStatus
    version: int = strawberry.field(
        description="Increases by one with every successful change of the journey or its canvas."
    )
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = strawberry.field(description="When the journey was last published.")

    @strawberry.field
    def goal(self, root: strawberry.Parent[JourneyRecord]) -> JourneyGoal | None:
        if root.goal is None:
            return None
        return JourneyGoal(
            type=root.goal["type"],
            config=JSON(root.goal.get("config") or {}),
            deadline_days=root.goal.get("deadline_days"),
        )

    @strawberry.field(
        description="The nodes of the current canvas, in the order they were saved.",
        graphql_type=list[NodeRef],
    )
    async def nodes(
        self,
        root: strawberry.Parent[JourneyRecord],
        info: strawberry.Info[Context, None],
        types: list[NodeType] | None = None,
    ) -> list[NodeRecord]:
        prefetch_figures(info, root, "node")
        return await resolve.journey_nodes(info.context, root, types)

    @strawberry.field(
        description="The paths of the current canvas, in the order they were saved.",
        graphql_type=list[PathRef],
    )
    async def paths(
        self, root: strawberry.Parent[JourneyRecord], info: strawberry.Info[Context, None]
    ) -> list[PathRecord]:
        prefetch_figures(info, root, "path")
        return await resolve.journey_paths(info.context, root)

    @strawberry.field(description="How many nodes the current canvas has (what `nodes` lists).")
    async def node_count(
        self, root: strawberry.Parent[JourneyRecord], info: strawberry.Info[Context, None]
    ) -> int:
        return (await resolve.canvas_size(info.context, root))[0]

    @strawberry.field(description="How many paths the current canvas has (what `paths` lists).")
    async def path_count(
        self, root: strawberry.Parent[JourneyRecord], info: strawberry.Info[Context, None]
    ) -> int:
        return (await resolve.canvas_size(info.context, root))[1]

    performance: JourneyPerformanceRef = performance_field(JourneyPerformanceRef, "journey")
    time_series: list[JourneyPointRef] = time_series_field(JourneyPointRef, "journey")

    @strawberry.field(description="How many enrollments are ACTIVE now.")
    async def active_count(
        self, root: strawberry.Parent[JourneyRecord], info: strawberry.Info[Context, None]
    ) -> int:
        return await in_journeys.active_count(info.context, root)

    @strawberry.field(
        description="The journey's enrollments, newest enteredAt first. `nodeId` keeps the ACTIVE ones "
        "whose currentNode is that node; `contactId` one contact's runs.",
        graphql_type=EnrollmentConnectionRef,
    )
    async def enrollments(
        self,
        root: strawberry.Parent[JourneyRecord],
        info: strawberry.Info[Context, None],
        status: EnrollmentStatus | None = None,
        node_id: strawberry.ID | None = None,
        contact_id: str | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> Page:
        return await in_journeys.enrollment_page(
            info.context, root, status, node_id, contact_id, 20 if first is None else first, after
        )


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


def page_info_of(
    items: Sequence[tuple[str, object]], has_next_page: bool, has_previous_page: bool
) -> PageInfo:
    """A connection's PageInfo from its page of (cursor, node) pairs."""
    return PageInfo(
        has_next_page=has_next_page,
        has_previous_page=has_previous_page,
        start_cursor=items[0][0] if items else None,
        end_cursor=items[-1][0] if items else None,
    )


@strawberry.type
class JourneyEdge:
    cursor: str
    node: JourneyRecord = strawberry.field(graphql_type=Journey)


@strawberry.type
class JourneyConnection:
    @strawberry.field
    def edges(self, root: strawberry.Parent[JourneyPage]) -> list[JourneyEdge]:
        return [JourneyEdge(cursor=cursor, node=journey) for cursor, journey in root.items]

    @strawberry.field
    def page_info(self, root: strawberry.Parent[JourneyPage]) -> PageInfo:
        return page_info_of(root.items, root.has_next_page, root.has_previous_page)

    @strawberry.field(description="How many journeys match the filters, over all pages.")
    def total_count(self, root: strawberry.Parent[JourneyPage]) -> int:
        return root.total_count
