from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import NodeType


class NodeDailySeries(BaseModel):
    node: Optional["NodeDailySeriesNode"]


class NodeDailySeriesNode(BaseModel):
    id: str
    name: Optional[str]
    type_: NodeType = Field(alias="type")
    time_series: list["NodeDailySeriesNodeTimeSeries"] = Field(alias="timeSeries")


class NodeDailySeriesNodeTimeSeries(BaseModel):
    start: datetime
    end: datetime
    performance: "NodeDailySeriesNodeTimeSeriesPerformance"


class NodeDailySeriesNodeTimeSeriesPerformance(BaseModel):
    traffic_count: int = Field(alias="trafficCount")
    unique_contact_count: int = Field(alias="uniqueContactCount")
    message_sent: Optional[int] = Field(alias="messageSent")
    unique_opens: Optional[int] = Field(alias="uniqueOpens")
    open_rate: Optional[float] = Field(alias="openRate")


NodeDailySeries.model_rebuild()
NodeDailySeriesNode.model_rebuild()
NodeDailySeriesNodeTimeSeries.model_rebuild()
