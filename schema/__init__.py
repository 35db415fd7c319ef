"""The GraphQL schema of journeygraph, built from one module per domain."""

from __future__ import annotations

import strawberry
from strawberry.extensions import AddValidationRules

from schema.documents import Documents
from schema.execution import Executor
from schema.limits import QueryLimits
from schema.masking import ShapeErrors
from schema.mutation import Mutation
from schema.query import Query
from schema.text_rules import StorableText

schema = strawberry.Schema(
    query=Query,
    mutation=Mutation,
    execution_context_class=Executor,
    # A fresh extension per request; the document caches live at module level (schema/documents.py).
    extensions=[
        ShapeErrors,
        QueryLimits,
        Documents,
        lambda: AddValidationRules([StorableText]),
    ],
)


def export_sdl() -> str:
    """The schema as SDL, exactly as committed in `schema/schema.graphql`."""
    return schema.as_str() + "\n"
