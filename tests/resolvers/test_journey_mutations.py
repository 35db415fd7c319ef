"""createJourney and updateJourney."""

from __future__ import annotations

from tests.operations import CREATE, JOURNEY, UPDATE, create_journey, move


async def test_create_journey_starts_as_a_draft_at_version_one(api):
    data = await api.gql(
        CREATE,
        {
            "input": {
                "name": "  Onboarding  ",
                "description": "first week",
                "goal": {"type": "purchase", "config": {"min": 10}, "deadlineDays": 14},
            }
        },
    )

    journey = data["createJourney"]["journey"]
    assert data["createJourney"]["userErrors"] == []
    assert (journey["name"], journey["description"], journey["status"], journey["version"]) == (
        "Onboarding",
        "first week",
        "DRAFT",
        1,
    )
    assert journey["goal"] == {"type": "purchase", "config": {"min": 10}, "deadlineDays": 14}
    assert journey["nodes"] == [] and journey["paths"] == []


async def test_create_journey_refuses_bad_input_and_stores_nothing(api):
    before = (await api.gql("{ journeys { totalCount } }"))["journeys"]["totalCount"]

    data = await api.gql(
        CREATE,
        {
            "input": {
                "name": " ",
                "goal": {"type": "purchase", "deadlineDays": 0},
                "nodes": [{"key": "t", "type": "TRIGGER"}],
                "paths": [{"source": "t", "target": "missing"}],
            }
        },
    )

    payload = data["createJourney"]
    assert payload["journey"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "name"], "INVALID"),
        (["input", "goal", "deadlineDays"], "INVALID"),
        (["input", "paths", "0", "target"], "INVALID"),
    ]
    assert (await api.gql("{ journeys { totalCount } }"))["journeys"]["totalCount"] == before


async def test_update_journey_changes_only_what_is_given_and_bumps_the_version(api):
    journey = await create_journey(api, name="Old")
    await api.gql(UPDATE, {"id": journey["id"], "input": {"goal": {"type": "signup"}}})

    data = await api.gql(UPDATE, {"id": journey["id"], "input": {"name": "New"}})

    updated = data["updateJourney"]["journey"]
    assert (updated["name"], updated["version"]) == ("New", journey["version"] + 2)
    assert updated["goal"] == {"type": "signup", "config": {}, "deadlineDays": None}
    assert len(updated["nodes"]) == 2


async def test_update_journey_with_null_goal_clears_it(api):
    journey = await create_journey(api)
    await api.gql(UPDATE, {"id": journey["id"], "input": {"goal": {"type": "signup"}}})

    data = await api.gql(UPDATE, {"id": journey["id"], "input": {"goal": None, "description": None}})

    assert data["updateJourney"]["journey"]["goal"] is None


async def test_update_journey_refuses_an_empty_name_and_changes_nothing(api):
    journey = await create_journey(api, name="Keep")
    before = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]

    data = await api.gql(UPDATE, {"id": journey["id"], "input": {"name": "", "description": "x"}})

    assert data["updateJourney"]["userErrors"] == [
        {"field": ["input", "name"], "message": "name must not be empty", "code": "INVALID"}
    ]
    assert (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"] == before


async def test_update_journey_of_an_archived_journey_is_refused(api):
    journey = await create_journey(api)
    await api.gql(move("archiveJourney"), {"id": journey["id"]})

    data = await api.gql(UPDATE, {"id": journey["id"], "input": {"name": "x"}})

    assert [e["code"] for e in data["updateJourney"]["userErrors"]] == ["INVALID"]


async def test_long_names_are_refused_with_the_limit(api):
    data = await api.gql(CREATE, {"input": {"name": "x" * 201}})

    assert data["createJourney"]["userErrors"] == [
        {
            "field": ["input", "name"],
            "message": "name must be at most 200 characters, got 201",
            "code": "INVALID",
        }
    ]
