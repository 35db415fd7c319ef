"""The settings, errors and words every layer shares; it imports nothing of journeygraph."""
