"""The embedded PostgreSQL starts with settings sized for the machine (journeygraph/embedded.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from journeygraph import embedded

GIB = 1024**3
DISK = 256 * GIB


@pytest.mark.parametrize(
    ("memory", "shared"),
    [(2 * GIB, "512MB"), (8 * GIB, "2048MB"), (64 * GIB, "4096MB"), (256 * 1024**2, "128MB")],
)
def test_shared_buffers_are_a_quarter_of_memory_between_128_mb_and_4_gb(memory, shared):
    assert embedded.settings(memory, DISK)["shared_buffers"] == shared


@pytest.mark.parametrize(
    ("memory", "wal"),
    [(2 * GIB, "32MB"), (8 * GIB, "128MB"), (64 * GIB, "256MB"), (256 * 1024**2, "16MB")],
)
def test_wal_buffers_are_a_sixteenth_of_shared_buffers_between_16_and_256_mb(memory, wal):
    assert embedded.settings(memory, DISK)["wal_buffers"] == wal


@pytest.mark.parametrize(
    ("disk", "wal"),
    [
        (16 * GIB, "4096MB"),
        (64 * GIB, "4096MB"),
        (128 * GIB, "8192MB"),
        (256 * GIB, "16384MB"),
        (2048 * GIB, "16384MB"),
    ],
)
def test_checkpoints_come_after_a_sixteenth_of_the_disk_of_wal_between_4_and_16_gb(disk, wal):
    assert embedded.settings(8 * GIB, disk)["max_wal_size"] == wal


async def test_the_embedded_server_runs_with_them(app):
    if os.environ.get("JOURNEYGRAPH_DATABASE_URL"):
        pytest.skip("the tests use the server JOURNEYGRAPH_DATABASE_URL names, not the embedded one")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    async with app.state.engine.connect() as connection:
        data = Path(await connection.scalar(sa.text("SHOW data_directory")))
        wanted = embedded.settings(memory, embedded.disk_size(data))
        for name in ("shared_buffers", "wal_buffers", "work_mem", "max_wal_size", "checkpoint_timeout"):
            shown = await connection.scalar(sa.text(f"SHOW {name}"))
            assert _mb(shown) == _mb(wanted[name]), name


def _mb(value: str) -> int:
    """'4GB' or '4096MB' as 4096 (and '30min' as 30: a duration compared as it is)."""
    if value.endswith("min"):
        return int(value[:-3])
    return int(value[:-2]) * {"MB": 1, "GB": 1024}[value[-2:]]
