"""Stored figures remembered while nothing of their journey is folded (db/queries/answers.py).

To tell a remembered answer from one read again, some tests take the journey's stored rows away
behind the store's back (no fold, no rebuild: nothing a server does): a statement that reads the
rollups then finds nothing stored, one that remembers them still counts them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from journeygraph.db.enums import UNIQUE_KINDS, EventType
from journeygraph.db.queries import performance, rollups
from journeygraph.db.queries.answers import Answers
from journeygraph.db.queries.fold import ROLLUPS
from journeygraph.resolvers.ingest import ingest
from tests.conftest import Api, examples
from tests.db.test_fold import ZONES, check, fold_lock, fold_on, one_journeys_events, queued

LO, HI = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 21, tzinfo=UTC)
WINDOW = [(0, True, LO, HI)]  # whole UTC days: weeks and days of rollups and contact sets
ENTERED = EventType.NODE_ENTERED
KIND = UNIQUE_KINDS[ENTERED]


async def totals(app, workspace_id, journey_id) -> tuple[int, int, int]:
    """The journey's nodes entered over WINDOW, its distinct contacts who entered one, and the statements run."""
    seen = []

    def listen(*args):
        seen.append(args[2])

    sa.event.listen(app.state.engine.sync_engine, "before_cursor_execute", listen)
    try:
        async with app.state.sessions() as session:
            counts = await performance.counts(session, workspace_id, "journey", [journey_id], [], WINDOW)
            uniques = await performance.uniques(
                session, workspace_id, [journey_id], [journey_id], [KIND], WINDOW
            )
    finally:
        sa.event.remove(app.state.engine.sync_engine, "before_cursor_execute", listen)
    found = counts.get((0, journey_id))
    return (found[ENTERED] if found else 0), uniques.get((0, journey_id), {}).get(KIND, 0), len(seen)


def entered(events, journey_id) -> tuple[int, int]:
    """Nodes entered in the journey within WINDOW, and their distinct contacts (SPEC's definitions)."""
    hits = [
        e
        for e in events
        if e["journeyId"] == str(journey_id)
        and e["type"] == ENTERED.value
        and LO <= datetime.fromisoformat(e["occurredAt"]) < HI
    ]
    return len(hits), len({e["contactId"] for e in hits})


async def forget_stored_rows(app, workspace_id, journey_id) -> None:
    """The journey's rollups and contact sets removed without a fold: a read of them finds nothing."""
    async with app.state.sessions.begin() as session:
        for table in [*(t for t, _ in ROLLUPS), "contact_sets"]:
            await session.execute(
                sa.text(f"DELETE FROM {table} WHERE workspace_id = :w AND journey_id = :j"),
                {"w": workspace_id, "j": journey_id},
            )


def one_entered(events, contact: str) -> dict:
    """Another node entered, like the first of `events`, by `contact` within WINDOW."""
    first = next(e for e in events if e["type"] == ENTERED.value)
    moment = (LO + timedelta(days=3)).isoformat()
    return {**first, "id": f"again-{uuid.uuid4().hex}", "contactId": contact, "occurredAt": moment}


async def test_stored_figures_read_again_with_nothing_folded_are_remembered_and_the_tail_read_as_ever(app):
    workspace_id, _, journey_id, events = await one_journeys_events(app, 300, seed=21)
    expected = entered(events, journey_id)
    assert expected[0] > 0
    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        await fold_on(connection, workspace_id, 10_000)

        # given the journey's figures read once, all folded
        assert await totals(app, workspace_id, journey_id) == (*expected, 2)

        # when its stored rows go away behind the store's back, and the figures are read again
        await forget_stored_rows(app, workspace_id, journey_id)

        # then the answer is the one remembered, in as many statements: the rollups were not read
        assert await totals(app, workspace_id, journey_id) == (*expected, 2)

        # and an event of the journey queued since is counted at once, with the stored part remembered
        await ingest(app.state.sessions, workspace_id, [one_entered(events, "someone-new")])
        assert await totals(app, workspace_id, journey_id) == (expected[0] + 1, expected[1] + 1, 2)

        # and once it is folded, the journey's fold is new: its stored rows are read again, and only
        # that event's are left of them
        await fold_on(connection, workspace_id, 10_000)
        assert await queued(app, workspace_id) == 0
        assert await totals(app, workspace_id, journey_id) == (1, 1, 2)


async def test_a_fold_of_the_journey_with_nothing_left_queued_is_never_answered_from_before_it(app):
    workspace_id, _, journey_id, events = await one_journeys_events(app, 200, seed=22)
    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        await fold_on(connection, workspace_id, 10_000)
        before = await totals(app, workspace_id, journey_id)
        assert before == (*entered(events, journey_id), 2)

        # when one more event arrives and is folded before anything reads the figures
        extra = one_entered(events, "someone-new")
        await ingest(app.state.sessions, workspace_id, [extra])
        await fold_on(connection, workspace_id, 10_000)

        # then the figures count it: the tail is empty as before, but the journey's fold is not
        assert await totals(app, workspace_id, journey_id) == (*entered([*events, extra], journey_id), 2)


async def test_a_rebuild_marks_every_journey_of_the_workspace_changed(app):
    workspace_id, _, journey_id, events = await one_journeys_events(app, 100, seed=23)
    unfolded = uuid.uuid4()  # a journey with a fold row and no events left to queue again
    read = sa.text("SELECT journey_id, folded FROM journey_folds WHERE workspace_id = :w")
    async with fold_lock(app) as connection:
        await ingest(app.state.sessions, workspace_id, events)
        await fold_on(connection, workspace_id, 10_000)
        async with app.state.sessions.begin() as session:
            await session.execute(
                sa.text("INSERT INTO journey_folds VALUES (:w, :j, 1)"), {"w": workspace_id, "j": unfolded}
            )
            before = dict((await session.execute(read, {"w": workspace_id})).all())
        assert set(before) == {journey_id, unfolded}

    async with app.state.sessions.begin() as session:
        await rollups.rebuild(session, workspace_id)
        after = dict((await session.execute(read, {"w": workspace_id})).all())

    assert set(after) == set(before)
    assert all(after[j] != before[j] for j in before)


def test_an_answer_is_kept_under_its_statement_and_parameters_and_handed_out_as_a_copy():
    answers = Answers(limit=100)
    statement = performance._counts_statement("journey", (None, None, None, None, None), ("single", "one"))
    params = {name: [1, 2] for name in statement.names}
    key = answers.key(statement, {**params, "known": uuid.uuid4()})

    # the parameter that carries the fingerprint is not part of the key
    assert key == answers.key(statement, {**params, "known": None})
    assert key != answers.key(statement, {**params, "journeys": [1, 3]})
    assert answers.fingerprint(key) is None

    fingerprint = uuid.uuid4()
    answers.keep(key, fingerprint, {"a": 1}, 10)
    handed = answers.answer(key)
    handed["b"] = 2
    assert answers.fingerprint(key) == fingerprint
    assert answers.answer(key) == {"a": 1}


def test_remembered_answers_are_bounded_by_the_bytes_they_hold():
    answers = Answers(limit=100)
    for i in range(8):
        answers.keep(("k", i), uuid.uuid4(), {i: i}, 30)
        assert answers.size <= 100
    # the newest are kept, the oldest forgotten
    assert answers.fingerprint(("k", 7)) is not None
    assert answers.fingerprint(("k", 0)) is None
    # an answer kept again under its key replaces the old one in the count
    size = answers.size
    answers.keep(("k", 7), uuid.uuid4(), {0: 0}, 10)
    assert answers.size == size - 20


def test_what_remembered_sets_hold_is_their_bytes_and_a_little_more_a_group():
    groups = {(0, uuid.uuid4(), 1): (None, [b"x" * 1000, b"y" * 500]), (0, uuid.uuid4(), 2): (3, [b"z" * 10])}
    assert performance._set_bytes(groups) == 1510 + 2 * performance.SET_GROUP_BYTES


STEPS = st.lists(
    st.one_of(
        st.tuples(st.just("ingest"), st.integers(min_value=1, max_value=150)),
        # part of the tail, or all of it (a fold that leaves nothing queued: the tail then tells
        # nothing, and only the journey's fold row tells the stored rows from those remembered)
        st.tuples(st.just("fold"), st.one_of(st.integers(min_value=1, max_value=400), st.just(10_000))),
        st.tuples(st.just("draw"), st.sampled_from(ZONES[:2])),
    ),
    min_size=4,
    max_size=9,
)


@examples(25)
@given(steps=STEPS)
async def test_figures_are_exact_for_any_interleaving_of_ingest_fold_and_draw(app, http, statements, steps):
    workspace_id, key, journey_id, events = await one_journeys_events(app, 600, seed=24)
    api = Api(http, workspace_id, key, statements)
    ingested = 0
    async with fold_lock(app) as connection:
        # first some events, all folded and drawn (an answer to remember); last all folded and drawn
        # twice alike (the second is the remembered answer)
        first = [("ingest", 100), ("fold", 10_000), ("draw", "UTC")]
        for step, value in [*first, *steps, ("fold", 10_000), ("draw", "UTC"), ("draw", "UTC")]:
            if step == "ingest":
                batch = events[ingested : ingested + value]
                assert (await ingest(app.state.sessions, workspace_id, batch)).accepted == len(batch)
                ingested += len(batch)
            elif step == "fold":
                await fold_on(connection, workspace_id, value)
            else:
                await check(api, [str(journey_id)], events[:ingested], f"after {steps}", zones=(value,))
