"""Drives every operation of the installed Python client against a live server (run by
test_clients.py with the client's own virtualenv): python drive_python_client.py URL KEY."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from journeygraph_client import JourneygraphClient


async def main(url: str, key: str) -> None:
    async with JourneygraphClient(url, headers={"Authorization": f"Bearer {key}"}) as client:
        await _drive(client)
    print("drove every operation")


async def _drive(client: Any) -> None:
    from journeygraph_client import (
        Channel,
        CreateJourneyInput,
        EventInput,
        EventType,
        NodeInput,
        NodeType,
        PathInput,
    )

    created = await client.create_journey(
        CreateJourneyInput(
            name="Typed client",
            nodes=[
                NodeInput(key="start", type=NodeType.TRIGGER, name="Start"),
                NodeInput(key="mail", type=NodeType.MESSAGE, name="Mail", channel=Channel.EMAIL),
            ],
            paths=[PathInput(source="start", target="mail")],
        )
    )
    assert created.create_journey.user_errors == []
    journey = created.create_journey.journey
    assert journey is not None
    mail = next(n for n in journey.nodes if n.type_ == NodeType.MESSAGE)
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)

    def event(id: str, kind: EventType, contact: str, **more: Any) -> EventInput:
        return EventInput(id=id, type=kind, journeyId=journey.id, contactId=contact, occurredAt=at, **more)

    recorded = await client.record_events(
        [
            event("t-1", EventType.JOURNEY_ENTERED, "a"),
            event("t-2", EventType.JOURNEY_ENTERED, "b"),
            event("t-3", EventType.MESSAGE_SENT, "a", nodeId=mail.id),
            event("t-4", EventType.TRANSACTION, "a", nodeId=mail.id, revenue=Decimal("12.50")),
        ]
    )
    assert (recorded.record_events.accepted, recorded.record_events.duplicates) == (4, 0)

    today = at.date()
    canvas = await client.canvas(journey.id, today - timedelta(days=1), today + timedelta(days=1), "UTC")

    assert canvas.journey is not None
    assert canvas.journey.performance.entered_count == 2  # two JOURNEY_ENTERED events
    assert canvas.journey.performance.revenue == Decimal("12.50")
    sent = {n.id: n.performance.message_sent for n in canvas.journey.nodes}
    assert sent[mail.id] == 1

    series = await client.node_daily_series(mail.id, today - timedelta(days=2), today, "UTC")
    assert series.node is not None
    assert [p.start.date() for p in series.node.time_series] == [today - timedelta(days=d) for d in (2, 1, 0)]
    assert sum(p.performance.message_sent or 0 for p in series.node.time_series) == 1

    listed = await client.journeys(first=5)
    assert [edge.node.id for edge in listed.journeys.edges] == [journey.id]

    # the events' day against the nine days before it, in one request (aliases)
    compared = await client.compare_periods(
        journey.id, today - timedelta(days=1), today + timedelta(days=1),
        today - timedelta(days=10), today - timedelta(days=2), "UTC",
    )  # fmt: skip
    assert compared.journey is not None
    assert (compared.journey.current.entered_count, compared.journey.previous.entered_count) == (2, 0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
