"""Hostile input never makes a 5xx, never costs good events of a batch their place, and
always answers JSON with a code naming the problem (issue: hardening)."""

from __future__ import annotations

import base64
import hashlib
import json
from decimal import Decimal

import pytest

from tests.operations import CREATE, create_journey

TOTALS = """query($id: ID!) { journey(id: $id) { performance(startDate: "2026-01-01", endDate: "2026-12-31") {
  enteredCount transactions revenue opens } } }"""
WINDOW = """query($id: ID!, $s: Date!, $e: Date!, $tz: String) { journey(id: $id) {
  performance(startDate: $s, endDate: $e, timeZone: $tz) { enteredCount } } }"""
SERIES = """query($id: ID!, $s: Date!, $e: Date!, $tz: String, $g: Granularity!) { journey(id: $id) {
  timeSeries(startDate: $s, endDate: $e, timeZone: $tz, granularity: $g) { start end performance { enteredCount } } } }"""
SEARCH = "query($s: String) { journeys(search: $s) { totalCount } }"
AFTER = "query($a: String) { journeys(after: $a) { totalCount } }"


def good(journey_id: str, n: int, prefix: str) -> list[dict]:
    return [
        {
            "id": f"{prefix}-{i}",
            "type": "JOURNEY_ENTERED",
            "journeyId": journey_id,
            "contactId": f"c{i}",
            "occurredAt": "2026-05-01T10:00:00Z",
        }
        for i in range(n)
    ]


async def post_events(api, text: str, content_type: str = "application/json"):
    return await api.http.post(
        "/v1/events",
        content=text.encode(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": content_type},
    )


async def post_graphql(api, body: str):
    """A raw body: json.dumps escapes lone surrogates (\\ud800) as JSON allows."""
    return await api.http.post(
        "/graphql",
        content=body.encode(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )


async def entered(api, journey_id: str) -> int:
    return (await api.gql(TOTALS, {"id": journey_id}))["journey"]["performance"]["enteredCount"]


BAD_EVENTS = {
    "NUL in contactId": ({"contactId": "x\u0000"}, "contactId must not contain NUL"),
    "NUL in id": ({"id": "bad\u0000"}, "id must not contain NUL"),
    "NUL in url": ({"url": "https://example.com/\u0000"}, "url must not contain NUL"),
    "lone surrogate in id": ({"id": "\ud800"}, "id must be valid Unicode text"),
    "lone surrogate in contactId": ({"contactId": "\ud800"}, "contactId must be valid Unicode text"),
    "huge revenue": ({"type": "TRANSACTION", "revenue": "1e999999999"}, "revenue must be a finite decimal"),
    "tiny revenue": ({"type": "TRANSACTION", "revenue": "1e-20000"}, "revenue must be a finite decimal"),
    "revenue stored as 0 before": ({"type": "TRANSACTION", "revenue": "1e131072"}, "revenue must be"),
    "19 integer digits": ({"type": "TRANSACTION", "revenue": "1234567890123456789"}, "revenue must be"),
    "7 decimals": ({"type": "TRANSACTION", "revenue": "0.1234567"}, "revenue must be"),
    "NaN revenue": ({"type": "TRANSACTION", "revenue": "NaN"}, "revenue must be"),
    "year 1 with an offset": ({"occurredAt": "0001-01-01T00:00:00+01:00"}, "before 1970-01-01"),
    "year 1 completion": ({"type": "JOURNEY_COMPLETED", "occurredAt": "0001-01-01T00:00:00Z"}, "before 1970"),
    "year 2 open": ({"type": "MESSAGE_OPENED", "occurredAt": "0002-01-01T00:00:00Z"}, "before 1970"),
    "1969": ({"occurredAt": "1969-12-31T23:59:59Z"}, "before 1970"),
    # the last hour of year 9999 west of UTC: no UTC form in Python's datetime (year 10000 there)
    "year 9999 at -05:00": ({"occurredAt": "9999-12-31T23:00:00-05:00"}, "9999-12-31T23:00:00-05:00", "FUTURE_TIMESTAMP"),
    "year 9999 at -23:59": ({"occurredAt": "9999-12-31T23:59:59.999999-23:59"}, "9999-12-31T23:59:59.999999-23:59",
                            "FUTURE_TIMESTAMP"),
}  # fmt: skip


@pytest.mark.parametrize("name", list(BAD_EVENTS))
async def test_one_hostile_event_is_rejected_and_the_batch_is_stored(api, name):
    # given 9 good events and one hostile event among them
    journey = await create_journey(api)
    mail = journey["nodes"][1]["id"]
    fields, message, *rest = BAD_EVENTS[name]
    code = rest[0] if rest else "INVALID"  # a row may name the code it expects
    hostile = {**good(journey["id"], 1, "bad")[0], "nodeId": mail, **fields}
    events = [*good(journey["id"], 5, "a"), hostile, *good(journey["id"], 4, "b")]

    # when they are sent in one batch (json.dumps writes NUL and surrogates as JSON escapes)
    response = await post_events(api, json.dumps({"events": events}))

    # then the nine are stored and the tenth is rejected, its message naming the field (or the moment)
    body = response.json()
    assert response.status_code == 200, body
    assert body["accepted"] == 9
    [rejection] = body["rejected"]
    assert (rejection["index"], rejection["code"]) == (5, code)
    assert message in rejection["message"]
    assert await entered(api, journey["id"]) == 9


async def test_negative_revenue_keeps_its_own_code(api):
    journey = await create_journey(api)
    event = {**good(journey["id"], 1, "t")[0], "type": "TRANSACTION", "nodeId": journey["nodes"][1]["id"]}

    body = (await post_events(api, json.dumps({"events": [{**event, "revenue": "-1"}]}))).json()

    assert [r["code"] for r in body["rejected"]] == ["NEGATIVE_REVENUE"]


async def test_revenue_on_another_type_is_ignored_whatever_it_holds(api):
    journey = await create_journey(api)
    events = [{**good(journey["id"], 1, "r")[0], "revenue": "1e999999999"}]

    body = (await post_events(api, json.dumps({"events": events}))).json()

    assert (body["accepted"], body["rejected"]) == (1, [])


async def test_revenue_at_the_bounds_is_stored_exactly(api):
    # 18 digits before the point, 6 after (and trailing zeros beyond them) are within the bounds
    journey = await create_journey(api)
    mail = journey["nodes"][1]["id"]
    base = {**good(journey["id"], 1, "t")[0], "type": "TRANSACTION", "nodeId": mail}
    events = [
        {**base, "id": "t1", "revenue": "999999999999999999.999999"},
        {**base, "id": "t2", "revenue": "0.0000010000"},
    ]

    body = (await post_events(api, json.dumps({"events": events}))).json()

    assert (body["accepted"], body["rejected"]) == (2, [])
    revenue = (await api.gql(TOTALS, {"id": journey["id"]}))["journey"]["performance"]["revenue"]
    assert Decimal(revenue) == Decimal("999999999999999999.999999") + Decimal("0.000001")


@pytest.mark.parametrize("content_type", ["application/json", "application/x-ndjson"])
async def test_an_event_nested_100000_deep_is_rejected_alone(api, content_type):
    journey = await create_journey(api)
    before, after = good(journey["id"], 3, "x"), good(journey["id"], 2, "y")
    deep = "[" * 100_000 + "]" * 100_000
    if content_type == "application/json":
        items = [json.dumps(e) for e in before] + [deep] + [json.dumps(e) for e in after]
        text = '{"events": [' + ", ".join(items) + "]}"
    else:
        text = "\n".join([json.dumps(e) for e in before] + [deep] + [json.dumps(e) for e in after])

    response = await post_events(api, text, content_type)

    body = response.json()
    assert response.status_code == 200, body
    assert body["accepted"] == 5
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [(3, "INVALID")]
    assert "nested too deeply" in body["rejected"][0]["message"]
    assert await entered(api, journey["id"]) == 5


async def test_a_number_of_a_million_digits_rejects_only_its_event(api):
    journey = await create_journey(api)
    events = [json.dumps(e) for e in good(journey["id"], 2, "m")]
    huge = json.dumps({**good(journey["id"], 1, "huge")[0], "revenue": 0, "type": "TRANSACTION"})
    huge = huge.replace('"revenue": 0', '"revenue": ' + "9" * 1_000_000)
    text = '{"events": [' + ", ".join([*events, huge]) + "]}"

    body = (await post_events(api, text)).json()

    assert body["accepted"] == 2
    assert [r["index"] for r in body["rejected"]] == [2]


async def test_a_body_nested_too_deeply_outside_the_events_is_400(api):
    response = await post_events(api, "[" * 100_000 + "]" * 100_000)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "BAD_REQUEST"


async def test_record_events_rejects_the_same_events_alone(api):
    # the GraphQL way in runs the same checks: a year-1 timestamp is one rejection
    journey = await create_journey(api)
    events = [
        *good(journey["id"], 2, "g"),
        {**good(journey["id"], 1, "old")[0], "occurredAt": "0001-01-01T00:00:00+01:00"},
    ]
    record = """mutation($events: [EventInput!]!) { recordEvents(events: $events) {
      accepted rejected { index code message } } }"""

    data = await api.gql(record, {"events": events})

    assert data["recordEvents"]["accepted"] == 2
    assert [(r["index"], r["code"]) for r in data["recordEvents"]["rejected"]] == [(2, "INVALID")]


BAD_VARIABLES = {
    "NUL in a name": (CREATE, {"input": {"name": "a\u0000"}}, "variables.input.name contains NUL"),
    "surrogate in a name": (CREATE, {"input": {"name": "\ud800"}}, "lone surrogate"),
    "NUL in a description": (CREATE, {"input": {"name": "a", "description": "\u0000"}}, "NUL"),
    "NUL in a config key": (
        CREATE,
        {"input": {"name": "a", "nodes": [{"type": "TRIGGER", "config": {"\u0000": 1}}]}},
        "a key in variables.input.nodes[0].config contains NUL",
    ),
    "NUL in search": (SEARCH, {"s": "\u0000"}, "variables.s contains NUL"),
    "surrogate in search": (SEARCH, {"s": "\ud800"}, "variables.s contains a lone surrogate"),
    "deep JSON config": (
        CREATE,
        {"input": {"name": "a", "nodes": [{"type": "TRIGGER", "config": json.loads("[" * 900 + "]" * 900)}]}},
        "nested more than 64 levels deep",
    ),
}


@pytest.mark.parametrize("name", list(BAD_VARIABLES))
async def test_variables_that_cannot_be_stored_are_a_400_naming_them(api, name):
    query, variables, message = BAD_VARIABLES[name]

    response = await post_graphql(api, json.dumps({"query": query, "variables": variables}))

    body = response.json()
    assert response.status_code == 400, body
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body["errors"][0]["message"]


RAW_BODIES = {
    "NaN in config": '{"query": "mutation($i: CreateJourneyInput!) { createJourney(input: $i) { journey { id } } }", '
    '"variables": {"i": {"name": "a", "nodes": [{"type": "TRIGGER", "config": {"x": NaN}}]}}}',
    "5,000-digit integer": '{"query": "query($f: Int) { journeys(first: $f) { totalCount } }", '
    '"variables": {"f": ' + "9" * 5000 + "}}",
    "1e999 float": '{"query": "query($f: Int) { journeys(first: $f) { totalCount } }", "variables": {"f": 1e999}}',
    "variables nested 5,000 deep": '{"query": "query($s: String) { journeys(search: $s) { totalCount } }", '
    '"variables": {"s": ' + "[" * 5000 + "]" * 5000 + "}}",
    "NUL in the query text": json.dumps({"query": "{ __typename }\u0000"}),
}


@pytest.mark.parametrize("name", list(RAW_BODIES))
async def test_bodies_json_cannot_carry_here_are_a_400(api, name):
    response = await post_graphql(api, RAW_BODIES[name])

    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_persisted_query_holding_nul_is_not_registered(api):
    query = "{ __typename } # \u0000"
    sha = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha}}

    sent = await post_graphql(api, json.dumps({"query": query, "extensions": extensions}))
    by_hash = await post_graphql(api, json.dumps({"extensions": extensions}))

    assert sent.status_code == 400
    assert by_hash.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    ("literal", "message"),
    [("\\u0000", "a string literal contains NUL"), ("\\ud800", "Invalid Unicode escape")],
)
async def test_a_string_literal_that_cannot_be_stored_is_refused(api, literal, message):
    # NUL is refused by journeygraph's validation rule; a lone surrogate already by the lexer
    body = await api.errors('{ journeys(search: "x' + literal + '") { totalCount } }')

    assert body[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in body[0]["message"]


def forged(position: str) -> str:
    raw = json.dumps([position, "00000000-0000-4000-8000-000000000000"])
    return base64.urlsafe_b64encode(raw.encode()).decode()


@pytest.mark.parametrize("position", ["0001-01-01T00:00:00+01:00", "0001-01-01T00:00:00+00:00"])
async def test_a_forged_cursor_of_year_1_is_bad_user_input(api, position):
    errors = await api.errors(AFTER, {"a": forged(position)})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "is not a cursor of this list" in errors[0]["message"]


BAD_WINDOWS = {
    "year 1 in Tokyo": ({"s": "0001-01-01", "e": "0001-01-02", "tz": "Asia/Tokyo"}, "outside 1970-01-01"),
    "the calendar's last days": ({"s": "9999-12-30", "e": "9999-12-31", "tz": "UTC"}, "outside"),
    "a directory for a zone": ({"s": "2026-01-01", "e": "2026-01-02", "tz": "Europe"}, "not an IANA"),
    "a 5,000-character zone": ({"s": "2026-01-01", "e": "2026-01-02", "tz": "A" * 5000}, "not an IANA"),
    "a path for a zone": ({"s": "2026-01-01", "e": "2026-01-02", "tz": "../../etc/passwd"}, "not an IANA"),
}


@pytest.mark.parametrize("name", list(BAD_WINDOWS))
async def test_windows_out_of_bounds_are_bad_user_input_not_outages(api, name):
    journey = await create_journey(api)
    variables, message = BAD_WINDOWS[name]

    errors = await api.errors(WINDOW, {"id": journey["id"], **variables})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in errors[0]["message"]


async def test_a_month_series_up_to_the_last_date_answers(api):
    # the last allowed date: its series' next month is still in the calendar
    journey = await create_journey(api)
    variables = {
        "id": journey["id"],
        "s": "9998-01-01",
        "e": "9998-12-31",
        "tz": "Pacific/Kiritimati",
        "g": "MONTH",
    }

    data = await api.gql(SERIES, variables)

    points = data["journey"]["timeSeries"]
    assert len(points) == 12
    assert points[-1]["end"] == "9999-01-01T00:00:00+14:00"


async def test_series_points_are_dated_in_the_windows_offset(api):
    # given a Kolkata window (+05:30)
    journey = await create_journey(api)
    variables = {"id": journey["id"], "s": "2026-11-20", "e": "2026-11-21", "tz": "Asia/Kolkata", "g": "DAY"}

    # when its DAY series is read
    points = (await api.gql(SERIES, variables))["journey"]["timeSeries"]

    # then each point starts at a local midnight, written with the local offset
    assert [(p["start"], p["end"]) for p in points] == [
        ("2026-11-20T00:00:00+05:30", "2026-11-21T00:00:00+05:30"),
        ("2026-11-21T00:00:00+05:30", "2026-11-22T00:00:00+05:30"),
    ]


@pytest.mark.parametrize(
    ("method", "path", "shape"),
    [
        ("PUT", "/graphql", "graphql"),
        ("DELETE", "/graphql", "graphql"),
        ("GET", "/v1/events", "endpoint"),
        ("GET", "/no/such/path", "endpoint"),
        ("POST", "/healthz", "endpoint"),
    ],
)
async def test_every_route_answers_json_in_its_shape(api, method, path, shape):
    response = await api.http.request(method, path, headers={"Authorization": f"Bearer {api.key}"})

    assert response.status_code in (404, 405)
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if shape == "graphql":
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    else:
        expected = "NOT_FOUND" if response.status_code == 404 else "METHOD_NOT_ALLOWED"
        assert body["error"]["code"] == expected
    if response.status_code == 405:
        assert "Allow" in response.headers
