"""The async engine and session factory, and the URL rules that feed them."""

from __future__ import annotations

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from journeygraph.core.settings import Settings


def async_url(url: str) -> str:
    """Turn a `postgresql://` (or `postgres://`) URL into the asyncpg driver's form."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+asyncpg"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(
        f"JOURNEYGRAPH_DATABASE_URL must be a postgresql:// URL, got driver {parsed.drivername!r}"
    )


# The settings' own defaults (JOURNEYGRAPH_DB_POOL_SIZE, JOURNEYGRAPH_DB_CONNECT_TIMEOUT), not copies.
_POOL_SIZE: int = Settings.model_fields["db_pool_size"].default
_CONNECT_TIMEOUT: int = Settings.model_fields["db_connect_timeout"].default
_PARALLEL_WORKERS: int = Settings.model_fields["db_parallel_workers"].default


def create_engine(
    url: str,
    pool_size: int = _POOL_SIZE,
    connect_timeout: int = _CONNECT_TIMEOUT,
    parallel_workers: int = _PARALLEL_WORKERS,
) -> AsyncEngine:
    """Create the process-wide engine.

    Prepared statements make PostgreSQL switch to generic plans after five runs,
    which is slow for range aggregates; custom plans keep each run planned for
    its own parameters. `parallel_workers` is each statement's
    max_parallel_workers_per_gather (JOURNEYGRAPH_DB_PARALLEL_WORKERS): a canvas runs its
    statements side by side already, and a worker per statement on top of them
    only crowds the cores the folder and ingestion need (docs/performance.md).
    """
    return create_async_engine(
        async_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        # A traceback in the log must not carry contact ids, event ids or names: statements
        # are logged without their parameters.
        hide_parameters=True,
        # No pre-ping: asyncpg's wraps its probe in BEGIN/ROLLBACK (for PgBouncer), three round
        # trips on every checkout, a dozen checkouts per canvas. A connection that died (the
        # database restarted) fails its request instead: SQLAlchemy then drops every pooled
        # connection, the request answers 503 UNAVAILABLE with Retry-After (journeygraph.outage),
        # and the next one connects afresh (tests/journeygraph/test_outage.py).
        # UTC sessions: dates and timestamps convert the same way whatever the server's default.
        connect_args={
            "server_settings": {
                "plan_cache_mode": "force_custom_plan",
                "timezone": "UTC",
                "max_parallel_workers_per_gather": str(parallel_workers),
            },
            "timeout": connect_timeout,  # an unreachable database fails requests fast
        },
    )


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded rows usable after commit (no hidden refresh queries)."""
    return async_sessionmaker(engine, expire_on_commit=False)


def create_reader(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for the loaders' reads, in autocommit: no BEGIN before and no ROLLBACK after.

    A loader runs one statement per batch (or a few, each answering on its own); under READ
    COMMITTED each statement sees its own snapshot either way, so the transaction bought
    nothing but two round trips per batch — a dozen per canvas. Writes never use these.
    """
    return async_sessionmaker(engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False)
