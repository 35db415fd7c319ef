"""Limits checked before anything executes: tokens, cost and the caller's rate (depth and
aliases: shape_limits.py).

Over a limit, the request gets one error naming the limit (and its setting)
and nothing runs: no resolver, no SQL. Every response carries
`extensions.cost`: what the query could cost (`requested`), what its answer
did cost (`actual`), the per-query `maximum`, and the caller's bucket
(`remaining` of `capacity`, regaining `restoreRate` points a second).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from graphql import ExecutionResult as GraphQLExecutionResult
from strawberry.extensions import SchemaExtension

from journeygraph.core.errors import ApiError, ErrorCode
from journeygraph.core.outage import MESSAGE as OUTAGE_MESSAGE
from journeygraph.core.outage import is_outage
from journeygraph.core.request_facts import current_request
from journeygraph.db.queries.canvas import canvas_sizes, largest_canvases
from journeygraph.execution.cost import MAX_VISITS, Largest, Measure, measure_operation, response_cost
from journeygraph.resolvers.ids import parse_id

logger = logging.getLogger("journeygraph.errors")

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from journeygraph.core.settings import Settings
    from journeygraph.resolvers.context import Context


def _limit_errors(measure: Measure, settings: Settings) -> ApiError | None:
    if measure.expanded:
        return ApiError(
            f"the query expands to more than {MAX_VISITS} fields (fragments spread included)",
            ErrorCode.QUERY_TOO_COMPLEX,
        )
    if measure.cost > settings.max_query_cost:
        return ApiError(
            f"query cost {measure.cost} is over the budget of {settings.max_query_cost} per query "
            "(JOURNEYGRAPH_MAX_QUERY_COST); ask for fewer items (`first`, `ids`), fewer windows "
            "or a coarser time series",
            ErrorCode.QUERY_TOO_COMPLEX,
        )
    return None


def refused_rate(context: Context, points: int, what: str) -> ApiError | None:
    """Take `points` from the caller's bucket; when it lacks them, the RATE_LIMITED error (HTTP 429
    with Retry-After set on the response)."""
    decision = context.limiter.take(context.principal.credential, points)
    if decision.allowed:
        return None
    context.response.status_code = 429
    context.response.headers["Retry-After"] = str(decision.retry_after)
    return ApiError(
        f"rate limit: {what} costs {points} points and {int(decision.available)} are available; "
        f"{context.limiter.per_second} points come back every second, retry after {decision.retry_after} s",
        ErrorCode.RATE_LIMITED,
    )


class QueryLimits(SchemaExtension):
    """Measures the operation, refuses it over a limit, charges the caller's bucket, reports the cost."""

    def __init__(self) -> None:
        super().__init__()
        self.requested = 0
        self.actual = 0

    @property
    def context(self) -> Context:
        context: Context = self.execution_context.context
        return context

    def on_operation(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.context.settings.max_tokens
        yield

    async def _measure(self) -> Measure:
        """The operation's measure, bounding the canvases it asks for by their real sizes: those of
        the journeys it names, and the largest of the workspace for the journeys it lists.

        Each look-up is one statement, run whenever such a canvas is asked for (not only
        over the budget), so the statements of a query never depend on its sizes.
        """
        context = self.context
        execution = self.execution_context

        def measure(
            sizes: dict[str, tuple[int, int]] | None = None, largest: Largest | None = None
        ) -> Measure:
            return measure_operation(
                execution.schema._schema,
                execution.graphql_document,
                execution.operation_name,
                execution.variables,
                context.settings,
                sizes,
                largest,
            )

        first = measure()
        ids = [i for i in (parse_id(name) for name in first.named_journeys) if i is not None]
        if not ids and not first.listed:
            return first
        workspace_id = context.principal.workspace_id
        sizes, largest = None, None
        try:
            async with context.reads() as session:
                if ids:
                    found = await canvas_sizes(session, workspace_id, ids)
                    context.loaders.canvas_size.prime_many({i: found.get(i, (0, 0)) for i in ids})
                    sizes = {str(journey_id): size for journey_id, size in found.items()}
                if first.listed:
                    largest = Largest(*await largest_canvases(session, workspace_id, first.listed))
        except Exception as error:
            # Raised here it would bypass error masking (strawberry formats it as it is).
            if is_outage(error):
                raise ApiError(OUTAGE_MESSAGE, ErrorCode.UNAVAILABLE) from None
            logger.exception("canvas sizes failed in request %s", context.request_id)
            raise ApiError("Internal server error", ErrorCode.INTERNAL) from None
        return measure(sizes, largest)

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.context
        execution = self.execution_context
        try:
            measure = await self._measure()
        except ApiError as error:
            execution.result = GraphQLExecutionResult(data=None, errors=[error])
            yield
            return
        self.requested = measure.cost
        refusal = _limit_errors(measure, context.settings)
        if refusal is None:
            refusal = refused_rate(context, measure.cost, "this query")
        facts = current_request()
        if facts is not None:
            facts.cost = measure.cost
            facts.operation = execution.operation_name or "anonymous"
        if refusal is not None:
            execution.result = GraphQLExecutionResult(data=None, errors=[refusal])
            yield
            return
        yield
        result = execution.result
        data = getattr(result, "data", None)
        self.actual = response_cost(data, measure.fixed, context.answer_objects)
        context.limiter.give_back(context.principal.credential, self.requested - self.actual)

    def get_results(self) -> dict[str, Any]:
        context = self.context
        limiter = context.limiter
        return {
            "cost": {
                "requested": self.requested,
                "actual": self.actual,
                "document": context.document_cost,
                "maximum": context.settings.max_query_cost,
                "remaining": int(limiter.level(context.principal.credential)),
                "capacity": limiter.burst,
                "restoreRate": limiter.per_second,
            }
        }
