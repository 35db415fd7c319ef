"""Taking in events: POST /v1/events and recordEvents, one code path behind both."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager

from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from tests.conftest import new_api
from tests.operations import create_journey

TOTALS = """query($id: ID!) { journey(id: $id) { performance(startDate: "2026-01-01", endDate: "2026-12-31") {
  enteredCount uniqueContactCount transactions revenue opens } } }"""
RECORD = """mutation($events: [EventInput!]!) { recordEvents(events: $events) {
  accepted duplicates rejected { index id code message } } }"""


def entered(journey_id: str, n: int, prefix: str = "e") -> list[dict]:
    return [
        {
            "id": f"{prefix}{i}",
            "type": "JOURNEY_ENTERED",
            "journeyId": journey_id,
            "contactId": f"c{i % 3}",
            "occurredAt": "2026-05-01T10:00:00Z",
        }
        for i in range(n)
    ]


async def post(api, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return await api.http.post(
        "/v1/events",
        content=data,
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": content_type},
    )


async def totals(api, journey_id):
    return (await api.gql(TOTALS, {"id": journey_id}))["journey"]["performance"]


async def test_a_retried_batch_is_counted_once(api):
    journey = await create_journey(api)
    batch = {"events": entered(journey["id"], 10)}

    first = (await post(api, batch)).json()
    again = (await post(api, batch)).json()

    assert first == {"accepted": 10, "duplicates": 0, "rejected": []}
    assert again == {"accepted": 0, "duplicates": 10, "rejected": []}
    assert (await totals(api, journey["id"]))["enteredCount"] == 10


async def test_concurrent_copies_of_a_batch_are_counted_once(api):
    journey = await create_journey(api)
    batch = {"events": entered(journey["id"], 200)}

    answers = await asyncio.gather(*(post(api, batch) for _ in range(4)))

    bodies = [a.json() for a in answers]
    assert sum(b["accepted"] for b in bodies) == 200
    assert sum(b["duplicates"] for b in bodies) == 600
    figures = await totals(api, journey["id"])
    assert (figures["enteredCount"], figures["uniqueContactCount"]) == (200, 3)


async def test_an_id_repeated_within_a_batch_is_a_duplicate(api):
    journey = await create_journey(api)
    events = entered(journey["id"], 2) + entered(journey["id"], 1)

    body = (await post(api, {"events": events})).json()

    assert (body["accepted"], body["duplicates"]) == (2, 1)


async def test_each_bad_event_is_rejected_with_its_code_and_the_good_ones_stored(api, other_api):
    # given a journey, a node and a path of another journey, and one of another workspace
    journey = await create_journey(api)
    other = await create_journey(api, "other")
    foreign = await create_journey(other_api)
    trigger, mail = (n["id"] for n in journey["nodes"])
    j = journey["id"]
    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    later = (datetime.now(UTC) + timedelta(minutes=20)).isoformat()
    base = {"journeyId": j, "contactId": "c", "occurredAt": "2026-05-01T10:00:00+02:00"}
    cases = [
        ({"type": "JOURNEY_ENTERED"}, None),
        ({"type": "JOURNEY_ENTERED", "journeyId": "00000000-0000-4000-8000-000000000000"}, "UNKNOWN_JOURNEY"),
        ({"type": "JOURNEY_ENTERED", "journeyId": foreign["id"]}, "UNKNOWN_JOURNEY"),
        ({"type": "NODE_ENTERED", "nodeId": "00000000-0000-4000-8000-000000000000"}, "UNKNOWN_NODE"),
        ({"type": "NODE_ENTERED", "nodeId": foreign["nodes"][0]["id"]}, "UNKNOWN_NODE"),
        ({"type": "PATH_TRAVERSED", "pathId": "00000000-0000-4000-8000-000000000000"}, "UNKNOWN_PATH"),
        ({"type": "NODE_ENTERED", "nodeId": other["nodes"][0]["id"]}, "NODE_NOT_IN_JOURNEY"),
        ({"type": "MESSAGE_SENT"}, "MISSING_NODE"),
        ({"type": "PATH_TRAVERSED"}, "MISSING_PATH"),
        ({"type": "TRANSACTION", "nodeId": mail}, "MISSING_REVENUE"),
        ({"type": "TRANSACTION", "nodeId": mail, "revenue": "-0.01"}, "NEGATIVE_REVENUE"),
        ({"type": "JOURNEY_ENTERED", "occurredAt": later}, "FUTURE_TIMESTAMP"),
        ({"type": "JOURNEY_ENTERED", "occurredAt": soon}, None),
        ({"type": "NOT_A_TYPE"}, "INVALID"),
        ({"type": "JOURNEY_ENTERED", "occurredAt": "2026-05-01T10:00:00"}, "INVALID"),
        ({"type": "JOURNEY_ENTERED", "contactId": ""}, "INVALID"),
        ({"type": "TRANSACTION", "nodeId": mail, "revenue": "abc"}, "INVALID"),
        ({"type": "NODE_ENTERED", "nodeId": trigger}, None),
    ]
    events = [{**base, "id": f"x{i}", **fields} for i, (fields, _) in enumerate(cases)]
    events.append({**base, "type": "JOURNEY_ENTERED", "id": "y" * 129})
    events.append("not an object")

    body = (await post(api, {"events": events})).json()

    expected = [(i, f"x{i}", code) for i, (_, code) in enumerate(cases) if code is not None]
    expected += [
        (len(cases), "y" * 129, "INVALID"),
        (len(cases) + 1, None, "INVALID"),
    ]  # ids echoed when strings
    assert [(r["index"], r["id"], r["code"]) for r in body["rejected"]] == expected
    assert all(r["message"] for r in body["rejected"])
    assert body["accepted"] == sum(1 for _, code in cases if code is None)
    assert (await totals(api, j))["enteredCount"] == 2  # x0 and the one five minutes ahead


async def test_revenue_is_summed_exactly(api):
    journey = await create_journey(api)
    mail = journey["nodes"][1]["id"]
    amounts = ["0.1", "0.2", 0.30, "1000000000000.01", 5]
    events = [
        {"id": f"t{i}", "type": "TRANSACTION", "journeyId": journey["id"], "nodeId": mail, "contactId": "c",
         "occurredAt": "2026-05-01T10:00:00Z", "revenue": amount}
        for i, amount in enumerate(amounts)
    ]  # fmt: skip

    await post(api, {"events": events})

    assert (await totals(api, journey["id"]))["revenue"] == "1000000000005.61"


async def test_ndjson_bodies_are_accepted(api):
    journey = await create_journey(api)
    lines = "\n".join(json.dumps(e) for e in entered(journey["id"], 3)) + "\n"

    body = (await post(api, lines, "application/x-ndjson")).json()

    assert body == {"accepted": 3, "duplicates": 0, "rejected": []}


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"{not json", "application/json"), (b'{"events": 5}', "application/json"), (b'[1, 2]', "application/json"),
     (b'{"id": 1}\n{broken', "application/x-ndjson")],
)  # fmt: skip
async def test_an_unparseable_body_is_400_and_stores_nothing(api, body, content_type):
    journey = await create_journey(api)
    good = json.dumps(entered(journey["id"], 1)[0]).encode()
    payload = body.replace(b'{"id": 1}', good)

    response = await post(api, payload, content_type)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"
    assert (await totals(api, journey["id"]))["enteredCount"] == 0


async def test_over_the_limits_is_413_and_stores_nothing(database_url, app, http, statements):
    # given a server allowing 5 events and 2,000 bytes per request
    api = await new_api(app, http, statements, ["read", "write", "ingest"])
    journey = await create_journey(api)
    small = create_app(Settings(database_url=database_url, max_events=5, max_events_body=2000), database_url)
    async with (
        LifespanManager(small),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=small), base_url="http://t") as client,
    ):
        api.http = client
        # when
        too_many = await post(api, {"events": entered(journey["id"], 6)})
        too_big = await post(api, {"events": entered(journey["id"], 1), "padding": "x" * 2000})
        mutation = await api.post(RECORD, {"events": entered(journey["id"], 6)})
    api.http = http

    # then
    assert (too_many.status_code, too_big.status_code) == (413, 413)
    assert "at most 5" in too_many.json()["error"]["message"]
    assert "2000" in too_big.json()["error"]["message"]
    assert mutation.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "at most 5 events" in mutation.json()["errors"][0]["message"]
    assert (await totals(api, journey["id"]))["enteredCount"] == 0


async def test_credentials_and_the_ingest_scope_are_required(app, http, statements):
    reader = await new_api(app, http, statements, ["read", "write"])

    anonymous = await http.post("/v1/events", json={"events": []})
    no_scope = await post(reader, {"events": []})
    mutation = await reader.errors(RECORD, {"events": []})

    assert (anonymous.status_code, anonymous.json()["error"]["code"]) == (401, "UNAUTHENTICATED")
    assert (no_scope.status_code, no_scope.json()["error"]["code"]) == (403, "FORBIDDEN")
    assert mutation[0]["extensions"]["code"] == "FORBIDDEN"


async def test_record_events_answers_like_the_http_endpoint(api):
    journey = await create_journey(api)
    events = [
        *entered(journey["id"], 2),
        {
            "id": "m",
            "type": "MESSAGE_OPENED",
            "journeyId": journey["id"],
            "contactId": "c",
            "occurredAt": "2026-05-01T10:00:00Z",
        },
    ]

    first = (await api.gql(RECORD, {"events": events}))["recordEvents"]
    again = (await api.gql(RECORD, {"events": events[:1]}))["recordEvents"]

    assert first == {
        "accepted": 2,
        "duplicates": 0,
        "rejected": [
            {
                "index": 2,
                "id": "m",
                "code": "MISSING_NODE",
                "message": "nodeId is required for this event type",
            }
        ],
    }
    assert again == {"accepted": 0, "duplicates": 1, "rejected": []}
    assert (await totals(api, journey["id"]))["enteredCount"] == 2


async def test_concurrent_batches_sharing_new_contacts_count_every_contact(api):
    # given batches with different events but the same, never-seen contacts, sent at once, half of
    # them naming the contacts in the opposite order (each batch numbers its new contacts)
    journey = await create_journey(api)
    batches = [
        [
            {"id": f"b{b}-{i}", "type": "JOURNEY_ENTERED", "journeyId": journey["id"], "contactId": f"new-{i}",
             "occurredAt": "2026-05-01T10:00:00Z"}
            for i in (range(300) if b % 2 else reversed(range(300)))
        ]
        for b in range(6)
    ]  # fmt: skip

    answers = await asyncio.gather(*(post(api, {"events": batch}) for batch in batches))

    # then every event is stored and every contact counted once
    assert [a.json()["accepted"] for a in answers] == [300] * 6
    figures = await totals(api, journey["id"])
    assert (figures["enteredCount"], figures["uniqueContactCount"]) == (1800, 300)
