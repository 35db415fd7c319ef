from datetime import datetime
from decimal import Decimal
from typing import Any, Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import Channel, EventType, NodeType


class CreateJourneyInput(BaseModel):
    name: str
    description: Optional[str] = None
    goal: Optional["JourneyGoalInput"] = None
    nodes: Optional[list["NodeInput"]] = None
    paths: Optional[list["PathInput"]] = None


class EventInput(BaseModel):
    id: str
    "Caller-chosen idempotency key, unique within the workspace, 1 to 128 characters."
    type_: EventType = Field(alias="type")
    journey_id: str = Field(alias="journeyId")
    node_id: Optional[str] = Field(alias="nodeId", default=None)
    path_id: Optional[str] = Field(alias="pathId", default=None)
    contact_id: str = Field(alias="contactId")
    occurred_at: datetime = Field(alias="occurredAt")
    revenue: Optional[Decimal] = None
    url: Optional[str] = None


class JourneyGoalInput(BaseModel):
    type_: str = Field(alias="type")
    config: Optional[Any] = None
    deadline_days: Optional[int] = Field(alias="deadlineDays", default=None)


class NodeInput(BaseModel):
    id: Optional[str] = None
    "An existing node's id keeps that node (and its history); omit it for a new node."
    key: Optional[str] = None
    "A reference, unique within this request, that paths may use for a node without an id yet."
    type_: NodeType = Field(alias="type")
    name: Optional[str] = None
    channel: Optional[Channel] = None
    config: Optional[Any] = None
    position: Optional["PositionInput"] = None


class PathInput(BaseModel):
    id: Optional[str] = None
    source: str
    "A node's id or key."
    target: str
    "A node's id or key."
    label: Optional[str] = None
    index: Optional[int] = None
    "Order among the source's paths; the lowest free one when omitted."


class PositionInput(BaseModel):
    x: float
    y: float


class UpdateJourneyInput(BaseModel):
    name: Optional[str] = None
    description: Optional[str] = None
    goal: Optional["JourneyGoalInput"] = None
    "null clears the goal."


CreateJourneyInput.model_rebuild()
NodeInput.model_rebuild()
UpdateJourneyInput.model_rebuild()
