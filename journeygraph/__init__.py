"""journeygraph: a GraphQL API for marketing customer journeys."""
