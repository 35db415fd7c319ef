"""Clocks on the product's own functions, for the benchmarks that take a fold apart."""

from __future__ import annotations

import time
from typing import Any


class Clock:
    """Seconds spent in `module.name` while this clock is on: the function is wrapped on entering
    (or by `start`) and put back on leaving."""

    def __init__(self, module: Any, name: str) -> None:
        self.module, self.name, self.seconds = module, name, 0.0
        self.original = getattr(module, name)

    async def _timed(self, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await self.original(*args, **kwargs)
        finally:
            self.seconds += time.perf_counter() - started

    def start(self) -> Clock:
        setattr(self.module, self.name, self._timed)
        return self

    def __enter__(self) -> Clock:
        return self.start()

    def __exit__(self, *_: object) -> None:
        setattr(self.module, self.name, self.original)
