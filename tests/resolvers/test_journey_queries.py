"""journeys (the paginated list), journeysByIds, journey, node, path."""

from __future__ import annotations

import pytest

from tests.operations import JOURNEY, UPDATE, create_journey, move

LIST = """query($first: Int, $after: String, $status: [JourneyStatus!], $search: String) {
  journeys(first: $first, after: $after, status: $status, search: $search) {
    totalCount
    edges { cursor node { id name status } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}"""
BY_IDS = "query($ids: [ID!]!) { journeysByIds(ids: $ids) { id name } }"


async def test_journeys_pages_through_newest_change_first(api):
    # given five journeys, the second-oldest changed last
    made = [await create_journey(api, name=f"J{i}") for i in range(5)]
    await api.gql(UPDATE, {"id": made[1]["id"], "input": {"description": "touched"}})
    expected = [made[1]["id"], made[4]["id"], made[3]["id"], made[2]["id"], made[0]["id"]]

    # when reading two at a time
    seen, after, pages = [], None, []
    while True:
        page = (await api.gql(LIST, {"first": 2, "after": after}))["journeys"]
        pages.append(page)
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]

    # then
    assert seen == expected
    assert [len(p["edges"]) for p in pages] == [2, 2, 1]
    assert {p["totalCount"] for p in pages} == {5}
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert pages[0]["pageInfo"]["startCursor"] == pages[0]["edges"][0]["cursor"]


async def test_journeys_filter_by_status_and_search(api):
    draft = await create_journey(api, name="Spring 50%_sale")
    live = await create_journey(api, name="Spring welcome")
    await create_journey(api, name="Autumn")
    await api.gql(move("publishJourney"), {"id": live["id"]})

    published = (await api.gql(LIST, {"status": ["PUBLISHED"]}))["journeys"]
    spring = (await api.gql(LIST, {"search": "spring"}))["journeys"]
    literal = (await api.gql(LIST, {"search": "50%_"}))["journeys"]
    both = (await api.gql(LIST, {"search": "spring", "status": ["DRAFT"]}))["journeys"]

    assert [e["node"]["id"] for e in published["edges"]] == [live["id"]]
    assert {e["node"]["id"] for e in spring["edges"]} == {draft["id"], live["id"]} and spring[
        "totalCount"
    ] == 2
    assert [e["node"]["id"] for e in literal["edges"]] == [draft["id"]]
    assert [e["node"]["id"] for e in both["edges"]] == [draft["id"]]


@pytest.mark.parametrize("first", [-1, 101])
async def test_journeys_first_out_of_range_is_bad_input(api, first):
    errors = await api.errors(LIST, {"first": first})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == f"first must be between 0 and 100, got {first}"


async def test_journeys_with_a_forged_cursor_is_bad_input(api):
    errors = await api.errors(LIST, {"after": "bm90IGEgY3Vyc29y"})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "after" in errors[0]["message"]


async def test_journeys_by_ids_keeps_order_with_null_and_an_error_for_each_unknown(api):
    a = await create_journey(api, name="A")
    b = await create_journey(api, name="B")
    missing = "00000000-0000-0000-0000-000000000001"

    body = (await api.post(BY_IDS, {"ids": [b["id"], "nope", a["id"], missing, b["id"]]})).json()

    # each failed entry is null, with an error at its own path saying why
    errors = [(e["path"], e["extensions"]["code"]) for e in body["errors"]]
    assert errors == [(["journeysByIds", 1], "BAD_USER_INPUT"), (["journeysByIds", 3], "NOT_FOUND")]
    data = body["data"]
    assert data["journeysByIds"] == [
        {"id": b["id"], "name": "B"},
        None,
        {"id": a["id"], "name": "A"},
        None,
        {"id": b["id"], "name": "B"},
    ]


async def test_journeys_by_ids_takes_at_most_100(api):
    errors = await api.errors(BY_IDS, {"ids": [f"id{i}" for i in range(101)]})

    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert errors[0]["message"] == "journeysByIds takes at most 100 ids, got 101"


async def test_nodes_can_be_filtered_by_type(api):
    journey = await create_journey(api)

    data = await api.gql(
        "query($id: ID!) { journey(id: $id) { nodes(types: [MESSAGE]) { name } } }", {"id": journey["id"]}
    )

    assert data["journey"]["nodes"] == [{"name": "Mail"}]


async def test_unknown_and_malformed_ids_are_null(api):
    for query in (
        JOURNEY,
        "query($id: ID!) { node(id: $id) { id } }",
        "query($id: ID!) { path(id: $id) { id } }",
    ):
        for missing in ("00000000-0000-0000-0000-000000000000", "garbage"):
            data = await api.gql(query, {"id": missing})
            assert list(data.values()) == [None]


async def test_workspace_is_the_callers(api):
    data = await api.gql("{ workspace { id timeZone currency } }")

    assert data["workspace"] == {"id": str(api.workspace_id), "timeZone": "UTC", "currency": "USD"}
