"""The journeygraph command, run as a user would, against the test database."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid

from journeygraph.execution.executable import export_sdl


def run(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "JOURNEYGRAPH_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "journeygraph.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


async def test_create_workspace_then_key_then_demo_data_then_query(database_url, http):
    # given a workspace and a read key made by the CLI
    # (each command in a thread: the app under test keeps serving, and its folder may hold the
    # fold lock that `demo-data` waits for, so the event loop must not be blocked meanwhile)
    made = await asyncio.to_thread(
        run, database_url, "create-workspace", "Acme", "--time-zone", "Europe/Paris", "--currency", "eur"
    )
    assert made.returncode == 0, made.stderr
    workspace_id = made.stdout.strip().splitlines()[-1]
    keyed = await asyncio.to_thread(
        run, database_url, "create-key", "--workspace", workspace_id, "--scopes", "read"
    )
    assert keyed.returncode == 0, keyed.stderr
    key = keyed.stdout.strip().splitlines()[-1]
    loaded = await asyncio.to_thread(run, database_url, "demo-data", "--workspace", workspace_id)
    assert loaded.returncode == 0, loaded.stderr

    # when the key is used
    response = await http.post(
        "/graphql",
        json={"query": "{ workspace { id name timeZone currency } journeys { totalCount } }"},
        headers={"Authorization": f"Bearer {key}"},
    )

    # then it sees that workspace and its demo journeys
    assert response.json()["data"] == {
        "workspace": {
            "id": str(uuid.UUID(workspace_id)),
            "name": "Acme",
            "timeZone": "Europe/Paris",
            "currency": "EUR",
        },
        "journeys": {"totalCount": len(loaded.stdout.strip().splitlines())},
    }
    assert len(loaded.stdout.strip().splitlines()) == 3


def test_bad_arguments_are_refused_with_the_reason(database_url):
    bad_zone = run(database_url, "create-workspace", "X", "--time-zone", "Mars/Olympus")
    bad_scope = run(database_url, "create-key", "--workspace", str(uuid.uuid4()), "--scopes", "read,admin")
    no_workspace = run(database_url, "create-key", "--workspace", str(uuid.uuid4()), "--scopes", "read")

    assert (bad_zone.returncode, bad_scope.returncode, no_workspace.returncode) == (2, 2, 2)
    assert "Mars/Olympus" in bad_zone.stderr
    assert "read,admin" in bad_scope.stderr
    assert "no workspace" in no_workspace.stderr
    assert "Traceback" not in bad_zone.stderr + bad_scope.stderr + no_workspace.stderr


def test_export_schema_prints_the_sdl(database_url):
    result = run(database_url, "export-schema")

    assert result.returncode == 0
    assert result.stdout == export_sdl()


def test_each_worker_of_serve_workers_gets_the_url_and_the_demo(monkeypatch):
    # `serve --workers N` hands them over in the environment; uvicorn calls worker_app in each process
    import json

    from journeygraph.app import WORKER_DEMO, WORKER_URL, worker_app

    demo = {"key": "jg_demo", "query": "{ workspace { id } }", "variables": {"a": "b"}, "share_key": False}
    monkeypatch.setenv(WORKER_URL, "postgresql://u:p@127.0.0.1:1/never")
    monkeypatch.setenv(WORKER_DEMO, json.dumps(demo))

    app = worker_app()

    assert app.state.demo.key == "jg_demo" and app.state.demo.share_key is False
    assert app.state.demo.variables == {"a": "b"}
