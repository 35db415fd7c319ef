"""Automatic persisted queries: unknown hash, registration, GET with caching headers, tenancy."""

from __future__ import annotations

import hashlib
import json

from tests.operations import create_journey

QUERY = "query Names { journeys(first: 5) { edges { node { name } } } }"
HASH = hashlib.sha256(QUERY.encode()).hexdigest()
PERSISTED = {"persistedQuery": {"version": 1, "sha256Hash": HASH}}


def headers(api) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.key}"}


async def get(api, extensions: dict, **more: str):
    params = {"extensions": json.dumps(extensions), **more}
    return await api.http.get("/graphql", params=params, headers={**headers(api), "Accept": "*/*"})


async def test_an_unknown_hash_asks_for_the_query_then_the_hash_alone_runs_it(api):
    await create_journey(api, "Persisted")

    unknown = await api.http.post("/graphql", json={"extensions": PERSISTED}, headers=headers(api))
    assert unknown.status_code == 200
    assert unknown.json()["errors"] == [
        {"message": "PersistedQueryNotFound", "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"}}
    ]

    registered = await api.http.post(
        "/graphql", json={"query": QUERY, "extensions": PERSISTED}, headers=headers(api)
    )
    assert registered.json()["data"] == {"journeys": {"edges": [{"node": {"name": "Persisted"}}]}}

    by_hash = await api.http.post("/graphql", json={"extensions": PERSISTED}, headers=headers(api))
    assert by_hash.json()["data"] == registered.json()["data"]


async def test_a_hash_that_does_not_match_the_query_is_refused(api):
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    response = await api.http.post(
        "/graphql", json={"query": QUERY, "extensions": wrong}, headers=headers(api)
    )
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_USER_INPUT" and "does not match" in error["message"]

    bad_version = {"persistedQuery": {"version": 2, "sha256Hash": HASH}}
    response = await api.http.post("/graphql", json={"extensions": bad_version}, headers=headers(api))
    assert "version 1" in response.json()["errors"][0]["message"]


async def test_a_get_by_hash_is_cacheable_and_revalidates_with_its_etag(api):
    journey = await create_journey(api, "Cached")
    await api.http.post("/graphql", json={"query": QUERY, "extensions": PERSISTED}, headers=headers(api))

    first = await get(api, PERSISTED)

    assert first.status_code == 200
    assert first.json()["data"]["journeys"]["edges"] == [{"node": {"name": "Cached"}}]
    assert first.headers["cache-control"] == "private, max-age=0"
    assert first.headers["vary"] == "Authorization, Accept"
    etag = first.headers["etag"]

    await api.post("{ journeys(first: 50) { edges { node { id } } } }")  # the caller's bucket moves
    unchanged = await api.http.get(
        "/graphql",
        params={"extensions": json.dumps(PERSISTED)},
        headers={**headers(api), "Accept": "application/json", "If-None-Match": etag},
    )
    assert unchanged.status_code == 304 and unchanged.content == b""

    # the data changes: so does the ETag, and the stale one gets the new answer
    await api.gql(
        'mutation($id: ID!) { updateJourney(id: $id, input: {name: "Renamed"}) { journey { id } } }',
        {"id": journey["id"]},
    )
    changed = await api.http.get(
        "/graphql",
        params={"extensions": json.dumps(PERSISTED)},
        headers={**headers(api), "Accept": "application/json", "If-None-Match": etag},
    )
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert changed.json()["data"]["journeys"]["edges"] == [{"node": {"name": "Renamed"}}]


async def test_a_persisted_mutation_cannot_run_over_get(api):
    mutation = 'mutation Make { createJourney(input: {name: "via get"}) { journey { id } } }'
    sha = hashlib.sha256(mutation.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}
    await api.http.post("/graphql", json={"query": mutation, "extensions": extensions}, headers=headers(api))

    response = await get(api, extensions)

    assert response.status_code == 405


async def test_a_hash_registered_in_one_workspace_is_unknown_in_another(api, other_api):
    await api.http.post("/graphql", json={"query": QUERY, "extensions": PERSISTED}, headers=headers(api))

    response = await other_api.http.post(
        "/graphql", json={"extensions": PERSISTED}, headers=headers(other_api)
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
