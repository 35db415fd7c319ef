"""Bad windows are BAD_USER_INPUT errors naming the problem."""

from __future__ import annotations

import pytest

from tests.operations import create_journey

PERFORMANCE = """query($id: ID!, $start: Date!, $end: Date!, $tz: String) { journey(id: $id) {
  performance(startDate: $start, endDate: $end, timeZone: $tz) { enteredCount } } }"""
SERIES = """query($id: ID!, $start: Date!, $end: Date!, $g: Granularity!) { journey(id: $id) {
  timeSeries(startDate: $start, endDate: $end, granularity: $g) { start } } }"""


@pytest.mark.parametrize(
    ("start", "end", "tz", "message"),
    [
        ("2026-03-02", "2026-03-01", None, "startDate 2026-03-02 is after endDate 2026-03-01"),
        (
            "2026-03-01",
            "2026-03-02",
            "Mars/Olympus",
            "timeZone 'Mars/Olympus' is not an IANA time zone (e.g. Europe/Paris)",
        ),
        ("2025-01-01", "2026-01-02", None, "the window covers 367 days; at most 366 are allowed"),
    ],
)
async def test_bad_windows_are_bad_user_input(api, start, end, tz, message):
    journey = await create_journey(api)

    errors = await api.errors(PERFORMANCE, {"id": journey["id"], "start": start, "end": end, "tz": tz})

    assert [(e["message"], e["extensions"]["code"]) for e in errors] == [(message, "BAD_USER_INPUT")]


async def test_a_leap_year_window_of_366_days_is_allowed(api):
    journey = await create_journey(api)

    data = await api.gql(
        PERFORMANCE, {"id": journey["id"], "start": "2024-01-01", "end": "2024-12-31", "tz": None}
    )

    assert data["journey"]["performance"] == {"enteredCount": 0}


async def test_hour_series_are_limited_to_31_days(api):
    journey = await create_journey(api)

    ok = await api.gql(SERIES, {"id": journey["id"], "start": "2026-01-01", "end": "2026-01-31", "g": "HOUR"})
    errors = await api.errors(
        SERIES, {"id": journey["id"], "start": "2026-01-01", "end": "2026-02-01", "g": "HOUR"}
    )

    assert len(ok["journey"]["timeSeries"]) == 31 * 24
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "HOUR granularity covers at most 31 days; this window covers 32"


async def test_a_malformed_date_is_bad_user_input(api):
    journey = await create_journey(api)

    errors = await api.errors(
        PERFORMANCE, {"id": journey["id"], "start": "2026-02-30", "end": "2026-03-01", "tz": None}
    )

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_a_bad_window_on_a_canvas_is_reported_as_without_reading_ahead(api, monkeypatch):
    # the nodes' figures are asked for before their rows load; a bad window is left to the field
    from journeygraph.schema import journey as journey_module

    journey = await create_journey(api)
    query = """query($id: ID!, $tz: String) { journey(id: $id) { nodes { id
      performance(startDate: "2026-03-01", endDate: "2026-03-02", timeZone: $tz) { trafficCount } } } }"""
    variables = {"id": journey["id"], "tz": "Mars/Olympus"}

    ahead = (await api.post(query, variables)).json()
    monkeypatch.setattr(journey_module, "prefetch_figures", lambda *args: None)
    usual = (await api.post(query, variables)).json()

    message = "timeZone 'Mars/Olympus' is not an IANA time zone (e.g. Europe/Paris)"
    assert [(e["message"], e["extensions"]["code"]) for e in ahead["errors"]] == [(message, "BAD_USER_INPUT")]
    assert ahead["data"] == usual["data"] and ahead["errors"] == usual["errors"]
