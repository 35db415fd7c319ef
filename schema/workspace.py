"""The caller's workspace."""

from __future__ import annotations

import strawberry


@strawberry.type
class Workspace:
    id: strawberry.ID
    name: str
    time_zone: str = strawberry.field(description="IANA time zone that performance windows default to.")
    currency: str = strawberry.field(description="ISO 4217 code of revenue figures.")
