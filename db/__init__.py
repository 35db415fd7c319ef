"""Persistence: models, the engine and every SQL query of journeygraph."""
