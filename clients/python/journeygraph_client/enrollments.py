from datetime import datetime
from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import EnrollmentStatus


class Enrollments(BaseModel):
    journey: Optional["EnrollmentsJourney"]


class EnrollmentsJourney(BaseModel):
    id: str
    active_count: int = Field(alias="activeCount")
    enrollments: "EnrollmentsJourneyEnrollments"


class EnrollmentsJourneyEnrollments(BaseModel):
    total_count: int = Field(alias="totalCount")
    page_info: "EnrollmentsJourneyEnrollmentsPageInfo" = Field(alias="pageInfo")
    edges: list["EnrollmentsJourneyEnrollmentsEdges"]


class EnrollmentsJourneyEnrollmentsPageInfo(BaseModel):
    has_next_page: bool = Field(alias="hasNextPage")
    end_cursor: Optional[str] = Field(alias="endCursor")


class EnrollmentsJourneyEnrollmentsEdges(BaseModel):
    node: "EnrollmentsJourneyEnrollmentsEdgesNode"


class EnrollmentsJourneyEnrollmentsEdgesNode(BaseModel):
    contact_id: str = Field(alias="contactId")
    status: EnrollmentStatus
    entered_at: datetime = Field(alias="enteredAt")
    ended_at: Optional[datetime] = Field(alias="endedAt")
    current_node: Optional["EnrollmentsJourneyEnrollmentsEdgesNodeCurrentNode"] = Field(
        alias="currentNode"
    )
    converted: bool
    last_event_at: datetime = Field(alias="lastEventAt")


class EnrollmentsJourneyEnrollmentsEdgesNodeCurrentNode(BaseModel):
    id: str
    name: Optional[str]


Enrollments.model_rebuild()
EnrollmentsJourney.model_rebuild()
EnrollmentsJourneyEnrollments.model_rebuild()
EnrollmentsJourneyEnrollmentsEdges.model_rebuild()
EnrollmentsJourneyEnrollmentsEdgesNode.model_rebuild()
