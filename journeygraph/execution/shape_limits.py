"""How deep a document nests and how many aliases it uses: strawberry's QueryDepthLimiter and
MaxAliasesLimiter, at the limits of the app serving the request.

Limits are settings of an app, not of the schema (one process may serve apps with different
limits, as the tests do), so the rules are chosen per request, from the request's settings,
and documents.py validates a document once per (tokens, limits). Over a limit, validation
stops with one error, code QUERY_TOO_COMPLEX, naming the setting that allows more.

Depth here counts the fields along the deepest path, the leaf included
(`{ journey { nodes { id } } }` is 3), as JOURNEYGRAPH_MAX_DEPTH always has; strawberry's
limiter counts the levels below the top one (2 for the same query), hence `max_depth - 1`.
Introspection (`__schema`, `__type`) is not counted: its depth is the schema's.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension

from journeygraph.core.errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from graphql import GraphQLError, ValidationContext
    from graphql.validation import ASTValidationRule


def _deeper_than(max_depth: int) -> Callable[[dict[str, int]], None]:
    def refuse(depths: dict[str, int]) -> None:
        # strawberry's count stops one past its limit: what matters is that it went past
        if any(depth + 1 > max_depth for depth in depths.values()):
            raise ApiError(
                f"the query nests fields deeper than the limit of {max_depth} (JOURNEYGRAPH_MAX_DEPTH)",
                ErrorCode.QUERY_TOO_COMPLEX,
            )

    return refuse


def _refusing(rule: type[ASTValidationRule], setting: str) -> type[ASTValidationRule]:
    """`rule`, raising its first error as QUERY_TOO_COMPLEX (naming `setting`) instead of
    reporting it among validation's errors."""

    class Refusing(rule):  # type: ignore[valid-type,misc]  # a class strawberry made at run time
        def __init__(self, context: ValidationContext) -> None:
            reported: list[GraphQLError] = []
            # graphql-core's context reports through this callback, set per instance as here
            on_error, context.on_error = context.on_error, reported.append  # type: ignore[method-assign,assignment]
            try:
                super().__init__(context)
            finally:
                context.on_error = on_error  # type: ignore[method-assign]
            if reported:
                raise ApiError(f"{reported[0].message} ({setting})", ErrorCode.QUERY_TOO_COMPLEX)

    return Refusing


@functools.cache
def rules(max_depth: int, max_aliases: int) -> tuple[type[ASTValidationRule], ...]:
    """The validation rules that hold a document to these limits (made once per pair)."""
    depth = QueryDepthLimiter(max_depth=max_depth - 1, callback=_deeper_than(max_depth))
    aliases = MaxAliasesLimiter(max_alias_count=max_aliases)
    return (
        *depth.validation_rules,
        *(_refusing(r, "JOURNEYGRAPH_MAX_ALIASES") for r in aliases.validation_rules),
    )


class ShapeLimits(SchemaExtension):
    """Adds the rules above, at the request's settings, to the request's validation."""

    def on_operation(self) -> Iterator[None]:
        settings = self.execution_context.context.settings
        execution = self.execution_context
        execution.validation_rules = execution.validation_rules + rules(
            settings.max_depth, settings.max_aliases
        )
        yield
