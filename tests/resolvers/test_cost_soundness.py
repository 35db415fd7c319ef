"""The cost computed before execution is never below the cost of what execution returned.

The cost of an answer is counted here from the answer itself (README "Query cost":
one per object returned, plus 10 per distinct window and per mutation field), and
compared with `extensions.cost`: `actual` must equal it and `requested` must not be below it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.operations import create_journey, objects

NODES = [
    {"key": "t", "type": "TRIGGER"},
    {"key": "a", "type": "MESSAGE", "channel": "EMAIL"},
    {"key": "b", "type": "MESSAGE", "channel": "SMS"},
    {"key": "w", "type": "WAIT"},
    {"key": "x", "type": "EXIT"},
]
PATHS = [
    {"source": "t", "target": "a"},
    {"source": "t", "target": "b"},
    {"source": "t", "target": "w"},
    {"source": "a", "target": "x"},
    {"source": "b", "target": "x"},
    {"source": "w", "target": "x"},
]
W1 = 'startDate: "2026-11-01", endDate: "2026-11-03", timeZone: "America/New_York"'
W2 = 'startDate: "2026-10-01", endDate: "2026-10-31"'

QUERIES: list[tuple[str, str, int]] = [
    # (name, query with $id / $node / $path, distinct windows + mutation fields, x 10)
    (
        "canvas",
        f"""query($id: ID!) {{ journey(id: $id) {{ id performance({W1}) {{ enteredCount }}
        nodes {{ id position {{ x }} performance({W1}) {{ trafficCount }} }}
        paths {{ id source {{ id }} target {{ id }} performance({W1}) {{ trafficCount }} }} }} }}""",
        1,
    ),
    (
        "two windows",
        f"""query($id: ID!) {{ journey(id: $id) {{
        a: performance({W1}) {{ enteredCount }} b: performance({W2}) {{ enteredCount }}
        nodes {{ a: performance({W1}) {{ trafficCount }} b: performance({W2}) {{ trafficCount }} }} }} }}""",
        2,
    ),
    (
        "hourly series",
        f"""query($id: ID!) {{ journey(id: $id) {{
        timeSeries({W1}, granularity: HOUR) {{ start performance {{ enteredCount }} }}
        nodes {{ timeSeries({W1}, granularity: HOUR) {{ start performance {{ trafficCount }} }} }} }} }}""",
        1,
    ),
    (
        "weekly and monthly",
        f"""query($id: ID!) {{ journey(id: $id) {{
        w: timeSeries({W2}, granularity: WEEK) {{ start performance {{ enteredCount }} }}
        m: timeSeries(startDate: "2026-01-15", endDate: "2026-11-15", granularity: MONTH) {{ start }} }} }}""",
        2,
    ),
    (
        "edges of nodes",
        """query($id: ID!) { journey(id: $id) { nodes { id
        outgoing { id target { id incoming { id } } } incoming { source { id } } } } }""",
        0,
    ),
    (
        "node up to its journey",
        """query($node: ID!) { node(id: $node) { journey { nodes { outgoing { id } } } } }""",
        0,
    ),
    (
        "path ends",
        """query($path: ID!) { path(id: $path) { source { outgoing { target { id } } } target { id } } }""",
        0,
    ),
    (
        "list",
        f"""{{ journeys(first: 3) {{ edges {{ node {{ id performance({W2}) {{ enteredCount }} }} }}
        pageInfo {{ hasNextPage }} }} }}""",
        1,
    ),
    ("by ids", """query($id: ID!) { journeysByIds(ids: [$id, $id]) { id paths { id } } }""", 0),
    (
        "fragments",
        """query($id: ID!) { journey(id: $id) { ...J } } fragment J on Journey {
        nodes { ... on Node { id journey { id } } } }""",
        0,
    ),
    (
        "mutation",
        """mutation { createJourney(input: {name: "costed"}) { journey { id nodes { id } }
        userErrors { message } } }""",
        1,
    ),
]


@pytest.mark.parametrize(("name", "query", "fixed"), QUERIES, ids=[q[0] for q in QUERIES])
async def test_the_requested_cost_bounds_the_answer(api, name, query, fixed):
    journey = await create_journey(api, "Costed", NODES, PATHS)
    variables = {"id": journey["id"], "node": journey["nodes"][0]["id"], "path": journey["paths"][0]["id"]}
    used = {k: v for k, v in variables.items() if f"${k}" in query}

    response = await api.post(query, used)
    body = response.json()

    assert "errors" not in body, body
    answered = objects(body["data"]) - 1 + 10 * fixed  # the root object is free
    cost = body["extensions"]["cost"]
    assert cost["actual"] == answered
    assert cost["requested"] >= answered


CANVAS = QUERIES[0][1]


async def test_an_answer_without_errors_is_costed_without_walking_it(api, monkeypatch):
    from journeygraph.execution import cost as cost_module

    walked: list[Any] = []
    monkeypatch.setattr(cost_module, "_objects", lambda data: walked.append(data) or 0)
    journey = await create_journey(api, "Costed", NODES, PATHS)

    body = (await api.post(CANVAS, {"id": journey["id"]})).json()

    # the executor counted the objects it completed
    assert "errors" not in body and walked == []
    assert body["extensions"]["cost"]["actual"] == objects(body["data"]) - 1 + 10


async def test_an_answer_with_errors_is_costed_from_what_it_holds(api):
    journey = await create_journey(api, "Costed", NODES, PATHS)
    # the nodes are completed, then the journey is nulled: its performance cannot be null
    query = """query($id: ID!) { journey(id: $id) { nodes { id position { x } }
      performance(startDate: "2026-11-02", endDate: "2026-11-01") { enteredCount } } }"""

    body = (await api.post(query, {"id": journey["id"]})).json()

    assert body["errors"] and body["data"] == {"journey": None}
    assert body["extensions"]["cost"]["actual"] == 0 + 10
