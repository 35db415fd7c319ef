"""Contacts' ordinals remembered by the server process (db/ordinals.py): fewer look-ups, the same ordinals."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from journeygraph.db.enums import EventType
from journeygraph.db.ordinals import Ordinals
from journeygraph.db.queries.events import NewEvent, insert_events
from journeygraph.resolvers.ingest import ingest
from tests.conftest import examples, new_api
from tests.journeygraph.test_events_endpoint import post, totals
from tests.operations import create_journey

# The tail's ordinals that are not their contact's own in `contacts`: every one should be.
WRONG_ORDINALS = sa.text(
    """
    SELECT count(*) FROM event_tail t
    LEFT JOIN contacts c ON c.workspace_id = t.workspace_id AND c.contact_id = t.contact_id
    WHERE t.workspace_id = :ws AND t.ordinal IS NOT NULL AND t.ordinal IS DISTINCT FROM c.ordinal
    """
)


def events(journey_id: str, prefix: str, contacts: list[str]) -> dict:
    return {
        "events": [
            {"id": f"{prefix}-{i}", "type": "JOURNEY_ENTERED", "journeyId": journey_id, "contactId": contact,
             "occurredAt": "2026-05-01T10:00:00Z"}
            for i, contact in enumerate(contacts)
        ]
    }  # fmt: skip


async def wrong_ordinals(app, workspace_id) -> int:
    async with app.state.sessions() as session:
        return (await session.execute(WRONG_ORDINALS, {"ws": workspace_id})).scalar_one()


async def committed_ordinals(app, workspace_id) -> dict[str, int]:
    """The workspace's contacts and their ordinals as committed in `contacts`."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            sa.text("SELECT contact_id, ordinal FROM contacts WHERE workspace_id = :ws"), {"ws": workspace_id}
        )
        return dict(rows.all())


async def statements_of(api, body) -> list[str]:
    """The SQL statements a POST /v1/events of `body` sends, after checking it was taken whole."""
    api.counter.count, api.counter.statements, api.counter.counting = 0, [], True
    try:
        response = await post(api, body)
    finally:
        api.counter.counting = False
    assert response.json()["accepted"] == len(body["events"]), response.json()
    return api.counter.statements


def touches_contacts(statements: list[str]) -> bool:
    return any("contacts" in s for s in statements)


def test_past_its_limit_it_forgets_the_oldest_it_learned():
    workspace = uuid.uuid4()
    ordinals = Ordinals(limit=8)
    for n in range(20):
        ordinals.learn(workspace, {f"c{n}": n})
        assert len(ordinals) <= 8
    assert ordinals.get(workspace, "c19") == 19
    assert ordinals.get(workspace, "c0") is None
    assert ordinals.get(uuid.uuid4(), "c19") is None  # another workspace's contact of the same id


def test_a_limit_of_zero_remembers_nothing():
    ordinals = Ordinals(limit=0)
    ordinals.learn(uuid.uuid4(), {"c": 1})
    assert len(ordinals) == 0


async def test_a_known_contacts_events_are_stored_without_looking_it_up(app, api):
    # given contacts the server has numbered once
    journey = await create_journey(api)
    first = await statements_of(api, events(journey["id"], "a", ["p", "q", "r"]))
    assert touches_contacts(first)
    # when more of their events arrive
    later = await statements_of(api, events(journey["id"], "b", ["r", "q", "p", "p"]))
    # then no statement reads or numbers contacts, and every queued ordinal is the contact's own
    assert not touches_contacts(later), later
    assert await wrong_ordinals(app, api.workspace_id) == 0
    figures = await totals(api, journey["id"])
    assert (figures["enteredCount"], figures["uniqueContactCount"]) == (7, 3)


async def test_the_same_contact_id_in_two_workspaces_keeps_each_workspaces_ordinal(app, api, other_api):
    # given one contact id numbered in one workspace, then in another
    other = other_api
    journeys = [await create_journey(api), await create_journey(other)]
    for client, journey in zip((api, other), journeys, strict=True):
        await statements_of(client, events(journey["id"], "a", ["shared", f"own-{client.workspace_id}"]))
    # when both send that contact's events again
    for client, journey in zip((api, other), journeys, strict=True):
        await statements_of(client, events(journey["id"], "b", ["shared"]))
    # then each workspace's tail carries its own ordinal for it
    for client, journey in zip((api, other), journeys, strict=True):
        assert await wrong_ordinals(app, client.workspace_id) == 0
        assert (await totals(client, journey["id"]))["uniqueContactCount"] == 2


async def test_ordinals_numbered_in_a_transaction_rolled_back_are_not_remembered(app, api):
    # given a batch of new contacts stored in a transaction that then rolls back
    journey = await create_journey(api)
    ordinals = app.state.ordinals
    batch = [
        NewEvent(f"gone-{i}", EventType.JOURNEY_ENTERED, uuid.UUID(journey["id"]), None, None, f"new-{i}",
                 datetime(2026, 5, 1, tzinfo=UTC), None, None)
        for i in range(3)
    ]  # fmt: skip
    async with app.state.sessions() as session:
        stored = await insert_events(session, api.workspace_id, batch, ordinals)
        await session.rollback()
    assert sorted(stored.ordinals) == ["new-0", "new-1", "new-2"]
    # then the process does not remember them
    assert all(ordinals.get(api.workspace_id, f"new-{i}") is None for i in range(3))
    # and when the contacts come back, they are numbered anew and queued with the committed ordinals
    await statements_of(api, events(journey["id"], "back", ["new-0", "new-1", "new-2"]))
    committed = await committed_ordinals(app, api.workspace_id)
    assert set(committed.values()).isdisjoint(stored.ordinals.values())  # an identity gives nothing back
    assert all(ordinals.get(api.workspace_id, c) == n for c, n in committed.items())
    assert await wrong_ordinals(app, api.workspace_id) == 0


async def remembered_rightly(app, ordinals: Ordinals, workspace_id) -> bool:
    """Every ordinal `ordinals` holds for the workspace is its contact's committed one."""
    committed = await committed_ordinals(app, workspace_id)
    return all(ordinals.get(workspace_id, c) in (None, n) for c, n in committed.items())


# A step: a batch for workspace 0 or 1, naming some of six contacts, committed or rolled back.
STEPS = st.lists(
    st.tuples(st.integers(0, 1), st.lists(st.sampled_from("abcdef"), min_size=1, max_size=6), st.booleans()),
    min_size=1,
    max_size=8,
)


@examples(20)
@given(steps=STEPS)
async def test_any_sequence_of_batches_queues_every_contact_with_its_own_ordinal(
    app, http, statements, steps
):
    # given a memory of three contacts, shared by two workspaces whose contacts have the same ids
    ordinals = Ordinals(limit=3)
    apis = [await new_api(app, http, statements, ["read", "write", "ingest"]) for _ in range(2)]
    journeys = [await create_journey(a) for a in apis]
    committed: list[set[str]] = [set(), set()]
    # when batches are stored, some committed and some rolled back after numbering their contacts
    for n, (w, contacts, rolled_back) in enumerate(steps):
        body = events(journeys[w]["id"], f"s{n}", contacts)["events"]
        if rolled_back:
            batch = [
                NewEvent(e["id"], EventType.JOURNEY_ENTERED, uuid.UUID(e["journeyId"]), None, None,
                         e["contactId"], datetime(2026, 5, 1, 10, tzinfo=UTC), None, None)
                for e in body
            ]  # fmt: skip
            async with app.state.sessions() as session:
                await insert_events(session, apis[w].workspace_id, batch, ordinals)
                await session.rollback()
        else:
            assert (await ingest(app.state.sessions, apis[w].workspace_id, body, ordinals)).accepted == len(
                body
            )
            committed[w].update(contacts)
        assert len(ordinals) <= 3
    # then each workspace's queued ordinals are its contacts' own, and each contact counts once
    for w in (0, 1):
        assert await wrong_ordinals(app, apis[w].workspace_id) == 0
        assert await remembered_rightly(app, ordinals, apis[w].workspace_id)
        assert (await totals(apis[w], journeys[w]["id"]))["uniqueContactCount"] == len(committed[w])
