"""The GraphQL schema of journeygraph, built from one module per domain."""

from __future__ import annotations

import strawberry
from strawberry.extensions import AddValidationRules, ParserCache, ValidationCache

from schema.execution import Executor
from schema.limits import QueryLimits
from schema.masking import ShapeErrors
from schema.mutation import Mutation
from schema.query import Query
from schema.text_rules import StorableText

# Bounded caches: a canvas client sends the same few documents again and again.
CACHED_DOCUMENTS = 1000
schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    execution_context_class=Executor,
    # Factories: a fresh extension per request; the caches themselves live at module level.
    extensions=[
        ShapeErrors,
        QueryLimits,
        lambda: ParserCache(maxsize=CACHED_DOCUMENTS),
        lambda: ValidationCache(maxsize=CACHED_DOCUMENTS),
        lambda: AddValidationRules([StorableText]),
    ],
)


def export_sdl() -> str:
    """The schema as SDL, exactly as committed in `schema/schema.graphql`."""
    return schema.as_str() + "\n"
