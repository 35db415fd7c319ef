"""journeygraph's benchmark: `python -m bench.run --help`. Not a test."""
