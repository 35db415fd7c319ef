"""The root Query type. Every field needs the `read` scope."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from journeygraph.resolvers import journeys as resolve
from journeygraph.schema.enums import JourneyStatus
from journeygraph.schema.journey import Journey, JourneyConnection
from journeygraph.schema.node import Node
from journeygraph.schema.path import Path
from journeygraph.schema.permissions import CanRead
from journeygraph.schema.workspace import Workspace

if TYPE_CHECKING:
    from journeygraph.core.errors import ApiError
    from journeygraph.core.principal import Tenant
    from journeygraph.db.records import JourneyRecord, NodeRecord, PathRecord
    from journeygraph.resolvers.context import Context
    from journeygraph.resolvers.journeys import JourneyPage


@strawberry.type
class Query:
    @strawberry.field(
        permission_classes=[CanRead],
        description="The workspace the caller's credentials belong to.",
        graphql_type=Workspace,
    )
    def workspace(self, info: strawberry.Info[Context, None]) -> Tenant:
        return info.context.principal.workspace

    @strawberry.field(permission_classes=[CanRead], graphql_type=Journey | None)
    async def journey(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> JourneyRecord | None:
        return await resolve.journey(info.context, id)

    @strawberry.field(
        permission_classes=[CanRead],
        description="Journeys, newest change first.",
        graphql_type=JourneyConnection,
    )
    async def journeys(
        self,
        info: strawberry.Info[Context, None],
        first: int | None = 20,
        after: str | None = None,
        status: list[JourneyStatus] | None = None,
        search: str | None = None,
    ) -> JourneyPage:
        return await resolve.journeys_page(
            info.context, 20 if first is None else first, after, status, search
        )

    @strawberry.field(
        permission_classes=[CanRead],
        description="At most 100 ids; the result keeps their order, with null for an id that is not "
        "found, and an error at that entry's path saying why (NOT_FOUND, or BAD_USER_INPUT for a "
        "malformed id).",
        graphql_type=list[Journey | None],
    )
    async def journeys_by_ids(
        self, info: strawberry.Info[Context, None], ids: list[strawberry.ID]
    ) -> list[JourneyRecord | ApiError]:
        return await resolve.journeys_by_ids(info.context, ids)

    @strawberry.field(
        permission_classes=[CanRead],
        description="A node by id, also once removed from its canvas.",
        graphql_type=Node | None,
    )
    async def node(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> NodeRecord | None:
        return await resolve.node(info.context, id)

    @strawberry.field(
        permission_classes=[CanRead],
        description="A path by id, also once removed from its canvas.",
        graphql_type=Path | None,
    )
    async def path(self, info: strawberry.Info[Context, None], id: strawberry.ID) -> PathRecord | None:
        return await resolve.path(info.context, id)
