"""bench/cpu.py: the CPU a pass costs, read from /proc, for the server's processes and PostgreSQL's."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import asyncpg
import pytest

from bench import cpu
from bench.run import plain_url

# A child that spins until it has used this much CPU itself.
SPIN = 0.3
_SPINNER = f"import time\nwhile time.process_time() < {SPIN}: pass"


def test_a_tree_keeps_the_cpu_of_children_that_have_exited():
    # given the CPU this process's tree has spent so far
    before = cpu.tree_seconds(os.getpid())

    # when a child spends SPIN seconds of CPU and exits
    subprocess.run([sys.executable, "-c", _SPINNER], check=True)

    # then the tree counts them (the child's own, in cutime once it was waited for)
    after = cpu.tree_seconds(os.getpid())
    assert before is not None and after is not None
    assert after - before >= SPIN * 0.8  # the kernel counts in clock ticks, Python more finely


def test_a_process_that_is_gone_has_no_reading():
    # given a child that has exited and been waited for
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()

    # then its pid reads as nothing
    assert cpu.tree_seconds(child.pid) is None


async def test_the_local_postgresql_is_found_and_its_backends_cpu_counted(server_url, embedded_data_dir):
    if embedded_data_dir is None:
        pytest.skip("JOURNEYGRAPH_DATABASE_URL names a server that may be on another machine")
    # given the embedded server, whose postmaster writes its pid first in postmaster.pid
    written = int((embedded_data_dir / "pgdata" / "postmaster.pid").read_text().split()[0])

    # when it is looked for through a connection
    found = await cpu.postmaster(plain_url(server_url))

    # then it is that process
    assert found == written
    # and a backend's work counts, even after its connection has closed and the backend has exited
    before = cpu.tree_seconds(found)
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        await connection.execute(  # a backend spinning for SPIN seconds
            f"DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() + interval '{SPIN} s' LOOP END LOOP; END $$"
        )
    finally:
        await connection.close()
    for _ in range(100):  # until the postmaster has waited for it
        if cpu.tree_seconds(backend) is None:
            break
        await asyncio.sleep(0.05)
    after = cpu.tree_seconds(found)
    assert before is not None and after is not None
    assert after - before >= SPIN * 0.5  # the backend spun SPIN s of wall time; a busy host may take some


async def test_a_connections_backend_is_told_from_postgresqls_own_processes(server_url, embedded_data_dir):
    if embedded_data_dir is None:
        pytest.skip("JOURNEYGRAPH_DATABASE_URL names a server that may be on another machine")
    postmaster = await cpu.postmaster(plain_url(server_url))
    assert postmaster is not None
    connection = await asyncpg.connect(plain_url(server_url))
    try:
        # given this connection's backend and the server's own processes, as PostgreSQL lists them
        backend = await connection.fetchval("SELECT pg_backend_pid()")
        own = await connection.fetch(
            "SELECT pid, backend_type FROM pg_stat_activity WHERE backend_type IN ('walwriter', 'checkpointer')"
        )
        assert {r["backend_type"] for r in own} == {"walwriter", "checkpointer"}

        # then the backend is a connection's, and they are not
        assert cpu.is_connection(backend)
        assert not any(cpu.is_connection(r["pid"]) for r in own)

        # and when the backend spins while its connection stays open, the connections' CPU grows by it
        before = cpu.postgres_seconds(postmaster)
        await connection.execute(
            f"DO $$ BEGIN WHILE clock_timestamp() < statement_timestamp() + interval '{SPIN} s' LOOP END LOOP; END $$"
        )
        after = cpu.postgres_seconds(postmaster)
    finally:
        await connection.close()
    assert before is not None and after is not None
    assert after[1] - before[1] >= SPIN * 0.5  # SPIN s of wall time; a busy host may give it less CPU


def test_spent_is_per_event_between_two_readings():
    # given two readings 1,000 ticks apart, 250 of them idle, the server 0.5 s and PostgreSQL 1.5 s
    # apart, 1.2 s of which in its connections' backends (the rest 6.0 s, then 6.3)
    before = cpu.Reading(machine=(100, 1_000), server=2.0, postgres=(6.0, 4.0))
    after = cpu.Reading(machine=(350, 2_000), server=2.5, postgres=(6.3, 5.2))

    # when 10,000 events were acknowledged between them
    spent = cpu.spent(before, after, 10_000)

    # then
    assert spent["machine_busy"] == pytest.approx(0.75)
    assert spent["server_us_per_event"] == pytest.approx(50.0)
    assert spent["postgres_us_per_event"] == pytest.approx(150.0)
    assert spent["postgres_background_us_per_event"] == pytest.approx(30.0)


def test_a_gauge_that_could_not_be_read_is_none():
    # given PostgreSQL on another machine (no pid to read) and no /proc/stat
    before = cpu.Reading(machine=None, server=1.0, postgres=None)
    after = cpu.Reading(machine=None, server=2.0, postgres=None)

    # then only the server's CPU is said
    assert cpu.spent(before, after, 1_000) == {
        "machine_busy": None,
        "server_us_per_event": 1_000.0,
        "postgres_us_per_event": None,
        "postgres_background_us_per_event": None,
    }
