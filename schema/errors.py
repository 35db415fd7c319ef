"""The error types of mutation payloads."""

from __future__ import annotations

import strawberry

from schema.enums import UserErrorCode


@strawberry.type(description="Why a mutation changed nothing.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the offending input, e.g. ['paths', '2', 'source']."
    )
    message: str
    code: UserErrorCode
