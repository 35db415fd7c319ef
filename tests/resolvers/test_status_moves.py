"""Status moves, as SPEC.md's "Journey graph" section lists them."""

from __future__ import annotations

import pytest

from tests.operations import JOURNEY, MOVES, create_journey, move

# The allowed moves, written out from SPEC.md; every other (move, status) pair must be refused.
ALLOWED = {
    ("publishJourney", "DRAFT"): "PUBLISHED",
    ("publishJourney", "PAUSED"): "PUBLISHED",
    ("pauseJourney", "PUBLISHED"): "PAUSED",
    ("unpublishJourney", "PUBLISHED"): "DRAFT",
    ("unpublishJourney", "PAUSED"): "DRAFT",
    ("archiveJourney", "DRAFT"): "ARCHIVED",
    ("archiveJourney", "PUBLISHED"): "ARCHIVED",
    ("archiveJourney", "PAUSED"): "ARCHIVED",
    ("restoreJourney", "ARCHIVED"): "DRAFT",
}
# How to bring a new DRAFT journey into each status.
ROUTE = {
    "DRAFT": [],
    "PUBLISHED": ["publishJourney"],
    "PAUSED": ["publishJourney", "pauseJourney"],
    "ARCHIVED": ["archiveJourney"],
}


@pytest.mark.parametrize("status", list(ROUTE))
@pytest.mark.parametrize("mutation", MOVES)
async def test_every_status_move_is_allowed_or_refused_as_specified(api, mutation, status):
    # given a journey in `status`
    journey = await create_journey(api)
    for step in ROUTE[status]:
        assert (await api.gql(move(step), {"id": journey["id"]}))[step]["userErrors"] == []
    before = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]
    assert before["status"] == status

    # when
    payload = (await api.gql(move(mutation), {"id": journey["id"]}))[mutation]

    # then
    after = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]
    if (mutation, status) in ALLOWED:
        assert payload["userErrors"] == []
        assert payload["journey"]["status"] == ALLOWED[(mutation, status)]
        assert after["status"] == ALLOWED[(mutation, status)]
        assert after["version"] == before["version"] + 1
    else:
        assert payload["journey"] is None
        assert [e["code"] for e in payload["userErrors"]] == ["INVALID_TRANSITION"]
        assert status in payload["userErrors"][0]["message"]
        assert after == before


async def test_publishing_sets_published_at(api):
    journey = await create_journey(api)
    assert journey["publishedAt"] is None
    published = (await api.gql(move("publishJourney"), {"id": journey["id"]}))["publishJourney"]["journey"]
    assert published["publishedAt"] is not None


async def test_publishing_needs_a_trigger(api):
    # given a canvas with no TRIGGER
    journey = await create_journey(api, nodes=[{"key": "w", "type": "WAIT"}], paths=[])

    payload = (await api.gql(move("publishJourney"), {"id": journey["id"]}))["publishJourney"]

    assert payload["journey"] is None
    assert {e["code"] for e in payload["userErrors"]} == {"GRAPH_INVALID"}
    assert payload["userErrors"][0] == {
        "field": ["id"],  # the input at fault: the journey whose saved canvas it is
        "message": "a journey needs at least one TRIGGER node",
        "code": "GRAPH_INVALID",
    }
    assert (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]["status"] == "DRAFT"


async def test_publishing_needs_every_node_reachable_from_a_trigger(api):
    # given an island node with no way in
    journey = await create_journey(
        api,
        nodes=[
            {"key": "t", "type": "TRIGGER"},
            {"key": "a", "type": "WAIT"},
            {"key": "island", "type": "EXIT"},
        ],
        paths=[{"source": "t", "target": "a"}],
    )
    island = journey["nodes"][2]["id"]

    payload = (await api.gql(move("publishJourney"), {"id": journey["id"]}))["publishJourney"]

    assert payload["userErrors"] == [
        {
            "field": ["id"],
            "message": f"node {island} (EXIT) cannot be reached from a TRIGGER",
            "code": "GRAPH_INVALID",
        }
    ]


async def test_publishing_refuses_a_path_into_a_trigger(api):
    journey = await create_journey(
        api,
        nodes=[{"key": "t", "type": "TRIGGER"}, {"key": "w", "type": "WAIT"}],
        paths=[{"source": "t", "target": "w"}, {"source": "w", "target": "t"}],
    )
    back = journey["paths"][1]["id"]

    payload = (await api.gql(move("publishJourney"), {"id": journey["id"]}))["publishJourney"]

    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["id"], "GRAPH_INVALID")]
    assert back in payload["userErrors"][0]["message"]


async def test_unknown_journey_is_not_found_for_every_move(api):
    for mutation in MOVES:
        payload = (await api.gql(move(mutation), {"id": "00000000-0000-0000-0000-000000000000"}))[mutation]
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["id"], "NOT_FOUND")]
