"""A benchmark dataset, generated inside PostgreSQL.

20 journeys; the first has 200 nodes and 300 paths and holds half the events;
300,000 contacts; 90 days up to now. Events are drawn in SQL (no Python loop
per event), then the rollups are built from them with `rebuild-rollups`' SQL.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from journeygraph.db.enums import Channel, JourneyStatus, NodeType
from journeygraph.db.queries import canvas, journeys, rollups
from journeygraph.db.queries.workspaces import create_api_key, create_workspace

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

CONTACTS = 300_000
DAYS = 90
# Event types drawn by weight (repeats in the array): a journey's usual mix.
WEIGHTS = {
    "JOURNEY_ENTERED": 4, "JOURNEY_COMPLETED": 3, "JOURNEY_EXITED": 1, "GOAL_CONVERTED": 1, "NODE_ENTERED": 20,
    "PATH_TRAVERSED": 18, "MESSAGE_SENT": 8, "MESSAGE_DELIVERED": 7, "MESSAGE_BOUNCED": 1, "MESSAGE_OPENED": 6,
    "MESSAGE_CLICKED": 3, "UNSUBSCRIBED": 1, "SPAM_COMPLAINT": 1, "HOLDOUT_GLOBAL": 1, "HOLDOUT_JOURNEY": 1,
    "ADDED_TO_CART": 2, "TRANSACTION": 2, "WEBHOOK_SUCCEEDED": 3, "WEBHOOK_FAILED": 1,
}  # fmt: skip
TYPES = [t for t, w in WEIGHTS.items() for _ in range(w)]


@dataclass
class Dataset:
    workspace_id: uuid.UUID
    key: str
    journey_ids: list[uuid.UUID]  # the big one first
    events: int


def _canvas(rng: random.Random, size: int, edges: int) -> tuple[list[dict], list[dict]]:
    """A trigger, then `size - 1` nodes (a third messages, a tenth webhooks), joined by `edges` paths."""
    kinds = [NodeType.TRIGGER] + [
        rng.choice([NodeType.MESSAGE] * 10 + [NodeType.WEBHOOK] * 3 + [NodeType.WAIT, NodeType.CONDITION, NodeType.SPLIT] * 5 + [NodeType.GOAL_CHECK, NodeType.EXIT] * 2)
        for _ in range(size - 1)
    ]  # fmt: skip
    nodes: list[dict[str, Any]] = [
        {"id": uuid.uuid4(), "type": kind, "name": f"{kind.value.title()} {i}", "config": {},
         "channel": Channel.EMAIL if kind == NodeType.MESSAGE else None,
         "position_x": 200.0 * (i % 20), "position_y": 150.0 * (i // 20), "ordinal": i}
        for i, kind in enumerate(kinds)
    ]  # fmt: skip
    pairs = [(i - 1 if i < 2 else rng.randrange(i - 1), i) for i in range(1, size)]  # a tree: all reachable
    while len(pairs) < edges:
        a, b = rng.randrange(size - 1), rng.randrange(1, size)
        if a != b:
            pairs.append((a, b))
    used: dict[int, int] = {}
    paths = []
    for ordinal, (a, b) in enumerate(pairs):
        used[a] = used.get(a, -1) + 1
        paths.append({"id": uuid.uuid4(), "source_node_id": nodes[a]["id"], "target_node_id": nodes[b]["id"],
                      "label": None, "index": used[a], "ordinal": ordinal})  # fmt: skip
    return nodes, paths


_EVENTS = sa.text(
    """
    INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at, revenue)
    SELECT :ws, :prefix || g, ty, :journey,
        CASE WHEN ty LIKE 'MESSAGE%' OR ty IN ('UNSUBSCRIBED', 'SPAM_COMPLAINT', 'HOLDOUT_GLOBAL', 'HOLDOUT_JOURNEY',
                                               'ADDED_TO_CART', 'TRANSACTION')
                  THEN (CAST(:messages AS uuid[]))[1 + floor(random() * :n_messages)::int]
             WHEN ty LIKE 'WEBHOOK%' THEN (CAST(:hooks AS uuid[]))[1 + floor(random() * :n_hooks)::int]
             WHEN ty IN ('NODE_ENTERED', 'GOAL_CONVERTED') THEN (CAST(:nodes AS uuid[]))[1 + floor(random() * :n_nodes)::int]
        END,
        CASE WHEN ty = 'PATH_TRAVERSED' THEN (CAST(:paths AS uuid[]))[1 + floor(random() * :n_paths)::int] END,
        'contact-' || floor(random() * :contacts)::int,
        CAST(:end AS timestamptz) - random() * make_interval(days => :days),
        CASE WHEN ty = 'TRANSACTION' THEN round(CAST(random() * 200 AS numeric), 2) END
    FROM (SELECT g, (CAST(:types AS text[]))[1 + floor(random() * :n_types)::int] AS ty
          FROM generate_series(1, :count) AS g) AS drawn
    """
)


async def build(sessions: async_sessionmaker[AsyncSession], events: int, seed: int = 1) -> Dataset:
    """Create a workspace with the benchmark's journeys and `events` events, rollups included."""
    rng = random.Random(seed)
    end = datetime.now(UTC)
    async with sessions.begin() as session:
        workspace = await create_workspace(session, "Benchmark")
        key = await create_api_key(session, workspace.id, ["read", "write", "ingest"])
        plans = []
        for j in range(20):
            nodes, paths = _canvas(rng, 200, 300) if j == 0 else _canvas(rng, 10, 12)
            journey = await journeys.insert_journey(
                session, workspace.id, name=f"Journey {j}", description=None, goal=None
            )
            await canvas.write_canvas(session, workspace.id, journey.id, nodes, paths)
            await journeys.touch_journey(session, journey, status=JourneyStatus.PUBLISHED)
            plans.append((journey.id, nodes, paths))
    for j, (journey_id, nodes, paths) in enumerate(plans):
        count = (
            events // 2
            if j == 0
            else (events - events // 2) // 19 + (1 if j <= (events - events // 2) % 19 else 0)
        )
        messages = [n["id"] for n in nodes if n["type"] == NodeType.MESSAGE] or [nodes[0]["id"]]
        hooks = [n["id"] for n in nodes if n["type"] == NodeType.WEBHOOK] or [nodes[0]["id"]]
        async with sessions.begin() as session:
            await session.execute(
                _EVENTS,
                {
                    "ws": workspace.id, "prefix": f"b{j}-", "journey": journey_id, "end": end, "days": DAYS,
                    "messages": messages, "n_messages": len(messages), "hooks": hooks, "n_hooks": len(hooks),
                    "nodes": [n["id"] for n in nodes], "n_nodes": len(nodes),
                    "paths": [p["id"] for p in paths], "n_paths": len(paths),
                    "contacts": CONTACTS, "types": TYPES, "n_types": len(TYPES), "count": count,
                },
            )  # fmt: skip
    async with sessions.begin() as session:
        await rollups.rebuild(session, workspace.id)
    await rollups.fold_all(sessions)
    # The steady state a live database reaches once autovacuum has passed: statistics for the
    # planner, and the visibility map set. Left to autovacuum, it would run during the measurements.
    async with sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        await connection.execute(sa.text("VACUUM (ANALYZE)"))
    return Dataset(workspace.id, key, [p[0] for p in plans], events)
