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

from journeygraph.outage import MESSAGE as OUTAGE_MESSAGE
from journeygraph.outage import is_outage
from resolvers.errors import ErrorCode

logger = logging.getLogger("journeygraph.errors")


def _is_expected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or error.path is None:
        # Parse and validation errors, and variables that fail to coerce: all raised
        # by graphql-core about the request itself, before any resolver runs.
        return True
    return isinstance(original, GraphQLError) and bool((original.extensions or {}).get("code"))


class ShapeErrors(MaskErrors):
    """MaskErrors that also codes what it lets through."""

    def __init__(self) -> None:
        super().__init__(
            should_mask_error=lambda error: not _is_expected(error), error_message="Internal server error"
        )

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        shaped = super()._process_errors(errors)
        for error in shaped:
            if error.extensions is None or "code" not in error.extensions:
                error.extensions = {**(error.extensions or {}), "code": ErrorCode.BAD_USER_INPUT.value}
        return shaped

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        request_id = getattr(self.execution_context.context, "request_id", None)
        masked = super().anonymise_error(error)
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
