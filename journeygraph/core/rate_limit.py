"""Per-credential leaky buckets of query-cost points.

Each credential holds up to `burst` points and regains `per_second` points a
second. A request takes its requested (static) cost before it runs and gets
back the difference to its actual cost afterwards, as Shopify's GraphQL API
does: a canvas of five nodes does not pay for the thousand nodes its query
could have returned.

The buckets live in the process. With several replicas each one keeps its
own, so a credential may use up to N times the limit; docs/decisions.md
describes the shared store (one row per credential, updated atomically in
PostgreSQL or a Redis script) that makes the limit global.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

MAX_TRACKED = 100_000  # credentials remembered; the least recently seen full bucket goes first


@dataclass(frozen=True)
class Decision:
    """The outcome of taking points from a bucket."""

    allowed: bool
    available: float  # points left after this request (or now, when refused)
    retry_after: int  # whole seconds until the request could run; 0 when allowed


class RateLimiter:
    """Leaky buckets keyed by credential. Not shared between processes (see the module text)."""

    def __init__(self, per_second: int, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_second = per_second
        self.burst = burst
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (points, at)

    def _level(self, key: str, now: float) -> float:
        points, at = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), points + (now - at) * self.per_second)

    def _store(self, key: str, points: float, now: float) -> None:
        self._buckets[key] = (points, now)
        self._buckets.move_to_end(key)
        while len(self._buckets) > MAX_TRACKED:
            self._buckets.popitem(last=False)

    def level(self, key: str) -> float:
        """The points `key` holds now."""
        return self._level(key, self.clock())

    def take(self, key: str, cost: int) -> Decision:
        """Take `cost` points if the bucket holds them; otherwise say how long to wait."""
        now = self.clock()
        level = self._level(key, now)
        if cost <= level:
            self._store(key, level - cost, now)
            return Decision(True, level - cost, 0)
        self._store(key, level, now)
        return Decision(False, level, max(1, math.ceil((cost - level) / self.per_second)))

    def give_back(self, key: str, points: int) -> float:
        """Return unused points (requested minus actual cost); the new level."""
        now = self.clock()
        level = min(float(self.burst), self._level(key, now) + max(points, 0))
        self._store(key, level, now)
        return level
