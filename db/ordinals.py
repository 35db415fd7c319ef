"""Contacts' ordinals a server process remembers, so acknowledging a known contact's event looks nothing up.

Each event of a type counted in distinct contacts is queued with its contact's
ordinal (contacts.ordinal). Looking it up in PostgreSQL cost about 6 µs per
event, a fifth of acknowledging's share of PostgreSQL (docs/performance.md,
"Stop 33" and "Stop 35"). An ordinal never changes once committed: contacts are never
renumbered, deleted or merged. So a committed ordinal can be remembered for the
life of the process, by every worker on its own, and the tail's ordinals stay
those of `contacts`.

Only committed ordinals are learned: `ingest` hands over the ones its batch
numbered after its transaction commits. An ordinal numbered in a transaction
that rolled back is never used again (an identity's values are not given back),
so remembering it would count the contact as someone else.

At most `limit` contacts are kept; past that, each workspace drops its oldest
learned, down to three quarters of the limit in all, and looks them up again
when they come back. A limit of 0 remembers nothing.
"""

from __future__ import annotations

import uuid
from itertools import islice
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Mapping


class Ordinals:
    """Per workspace, contact id → ordinal, for contacts whose ordinal is committed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._known: dict[uuid.UUID, dict[str, int]] = {}

    def __len__(self) -> int:
        return sum(len(contacts) for contacts in self._known.values())

    def get(self, workspace_id: uuid.UUID, contact_id: str) -> int | None:
        known = self._known.get(workspace_id)
        return known.get(contact_id) if known is not None else None

    def learn(self, workspace_id: uuid.UUID, committed: Mapping[str, int]) -> None:
        """Remember ordinals read from, or numbered in, a committed transaction."""
        if not self.limit:
            return
        self._known.setdefault(workspace_id, {}).update(committed)
        size = len(self)
        if size > self.limit:
            # every workspace keeps its newest, as large a share as brings the whole to three quarters
            # of the limit; in bulk, since deleting from a dict's front one key at a time is quadratic
            share = self.limit * 3 // 4 / size
            for workspace, contacts in list(self._known.items()):
                keep = int(len(contacts) * share)
                self._known[workspace] = dict(islice(contacts.items(), len(contacts) - keep, None))
            self._known = {w: c for w, c in self._known.items() if c}
