"""Limits before execution (depth, aliases, tokens, body size, cost), GraphQL over HTTP
status codes, and `extensions.cost` on every answer, through the real app."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from tests.operations import create_journey, objects

GRAPHQL_RESPONSE = "application/graphql-response+json"
WINDOW = 'startDate: "2026-11-01", endDate: "2026-11-10"'
ONE_MONTH_HOURS = 'startDate: "2026-10-01", endDate: "2026-10-31", granularity: HOUR'


async def refused(api, query: str, variables: dict | None = None) -> tuple[dict[str, Any], int]:
    """Send a query that must be refused before execution; return its one error and the statements run."""
    api.counter.count, api.counter.counting = 0, True
    try:
        response = await api.post(query, variables)
    finally:
        api.counter.counting = False
    body = response.json()
    assert response.status_code == 200, body
    assert "data" not in body, body  # never executed: no data entry at all
    assert len(body["errors"]) == 1, body
    return body["errors"][0], api.counter.count


async def test_a_query_deeper_than_the_limit_is_refused_naming_it(api):
    # no ids: nothing to return, so only the depth can refuse it
    ok = "{ journeysByIds(ids: []) { nodes { journey { nodes { journey { nodes { journey { nodes { journey { nodes { journey { id } } } } } } } } } } } }"
    too_deep = ok.replace("journey { id }", "journey { nodes { id } }")
    assert (await api.post(ok)).json()["data"]  # depth 12 runs

    error, statements = await refused(api, too_deep)

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "deeper than the limit of 12" in error["message"] and "JOURNEYGRAPH_MAX_DEPTH" in error["message"]
    assert statements == 1  # authentication only


async def test_more_aliases_than_the_limit_are_refused(api):
    query = "{ " + " ".join(f"a{i}: workspace {{ id }}" for i in range(41)) + " }"
    assert (await api.post(query.replace(" a40: workspace { id }", ""))).json()["data"]

    error, statements = await refused(api, query)

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["message"] == "41 aliases found. Allowed: 40 (JOURNEYGRAPH_MAX_ALIASES)"
    assert statements == 1


async def test_introspection_is_not_held_to_the_depth_limit(api):
    # GraphiQL's introspection query nests `ofType` nine levels deep under __schema
    from graphql import get_introspection_query

    data = await api.gql(get_introspection_query())

    assert data["__schema"]["queryType"]["name"] == "Query"


async def test_each_app_holds_documents_to_its_own_depth_and_alias_limits(api, database_url):
    # a document the default app validated is validated again under another app's limits
    query = "{ a: workspace { id } b: workspace { id } journeysByIds(ids: []) { nodes { journey { id } } } }"
    assert (await api.gql(query))["a"]
    strict = create_app(Settings(database_url=database_url, max_depth=3, max_aliases=1), database_url)
    async with LifespanManager(strict):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=strict), base_url="http://t") as http:
            headers = {"Authorization": f"Bearer {api.key}"}
            deep = await http.post(
                "/graphql", json={"query": query.replace("a: ", "").replace("b: ", "")}, headers=headers
            )
            aliased = await http.post("/graphql", json={"query": query}, headers=headers)

    assert [e["message"] for e in deep.json()["errors"]] == [
        "the query nests fields deeper than the limit of 3 (JOURNEYGRAPH_MAX_DEPTH)"
    ]
    assert [e["extensions"]["code"] for e in aliased.json()["errors"]] == ["QUERY_TOO_COMPLEX"]
    assert "errors" not in (await api.post(query)).json()  # the default app's limits are its own


async def test_more_tokens_than_the_limit_are_refused_before_parsing_ends(api):
    query = "{ workspace { " + "id " * 10_000 + "} }"

    error, statements = await refused(api, query)

    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "more than 10000 tokens" in error["message"]
    assert statements == 1


async def test_a_body_over_one_mib_is_413_and_runs_nothing(api):
    api.counter.count, api.counter.counting = 0, True
    try:
        response = await api.http.post(
            "/graphql",
            content=b'{"query": "{ workspace { id } }", "padding": "' + b"x" * (1024 * 1024) + b'"}',
            headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
        )
    finally:
        api.counter.counting = False

    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert "1048576 bytes" in error["message"] and "JOURNEYGRAPH_MAX_QUERY_BODY" in error["message"]
    assert api.counter.count == 0


async def test_a_query_over_the_cost_budget_is_refused_naming_cost_and_budget(api):
    # 100 journeys x 31 days of hours, whatever the data
    query = f"""{{ journeys(first: 100) {{ edges {{ node {{
        timeSeries({ONE_MONTH_HOURS}) {{ start performance {{ opens }} }} }} }} }} }}"""

    error, statements = await refused(api, query)

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    cost = 1 + 100 + 100 + 100 * 2 * 31 * 25 + 10
    assert f"query cost {cost} is over the budget of 25000" in error["message"]
    assert statements == 1


async def test_a_mutation_over_the_budget_changes_nothing(api):
    # the journey it creates has the 20 nodes sent: 20 x (1 + 2 x 31 x 25) > 25,000
    query = f"""mutation($nodes: [NodeInput!]) {{ createJourney(input: {{name: "never", nodes: $nodes}}) {{
        journey {{ nodes {{ timeSeries({ONE_MONTH_HOURS}) {{ start performance {{ trafficCount }} }} }} }} }} }}"""

    error, _ = await refused(api, query, {"nodes": [{"type": "WAIT"}] * 20})

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert f"query cost {1 + 1 + 20 * (1 + 2 * 31 * 25) + 10 + 10} " in error["message"]  # + mutation, window
    listed = await api.gql('{ journeys(search: "never") { totalCount } }')
    assert listed["journeys"]["totalCount"] == 0


async def test_a_large_canvas_query_is_measured_by_the_journeys_real_size(api):
    journey = await create_journey(api)  # two nodes, one path
    query = f"""query($id: ID!) {{ journey(id: $id) {{
        nodes {{ timeSeries({ONE_MONTH_HOURS}) {{ start performance {{ trafficCount }} }} }}
        paths {{ timeSeries({ONE_MONTH_HOURS}) {{ start performance {{ trafficCount }} }} }} }} }}"""

    body = (await api.post(query, {"id": journey["id"]})).json()

    assert "errors" not in body, body
    points = 31 * 24 + 1  # October 2026 in the workspace's zone (UTC): 744 hours, bounded by 31 x 25
    assert len(body["data"]["journey"]["nodes"][0]["timeSeries"]) == 31 * 24
    assert body["extensions"]["cost"]["requested"] == 1 + 3 + 3 * 2 * 31 * 25 + 10
    assert body["extensions"]["cost"]["actual"] == 1 + 3 + 3 * 2 * (points - 1) + 10


async def test_every_answer_reports_its_cost(api):
    ok = (await api.post("{ journeys(first: 3) { edges { node { id } } } }")).json()
    syntax = (await api.post("{ journeys(")).json()
    invalid = (await api.post("{ nope }")).json()

    assert ok["extensions"]["cost"]["requested"] == 1 + 3 + 3
    assert ok["extensions"]["cost"]["actual"] == 1  # no journeys: the connection only
    for body in (ok, syntax, invalid):
        cost = body["extensions"]["cost"]
        assert set(cost) == {
            "requested",
            "actual",
            "document",
            "maximum",
            "remaining",
            "capacity",
            "restoreRate",
        }
        assert cost["maximum"] == 25_000 and cost["capacity"] == 100_000
    assert syntax["extensions"]["cost"]["requested"] == 0


async def test_graphql_response_json_uses_400_for_requests_that_never_executed(api):
    headers = {"Authorization": f"Bearer {api.key}", "Accept": GRAPHQL_RESPONSE}
    for query in (
        "{ journeys(",
        "{ nope }",
        "{ " + " ".join(f"a{i}: workspace {{ id }}" for i in range(41)) + " }",
    ):
        response = await api.http.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 400, query
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in response.json()

    coercion = await api.http.post(
        "/graphql",
        json={"query": "query($id: ID!) { journey(id: $id) { id } }", "variables": {"id": {"no": 1}}},
        headers=headers,
    )
    assert coercion.status_code == 400

    # an error during execution is still a GraphQL result: 200 with data
    executed = await api.http.post(
        "/graphql", json={"query": f'{{ journey(id: "{uuid.uuid4()}") {{ id }} }}'}, headers=headers
    )
    assert executed.status_code == 200 and executed.json()["data"] == {"journey": None}


async def test_plain_json_clients_get_200_for_the_same_failures(api):
    headers = {"Authorization": f"Bearer {api.key}", "Accept": "application/json"}
    response = await api.http.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_http_level_refusals_are_json_with_a_code(api):
    headers = {"Authorization": f"Bearer {api.key}"}
    mutation_over_get = await api.http.get(
        "/graphql",
        params={"query": 'mutation { archiveJourney(id: "x") { journey { id } } }'},
        headers=headers,
    )
    bad_json = await api.http.post(
        "/graphql", content=b"{not json", headers={**headers, "Content-Type": "application/json"}
    )

    assert mutation_over_get.status_code == 405 and mutation_over_get.headers["allow"] == "POST"
    assert bad_json.status_code == 400
    for response in (mutation_over_get, bad_json):
        assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_document_whose_fragments_expand_too_far_is_refused(api):
    fragments = ["fragment F0 on Journey { id }"] + [
        f"fragment F{k} on Journey {{ nodes {{ journey {{ ...F{k - 1} }} }} paths {{ journey {{ ...F{k - 1} }} }} }}"
        for k in range(1, 17)
    ]
    query = f'{{ journey(id: "{uuid.uuid4()}") {{ ...F16 }} }} ' + " ".join(fragments)

    error, statements = await refused(api, query)

    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "expands to more than 20000 fields" in error["message"]
    assert statements == 1


async def test_introspection_is_priced_by_what_it_lists(api):
    from graphql import get_introspection_query

    one = "{ __schema { types { fields { args { type { name } } } } } }"
    forty = "{ " + " ".join(f"a{i}: {one[2:-2]}" for i in range(40)) + " }"
    graphiql = get_introspection_query(descriptions=True)

    answers = [(await api.post(query)).json() for query in (one, forty, graphiql)]

    for body in answers:
        assert "errors" not in body, body["errors"]
        assert body["extensions"]["cost"]["requested"] >= objects(body["data"]) - 1
    # every type once, their fields together, their arguments together: nothing left over
    assert answers[0]["extensions"]["cost"]["requested"] == objects(answers[0]["data"]) - 1
    assert answers[1]["extensions"]["cost"]["requested"] == 40 * (objects(answers[0]["data"]) - 1)
    # A field's type is any type: its fields are bounded by the largest type's.
    types = answers[0]["data"]["__schema"]["types"]
    fields = sum(len(t["fields"] or ()) for t in types)
    most = max(len(t["fields"] or ()) for t in types)
    nested = (
        "{ "
        + " ".join(
            f"a{i}: __schema {{ types {{ fields {{ type {{ fields {{ name }} }} }} }} }}" for i in range(5)
        )
        + " }"
    )
    bound = 5 * (1 + len(types) + fields + fields + fields * most)
    assert bound > 25_000
    refused = await api.errors(nested)
    assert (
        refused[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        and f"query cost {bound} " in refused[0]["message"]
    )


def chain(size: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A trigger and `size - 1` waits in a line: `size` nodes, `size - 1` paths."""
    nodes = [{"key": "n0", "type": "TRIGGER"}] + [{"key": f"n{i}", "type": "WAIT"} for i in range(1, size)]
    paths = [{"source": f"n{i - 1}", "target": f"n{i}"} for i in range(1, size)]
    return nodes, paths


async def test_a_small_save_reserves_what_its_canvas_can_answer(api):
    from tests.operations import SAVE

    journey = await create_journey(api)
    nodes, paths = chain(3)

    body = (await api.post(SAVE, {"journeyId": journey["id"], "nodes": nodes, "paths": paths})).json()

    assert body["data"]["saveCanvas"]["userErrors"] == []
    # payload, journey, its goal, 3 nodes (+ position each), 2 paths (+ source and target each),
    # up to 100 userErrors, and the mutation's own 10
    assert body["extensions"]["cost"]["requested"] == 1 + 1 + 1 + 3 * 2 + 2 * 3 + 100 + 10
    assert body["extensions"]["cost"]["actual"] == 1 + 1 + 3 + 2 * 3 + 10  # no goal, positions, errors


async def test_listed_canvases_are_priced_by_the_largest_canvases_of_the_workspace(api):
    for size in (2, 5, 3):
        nodes, paths = chain(size)
        await create_journey(api, f"chain {size}", nodes, paths)
    query = "{ journeys(first: 2) { edges { node { nodeCount pathCount nodes { id } paths { id } } } } }"

    body = (await api.post(query)).json()

    assert "errors" not in body, body
    listed = [edge["node"] for edge in body["data"]["journeys"]["edges"]]
    assert sorted((j["nodeCount"], j["pathCount"]) for j in listed) == sorted(
        (len(j["nodes"]), len(j["paths"])) for j in listed
    )
    # the connection, 2 edges, 2 journeys, then the nodes and paths of the two largest canvases (5 + 3, 4 + 2)
    assert body["extensions"]["cost"]["requested"] == 1 + 2 + 2 + (5 + 3) + (4 + 2)
    ten = "{ journeys(first: 10) { edges { node { nodes { id } paths { id } } } } }"
    assert (await api.post(ten)).json()["extensions"]["cost"]["requested"] == 1 + 10 + 10 + 10 + 7


async def test_node_and_path_counts_follow_the_canvas(api):
    nodes, paths = chain(4)
    journey = await create_journey(api, "counted", nodes, paths)
    query = "query($id: ID!) { journey(id: $id) { nodeCount pathCount } }"
    assert (await api.gql(query, {"id": journey["id"]}))["journey"] == {"nodeCount": 4, "pathCount": 3}

    _, counted = await api.count(query, {"id": journey["id"]})
    _, plain = await api.count("query($id: ID!) { journey(id: $id) { id } }", {"id": journey["id"]})
    assert counted == plain + 1  # one statement for the counts
    # listing the canvas looks its size up for the cost check already: the counts reuse it
    _, canvas = await api.count(
        "query($id: ID!) { journey(id: $id) { nodes { id } } }", {"id": journey["id"]}
    )
    both = "query($id: ID!) { journey(id: $id) { nodes { id } nodeCount pathCount } }"
    _, with_counts = await api.count(both, {"id": journey["id"]})
    assert with_counts == canvas
