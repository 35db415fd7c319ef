"""Keep-alive connections spread over the processes of `serve --workers N`.

The workers accept from one listening socket. When several clients connect at
once, the worker whose event loop wakes first accepts every connection waiting,
and a keep-alive connection stays with the worker that accepted it: four people
opening the canvas together (or a proxy's few upstream connections) can all be
served by one worker while another idles. Measured at four concurrent canvases
on the 10M-event benchmark, 5 runs of 12 served every request on one worker,
at 30-37 requests/s against 49-58 when both served (docs/performance.md).

So each worker keeps its number of requests in progress in a small file every
worker maps, a slot each (`Loads`). A worker that answers while it has at least
two more requests in progress than the least busy live worker, and half as many
again, answers with `Connection: close` (`Spread`): the client connects again,
and a worker with less to do, waiting on the socket, is the first to take it.
"""

from __future__ import annotations

import contextlib
import fcntl
import mmap
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    from starlette.types import ASGIApp, Message, Receive, Scope, Send

SLOTS = 64  # as many as `serve --workers` allows
_FIELDS = 2  # a slot: the worker's pid (0: free), its requests in progress
_CLOSE = (b"connection", b"close")


def create_loads_file() -> Path:
    """A file of free slots for the workers of one `serve` (the caller removes it when done)."""
    handle, name = tempfile.mkstemp(prefix="journeygraph-loads-")
    with os.fdopen(handle, "wb") as file:
        file.write(bytes(SLOTS * _FIELDS * 8))
    return Path(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the pid: not a worker of ours
        return False
    return True


class Loads:
    """This worker's slot in the shared file, and every other worker's requests in progress."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with path.open("r+b") as file:
            self._slots = memoryview(mmap.mmap(file.fileno(), SLOTS * _FIELDS * 8)).cast("q")
        with self._locked():
            pids = [self._slots[i * _FIELDS] for i in range(SLOTS)]
            free = [i for i, pid in enumerate(pids) if pid == 0 or not _alive(pid)]
            if not free:
                raise RuntimeError(f"{path}: every one of its {SLOTS} worker slots is taken")
            self._own = free[0] * _FIELDS + 1
            self._slots[self._own - 1] = os.getpid()
            self._slots[self._own] = 0

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Slots change hands one worker at a time (the lock goes with the file's closing)."""
        with self._path.open("r+b") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
            yield

    @property
    def in_progress(self) -> int:
        return self._slots[self._own]

    def started(self) -> None:
        self._slots[self._own] += 1

    def finished(self) -> None:
        self._slots[self._own] -= 1

    def crowded(self) -> bool:
        """Whether this worker has at least two more requests in progress than the least busy
        live worker, and half as many again: the connection it answers had better move."""
        mine = self._slots[self._own]
        if mine < 2:
            return False
        slots = self._slots
        least, least_at = mine, -1
        for i in range(0, SLOTS * _FIELDS, _FIELDS):
            if slots[i] != 0 and i + 1 != self._own and slots[i + 1] < least:
                least, least_at = slots[i + 1], i
        if least_at < 0 or mine - least < 2 or 2 * mine < 3 * least:
            return False
        pid = slots[least_at]
        if _alive(pid):
            return True
        with self._locked():  # a worker killed without a word: its slot is free again
            if slots[least_at] == pid:
                slots[least_at] = 0
        return False


class Spread:
    """ASGI middleware: counts this worker's requests in progress, and closes the connection of
    an answer given while it is crowded (`Loads.crowded`)."""

    def __init__(self, app: ASGIApp, loads: Loads) -> None:
        self.app, self.loads = app, loads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loads = self.loads

        async def send_spread(message: Message) -> None:
            if message["type"] == "http.response.start" and loads.crowded():
                message["headers"] = [*message.get("headers", []), _CLOSE]
            await send(message)

        loads.started()
        try:
            await self.app(scope, receive, send_spread)
        finally:
            loads.finished()
