from decimal import Decimal
from typing import Optional

from pydantic import Field

from .base_model import BaseModel


class ComparePeriods(BaseModel):
    journey: Optional["ComparePeriodsJourney"]


class ComparePeriodsJourney(BaseModel):
    id: str
    name: str
    current: "ComparePeriodsJourneyCurrent"
    previous: "ComparePeriodsJourneyPrevious"


class ComparePeriodsJourneyCurrent(BaseModel):
    entered_count: int = Field(alias="enteredCount")
    unique_contact_count: int = Field(alias="uniqueContactCount")
    conversion_rate: Optional[float] = Field(alias="conversionRate")
    revenue: Decimal


class ComparePeriodsJourneyPrevious(BaseModel):
    entered_count: int = Field(alias="enteredCount")
    unique_contact_count: int = Field(alias="uniqueContactCount")
    conversion_rate: Optional[float] = Field(alias="conversionRate")
    revenue: Decimal


ComparePeriods.model_rebuild()
ComparePeriodsJourney.model_rebuild()
