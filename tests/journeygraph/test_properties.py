"""Property-based: whatever hypothesis sends, the answer is never a 5xx, always JSON with a
code, the good events of a batch are always stored, and a refused request stores nothing.

Examples are bounded (JOURNEYGRAPH_PROPERTY_EXAMPLES, default 60 per property) so CI stays
fast; raise it locally to search longer.
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import UTC, datetime, timedelta, timezone

import graphql
from hypothesis import given
from hypothesis import strategies as st
from hypothesis_graphql import nodes
from hypothesis_graphql import strategies as gql

from journeygraph.execution.executable import export_sdl
from tests.conftest import examples
from tests.operations import create_journey

EXAMPLES = int(os.environ.get("JOURNEYGRAPH_PROPERTY_EXAMPLES", "60"))
FUZZ = examples(EXAMPLES)
TOTALS = """query($id: ID!) { journey(id: $id) {
  performance(startDate: "2026-01-01", endDate: "2026-12-31") { enteredCount } } }"""

# Text with what breaks storage and encoding: NUL, lone surrogates, control and astral characters.
TROUBLE = ["\x00", "\ud800", "\udfff", "\u2028", "\U0001f600", '"', "\\", "[", "{", "a", "/"]
hostile_text = st.one_of(
    st.text(alphabet=st.sampled_from(TROUBLE), min_size=1, max_size=6),  # mostly trouble
    st.text(max_size=40),  # any Unicode text hypothesis likes
    st.sampled_from(["", "x" * 129, "x" * 5000]),  # lengths at and past the bounds
)
hostile_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(["1e999999999", "1e-20000", "1e131072", "NaN", "-0", "0.0000001", "9" * 30]),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
)
hostile_moments = st.one_of(
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)).map(
        lambda d: d.isoformat()
    ),
    st.builds(
        lambda d, minutes: d.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
        st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)),
        st.integers(min_value=-23 * 60, max_value=23 * 60),
    ),
    # the calendar's edges at offsets that take them past it in UTC
    st.sampled_from(["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-23:59"]),
    hostile_text,
)
nested = st.recursive(
    st.none() | st.booleans() | hostile_numbers | hostile_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=3),
    max_leaves=8,
)


JOURNEY, NODE = "<journey>", "<node>"  # stand-ins for the test journey's ids, filled in per run


FIELDS = {
    "id": hostile_text,
    "type": st.sampled_from(["JOURNEY_ENTERED", "TRANSACTION", "MESSAGE_OPENED", "NOPE"]) | hostile_text,
    "journeyId": hostile_text,
    "nodeId": st.just(NODE) | hostile_text,
    "contactId": hostile_text,
    "occurredAt": hostile_moments,
    "revenue": hostile_numbers,
    "url": hostile_text,
    "extra": nested,
}


@st.composite
def hostile_events(draw: st.DrawFn) -> object:
    """A valid event with one or two fields made hostile in any of the ways above (so the
    hostile value gets as far as it can), or now and then not an event at all."""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return draw(nested)
    event: dict[str, object] = {
        **good_event(JOURNEY, 0, "x"),
        "id": f"h-{draw(st.integers(0, 10**9))}",
        "nodeId": NODE,
        "revenue": "1.5",
    }
    for name in draw(st.lists(st.sampled_from(sorted(FIELDS)), min_size=1, max_size=2, unique=True)):
        event[name] = draw(FIELDS[name])
    return event


def good_event(journey_id: str, index: int, run: str) -> dict:
    return {
        "id": f"{run}-{index}",
        "type": "JOURNEY_ENTERED",
        "journeyId": journey_id,
        "contactId": f"c{index}",
        "occurredAt": "2026-05-01T10:00:00Z",
    }


async def entered(api, journey_id: str) -> int:
    return (await api.gql(TOTALS, {"id": journey_id}))["journey"]["performance"]["enteredCount"]


@st.composite
def batches(draw: st.DrawFn) -> tuple[list, list[int]]:
    """A batch of good and hostile events, shuffled; and the good ones' positions."""
    hostile = draw(st.lists(hostile_events(), min_size=1, max_size=4))
    good = [good_event(JOURNEY, i, "good") for i in range(draw(st.integers(min_value=1, max_value=4)))]
    events = draw(st.permutations([*good, *hostile]))
    return events, [i for i, e in enumerate(events) if any(e is g for g in good)]


def filled(event: object, run: str, ids: dict[str, str]) -> object:
    """The event with the stand-in ids replaced, and good ids made unique to this run."""
    if not isinstance(event, dict):
        return event
    event = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in event.items()}
    if isinstance(event.get("id"), str) and event["id"].startswith("good-"):
        event["id"] = f"{run}-{event['id']}"
    return event


async def the_journey(api) -> tuple[str, str]:
    """The journey of this test's workspace (made once: hypothesis reuses the fixture)."""
    if not hasattr(api, "journey"):
        journey = await create_journey(api)
        api.journey = (journey["id"], journey["nodes"][1]["id"])
    return api.journey


@FUZZ
@given(batch=batches(), ndjson=st.booleans())
async def test_no_event_however_hostile_costs_the_good_ones_their_place(api, batch, ndjson):
    journey_id, node_id = await the_journey(api)
    run = uuid.uuid4().hex[:8]
    events = [filled(e, run, {JOURNEY: journey_id, NODE: node_id}) for e in batch[0]]
    good = batch[1]
    before = await entered(api, journey_id)
    # json.dumps writes NUL and lone surrogates as the JSON escapes a sender would
    if ndjson:
        body, content_type = "\n".join(json.dumps(e) for e in events), "application/x-ndjson"
    else:
        body, content_type = json.dumps({"events": events}), "application/json"

    response = await api.http.post(
        "/v1/events",
        content=body.encode(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": content_type},
    )

    assert response.status_code == 200, response.text
    answer = response.json()
    rejected = {r["index"] for r in answer["rejected"]}
    assert all(r["code"] and r["message"] for r in answer["rejected"])
    assert not rejected & set(good), answer
    # every good event is stored; a hostile one is stored only if it was a valid event
    stored = await entered(api, journey_id) - before
    assert stored >= len(good)
    assert answer["accepted"] + answer["duplicates"] + len(rejected) == len(events)


def _dates() -> st.SearchStrategy[graphql.StringValueNode]:
    return st.one_of(st.dates().map(lambda d: d.isoformat()), hostile_text).map(nodes.String)


CUSTOM_SCALARS = {
    "Date": _dates(),
    "DateTime": hostile_moments.map(nodes.String),
    "Decimal": hostile_numbers.map(lambda n: nodes.String(str(n))),
    "JSON": st.just(graphql.ObjectValueNode(fields=())),
}


async def _never_5xx(api, document: str) -> None:
    # a workspace of its own per run, so generated mutations cannot disturb other tests
    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": document}).encode(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )
    assert response.status_code < 500, (document, response.text)
    body = response.json()
    for error in body.get("errors") or []:
        code = error.get("extensions", {}).get("code")
        assert code and code != "INTERNAL", (document, error)


@FUZZ
@given(document=gql.queries(export_sdl(), custom_scalars=CUSTOM_SCALARS))
async def test_no_generated_query_makes_a_5xx_or_an_internal_error(api, document):
    await _never_5xx(api, document)


@FUZZ
@given(document=gql.mutations(export_sdl(), custom_scalars=CUSTOM_SCALARS))
async def test_no_generated_mutation_makes_a_5xx_or_an_internal_error(api, document):
    await _never_5xx(api, document)


OPERATIONS = {
    "create": (
        "mutation($v: String!, $d: String, $c: JSON) { createJourney(input: {name: $v, description: $d, "
        "nodes: [{type: TRIGGER, config: $c}]}) { journey { id } userErrors { field code } } }",
        {"v": hostile_text, "d": hostile_text, "c": nested},
    ),
    "search": (
        "query($v: String, $a: String) { journeys(search: $v, after: $a) { totalCount } }",
        {"v": hostile_text, "a": st.none() | hostile_text},
    ),
    "window": (
        "query($v: Date!, $e: Date!, $tz: String) { journeys(first: 1) { edges { node { "
        "performance(startDate: $v, endDate: $e, timeZone: $tz) { enteredCount } "
        "timeSeries(startDate: $v, endDate: $e, timeZone: $tz, granularity: MONTH) { start } } } } }",
        {
            "v": st.dates().map(str) | hostile_text,
            "e": st.dates().map(str) | hostile_text,
            "tz": st.sampled_from(["UTC", "Asia/Kathmandu", "Europe", "Etc/GMT+5"]) | hostile_text,
        },
    ),
}


@FUZZ
@given(name=st.sampled_from(sorted(OPERATIONS)), data=st.data())
async def test_no_hostile_variable_makes_a_5xx_or_an_internal_error(api, name, data):
    query, variables = OPERATIONS[name]
    values = {key: data.draw(strategy, label=key) for key, strategy in variables.items()}
    if name == "window":  # one journey for the window to have a canvas to read
        await the_journey(api)

    response = await api.http.post(
        "/graphql",
        content=json.dumps({"query": query, "variables": values}).encode(),
        headers={"Authorization": f"Bearer {api.key}", "Content-Type": "application/json"},
    )

    assert response.status_code < 500, response.text
    for error in response.json().get("errors") or []:
        code = error.get("extensions", {}).get("code")
        assert code and code != "INTERNAL", (values, error)
