"""Settings from JOURNEYGRAPH_* variables (pydantic-settings): defaults, bounds, and errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeygraph.core.settings import Settings, SettingsError


def test_variables_set_their_settings_and_empty_ones_leave_the_default():
    settings = Settings.from_env(
        {
            "JOURNEYGRAPH_MAX_DEPTH": "15",
            "JOURNEYGRAPH_DATA_DIR": "/srv/journeygraph",
            "JOURNEYGRAPH_DATABASE_URL": "",
            "JOURNEYGRAPH_CACHE_MAX_AGE": "0",
            "UNRELATED": "x",
        }
    )

    assert settings.max_depth == 15
    assert settings.data_dir == Path("/srv/journeygraph")
    assert settings.database_url is None and settings.embedded  # empty is unset
    assert settings.cache_max_age == 0 and settings.max_aliases == 40


@pytest.mark.parametrize(
    ("variable", "value", "says"),
    [
        ("JOURNEYGRAPH_MAX_DEPTH", "deep", "valid integer"),
        ("JOURNEYGRAPH_MAX_TOKENS", "0", "greater than or equal to 1"),
        ("JOURNEYGRAPH_CACHE_MAX_AGE", "-1", "greater than or equal to 0"),
        ("JOURNEYGRAPH_DB_POOL_SIZE", "1.5", "valid integer"),
        ("JOURNEYGRAPH_DB_PARALLEL_WORKERS", "-1", "greater than or equal to 0"),
        ("JOURNEYGRAPH_CONTACT_CACHE", "-1", "greater than or equal to 0"),
    ],
)
def test_a_bad_value_is_refused_naming_its_variable_and_value(variable, value, says):
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({variable: value})

    assert str(refused.value).startswith(f"{variable}: ")
    assert says in str(refused.value) and repr(value) in str(refused.value)


def test_settings_built_in_code_ignore_the_environment(monkeypatch):
    monkeypatch.setenv("JOURNEYGRAPH_MAX_DEPTH", "3")

    assert Settings(database_url="postgresql://x/y").max_depth == 12
    assert Settings.from_env().max_depth == 3


def test_settings_cannot_change_once_made():
    settings = Settings()
    with pytest.raises(ValueError, match="frozen"):
        settings.max_depth = 99  # type: ignore[misc]
