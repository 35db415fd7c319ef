"""Settings read from `JOURNEYGRAPH_*` environment variables, with pydantic-settings.

One `Settings` object is used by the app, the CLI and Alembic, so every entry
point agrees on which database it talks to and which limits apply. Each
setting is declared once below, with its default and its bounds; the
variable is its name in capitals after `JOURNEYGRAPH_` (an empty one counts
as unset). `Settings(...)` in code takes only what it is given;
`Settings.from_env()` reads the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Self

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, SettingsConfigDict

PREFIX = "JOURNEYGRAPH_"

Positive = Annotated[int, Field(ge=1)]


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names its variable."""


class _Environment(EnvSettingsSource):
    """The JOURNEYGRAPH_* variables of `environ` (os.environ unless another mapping is given)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self.environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # not case-sensitive, as pydantic-settings' own source: names are compared in lower case
        return {name.lower(): value for name, value in self.environ.items() if value != ""}


class Settings(BaseSettings):
    """Everything configurable about a journeygraph process."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, frozen=True, extra="ignore")

    database_url: str | None = None
    read_database_url: str | None = None  # a read replica for performance figures
    data_dir: Path = Path(".journeygraph")
    jwt_secret: str | None = None
    jwt_public_key: str | None = None
    max_page_size: Positive = 100
    max_ids: Positive = 100
    max_canvas_nodes: Positive = 1000
    max_canvas_paths: Positive = 2000
    db_pool_size: Positive = 10
    max_events: Positive = 10_000
    max_events_body: Positive = 10 * 1024 * 1024
    max_depth: Positive = 12
    max_aliases: Positive = 40
    max_tokens: Positive = 10_000
    max_query_body: Positive = 1024 * 1024
    max_query_cost: Positive = 25_000
    rate_limit_per_second: Positive = 20_000  # cost points a credential regains per second
    rate_limit_burst: Positive = 100_000  # the most points a credential can hold
    db_connect_timeout: Positive = 5  # seconds; an unreachable database fails requests this fast
    # PostgreSQL's parallel workers per statement (max_parallel_workers_per_gather) on the server's
    # connections: 0, since a canvas's statements already run side by side (docs/performance.md)
    db_parallel_workers: Annotated[int, Field(ge=0)] = 0
    metrics_token: str | None = None  # when set, /metrics wants `Authorization: Bearer <it>`
    cache_max_age: Annotated[int, Field(ge=0)] = 0  # seconds a GET of a persisted query may be reused
    folder: bool = True  # fold the event tail into the rollups in the background (journeygraph/folder.py)
    fold_batch: Positive = 50_000  # events one fold moves, in one transaction
    # contacts whose ordinals each server process remembers (db/ordinals.py); 0 remembers none
    contact_cache: Annotated[int, Field(ge=0)] = 500_000

    @property
    def embedded(self) -> bool:
        """True when no database URL is configured and the embedded PostgreSQL is used."""
        return self.database_url is None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """What the code passes, only: `from_env` hands the environment in as that."""
        return (init_settings,)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read settings from the environment (or the given mapping); SettingsError names a bad variable."""
        values: dict[str, Any] = _Environment(cls, os.environ if environ is None else environ)()
        try:
            return cls(**values)
        except ValidationError as error:
            raise SettingsError(_explain(error)) from None

    @model_validator(mode="after")
    def _budget_fits_the_bucket(self) -> Self:
        if self.rate_limit_burst < self.max_query_cost:
            raise ValueError(
                f"{PREFIX}RATE_LIMIT_BURST ({self.rate_limit_burst}) must be at least "
                f"{PREFIX}MAX_QUERY_COST ({self.max_query_cost}), or the costliest allowed query could never run"
            )
        return self


def _explain(error: ValidationError) -> str:
    """One line per bad setting, each naming its variable and the value it had."""
    lines = []
    for problem in error.errors(include_url=False):
        if not problem["loc"]:  # a rule across settings: its message names them
            lines.append(str(problem["msg"]).removeprefix("Value error, "))
            continue
        name = PREFIX + str(problem["loc"][0]).upper()
        message = str(problem["msg"])
        lines.append(f"{name}: {message[:1].lower()}{message[1:]}, got {problem['input']!r}")
    return "; ".join(lines)
