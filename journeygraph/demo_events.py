"""Demo events: contacts walked through journeys' graphs over the last days.

Each simulated contact enters at a random time, follows paths from a TRIGGER
(a CONDITION goes "Yes" when the contact opened a message, a SPLIT picks at
random), gets messages sent, delivered, opened, clicked, buys, converts,
completes or exits early; some enter more than once and some are still in
progress. The events go through the same ingestion as the API's, so the
rollups are in step.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from journeygraph.db.enums import EventType as E
from journeygraph.db.enums import NodeType
from journeygraph.db.queries import canvas
from journeygraph.resolvers.ingest import IngestResult, ingest

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

BATCH = 5000


@dataclass
class Graph:
    """What the walker needs of a journey's canvas."""

    journey_id: uuid.UUID
    types: dict[uuid.UUID, NodeType]
    outgoing: dict[uuid.UUID, list[tuple[uuid.UUID, uuid.UUID, str | None]]] = field(default_factory=dict)

    @property
    def triggers(self) -> list[uuid.UUID]:
        return [node for node, kind in self.types.items() if kind == NodeType.TRIGGER]


@dataclass
class Walk:
    """One contact's trip through one journey."""

    graph: Graph
    contact: str
    at: datetime
    now: datetime
    rng: random.Random
    events: list[dict[str, Any]] = field(default_factory=list)
    opened: bool = False
    bought: bool = False

    def emit(self, kind: E, at: datetime, node: uuid.UUID | None = None, **extra: Any) -> None:
        if at > self.now:
            return  # not happened yet: the contact is still in progress
        event = {
            "id": f"demo-{uuid.UUID(int=self.rng.getrandbits(128)).hex}",
            "type": kind.value,
            "journeyId": str(self.graph.journey_id),
            "contactId": self.contact,
            "occurredAt": at.isoformat(),
            **extra,
        }
        if node is not None:
            event["nodeId"] = str(node)
        self.events.append(event)

    def later(self, low_minutes: float, high_minutes: float) -> datetime:
        return self.at + timedelta(minutes=self.rng.uniform(low_minutes, high_minutes))

    def message(self, node: uuid.UUID) -> None:
        rng = self.rng
        if rng.random() < 0.03:
            self.emit(E.HOLDOUT_JOURNEY if rng.random() < 0.7 else E.HOLDOUT_GLOBAL, self.at, node)
            return
        self.emit(E.MESSAGE_SENT, self.at, node)
        if rng.random() < 0.04:
            self.emit(E.MESSAGE_BOUNCED, self.later(0, 2), node)
            return
        self.emit(E.MESSAGE_DELIVERED, self.later(0, 2), node)
        if rng.random() < 0.005:
            self.emit(E.SPAM_COMPLAINT, self.later(10, 600), node)
        if rng.random() >= 0.45:
            return
        self.opened = True
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            self.emit(E.MESSAGE_OPENED, self.later(5, 900), node)
        if rng.random() < 0.01:
            self.emit(E.UNSUBSCRIBED, self.later(5, 900), node)
        if rng.random() >= 0.35:
            return
        for _ in range(rng.choice([1, 1, 2])):
            self.emit(E.MESSAGE_CLICKED, self.later(10, 1000), node, url="https://shop.example/offer")
        if rng.random() < 0.3:
            self.emit(E.ADDED_TO_CART, self.later(15, 1200), node)
            if rng.random() < 0.5:
                self.bought = True
                revenue = Decimal(rng.randrange(999, 25000)) / 100
                self.emit(E.TRANSACTION, self.later(20, 1400), node, revenue=str(revenue))

    def run(self) -> None:
        graph, rng = self.graph, self.rng
        node = rng.choice(graph.triggers)
        self.emit(E.JOURNEY_ENTERED, self.at)
        for _ in range(50):  # graphs may loop; a trip ends after 50 steps at the latest
            self.emit(E.NODE_ENTERED, self.at, node)
            kind = graph.types[node]
            if kind == NodeType.MESSAGE:
                self.message(node)
            elif kind == NodeType.WEBHOOK:
                self.emit(
                    E.WEBHOOK_SUCCEEDED if rng.random() < 0.93 else E.WEBHOOK_FAILED, self.later(0, 1), node
                )
            elif kind == NodeType.GOAL_CHECK and (self.bought or rng.random() < 0.1):
                self.emit(E.GOAL_CONVERTED, self.later(0, 5), node)
            elif kind == NodeType.WAIT:
                self.at += timedelta(days=2)
            elif kind == NodeType.WAIT_FOR_EVENT:
                self.at += timedelta(hours=rng.uniform(1, 48))
            choices = graph.outgoing.get(node, [])
            if kind == NodeType.EXIT or not choices:
                self.emit(E.JOURNEY_COMPLETED, self.later(0, 1), node)
                return
            if rng.random() < 0.03:
                self.emit(E.JOURNEY_EXITED, self.later(0, 30), node)
                return
            path_id, node, _ = self._choose(kind, choices)
            self.at = self.later(1, 30)
            self.emit(E.PATH_TRAVERSED, self.at, pathId=str(path_id))

    def _choose(
        self, kind: NodeType, choices: list[tuple[uuid.UUID, uuid.UUID, str | None]]
    ) -> tuple[uuid.UUID, uuid.UUID, str | None]:
        if kind == NodeType.CONDITION and len(choices) > 1:
            return choices[0] if self.opened else choices[1]  # index 0 is the "yes" branch
        if kind == NodeType.SPLIT:
            return self.rng.choice(choices)
        return choices[0]


def simulate(
    graphs: list[Graph], count: int, days: int, now: datetime, seed: int | None = None
) -> list[dict[str, Any]]:
    """About `count` events over the last `days` days, spread over the graphs."""
    rng = random.Random(seed)
    walkable = [g for g in graphs if g.triggers]
    if not walkable or count <= 0:
        return []
    contacts = max(count // 12, 10)
    events: list[dict[str, Any]] = []
    while len(events) < count:
        graph = rng.choice(walkable)
        start = now - timedelta(seconds=rng.uniform(0, days * 86400))
        walk = Walk(graph, f"contact-{rng.randrange(contacts):07d}", start, now, rng)
        walk.run()
        events += walk.events
    return events[:count]


async def load_graphs(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: list[uuid.UUID]
) -> list[Graph]:
    """The current canvases of these journeys."""
    nodes = await canvas.nodes_by_journey_ids(session, workspace_id, journey_ids)
    paths = await canvas.paths_by_journey_ids(session, workspace_id, journey_ids)
    graphs = []
    for journey_id in journey_ids:
        graph = Graph(journey_id, {n.id: n.type for n in nodes.get(journey_id, [])})
        for p in sorted(paths.get(journey_id, []), key=lambda p: p.index):
            graph.outgoing.setdefault(p.source_node_id, []).append((p.id, p.target_node_id, p.label))
        graphs.append(graph)
    return graphs


async def load_demo_events(
    sessions: async_sessionmaker[AsyncSession],
    workspace_id: uuid.UUID,
    journey_ids: list[uuid.UUID],
    count: int,
    days: int = 90,
    seed: int | None = None,
) -> IngestResult:
    """Simulate `count` events for these journeys and ingest them in batches."""
    async with sessions() as session:
        graphs = await load_graphs(session, workspace_id, journey_ids)
    events = simulate(graphs, count, days, datetime.now(UTC), seed)
    total = IngestResult()
    for start in range(0, len(events), BATCH):
        result = await ingest(sessions, workspace_id, events[start : start + BATCH])
        total.accepted += result.accepted
        total.duplicates += result.duplicates
        total.rejected += result.rejected
    return total
