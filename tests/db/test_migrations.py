"""Migrations build exactly the schema the models describe."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url

from alembic import command
from journeygraph import migrations
from journeygraph.db.engine import create_engine, create_sessionmaker
from journeygraph.db.models import NO_SUBJECT, Base
from journeygraph.db.queries import enrollments
from journeygraph.db.queries.fold import fold


@contextlib.asynccontextmanager
async def database_at(server_url: str, revision: str) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A scratch database migrated up to `revision`: its URL and a connection to it (both gone after)."""
    plain = make_url(server_url).set(drivername="postgresql")
    name = f"jg_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(plain.render_as_string(hide_password=False))
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = plain.set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(migrations.upgrade, url, revision)
        connection = await asyncpg.connect(url)
        try:
            yield url, connection
        finally:
            await connection.close()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


async def test_migrated_database_matches_the_models(app):
    # given the session database, upgraded from empty by the fixtures

    def differences(connection):
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)

    # when autogenerate compares it with the models
    async with app.state.engine.connect() as connection:
        found = await connection.run_sync(differences)

    # then it finds nothing to do
    assert found == []


async def test_every_primary_key_and_index_leads_with_the_workspace():
    for table in Base.metadata.sorted_tables:
        key_column = "id" if table.name == "workspaces" else "workspace_id"
        assert table.primary_key.columns.keys()[0] == key_column, table.name
        for index in table.indexes:
            assert index.columns.keys()[0] == "workspace_id", index.name
        for constraint in table.constraints:
            columns = getattr(constraint, "columns", None)
            if columns is not None and constraint.__class__.__name__ == "UniqueConstraint":
                assert columns.keys()[0] == "workspace_id", constraint.name


async def test_weeks_are_filled_from_the_days_already_counted(server_url):
    # given a database at the revision before weeks, with day rows across two weeks
    async with database_at(server_url, "0006") as (url, connection):
        workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        # Sun 8 Nov, Mon 9 Nov and Sun 15 Nov 2026: Sunday ends one week, Monday starts the next
        days = [(datetime(2026, 11, d, tzinfo=UTC), sent, f"{amount}") for d, sent, amount in [(8, 1, 1.5), (9, 2, 2.25), (15, 4, 4)]]  # fmt: skip
        # rollups name their workspace and journey without foreign keys
        for day, sent, amount in days:
            await connection.execute(
                """INSERT INTO rollup_days (workspace_id, journey_id, subject_id, bucket, message_sent,
                revenue, last_event_at) VALUES ($1, $2, $3, $4, $5, $6::numeric, $4)""",
                workspace, journey, node, day, sent, amount,
            )  # fmt: skip

        # when migrated to weeks (0008 later refolds every rollup from the raw events)
        await asyncio.to_thread(migrations.upgrade, url, "0007")

        # then each week holds the sum of its days
        rows = await connection.fetch(
            "SELECT bucket, message_sent, revenue, last_event_at FROM rollup_weeks ORDER BY bucket"
        )
    assert [tuple(r) for r in rows] == [
        (datetime(2026, 11, 2, tzinfo=UTC), 1, Decimal("1.5"), days[0][0]),
        (datetime(2026, 11, 9, tzinfo=UTC), 6, Decimal("6.25"), days[2][0]),
    ]


async def test_hours_and_four_hour_blocks_are_filled_from_the_quarter_hours_already_counted(server_url):
    # given a database at the revision before them, with quarter-hour rows on both sides of 04:00
    async with database_at(server_url, "0012") as (url, connection):
        workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        quarters = [((3, 0), 1, "1.5"), ((3, 45), 2, "2.25"), ((4, 0), 4, "4"), ((5, 15), 8, "0.5")]
        at = [datetime(2026, 11, 9, h, m, tzinfo=UTC) for (h, m), _, _ in quarters]
        for moment, (_, sent, amount) in zip(at, quarters, strict=True):
            await connection.execute(
                """INSERT INTO rollup_quarters (workspace_id, journey_id, subject_id, bucket, message_sent,
                revenue, last_event_at) VALUES ($1, $2, $3, $4, $5, $6::numeric, $4::timestamptz + interval '1 minute')""",
                workspace, journey, node, moment, sent, amount,
            )  # fmt: skip

        # when migrated
        await asyncio.to_thread(migrations.upgrade, url, "0013")

        # then each hour and each four-hour block (from midnight) holds the sum of its quarter-hours
        read = "SELECT bucket, message_sent, revenue, last_event_at FROM {} ORDER BY bucket"
        hours = await connection.fetch(read.format("rollup_hours"))
        blocks = await connection.fetch(read.format("rollup_four_hours"))
    minute = timedelta(minutes=1)
    assert [tuple(r) for r in hours] == [
        (datetime(2026, 11, 9, 3, tzinfo=UTC), 3, Decimal("3.75"), at[1] + minute),
        (datetime(2026, 11, 9, 4, tzinfo=UTC), 4, Decimal("4"), at[2] + minute),
        (datetime(2026, 11, 9, 5, tzinfo=UTC), 8, Decimal("0.5"), at[3] + minute),
    ]
    assert [tuple(r) for r in blocks] == [
        (datetime(2026, 11, 9, 0, tzinfo=UTC), 3, Decimal("3.75"), at[1] + minute),
        (datetime(2026, 11, 9, 4, tzinfo=UTC), 12, Decimal("4.5"), at[3] + minute),
    ]


async def test_going_back_before_0010_fills_last_event_at_by_its_definition(server_url):
    # given a database at 0010 with a contact's events and two stored runs, one ended, one ACTIVE
    async with database_at(server_url, "0010") as (url, connection):
        workspace, journey = uuid.uuid4(), uuid.uuid4()
        at = [datetime(2026, 11, 2, h, tzinfo=UTC) for h in range(6)]
        # entered 0, completed 1, entered 2, a message at 4 (the contact's latest event)
        events = [("e1", "JOURNEY_ENTERED", at[0]), ("c1", "JOURNEY_COMPLETED", at[1]),
                  ("e2", "JOURNEY_ENTERED", at[2]), ("m1", "MESSAGE_SENT", at[4])]  # fmt: skip
        runs = [("e1", at[0], "COMPLETED", at[1], "c1"), ("e2", at[2], "ACTIVE", None, None)]
        for event_id, kind, moment in events:
            await connection.execute(
                """INSERT INTO events (workspace_id, id, type, journey_id, contact_id, occurred_at)
                VALUES ($1, $2, $3, $4, 'c', $5)""",
                workspace, event_id, kind, journey, moment,
            )  # fmt: skip
        for entry, entered, status, ended, end in runs:
            await connection.execute(
                """INSERT INTO enrollments (workspace_id, journey_id, contact_id, entered_at, entry_id,
                status, ended_at, end_id, converted) VALUES ($1, $2, 'c', $3, $4, $5, $6, $7, false)""",
                workspace, journey, entered, entry, status, ended, end,
            )  # fmt: skip

        # when migrated back to 0009, which stored it
        await asyncio.to_thread(command.downgrade, migrations.alembic_config(url), "0009")

        # then the ended run's is its end, the ACTIVE run's the contact's latest event
        rows = await connection.fetch("SELECT entry_id, last_event_at FROM enrollments ORDER BY entry_id")
    assert [tuple(r) for r in rows] == [("e1", at[1]), ("e2", at[4])]


async def test_events_queued_before_0012_are_numbered_and_from_then_on_must_be(server_url):
    # given a database at 0011 with queued events: an open by a numbered contact, a click by a
    # contact never numbered, a message sent (not counted in distinct contacts)
    async with database_at(server_url, "0011") as (url, connection):
        workspace, journey = uuid.uuid4(), uuid.uuid4()
        await connection.execute(
            "INSERT INTO contacts (workspace_id, contact_id) VALUES ($1, 'known')", workspace
        )
        queued = [("known", "MESSAGE_OPENED"), ("new", "MESSAGE_CLICKED"), ("sent", "MESSAGE_SENT")]
        insert = """INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at)
            VALUES ($1, $2, $2, $3, $4, now())"""
        for contact, kind in queued:
            await connection.execute(insert, workspace, journey, kind, contact)

        # when migrated to 0012
        await asyncio.to_thread(migrations.upgrade, url, "0012")

        # then each counted event carries its contact's ordinal, the new contact numbered
        rows = await connection.fetch(
            """SELECT t.contact_id, t.ordinal, c.ordinal FROM event_tail t
            LEFT JOIN contacts c ON c.workspace_id = t.workspace_id AND c.contact_id = t.contact_id
            ORDER BY t.contact_id"""
        )
        # and a counted event without one is refused
        with pytest.raises(asyncpg.CheckViolationError, match="ck_event_tail_numbered"):
            await connection.execute(insert, workspace, journey, "NODE_ENTERED", "known")
    ordinals = {contact: (queued_with, numbered) for contact, queued_with, numbered in rows}
    assert ordinals["known"][0] is not None and ordinals["known"][0] == ordinals["known"][1]
    assert ordinals["new"][0] is not None and ordinals["new"][0] == ordinals["new"][1]
    assert ordinals["sent"] == (None, None)  # a message sent needs none, and its contact stays unnumbered


async def test_events_are_vacuumed_after_every_hundredth_of_new_rows_from_0016(server_url):
    # A fold reads contacts' events by index only, and visits the heap for every row on a page
    # the visibility map does not mark all-visible: autovacuum has to come for a stream's new rows
    # long before the default 20% of the table (two million at 10M events) have arrived.
    options = "SELECT reloptions FROM pg_class WHERE oid = 'events'::regclass"
    # given a database at 0015, where events are vacuumed at PostgreSQL's default
    async with database_at(server_url, "0015") as (url, connection):
        before = await connection.fetchval(options)

        # when migrated to 0016
        await asyncio.to_thread(migrations.upgrade, url, "0016")

        # then autovacuum comes after 1% of the table in new rows
        after = await connection.fetchval(options)
    assert not any(o.startswith("autovacuum_vacuum_insert_scale_factor") for o in before or [])
    assert "autovacuum_vacuum_insert_scale_factor=0.01" in after


async def test_runs_stored_before_0018_are_recomputed_at_their_contacts_next_fold_then_placed_on_its_state(
    server_url,
):
    # given a database at 0017 where a contact entered and reached the mail node, its run stored
    # (ACTIVE at the mail node, as a fold then stored it) and nothing queued
    async with database_at(server_url, "0017") as (url, connection):
        workspace, journey, mail, wait = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        at = [datetime(2026, 11, 2, h, tzinfo=UTC) for h in range(4)]
        add_event = """INSERT INTO events (workspace_id, id, type, journey_id, node_id, contact_id, occurred_at)
            VALUES ($1, $2, $3, $4, $5, 'c', $6)"""
        for event_id, kind, node, moment in [
            ("in", "JOURNEY_ENTERED", None, at[0]),
            ("m", "NODE_ENTERED", mail, at[1]),
        ]:
            await connection.execute(add_event, workspace, event_id, kind, journey, node, moment)
        await connection.execute(
            """INSERT INTO enrollments (workspace_id, journey_id, contact_id, entered_at, entry_id, status,
            current_node_id, converted) VALUES ($1, $2, 'c', $3, 'in', 'ACTIVE', $4, false)""",
            workspace, journey, at[0], mail,
        )  # fmt: skip
        await connection.execute(
            "INSERT INTO enrollment_counts VALUES ($1, $2, 'ACTIVE', $3, 1)", workspace, journey, mail
        )

        # when migrated to 0018
        await asyncio.to_thread(migrations.upgrade, url, "0018")
        # then the contact has a state, marked stale (its segment's latest node was never stored)
        states = (
            "SELECT stale, end_at, node_id, node_at, node_event FROM enrollment_states WHERE contact_id = 'c'"
        )
        assert [tuple(r) for r in await connection.fetch(states)] == [(True, None, None, None, None)]
        # (and on to the newest revision, which the fold below is written for: the run keeps its node)
        await asyncio.to_thread(migrations.upgrade, url)

        # and when the contact reaches the wait node, then exits, each stored and folded in turn
        ordinal = await connection.fetchval(
            "INSERT INTO contacts (workspace_id, contact_id) VALUES ($1, 'c') RETURNING ordinal", workspace
        )
        engine = create_engine(url)
        try:
            for event_id, kind, node, moment in [
                ("w", "NODE_ENTERED", wait, at[2]),
                ("x", "JOURNEY_EXITED", None, at[3]),
            ]:
                await connection.execute(add_event, workspace, event_id, kind, journey, node, moment)
                await connection.execute(
                    """INSERT INTO event_tail (workspace_id, journey_id, subject_id, type, contact_id, occurred_at,
                    event_id, ordinal) VALUES ($1, $2, $3, $4, 'c', $5, $6, $7)""",
                    workspace, journey, node or NO_SUBJECT, kind, moment, event_id, ordinal,
                )  # fmt: skip
                async with create_sessionmaker(engine).begin() as session:
                    assert await fold(session, 100, workspace_id=workspace) == 1
                if event_id == "w":
                    # then the first fold recomputed its runs from its events, and its state with them
                    found = [tuple(r) for r in await connection.fetch(states)]
                    assert found == [(False, None, wait, at[2], "w")]
        finally:
            await engine.dispose()
        # and the second placed the exit on that state: the run ended at the wait node
        runs = await connection.fetch(
            "SELECT entry_id, status, ended_at, end_id, current_node_id FROM enrollments WHERE contact_id = 'c'"
        )
        counts = await connection.fetch("SELECT status, node_id, n FROM enrollment_counts WHERE n <> 0")
        assert [tuple(r) for r in await connection.fetch(states)] == [(False, at[3], None, None, None)]
    assert [tuple(r) for r in runs] == [("in", "EXITED", at[3], "x", wait)]
    assert [tuple(r) for r in counts] == [("EXITED", NO_SUBJECT, 1)]


async def test_from_0019_an_active_runs_node_is_its_states_unless_that_state_is_stale(server_url):
    # given, at 0018, three contacts' ACTIVE runs stored with their node: `fresh` placed on its state
    # (at the node since hour 1, entered at hour 0), `stale` not recomputed since 0018 (its state
    # empty), and `later`, entered after its state's node (so at no node)
    async with database_at(server_url, "0018") as (url, connection):
        workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        at = [datetime(2026, 11, 2, h, tzinfo=UTC) for h in range(3)]
        for contact, entered, stored in [
            ("fresh", at[0], node),
            ("stale", at[0], node),
            ("later", at[2], None),
        ]:
            await connection.execute(
                """INSERT INTO enrollments (workspace_id, journey_id, contact_id, entered_at, entry_id, status,
                current_node_id, converted) VALUES ($1, $2, $3::text, $4, $3::text || '-in', 'ACTIVE', $5, false)""",
                workspace, journey, contact, entered, stored,
            )  # fmt: skip
        for contact, entered in [("fresh", at[0]), ("later", at[2])]:
            await connection.execute(
                """INSERT INTO enrollment_states (workspace_id, journey_id, contact_id, entry_ats, entry_ids,
                node_id, node_at, node_event) VALUES ($1, $2, $3::text, ARRAY[$4::timestamptz], ARRAY[$3::text || '-in'],
                $5, $6, $3::text || '-node')""",
                workspace, journey, contact, entered, node, at[1],
            )  # fmt: skip
        await connection.execute(
            "INSERT INTO enrollment_states (workspace_id, journey_id, contact_id, stale) VALUES ($1, $2, 'stale', true)",
            workspace, journey,
        )  # fmt: skip
        stored = "SELECT contact_id, current_node_id FROM enrollments ORDER BY contact_id"

        # when migrated to 0019
        await asyncio.to_thread(migrations.upgrade, url, "0019")
        # then the placed contact's run stores no node; the stale one keeps its own
        assert [tuple(r) for r in await connection.fetch(stored)] == [
            ("fresh", None),
            ("later", None),
            ("stale", node),
        ]
        # and the runs listed at the node are the two there, one found through its state, the other
        # through the node it stores; each listed with its node, the third at none
        engine = create_engine(url)
        try:
            async with create_sessionmaker(engine)() as session:
                at_node = await enrollments.runs_page(
                    session, workspace, journey, enrollments.RunFilter(node_id=node), 10, None
                )
                every = await enrollments.runs_page(
                    session, workspace, journey, enrollments.RunFilter(), 10, None
                )
        finally:
            await engine.dispose()
        assert sorted((r.contact_id, r.current_node_id) for r in at_node) == [
            ("fresh", node),
            ("stale", node),
        ]
        assert sorted((r.contact_id, r.current_node_id) for r in every) == [
            ("fresh", node), ("later", None), ("stale", node)
        ]  # fmt: skip

        # and back at 0018, every ACTIVE run stores its node again
        await asyncio.to_thread(command.downgrade, migrations.alembic_config(url), "0018")
        assert [tuple(r) for r in await connection.fetch(stored)] == [
            ("fresh", node),
            ("later", None),
            ("stale", node),
        ]
