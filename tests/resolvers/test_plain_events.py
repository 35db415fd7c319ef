"""The short way through an event's check (`plain_event`) answers as the long way (`_checked`) does.

`plain_event` takes only events it can vouch for and returns None for the rest; whatever it
returns must be exactly what pydantic's EventIn and `_checked` make of the same event. These
tests need no database: both are pure functions of the event and the clock.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journeygraph.db.enums import EventType
from journeygraph.resolvers.event_schema import NEEDS_NODE
from journeygraph.resolvers.ingest import _checked, _Reject, check_event, plain_event
from tests.journeygraph.test_properties import hostile_moments, hostile_text, nested

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
JOURNEY, NODE, PATH = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def uuid_texts(value: uuid.UUID) -> st.SearchStrategy[str]:
    """The forms uuid.UUID reads (and some it does not), so ids are not always canonical."""
    return st.sampled_from(
        [str(value), str(value).upper(), value.hex, f"{{{value}}}", f"urn:uuid:{value}", str(value)[:-1], ""]
    )


# Moments around the bounds (1970, now + 15 minutes) in the forms senders write, and some they should not.
moments = st.builds(
    lambda at, minutes, style: _written(at.replace(tzinfo=timezone(timedelta(minutes=minutes))), style),
    st.datetimes(min_value=datetime(1969, 12, 31), max_value=datetime(2026, 12, 2)),
    st.sampled_from([0, 0, 60, -300, 330, 345, -23 * 60 - 59, 23 * 60 + 59]),
    st.sampled_from(["iso", "iso", "Z", "Z", "seconds", "z", "space", "no-colon", "minus-zero", "nanos"]),
)


def _written(at: datetime, style: str) -> str:
    text = at.isoformat()
    if style == "Z" and text.endswith("+00:00"):
        return text.removesuffix("+00:00") + "Z"
    if style == "z" and text.endswith("+00:00"):
        return text.removesuffix("+00:00") + "z"
    if style == "space":
        return text.replace("T", " ")
    if style == "seconds":
        return at.isoformat(timespec="seconds")
    if style == "no-colon":
        return text[:-3] + text[-2:]
    if style == "minus-zero" and text.endswith("+00:00"):
        return text.removesuffix("+00:00") + "-00:00"
    if style == "nanos":
        return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "123" + text[-6:]
    return text


def bounded_text(limit: int) -> st.SearchStrategy[str]:
    """Strings in, at and past the bounds of a field of `limit` characters, now and then with
    NUL, a lone surrogate or an astral character in them."""
    return st.one_of(
        st.text(min_size=1, max_size=8),
        st.integers(min_value=0, max_value=limit + 1).map(lambda n: "x" * n),
        st.sampled_from(["a\x00b", "\ud800", "c-\udfff", "\U0001f600" * limit, "\u00e9" * (limit + 1)]),
        hostile_text,
    )


# Text a sender would send: any character but NUL and lone surrogates.
fine_text = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")


@st.composite
def events(draw: st.DrawFn) -> object:
    """Mostly events a sender would send, each field now and then (one in five) at or past its
    bounds, of the wrong kind or missing; now and then not an event at all."""

    def field(plain: st.SearchStrategy[object], edgy: st.SearchStrategy[object]) -> object:
        return draw(edgy if draw(st.integers(min_value=0, max_value=4)) == 0 else plain)

    if draw(st.integers(min_value=0, max_value=19)) == 0:
        return draw(nested)
    kind = field(
        st.sampled_from([t.value for t in EventType]),
        st.sampled_from(["NOPE", "node_entered", ""]) | hostile_text,
    )
    event: dict[str, object] = {
        "id": field(st.text(fine_text, min_size=1, max_size=128), bounded_text(128)),
        "type": kind,
        "journeyId": field(st.just(str(JOURNEY)), uuid_texts(JOURNEY)),
        "contactId": field(st.text(fine_text, min_size=1, max_size=256), bounded_text(256)),
        "occurredAt": field(moments, hostile_moments),
    }
    if kind in NEEDS_NODE or draw(st.integers(min_value=0, max_value=4)) == 0:
        event["nodeId"] = field(st.just(str(NODE)), uuid_texts(NODE) | st.none())
    if kind == "PATH_TRAVERSED" or draw(st.integers(min_value=0, max_value=4)) == 0:
        event["pathId"] = field(st.just(str(PATH)), uuid_texts(PATH) | st.none())
    if draw(st.booleans()):
        event["url"] = field(st.text(fine_text, min_size=1, max_size=2048), bounded_text(2048) | st.none())
    if draw(st.booleans()):
        event["revenue"] = draw(st.sampled_from(["1.5", "-1", "x", None]))
    if draw(st.integers(min_value=0, max_value=4)) == 0:
        name = draw(st.sampled_from(sorted(event)))
        if draw(st.booleans()):
            del event[name]
        else:
            event[name] = draw(nested)  # a field of the wrong kind: a number, a list, an object
    return event


def long_way(event: object) -> object:
    try:
        return _checked(event, NOW)
    except _Reject as problem:
        return ("rejected", problem.code)


@settings(max_examples=1500, deadline=None, derandomize=True)
@given(event=events())
def test_the_short_way_stores_what_the_long_way_would(event):
    short = plain_event(event, NOW)
    if short is not None:
        assert short == long_way(event)
        # the same instant is not enough for the same text in a rejection or a log: the same offset too
        assert short.occurred_at.utcoffset() == _checked(event, NOW).occurred_at.utcoffset()


def plain(**fields: object) -> dict[str, object]:
    event: dict[str, object] = {
        "id": "e-1",
        "type": "NODE_ENTERED",
        "journeyId": str(JOURNEY),
        "nodeId": str(NODE),
        "contactId": "c-1",
        "occurredAt": "2026-12-01T11:59:00Z",
    }
    return {name: value for name, value in (event | fields).items() if value is not None}


@pytest.mark.parametrize(
    "event",
    [
        plain(),
        plain(type="JOURNEY_ENTERED", nodeId=None),
        plain(type="PATH_TRAVERSED", nodeId=None, pathId=str(PATH)),
        plain(type="MESSAGE_CLICKED", url="https://example.com/a?b=c", revenue="ignored"),
        plain(occurredAt="2026-12-01T06:59:00.123456-05:00", extra={"any": ["thing"]}),
        plain(occurredAt="2026-12-01T17:44:00+05:45", contactId="\u00e9\U0001f600" * 128),
        plain(occurredAt="1970-01-01T00:00:00Z", id="x" * 128),
        plain(occurredAt=(NOW + timedelta(minutes=15)).isoformat()),
    ],
)
def test_plain_events_take_the_short_way(event):
    stored = plain_event(event, NOW)
    assert stored is not None
    assert stored == _checked(event, NOW)
    assert check_event(event, NOW) == stored


@pytest.mark.parametrize(
    ("event", "code"),
    [
        (plain(type="TRANSACTION", revenue="-1"), "NEGATIVE_REVENUE"),
        (plain(id="\ud800"), "INVALID"),
        (plain(contactId="a\x00b"), "INVALID"),
        (plain(id="x" * 129), "INVALID"),
        (plain(occurredAt="1969-12-31T23:59:59Z"), "INVALID"),
        (plain(occurredAt=(NOW + timedelta(minutes=15, seconds=1)).isoformat()), "FUTURE_TIMESTAMP"),
        (plain(nodeId=None), "MISSING_NODE"),
        (plain(nodeId="not a uuid"), "UNKNOWN_NODE"),
        (plain(type="PATH_TRAVERSED", pathId=None), "MISSING_PATH"),
        (plain(journeyId=7), "UNKNOWN_JOURNEY"),
    ],
)
def test_what_the_short_way_cannot_vouch_for_goes_the_long_way(event, code):
    assert plain_event(event, NOW) is None
    with pytest.raises(_Reject) as problem:
        check_event(event, NOW)
    assert problem.value.code == code
