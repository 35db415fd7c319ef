"""Parsing and validating a document is paid for (tokens + field pairs compared, journeygraph/execution/documents.py),
once: documents are cached by their tokens; the quadratic validation case is refused before it runs."""

from __future__ import annotations

import uuid

import httpx
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from journeygraph.db.queries.workspaces import create_api_key, create_workspace
from journeygraph.execution import documents


def cost(body: dict) -> dict:
    return body["extensions"]["cost"]


def read(query: str) -> int:
    """Points for reading a text: one per 20 characters, rounded up."""
    return (len(query) + 19) // 20


async def test_a_new_document_costs_its_tokens_and_pairs_once(api):
    marker = uuid.uuid4().hex  # a document no other test sent
    query = f"{{ workspace {{ id }} w: workspace {{ id }} workspace {{ id name }} }} # {marker}"
    # Tokens (the comment is not one): { workspace { id } w : workspace { id } workspace { id name } } = 17.
    # Fields sharing a response name: workspace x2 -> 1 pair; under them, id x2 -> 1 pair, name x1 -> 0.
    first = (await api.post(query)).json()
    again = (await api.post(query)).json()
    same_tokens = (await api.post(query.replace(marker, "another comment"))).json()

    assert "errors" not in first, first
    assert cost(first)["document"] == read(query) + 17 + 2
    assert cost(again)["document"] == 0  # the same text: neither parsed nor validated again
    other = query.replace(marker, "another comment")
    # parsed again (its own locations), not validated again
    assert cost(same_tokens)["document"] == read(other) + 17


async def test_an_invalid_document_is_charged_even_though_it_never_runs(api):
    query = f"{{ nope }} # {uuid.uuid4()}"  # 3 tokens, no pairs

    body = (await api.post(query)).json()
    again = (await api.post(query)).json()

    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert cost(body)["document"] == read(query) + 3
    assert cost(again)["document"] == 0 and again["errors"] == body["errors"]


async def test_many_copies_of_one_field_are_refused_before_validation(api, statements):
    copies = "{" + " workspace { id }" * 2400 + "}"
    allowed = "{" + " workspace { id }" * documents.MAX_SAME_NAME + "}"

    sent = f"{copies} # {uuid.uuid4()}"
    statements.count, statements.counting = 0, True
    try:
        body = (await api.post(sent)).json()
    finally:
        statements.counting = False

    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert "`workspace` is selected 2400 times" in error["message"] and "at most 20" in error["message"]
    # its text and tokens were read; nothing else ran
    assert cost(body)["document"] == read(sent) + 2 + 4 * 2400
    assert statements.count == 1  # authentication only
    assert "errors" not in (await api.post(allowed)).json()


async def test_copies_merged_through_fragments_and_nesting_count_together(api):
    fragments = " ".join(f"fragment F{i} on Query {{ workspace {{ id }} }}" for i in range(21))
    spread = "{ " + " ".join(f"...F{i}" for i in range(21)) + " }"
    nested = "{ journeys { edges { " + " node { id }" * 5 + " " + " node { name }" * 5 + " } } }"

    through_fragments = await api.errors(f"{spread} {fragments}")
    assert "`workspace` is selected 21 times" in through_fragments[0]["message"]
    assert "errors" not in (await api.post(nested)).json()  # 10 `node`s: within the limit


async def test_a_new_document_over_the_bucket_is_429_and_is_not_parsed(database_url: str):
    settings = Settings(
        database_url=database_url, rate_limit_per_second=1, rate_limit_burst=10, max_query_cost=10
    )
    app = create_app(settings, database_url)
    async with LifespanManager(app):
        async with app.state.sessions.begin() as session:
            workspace = await create_workspace(session, f"documents {uuid.uuid4().hex[:6]}")
            key = await create_api_key(session, workspace.id, ["read"])
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http:
            query = "{ workspace { id } }"  # 59 characters with the comment (3 points), 6 tokens, no pairs
            marked = [f"{query} # {uuid.uuid4()}" for _ in range(2)]  # 3 + 6 points, 1 to run: 0 are left
            answers = [
                await http.post("/graphql", json={"query": q}, headers={"Authorization": f"Bearer {key}"})
                for q in marked
            ]

    assert answers[0].status_code == 200
    refused = answers[1]
    assert refused.status_code == 429 and refused.headers["retry-after"]
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "reading this new document costs 3 points and 0 are available" in error["message"]
    # refused before its text was read
    read = {text for text, _ in documents.BY_TEXT}
    assert marked[0] in read and marked[1] not in read
