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
    # auth + journey + nodes + paths; path ends and node.journey come from primed loaders
    assert large_count == 4


async def test_many_journeys_batch_the_same_way(api):
    two = [(await create_journey(api, f"j{i}", *chain(3)))["id"] for i in range(2)]
    twenty = [(await create_journey(api, f"k{i}", *chain(3)))["id"] for i in range(20)]

    _, count_two = await api.count(MANY, {"ids": two})
    data, count_twenty = await api.count(MANY, {"ids": twenty})

    assert [j["id"] for j in data["journeysByIds"]] == twenty
    assert count_two == count_twenty
