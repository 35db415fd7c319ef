"""GraphQL enums: the Python enums the database stores, registered with strawberry.

`strawberry.enum` marks the class itself, so the same class is the database
value and the GraphQL type (and mypy sees an ordinary enum).
"""

from __future__ import annotations

import strawberry

from db.enums import Channel, JourneyStatus, NodeType
from resolvers.errors import UserErrorCode

for _enum in (JourneyStatus, NodeType, Channel, UserErrorCode):
    strawberry.enum(_enum)

__all__ = ["Channel", "JourneyStatus", "NodeType", "UserErrorCode"]
