"""Demo workspace and journeys, so a first `serve` has something to show."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from journeygraph.db.enums import Channel, JourneyStatus
from journeygraph.db.enums import NodeType as T
from journeygraph.db.queries import canvas, journeys
from journeygraph.db.queries.workspaces import create_api_key, create_workspace

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from journeygraph.db.models import Journey


@dataclass(frozen=True)
class Demo:
    """What GraphiQL pre-fills on a server running on its embedded demo database."""

    key: str
    query: str
    variables: dict[str, str]
    # Whether GraphiQL's page hands out the key: only when the server listens on a loopback
    # address (or `serve --share-demo-key` says so), never to whoever reaches 0.0.0.0.
    share_key: bool = True


def canvas_variables(journey_id: str, today: date) -> dict[str, str]:
    """The canvas query's variables for the last 30 days up to `today`."""
    return {"journeyId": journey_id, "startDate": str(today - timedelta(days=29)), "endDate": str(today)}


# The README's canvas query, which GraphiQL opens with on a demo server: one file, shared
# with the generated clients (like alembic.ini, it is read from the source tree).
CANVAS_QUERY = (Path(__file__).resolve().parent.parent / "clients" / "queries" / "Canvas.graphql").read_text()

# (key, type, name, channel) and (source key, target key, label) of each demo journey.
WELCOME = (
    "Welcome series",
    "New sign-ups get a welcome email, a nudge if they do not open it, and an offer.",
    [
        ("signup", T.TRIGGER, "Signed up", None),
        ("welcome", T.MESSAGE, "Welcome email", Channel.EMAIL),
        ("wait", T.WAIT, "Wait 2 days", None),
        ("opened", T.CONDITION, "Opened welcome?", None),
        ("offer", T.MESSAGE, "First-order offer", Channel.SMS),
        ("reminder", T.MESSAGE, "Reminder", Channel.PUSH),
        ("goal", T.GOAL_CHECK, "Placed an order?", None),
        ("exit", T.EXIT, "Exit", None),
    ],
    [
        ("signup", "welcome", None),
        ("welcome", "wait", None),
        ("wait", "opened", None),
        ("opened", "offer", "Yes"),
        ("opened", "reminder", "No"),
        ("offer", "goal", None),
        ("reminder", "goal", None),
        ("goal", "exit", None),
    ],
)
CART = (
    "Cart abandonment",
    "An A/B test of email against SMS for carts left behind, with a CRM webhook.",
    [
        ("cart", T.TRIGGER, "Cart abandoned", None),
        ("split", T.SPLIT, "A/B split", None),
        ("email", T.MESSAGE, "Cart email", Channel.EMAIL),
        ("sms", T.MESSAGE, "Cart SMS", Channel.SMS),
        ("crm", T.WEBHOOK, "Notify CRM", None),
        ("exit", T.EXIT, "Exit", None),
    ],
    [
        ("cart", "split", None),
        ("split", "email", "A"),
        ("split", "sms", "B"),
        ("email", "crm", None),
        ("sms", "crm", None),
        ("crm", "exit", None),
    ],
)
WINBACK = (
    "Win-back (draft)",
    "Still being designed.",
    [("lapsed", T.TRIGGER, "No order in 90 days", None), ("mail", T.MESSAGE, "We miss you", Channel.EMAIL)],
    [("lapsed", "mail", None)],
)


async def create_demo_journey(
    session: AsyncSession, workspace_id: uuid.UUID, spec: tuple[Any, ...], status: JourneyStatus
) -> Journey:
    """Insert one demo journey with its canvas, laid out left to right."""
    name, description, node_specs, path_specs = spec
    journey = await journeys.insert_journey(
        session,
        workspace_id,
        name=name,
        description=description,
        goal={"type": "order_placed", "config": {"event": "order"}, "deadline_days": 7},
    )
    ids = {key: uuid.uuid4() for key, *_ in node_specs}
    nodes = [
        {
            "id": ids[key],
            "type": node_type,
            "name": node_name,
            "channel": channel,
            "config": {},
            "position_x": 260.0 * i,
            "position_y": 0.0,
            "ordinal": i,
        }
        for i, (key, node_type, node_name, channel) in enumerate(node_specs)
    ]
    indexes: dict[str, int] = {}
    paths = []
    for i, (source, target, label) in enumerate(path_specs):
        indexes[source] = indexes.get(source, -1) + 1
        paths.append(
            {
                "id": uuid.uuid4(),
                "source_node_id": ids[source],
                "target_node_id": ids[target],
                "label": label,
                "index": indexes[source],
                "ordinal": i,
            }
        )
    await canvas.write_canvas(session, workspace_id, journey.id, nodes, paths)
    if status != JourneyStatus.DRAFT:
        journey = await journeys.touch_journey(session, journey, status=status, published_at=sa.func.now())
    return journey


async def create_demo_journeys(session: AsyncSession, workspace_id: uuid.UUID) -> list[Journey]:
    """The demo journeys: two published, one draft."""
    return [
        await create_demo_journey(session, workspace_id, WELCOME, JourneyStatus.PUBLISHED),
        await create_demo_journey(session, workspace_id, CART, JourneyStatus.PUBLISHED),
        await create_demo_journey(session, workspace_id, WINBACK, JourneyStatus.DRAFT),
    ]


async def create_demo_workspace(session: AsyncSession) -> tuple[uuid.UUID, str, list[Journey]]:
    """A demo workspace with journeys and a key with every scope: (workspace id, key, journeys)."""
    workspace = await create_workspace(session, "Demo workspace")
    key = await create_api_key(session, workspace.id, ["read", "write", "ingest"])
    return workspace.id, key, await create_demo_journeys(session, workspace.id)
