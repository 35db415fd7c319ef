"""GraphQL operations and small helpers shared by the tests."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.conftest import Api

PAYLOAD = """
  journey {
    id name description status version publishedAt
    goal { type config deadlineDays }
    nodes { id type name channel config position { x y } }
    paths { id label index source { id } target { id } }
  }
  userErrors { field message code }
"""

CREATE = f"mutation($input: CreateJourneyInput!) {{ createJourney(input: $input) {{ {PAYLOAD} }} }}"
UPDATE = f"mutation($id: ID!, $input: UpdateJourneyInput!) {{ updateJourney(id: $id, input: $input) {{ {PAYLOAD} }} }}"
SAVE = f"""mutation($journeyId: ID!, $expectedVersion: Int, $nodes: [NodeInput!]!, $paths: [PathInput!]!) {{
  saveCanvas(journeyId: $journeyId, expectedVersion: $expectedVersion, nodes: $nodes, paths: $paths) {{ {PAYLOAD} }}
}}"""
MOVES = ("publishJourney", "pauseJourney", "unpublishJourney", "archiveJourney", "restoreJourney")


def move(name: str) -> str:
    return f"mutation($id: ID!) {{ {name}(id: $id) {{ {PAYLOAD} }} }}"


JOURNEY = """query($id: ID!) { journey(id: $id) {
  id name status version
  nodes { id type name }
  paths { id index label source { id } target { id } }
} }"""
NODE = "query($id: ID!) { node(id: $id) { id name removed journey { id } incoming { id } outgoing { id } } }"
PATH = "query($id: ID!) { path(id: $id) { id removed source { id } target { id } journey { id } } }"

SIMPLE_NODES = [
    {"key": "start", "type": "TRIGGER", "name": "Start"},
    {"key": "mail", "type": "MESSAGE", "name": "Mail", "channel": "EMAIL"},
]
SIMPLE_PATHS = [{"source": "start", "target": "mail"}]


async def create_journey(
    api: Api,
    name: str = "Journey",
    nodes: list[dict[str, Any]] | None = None,
    paths: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create a journey (a valid trigger -> message canvas by default) and return it."""
    data = await api.gql(
        CREATE,
        {
            "input": {
                "name": name,
                "nodes": SIMPLE_NODES if nodes is None else nodes,
                "paths": SIMPLE_PATHS if paths is None else paths,
            }
        },
    )
    payload = data["createJourney"]
    assert payload["userErrors"] == [], payload["userErrors"]
    journey: dict[str, Any] = payload["journey"]
    return journey


def objects(value: Any) -> int:
    """Objects in an answer (dicts, nested lists walked): what the cost model charges one point each."""
    if isinstance(value, dict):
        return 1 + sum(objects(v) for v in value.values())
    if isinstance(value, list):
        return sum(objects(v) for v in value)
    return 0
