"""A memo bounded by the bytes its entries are reckoned to hold (db/queries/unions.py, answers.py).

Past `limit` bytes, the older half of the entries is forgotten: rare, and cheaper than tracking use.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class Bounded(Generic[V]):
    """Values by key, each with the bytes the caller reckons it holds; at most `limit` in all."""

    def __init__(self, limit: int) -> None:
        self.limit, self.size = limit, 0
        self._entries: dict[Hashable, tuple[V, int]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable) -> V | None:
        found = self._entries.get(key)
        return None if found is None else found[0]

    def put(self, key: Hashable, value: V, size: int) -> None:
        """Remember `value` under `key` (replacing what was there) as `size` bytes."""
        old = self._entries.pop(key, None)
        if old is not None:
            self.size -= old[1]
        self._entries[key] = (value, size)
        self.size += size
        if self.size > self.limit:
            for forgotten in list(self._entries)[: len(self._entries) // 2 + 1]:
                del self._entries[forgotten]
            self.size = sum(size for _, size in self._entries.values())
