"""Events in through GraphQL: the recordEvents mutation's types."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import strawberry

from journeygraph.schema.enums import EventType

if TYPE_CHECKING:
    from journeygraph.resolvers.ingest import IngestResult


@strawberry.input
class EventInput:
    id: str = strawberry.field(
        description="Caller-chosen idempotency key, unique within the workspace, 1 to 128 characters."
    )
    type: EventType
    journey_id: strawberry.ID
    node_id: strawberry.ID | None = None
    path_id: strawberry.ID | None = None
    contact_id: str
    occurred_at: datetime
    revenue: Decimal | None = None
    url: str | None = None

    def raw(self) -> dict[str, Any]:
        """The event in the shape `/v1/events` takes, so both go through one check."""
        return {
            "id": self.id,
            "type": self.type.value,
            "journeyId": self.journey_id,
            "nodeId": self.node_id,
            "pathId": self.path_id,
            "contactId": self.contact_id,
            "occurredAt": self.occurred_at,
            "revenue": self.revenue,
            "url": self.url,
        }


@strawberry.type(description="Why one event of a batch was not stored.")
class EventRejection:
    index: int = strawberry.field(description="Position of the event in the batch, from 0.")
    id: str | None
    code: str = strawberry.field(
        description="UNKNOWN_JOURNEY, UNKNOWN_NODE, UNKNOWN_PATH, NODE_NOT_IN_JOURNEY, MISSING_NODE, "
        "MISSING_PATH, MISSING_REVENUE, NEGATIVE_REVENUE, FUTURE_TIMESTAMP or INVALID."
    )
    message: str


@strawberry.type
class RecordEventsPayload:
    accepted: int = strawberry.field(description="Events stored now.")
    duplicates: int = strawberry.field(
        description="Events whose id was already stored (or repeated in the batch)."
    )
    rejected: list[EventRejection]

    @classmethod
    def of(cls, result: IngestResult) -> RecordEventsPayload:
        return cls(
            accepted=result.accepted,
            duplicates=result.duplicates,
            rejected=[
                EventRejection(index=r.index, id=r.id, code=r.code, message=r.message)
                for r in result.rejected
            ],
        )
