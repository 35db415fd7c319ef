from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import JourneyStatus, NodeType, UserErrorCode


class CreateJourney(BaseModel):
    create_journey: "CreateJourneyCreateJourney" = Field(alias="createJourney")


class CreateJourneyCreateJourney(BaseModel):
    journey: Optional["CreateJourneyCreateJourneyJourney"]
    user_errors: list["CreateJourneyCreateJourneyUserErrors"] = Field(
        alias="userErrors"
    )


class CreateJourneyCreateJourneyJourney(BaseModel):
    id: str
    name: str
    status: JourneyStatus
    version: int
    nodes: list["CreateJourneyCreateJourneyJourneyNodes"]
    paths: list["CreateJourneyCreateJourneyJourneyPaths"]


class CreateJourneyCreateJourneyJourneyNodes(BaseModel):
    id: str
    type_: NodeType = Field(alias="type")
    name: Optional[str]


class CreateJourneyCreateJourneyJourneyPaths(BaseModel):
    id: str
    source: "CreateJourneyCreateJourneyJourneyPathsSource"
    target: "CreateJourneyCreateJourneyJourneyPathsTarget"


class CreateJourneyCreateJourneyJourneyPathsSource(BaseModel):
    id: str


class CreateJourneyCreateJourneyJourneyPathsTarget(BaseModel):
    id: str


class CreateJourneyCreateJourneyUserErrors(BaseModel):
    field: Optional[list[str]]
    message: str
    code: UserErrorCode


CreateJourney.model_rebuild()
CreateJourneyCreateJourney.model_rebuild()
CreateJourneyCreateJourneyJourney.model_rebuild()
CreateJourneyCreateJourneyJourneyPaths.model_rebuild()
