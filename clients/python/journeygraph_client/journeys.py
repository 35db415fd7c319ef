from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import JourneyStatus


class Journeys(BaseModel):
    journeys: "JourneysJourneys"


class JourneysJourneys(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "JourneysJourneysPageInfo" = Field(alias="pageInfo")
    edges: list["JourneysJourneysEdges"]


class JourneysJourneysPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class JourneysJourneysEdges(BaseModel):
    cursor: str
    node: "JourneysJourneysEdgesNode"


class JourneysJourneysEdgesNode(BaseModel):
    id: str
    name: str
    status: JourneyStatus
    version: int
    updated_at: datetime = Field(alias="updatedAt")


Journeys.model_rebuild()
JourneysJourneys.model_rebuild()
JourneysJourneysEdges.model_rebuild()
