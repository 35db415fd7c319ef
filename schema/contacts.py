"""Contacts in journeys: enrollments and the contacts behind a node's figures."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from journeygraph.schema.enums import EnrollmentStatus
from journeygraph.schema.journey import PageInfo, page_info_of

if TYPE_CHECKING:
    from journeygraph.db.queries.enrollments import Run
    from journeygraph.db.queries.node_contacts import NodeContact as NodeContactRow
    from journeygraph.db.records import NodeRecord
    from journeygraph.resolvers.contacts import Page
    from journeygraph.resolvers.context import Context
    from journeygraph.schema.node import Node

NodeRef = Annotated["Node", strawberry.lazy("journeygraph.schema.node")]


@strawberry.type(
    description="One run of a contact through a journey: from a JOURNEY_ENTERED to the contact's next "
    "JOURNEY_COMPLETED or JOURNEY_EXITED in the journey, events ordered by occurredAt (ties by event id)."
)
class Enrollment:
    @strawberry.field
    def contact_id(self, root: strawberry.Parent[Run]) -> str:
        return root.contact_id

    @strawberry.field(description="COMPLETED or EXITED by the event that ended the run; ACTIVE until then.")
    def status(self, root: strawberry.Parent[Run]) -> EnrollmentStatus:
        return EnrollmentStatus(root.status)

    @strawberry.field(description="occurredAt of the run's JOURNEY_ENTERED.")
    def entered_at(self, root: strawberry.Parent[Run]) -> datetime:
        return root.entered_at

    @strawberry.field(description="occurredAt of the event that ended the run; null while ACTIVE.")
    def ended_at(self, root: strawberry.Parent[Run]) -> datetime | None:
        return root.ended_at

    @strawberry.field(
        description="The node of the run's latest NODE_ENTERED (removed nodes included); null before the first.",
        graphql_type=NodeRef | None,
    )
    async def current_node(
        self, root: strawberry.Parent[Run], info: strawberry.Info[Context, None]
    ) -> NodeRecord | None:
        if root.current_node_id is None:
            return None
        return await info.context.loaders.node_by_id.load(root.current_node_id)

    @strawberry.field(description="True when the run holds a GOAL_CONVERTED.")
    def converted(self, root: strawberry.Parent[Run]) -> bool:
        return root.converted

    @strawberry.field(description="occurredAt of the run's latest event.")
    def last_event_at(self, root: strawberry.Parent[Run]) -> datetime:
        return root.last_event_at


@strawberry.type
class EnrollmentEdge:
    cursor: str
    node: Run = strawberry.field(graphql_type=Enrollment)


async def _page_info(page: Page) -> PageInfo:
    items, more = await page.items()
    return page_info_of(items, more, page.has_previous_page)


@strawberry.type
class EnrollmentConnection:
    @strawberry.field
    async def edges(self, root: strawberry.Parent[Page]) -> list[EnrollmentEdge]:
        return [EnrollmentEdge(cursor=cursor, node=run) for cursor, run in (await root.items())[0]]

    @strawberry.field
    async def page_info(self, root: strawberry.Parent[Page]) -> PageInfo:
        return await _page_info(root)

    @strawberry.field(description="How many enrollments match the filters, over all pages (exact).")
    async def total_count(self, root: strawberry.Parent[Page]) -> int:
        return int(await root.total())


@strawberry.type(
    description="A contact behind a node's figure, with its events of the activity in the window."
)
class NodeContact:
    @strawberry.field
    def contact_id(self, root: strawberry.Parent[NodeContactRow]) -> str:
        return root.contact_id

    @strawberry.field(description="occurredAt of the contact's first such event in the window.")
    def first_at(self, root: strawberry.Parent[NodeContactRow]) -> datetime:
        return root.first_at

    @strawberry.field(description="occurredAt of the contact's last such event in the window.")
    def last_at(self, root: strawberry.Parent[NodeContactRow]) -> datetime:
        return root.last_at

    @strawberry.field(description="How many such events the contact had in the window.")
    def count(self, root: strawberry.Parent[NodeContactRow]) -> int:
        return root.events


@strawberry.type
class NodeContactEdge:
    cursor: str
    node: NodeContactRow = strawberry.field(graphql_type=NodeContact)


@strawberry.type
class NodeContactConnection:
    @strawberry.field
    async def edges(self, root: strawberry.Parent[Page]) -> list[NodeContactEdge]:
        return [NodeContactEdge(cursor=cursor, node=contact) for cursor, contact in (await root.items())[0]]

    @strawberry.field
    async def page_info(self, root: strawberry.Parent[Page]) -> PageInfo:
        return await _page_info(root)

    @strawberry.field(
        description="How many distinct contacts match, over all pages: always the node's matching unique "
        "figure (uniqueContactCount for ENTERED, uniqueOpens for OPENED, uniqueClicks for CLICKED, ...)."
    )
    async def total_count(self, root: strawberry.Parent[Page]) -> int:
        return int(await root.total())
