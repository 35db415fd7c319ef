"""The operations under clients/queries, the clients generated from them, and the README's use of them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from graphql import parse, validate

from journeygraph import demo
from journeygraph.execution.executable import schema

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "clients" / "queries"
README = ROOT / "README.md"
DRIVE = Path(__file__).resolve().parent / "drive_python_client.py"
EXPECTED = {
    "Canvas", "Journeys", "ComparePeriods", "NodeDailySeries", "CreateJourney", "SaveCanvas", "RecordEvents",
    "NodeContacts", "Enrollments",
}  # fmt: skip


def _need_node() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed; the TypeScript generator needs them")


def test_every_operation_is_a_file_that_validates_against_the_schema():
    files = {path.stem: path.read_text() for path in QUERIES.glob("*.graphql")}
    assert set(files) == EXPECTED
    for name, text in files.items():
        assert validate(schema._schema, parse(text)) == [], name


def test_the_readme_and_graphiql_show_the_canvas_file():
    canvas = (QUERIES / "Canvas.graphql").read_text()
    assert canvas.strip() in README.read_text()
    assert demo.CANVAS_QUERY == canvas  # GraphiQL's pre-filled query is the file
    for name in EXPECTED:
        assert f"clients/queries/{name}.graphql" in README.read_text()


def test_the_committed_clients_equal_a_fresh_generation():
    _need_node()
    run = subprocess.run(
        [sys.executable, "clients/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stderr


def test_the_typescript_types_compile_with_a_typed_caller():
    _need_node()
    typescript = ROOT / "clients" / "typescript"
    if not (typescript / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=typescript, check=True
        )
    run = subprocess.run(
        ["node_modules/.bin/tsc", "--noEmit", "-p", "tsconfig.json"],
        cwd=typescript,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr


@pytest.fixture(scope="session")
def installed_client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv with only `pip install ./clients/python` in it (a copy, so no build
    files land in the repository): its python."""
    where = tmp_path_factory.mktemp("client")
    source = shutil.copytree(ROOT / "clients" / "python", where / "source")
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True, timeout=300)
    python = where / "venv" / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return python


def test_the_client_package_installs_with_its_own_dependencies(installed_client: Path):
    run = subprocess.run(
        [
            str(installed_client),
            "-I",
            "-c",
            "import journeygraph_client, httpx, pydantic; print(journeygraph_client.__file__)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "site-packages" in run.stdout and str(ROOT) not in run.stdout  # the installed copy


def test_the_installed_python_client_drives_the_live_server(installed_client: Path, live_server: str, api):
    # a fresh workspace's key (made through the in-process app; the live server shares its database);
    # the script imports nothing but the installed client and the standard library (-I: no repository path)
    run = subprocess.run(
        [str(installed_client), "-I", str(DRIVE), f"{live_server}/graphql", api.key],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "drove every operation"
