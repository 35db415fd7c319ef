"""saveCanvas: keys, kept ids, removed history, bad references, stale versions, all-or-nothing."""

from __future__ import annotations

from tests.operations import JOURNEY, NODE, PATH, SAVE, create_journey, move


async def save(api, journey_id, nodes, paths, expected_version=None):
    variables = {"journeyId": journey_id, "nodes": nodes, "paths": paths, "expectedVersion": expected_version}
    return (await api.gql(SAVE, variables))["saveCanvas"]


async def test_new_nodes_are_joined_by_keys(api):
    journey = await create_journey(api, nodes=[], paths=[])

    payload = await save(
        api,
        journey["id"],
        [
            {"key": "t", "type": "TRIGGER", "name": "Entry", "position": {"x": 1.5, "y": -2}},
            {"key": "s", "type": "SPLIT", "config": {"weights": [50, 50]}},
            {"key": "a", "type": "MESSAGE", "channel": "SMS"},
            {"key": "b", "type": "EXIT"},
        ],
        [
            {"source": "t", "target": "s"},
            {"source": "s", "target": "a", "label": "A"},
            {"source": "s", "target": "b", "label": "B"},
        ],
    )

    assert payload["userErrors"] == []
    saved = payload["journey"]
    ids = {node["name"] or node["type"]: node["id"] for node in saved["nodes"]}
    assert [n["type"] for n in saved["nodes"]] == ["TRIGGER", "SPLIT", "MESSAGE", "EXIT"]
    assert saved["nodes"][0]["position"] == {"x": 1.5, "y": -2.0}
    assert saved["nodes"][1]["config"] == {"weights": [50, 50]}
    assert saved["nodes"][2]["channel"] == "SMS"
    assert [(p["source"]["id"], p["target"]["id"], p["index"], p["label"]) for p in saved["paths"]] == [
        (ids["Entry"], ids["SPLIT"], 0, None),
        (ids["SPLIT"], ids["MESSAGE"], 0, "A"),
        (ids["SPLIT"], ids["EXIT"], 1, "B"),
    ]
    assert saved["version"] == journey["version"] + 1


async def test_kept_ids_keep_their_nodes_and_removed_ones_keep_their_history(api):
    # given trigger -> mail
    journey = await create_journey(api)
    trigger, mail = journey["nodes"]
    old_path = journey["paths"][0]

    # when the mail node is replaced by a wait node, keeping the trigger by id
    payload = await save(
        api,
        journey["id"],
        [{"id": trigger["id"], "type": "TRIGGER", "name": "Renamed"}, {"key": "w", "type": "WAIT"}],
        [{"source": trigger["id"], "target": "w"}],
    )

    # then the trigger keeps its id, the mail node and old path are gone from the canvas...
    assert payload["userErrors"] == []
    nodes = payload["journey"]["nodes"]
    assert nodes[0] == {**trigger, "name": "Renamed"}
    assert mail["id"] not in [n["id"] for n in nodes]
    assert old_path["id"] not in [p["id"] for p in payload["journey"]["paths"]]
    # ...but still resolve by id, marked removed
    removed_node = (await api.gql(NODE, {"id": mail["id"]}))["node"]
    assert removed_node == {
        "id": mail["id"],
        "name": "Mail",
        "removed": True,
        "journey": {"id": journey["id"]},
        "incoming": [],
        "outgoing": [],
    }
    removed_path = (await api.gql(PATH, {"id": old_path["id"]}))["path"]
    assert removed_path["removed"] is True
    assert (removed_path["source"]["id"], removed_path["target"]["id"]) == (trigger["id"], mail["id"])


async def test_a_removed_node_comes_back_by_its_id(api):
    journey = await create_journey(api)
    trigger, mail = journey["nodes"]
    await save(api, journey["id"], [{"id": trigger["id"], "type": "TRIGGER"}], [])

    payload = await save(
        api,
        journey["id"],
        [{"id": trigger["id"], "type": "TRIGGER"}, {"id": mail["id"], "type": "MESSAGE", "channel": "EMAIL"}],
        [{"source": trigger["id"], "target": mail["id"]}],
    )

    assert payload["userErrors"] == []
    assert [n["id"] for n in payload["journey"]["nodes"]] == [trigger["id"], mail["id"]]
    assert (await api.gql(NODE, {"id": mail["id"]}))["node"]["removed"] is False


async def test_incoming_and_outgoing_follow_the_current_canvas(api):
    journey = await create_journey(
        api,
        nodes=[
            {"key": "t", "type": "TRIGGER"},
            {"key": "c", "type": "CONDITION"},
            {"key": "x", "type": "EXIT"},
            {"key": "y", "type": "EXIT"},
        ],
        paths=[
            {"source": "t", "target": "c"},
            {"source": "c", "target": "y", "index": 1},
            {"source": "c", "target": "x", "index": 0},
        ],
    )
    _t, c, _x, _y = (n["id"] for n in journey["nodes"])
    into_c, c_to_y, c_to_x = (p["id"] for p in journey["paths"])

    node = (await api.gql(NODE, {"id": c}))["node"]

    assert node["incoming"] == [{"id": into_c}]
    assert node["outgoing"] == [{"id": c_to_x}, {"id": c_to_y}]  # by index, not by order given


async def test_bad_references_are_invalid_and_change_nothing(api, other_api):
    # given a journey, another journey of the same workspace, and one of another workspace
    journey = await create_journey(api)
    sibling = await create_journey(api, name="Sibling")
    foreign = await create_journey(other_api, name="Foreign")
    before = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]

    cases = [
        # (nodes, paths, field of the expected error)
        ([{"key": "t", "type": "TRIGGER"}], [{"source": "t", "target": "nowhere"}], ["paths", "0", "target"]),
        ([{"key": "t", "type": "TRIGGER"}, {"key": "t", "type": "EXIT"}], [], ["nodes", "1", "key"]),
        ([{"id": sibling["nodes"][0]["id"], "type": "TRIGGER"}], [], ["nodes", "0", "id"]),
        ([{"id": foreign["nodes"][0]["id"], "type": "TRIGGER"}], [], ["nodes", "0", "id"]),
        ([{"id": "not-a-uuid", "type": "TRIGGER"}], [], ["nodes", "0", "id"]),
        (
            [{"key": "t", "type": "TRIGGER"}, {"key": "x", "type": "EXIT"}],
            [{"id": sibling["paths"][0]["id"], "source": "t", "target": "x"}],
            ["paths", "0", "id"],
        ),
        ([{"key": "t", "type": "TRIGGER"}], [{"source": "t", "target": "t"}], ["paths", "0", "target"]),
        ([{"key": "m", "type": "MESSAGE"}], [], ["nodes", "0", "channel"]),
        ([{"key": "w", "type": "WAIT", "channel": "EMAIL"}], [], ["nodes", "0", "channel"]),
        ([{"key": "w", "type": "WAIT", "config": [1, 2]}], [], ["nodes", "0", "config"]),
        (
            [{"key": "t", "type": "TRIGGER"}, {"key": "a", "type": "EXIT"}, {"key": "b", "type": "EXIT"}],
            [{"source": "t", "target": "a", "index": 0}, {"source": "t", "target": "b", "index": 0}],
            ["paths", "1", "index"],
        ),
    ]
    for nodes, paths, field in cases:
        # when
        payload = await save(api, journey["id"], nodes, paths)
        # then
        assert payload["journey"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(field, "INVALID")], (
            nodes,
            paths,
        )
    after = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]
    assert after == before


async def test_another_workspaces_node_id_reads_like_an_unknown_one(api, other_api):
    journey = await create_journey(api)
    foreign = await create_journey(other_api)
    unknown = "5f0c0c3e-1111-4111-8111-111111111111"

    messages = []
    for node_id in (foreign["nodes"][0]["id"], unknown):
        payload = await save(api, journey["id"], [{"id": node_id, "type": "TRIGGER"}], [])
        messages.append(payload["userErrors"][0]["message"].replace(node_id, "<id>"))

    assert messages[0] == messages[1]


async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(api):
    # given two editors who loaded version 1
    journey = await create_journey(api)
    trigger = journey["nodes"][0]
    first = await save(api, journey["id"], [{"id": trigger["id"], "type": "TRIGGER"}], [], expected_version=1)
    assert first["userErrors"] == []
    after_first = (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]

    # when the second saves against version 1
    second = await save(api, journey["id"], [{"key": "x", "type": "TRIGGER"}], [], expected_version=1)

    # then
    assert second["journey"] is None
    assert [(e["field"], e["code"]) for e in second["userErrors"]] == [
        (["expectedVersion"], "VERSION_CONFLICT")
    ]
    assert "version 2" in second["userErrors"][0]["message"]
    assert (await api.gql(JOURNEY, {"id": journey["id"]}))["journey"] == after_first


async def test_a_live_journey_keeps_a_publishable_graph(api):
    journey = await create_journey(api)
    await api.gql(move("publishJourney"), {"id": journey["id"]})

    payload = await save(api, journey["id"], [{"key": "w", "type": "WAIT"}], [])

    assert {e["code"] for e in payload["userErrors"]} == {"GRAPH_INVALID"}
    assert len((await api.gql(JOURNEY, {"id": journey["id"]}))["journey"]["nodes"]) == 2


async def test_graph_problems_of_a_save_point_at_the_input_sent(api):
    journey = await create_journey(api)
    await api.gql(move("publishJourney"), {"id": journey["id"]})
    nodes = [
        {"key": "t", "type": "TRIGGER"},
        {"key": "w", "type": "WAIT"},
        {"key": "island", "type": "EXIT"},
    ]
    paths = [{"source": "t", "target": "w"}, {"source": "w", "target": "t"}]

    payload = await save(api, journey["id"], nodes, paths)

    # the same path as a malformed input would have: argument, then position in the list sent
    assert sorted(e["field"] for e in payload["userErrors"]) == [["nodes", "2"], ["paths", "1"]]


async def test_an_archived_journey_cannot_be_edited(api):
    journey = await create_journey(api)
    await api.gql(move("archiveJourney"), {"id": journey["id"]})

    payload = await save(api, journey["id"], [], [])

    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["journeyId"], "INVALID")]


async def test_the_canvas_size_limit_names_the_limit(api, settings):
    journey = await create_journey(api)
    too_many = [{"type": "WAIT"} for _ in range(settings.max_canvas_nodes + 1)]

    payload = await save(api, journey["id"], too_many, [])

    assert payload["userErrors"] == [
        {
            "field": ["nodes"],
            "message": f"a canvas holds at most {settings.max_canvas_nodes} nodes, got {settings.max_canvas_nodes + 1}",
            "code": "INVALID",
        }
    ]
