"""Per-credential leaky buckets of cost points: 429, Retry-After, RATE_LIMITED, refunds."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest_asyncio
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.queries.workspaces import create_api_key, create_workspace

# 30 aliased workspaces: 30 objects, so it costs exactly 30 whatever the data
THIRTY = "{ " + " ".join(f"w{i}: workspace {{ id }}" for i in range(30)) + " }"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest_asyncio.fixture
async def limited(database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Clock, list[str]]]:
    """An app whose credentials hold 100 points and regain 10 a second, on a clock the test moves.

    A third credential reads each document first (`ask`), so the two under test pay for running
    queries only: what reading a new document costs is tested in test_documents.py."""
    settings = Settings(
        database_url=database_url, rate_limit_per_second=10, rate_limit_burst=100, max_query_cost=100
    )
    app = create_app(settings, database_url)
    clock = Clock()
    app.state.limiter.clock = clock
    async with LifespanManager(app):
        async with app.state.sessions.begin() as session:
            workspace = await create_workspace(session, f"limited {uuid.uuid4().hex[:6]}")
            keys = [await create_api_key(session, workspace.id, ["read"]) for _ in range(3)]
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            WARMING[id(http)] = keys.pop()
            yield http, clock, keys


WARMING: dict[int, str] = {}  # client -> the credential that reads documents first


async def ask(http: httpx.AsyncClient, key: str, query: str = THIRTY) -> httpx.Response:
    warming = WARMING[id(http)]
    await http.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {warming}"})
    return await http.post("/graphql", json={"query": query}, headers={"Authorization": f"Bearer {key}"})


async def test_over_the_rate_a_credential_gets_429_with_retry_after(limited):
    http, clock, (key, _) = limited
    remaining = [(await ask(http, key)).json()["extensions"]["cost"]["remaining"] for _ in range(3)]
    assert remaining == [70, 40, 10]

    refused = await ask(http, key)

    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "2"  # 20 points missing at 10 a second
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "costs 30 points and 10 are available" in error["message"]
    assert "data" not in refused.json()

    clock.now += 2
    again = await ask(http, key)
    assert again.status_code == 200 and len(again.json()["data"]) == 30


async def test_each_credential_has_its_own_bucket(limited):
    http, _, (first, second) = limited
    for _ in range(3):
        await ask(http, first)
    assert (await ask(http, first)).status_code == 429

    assert (await ask(http, second)).status_code == 200


async def test_a_query_pays_its_actual_cost_not_its_bound(limited):
    http, _, (key, _) = limited
    ids = ", ".join(f'"{uuid.uuid4()}"' for _ in range(50))
    # up to 50 journeys requested, none found: the 50 points come back
    body = (await ask(http, key, f"{{ journeysByIds(ids: [{ids}]) {{ id }} }}")).json()

    assert body["extensions"]["cost"]["requested"] == 50
    assert body["extensions"]["cost"]["actual"] == 0
    assert body["extensions"]["cost"]["remaining"] == 100


async def test_a_refused_query_costs_nothing(limited):
    http, _, (key, _) = limited
    too_costly = "{ journeys(first: 100) { edges { node { id } } } }"  # 201 > 100

    body = (await ask(http, key, too_costly)).json()

    assert body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert body["extensions"]["cost"]["remaining"] == 100


def test_the_burst_must_hold_the_costliest_allowed_query():
    import pytest

    from journeygraph.core.settings import SettingsError

    with pytest.raises(SettingsError, match=r"RATE_LIMIT_BURST .* must be at least .*MAX_QUERY_COST"):
        Settings.from_env({"JOURNEYGRAPH_RATE_LIMIT_BURST": "10", "JOURNEYGRAPH_MAX_QUERY_COST": "20"})
