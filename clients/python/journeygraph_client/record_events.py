from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class RecordEvents(BaseModel):
    record_events: "RecordEventsRecordEvents" = Field(alias="recordEvents")


class RecordEventsRecordEvents(BaseModel):
    accepted: int
    duplicates: int
    rejected: list["RecordEventsRecordEventsRejected"]


class RecordEventsRecordEventsRejected(BaseModel):
    index: int
    id: Optional[str]
    code: str
    message: str


RecordEvents.model_rebuild()
RecordEventsRecordEvents.model_rebuild()
