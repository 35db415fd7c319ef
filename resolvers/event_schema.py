"""The shape of one incoming event, checked at the edge by pydantic.

Both ways in (`POST /v1/events` and `recordEvents`) hand each event to
`EventIn`; what fails becomes that event's rejection, with a code and a
message naming the field, while the rest of the batch goes on. The bounds
(written in docs/decisions.md, "Bounds of an event"):

- `id` 1-128 characters, `contactId` 1-256, `url` at most 2,048; every string
  valid Unicode text (no lone surrogate) without NUL, which PostgreSQL's text
  cannot hold;
- `occurredAt` an RFC 3339 timestamp with an offset, from 1970-01-01T00:00Z
  to 15 minutes from now (later: FUTURE_TIMESTAMP);
- `revenue` (TRANSACTION only) a decimal >= 0 with at most 18 digits before
  the point and 6 after it (trailing zeros aside), given as a JSON string or
  number.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

from journeygraph.core.errors import shown
from journeygraph.db.enums import EventType

MAX_ID = 128
MAX_CONTACT = 256
MAX_URL = 2048
FUTURE_SLACK = timedelta(minutes=15)
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
REVENUE_WHOLE_DIGITS = 18
REVENUE_DECIMALS = 6
_NO_NUL = r"^[^\x00]*$"

# Event types that happen at a node, so carry `nodeId`.
NEEDS_NODE = frozenset(
    {
        EventType.NODE_ENTERED,
        EventType.MESSAGE_SENT,
        EventType.MESSAGE_DELIVERED,
        EventType.MESSAGE_BOUNCED,
        EventType.MESSAGE_OPENED,
        EventType.MESSAGE_CLICKED,
        EventType.UNSUBSCRIBED,
        EventType.SPAM_COMPLAINT,
        EventType.HOLDOUT_GLOBAL,
        EventType.HOLDOUT_JOURNEY,
        EventType.ADDED_TO_CART,
        EventType.TRANSACTION,
        EventType.WEBHOOK_SUCCEEDED,
        EventType.WEBHOOK_FAILED,
    }
)


@dataclass(frozen=True)
class Unreadable:
    """An event that could not even be read, kept in its place in the batch; rejected as INVALID."""

    message: str


EventId = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_ID, pattern=_NO_NUL)]
ContactId = Annotated[
    str, StringConstraints(strict=True, min_length=1, max_length=MAX_CONTACT, pattern=_NO_NUL)
]
Url = Annotated[str, StringConstraints(strict=True, min_length=1, max_length=MAX_URL, pattern=_NO_NUL)]


class EventIn(BaseModel):
    """One event as the engine sends it; unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=False)

    id: EventId
    type: EventType
    # Ids of journeys, nodes and paths are looked up, not stored as sent: one that is not a
    # UUID in text is simply unknown (UNKNOWN_JOURNEY, ...), which ingest decides.
    journey_id: Any = Field(default=None, alias="journeyId")
    node_id: Any = Field(default=None, alias="nodeId")
    path_id: Any = Field(default=None, alias="pathId")
    contact_id: ContactId = Field(alias="contactId")
    occurred_at: AwareDatetime = Field(alias="occurredAt")
    revenue: (
        Annotated[
            Decimal,
            Field(
                ge=0,
                max_digits=REVENUE_WHOLE_DIGITS + REVENUE_DECIMALS,
                decimal_places=REVENUE_DECIMALS,
                allow_inf_nan=False,
            ),
        ]
        | None
    ) = None
    url: Url | None = None

    @model_validator(mode="before")
    @classmethod
    def _revenue_of_transactions_only(cls, raw: Any) -> Any:
        # Revenue counts on TRANSACTION only; on any other type it is ignored, whatever it holds.
        if isinstance(raw, dict) and raw.get("type") != EventType.TRANSACTION and "revenue" in raw:
            return {key: value for key, value in raw.items() if key != "revenue"}
        return raw

    @field_validator("occurred_at")
    @classmethod
    def _not_before_1970(cls, value: datetime) -> datetime:
        # Compared, never converted: an instant in year 1 at a positive offset, or in the last
        # hours of year 9999 at a negative one, has no UTC form in Python (an OverflowError).
        # PostgreSQL stores the instant whatever its offset.
        if value < EARLIEST:
            raise ValueError("before 1970-01-01T00:00:00Z, the earliest allowed")
        return value


_FIELD_NAMES = {name: (info.alias or name) for name, info in EventIn.model_fields.items()}
# Problems that have codes of their own; every other problem of a field is INVALID.
_CODES = {("revenue", "greater_than_equal"): "NEGATIVE_REVENUE"}
_LENGTHS = {"id": MAX_ID, "contactId": MAX_CONTACT, "url": MAX_URL}


def rejection_of(error: ValidationError) -> tuple[str, str]:
    """(code, message) of the first problem pydantic found, naming the field."""
    problem = error.errors(include_url=False)[0]
    location = problem["loc"][0] if problem["loc"] else ""
    name = _FIELD_NAMES.get(str(location), str(location))
    kind = problem["type"]
    code = _CODES.get((str(location), kind), "INVALID")
    value = problem.get("input")
    if kind == "missing":
        return code, f"{name} is required"
    if kind == "string_unicode":
        return code, f"{name} must be valid Unicode text (a lone surrogate is not)"
    if kind == "string_pattern_mismatch":
        return code, f"{name} must not contain NUL (\\u0000)"
    if kind in ("string_too_short", "string_too_long", "string_type"):
        return code, f"{name} must be a string of 1 to {_LENGTHS[name]} characters"
    if name == "type":
        return code, f"type {shown(value)} is not an event type"
    if name == "occurredAt":
        if kind == "value_error":
            return code, f"occurredAt {shown(value)} is {problem['msg'].removeprefix('Value error, ')}"
        return code, f"occurredAt must be an RFC 3339 timestamp with an offset, got {shown(value)}"
    if name == "revenue":
        if code == "NEGATIVE_REVENUE":
            return code, f"revenue {shown(value)} is negative"
        return code, (
            f"revenue must be a finite decimal number (or a string holding one) with at most "
            f"{REVENUE_WHOLE_DIGITS} digits before the point and {REVENUE_DECIMALS} after it, got {shown(value)}"
        )
    return code, f"{name}: {problem['msg']}"
