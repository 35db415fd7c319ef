"""Floors: what parts of a request cost on their own, measured in the same run.

They say how far the targets are from what the building blocks allow on this
machine, not how fast journeygraph is:

- a GraphQL answer's execution floor: stock graphql-core executing the same
  document over the answer already in hand (a dict per object, no database, no
  HTTP), so only parsing, validation and field-by-field completion remain;
- ingestion's floor: checking a batch's events in Python and inserting them
  alone (the same statements the server runs, rolled back), with no rollups,
  the contacts' ordinals remembered as by a server that has seen them all.
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from graphql import build_schema, execute_sync, parse, validate

from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.ordinals import Ordinals
from journeygraph.db.queries.events import insert_events
from journeygraph.resolvers.ingest import check_event

SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def _read(source: Any, info: Any, **_: Any) -> Any:
    # the answer is keyed by response name (an alias where there is one)
    return source.get(info.path.key) if isinstance(source, dict) else None


def graphql_floor(
    query: str, variables: dict[str, Any], answer: dict[str, Any], runs: int = 20
) -> dict[str, float]:
    """Median ms to parse and validate `query`, and to execute it over `answer` (its data) with graphql-core."""
    schema = build_schema(SDL.read_text())
    checking, executing = [], []
    for _ in range(runs + 1):
        started = time.perf_counter()
        document = parse(query)
        problems = validate(schema, document)
        checked = time.perf_counter()
        result = execute_sync(
            schema, document, root_value=answer, variable_values=variables, field_resolver=_read
        )
        done = time.perf_counter()
        if problems or result.errors or result.data != answer:
            raise RuntimeError(f"the floor did not reproduce the answer: {problems or result.errors}")
        checking.append(checked - started)
        executing.append(done - checked)
    return {
        "parse_validate_ms": statistics.median(checking[1:]) * 1000,
        "execute_ms": statistics.median(executing[1:]) * 1000,
    }


async def remembered(sessions: Any, workspace_id: uuid.UUID) -> Ordinals:
    """The ordinals a server process remembers once it has seen every contact of the workspace."""
    async with sessions() as session:
        rows = await session.execute(
            sa.text("SELECT contact_id, ordinal FROM contacts WHERE workspace_id = :ws"), {"ws": workspace_id}
        )
        known = {row[0]: row[1] for row in rows}
    ordinals = Ordinals(max(1, len(known)))
    ordinals.learn(workspace_id, known)
    return ordinals


async def ingestion_floor(url: str, workspace_id: uuid.UUID, bodies: list[str]) -> dict[str, float]:
    """Per event, median µs to parse and check a batch in Python, and to insert it alone (rolled back)."""
    engine = create_engine(url)
    sessions = create_sessionmaker(engine)
    checking, inserting, size = [], [], 0
    ordinals = await remembered(sessions, workspace_id)
    try:
        for body in bodies:
            started = time.perf_counter()
            raw = json.loads(body, parse_float=Decimal)["events"]
            now = datetime.now(UTC)
            events = [check_event(event, now) for event in raw]
            checked = time.perf_counter()
            async with sessions() as session:
                await insert_events(session, workspace_id, events, ordinals)
                inserted = time.perf_counter()
                await session.rollback()  # nothing of the floor stays
            size = len(events)
            checking.append((checked - started) / size)
            inserting.append((inserted - checked) / size)
    finally:
        await engine.dispose()
    check_us, insert_us = statistics.median(checking) * 1e6, statistics.median(inserting) * 1e6
    return {
        "batch": size,
        "check_us_per_event": check_us,
        "insert_us_per_event": insert_us,
        # one batch after another, checking and inserting only
        "events_per_s": 1e6 / (check_us + insert_us),
    }
