"""Settings read from `JOURNEYGRAPH_*` environment variables.

One `Settings` object is used by the app, the CLI and Alembic, so every entry
point agrees on which database it talks to and which limits apply.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PREFIX = "JOURNEYGRAPH_"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


def _int(env: dict[str, str], name: str, default: int, minimum: int = 1) -> int:
    raw = env.get(PREFIX + name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be an integer, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name} must be at least {minimum}, got {value}")
    return value


def _optional(env: dict[str, str], name: str) -> str | None:
    value = env.get(PREFIX + name)
    return value if value else None


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a journeygraph process."""

    database_url: str | None = None
    read_database_url: str | None = None  # a read replica for performance figures
    data_dir: Path = Path(".journeygraph")
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    max_page_size: int = 100
    max_ids: int = 100
    max_canvas_nodes: int = 1000
    max_canvas_paths: int = 2000
    db_pool_size: int = 10
    max_events: int = 10_000
    max_events_body: int = 10 * 1024 * 1024
    max_depth: int = 12
    max_aliases: int = 40
    max_tokens: int = 10_000
    max_query_body: int = 1024 * 1024
    max_query_cost: int = 25_000
    rate_limit_per_second: int = 20_000  # cost points a credential regains per second
    rate_limit_burst: int = 100_000  # the most points a credential can hold
    db_connect_timeout: int = 5  # seconds; an unreachable database fails requests this fast
    metrics_token: str | None = None  # when set, /metrics wants `Authorization: Bearer <it>`
    cache_max_age: int = 0  # seconds a GET of a persisted query may be reused without asking again

    @property
    def embedded(self) -> bool:
        """True when no database URL is configured and the embedded PostgreSQL is used."""
        return self.database_url is None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read settings from the environment (or the given mapping)."""
        env = dict(os.environ if environ is None else environ)
        return cls(
            database_url=_optional(env, "DATABASE_URL"),
            read_database_url=_optional(env, "READ_DATABASE_URL"),
            data_dir=Path(env.get(PREFIX + "DATA_DIR") or ".journeygraph"),
            jwt_secret=_optional(env, "JWT_SECRET"),
            jwt_public_key=_optional(env, "JWT_PUBLIC_KEY"),
            max_page_size=_int(env, "MAX_PAGE_SIZE", 100),
            max_ids=_int(env, "MAX_IDS", 100),
            max_canvas_nodes=_int(env, "MAX_CANVAS_NODES", 1000),
            max_canvas_paths=_int(env, "MAX_CANVAS_PATHS", 2000),
            db_pool_size=_int(env, "DB_POOL_SIZE", 10),
            max_events=_int(env, "MAX_EVENTS", 10_000),
            max_events_body=_int(env, "MAX_EVENTS_BODY", 10 * 1024 * 1024),
            max_depth=_int(env, "MAX_DEPTH", 12),
            max_aliases=_int(env, "MAX_ALIASES", 40),
            max_tokens=_int(env, "MAX_TOKENS", 10_000),
            max_query_body=_int(env, "MAX_QUERY_BODY", 1024 * 1024),
            max_query_cost=_int(env, "MAX_QUERY_COST", 25_000),
            rate_limit_per_second=_int(env, "RATE_LIMIT_PER_SECOND", 20_000),
            rate_limit_burst=_int(env, "RATE_LIMIT_BURST", 100_000),
            db_connect_timeout=_int(env, "DB_CONNECT_TIMEOUT", 5),
            metrics_token=_optional(env, "METRICS_TOKEN"),
            cache_max_age=_int(env, "CACHE_MAX_AGE", 0, minimum=0),
        )

    def __post_init__(self) -> None:
        if self.rate_limit_burst < self.max_query_cost:
            raise SettingsError(
                f"{PREFIX}RATE_LIMIT_BURST ({self.rate_limit_burst}) must be at least "
                f"{PREFIX}MAX_QUERY_COST ({self.max_query_cost}), or the costliest allowed query could never run"
            )
