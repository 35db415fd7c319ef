"""The distinct contacts behind a node's figure: who had an event of one type at the node in a window.

Read from the raw events through `ix_events_contact` (a journey's events by
contact id, in byte order): a page walks the journey's contacts in id order
from the cursor and stops at the page's end, so the 50th page costs what the
first does. Their number is the matching unique figure, read from the contact
sets where the type has them (db/queries/performance.py `uniques`), else
counted from the events.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from journeygraph.db.driver import Statement, fetch

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession


class NodeContact(NamedTuple):
    contact_id: str
    first_at: datetime
    last_at: datetime
    events: int  # how many of its events matched


_AT_NODES = """
    FROM unnest(CAST(:nodes AS uuid[]), CAST(:journeys AS uuid[])) AS n(id, journey_id)
    CROSS JOIN LATERAL (
        SELECT e.contact_id COLLATE "C" AS contact_id, min(e.occurred_at) AS first_at,
               max(e.occurred_at) AS last_at, count(*) AS n
        FROM events e
        WHERE e.workspace_id = :workspace_id AND e.journey_id = n.journey_id AND e.node_id = n.id
            AND e.type = :type AND e.occurred_at >= :lo AND e.occurred_at < :hi{after}
        GROUP BY e.contact_id COLLATE "C" ORDER BY e.contact_id COLLATE "C" LIMIT :limit
    ) AS x"""
_PAGE = {
    after: Statement(
        "SELECT n.id, x.contact_id, x.first_at, x.last_at, x.n"
        + _AT_NODES.format(after=' AND e.contact_id COLLATE "C" > :after' if after else "")
    )
    for after in (False, True)
}
_COUNT = Statement(
    """
    SELECT n.id, (
        SELECT count(DISTINCT e.contact_id) FROM events e
        WHERE e.workspace_id = :workspace_id AND e.journey_id = n.journey_id AND e.node_id = n.id
            AND e.type = :type AND e.occurred_at >= :lo AND e.occurred_at < :hi)
    FROM unnest(CAST(:nodes AS uuid[]), CAST(:journeys AS uuid[])) AS n(id, journey_id)
    """
)


def _params(
    workspace_id: uuid.UUID,
    nodes: Sequence[tuple[uuid.UUID, uuid.UUID]],
    event_type: str,
    lo: datetime,
    hi: datetime,
) -> dict[str, Any]:
    return {
        "workspace_id": workspace_id,
        "nodes": [n for n, _ in nodes],
        "journeys": [j for _, j in nodes],
        "type": event_type,
        "lo": lo,
        "hi": hi,
    }


async def pages(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    nodes: Sequence[tuple[uuid.UUID, uuid.UUID]],
    event_type: str,
    lo: datetime,
    hi: datetime,
    limit: int,
    after: str | None,
) -> dict[uuid.UUID, list[NodeContact]]:
    """Per (node, its journey): up to `limit` contacts with an `event_type` event at the node in
    [lo, hi), by contact id after `after`, each with its first and last time and count there."""
    params = _params(workspace_id, nodes, event_type, lo, hi) | {"limit": limit}
    if after is not None:
        params["after"] = after
    found: dict[uuid.UUID, list[NodeContact]] = {n: [] for n, _ in nodes}
    for node_id, *contact in await fetch(session, _PAGE[after is not None], params):
        found[node_id].append(NodeContact(*contact))
    return found


async def distinct_counts(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    nodes: Sequence[tuple[uuid.UUID, uuid.UUID]],
    event_type: str,
    lo: datetime,
    hi: datetime,
) -> dict[uuid.UUID, int]:
    """Per node: the distinct contacts with an `event_type` event there in [lo, hi), counted from the events."""
    rows = await fetch(session, _COUNT, _params(workspace_id, nodes, event_type, lo, hi))
    return {node_id: int(n) for node_id, n in rows}
