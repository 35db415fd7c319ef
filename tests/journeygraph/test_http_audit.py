"""The graphql-http audit suite (every MUST, SHOULD and MAY audit) against the real server.

It runs with Node and the npm packages pinned in tests/http_audit/package-lock.json,
installed on first use; without Node and npm the test is skipped and says so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import workspace_key

AUDIT_DIR = Path(__file__).resolve().parent.parent / "http_audit"


def _node_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Node.js and npm are not installed; the graphql-http audit needs them")
    if not (AUDIT_DIR / "node_modules" / "graphql-http").is_dir():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=AUDIT_DIR,
            check=True,
            timeout=300,
        )


def test_every_graphql_over_http_audit_passes(live_server: str, database_url: str) -> None:
    _node_ready()
    key = workspace_key(database_url)

    run = subprocess.run(
        ["node", "audit.mjs", f"{live_server}/graphql", key],
        cwd=AUDIT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )

    results = json.loads(run.stdout)
    assert len(results) > 50  # the whole suite ran, not a stub of it
    failed = [f"{r['id']} {r['name']}: {r['reason']}" for r in results if r["status"] != "ok"]
    assert failed == []
