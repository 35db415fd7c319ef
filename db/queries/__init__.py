"""Every SQL statement of journeygraph, as plain async functions over a session."""
