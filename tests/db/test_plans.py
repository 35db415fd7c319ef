"""The figures' statements reach their rows through the keys, as the rollups were laid out for.

Sequential scans are switched off for these plans: on a test database's few
rows the planner would rightly read whole tables, and the question here is
which index a large table is read through, and how.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from pyroaring import BitMap

from journeygraph.db.queries import enrollments, fold, performance, run_states

WINDOW = [(0, True, datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))]
# 1 to 30 January 2026 in New York (UTC-5): partial UTC days at each edge, 05:00-24:00 on 1 Jan and
# 00:00-05:00 on 31 Jan, whole days between
NEW_YORK_WINDOW = [
    (0, False, datetime(2026, 1, 1, 5, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)),
    (0, True, datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 31, tzinfo=UTC)),
    (0, False, datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 1, 31, 5, tzinfo=UTC)),
]


async def crowd(session: Any, workspace: uuid.UUID, journey: uuid.UUID) -> None:
    """Daily and weekly contact sets of 500 other subjects of the journey (a canvas's), every day
    around WINDOW, analyzed (rolled back with the test's transaction): reading the journey's whole
    range is then dear, as on a real database, where on an empty table the planner's choice of
    index is a tie."""
    await session.execute(
        sa.text(
            """INSERT INTO contact_sets (workspace_id, journey_id, subject_id, kind, grain, bucket, n, bitmap)
            SELECT :workspace, :journey, s.id, k, g, b, 1, '\\x'::bytea
            FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 500)) AS s,
                unnest(ARRAY[1, 2]) AS k, unnest(ARRAY[3, 4]) AS g,
                generate_series(TIMESTAMPTZ '2025-12-29', TIMESTAMPTZ '2026-02-02', INTERVAL '1 day') AS b"""
        ),
        {"workspace": workspace, "journey": journey},
    )
    await session.execute(sa.text("ANALYZE contact_sets"))


async def few_subjects(session: Any, workspace: uuid.UUID, journey: uuid.UUID) -> None:
    """Four months of daily and weekly contact sets (weeks from Mondays) of 20 subjects of the
    journey, three kinds each, among 100,000 quarter-hour sets of other journeys, analyzed: there
    the planner reads the journey's weeks by the primary key's skip scan (a search per subject)
    unless the statement keeps it from doing so, as it did on the benchmark's 10M-event database."""
    bitmap = BitMap([1]).serialize()
    await session.execute(
        sa.text(
            """INSERT INTO contact_sets (workspace_id, journey_id, subject_id, kind, grain, bucket, n, bitmap)
            SELECT CAST(:workspace AS uuid), CAST(:journey AS uuid), s.id, k, g, b, 1, CAST(:bitmap AS bytea)
            FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 20)) AS s, unnest(ARRAY[1, 2, 3]) AS k,
                (SELECT 3 AS g, b FROM generate_series(TIMESTAMPTZ '2025-10-01', TIMESTAMPTZ '2026-02-02', INTERVAL '1 day') AS b
                 UNION ALL
                 SELECT 4, b FROM generate_series(TIMESTAMPTZ '2025-09-29', TIMESTAMPTZ '2026-02-02', INTERVAL '7 days') AS b) AS sets
            UNION ALL
            SELECT CAST(:workspace AS uuid), gen_random_uuid(), gen_random_uuid(), 3, 1,
                TIMESTAMPTZ '2026-01-01' + i * INTERVAL '15 minutes', 1, CAST(:bitmap AS bytea)
            FROM generate_series(1, 100000) AS i"""
        ),
        {"workspace": workspace, "journey": journey, "bitmap": bitmap},
    )
    await session.execute(sa.text("ANALYZE contact_sets"))


async def plans(
    app: Any, read: Any, verbose: bool = False, crowded: Any = None, fill: Any = crowd, analyze: bool = False
) -> list[str]:
    """The plan of each statement `read(session)` runs, as EXPLAIN prints it (run, with `analyze`);
    `crowded`: a (workspace, journey) whose contact sets `fill` writes first."""
    seen: list[tuple[str, Any]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    engine = app.state.engine.sync_engine
    async with app.state.sessions() as session:
        await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        await session.execute(sa.text("SET LOCAL enable_bitmapscan = off"))
        if crowded is not None:
            await fill(session, *crowded)
        sa.event.listen(engine, "before_cursor_execute", listen)
        try:
            await read(session)
        finally:
            sa.event.remove(engine, "before_cursor_execute", listen)
        connection = await session.connection()
        found = []
        for statement, parameters in seen:
            explain = "EXPLAIN (VERBOSE) " if verbose else "EXPLAIN (ANALYZE) " if analyze else "EXPLAIN "
            rows = await connection.exec_driver_sql(explain + statement, parameters)
            found.append("\n".join(row[0] for row in rows))
    return found


async def test_a_journeys_totals_rows_are_found_by_the_key(app):
    workspace, journey = uuid.uuid4(), uuid.uuid4()

    (plan,) = await plans(
        app, lambda session: performance.counts(session, workspace, "journey", [journey], [], WINDOW)
    )

    # the totals row's subject is part of the index search, not a filter over every subject
    lines = plan.splitlines()
    scans = [i for i, line in enumerate(lines) if "on rollup_" in line]
    conditions = [next(line for line in lines[i + 1 :] if "Index Cond" in line) for i in scans]
    assert conditions and all("subject_id" in line for line in conditions), plan
    # the tail (events not folded yet) is read through an index, in the same statement
    assert "Index Scan using" in plan and "on event_tail" in plan, plan


async def test_distinct_contacts_are_read_by_the_key_of_their_sets(app):
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    (plan,) = await plans(
        app,
        lambda session: performance.uniques(session, workspace, [journey], [node], [1, 2], WINDOW),
        crowded=(workspace, journey),
    )

    # whole weeks, then the days at the edges: each a search of the key down to grain and bucket
    lines = plan.splitlines()
    scans = [i for i, line in enumerate(lines) if "using pk_contact_sets on contact_sets" in line]
    assert len(scans) == 2, plan
    for i in scans:
        condition = next(line for line in lines[i + 1 :] if "Index Cond" in line)
        assert "subject_id" in condition and "grain" in condition and "bucket" in condition, plan
    assert "on event_tail" in plan, plan


@pytest.mark.parametrize("fill", [crowd, few_subjects], ids=["500 subjects", "20 subjects, many sets each"])
async def test_a_whole_journeys_sets_are_read_by_grain_and_bucket_not_subject_by_subject(app, fill):
    # a canvas: every node and every path of the journey
    workspace, journey = uuid.uuid4(), uuid.uuid4()
    every = performance.WholeJourneys([journey], [journey])

    (plan,) = await plans(
        app,
        lambda session: performance.uniques(session, workspace, [journey], [], [3, 4], WINDOW, every),
        crowded=(workspace, journey),
        fill=fill,
    )

    # weeks, then the days at the edges: a range of (journey, grain, bucket) each, no search per
    # subject and kind (the primary key's order)
    lines = plan.splitlines()
    scans = [i for i, line in enumerate(lines) if " on contact_sets" in line]
    assert len(scans) == 2, plan
    for i in scans:
        assert "using ix_contact_sets_workspace_id_journey_id_grain_bucket_kind" in lines[i], plan
        condition = next(line for line in lines[i + 1 :] if "Index Cond" in line)
        assert "grain" in condition and "bucket" in condition and "subject_id" not in condition, plan


async def test_one_range_is_read_without_mapping_each_row_to_its_point(app):
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    two_points = [*WINDOW, (1, True, datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))]

    async def read(session: Any) -> None:
        await performance.counts(session, workspace, "subject", [journey], [node], WINDOW)
        await performance.uniques(session, workspace, [journey], [node], [1, 2], WINDOW)
        await performance.counts(session, workspace, "subject", [journey], [node], two_points)

    one_counts, one_uniques, two_counts = await plans(app, read)

    # width_bucket unpacks the bounds array for every row; one range needs no mapping
    assert "width_bucket" not in one_counts, one_counts
    assert "width_bucket" not in one_uniques, one_uniques
    assert "width_bucket" in two_counts, two_counts


async def test_paths_rows_are_summed_in_their_one_column(app):
    workspace, journey, node, path = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    counters = len(performance.COUNTERS)

    async def read(session: Any) -> None:
        await performance.counts(session, workspace, "subject", [journey], [node], WINDOW, [path])

    (plan,) = await plans(app, read, verbose=True)

    # each sum is a cost per row read; a path's rows hold traversals and nothing else
    lines = plan.splitlines()
    # (the tail's events are counted per point, owner and type first, with count(*), then spread into
    # the columns with FILTERs, before the sums)
    aggregates = [
        lines[i + 1]
        for i, line in enumerate(lines)
        if "Aggregate" in line and "FILTER" not in lines[i + 1] and "count(*)" not in lines[i + 1]
    ]
    assert sorted(line.count("sum(") for line in aggregates) == [1, counters + 1], plan
    assert re.search(r"sum\(\(*x(_\d+)?\.path_traversed", plan), plan


async def test_the_tail_is_read_once_per_statement_and_its_contacts_never_looked_up(app):
    # given a subjects' read of nodes and paths, counts and distinct contacts
    workspace, journey, node, path = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def read(session: Any) -> None:
        await performance.counts(session, workspace, "subject", [journey], [node], WINDOW, [path])
        await performance.uniques(session, workspace, [journey], [node, path], [1, 2], WINDOW)

    counts, uniques = await plans(app, read)

    # then each statement scans the queued events once (nodes and paths from one grouping), and the
    # distinct contacts come with the events: no look-up in contacts per queued event
    assert counts.count(" on event_tail ") == 1, counts
    assert uniques.count(" on event_tail ") == 1, uniques
    assert " on contacts " not in uniques, uniques


async def test_a_windows_two_edges_are_read_without_the_days_between(app):
    # a window in a time zone behind UTC: partial days at each edge, whole days between
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def read(session: Any) -> None:
        await performance.counts(session, workspace, "subject", [journey], [node], NEW_YORK_WINDOW)
        await performance.uniques(session, workspace, [journey], [node], [1, 2], NEW_YORK_WINDOW)

    counts, uniques = await plans(app, read)

    # each edge is its own index search; one range from the first edge to the last
    # would read every hour of the 29 days between them
    lines = counts.splitlines()
    scans = [i for i, line in enumerate(lines) if "on rollup_hours" in line]
    edges = [next(line for line in lines[i + 1 :] if "Index Cond" in line) for i in scans]
    lines = uniques.splitlines()
    scans = [i for i, line in enumerate(lines) if "on contact_sets" in line]
    conditions = [next(line for line in lines[i + 1 :] if "Index Cond" in line) for i in scans]
    hours = [condition for condition in conditions if "(grain = 2)" in condition]  # the edges' hours
    assert edges and hours, (counts, uniques)
    for condition in edges + hours:
        assert "(bucket >= run" in condition and "(bucket < run" in condition, (counts, uniques)


async def test_a_windows_edges_are_summed_from_four_hour_blocks_and_hours_not_quarter_hours(app):
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    (plan,) = await plans(
        app,
        lambda session: performance.counts(session, workspace, "subject", [journey], [node], NEW_YORK_WINDOW),
    )

    # 08:00-24:00 and 00:00-04:00 as four-hour blocks, 05:00-08:00 and 04:00-05:00 as hours:
    # no quarter-hour row is read (each edge's were 76 and 20 rows a subject)
    assert " on rollup_four_hours " in plan and " on rollup_hours " in plan, plan
    assert " on rollup_quarters " not in plan, plan


async def test_whole_weeks_are_read_from_the_weekly_rows(app):
    # 1 Jan to 1 Feb 2026: Thursday to Sunday, three whole weeks from Monday 5 Jan between
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    (plan,) = await plans(
        app, lambda session: performance.counts(session, workspace, "subject", [journey], [node], WINDOW)
    )

    # a row per week in the middle; day rows for the edges alone, each its own index search
    lines = plan.splitlines()
    weeks = [i for i, line in enumerate(lines) if "on rollup_weeks" in line]
    days = [i for i, line in enumerate(lines) if "on rollup_days" in line]
    assert weeks and days, plan
    for i in weeks:
        condition = next(line for line in lines[i + 1 :] if "Index Cond" in line)
        assert "2026-01-05" in condition and "2026-01-26" in condition, plan
    for i in days:
        condition = next(line for line in lines[i + 1 :] if "Index Cond" in line)
        assert "(bucket >= run" in condition, plan


async def test_a_listed_runs_last_event_is_one_backward_probe_of_the_contacts_index(app):
    workspace, journey = uuid.uuid4(), uuid.uuid4()

    async def read(session: Any) -> None:
        # a workspace with events, as the statistics know it (rolled back with the session): with
        # none, the planner may as well search its events by the primary key, depending on what
        # earlier tests left in `events` and when it was last analyzed
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        await raw.execute(
            """INSERT INTO events (workspace_id, id, type, journey_id, contact_id, occurred_at)
            SELECT $1, 'e' || i, 'NODE_ENTERED', $2, 'c' || (i % 300), $3 FROM generate_series(1, 5000) AS i""",
            workspace, journey, datetime(2026, 1, 1, tzinfo=UTC),
        )  # fmt: skip
        await raw.execute("ANALYZE events")
        await enrollments.runs_page(session, workspace, journey, enrollments.RunFilter(), 20, None)

    (plan,) = await plans(app, read)

    # lastEventAt of an ACTIVE run: the contact's latest event in the journey, read from the end of
    # its stretch of ix_events_contact (one entry), not by reading every event of the contact
    lines = plan.splitlines()
    probe = next(i for i, line in enumerate(lines) if "on events v" in line)
    # (index-only or through the heap: the planner picks by how much of `events` is all-visible,
    # which depends on when autovacuum last came by)
    assert re.search(r"Index (Only )?Scan Backward using ix_events_contact", lines[probe]), plan
    assert "Limit" in lines[probe - 1], plan


async def test_a_fold_reads_each_range_of_stored_sets_once_not_once_per_set(app):
    # given 500 subjects' sets of a journey, every day around WINDOW
    workspace, journey = uuid.uuid4(), uuid.uuid4()
    async with app.state.sessions() as session:
        await session.execute(sa.text("SET LOCAL enable_seqscan = off"))
        await crowd(session, workspace, journey)
        subjects = list(
            await session.scalars(
                sa.text("SELECT DISTINCT subject_id FROM contact_sets WHERE workspace_id = :w"),
                {"w": workspace},
            )
        )
        # when a fold looks up one day's sets of one kind for every subject, as a stream's folds do
        keys = [(journey, subject, 1, 3, datetime(2026, 1, 10, tzinfo=UTC)) for subject in subjects]
        parameters = {"workspace_id": workspace, **fold._columns(keys)}
        found = (await session.execute(fold._STORED_SETS, parameters)).all()
        plan = [
            row[0]
            for row in await session.execute(
                sa.text("EXPLAIN (ANALYZE) " + fold._STORED_SETS.text), parameters
            )
        ]
        await session.rollback()

    # then it gets every one of them, from one search of the journey's range, not a search per set
    # (each of which walked the whole range: docs/performance.md, "Stop 36")
    assert len(found) == len(subjects) == 500
    assert {(row[1], row[2], row[3], row[4]) for row in found} == {key[1:] for key in keys}
    scans = [line for line in plan if " on contact_sets" in line]
    assert len(scans) == 1, "\n".join(plan)
    assert re.search(r"rows=500(\.0+)? loops=1\)", scans[0]), "\n".join(plan)


async def test_a_folds_runs_are_sorted_contact_by_contact_not_all_together(app):
    workspace, journey = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 1, 1, tzinfo=UTC)

    async def read(session: Any) -> None:
        # given 3,000 contacts' entries and nodes entered in a journey, as the statistics know them
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        await raw.execute(
            """INSERT INTO events (workspace_id, id, type, journey_id, contact_id, occurred_at)
            SELECT $1, 'e' || i, CASE WHEN i % 3 = 0 THEN 'JOURNEY_ENTERED' ELSE 'NODE_ENTERED' END, $2,
                'c' || (i % 3000), CAST($3 AS timestamptz) + i * INTERVAL '1 second'
            FROM generate_series(1, 60000) AS i""",
            workspace, journey, at,
        )  # fmt: skip
        await raw.execute("ANALYZE events")
        # when a fold recomputes 30 of them (a fold's share of a large workspace's contacts)
        touched = [(journey, f"c{i}", at) for i in range(0, 3000, 100)]
        await enrollments.recompute(session, workspace, touched)

    (plan,) = await plans(app, read)

    # then their events, read from ix_events_contact one contact after another in contact order,
    # are ordered by time within each contact (a sort of a dozen rows at a time at 10M events),
    # not sorted all together before the window that cuts them into segments
    lines = plan.splitlines()
    window = next(i for i, line in enumerate(lines) if "WindowAgg" in line)
    below = "\n".join(lines[window + 1 : window + 5])
    assert "Incremental Sort" in below, plan
    assert re.search(r"Presorted Key: \w+\.journey_id, \w+\.contact_id", below), plan
    assert "ix_events_contact" in plan, plan


async def test_a_fold_reaches_each_contacts_state_by_its_key(app):
    workspace, journey, node = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 1, 1, tzinfo=UTC)

    async def read(session: Any) -> None:
        # given 20,000 contacts' states in a journey (one open entry each), as the statistics know them
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        await raw.execute(
            """INSERT INTO enrollment_states (workspace_id, journey_id, contact_id, entry_ats, entry_ids)
            SELECT $1, $2, 'c' || i, ARRAY[CAST($3 AS timestamptz)], ARRAY['in-' || i]
            FROM generate_series(1, 20000) AS i""",
            workspace, journey, at,
        )  # fmt: skip
        await raw.execute("ANALYZE enrollment_states")
        # when a fold places a node entered by 30 of them (their entries stay: the rest of each state moves)
        later = datetime(2026, 1, 2, tzinfo=UTC)
        events = [
            run_states.Shaped(journey, f"c{i}", later, f"n-{i}", "NODE_ENTERED", node)
            for i in range(1, 3000, 100)
        ]
        await run_states.refresh(session, workspace, events)

    found = await plans(app, read)

    # then the states are read, and written, by key: a search per contact, never the whole table hashed
    touching = [plan for plan in found if "enrollment_states" in plan]
    assert len(touching) == 2, found  # the read, the write
    for plan in touching:
        assert "pk_enrollment_states" in plan, plan
        assert "Hash Join" not in plan and "Merge Join" not in plan, plan


async def test_a_nodes_runs_are_read_from_as_many_of_its_states_as_a_page_lists(app):
    workspace, journey = uuid.uuid4(), uuid.uuid4()
    nodes = [uuid.uuid4() for _ in range(20)]
    at = datetime(2026, 1, 1, tzinfo=UTC)

    async def read(session: Any) -> None:
        # given 20,000 contacts' states in a journey, each at one of 20 nodes with an entry before it
        # (1,000 a node), and their ACTIVE runs (no node stored), as the statistics know them
        raw = (await (await session.connection()).get_raw_connection()).driver_connection
        await raw.execute(
            """INSERT INTO enrollment_states (workspace_id, journey_id, contact_id, entry_ats, entry_ids, node_id,
                node_at, node_event, waiting_at)
            SELECT $1, $2, 'c' || i, ARRAY[$3::timestamptz + i * INTERVAL '1 second'], ARRAY['in-' || i],
                ($4::uuid[])[1 + i % 20], $3::timestamptz + INTERVAL '1 day', 'n-' || i,
                $3::timestamptz + i * INTERVAL '1 second'
            FROM generate_series(1, 20000) AS i""",
            workspace, journey, at, nodes,
        )  # fmt: skip
        await raw.execute(
            """INSERT INTO enrollments (workspace_id, journey_id, contact_id, entered_at, entry_id, status, converted)
            SELECT workspace_id, journey_id, contact_id, entry_ats[1], entry_ids[1], 'ACTIVE', false
            FROM enrollment_states WHERE workspace_id = $1""",
            workspace,
        )
        await raw.execute("ANALYZE enrollment_states")
        await raw.execute("ANALYZE enrollments")
        # when the first page of the runs at one node is listed, then the next, then a page of every run
        at_node = enrollments.RunFilter(node_id=nodes[7])
        first = await enrollments.runs_page(session, workspace, journey, at_node, 20, None)
        last = first[-1]
        await enrollments.runs_page(
            session, workspace, journey, at_node, 20, (last.entered_at, last.contact_id, last.entry_id)
        )
        await enrollments.runs_page(session, workspace, journey, enrollments.RunFilter(), 20, None)

    first, second, every = await plans(app, read, analyze=True)

    # then each page reads the node's states in order through their index, 20 on the first page
    # (as many as it lists) and 20 more on the second (those above its cursor), not the node's 1,000;
    # and stale contacts' runs by the node they store
    def states_read(plan: str) -> int:
        lines = [line for line in plan.splitlines() if "using ix_enrollment_states_waiting" in line]
        assert lines, plan
        return sum(int(float(re.search(r"actual time=\S+ rows=([\d.]+)", line).group(1))) for line in lines)

    assert states_read(first) == 20, first
    assert states_read(second) <= 40, second
    assert "ix_enrollments_waiting" in first, first
    # and a page of every run reads each listed ACTIVE run's state by its key
    assert "pk_enrollment_states" in every, every
    assert "ix_enrollment_states_waiting" not in every, every
