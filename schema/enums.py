"""GraphQL enums: the Python enums the database stores, registered with strawberry.

`strawberry.enum` marks the class itself, so the same class is the database
value and the GraphQL type (and mypy sees an ordinary enum).
"""

from __future__ import annotations

import strawberry

from journeygraph.core.errors import UserErrorCode
from journeygraph.db.enums import Channel, EventType, JourneyStatus, NodeType
from journeygraph.resolvers.contacts import ContactActivity, EnrollmentStatus
from journeygraph.resolvers.windows import Granularity

for _enum in (
    JourneyStatus,
    NodeType,
    Channel,
    UserErrorCode,
    EventType,
    Granularity,
    EnrollmentStatus,
    ContactActivity,
):
    strawberry.enum(_enum)

__all__ = [
    "Channel",
    "ContactActivity",
    "EnrollmentStatus",
    "EventType",
    "Granularity",
    "JourneyStatus",
    "NodeType",
    "UserErrorCode",
]
