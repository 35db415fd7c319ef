"""Refusals of an HTTP request itself: in the shape of a GraphQL response on /graphql,
and `{"error": {"code", "message"}}` on every other route (/v1/events, unknown paths)."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response

from journeygraph.core.errors import ErrorCode
from journeygraph.core.request_facts import current_request


def _count(code: str) -> None:
    """The request's error codes feed `journeygraph_errors_total`."""
    facts = current_request()
    if facts is not None:
        facts.error_codes.append(code)


def is_graphql(path: str) -> bool:
    """Whether `path` is the GraphQL endpoint, whose refusals take the GraphQL shape."""
    return path == "/graphql" or path.startswith("/graphql/")


def request_error(
    status: int, code: ErrorCode, message: str, headers: dict[str, str] | None = None
) -> Response:
    """An error about the HTTP request itself, in the shape of a GraphQL response (no `data`)."""
    _count(code.value)
    return JSONResponse(
        {"errors": [{"message": message, "extensions": {"code": code.value}}]},
        status_code=status,
        headers=headers,
    )


def endpoint_error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error of a route other than /graphql: `{"error": {"code", "message"}}`."""
    _count(code)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def error_for(
    path: str, status: int, code: ErrorCode | str, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The refusal in the shape of the route at `path`."""
    if is_graphql(path):
        return request_error(status, ErrorCode(code), message, headers)
    return endpoint_error(status, str(code), message, headers)
