"""Stored figures remembered while their journeys' folds stay the same.

A journey's stored figures (rollups and contact sets) change only in a fold or a
rebuild, and each of those writes the journey's `journey_folds` row in its own
transaction (db/queries/fold.py, db/queries/rollups.py). So when, in one
snapshot, every journey a statement reads has the `journey_folds` rows it had
before, the stored rows the statement reads are the ones it read before.

Every figures statement (db/queries/performance.py) therefore starts with a
`guard`, read in the statement's own snapshot: a fingerprint of its journeys'
rows, and whether it is the one under which this process remembers the stored
part of the same statement's answer (`known`). When it is, every part that
reads stored rows is switched off by a one-time filter, and the remembered part
stands in for it; the tail of events not folded yet is read as always, in the
same snapshot, and added. So an event acknowledged before the statement started
is in its answer, each event is counted once (in the tail, or in the stored rows
of the fold that took it out of the tail, which changed the fingerprint), and it
is still one statement: a canvas's statement count does not change.

A canvas drawn again (several people looking at one journey, a canvas polling
for live numbers) costs the guard's look-ups and the tail instead of its weeks
and days of rollups and contact sets, until the next fold of its journey.
Memory is bounded: past `LIMIT` bytes remembered (as the caller reckons them:
counts a row, contact sets their serialized bytes), the older half is forgotten.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

from journeygraph.db.queries.bounded import Bounded

if TYPE_CHECKING:
    from journeygraph.db.driver import Statement

# Bytes of remembered stored figures per process (a 31-day canvas at 10M events holds about 4 MB).
LIMIT = 64 * 1024 * 1024
# The statement's journeys' fold rows, in the order the statement names them, as one fingerprint
# (md5 of their transaction ids); NULL when a journey has never been folded (it has no stored rows).
GUARD = """WITH guard AS MATERIALIZED (
        SELECT fingerprint, coalesce(fingerprint = CAST(:known AS uuid), false) AS known FROM (
            SELECT CASE WHEN count(f.folded) = count(*)
                THEN CAST(md5(string_agg(CAST(f.folded AS text), ',' ORDER BY j.n)) AS uuid) END AS fingerprint
            FROM unnest(CAST(:journeys AS uuid[])) WITH ORDINALITY AS j(id, n)
            LEFT JOIN journey_folds f ON f.workspace_id = :workspace_id AND f.journey_id = j.id) AS v)"""
# What a fold or a rebuild writes into each `journey_folds` row it changes: its transaction's id.
FOLDED_NOW = "CAST(CAST(pg_current_xact_id() AS text) AS bigint)"
# Added to every part of a statement that reads stored figures: no rows when they are known.
UNLESS_KNOWN = "NOT (SELECT known FROM guard)"


class Answers:
    """Stored parts of answers by (statement, parameters), each with the fingerprint it was read under."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._found: Bounded[tuple[uuid.UUID, dict[Any, Any]]] = Bounded(limit)

    @property
    def size(self) -> int:
        """Bytes remembered, as the callers reckoned them."""
        return self._found.size

    @staticmethod
    def key(statement: Statement, params: Mapping[str, Any]) -> Hashable:
        """What an answer depends on besides the stored rows: the statement and its parameters."""
        return statement, tuple(_frozen(params[name]) for name in statement.names if name != "known")

    def fingerprint(self, key: Hashable) -> uuid.UUID | None:
        """The fingerprint of the answer remembered for `key` (the statement's `known`), if any."""
        found = self._found.get(key)
        return None if found is None else found[0]

    def answer(self, key: Hashable) -> dict[Any, Any]:
        """The stored part remembered for `key` (a copy: the caller adds the tail to it)."""
        found = self._found.get(key)
        assert found is not None, key
        return dict(found[1])

    def keep(self, key: Hashable, fingerprint: uuid.UUID, answer: dict[Any, Any], size: int) -> None:
        """Remember `answer` (a copy) under `key` and `fingerprint`; `size`: about how many bytes it holds."""
        self._found.put(key, (fingerprint, dict(answer)), size)


def _frozen(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value
