"""The error types of mutation payloads."""

from __future__ import annotations

import strawberry

from journeygraph.schema.enums import UserErrorCode


@strawberry.type(description="Why a mutation changed nothing.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="The path of the offending input from the mutation's arguments: an argument's name, "
        "then input field names and list positions as strings, e.g. ['input', 'nodes', '1', 'channel'] "
        "(createJourney) or ['paths', '2', 'source'] (saveCanvas). A problem of a canvas saved earlier "
        "(publishJourney) points at ['id'] and its message names the node or path."
    )
    message: str
    code: UserErrorCode
