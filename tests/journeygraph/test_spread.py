"""`serve --workers N` spreads keep-alive connections: a crowded worker sends the one it answers on."""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.spread import SLOTS, Loads, create_loads_file
from tests.conftest import free_port
from tests.journeygraph.test_crash import ready


@pytest.fixture
def shared() -> Iterator[Path]:
    path = create_loads_file()
    yield path
    path.unlink()


async def answers(settings, database_url, loads: Loads, times: int = 1) -> list[httpx.Response]:
    """`times` answers of /healthz from the real app, this worker's slot being `loads`."""
    app = create_app(settings, database_url, loads=loads)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://w") as client:
            return [await client.get("/healthz") for _ in range(times)]


def closes(response: httpx.Response) -> bool:
    return response.headers.get("connection") == "close"


async def test_a_worker_with_two_more_requests_in_progress_than_another_closes_the_connection(
    settings, database_url, shared
):
    mine, other = Loads(shared), Loads(shared)  # two workers' slots (in one process here)
    for _ in range(2):
        mine.started()  # two requests of this worker in progress: the one answered is the third

    # when the other worker has nothing to do, the connection moves
    assert [closes(r) for r in await answers(settings, database_url, mine)] == [True]
    assert mine.in_progress == 2  # the answered request is counted out again

    # when it has two, this one's three are not enough to move it
    other.started()
    other.started()
    assert [closes(r) for r in await answers(settings, database_url, mine)] == [False]

    # nor are 7 against 5: two more, but not half as many again
    for _ in range(4):
        mine.started()
    for _ in range(3):
        other.started()
    assert (mine.in_progress, other.in_progress) == (6, 5)
    assert [closes(r) for r in await answers(settings, database_url, mine)] == [False]


async def test_a_single_request_in_progress_never_closes_its_connection(settings, database_url, shared):
    mine, other = Loads(shared), Loads(shared)
    responses = await answers(settings, database_url, mine, times=3)
    assert [closes(r) for r in responses] == [False] * 3
    assert (mine.in_progress, other.in_progress) == (0, 0)


def gone_pid() -> int:
    """The pid of a process that has ended."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(gone.stdout)


async def test_a_killed_workers_slot_is_freed_and_does_not_draw_connections(settings, database_url, shared):
    mine, other = Loads(shared), Loads(shared)
    mine.started()
    mine.started()
    # the other slot's worker was killed without a word: its pid is gone, its count left at 0
    other._slots[other._own - 1] = gone_pid()

    assert [closes(r) for r in await answers(settings, database_url, mine)] == [False]
    assert other._slots[other._own - 1] == 0  # free for the worker started in its place
    assert Loads(shared)._own == other._own


def test_every_slot_taken_is_refused_with_the_file_named(shared):
    taken = [Loads(shared) for _ in range(SLOTS)]
    with pytest.raises(RuntimeError, match=f"{shared}: every one of its {SLOTS} worker slots is taken"):
        Loads(shared)
    assert len({loads._own for loads in taken}) == SLOTS


def _established(port: int) -> set[int]:
    """Socket inodes of established TCP connections to `port` on this machine, server side."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as lines:
            for line in list(lines)[1:]:
                fields = line.split()
                if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                    inodes.add(int(fields[9]))
    return inodes


def connections_per_worker(server: subprocess.Popen[bytes], port: int) -> list[int]:
    """How many of the established connections to `port` each worker process of `server` holds."""
    inodes = _established(port)
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    held = []
    for pid in children:
        sockets = 0
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            for fd in os.listdir(f"/proc/{pid}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{pid}/fd/{fd}")
                    if target.startswith("socket:[") and int(target[8:-1]) in inodes:
                        sockets += 1
        held.append(sockets)
    return held


def serve_two_workers(database_url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = ["serve", "--no-migrate", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with log.open("wb") as output:  # the child keeps its own handle
        return subprocess.Popen(
            [sys.executable, "-m", "journeygraph.cli", *command],
            env={**os.environ, "JOURNEYGRAPH_DATABASE_URL": database_url},
            stdout=subprocess.DEVNULL,
            stderr=output,
        )


async def both_started(log: Path, server: subprocess.Popen[bytes]) -> None:
    """Until each worker has started its app, and so listens: the first answers /readyz alone
    while the other is still starting, and connections made then can only go to the first."""
    for _ in range(600):
        assert server.poll() is None, logged(log)
        if logged(log).count("Application startup complete.") >= 2:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"the workers did not both start:\n{logged(log)}")


def logged(log: Path) -> str:
    """The log so far (a sync read: ruff's ASYNC240 keeps blocking file reads out of async code)."""
    return log.read_text()


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads connections from Linux's /proc")
async def test_four_clients_connecting_at_once_end_up_on_both_workers(database_url, tmp_path):
    # given `serve --workers 2`, as a user starts it, both workers started
    port = free_port()
    log = tmp_path / "serve.log"
    server = serve_two_workers(database_url, port, log)
    base = f"http://127.0.0.1:{port}"
    try:
        await ready(base, server)
        await both_started(log, server)
        # when four clients open their connections at once and keep them alive, each asking
        # again as soon as it is answered
        async with httpx.AsyncClient(base_url=base, limits=httpx.Limits(max_connections=4)) as client:

            async def viewer() -> None:
                for _ in range(40):
                    assert (await client.get("/readyz")).status_code == 200

            await asyncio.gather(*(viewer() for _ in range(4)))
            held = sorted(connections_per_worker(server, port))
        # then both workers hold some of them (uvicorn alone leaves all four on one in about
        # two runs of five: the worker that wakes first accepts every connection waiting)
        assert held[-2] >= 1, held
    finally:
        server.terminate()
        server.wait(timeout=30)
