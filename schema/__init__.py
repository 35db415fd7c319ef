"""The GraphQL schema of journeygraph, built from one module per domain."""

from __future__ import annotations

import strawberry

from schema.masking import ShapeErrors
from schema.mutation import Mutation
from schema.query import Query

schema = strawberry.Schema(query=Query, mutation=Mutation, extensions=[ShapeErrors])


def export_sdl() -> str:
    """The schema as SDL, exactly as committed in `schema/schema.graphql`."""
    return schema.as_str() + "\n"
