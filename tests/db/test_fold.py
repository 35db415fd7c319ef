"""The tail and the folder: figures are the same whatever part of the events is folded.

Every check compares the figures with tests/reference.py (SPEC.md's definitions
applied to the events the test wrote), in three time zones, while the events
are all in the tail, partly folded, all folded, and folded with more arriving
for the same contacts. The test holds the fold lock on its own connection, so
no server folder moves anything it did not ask for.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, create_async_engine

from journeygraph import demo
from journeygraph.db.engine import async_url, create_sessionmaker
from journeygraph.db.enums import UNIQUE_KINDS, EventType
from journeygraph.db.queries import canvas, performance, rollups
from journeygraph.db.queries.events import NewEvent, insert_events
from journeygraph.db.queries.fold import FOLD_LOCK, STALE_FROM, fold, vacuum_tail
from journeygraph.demo_events import load_graphs, simulate
from journeygraph.folder import Folder
from journeygraph.resolvers.ingest import ingest
from tests import reference
from tests.conftest import Api
from tests.resolvers.test_performance import CANVAS, check_canvas

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
ZONES = ("UTC", "America/New_York", "Asia/Kathmandu")
START, END = date(2026, 10, 1), date(2026, 11, 20)


@contextlib.asynccontextmanager
async def fold_lock(app) -> AsyncIterator[AsyncConnection]:
    """A connection holding the fold lock: only folds run on it can fold."""
    async with app.state.engine.connect() as connection:
        await connection.execute(sa.text(f"SELECT pg_advisory_lock({FOLD_LOCK})"))
        await connection.commit()
        try:
            yield connection
        finally:
            await connection.execute(sa.text(f"SELECT pg_advisory_unlock({FOLD_LOCK})"))
            await connection.commit()


async def fold_on(connection: AsyncConnection, workspace_id, limit: int) -> int:
    async with AsyncSession(bind=connection) as session:
        moved = await fold(session, limit, workspace_id=workspace_id)
        await session.commit()
    return moved


async def fold_all(connection: AsyncConnection, workspace_id, limit: int = 1000) -> None:
    """Fold the workspace's tail until it is empty, `limit` events a fold."""
    while await fold_on(connection, workspace_id, limit):
        pass


async def queued(app, workspace_id) -> int:
    async with app.state.sessions() as session:
        found = await session.scalar(
            sa.text("SELECT count(*) FROM event_tail WHERE workspace_id = :ws"), {"ws": workspace_id}
        )
    return int(found or 0)


async def one_journeys_events(app, count: int, seed: int) -> tuple[uuid.UUID, str, uuid.UUID, list[dict]]:
    """A fresh demo workspace, its key, its first journey, and `count` simulated events of that journey
    over the 30 days before NOW (not ingested)."""
    async with app.state.sessions.begin() as session:
        workspace_id, key, journeys = await demo.create_demo_workspace(session)
    async with app.state.sessions() as session:
        graphs = await load_graphs(session, workspace_id, [journeys[0].id])
    return workspace_id, key, journeys[0].id, simulate(graphs, count, days=30, now=NOW, seed=seed)


async def check(
    api: Api, journey_ids: list[str], events: list[dict], stage: str, zones: tuple[str, ...] = ZONES
) -> None:
    for tz in zones:
        lo, hi = reference.window(START, END, tz)
        for journey_id in journey_ids:
            variables = {"id": journey_id, "start": str(START), "end": str(END), "tz": tz}
            data = await api.gql(CANVAS, variables)
            check_canvas(data["journey"], events, journey_id, lo, hi, f"{stage}, {tz}")


async def test_figures_are_exact_however_much_of_the_tail_is_folded(app, http, statements):
    async with app.state.sessions.begin() as session:
        workspace_id, key, journeys = await demo.create_demo_workspace(session)
    api = Api(http, workspace_id, key, statements)
    ids = [j.id for j in journeys[:2]]
    async with app.state.sessions() as session:
        graphs = await load_graphs(session, workspace_id, ids)
    first = simulate(graphs, 1200, days=60, now=NOW, seed=3)
    seen = {e["id"] for e in first}
    later = [e for e in simulate(graphs, 600, days=60, now=NOW, seed=4) if e["id"] not in seen]
    journey_ids = [str(i) for i in ids]

    async with fold_lock(app) as connection:
        assert (await ingest(app.state.sessions, workspace_id, first)).accepted == len(first)
        assert await queued(app, workspace_id) == len(first)
        await check(api, journey_ids, first, "all in the tail")

        assert await fold_on(connection, workspace_id, 500) == 500
        await check(api, journey_ids, first, "500 folded")

        assert await fold_on(connection, workspace_id, 10_000) == len(first) - 500
        assert await queued(app, workspace_id) == 0
        await check(api, journey_ids, first, "all folded")

        # the same contacts again: some in the stored sets, some only in the tail
        assert (await ingest(app.state.sessions, workspace_id, later)).accepted == len(later)
        await check(api, journey_ids, first + later, "folded and tail together")
        await fold_on(connection, workspace_id, len(later) // 2)
        await check(api, journey_ids, first + later, "half of the rest folded")


async def test_a_fold_that_fails_leaves_every_event_in_the_tail(app, http, statements):
    workspace_id, key, journey_id, events = await one_journeys_events(app, 300, seed=5)

    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        async with AsyncSession(bind=connection) as session:
            assert await fold(session, 10_000, workspace_id=workspace_id) == len(events)
            await session.rollback()  # a crash before commit

        assert await queued(app, workspace_id) == len(events)
        api = Api(http, workspace_id, key, statements)
        await check(api, [str(journey_id)], events, "after a failed fold")


async def test_one_folder_at_a_time(app):
    workspace_id, _, _, events = await one_journeys_events(app, 50, seed=6)

    async with fold_lock(app):
        await ingest(app.state.sessions, workspace_id, events)
        async with app.state.sessions.begin() as session:
            # events are queued, but another folder holds the lock: this one does not wait for
            # it, folds nothing and tries later
            assert await asyncio.wait_for(fold(session, 10, workspace_id=workspace_id), timeout=5) == 0
        assert await queued(app, workspace_id) == len(events)


async def test_a_batch_stored_first_thing_in_a_transaction_is_queued(app):
    # given a transaction in which nothing has run yet (the staging table is emptied at each commit)
    workspace_id, journey_id = uuid.uuid4(), uuid.uuid4()
    batch = [
        NewEvent(
            f"first-{i}", EventType.MESSAGE_SENT, journey_id, uuid.uuid4(), None, f"c{i}", NOW, None, None
        )
        for i in range(3)
    ]
    # when a batch is stored as its first statement
    async with app.state.sessions.begin() as session:
        stored = await insert_events(session, workspace_id, batch)
    # then every event is stored and queued
    assert stored.ids == {e.id for e in batch}
    assert await queued(app, workspace_id) == len(batch)
    async with app.state.sessions.begin() as session:
        await session.execute(
            sa.text("DELETE FROM event_tail WHERE workspace_id = :ws"), {"ws": workspace_id}
        )
        await session.execute(sa.text("DELETE FROM events WHERE workspace_id = :ws"), {"ws": workspace_id})


def distinct_by_owner(
    events: list[dict], journey_id: str, lo: datetime, hi: datetime
) -> dict[tuple[str, int], int]:
    """SPEC's unique counts from the events themselves: per (owner, kind), the distinct contacts with an
    event of that kind in [lo, hi) on the owner; a contact counts on the event's subject (its path for a
    path taken, else its node) and on its journey."""
    found: dict[tuple[str, int], set[str]] = {}
    for e in events:
        kind = UNIQUE_KINDS.get(EventType(e["type"]))
        if kind is None or e["journeyId"] != journey_id or not lo <= reference.when(e) < hi:
            continue
        subject = e.get("pathId") if e["type"] == "PATH_TRAVERSED" and e.get("pathId") else e.get("nodeId")
        for owner in filter(None, (subject, journey_id)):
            found.setdefault((owner, kind), set()).add(e["contactId"])
    return {key: len(contacts) for key, contacts in found.items()}


async def test_unique_counts_are_the_same_whichever_owners_one_statement_answers(app):
    # given two journeys' events, all in the tail, then half folded; the statements name both
    # journeys and ask for the first one's owners only
    async with app.state.sessions.begin() as session:
        workspace_id, _, journeys = await demo.create_demo_workspace(session)
    journey, other = journeys[0].id, journeys[1].id
    async with app.state.sessions() as session:
        graphs = await load_graphs(session, workspace_id, [journey, other])
        nodes = [n.id for n in (await canvas.nodes_by_journey_ids(session, workspace_id, [journey]))[journey]]
    events = simulate(graphs, 400, days=30, now=NOW, seed=7)
    lo, hi = reference.window(START, END, "UTC")
    expected = distinct_by_owner(events, str(journey), lo, hi)
    kinds = sorted(UNIQUE_KINDS.values())
    window = [(0, False, lo, hi)]

    async def read(owners: list[uuid.UUID], every: performance.WholeJourneys) -> dict[tuple[str, int], int]:
        async with app.state.reads() as session:
            found = await performance.uniques(
                session, workspace_id, [journey, other], owners, kinds, window, every
            )
        return {
            (str(owner), kind): n for (_, owner), by_kind in found.items() for kind, n in by_kind.items() if n
        }

    def of(owners: set[uuid.UUID]) -> dict[tuple[str, int], int]:
        return {key: n for key, n in expected.items() if uuid.UUID(key[0]) in owners}

    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        for stage in ("all in the tail", "half folded"):
            # when one statement answers the journey alone, its nodes alone, or both together
            journey_only = await read([journey], performance.NO_WHOLE_JOURNEYS)
            nodes_only = await read(nodes, performance.NO_WHOLE_JOURNEYS)
            both = await read([journey, *nodes], performance.NO_WHOLE_JOURNEYS)
            whole = await read([journey], performance.WholeJourneys(nodes_of=[journey]))

            # then each owner's distinct contacts are SPEC's, whichever others share the statement
            assert journey_only == of({journey}), stage
            assert nodes_only == of(set(nodes)), stage
            assert both == whole == of({journey, *nodes}), stage
            assert of(set(nodes)), "the test's events reach some nodes"
            assert any(e["journeyId"] == str(other) for e in events), "the other journey has events"
            await fold_on(connection, workspace_id, len(events) // 2)


async def set_versions(app, workspace_id) -> dict[tuple, str]:
    """Each stored contact set's key and the transaction that last wrote it."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            sa.text(
                "SELECT journey_id, subject_id, kind, grain, bucket, xmin::text FROM contact_sets"
                " WHERE workspace_id = :ws"
            ),
            {"ws": workspace_id},
        )
        return {tuple(row[:5]): row[5] for row in rows}


async def test_a_fold_writes_only_the_contact_sets_it_changes(app, http, statements):
    # given a journey's events, folded
    workspace_id, key, journey_id, events = await one_journeys_events(app, 400, seed=8)
    api = Api(http, workspace_id, key, statements)
    counted = [e for e in events if EventType(e["type"]) in UNIQUE_KINDS]
    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        await fold_on(connection, workspace_id, 10_000)
        stored = await set_versions(app, workspace_id)
        assert stored, "the events fill contact sets"

        # when the same contacts do the same things again at the same instants
        again = [{**e, "id": f"{e['id']}-again"} for e in counted]
        assert (await ingest(app.state.sessions, workspace_id, again)).accepted == len(again)
        assert await fold_on(connection, workspace_id, 10_000) == len(again)
        # then no set is written again, and the figures count the repeats and no contact twice
        assert await set_versions(app, workspace_id) == stored
        await check(api, [str(journey_id)], events + again, "repeats folded")

        # when a contact not seen before enters a node
        entered = next(e for e in counted if e["type"] == "NODE_ENTERED")
        newcomer = {**entered, "id": "newcomer", "contactId": "someone-new"}
        await ingest(app.state.sessions, workspace_id, [newcomer])
        await fold_on(connection, workspace_id, 10_000)
        # then exactly its sets are written: its kind's five grains, on its node and on its journey
        after = await set_versions(app, workspace_id)
        written = {k for k, version in after.items() if stored.get(k) != version}
        kind = UNIQUE_KINDS[EventType.NODE_ENTERED]
        assert {(k[1], k[2]) for k in written} == {(journey_id, kind), (uuid.UUID(entered["nodeId"]), kind)}
        assert len(written) == 2 * 5
        await check(api, [str(journey_id)], events + again + [newcomer], "a newcomer folded")


async def tail_vacuums(app) -> tuple[int, int]:
    """The tail's manual vacuums so far (a folder's; autovacuum's are counted apart) and its pages."""
    async with app.state.engine.connect() as connection:
        await connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
        found = (
            await connection.execute(
                sa.text(
                    "SELECT vacuum_count, pg_relation_size('event_tail') / current_setting('block_size')::int"
                    " FROM pg_stat_user_tables WHERE relname = 'event_tail'"
                )
            )
        ).one()
        await connection.rollback()
    return int(found[0]), int(found[1])


async def test_the_folder_vacuums_the_tail_every_so_many_events_and_once_it_is_empty(app):
    # given 1,000 queued events, the app's folder paused, autovacuum kept off the tail, and a folder
    # that folds 125 events at a time and vacuums the tail every 250
    workspace_id, _, _, events = await one_journeys_events(app, 1000, seed=7)
    await app.state.folder.stop()
    async with app.state.engine.begin() as connection:
        await connection.execute(sa.text("ALTER TABLE event_tail SET (autovacuum_enabled = false)"))
    folder = Folder(app.state.folder.sessions, app.state.folder.reads, batch=125, idle=0.05, vacuum_every=250)
    try:
        # what earlier tests left queued, so that the folder folds these alone
        await rollups.fold_all(app.state.sessions, compact=False)
        assert (await ingest(app.state.sessions, workspace_id, events)).accepted == len(events)
        vacuums, pages = await tail_vacuums(app)
        assert pages > 0

        # when it folds them all
        folder.start()
        for _ in range(200):
            if await queued(app, workspace_id) == 0 and (await tail_vacuums(app))[1] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await folder.stop()
        async with app.state.engine.begin() as connection:
            await connection.execute(sa.text("ALTER TABLE event_tail RESET (autovacuum_enabled)"))
        app.state.folder.start()

    # then it vacuumed after every 250 events folded (four times for 1,000, the fourth taking the
    # last events, so keeping the pages) and once more when it found the tail empty, which gave
    # every page of the empty tail back
    after, pages = await tail_vacuums(app)
    assert after - vacuums == len(events) // 250 + 1
    assert pages == 0


async def test_a_vacuum_while_events_are_queued_keeps_the_tails_pages_for_them(app):
    # given 1,000 events queued and folded (the app's folder paused, autovacuum kept off the tail),
    # which leaves the tail's pages empty
    workspace_id, _, _, events = await one_journeys_events(app, 1000, seed=9)
    await app.state.folder.stop()
    async with app.state.engine.begin() as connection:
        await connection.execute(sa.text("ALTER TABLE event_tail SET (autovacuum_enabled = false)"))
    try:
        # what earlier tests left queued: the tail holds these events alone
        await rollups.fold_all(app.state.sessions, compact=False)
        await ingest(app.state.sessions, workspace_id, events)
        async with app.state.sessions.begin() as session:
            assert await fold(session, len(events), wait=True, workspace_id=workspace_id) == len(events)
        _, pages = await tail_vacuums(app)
        assert pages > 0

        # when the tail is vacuumed as in the middle of a stream
        async with app.state.folder.reads() as session:
            await vacuum_tail(session, give_back=False)
        # then its pages stay, and the next events queued fill them rather than new ones
        assert (await tail_vacuums(app))[1] == pages
        again = [{**e, "id": e["id"].replace("demo-", "next-")} for e in events]  # rows of the same size
        await ingest(app.state.sessions, workspace_id, again)
        assert (await tail_vacuums(app))[1] == pages

        # and once they are folded, a vacuum of the empty tail gives every page back
        async with app.state.sessions.begin() as session:
            assert await fold(session, len(again), wait=True, workspace_id=workspace_id) == len(again)
        async with app.state.folder.reads() as session:
            await vacuum_tail(session)
        assert (await tail_vacuums(app))[1] == 0
    finally:
        async with app.state.engine.begin() as connection:
            await connection.execute(sa.text("ALTER TABLE event_tail RESET (autovacuum_enabled)"))
        app.state.folder.start()


async def test_a_backlog_folded_at_once_leaves_the_tail_no_bigger_than_an_empty_one(app, monkeypatch):
    # given 3,000 events queued at once (as rebuild-rollups queues a workspace's history)
    workspace_id, _, _, events = await one_journeys_events(app, 3000, seed=8)
    async with fold_lock(app):
        await ingest(app.state.sessions, workspace_id, events)
        assert await queued(app, workspace_id) == len(events)
        async with app.state.engine.connect() as connection:
            grown = await tail_size(connection)
    # when fold_all folds it (and compacts the tail once)
    compact, compactions = rollups.compact_tail, []

    async def counted(sessions: Any) -> None:
        compactions.append(sessions)
        await compact(sessions)

    monkeypatch.setattr(rollups, "compact_tail", counted)
    await rollups.fold_all(app.state.sessions)
    assert len(compactions) == 1
    # then the tail's heap and indexes are back to an empty table's size. A snapshot another
    # connection of the database holds meanwhile (autovacuum analyzing a table, the session app's
    # folder looking) keeps the deleted rows "recently dead" for REINDEX, which then puts them in
    # the new index: the compaction is run again, at most twice, until no snapshot is in its way
    for _ in range(3):
        async with app.state.engine.connect() as connection:
            left = await tail_size(connection)
        if all(left[name] <= 2 for name in left if name != "event_tail") and left["event_tail"] == 0:
            break
        await compact(app.state.sessions)
    assert grown["event_tail"] > 0 and all(grown[name] > left[name] for name in left)
    assert left["event_tail"] == 0
    # an empty B-tree: its meta page and root
    assert all(left[name] <= 2 for name in left if name != "event_tail")


async def tail_size(connection: AsyncConnection) -> dict[str, int]:
    """Pages of the tail's heap and of each of its indexes."""
    rows = await connection.execute(
        sa.text(
            "SELECT c.relname, pg_relation_size(c.oid) / current_setting('block_size')::int FROM pg_class c"
            " WHERE c.oid = 'event_tail'::regclass"
            " OR c.oid IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'event_tail'::regclass)"
        )
    )
    return {name: int(pages) for name, pages in rows}


async def test_a_role_that_does_not_own_the_tail_folds_a_backlog_all_the_same(app, database_url):
    # given a role that may read and write the tables, not own them, and events queued
    async with app.state.engine.begin() as connection:
        await connection.execute(sa.text("DROP ROLE IF EXISTS jg_not_owner"))
        await connection.execute(sa.text("CREATE ROLE jg_not_owner"))
        await connection.execute(
            sa.text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO jg_not_owner")
        )
        await connection.execute(sa.text("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO jg_not_owner"))
    workspace_id, _, _, events = await one_journeys_events(app, 200, seed=9)
    # (connected as the tests' user, then acting as that role, as `SET ROLE` does)
    engine = create_async_engine(
        async_url(database_url), connect_args={"server_settings": {"role": "jg_not_owner"}}
    )
    await app.state.folder.stop()  # (the events are this role's to fold)
    try:
        await ingest(app.state.sessions, workspace_id, events)
        # when it folds them (the indexes it may not rebuild, the vacuum PostgreSQL skips)
        folded = await rollups.fold_all(create_sessionmaker(engine))
    finally:
        app.state.folder.start()
        await engine.dispose()
        async with app.state.engine.begin() as connection:
            await connection.execute(sa.text("DROP OWNED BY jg_not_owner"))
            await connection.execute(sa.text("DROP ROLE jg_not_owner"))
    # then every event is folded, and no error stopped it
    assert folded >= len(events)
    assert await queued(app, workspace_id) == 0


async def test_a_fold_analyzes_a_tail_the_planner_believes_empty(app):
    # given a batch's worth of queued events (STALE_FROM), and the tail's statistics as a vacuum that
    # found it empty (and could not give its pages back) leaves them: 0 rows in pages that now hold events
    workspace_id, _, _, events = await one_journeys_events(app, STALE_FROM + 200, seed=11)
    stats = sa.text("SELECT reltuples FROM pg_class WHERE oid = 'event_tail'::regclass")
    async with fold_lock(app) as connection:
        assert (await ingest(app.state.sessions, workspace_id, events)).accepted == len(events)
        async with app.state.engine.begin() as admin:
            await admin.execute(
                sa.text("UPDATE pg_class SET reltuples = 0 WHERE oid = 'event_tail'::regclass")
            )

        # when the tail is folded
        assert await fold_on(connection, workspace_id, 10_000) == len(events)

        # then the fold analyzed the tail first (planned for one row, a fold of 50,000 events with
        # 250,000 queued read the whole tail once per event it looked up), and folded everything
        async with app.state.engine.connect() as admin:
            assert await admin.scalar(stats) >= len(events)
        assert await queued(app, workspace_id) == 0
