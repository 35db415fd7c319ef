from decimal import Decimal
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import Channel, JourneyStatus, NodeType


class Canvas(BaseModel):
    journey: Optional["CanvasJourney"]


class CanvasJourney(BaseModel):
    id: str
    name: str
    status: JourneyStatus
    version: int
    performance: "CanvasJourneyPerformance"
    nodes: list["CanvasJourneyNodes"]
    paths: list["CanvasJourneyPaths"]


class CanvasJourneyPerformance(BaseModel):
    entered_count: int = Field(alias="enteredCount")
    unique_contact_count: int = Field(alias="uniqueContactCount")
    in_progress_count: int = Field(alias="inProgressCount")
    completion_rate: Optional[float] = Field(alias="completionRate")
    conversion_rate: Optional[float] = Field(alias="conversionRate")
    revenue: Decimal


class CanvasJourneyNodes(BaseModel):
    id: str
    type_: NodeType = Field(alias="type")
    name: Optional[str]
    channel: Optional[Channel]
    position: Optional["CanvasJourneyNodesPosition"]
    performance: "CanvasJourneyNodesPerformance"


class CanvasJourneyNodesPosition(BaseModel):
    x: float
    y: float


class CanvasJourneyNodesPerformance(BaseModel):
    traffic_count: int = Field(alias="trafficCount")
    unique_contact_count: int = Field(alias="uniqueContactCount")
    message_sent: Optional[int] = Field(alias="messageSent")
    delivery_rate: Optional[float] = Field(alias="deliveryRate")
    open_rate: Optional[float] = Field(alias="openRate")
    click_rate: Optional[float] = Field(alias="clickRate")
    webhook_failed: Optional[int] = Field(alias="webhookFailed")


class CanvasJourneyPaths(BaseModel):
    id: str
    label: Optional[str]
    index: int
    source: "CanvasJourneyPathsSource"
    target: "CanvasJourneyPathsTarget"
    performance: "CanvasJourneyPathsPerformance"


class CanvasJourneyPathsSource(BaseModel):
    id: str


class CanvasJourneyPathsTarget(BaseModel):
    id: str


class CanvasJourneyPathsPerformance(BaseModel):
    traffic_count: int = Field(alias="trafficCount")
    traffic_ratio: Optional[float] = Field(alias="trafficRatio")


Canvas.model_rebuild()
CanvasJourney.model_rebuild()
CanvasJourneyNodes.model_rebuild()
CanvasJourneyPaths.model_rebuild()
