"""The folder: a server process's background task that folds the tail into the rollups.

Every worker runs one; the fold lock (db/queries/fold.py) lets one fold at a
time and the others find nothing to do. A fold that moved anything is followed
at once by the next, so the tail stays as short as the folder's pace allows
(every query reads it); an empty tail is looked at again after `idle` seconds. Queries read the tail as well as the rollups, so how far behind the
folder is changes how much a query reads, never what it answers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING

from journeygraph.db.queries.fold import fold, queued_workspace, vacuum_tail

if TYPE_CHECKING:
    from collections.abc import Callable

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

logger = logging.getLogger("journeygraph.folder")
RETRY_AFTER = 1.0  # seconds after a failed fold (the database restarting, say)
VACUUM_EVERY = 50_000  # events folded between two vacuums of the tail (and once more when it is empty)


class Folder:
    """Folds batches of `batch` events until stopped."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reads: async_sessionmaker[AsyncSession],
        batch: int,
        idle: float = 0.2,
        vacuum_every: int = VACUUM_EVERY,
        on_fold: Callable[[int, float], None] | None = None,
    ) -> None:
        """`reads`: autocommit sessions (db.engine.create_reader), to look at the tail without a
        transaction and to vacuum it; `on_fold(events, seconds)`: told of each fold that moved
        events, once it committed (the metrics)."""
        self.sessions = sessions
        self.reads = reads
        self.batch = batch
        self.idle = idle
        self.vacuum_every = vacuum_every
        self.on_fold = on_fold
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journeygraph-folder")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        folded = 0  # events this folder moved since it last vacuumed the tail
        kept = False  # whether that vacuum kept the tail's empty pages (events were still queued)
        while True:
            try:
                # an idle folder looks without a transaction: no BEGIN/COMMIT five times a second
                async with self.reads() as session:
                    waiting = await queued_workspace(session)
                moved = 0
                if waiting is not None:
                    started = time.perf_counter()
                    async with self.sessions.begin() as session:
                        moved = await fold(session, self.batch)
                    if moved and self.on_fold is not None:
                        self.on_fold(moved, time.perf_counter() - started)
                folded += moved
                # every `vacuum_every` events, and once when the tail is empty (its pages then all
                # given back), not at autovacuum's pace (docs/decisions.md, "Figures"); while events
                # are queued, the pages are kept for them (vacuum_tail)
                empty = waiting is None
                if folded >= self.vacuum_every or ((folded or kept) and empty):
                    async with self.reads() as session:
                        await vacuum_tail(session, give_back=empty)
                    folded, kept = 0, not empty
            except Exception:  # an outage, or a bug: the events stay in the tail, still counted
                logger.exception("folding failed; retrying in %s s", RETRY_AFTER)
                await asyncio.sleep(RETRY_AFTER)
                continue
            if not moved:  # nothing queued, or another process's folder at work
                await asyncio.sleep(self.idle)
