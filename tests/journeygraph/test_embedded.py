"""The embedded PostgreSQL starts with settings sized for the machine (journeygraph/embedded.py)."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from journeygraph import embedded

GIB = 1024**3


@pytest.mark.parametrize(
    ("memory", "shared"),
    [(2 * GIB, "512MB"), (8 * GIB, "2048MB"), (64 * GIB, "4096MB"), (256 * 1024**2, "128MB")],
)
def test_shared_buffers_are_a_quarter_of_memory_between_128_mb_and_4_gb(memory, shared):
    assert embedded.settings(memory)["shared_buffers"] == shared


@pytest.mark.parametrize(
    ("memory", "wal"),
    [(2 * GIB, "32MB"), (8 * GIB, "128MB"), (64 * GIB, "256MB"), (256 * 1024**2, "16MB")],
)
def test_wal_buffers_are_a_sixteenth_of_shared_buffers_between_16_and_256_mb(memory, wal):
    assert embedded.settings(memory)["wal_buffers"] == wal


async def test_the_embedded_server_runs_with_them(app):
    if os.environ.get("JOURNEYGRAPH_DATABASE_URL"):
        pytest.skip("the tests use the server JOURNEYGRAPH_DATABASE_URL names, not the embedded one")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    wanted = embedded.settings(memory)
    async with app.state.engine.connect() as connection:
        for name in ("shared_buffers", "wal_buffers", "work_mem", "max_wal_size"):
            shown = await connection.scalar(sa.text(f"SHOW {name}"))
            assert _mb(shown) == _mb(wanted[name]), name


def _mb(value: str) -> int:
    """'4GB' or '4096MB' as 4096."""
    return int(value[:-2]) * {"MB": 1, "GB": 1024}[value[-2:]]
