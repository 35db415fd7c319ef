"""The cost model of README "Query cost", worked by hand on small documents."""

from __future__ import annotations

import uuid

import pytest
from graphql import parse

from journeygraph.core.settings import Settings
from journeygraph.execution.cost import MUTATION_COST, USER_ERRORS_BOUND, WINDOW_COST, measure_operation
from journeygraph.execution.executable import schema

SETTINGS = Settings()  # 100 per page, 100 ids, 1000 nodes and 2000 paths per canvas
J = str(uuid.uuid4())
WINDOW = 'startDate: "2026-01-01", endDate: "2026-01-31"'


def measure(
    query: str, variables: dict | None = None, sizes: dict | None = None, operation: str | None = None
):
    return measure_operation(schema._schema, parse(query), operation, variables, SETTINGS, sizes)


def test_scalars_are_free_and_each_object_costs_one():
    assert measure("{ workspace { id name timeZone } }").cost == 1


def test_a_page_costs_its_first_items_and_defaults_to_twenty():
    page = "edges { node { id } } pageInfo { hasNextPage }"
    # the connection, `first` edges, `first` journeys, the page info
    assert measure(f"{{ journeys(first: 5) {{ {page} }} }}").cost == 1 + 5 + 5 + 1
    assert measure(f"query($n: Int) {{ journeys(first: $n) {{ {page} }} }}", {"n": 7}).cost == 1 + 7 + 7 + 1
    assert measure(f"query($n: Int = 3) {{ journeys(first: $n) {{ {page} }} }}").cost == 1 + 3 + 3 + 1
    assert measure(f"{{ journeys {{ {page} }} }}").cost == 1 + 20 + 20 + 1


def test_ids_bound_a_list_and_each_distinct_window_adds_its_own_cost():
    ids = [str(uuid.uuid4()) for _ in range(3)]
    one_window = f"query($ids: [ID!]!) {{ journeysByIds(ids: $ids) {{ id performance({WINDOW}) {{ enteredCount }} }} }}"
    assert measure(one_window, {"ids": ids}).cost == 3 + 3 + WINDOW_COST
    same_window_twice = f"""query($ids: [ID!]!) {{ journeysByIds(ids: $ids) {{
        a: performance({WINDOW}) {{ enteredCount }} b: performance({WINDOW}) {{ exitedCount }} }} }}"""
    assert measure(same_window_twice, {"ids": ids}).cost == 3 + 6 + WINDOW_COST
    two_windows = f"""query($ids: [ID!]!) {{ journeysByIds(ids: $ids) {{
        a: performance({WINDOW}) {{ enteredCount }}
        b: performance(startDate: "2025-12-01", endDate: "2025-12-31") {{ enteredCount }} }} }}"""
    assert measure(two_windows, {"ids": ids}).cost == 3 + 6 + 2 * WINDOW_COST


def test_a_canvas_costs_the_largest_allowed_until_its_real_size_is_known():
    query = f'{{ journey(id: "{J}") {{ nodes {{ id }} paths {{ source {{ id }} }} }} }}'
    unknown = measure(query)
    assert unknown.cost == 1 + 1000 + 2000 + 2000
    assert unknown.named_journeys == {J}
    assert measure(query, sizes={J: (5, 4)}).cost == 1 + 5 + 4 + 4
    # a journey that is not there has no nodes
    assert measure(query, sizes={}).cost == 1


def test_the_paths_of_all_nodes_of_a_journey_together_are_its_paths():
    query = f'{{ journey(id: "{J}") {{ nodes {{ outgoing {{ id }} incoming {{ id }} }} }} }}'
    assert measure(query).cost == 1 + 1000 + 2000 + 2000
    assert measure(query, sizes={J: (3, 2)}).cost == 1 + 3 + 2 + 2
    # a node on its own can have every path of its journey
    alone = f'{{ node(id: "{J}") {{ outgoing {{ id }} }} }}'
    assert measure(alone).cost == 1 + 2000


def test_nodes_reached_as_path_ends_may_repeat_so_each_may_have_every_path():
    query = f'{{ journey(id: "{J}") {{ paths {{ target {{ incoming {{ id }} }} }} }} }}'
    # 3 paths into one node: 3 targets, each with the 3 paths in
    assert measure(query, sizes={J: (4, 3)}).cost == 1 + 3 + 3 + 3 * 3


def test_lists_under_lists_multiply():
    query = "{ journeys(first: 2) { edges { node { nodes { id } } } } }"
    assert measure(query).cost == 1 + 2 + 2 + 2 * 1000


@pytest.mark.parametrize(
    ("granularity", "start", "end", "points"),
    [
        ("DAY", "2026-01-01", "2026-01-31", 31),
        ("HOUR", "2026-03-07", "2026-03-08", 2 * 25),  # a day may have 25 hours
        ("WEEK", "2026-01-01", "2026-01-31", 31 // 7 + 2),  # partial weeks at both ends
        ("MONTH", "2026-01-15", "2026-03-15", 59 // 28 + 2),
    ],
)
def test_a_time_series_costs_each_point_it_can_hold(granularity, start, end, points):
    query = f"""{{ journey(id: "{J}") {{ timeSeries(startDate: "{start}", endDate: "{end}",
        granularity: {granularity}) {{ start performance {{ enteredCount }} }} }} }}"""
    # the journey, each point, each point's figures, the window
    assert measure(query).cost == 1 + 2 * points + WINDOW_COST


def test_fragments_count_like_the_fields_they_stand_for():
    spread = f'{{ journey(id: "{J}") {{ ...F }} }} fragment F on Journey {{ nodes {{ id }} }}'
    inline = f'{{ journey(id: "{J}") {{ ... on Journey {{ nodes {{ id }} }} }} }}'
    assert measure(spread).cost == measure(inline).cost == 1 + 1000


def test_mutations_cost_more_and_rejections_are_bounded_by_the_events_sent():
    create = 'mutation { createJourney(input: {name: "x"}) { journey { id } userErrors { message } } }'
    assert measure(create).cost == MUTATION_COST + 1 + 1 + USER_ERRORS_BOUND
    events = [{"id": str(i)} for i in range(7)]
    record = "mutation($e: [EventInput!]!) { recordEvents(events: $e) { accepted rejected { code } } }"
    assert measure(record, {"e": events}).cost == MUTATION_COST + 1 + 7


def test_only_the_chosen_operation_counts():
    document = "query A { workspace { id } } query B { journeys(first: 4) { edges { node { id } } } }"
    assert measure(document, operation="A").cost == 1
    assert measure(document, operation="B").cost == 1 + 4 + 4


def _bomb(levels: int, body: str) -> str:
    """Fragments each spreading the one below twice: `body` says where (F{k} is replaced)."""
    fragments = ["fragment F0 on Journey { id name }"]
    fragments += [f"fragment F{k} on Journey {{ {body.format(prev=f'F{k - 1}')} }}" for k in range(1, levels)]
    return f'{{ journey(id: "{J}") {{ ...F{levels - 1} }} }} ' + " ".join(fragments)


def test_a_fragment_spread_twice_into_one_selection_counts_once_as_in_execution():
    # 2^24 spreads if walked naively; execution collects each fragment once per selection set
    document = _bomb(25, "...{prev} ...{prev}")
    measured = measure(document)
    assert measured.cost == 1 and not measured.expanded


def test_a_document_that_expands_past_the_walk_limit_is_marked_not_walked_on():
    # each fragment lists the one below under two different fields: 2^16 selection sets
    document = _bomb(17, "nodes {{ journey {{ ...{prev} }} }} paths {{ journey {{ ...{prev} }} }}")
    measured = measure(document)
    assert measured.expanded
