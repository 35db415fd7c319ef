"""The house's layout holds: one top-level package, and layers that only point down."""

from __future__ import annotations

import importlib.metadata
import pkgutil
import subprocess
import sys
import tomllib
from pathlib import Path

import journeygraph

ROOT = Path(__file__).resolve().parents[2]


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (contract,) = config["contracts"]
    return contract["layers"]


def test_the_layers_contract_is_kept() -> None:
    # import-linter reads [tool.importlinter] in pyproject.toml; a module importing from a
    # layer above its own breaks the contract, and the output names the import and its line.
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


def test_every_module_of_the_package_has_a_layer() -> None:
    # A module the contract does not name is not checked at all: a new one must be placed.
    named = {part.strip() for layer in _layers() for part in layer.replace(":", "|").split("|")}
    modules = {module.name for module in pkgutil.iter_modules(journeygraph.__path__)}
    assert modules - named == set(), "modules of journeygraph in no layer of pyproject.toml"
    assert named - modules == set(), "layers naming modules that do not exist"


def test_every_package_is_installed() -> None:
    # setuptools installs the packages pyproject.toml lists; one left out is missing from a wheel.
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {"journeygraph"} | {
        module.name
        for module in pkgutil.walk_packages(journeygraph.__path__, "journeygraph.")
        if module.ispkg
    }
    assert found == listed


def test_the_install_adds_one_top_level_package(tmp_path: Path) -> None:
    top_level = importlib.metadata.distribution("journeygraph").read_text("top_level.txt")
    assert top_level is not None and top_level.split() == ["journeygraph"]
    # Outside the checkout (so the current directory does not lend its folders), the folders
    # schema/, resolvers/ and db/ import under journeygraph only.
    probe = (
        "import importlib.util as u, journeygraph.schema.query, journeygraph.resolvers.performance, "
        "journeygraph.db.queries.fold; print([u.find_spec(n) is None for n in ('schema', 'resolvers', 'db')])"
    )
    result = subprocess.run(
        [sys.executable, "-I", "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[True, True, True]"
