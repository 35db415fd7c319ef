"""The HTTP surface: GET and POST, GraphiQL, health, request ids, error shapes."""

from __future__ import annotations

import json
import uuid
from datetime import date

import httpx
import pytest
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.demo import CANVAS_QUERY, Demo, canvas_variables
from tests.operations import create_journey


async def test_queries_work_over_get(http, api):
    response = await http.get(
        "/graphql", params={"query": "{ workspace { id } }"}, headers={"Authorization": f"Bearer {api.key}"}
    )

    assert response.status_code == 200
    assert response.json()["data"] == {"workspace": {"id": str(api.workspace_id)}}


async def test_mutations_over_get_are_refused(http, api):
    response = await http.get(
        "/graphql",
        params={"query": 'mutation { createJourney(input: {name: "x"}) { journey { id } } }'},
        headers={"Authorization": f"Bearer {api.key}"},
    )

    assert response.status_code == 405
    assert (await api.gql("{ journeys { totalCount } }")) == {"journeys": {"totalCount": 0}}


async def test_health_and_readiness(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "ok"})


async def test_every_response_carries_a_request_id(http):
    given = await http.get("/healthz", headers={"X-Request-Id": "abc-123"})
    made = await http.post("/graphql", json={"query": "{ workspace { id } }"})

    assert given.headers["x-request-id"] == "abc-123"
    assert uuid.UUID(made.headers["x-request-id"])  # 401s too


async def test_invalid_queries_are_bad_user_input(api):
    errors = await api.errors("{ journeys { nope } }")

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nope" in errors[0]["message"]


async def test_graphiql_is_served_to_browsers_without_credentials(http):
    response = await http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "Bearer" not in response.text  # no demo key on a server with a configured database


async def test_graphiql_prefills_the_demo_key_and_canvas_query(database_url, settings, api):
    journey = await create_journey(api)
    demo = Demo(
        key=api.key, query=CANVAS_QUERY, variables=canvas_variables(journey["id"], date(2026, 11, 22))
    )
    app = create_app(settings, database_url, demo)

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        page = (await http.get("/graphql", headers={"Accept": "text/html"})).text

    assert f"Bearer {api.key}" in page
    assert journey["id"] in page
    assert "query Canvas($journeyId: ID!" in page
    assert "2026-10-24" in page  # the last 30 days


async def test_graphiql_defaults_cannot_end_their_script_element(database_url, settings, api):
    # given demo defaults holding markup (the query is data, not HTML)
    hostile = "{ workspace { id } } # </script><script>alert(1)</script><!--"
    app = create_app(settings, database_url, Demo(key=api.key, query=hostile, variables={}))

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        page = (await http.get("/graphql", headers={"Accept": "text/html"})).text

    # then it stays inside the JSON, escaped, and reads back as it was
    assert "<script>alert(1)" not in page and "<!--" not in page.split("journeygraph-defaults")[1][:400]
    island = page.split('id="journeygraph-defaults" type="application/json">')[1].split("</script>")[0]
    assert json.loads(island)["query"] == hostile


async def test_graphiql_withholds_the_demo_key_when_not_on_loopback(database_url, settings, api):
    # given a demo server told not to share its key (serve --host 0.0.0.0 without --share-demo-key)
    journey = await create_journey(api)
    demo = Demo(
        key=api.key,
        query=CANVAS_QUERY,
        variables=canvas_variables(journey["id"], date(2026, 11, 22)),
        share_key=False,
    )
    app = create_app(settings, database_url, demo)

    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        page = (await http.get("/graphql", headers={"Accept": "text/html"})).text

    # then the page has the canvas query but not the key
    assert api.key not in page
    assert "query Canvas($journeyId: ID!" in page


@pytest.mark.parametrize(
    ("host", "shared"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False), ("10.0.0.5", False)],
)
def test_the_demo_key_is_shared_only_on_loopback(host, shared):
    from journeygraph.net import is_loopback

    assert is_loopback(host) is shared


async def test_the_graphiql_page_sends_its_security_headers(http):
    response = await http.get("/graphql", headers={"Accept": "text/html"})

    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


async def test_unexpected_errors_are_masked_with_the_request_id(api, monkeypatch, caplog):
    # given a resolver that fails the way a bug or an outage would
    from journeygraph.resolvers import journeys as journeys_module

    async def broken(context, id):
        raise RuntimeError('relation "secret_table" does not exist')

    monkeypatch.setattr(journeys_module, "journey", broken)

    # when
    response = await api.post('{ journey(id: "x") { id } }')

    # then the client learns nothing of it but the request id; the log has the rest
    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": response.headers["x-request-id"]}
    assert "secret_table" not in response.text
    assert "secret_table" in caplog.text and response.headers["x-request-id"] in caplog.text


async def test_an_exception_escaping_an_extension_is_masked_too(api, monkeypatch, caplog):
    # given a bug in a schema extension (outside any resolver, so outside the masking extension)
    from journeygraph.execution import limits as limits_module

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail of a bug")

    monkeypatch.setattr(limits_module, "measure_operation", broken)

    response = await api.post("{ workspace { id } }")

    error = response.json()["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"] == {"code": "INTERNAL", "requestId": response.headers["x-request-id"]}
    assert "secret detail" not in response.text
    assert "secret detail" in caplog.text


async def test_startup_keeps_the_cycle_collector_off_the_request_path(database_url, settings):
    import gc

    from journeygraph.app import GC_YOUNG_THRESHOLD

    gc.set_threshold(700, 10, 10)  # Python's defaults
    gc.unfreeze()

    async with LifespanManager(create_app(settings, database_url)):
        assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0  # what startup loaded is out of the collector's way


async def test_answers_are_compact_utf8_json(api):
    journey = await create_journey(api, "Café ☕ Übersicht", [{"key": "t", "type": "TRIGGER"}], [])

    response = await api.post("query($id: ID!) { journey(id: $id) { name } }", {"id": journey["id"]})

    assert response.headers["content-type"].startswith("application/")
    assert '{"data":{"journey":{"name":"Café ☕ Übersicht"}}' in response.content.decode("utf-8")
