"""Another workspace's ids behave exactly like ids that do not exist, everywhere."""

from __future__ import annotations

from tests.operations import JOURNEY, MOVES, NODE, PATH, SAVE, UPDATE, create_journey, move

MISSING = "7d1f5a52-0000-4000-8000-000000000000"


async def test_reads_of_another_workspace_answer_as_not_found(api, other_api):
    # given a journey in another workspace
    foreign = await create_journey(other_api, name="Secret plans")
    node_id, path_id = foreign["nodes"][0]["id"], foreign["paths"][0]["id"]

    # then every read entry point answers exactly as for a missing id
    assert await api.gql(JOURNEY, {"id": foreign["id"]}) == await api.gql(JOURNEY, {"id": MISSING})
    assert await api.gql(NODE, {"id": node_id}) == await api.gql(NODE, {"id": MISSING}) == {"node": None}
    assert await api.gql(PATH, {"id": path_id}) == await api.gql(PATH, {"id": MISSING}) == {"path": None}
    by_ids = "query($ids: [ID!]!) { journeysByIds(ids: $ids) { id } }"
    seen = (await api.post(by_ids, {"ids": [foreign["id"]]})).json()
    unseen = (await api.post(by_ids, {"ids": [MISSING]})).json()
    assert seen["data"] == unseen["data"] == {"journeysByIds": [None]}
    assert [e["extensions"]["code"] for e in seen["errors"]] == ["NOT_FOUND"]
    assert seen["errors"][0]["message"].replace(foreign["id"], MISSING) == unseen["errors"][0]["message"]
    listed = await api.gql('{ journeys(search: "Secret") { totalCount edges { node { id } } } }')
    assert listed == {"journeys": {"totalCount": 0, "edges": []}}


async def test_mutations_on_another_workspace_answer_as_not_found_and_change_nothing(api, other_api):
    foreign = await create_journey(other_api)
    before = await other_api.gql(JOURNEY, {"id": foreign["id"]})

    def not_found(payload, field):
        return payload["journey"] is None and [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (field, "NOT_FOUND")
        ]

    for target in (foreign["id"], MISSING):
        updated = (await api.gql(UPDATE, {"id": target, "input": {"name": "pwned"}}))["updateJourney"]
        assert not_found(updated, ["id"])
        saved = (await api.gql(SAVE, {"journeyId": target, "nodes": [], "paths": []}))["saveCanvas"]
        assert not_found(saved, ["journeyId"])
        for mutation in MOVES:
            assert not_found((await api.gql(move(mutation), {"id": target}))[mutation], ["id"])
        messages = {updated["userErrors"][0]["message"].replace(target, "<id>")}
        assert messages == {"no journey with id '<id>'"}

    assert await other_api.gql(JOURNEY, {"id": foreign["id"]}) == before


async def test_created_journeys_belong_to_the_callers_workspace_only(api, other_api):
    mine = await create_journey(api, name="Mine")

    theirs = await other_api.gql("{ journeys { totalCount } }")

    assert theirs == {"journeys": {"totalCount": 0}}
    assert (await api.gql(JOURNEY, {"id": mine["id"]}))["journey"]["name"] == "Mine"
