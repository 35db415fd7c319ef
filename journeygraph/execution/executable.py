"""The executable schema: the types of journeygraph.schema, run by this package's executor
and extensions (error shapes, limits, depth and aliases, the document cache, the text rule)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import AddValidationRules

from journeygraph.execution.documents import Documents
from journeygraph.execution.executor import Executor
from journeygraph.execution.limits import QueryLimits
from journeygraph.execution.masking import ShapeErrors
from journeygraph.execution.shape_limits import ShapeLimits
from journeygraph.execution.text_rules import StorableText
from journeygraph.schema.mutation import Mutation
from journeygraph.schema.query import Query

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    execution_context_class=Executor,
    # A fresh extension per request; the document caches live at module level (documents.py).
    extensions=[
        ShapeErrors,
        QueryLimits,
        ShapeLimits,
        Documents,
        lambda: AddValidationRules([StorableText]),
    ],
)


def export_sdl() -> str:
    """The schema as SDL, exactly as committed in `schema/schema.graphql`."""
    return schema.as_str() + "\n"
