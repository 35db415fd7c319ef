"""Every performance figure of journey, node and path, against SPEC.md's definitions
computed naively from the events the test wrote (tests/reference.py)."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import pytest_asyncio

from journeygraph.resolvers.ids import parse_id
from tests import reference
from tests.conftest import new_api
from tests.operations import SAVE, create_journey

JOURNEY_FIELDS = """enteredCount uniqueContactCount completedCount exitedEarlyCount convertedCount
  uniqueConvertedCount inProgressCount completionRate conversionRate earlyExitRate messageSent messageDelivered
  messageBounced opens uniqueOpens clicks uniqueClicks unsubscribes spamComplaints globalHoldouts journeyHoldouts
  addsToCart transactions revenue webhookSucceeded webhookFailed lastEventAt"""
NODE_FIELDS = """trafficCount uniqueContactCount conversions exits completions messageSent messageDelivered messageBounced opens
  uniqueOpens clicks uniqueClicks unsubscribes spamComplaints globalHoldouts journeyHoldouts addsToCart transactions
  revenue webhookSucceeded webhookFailed deliveryRate openRate clickRate clickToOpenRate lastEventAt"""
PATH_FIELDS = "trafficCount uniqueContactCount trafficRatio uniqueContactRatio"

CANVAS = f"""query($id: ID!, $start: Date!, $end: Date!, $tz: String) {{
  journey(id: $id) {{
    performance(startDate: $start, endDate: $end, timeZone: $tz) {{ {JOURNEY_FIELDS} }}
    nodes {{ id type performance(startDate: $start, endDate: $end, timeZone: $tz) {{ {NODE_FIELDS} }} }}
    paths {{ id source {{ id }} performance(startDate: $start, endDate: $end, timeZone: $tz) {{ {PATH_FIELDS} }} }}
  }}
}}"""
SERIES = f"""query($id: ID!, $start: Date!, $end: Date!, $tz: String, $g: Granularity!) {{
  journey(id: $id) {{
    timeSeries(startDate: $start, endDate: $end, timeZone: $tz, granularity: $g) {{ start end performance {{ {JOURNEY_FIELDS} }} }}
    nodes {{ id type timeSeries(startDate: $start, endDate: $end, timeZone: $tz, granularity: $g) {{
      start end performance {{ {NODE_FIELDS} }} }} }}
    paths {{ id source {{ id }} timeSeries(startDate: $start, endDate: $end, timeZone: $tz, granularity: $g) {{
      start end performance {{ {PATH_FIELDS} }} }} }}
  }}
}}"""

NODES = [
    {"key": "t", "type": "TRIGGER"},
    {"key": "mail", "type": "MESSAGE", "channel": "EMAIL"},
    {"key": "sms", "type": "MESSAGE", "channel": "SMS"},
    {"key": "hook", "type": "WEBHOOK"},
    {"key": "wait", "type": "WAIT"},
    {"key": "x", "type": "EXIT"},
]
PATHS = [
    {"source": "t", "target": "mail"},
    {"source": "t", "target": "sms"},
    {"source": "mail", "target": "hook"},
    {"source": "sms", "target": "wait"},
    {"source": "wait", "target": "x"},
    {"source": "hook", "target": "x"},
]
# Stretches of time with events: both 2026 daylight-saving changes of New York, and plain days.
PERIODS = [
    (datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 12, tzinfo=UTC)),
    (datetime(2026, 10, 28, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC)),
]
# Instants right at (and a hair before) local midnights the tests cut windows at.
EDGES = [
    reference.local_day_start(date(2026, 3, 8), "America/New_York"),
    reference.local_day_start(date(2026, 3, 9), "America/New_York"),
    reference.local_day_start(date(2026, 11, 1), "America/New_York"),
    reference.local_day_start(date(2026, 11, 2), "America/New_York"),
    reference.local_day_start(date(2026, 3, 6), "Asia/Kolkata"),
    reference.local_day_start(date(2026, 3, 10), "Asia/Kolkata"),
    datetime(2026, 3, 9, tzinfo=UTC),
]
MESSAGE_TYPES = [
    "MESSAGE_SENT", "MESSAGE_DELIVERED", "MESSAGE_BOUNCED", "MESSAGE_OPENED", "MESSAGE_CLICKED", "UNSUBSCRIBED",
    "SPAM_COMPLAINT", "HOLDOUT_GLOBAL", "HOLDOUT_JOURNEY", "ADDED_TO_CART", "TRANSACTION",
]  # fmt: skip


def make_events(journey: dict[str, Any], count: int, seed: int) -> list[dict[str, Any]]:
    """Random events of every type over the periods and edges, from 25 contacts (so uniques < counts)."""
    rng = random.Random(seed)
    nodes = {n["id"]: n["type"] for n in journey["nodes"]}
    messages = [i for i, t in nodes.items() if t == "MESSAGE"]
    hooks = [i for i, t in nodes.items() if t == "WEBHOOK"]
    paths = [p["id"] for p in journey["paths"]]
    events = []
    for i in range(count):
        if rng.random() < 0.1:
            moment = rng.choice(EDGES) - rng.choice([timedelta(0), timedelta(microseconds=1)])
        else:
            lo, hi = rng.choice(PERIODS)
            moment = lo + timedelta(seconds=rng.randrange(int((hi - lo).total_seconds())))
        kind = rng.choice(
            ["JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "GOAL_CONVERTED", "NODE_ENTERED"] * 2
            + ["PATH_TRAVERSED"] * 3
            + MESSAGE_TYPES
            + ["WEBHOOK_SUCCEEDED", "WEBHOOK_FAILED"]
        )
        event: dict[str, Any] = {
            "id": f"ev-{seed}-{i}",
            "type": kind,
            "journeyId": journey["id"],
            "contactId": f"contact-{rng.randrange(25)}",
            "occurredAt": moment.astimezone(rng.choice([UTC, reference.ZoneInfo("Asia/Tokyo")])).isoformat(),
        }
        if kind in MESSAGE_TYPES:
            event["nodeId"] = rng.choice(messages)
        elif kind.startswith("WEBHOOK"):
            event["nodeId"] = rng.choice(hooks)
        elif kind == "NODE_ENTERED":
            event["nodeId"] = rng.choice(list(nodes))
        elif kind == "PATH_TRAVERSED":
            event["pathId"] = rng.choice(paths)
        elif rng.random() < 0.4:
            event["nodeId"] = rng.choice(list(nodes))  # journey-level events may say where they happened
        if kind == "TRANSACTION":
            event["revenue"] = rng.choice(["19.99", "0.01", "100", "7.5", 3.25, 12])
        events.append(event)
    return events


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def dataset(app, http, statements):
    """A journey with 1,500 events, whose WAIT node was removed from the canvas afterwards."""
    api = await new_api(app, http, statements, ["read", "write", "ingest"])
    journey = await create_journey(api, "Measured", NODES, PATHS)
    events = make_events(journey, 1500, seed=7)
    for start in range(0, len(events), 500):
        response = await http.post(
            "/v1/events",
            json={"events": events[start : start + 500]},
            headers={"Authorization": f"Bearer {api.key}"},
        )
        assert response.json() == {
            "accepted": len(events[start : start + 500]),
            "duplicates": 0,
            "rejected": [],
        }
    removed = next(n for n in journey["nodes"] if n["type"] == "WAIT")
    keep_nodes = [
        {"id": n["id"], "type": n["type"], "channel": n["channel"]} for n in journey["nodes"] if n != removed
    ]
    keep_paths = [
        {"id": p["id"], "source": p["source"]["id"], "target": p["target"]["id"]}
        for p in journey["paths"]
        if removed["id"] not in (p["source"]["id"], p["target"]["id"])
    ]
    saved = await api.gql(SAVE, {"journeyId": journey["id"], "nodes": keep_nodes, "paths": keep_paths})
    assert saved["saveCanvas"]["userErrors"] == []
    return api, journey, events, removed


def assert_figures(actual: dict[str, Any], expected: dict[str, Any], where: str) -> None:
    assert set(actual) == set(expected), where
    for name, want in expected.items():
        got = actual[name]
        if isinstance(want, float):
            assert got is not None and math.isclose(got, want, rel_tol=1e-9), (
                f"{where} {name}: {got} != {want}"
            )
        elif name == "lastEventAt" and want is not None:
            assert datetime.fromisoformat(got) == datetime.fromisoformat(want), f"{where} {name}"
        else:
            assert got == want, f"{where} {name}: {got!r} != {want!r}"


def check_canvas(journey_data, events, journey_id, lo, hi, label):
    assert_figures(
        journey_data["performance"], reference.journey(events, journey_id, lo, hi), f"{label} journey"
    )
    for n in journey_data["nodes"]:
        assert_figures(
            n["performance"], reference.node(events, n["id"], n["type"], lo, hi), f"{label} node {n['type']}"
        )
    for p in journey_data["paths"]:
        assert_figures(
            p["performance"], reference.path(events, p["id"], p["source"]["id"], lo, hi), f"{label} path"
        )


WINDOWS = [
    ("UTC", date(2026, 3, 1), date(2026, 3, 31)),
    ("UTC", date(2026, 3, 9), date(2026, 3, 9)),
    ("America/New_York", date(2026, 3, 7), date(2026, 3, 9)),  # spring forward, 23-hour day
    ("America/New_York", date(2026, 3, 8), date(2026, 3, 8)),
    ("America/New_York", date(2026, 10, 31), date(2026, 11, 2)),  # fall back, 25-hour day
    ("America/New_York", date(2026, 11, 1), date(2026, 11, 1)),
    ("Asia/Kolkata", date(2026, 3, 6), date(2026, 3, 9)),  # +05:30
    ("Asia/Kolkata", date(2026, 1, 1), date(2026, 12, 31)),
]


@pytest.mark.parametrize(("tz", "start", "end"), WINDOWS)
async def test_every_figure_matches_the_definitions(dataset, tz, start, end):
    api, journey, events, _ = dataset
    lo, hi = reference.window(start, end, tz)

    data = await api.gql(CANVAS, {"id": journey["id"], "start": str(start), "end": str(end), "tz": tz})

    check_canvas(data["journey"], events, journey["id"], lo, hi, f"{tz} {start}..{end}")


async def test_a_removed_node_still_counts_and_still_resolves(dataset):
    api, _journey, events, removed = dataset
    lo, hi = reference.window(date(2026, 1, 1), date(2026, 12, 31), "UTC")
    query = f"""query($id: ID!) {{ node(id: $id) {{ removed
        performance(startDate: "2026-01-01", endDate: "2026-12-31") {{ {NODE_FIELDS} }} }} }}"""

    data = await api.gql(query, {"id": removed["id"]})

    assert data["node"]["removed"] is True
    expected = reference.node(events, removed["id"], "WAIT", lo, hi)
    assert expected["trafficCount"] > 0  # the test data gives the removed node some history
    assert_figures(data["node"]["performance"], expected, "removed node")


async def test_a_removed_node_beside_its_journeys_canvas_still_counts(dataset):
    # the canvas asks for its journey's nodes' figures as a whole; the removed node is not on it
    api, journey, events, removed = dataset
    lo, hi = reference.window(date(2026, 1, 1), date(2026, 12, 31), "UTC")
    window = 'startDate: "2026-01-01", endDate: "2026-12-31"'
    query = f"""query($journey: ID!, $removed: ID!) {{
        journey(id: $journey) {{ nodes {{ id performance({window}) {{ trafficCount }} }} }}
        node(id: $removed) {{ performance({window}) {{ {NODE_FIELDS} }} }} }}"""

    data = await api.gql(query, {"journey": journey["id"], "removed": removed["id"]})

    assert removed["id"] not in [n["id"] for n in data["journey"]["nodes"]]
    expected = reference.node(events, removed["id"], "WAIT", lo, hi)
    assert expected["trafficCount"] > 0
    assert_figures(data["node"]["performance"], expected, "removed node beside the canvas")


async def test_the_workspace_time_zone_is_the_default(app, http, statements):
    # given a workspace in Asia/Kolkata with one event at 20:00 UTC on 1 March (01:30 on 2 March there)
    from journeygraph.db.queries.workspaces import create_api_key, create_workspace
    from tests.conftest import Api

    async with app.state.sessions.begin() as session:
        workspace = await create_workspace(session, "India", time_zone="Asia/Kolkata")
        key = await create_api_key(session, workspace.id, ["read", "write", "ingest"])
    api = Api(http, workspace.id, key, statements)
    journey = await create_journey(api)
    event = {
        "id": "e",
        "type": "JOURNEY_ENTERED",
        "journeyId": journey["id"],
        "contactId": "c",
        "occurredAt": "2026-03-01T20:00:00Z",
    }
    await http.post("/v1/events", json={"events": [event]}, headers={"Authorization": f"Bearer {key}"})
    query = """query($id: ID!) { journey(id: $id) {
        local: performance(startDate: "2026-03-02", endDate: "2026-03-02") { enteredCount }
        utc: performance(startDate: "2026-03-02", endDate: "2026-03-02", timeZone: "UTC") { enteredCount } } }"""

    data = await api.gql(query, {"id": journey["id"]})

    assert data["journey"] == {"local": {"enteredCount": 1}, "utc": {"enteredCount": 0}}


SERIES_CASES = [
    ("America/New_York", date(2026, 3, 6), date(2026, 3, 10), "DAY"),
    ("America/New_York", date(2026, 3, 8), date(2026, 3, 8), "HOUR"),  # 23 points
    ("America/New_York", date(2026, 11, 1), date(2026, 11, 1), "HOUR"),  # 25 points
    ("Asia/Kolkata", date(2026, 3, 4), date(2026, 3, 11), "HOUR"),
    ("America/New_York", date(2026, 3, 4), date(2026, 3, 20), "WEEK"),
    ("UTC", date(2026, 2, 15), date(2026, 11, 10), "MONTH"),
    ("Asia/Kolkata", date(2026, 10, 20), date(2026, 11, 20), "WEEK"),
]


@pytest.mark.parametrize(("tz", "start", "end", "granularity"), SERIES_CASES)
async def test_time_series_points_match_the_definitions(dataset, tz, start, end, granularity):
    api, journey, events, _ = dataset
    expected_points = reference.points(start, end, tz, granularity)

    data = await api.gql(
        SERIES, {"id": journey["id"], "start": str(start), "end": str(end), "tz": tz, "g": granularity}
    )

    series = data["journey"]["timeSeries"]
    got_points = [(datetime.fromisoformat(p["start"]), datetime.fromisoformat(p["end"])) for p in series]
    assert got_points == expected_points
    if granularity == "HOUR" and start == end:
        assert len(series) == {date(2026, 3, 8): 23, date(2026, 11, 1): 25}[start]
    for i, (lo, hi) in enumerate(expected_points):
        label = f"{granularity} point {i}"
        assert_figures(series[i]["performance"], reference.journey(events, journey["id"], lo, hi), label)
        for n in data["journey"]["nodes"]:
            assert_figures(
                n["timeSeries"][i]["performance"], reference.node(events, n["id"], n["type"], lo, hi), label
            )
        for p in data["journey"]["paths"]:
            expected = reference.path(events, p["id"], p["source"]["id"], lo, hi)
            assert_figures(p["timeSeries"][i]["performance"], expected, label)


async def test_aliased_windows_in_one_query_each_match(dataset):
    api, journey, events, _ = dataset
    query = f"""query($id: ID!) {{ journey(id: $id) {{
        march: performance(startDate: "2026-03-01", endDate: "2026-03-31", timeZone: "America/New_York") {{ {JOURNEY_FIELDS} }}
        autumn: performance(startDate: "2026-10-01", endDate: "2026-11-30") {{ {JOURNEY_FIELDS} }}
        nodes {{ id type
          march: performance(startDate: "2026-03-01", endDate: "2026-03-31", timeZone: "America/New_York") {{ {NODE_FIELDS} }}
          autumn: performance(startDate: "2026-10-01", endDate: "2026-11-30") {{ {NODE_FIELDS} }} }} }} }}"""

    data = (await api.gql(query, {"id": journey["id"]}))["journey"]

    windows = {
        "march": reference.window(date(2026, 3, 1), date(2026, 3, 31), "America/New_York"),
        "autumn": reference.window(date(2026, 10, 1), date(2026, 11, 30), "UTC"),
    }
    for alias, (lo, hi) in windows.items():
        assert_figures(data[alias], reference.journey(events, journey["id"], lo, hi), alias)
        for n in data["nodes"]:
            assert_figures(
                n[alias], reference.node(events, n["id"], n["type"], lo, hi), f"{alias} {n['type']}"
            )


async def test_journey_uniques_are_distinct_across_nodes_not_summed(dataset):
    api, journey, events, _ = dataset
    query = """query($id: ID!) { journey(id: $id) {
        performance(startDate: "2026-01-01", endDate: "2026-12-31") { uniqueOpens }
        nodes(types: [MESSAGE]) { performance(startDate: "2026-01-01", endDate: "2026-12-31") { uniqueOpens } } } }"""

    data = (await api.gql(query, {"id": journey["id"]}))["journey"]

    summed = sum(n["performance"]["uniqueOpens"] for n in data["nodes"])
    distinct = len({e["contactId"] for e in events if e["type"] == "MESSAGE_OPENED"})
    assert data["performance"]["uniqueOpens"] == distinct < summed


PATHS_ONLY = f"""query($id: ID!) {{ journey(id: $id) {{
  paths {{ id source {{ id }} performance(startDate: "2026-01-01", endDate: "2026-12-31") {{ {PATH_FIELDS} }} }}
}} }}"""
YEAR = (date(2026, 1, 1), date(2026, 12, 31))


def check_paths(paths: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    lo, hi = reference.window(*YEAR, "UTC")
    for p in paths:
        assert_figures(p["performance"], reference.path(events, p["id"], p["source"]["id"], lo, hi), "path")
    assert any(p["performance"]["trafficRatio"] for p in paths)  # the ratios are not all null


async def test_path_ratios_hold_without_the_nodes_figures_in_the_query(dataset):
    # the source nodes' figures cannot come from the nodes' own batch here
    api, journey, events, _ = dataset

    data, count = await api.count(PATHS_ONLY, {"id": journey["id"]})

    check_paths(data["journey"]["paths"], events)
    # auth, canvas sizes, journey, nodes (path ends), paths; counts and uniques of paths and their sources
    assert count == 7


async def test_path_ratios_and_statements_hold_whichever_list_arrives_first(dataset, monkeypatch):
    # given a canvas whose nodes query answers after its paths query
    import asyncio

    from journeygraph.db.queries import canvas

    api, journey, events, _ = dataset
    variables = {"id": journey["id"], "start": str(YEAR[0]), "end": str(YEAR[1]), "tz": "UTC"}
    _, usual = await api.count(CANVAS, variables)
    original = canvas.nodes_by_journey_ids

    async def late(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)
        return await original(*args, **kwargs)

    monkeypatch.setattr(canvas, "nodes_by_journey_ids", late)

    # when
    data, count = await api.count(CANVAS, variables)

    # then the same statements and the same figures
    assert count == usual
    check_canvas(data["journey"], events, journey["id"], *reference.window(*YEAR, "UTC"), "late nodes")


@pytest.mark.parametrize("read_ahead", [True, False])
async def test_no_subjects_figures_are_read_twice_when_paths_arrive_first(dataset, monkeypatch, read_ahead):
    # given a canvas whose nodes query answers after its paths query (with and without the
    # figures asked for before the rows arrive, as a whole journey's nodes and paths)
    import asyncio

    from journeygraph.db.queries import canvas
    from journeygraph.db.queries import performance as reads
    from journeygraph.schema import journey as journey_module

    api, journey, events, _ = dataset
    variables = {"id": journey["id"], "start": str(YEAR[0]), "end": str(YEAR[1]), "tz": "UTC"}
    original, counts, uniques = canvas.nodes_by_journey_ids, reads.counts, reads.uniques
    asked: dict[str, list[tuple[list[Any], Any]]] = {"counts": [], "uniques": []}

    async def late(*args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.05)
        return await original(*args, **kwargs)

    async def counting(
        session: Any, workspace: Any, level: str, journeys: Any, nodes: Any, ranges: Any, *more: Any
    ) -> Any:
        paths = more[0] if more else []
        whole = more[1] if len(more) > 1 else reads.NO_WHOLE_JOURNEYS
        asked["counts"].append(([*nodes, *paths], whole))
        return await counts(session, workspace, level, journeys, nodes, ranges, *more)

    async def distinct(
        session: Any, workspace: Any, journeys: Any, owners: Any, kinds: Any, ranges: Any, *more: Any
    ) -> Any:
        asked["uniques"].append((list(owners), more[0] if more else reads.NO_WHOLE_JOURNEYS))
        return await uniques(session, workspace, journeys, owners, kinds, ranges, *more)

    monkeypatch.setattr(canvas, "nodes_by_journey_ids", late)
    monkeypatch.setattr(reads, "counts", counting)
    monkeypatch.setattr(reads, "uniques", distinct)
    if not read_ahead:
        monkeypatch.setattr(journey_module, "prefetch_figures", lambda *args: None)

    # when
    data = await api.gql(CANVAS, variables)

    # then every subject is read once: by id, or as one of its journey's current nodes or paths
    nodes = {str(parse_id(n["id"])) for n in data["journey"]["nodes"]}
    paths = {str(parse_id(p["id"])) for p in data["journey"]["paths"]}
    journey_id = parse_id(journey["id"])
    for kind, calls in asked.items():
        subjects = []
        for ids, whole in calls:
            subjects += [str(s) for s in ids if s != journey_id]  # not its totals
            subjects += sorted(nodes) if journey_id in whole.nodes_of else []
            subjects += sorted(paths) if journey_id in whole.paths_of else []
        assert len(subjects) == len(set(subjects)), kind
        assert nodes | paths <= set(subjects), kind
        wholes = [whole for _, whole in calls if whole.nodes_of or whole.paths_of]
        assert bool(wholes) == read_ahead, kind
    check_canvas(data["journey"], events, journey["id"], *reference.window(*YEAR, "UTC"), "late nodes")


async def test_a_canvas_figures_are_read_while_its_nodes_and_paths_are(dataset, monkeypatch):
    # given a canvas whose nodes and paths take a while to load
    import asyncio

    from journeygraph.db.queries import canvas
    from journeygraph.db.queries import performance as reads

    api, journey, events, _ = dataset
    variables = {"id": journey["id"], "start": str(YEAR[0]), "end": str(YEAR[1]), "tz": "UTC"}
    _, usual = await api.count(CANVAS, variables)
    happened: list[str] = []
    loads = {"nodes": canvas.nodes_by_journey_ids, "paths": canvas.paths_by_journey_ids}
    counts, uniques = reads.counts, reads.uniques

    def slow(name: str) -> Any:
        async def load(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.05)
            found = await loads[name](*args, **kwargs)
            happened.append(f"{name} loaded")
            return found

        return load

    async def counting(session: Any, workspace: Any, level: str, *args: Any) -> Any:
        happened.append(f"{level} counts asked")
        return await counts(session, workspace, level, *args)

    async def distinct(*args: Any) -> Any:
        happened.append("uniques asked")
        return await uniques(*args)

    monkeypatch.setattr(canvas, "nodes_by_journey_ids", slow("nodes"))
    monkeypatch.setattr(canvas, "paths_by_journey_ids", slow("paths"))
    monkeypatch.setattr(reads, "counts", counting)
    monkeypatch.setattr(reads, "uniques", distinct)

    # when
    data, count = await api.count(CANVAS, variables)

    # then the nodes' and paths' figures were asked for before either list had loaded, with the
    # journey's (one statement for all three), with the statements and figures of the usual order
    first_rows = min(happened.index("nodes loaded"), happened.index("paths loaded"))
    asked_before = happened[:first_rows]
    assert "both counts asked" in asked_before and "uniques asked" in asked_before, happened
    assert count == usual
    check_canvas(data["journey"], events, journey["id"], *reference.window(*YEAR, "UTC"), "read ahead")


async def test_figures_a_directive_skips_are_not_read(dataset):
    # given the canvas's node figures behind @skip: nothing asks for them ahead of the rows
    api, journey, _, _ = dataset
    bare = """query($id: ID!) { journey(id: $id) { nodes { id } } }"""
    skipped = f"""query($id: ID!, $skip: Boolean!) {{ journey(id: $id) {{ nodes {{ id
      performance(startDate: "2026-01-01", endDate: "2026-12-31") @skip(if: $skip) {{ {NODE_FIELDS} }} }} }} }}"""

    _, without = await api.count(bare, {"id": journey["id"]})
    data, count = await api.count(skipped, {"id": journey["id"], "skip": True})

    assert count == without
    assert all("performance" not in node for node in data["journey"]["nodes"])
