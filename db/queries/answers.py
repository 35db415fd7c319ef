"""Answers of figures statements, remembered while their journeys' figures cannot have changed.

A journey's stored figures (rollups and contact sets) change only in a fold or a
rebuild, and each of those writes the journey's `journey_folds` row in its own
transaction (db/queries/fold.py, db/queries/rollups.py). So when, in one
snapshot, every journey a statement reads has the `journey_folds` rows it had
before and nothing of theirs is queued in the tail, the statement's answer is
the one it gave before: the same stored rows, no queued event.

Every figures statement (db/queries/performance.py) therefore starts with a
`guard`, read in the statement's own snapshot: a fingerprint of its journeys'
rows (NULL when a journey has none or has events queued: such an answer is not
kept), and whether that fingerprint is the one of the answer this process
remembers for the same statement and parameters (`known`). When it is, every
other part of the statement is switched off by a one-time filter and answers
nothing, and the remembered answer is handed out; otherwise the statement reads
as it always did, and its answer is remembered with its fingerprint. Either way
it is one statement, one snapshot: an event acknowledged before it started is in
its answer, and the statement count of a canvas does not change.

A canvas drawn again with nothing new in its journey (several people looking at
one journey, a canvas polling for live numbers between two folds) costs the
guard's two look-ups in the database instead of reading its weeks and days of
rollups and contact sets. Memory is bounded: past `LIMIT` remembered rows, the
older half is forgotten.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from journeygraph.db.driver import Statement

LIMIT = 100_000  # rows of remembered answers per process (a 31-day canvas: about 1,500)
# The statement's journeys' fold rows, in the order the statement names them, as one fingerprint
# (md5 of their transaction ids); NULL when a journey has never been folded or has events queued.
GUARD = """WITH guard AS MATERIALIZED (
        SELECT fingerprint, coalesce(fingerprint = CAST(:known AS uuid), false) AS known FROM (
            SELECT CASE WHEN count(f.folded) = count(*) AND NOT EXISTS (
                    SELECT 1 FROM event_tail t WHERE t.workspace_id = :workspace_id
                    AND t.journey_id = ANY(CAST(:journeys AS uuid[])))
                THEN CAST(md5(string_agg(CAST(f.folded AS text), ',' ORDER BY j.n)) AS uuid) END AS fingerprint
            FROM unnest(CAST(:journeys AS uuid[])) WITH ORDINALITY AS j(id, n)
            LEFT JOIN journey_folds f ON f.workspace_id = :workspace_id AND f.journey_id = j.id) AS v)"""
# Added to every part of a statement that reads figures: no rows when the answer is known.
UNLESS_KNOWN = "NOT (SELECT known FROM guard)"


class Answers:
    """Answers by (statement, parameters), each with the fingerprint it was read under."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit, self.size = limit, 0
        self._found: dict[Hashable, tuple[uuid.UUID, dict[Any, Any]]] = {}

    @staticmethod
    def key(statement: Statement, params: Mapping[str, Any]) -> Hashable:
        """What an answer depends on besides the data: the statement and its parameters."""
        return statement, tuple(_frozen(params[name]) for name in statement.names if name != "known")

    def fingerprint(self, key: Hashable) -> uuid.UUID | None:
        """The fingerprint of the answer remembered for `key` (the statement's `known`), if any."""
        found = self._found.get(key)
        return None if found is None else found[0]

    def answer(self, key: Hashable) -> dict[Any, Any]:
        """The answer remembered for `key` (a copy: the caller may add to it)."""
        return dict(self._found[key][1])

    def keep(self, key: Hashable, fingerprint: uuid.UUID, answer: dict[Any, Any]) -> None:
        old = self._found.pop(key, None)
        if old is not None:
            self.size -= len(old[1])
        self._found[key] = (fingerprint, dict(answer))
        self.size += len(answer)
        if self.size > self.limit:  # forget the older half: rare, and cheaper than tracking use
            for forgotten in list(self._found)[: len(self._found) // 2 + 1]:
                del self._found[forgotten]
            self.size = sum(len(found) for _, found in self._found.values())


def _frozen(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value
