"""Resolvers: GraphQL arguments in, database rows and results out."""
