"""Input types of the journey mutations."""

from __future__ import annotations

import strawberry

from journeygraph.schema.enums import Channel, NodeType
from journeygraph.schema.scalars import JSON


@strawberry.input
class JourneyGoalInput:
    type: str
    config: JSON | None = strawberry.UNSET
    deadline_days: int | None = strawberry.UNSET


@strawberry.input
class PositionInput:
    x: float
    y: float


@strawberry.input
class NodeInput:
    id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET,
        description="An existing node's id keeps that node (and its history); omit it for a new node.",
    )
    key: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="A reference, unique within this request, that paths may use for a node without an id yet.",
    )
    type: NodeType
    name: str | None = strawberry.UNSET
    channel: Channel | None = strawberry.UNSET
    config: JSON | None = strawberry.UNSET
    position: PositionInput | None = strawberry.UNSET


@strawberry.input
class PathInput:
    id: strawberry.ID | None = strawberry.UNSET
    source: str = strawberry.field(description="A node's id or key.")
    target: str = strawberry.field(description="A node's id or key.")
    label: str | None = strawberry.UNSET
    index: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="Order among the source's paths; the lowest free one when omitted.",
    )


@strawberry.input
class CreateJourneyInput:
    name: str
    description: str | None = strawberry.UNSET
    goal: JourneyGoalInput | None = strawberry.UNSET
    nodes: list[NodeInput] | None = strawberry.UNSET
    paths: list[PathInput] | None = strawberry.UNSET


@strawberry.input
class UpdateJourneyInput:
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    goal: JourneyGoalInput | None = strawberry.field(
        default=strawberry.UNSET, description="null clears the goal."
    )
