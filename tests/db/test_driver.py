"""Reads on the driver (db.driver) answer what SQLAlchemy would, inside transactions too."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from asgi_lifespan import LifespanManager
from sqlalchemy.ext.asyncio import async_sessionmaker

from journeygraph.app import create_app
from journeygraph.db.driver import BROKEN, Statement, fetch
from journeygraph.db.engine import create_engine, create_reader
from journeygraph.db.enums import Channel, JourneyStatus, NodeType
from journeygraph.db.models import Journey, Node
from journeygraph.db.queries import canvas, journeys
from tests.operations import SIMPLE_NODES, SIMPLE_PATHS, create_journey


def test_named_parameters_become_numbered_ones_by_first_use():
    statement = Statement("SELECT :b, CAST(:a AS int[]), x::text, :b FROM t WHERE y = :a_2")

    assert statement.positional == "SELECT $1, CAST($2 AS int[]), x::text, $1 FROM t WHERE y = $3"
    assert statement.names == ("b", "a", "a_2")


async def test_records_hold_the_values_the_orm_loads(app, api):
    created = await create_journey(api, "driven")
    journey_id = uuid.UUID(created["id"])

    async with app.state.reads() as session:  # autocommit: the driver's own way
        nodes = (await canvas.nodes_by_journey_ids(session, api.workspace_id, [journey_id]))[journey_id]
        journey = (await journeys.journeys_by_ids(session, api.workspace_id, [journey_id]))[journey_id]
    async with app.state.sessions() as session:
        orm_nodes = (
            await session.scalars(sa.select(Node).where(Node.journey_id == journey_id).order_by(Node.ordinal))
        ).all()
        orm_journey = await session.get(Journey, (api.workspace_id, journey_id))

    columns = [c.key for c in Node.__table__.columns]
    assert [[getattr(n, c) for c in columns] for n in nodes] == [
        [getattr(n, c) for c in columns] for n in orm_nodes
    ]
    # enums come back as members (NodeType is a str enum: compare the types too)
    assert [type(n.type) for n in nodes] == [NodeType] * len(nodes)
    assert {type(n.channel) for n in nodes if n.channel is not None} == {Channel}
    assert type(journey.status) is JourneyStatus and journey.status == orm_journey.status
    assert journey.name == "driven" and journey.goal == orm_journey.goal
    assert journey.updated_at == orm_journey.updated_at


async def test_a_transactions_first_read_is_part_of_it(app, api):
    created = await create_journey(api, "in transaction")
    journey_id = uuid.UUID(created["id"])
    repeatable = async_sessionmaker(app.state.engine.execution_options(isolation_level="REPEATABLE READ"))

    async with repeatable.begin() as session:
        before = (await canvas.nodes_by_journey_ids(session, api.workspace_id, [journey_id]))[journey_id]
        async with app.state.sessions.begin() as other:  # committed meanwhile
            await other.execute(sa.update(Node).where(Node.journey_id == journey_id).values(name="renamed"))
        after = (await canvas.nodes_by_journey_ids(session, api.workspace_id, [journey_id]))[journey_id]

    # one snapshot, taken by the first read: run on the driver before SQLAlchemy's BEGIN,
    # that read would not be part of the transaction, and the second would see the rename
    assert [n.name for n in after] == [n.name for n in before] == [n["name"] for n in SIMPLE_NODES]


async def test_statements_on_the_driver_are_counted(app, api, statements):
    async with app.state.reads() as session:
        statements.count, statements.statements, statements.counting = 0, [], True
        try:
            rows = await fetch(session, Statement("SELECT CAST(:n AS int) + 1"), {"n": 41})
        finally:
            statements.counting = False

    assert [tuple(r) for r in rows] == [(42,)]
    assert statements.count == 1 and statements.statements == ["SELECT CAST($1 AS int) + 1"]


async def test_canvas_sizes_count_current_rows_once_per_journey(app, api):
    created = await create_journey(api, "sized")  # a trigger and a message joined by one path
    journey_id = uuid.UUID(created["id"])

    async with app.state.reads() as session:
        sizes = await canvas.canvas_sizes(session, api.workspace_id, [journey_id, journey_id, uuid.uuid4()])

    assert sizes == {journey_id: (len(SIMPLE_NODES), len(SIMPLE_PATHS))}


async def test_a_connection_that_broke_under_a_read_is_not_handed_out_again(app, database_url):
    engine = create_engine(database_url, pool_size=1)  # one connection: the next read would get it back
    reader = create_reader(engine)
    try:
        async with reader() as session:
            ((pid,),) = await fetch(session, Statement("SELECT pg_backend_pid()"), {})
        async with app.state.sessions() as other:
            await other.execute(sa.text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})  # waits
        await asyncio.sleep(0.05)  # the pooled connection's end of the socket hears of it

        async with reader() as session:
            with pytest.raises(BROKEN):
                await fetch(session, Statement("SELECT 1"), {})
        async with reader() as session:
            rows = await fetch(session, Statement("SELECT 1"), {})
    finally:
        await engine.dispose()

    assert [tuple(r) for r in rows] == [(1,)]


async def test_statements_run_with_the_parallel_workers_the_settings_give(app, database_url, settings):
    # given the session app (the default, 0) and one built with JOURNEYGRAPH_DB_PARALLEL_WORKERS=3
    show = sa.text("SHOW max_parallel_workers_per_gather")
    # (its folder is built, not started: no second folder runs beside the session app's)
    other = create_app(settings.model_copy(update={"db_parallel_workers": 3, "folder": False}), database_url)

    # when each reads the setting on its requests' connections and on its folder's
    async with app.state.reads() as session:
        default = await session.scalar(show)
    async with LifespanManager(other):
        async with other.state.reads() as session:
            given = await session.scalar(show)
        async with other.state.folder.sessions() as session:
            folding = await session.scalar(show)

    # then PostgreSQL plans each statement with that many workers at most
    assert (default, given, folding) == ("0", "3", "3")
