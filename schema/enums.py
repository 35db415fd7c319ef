"""GraphQL enums, mapped onto the Python enums the database stores."""

from __future__ import annotations

import strawberry

from db import enums
from resolvers.errors import UserErrorCode as _UserErrorCode

JourneyStatus = strawberry.enum(enums.JourneyStatus, name="JourneyStatus")
NodeType = strawberry.enum(enums.NodeType, name="NodeType")
Channel = strawberry.enum(enums.Channel, name="Channel")
UserErrorCode = strawberry.enum(_UserErrorCode, name="UserErrorCode")
