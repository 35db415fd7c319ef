"""Refusals of an HTTP request itself, in the shape of a GraphQL response."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from journeygraph import observability
from resolvers.errors import ErrorCode


def request_error(
    status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error about the HTTP request itself, in the shape of a GraphQL response (no `data`)."""
    facts = observability.current()
    if facts is not None:
        facts.error_codes.append(code.value)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status,
        headers=headers,
    )
