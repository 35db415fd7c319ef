"""Fixtures: a fresh PostgreSQL database per test session, the real ASGI app, and
a fresh workspace (with an all-scopes key) per test.

The server is the one `JOURNEYGRAPH_DATABASE_URL` names, else an embedded
PostgreSQL started in a temporary directory. Either way the session creates
its own database, migrates it, and drops it at the end. Tests are isolated by
workspace: every test writes into a workspace nobody else can see, which is
exactly the tenancy guarantee the product makes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import hypothesis
import pytest
import pytest_asyncio
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from journeygraph import embedded, migrations
from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.queries.workspaces import create_api_key, create_workspace

JWT_SECRET = "test-secret-that-is-long-enough-for-hs256"


def examples(n: int) -> hypothesis.settings:
    """Hypothesis settings for a property test that goes to the database: `n` examples, no deadline
    (a round trip is slower than hypothesis expects), the test's fixtures reused by every example
    (each example writes rows of its own), and the same examples on every run (a CI failure
    reproduces here)."""
    return hypothesis.settings(
        max_examples=n,
        deadline=None,
        suppress_health_check=[
            hypothesis.HealthCheck.function_scoped_fixture,
            hypothesis.HealthCheck.too_slow,
        ],
        derandomize=True,
    )


def _with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def _plain(url: str) -> str:
    """asyncpg.connect wants a postgresql:// URL without a driver suffix."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An admin URL of the PostgreSQL server the tests use."""
    configured = os.environ.get("JOURNEYGRAPH_DATABASE_URL")
    if configured:
        return configured
    return embedded.start(tmp_path_factory.mktemp("embedded"), database="postgres")


@pytest.fixture(scope="session")
def embedded_data_dir(server_url: str) -> Path | None:
    """The embedded server's data directory, or None when tests use an external server."""
    host = make_url(server_url).query.get("host")
    return Path(str(host)).parent if host and not os.environ.get("JOURNEYGRAPH_DATABASE_URL") else None


@pytest.fixture(scope="session")
def database_url(server_url: str) -> Iterator[str]:
    """A new, migrated database for this session; dropped afterwards."""
    name = f"jg_test_{uuid.uuid4().hex[:12]}"

    async def admin(sql: str) -> None:
        connection = await asyncpg.connect(_plain(server_url))
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    url = _with_database(server_url, name)
    migrations.upgrade(url)
    yield url
    asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def rsa_keys() -> tuple[str, str]:
    """(private PEM, public PEM) of an RSA key for RS256 tokens."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@pytest.fixture(scope="session")
def settings(database_url: str, rsa_keys: tuple[str, str]) -> Settings:
    return Settings(database_url=database_url, jwt_secret=JWT_SECRET, jwt_public_key=rsa_keys[1])


@pytest_asyncio.fixture(scope="session")
async def app(settings: Settings, database_url: str) -> AsyncIterator[Starlette]:
    """The real application, lifespan and all."""
    application = create_app(settings, database_url)
    async with LifespanManager(application):
        yield application


@pytest_asyncio.fixture(scope="session")
async def http(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client speaking to the app in-process through ASGI."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as client:
        yield client


@dataclass
class StatementCounter:
    """Counts SQL statements the app sends while `counting` is set."""

    count: int = 0
    counting: bool = False
    statements: list[str] = field(default_factory=list)

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.counting:
            self.count += 1
            self.statements.append(statement)


@pytest_asyncio.fixture(scope="session")
async def statements(app: Starlette) -> StatementCounter:
    counter = StatementCounter()
    sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", counter)
    return counter


@dataclass
class Api:
    """A client for one workspace: GraphQL calls with its all-scopes key."""

    http: httpx.AsyncClient
    workspace_id: uuid.UUID
    key: str
    counter: StatementCounter

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token or self.key}"}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        """Run an operation that must succeed; return its data."""
        response = await self.post(query, variables, token)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def errors(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> list[dict[str, Any]]:
        """Run an operation that must fail; return its errors."""
        body = (await self.post(query, variables, token)).json()
        assert body.get("errors"), body
        return body["errors"]

    async def count(self, query: str, variables: dict[str, Any] | None = None) -> tuple[dict[str, Any], int]:
        """Run an operation; return its data and how many SQL statements it took."""
        self.counter.count, self.counter.statements, self.counter.counting = 0, [], True
        try:
            data = await self.gql(query, variables)
        finally:
            self.counter.counting = False
        return data, self.counter.count


async def new_api(
    app: Starlette, http: httpx.AsyncClient, statements: StatementCounter, scopes: list[str]
) -> Api:
    """A fresh workspace with a key of the given scopes."""
    async with app.state.sessions.begin() as session:
        workspace = await create_workspace(session, f"test {uuid.uuid4().hex[:6]}")
        key = await create_api_key(session, workspace.id, scopes)
    return Api(http, workspace.id, key, statements)


@pytest_asyncio.fixture
async def api(app: Starlette, http: httpx.AsyncClient, statements: StatementCounter) -> Api:
    """A fresh workspace for this test, with a key holding every scope."""
    return await new_api(app, http, statements, ["read", "write", "ingest"])


@pytest_asyncio.fixture
async def other_api(app: Starlette, http: httpx.AsyncClient, statements: StatementCounter) -> Api:
    """A second, unrelated workspace: what it sees of `api`'s data must be nothing."""
    return await new_api(app, http, statements, ["read", "write", "ingest"])


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(application: Starlette) -> Iterator[str]:
    """Serve `application` with uvicorn on a free local port, in a thread; yield its base URL."""
    import threading
    import time

    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(application, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(settings: Settings, database_url: str) -> Iterator[str]:
    """The base URL of the app on a real socket (for clients that are not Python), on the session's database.
    Its folder is off: the session app's folds the same database, and tests that pause that one
    (to fold by hand, or to watch a folder of their own) then have no other to reckon with."""
    with serving(create_app(settings.model_copy(update={"folder": False}), database_url)) as url:
        yield url


def workspace_key(database_url: str) -> str:
    """An all-scopes key of a fresh workspace, made outside any event loop (for sync tests)."""
    from journeygraph.db.engine import create_engine, create_sessionmaker

    async def make() -> str:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with create_sessionmaker(engine).begin() as session:
                workspace = await create_workspace(session, f"test {uuid.uuid4().hex[:6]}")
                key = await create_api_key(session, workspace.id, ["read", "write", "ingest"])
        finally:
            await engine.dispose()
        return key

    return asyncio.run(make())
