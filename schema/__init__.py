"""The GraphQL types of journeygraph, one module per domain; `query.Query` and
`mutation.Mutation` are the roots. journeygraph.execution.executable makes them a schema."""
