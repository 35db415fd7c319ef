"""The shapes of failure.

Expected problems in mutations are data (`Problem`, shown as `userErrors`);
problems with a request itself are `ApiError`s carrying `extensions.code`.
Anything else is unexpected and gets masked before it reaches a client.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError


class UserErrorCode(enum.StrEnum):
    INVALID = "INVALID"
    NOT_FOUND = "NOT_FOUND"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    GRAPH_INVALID = "GRAPH_INVALID"


@dataclass(frozen=True)
class Problem:
    """One reason a mutation changed nothing: where (`field` path), what, and its code."""

    message: str
    code: UserErrorCode
    field: list[str] | None = None


class ErrorCode(enum.StrEnum):
    """Values of `extensions.code` on GraphQL errors."""

    BAD_USER_INPUT = "BAD_USER_INPUT"
    NOT_FOUND = "NOT_FOUND"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    RATE_LIMITED = "RATE_LIMITED"
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
    UNAVAILABLE = "UNAVAILABLE"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    INTERNAL = "INTERNAL"


class ApiError(GraphQLError):
    """An error the client caused and can fix; its message is safe to show."""

    def __init__(self, message: str, code: ErrorCode = ErrorCode.BAD_USER_INPUT) -> None:
        super().__init__(message, extensions={"code": code.value})


SHOWN = 40  # characters of a bad value repeated in a message


def shown(value: Any) -> str:
    """`value` as a message may repeat it: escaped (NUL, surrogates) and cut to a readable length."""
    text = ascii(value) if isinstance(value, str) else ascii(str(value))
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(str(value))} characters)"


def bad_user_input(message: str) -> ApiError:
    """A GraphQL error with code BAD_USER_INPUT."""
    return ApiError(message, ErrorCode.BAD_USER_INPUT)
