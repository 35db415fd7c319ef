"""The root Mutation type. Journey mutations need the `write` scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import strawberry

from journeygraph.core.errors import bad_user_input
from journeygraph.resolvers import mutations as resolve
from journeygraph.resolvers.ingest import ingest
from journeygraph.schema.errors import UserError
from journeygraph.schema.events import EventInput, RecordEventsPayload
from journeygraph.schema.inputs import CreateJourneyInput, NodeInput, PathInput, UpdateJourneyInput
from journeygraph.schema.journey import Journey
from journeygraph.schema.permissions import CanIngest, CanRead, CanWrite

if TYPE_CHECKING:
    from journeygraph.core.errors import Problem
    from journeygraph.db.records import JourneyRecord
    from journeygraph.resolvers.context import Context
    from journeygraph.resolvers.mutations import JourneyResult


@strawberry.type(description="A journey mutation's answer: the journey as it now is, or why nothing changed.")
class JourneyPayload:
    # What a mutation answers is read data: a `write`-only credential must not read figures
    # (or anything else) through it. Without `read`, journey is null with a FORBIDDEN error.
    journey: JourneyRecord | None = strawberry.field(
        permission_classes=[CanRead],
        graphql_type=Journey | None,
        description="The journey as it now is (null when nothing changed); reading it needs the `read` scope.",
    )
    user_errors: list[Problem] = strawberry.field(graphql_type=list[UserError])


def _move(name: str, description: str) -> Any:
    """A status-move mutation field; `name` is its key in resolvers.graph_rules.TRANSITIONS."""

    async def move(info: strawberry.Info[Context, None], id: strawberry.ID) -> JourneyResult:
        return await resolve.move_journey(info.context, name, id)

    return strawberry.mutation(
        resolver=move, permission_classes=[CanWrite], description=description, graphql_type=JourneyPayload
    )


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[CanWrite], graphql_type=JourneyPayload)
    async def create_journey(
        self, info: strawberry.Info[Context, None], input: CreateJourneyInput
    ) -> JourneyResult:
        return await resolve.create_journey(info.context, input)

    @strawberry.mutation(permission_classes=[CanWrite], graphql_type=JourneyPayload)
    async def update_journey(
        self, info: strawberry.Info[Context, None], id: strawberry.ID, input: UpdateJourneyInput
    ) -> JourneyResult:
        return await resolve.update_journey(info.context, id, input)

    @strawberry.mutation(
        permission_classes=[CanWrite],
        description="Replace the whole canvas in one transaction. With expectedVersion, refuse if the journey moved on.",
        graphql_type=JourneyPayload,
    )
    async def save_canvas(
        self,
        info: strawberry.Info[Context, None],
        journey_id: strawberry.ID,
        nodes: list[NodeInput],
        paths: list[PathInput],
        expected_version: int | None = None,
    ) -> JourneyResult:
        return await resolve.save_canvas(info.context, journey_id, expected_version, nodes, paths)  # type: ignore[arg-type]  # inputs match NodeSpec but for UNSET defaults

    @strawberry.mutation(
        permission_classes=[CanIngest],
        description="Store events (the same checks and answer as POST /v1/events); needs the ingest scope.",
    )
    async def record_events(
        self, info: strawberry.Info[Context, None], events: list[EventInput]
    ) -> RecordEventsPayload:
        limit = info.context.settings.max_events
        if len(events) > limit:
            raise bad_user_input(f"recordEvents takes at most {limit} events, got {len(events)}")
        state = info.context.request.app.state
        result = await ingest(
            info.context.sessions,
            info.context.principal.workspace_id,
            [e.raw() for e in events],
            state.ordinals,
        )
        state.metrics.record_events(result)
        info.context.reset_loaders()  # figures asked for later in this request include these events
        return RecordEventsPayload.of(result)

    # Annotated like strawberry's own fields (after the others, where the schema lists them).
    publish_journey: JourneyPayload = _move(
        "publishJourney", "DRAFT or PAUSED to PUBLISHED; needs a valid graph."
    )
    pause_journey: JourneyPayload = _move("pauseJourney", "PUBLISHED to PAUSED.")
    unpublish_journey: JourneyPayload = _move("unpublishJourney", "PUBLISHED or PAUSED to DRAFT.")
    archive_journey: JourneyPayload = _move("archiveJourney", "Any status but ARCHIVED to ARCHIVED.")
    restore_journey: JourneyPayload = _move("restoreJourney", "ARCHIVED to DRAFT.")
