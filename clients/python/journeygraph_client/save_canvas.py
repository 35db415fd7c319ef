from typing import Optional

from pydantic import Field

from .base_model import BaseModel
from .enums import NodeType, UserErrorCode


class SaveCanvas(BaseModel):
    save_canvas: "SaveCanvasSaveCanvas" = Field(alias="saveCanvas")


class SaveCanvasSaveCanvas(BaseModel):
    journey: Optional["SaveCanvasSaveCanvasJourney"]
    user_errors: list["SaveCanvasSaveCanvasUserErrors"] = Field(alias="userErrors")


class SaveCanvasSaveCanvasJourney(BaseModel):
    id: str
    version: int
    nodes: list["SaveCanvasSaveCanvasJourneyNodes"]
    paths: list["SaveCanvasSaveCanvasJourneyPaths"]


class SaveCanvasSaveCanvasJourneyNodes(BaseModel):
    id: str
    type_: NodeType = Field(alias="type")
    name: Optional[str]


class SaveCanvasSaveCanvasJourneyPaths(BaseModel):
    id: str
    label: Optional[str]
    index: int
    source: "SaveCanvasSaveCanvasJourneyPathsSource"
    target: "SaveCanvasSaveCanvasJourneyPathsTarget"


class SaveCanvasSaveCanvasJourneyPathsSource(BaseModel):
    id: str


class SaveCanvasSaveCanvasJourneyPathsTarget(BaseModel):
    id: str


class SaveCanvasSaveCanvasUserErrors(BaseModel):
    field: Optional[list[str]]
    message: str
    code: UserErrorCode


SaveCanvas.model_rebuild()
SaveCanvasSaveCanvas.model_rebuild()
SaveCanvasSaveCanvasJourney.model_rebuild()
SaveCanvasSaveCanvasJourneyPaths.model_rebuild()
