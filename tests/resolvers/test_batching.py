"""The canvas query costs the same number of SQL statements for 5 nodes as for 500."""

from __future__ import annotations

from tests.operations import create_journey

CANVAS = """query($id: ID!) {
  journey(id: $id) {
    id name
    nodes { id type name position { x y } journey { id } incoming { id } outgoing { id } }
    paths { id index source { id name } target { id name } journey { id } }
  }
}"""
MANY = """query($ids: [ID!]!) {
  journeysByIds(ids: $ids) { id nodes { id incoming { id } } paths { source { id } target { id } } }
}"""


def chain(size: int) -> tuple[list[dict], list[dict]]:
    """A trigger followed by size - 1 waits, in a line."""
    nodes = [{"key": "n0", "type": "TRIGGER"}] + [{"key": f"n{i}", "type": "WAIT"} for i in range(1, size)]
    paths = [{"source": f"n{i}", "target": f"n{i + 1}"} for i in range(size - 1)]
    return nodes, paths


async def test_canvas_statements_do_not_grow_with_nodes(api):
    small = await create_journey(api, "small", *chain(5))
    large = await create_journey(api, "large", *chain(500))

    small_data, small_count = await api.count(CANVAS, {"id": small["id"]})
    large_data, large_count = await api.count(CANVAS, {"id": large["id"]})

    assert len(small_data["journey"]["nodes"]) == 5 and len(large_data["journey"]["paths"]) == 499
    assert large_data["journey"]["paths"][-1]["target"]["id"] == large_data["journey"]["nodes"][-1]["id"]
    assert small_count == large_count
    # auth + canvas sizes (the cost check) + journey + nodes + paths;
    # path ends and node.journey come from primed loaders
    assert large_count == 5


async def test_many_journeys_batch_the_same_way(api):
    two = [(await create_journey(api, f"j{i}", *chain(3)))["id"] for i in range(2)]
    twenty = [(await create_journey(api, f"k{i}", *chain(3)))["id"] for i in range(20)]

    _, count_two = await api.count(MANY, {"ids": two})
    data, count_twenty = await api.count(MANY, {"ids": twenty})

    assert [j["id"] for j in data["journeysByIds"]] == twenty
    assert count_two == count_twenty


PERFORMANCE_CANVAS = """query($id: ID!) { journey(id: $id) {
  performance(startDate: "2026-01-01", endDate: "2026-01-31") { enteredCount uniqueContactCount inProgressCount uniqueOpens }
  nodes { id performance(startDate: "2026-01-01", endDate: "2026-01-31") {
    trafficCount uniqueContactCount messageSent uniqueOpens openRate lastEventAt } }
  paths { id performance(startDate: "2026-01-01", endDate: "2026-01-31") {
    trafficCount uniqueContactCount trafficRatio uniqueContactRatio } }
} }"""
COUNTS_ONLY = """query($id: ID!) { journey(id: $id) {
  performance(startDate: "2026-01-01", endDate: "2026-01-31") { enteredCount messageSent revenue }
  nodes { performance(startDate: "2026-01-01", endDate: "2026-01-31") { trafficCount messageSent deliveryRate } }
  paths { performance(startDate: "2026-01-01", endDate: "2026-01-31") { trafficCount trafficRatio } }
} }"""
TWO_WINDOWS = """query($id: ID!) { journey(id: $id) {
  now: performance(startDate: "2026-02-01", endDate: "2026-02-28") { enteredCount uniqueContactCount }
  before: performance(startDate: "2026-01-01", endDate: "2026-01-31", timeZone: "Asia/Tokyo") { enteredCount uniqueContactCount }
  nodes { now: performance(startDate: "2026-02-01", endDate: "2026-02-28") { trafficCount uniqueContactCount }
          before: performance(startDate: "2026-01-01", endDate: "2026-01-31", timeZone: "Asia/Tokyo") { trafficCount uniqueContactCount } }
} }"""
MANY_PERFORMANCE = """query($ids: [ID!]!) { journeysByIds(ids: $ids) {
  performance(startDate: "2026-01-01", endDate: "2026-01-31") { enteredCount uniqueContactCount inProgressCount }
  nodes { performance(startDate: "2026-01-01", endDate: "2026-01-31") { trafficCount uniqueContactCount } } } }"""
LIST_PERFORMANCE = """query($first: Int!) { journeys(first: $first) { edges { node {
  performance(startDate: "2026-01-01", endDate: "2026-01-31") { enteredCount uniqueContactCount } } } } }"""


async def test_the_performance_canvas_costs_the_same_for_5_and_500_nodes(api):
    small = await create_journey(api, "small", *chain(5))
    large = await create_journey(api, "large", *chain(500))

    _, small_count = await api.count(PERFORMANCE_CANVAS, {"id": small["id"]})
    data, large_count = await api.count(PERFORMANCE_CANVAS, {"id": large["id"]})

    assert len(data["journey"]["nodes"]) == 500
    assert small_count == large_count


async def test_a_canvas_reads_the_tail_once_per_kind_of_figure(api):
    # given a canvas whose journey, nodes and paths all ask for counts and distinct contacts
    journey = await create_journey(api, "tail", *chain(20))

    # when
    await api.count(PERFORMANCE_CANVAS, {"id": journey["id"]})

    # then its events not folded yet are read three times: counts, distinct contacts and the
    # contacts in progress, each for the journey, its nodes and its paths at once
    tail_reads = [s for s in api.counter.statements if "event_tail" in s]
    assert len(tail_reads) == 3
    assert sum("contact_sets" in s for s in tail_reads) == 1


async def test_performance_batches_across_2_and_20_journeys(api):
    two = [(await create_journey(api, f"j{i}", *chain(3)))["id"] for i in range(2)]
    twenty = [(await create_journey(api, f"k{i}", *chain(3)))["id"] for i in range(20)]

    _, count_two = await api.count(MANY_PERFORMANCE, {"ids": two})
    _, count_twenty = await api.count(MANY_PERFORMANCE, {"ids": twenty})
    _, list_two = await api.count(LIST_PERFORMANCE, {"first": 2})
    _, list_twenty = await api.count(LIST_PERFORMANCE, {"first": 20})

    assert count_two == count_twenty
    assert list_two == list_twenty


async def test_unique_counts_are_not_queried_unless_selected(api):
    journey = await create_journey(api, "j", *chain(5))

    await api.count(COUNTS_ONLY, {"id": journey["id"]})
    counts_only = list(api.counter.statements)
    await api.count(PERFORMANCE_CANVAS, {"id": journey["id"]})
    with_uniques = list(api.counter.statements)

    def reads_uniques(statement: str) -> bool:
        return "contact_sets" in statement

    assert not any(reads_uniques(s) for s in counts_only)
    assert any(reads_uniques(s) for s in with_uniques)


async def test_each_further_window_adds_a_fixed_number_of_statements(api):
    small = await create_journey(api, "small", *chain(3))
    large = await create_journey(api, "large", *chain(60))
    one_window = TWO_WINDOWS.replace("before: performance", "again: performance").replace(
        'startDate: "2026-01-01", endDate: "2026-01-31", timeZone: "Asia/Tokyo"',
        'startDate: "2026-02-01", endDate: "2026-02-28"',
    )

    _, single = await api.count(one_window, {"id": small["id"]})
    _, double_small = await api.count(TWO_WINDOWS, {"id": small["id"]})
    _, double_large = await api.count(TWO_WINDOWS, {"id": large["id"]})

    assert double_small == double_large
    # counts and uniques, for the journey and its nodes at once, in the second window
    assert double_small - single == 2


async def test_path_ends_cost_nothing_extra_when_paths_arrive_before_nodes(api, monkeypatch):
    # given a canvas whose nodes query answers after its paths query
    import asyncio

    from journeygraph.db.queries import canvas

    journey = await create_journey(api, "late nodes", *chain(20))
    _, usual = await api.count(CANVAS, {"id": journey["id"]})
    original = canvas.nodes_by_journey_ids

    async def late(*args, **kwargs):
        await asyncio.sleep(0.05)
        return await original(*args, **kwargs)

    monkeypatch.setattr(canvas, "nodes_by_journey_ids", late)

    # when
    data, count = await api.count(CANVAS, {"id": journey["id"]})

    # then the same statements, and every path end is there
    assert count == usual
    assert all(p["source"]["id"] and p["target"]["id"] for p in data["journey"]["paths"])


async def test_the_canvas_reads_without_transaction_round_trips(app, api, monkeypatch):
    # given a count of the transactions asyncpg opens (a BEGIN, later a COMMIT or ROLLBACK), with
    # the app's folder paused: its folds are transactions of its own, on its own connection
    import asyncpg.transaction

    journey = await create_journey(api, "reads", *chain(20))
    await app.state.folder.stop()
    opened = 0
    start = asyncpg.transaction.Transaction.start

    async def counted(self, *args, **kwargs):
        nonlocal opened
        opened += 1
        return await start(self, *args, **kwargs)

    monkeypatch.setattr(asyncpg.transaction.Transaction, "start", counted)

    # when
    try:
        _, statements = await api.count(PERFORMANCE_CANVAS, {"id": journey["id"]})
    finally:
        app.state.folder.start()

    # then none of its 8 statements runs inside a transaction, authentication's included
    assert statements == 8
    assert opened == 0
