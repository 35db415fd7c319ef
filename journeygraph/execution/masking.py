"""Give every error an `extensions.code`, and hide the unexpected ones.

An error raised on purpose (`ApiError`, a permission refusal) keeps its message.
A parse or validation error of the query gets BAD_USER_INPUT. Anything else is
a bug or an outage: the client sees "Internal server error" with code INTERNAL
and the request id; the log gets the traceback under the same id.
"""

from __future__ import annotations

import logging

from graphql import GraphQLError
from strawberry.extensions import MaskErrors

from journeygraph.core.errors import ErrorCode
from journeygraph.core.outage import MESSAGE as OUTAGE_MESSAGE
from journeygraph.core.outage import is_outage

logger = logging.getLogger("journeygraph.errors")


# What graphql-core wraps when a variable fails to coerce (a scalar's parse raising).
_COERCION_ERRORS = (GraphQLError, ValueError, TypeError)


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None:
        return True  # parse and validation errors: about the request itself
    if error.path is None:
        # Variables that fail to coerce, before any resolver runs; any other exception
        # without a path escaped from an extension and is a bug.
        return isinstance(original, _COERCION_ERRORS)
    return isinstance(original, GraphQLError) and bool((original.extensions or {}).get("code"))


def mask(error: GraphQLError, request_id: str | None) -> GraphQLError:
    """`error` as the client may see it: the outage message, or "Internal server error";
    the log gets the traceback under the request id."""
    masked = GraphQLError("Internal server error", nodes=error.nodes, path=error.path)
    if is_outage(error.original_error):
        logger.warning("database unavailable in request %s", request_id, extra={"request_id": request_id})
        masked.message = OUTAGE_MESSAGE
        masked.extensions = {"code": ErrorCode.UNAVAILABLE.value, "requestId": request_id}
        return masked
    logger.error(
        "unexpected error in request %s",
        request_id,
        exc_info=error.original_error,
        extra={"request_id": request_id},
    )
    masked.extensions = {"code": ErrorCode.INTERNAL.value, "requestId": request_id}
    return masked


def shape(errors: list[GraphQLError], request_id: str | None) -> list[GraphQLError]:
    """Mask the unexpected errors and give every other one a code (BAD_USER_INPUT unless it has one)."""
    shaped = []
    for error in errors:
        if not _is_expected(error):
            error = mask(error, request_id)
        elif not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": ErrorCode.BAD_USER_INPUT.value}
        shaped.append(error)
    return shaped


class ShapeErrors(MaskErrors):
    """Shapes the errors of every result (see `shape`)."""

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        return shape(errors, getattr(self.execution_context.context, "request_id", None))
