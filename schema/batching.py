"""How a field asks to be resolved for a whole list at once.

A strawberry field whose metadata holds BATCH is called once per list of sources, not once
per source: `async (info, sources, arguments) -> one value per source`, arguments by their
GraphQL names, as graphql-core coerced them. journeygraph.execution.executor reads it.
"""

BATCH = "journeygraph.batch"
