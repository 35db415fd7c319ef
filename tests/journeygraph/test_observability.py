"""/metrics in Prometheus format, one JSON log line per request, masked internals."""

from __future__ import annotations

import asyncio
import json
import logging
import re
import uuid

from prometheus_client.parser import text_string_to_metric_families

from journeygraph.db.queries import rollups
from journeygraph.observability import JsonFormatter
from tests.operations import create_journey

QUEUED = ("journeygraph_events_queued", ())
CANVAS = "query Canvas($id: ID!) { journey(id: $id) { id nodes { id } paths { id } } }"


async def samples(http) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics by (name, labels)."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


async def test_metrics_count_requests_statements_events_and_errors(api, http):
    journey = await create_journey(api)
    before = await samples(http)
    events = [
        {"id": f"m-{uuid.uuid4()}", "type": "JOURNEY_ENTERED", "journeyId": journey["id"],
         "contactId": "c1", "occurredAt": "2026-11-01T10:00:00Z"},
        {"id": "m-bad", "type": "NODE_ENTERED", "journeyId": journey["id"],
         "contactId": "c1", "occurredAt": "2026-11-01T10:00:00Z"},  # no nodeId: rejected
    ]  # fmt: skip
    headers = {"Authorization": f"Bearer {api.key}"}

    await api.post(CANVAS, {"id": journey["id"]})
    await api.post(CANVAS, {"id": journey["id"]})
    await http.post("/v1/events", json={"events": events}, headers=headers)
    await http.post("/v1/events", json={"events": events[:1]}, headers=headers)  # a duplicate
    await api.post("{ nope }")
    await http.post("/graphql", json={"query": "{ workspace { id } }"})  # no credentials
    after = await samples(http)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("journeygraph_request_duration_seconds_count", operation="Canvas") == 2
    # auth, canvas sizes, journey, nodes, paths: 5 statements each
    assert delta("journeygraph_sql_statements_per_request_sum", operation="Canvas") == 10
    assert delta("journeygraph_events_total", outcome="accepted") == 1
    assert delta("journeygraph_events_total", outcome="duplicate") == 1
    assert delta("journeygraph_events_total", outcome="rejected") == 1
    assert delta("journeygraph_errors_total", code="BAD_USER_INPUT") == 1
    assert delta("journeygraph_errors_total", code="UNAUTHENTICATED") == 1
    assert delta("journeygraph_request_duration_seconds_count", operation="events") == 2


async def test_metrics_say_how_many_events_wait_to_be_folded_and_what_the_folder_folded(app, api, http):
    # given a journey, the app's folder paused, and what earlier tests left queued folded
    journey = await create_journey(api)
    await app.state.folder.stop()
    try:
        await rollups.fold_all(app.state.sessions, compact=False)
        before = await samples(http)
        # when three events are acknowledged
        events = [
            {"id": f"q-{uuid.uuid4()}", "type": "JOURNEY_ENTERED", "journeyId": journey["id"],
             "contactId": f"c{i}", "occurredAt": "2026-11-01T10:00:00Z"}
            for i in range(3)
        ]  # fmt: skip
        headers = {"Authorization": f"Bearer {api.key}"}
        assert (await http.post("/v1/events", json={"events": events}, headers=headers)).status_code == 200
        queued = await samples(http)
    finally:
        app.state.folder.start()
    # and the folder, running again, folds them
    for _ in range(200):
        after = await samples(http)
        if after[QUEUED] == 0:
            break
        await asyncio.sleep(0.05)

    # then the queue held them until the folder folded them, and the folder counted them
    assert (before[QUEUED], queued[QUEUED], after[QUEUED]) == (0, 3, 0)
    folded = ("journeygraph_events_folded_total", ())
    assert after[folded] - before.get(folded, 0.0) == 3
    folds = ("journeygraph_fold_duration_seconds_count", ())
    assert after[folds] - before.get(folds, 0.0) >= 1


async def test_each_request_is_logged_with_its_id_operation_cost_and_statements(api, caplog):
    journey = await create_journey(api)
    caplog.set_level(logging.INFO, logger="journeygraph.request")

    response = await api.post(CANVAS, {"id": journey["id"]})

    [record] = [r for r in caplog.records if r.name == "journeygraph.request"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert line["operation"] == "Canvas" and line["path"] == "/graphql" and line["status"] == 200
    assert line["cost"] == response.json()["extensions"]["cost"]["requested"]
    assert line["statements"] == 5
    assert line["duration_ms"] > 0
    assert line["level"] == "INFO" and re.match(r"\d{4}-\d\d-\d\dT", line["time"])


async def test_an_internal_error_is_logged_as_json_with_its_traceback_but_never_shown(
    api, caplog, monkeypatch
):
    from journeygraph.resolvers import journeys as journeys_module

    async def broken(context, id):
        raise RuntimeError('relation "secret_table" does not exist')

    monkeypatch.setattr(journeys_module, "journey", broken)

    response = await api.post('{ journey(id: "x") { id } }')

    assert "secret_table" not in response.text
    [record] = [r for r in caplog.records if r.name == "journeygraph.errors"]
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == response.headers["x-request-id"]
    assert "secret_table" in line["exception"] and "Traceback" in line["exception"]


async def test_metrics_can_require_a_token(database_url):
    import httpx
    from asgi_lifespan import LifespanManager

    from journeygraph.app import create_app
    from journeygraph.core.settings import Settings

    app = create_app(Settings(database_url=database_url, metrics_token="scrape-me"), database_url)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        assert (await http.get("/metrics")).status_code == 401
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert allowed.status_code == 200 and "journeygraph_request_duration_seconds" in allowed.text


async def test_paths_that_are_not_operations_do_not_become_metric_labels(http):
    await http.get("/graphiql-assets/react@18.2.0/umd/react.production.min.js")
    await http.get("/no/such/path/a1b2c3")

    text = (await http.get("/metrics")).text

    assert 'operation="graphiql-assets"' in text and 'operation="other"' in text
    assert "react.production" not in text and "a1b2c3" not in text


async def test_without_a_token_metrics_answer_only_loopback(app):
    import httpx

    # given a client that is not on this machine
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as remote:
        response = await remote.get("/metrics")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "FORBIDDEN"


def test_one_workspace_cannot_use_up_the_operation_labels():
    from journeygraph.observability import MAX_LABELS_PER_WORKSPACE, Metrics

    metrics = Metrics()
    # given a workspace that sends ever new operation names
    made_up = [metrics.operation_label(f"Op{i}", "greedy") for i in range(MAX_LABELS_PER_WORKSPACE + 5)]

    # then only its first names become labels, and another workspace still gets its own
    assert made_up[-5:] == ["other"] * 5
    assert len(set(made_up) - {"other"}) == MAX_LABELS_PER_WORKSPACE
    assert metrics.operation_label("Canvas", "modest") == "Canvas"
    assert metrics.operation_label("Op0", "modest") == "Op0"  # a known label is shared, not charged
