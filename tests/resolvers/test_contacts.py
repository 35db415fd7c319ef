"""Contacts in journeys: enrollments, waiting counts and a node's contacts, against SPEC.md's
definitions computed from the events the test wrote (tests/reference.py), with re-entry, events
sent out of order and late, a removed node, three time zones, and the tail folded or not."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
import pytest_asyncio
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from journeygraph.db.queries import rollups
from tests import reference
from tests.conftest import examples, new_api
from tests.db.test_fold import fold_all, fold_lock, fold_on
from tests.journeygraph.test_properties import EXAMPLES
from tests.operations import SAVE, create_journey

if TYPE_CHECKING:
    from collections.abc import Callable

NODES = [
    {"key": "t", "type": "TRIGGER"},
    {"key": "mail", "type": "MESSAGE", "channel": "EMAIL"},
    {"key": "wait", "type": "WAIT"},
    {"key": "goal", "type": "GOAL_CHECK"},
    {"key": "x", "type": "EXIT"},
]
PATHS = [
    {"source": "t", "target": "mail"},
    {"source": "mail", "target": "wait"},
    {"source": "wait", "target": "goal"},
    {"source": "goal", "target": "x"},
]
START = datetime(2026, 3, 6, tzinfo=UTC)
DAYS = 6  # over New York's spring-forward night (8 March)
ACTIVITY_TYPES = list(reference.ACTIVITIES.values())
ENROLLMENT_FIELDS = "contactId status enteredAt endedAt currentNode { id } converted lastEventAt"
ENROLLMENTS = f"""query($id: ID!, $status: EnrollmentStatus, $node: ID, $contact: String, $first: Int, $after: String) {{
  journey(id: $id) {{
    activeCount
    enrollments(status: $status, nodeId: $node, contactId: $contact, first: $first, after: $after) {{
      totalCount pageInfo {{ hasNextPage hasPreviousPage startCursor endCursor }}
      edges {{ cursor node {{ {ENROLLMENT_FIELDS} }} }}
    }}
  }}
}}"""
WAITING = """query($id: ID!) { journey(id: $id) { activeCount nodes { id waitingCount } } }"""
CONTACTS = """query($id: ID!, $start: Date!, $end: Date!, $tz: String, $activity: ContactActivity!, $first: Int, $after: String) {
  node(id: $id) {
    contacts(startDate: $start, endDate: $end, timeZone: $tz, activity: $activity, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { node { contactId firstAt lastAt count } }
    }
    performance(startDate: $start, endDate: $end, timeZone: $tz) { uniqueContactCount uniqueOpens uniqueClicks }
  }
}"""
WINDOWS = [
    ("UTC", date(2026, 3, 6), date(2026, 3, 11)),
    ("UTC", date(2026, 3, 8), date(2026, 3, 8)),
    ("America/New_York", date(2026, 3, 7), date(2026, 3, 9)),
    ("Asia/Kathmandu", date(2026, 3, 9), date(2026, 3, 10)),
]


def make_runs(journey: dict[str, Any], contacts: int, seed: int, prefix: str = "ev") -> list[dict[str, Any]]:
    """Per contact, a few runs through the journey (entries, nodes, messages, ends), some left
    open, some re-entered while still active, some ends without an entry, at random instants."""
    rng = random.Random(seed)
    node_ids = [n["id"] for n in journey["nodes"]]
    mail = next((n["id"] for n in journey["nodes"] if n["type"] == "MESSAGE"), node_ids[0])
    events: list[dict[str, Any]] = []
    for c in range(contacts):
        contact = f"contact-{c:02d}"
        moment = START + timedelta(minutes=rng.randrange(600))
        for _ in range(rng.randrange(12, 30)):
            moment += timedelta(minutes=rng.choice([0, 0, 7, 45, 180, 600]))  # 0: ties, ordered by id
            kind = rng.choice(
                ["JOURNEY_ENTERED"] * 3 + ["NODE_ENTERED"] * 5 + ["JOURNEY_COMPLETED", "JOURNEY_EXITED"] * 2
                + ["GOAL_CONVERTED", "MESSAGE_SENT", "MESSAGE_DELIVERED", "MESSAGE_OPENED", "MESSAGE_CLICKED"]
            )  # fmt: skip
            event: dict[str, Any] = {
                "id": f"{prefix}-{seed}-{len(events):04d}",
                "type": kind,
                "journeyId": journey["id"],
                "contactId": contact,
                "occurredAt": min(moment, START + timedelta(days=DAYS - 1)).isoformat(),
            }
            if kind == "NODE_ENTERED":
                event["nodeId"] = rng.choice(node_ids)
            elif kind.startswith("MESSAGE"):
                event["nodeId"] = mail
            elif rng.random() < 0.6:
                event["nodeId"] = rng.choice(node_ids)  # journey events may say where they happened
            events.append(event)
    return events


async def post_events(api, events: list[dict[str, Any]]) -> None:
    """One request of `events`, in the order given; every one accepted."""
    response = await api.http.post(
        "/v1/events", json={"events": events}, headers={"Authorization": f"Bearer {api.key}"}
    )
    assert response.status_code == 200 and response.json()["rejected"] == [], response.text


async def send(api, events: list[dict[str, Any]], batch: int = 97) -> None:
    """Events in a random order (late and out of order), in several requests."""
    shuffled = events[:]
    random.Random(len(events)).shuffle(shuffled)
    for i in range(0, len(shuffled), batch):
        await post_events(api, shuffled[i : i + batch])


async def send_folded(api, connection, events: list[dict[str, Any]]) -> None:
    """`send`, then every queued event folded (the caller holds the fold lock on `connection`)."""
    await send(api, events)
    await fold_all(connection, api.workspace_id)


def as_run(edge: dict[str, Any]) -> dict[str, Any]:
    run = edge["node"]
    return {
        "contactId": run["contactId"],
        "status": run["status"],
        "enteredAt": datetime.fromisoformat(run["enteredAt"]),
        "endedAt": datetime.fromisoformat(run["endedAt"]) if run["endedAt"] else None,
        "currentNode": run["currentNode"]["id"] if run["currentNode"] else None,
        "converted": run["converted"],
        "lastEventAt": datetime.fromisoformat(run["lastEventAt"]),
    }


def without_entry(runs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "_entry"} for r in runs]


async def all_enrollments(
    api, journey_id: str, first: int = 7, **filters: Any
) -> tuple[list[dict], int, int]:
    """Every page of Journey.enrollments: the runs, the totalCount and the activeCount."""
    runs, after, pages = [], None, 0
    while True:
        data = await api.gql(ENROLLMENTS, {"id": journey_id, "first": first, "after": after, **filters})
        found = data["journey"]["enrollments"]
        assert found["pageInfo"]["hasPreviousPage"] == (after is not None)
        runs += [as_run(e) for e in found["edges"]]
        pages += 1
        if not found["pageInfo"]["hasNextPage"]:
            return runs, found["totalCount"], data["journey"]["activeCount"]
        after = found["pageInfo"]["endCursor"]
        assert after == found["edges"][-1]["cursor"]
        assert pages < 200


async def all_contacts(api, node_id: str, tz: str, start: date, end: date, activity: str, first: int = 4):
    contacts, after = [], None
    while True:
        variables = {"id": node_id, "start": str(start), "end": str(end), "tz": tz, "activity": activity}
        data = await api.gql(CONTACTS, {**variables, "first": first, "after": after})
        found = data["node"]["contacts"]
        contacts += [
            {
                "contactId": e["node"]["contactId"],
                "firstAt": datetime.fromisoformat(e["node"]["firstAt"]),
                "lastAt": datetime.fromisoformat(e["node"]["lastAt"]),
                "count": e["node"]["count"],
            }
            for e in found["edges"]
        ]
        if not found["pageInfo"]["hasNextPage"]:
            return contacts, found["totalCount"], data["node"]["performance"]
        after = found["pageInfo"]["endCursor"]


async def check_enrollments(api, journey: dict[str, Any], events: list[dict[str, Any]], label: str) -> None:
    expected = reference.enrollments(events, journey["id"])
    runs, total, active = await all_enrollments(api, journey["id"])
    assert runs == without_entry(expected), label
    assert total == len(expected), label
    assert active == sum(1 for r in expected if r["status"] == "ACTIVE"), label
    for status in ("ACTIVE", "COMPLETED", "EXITED"):
        runs, total, _ = await all_enrollments(api, journey["id"], first=50, status=status)
        wanted = without_entry([r for r in expected if r["status"] == status])
        assert (runs, total) == (wanted, len(wanted)), f"{label} {status}"
    waiting = reference.waiting(events, journey["id"])
    data = await api.gql(WAITING, {"id": journey["id"]})
    assert data["journey"]["activeCount"] == sum(waiting.values()), label
    for node in data["journey"]["nodes"]:
        assert node["waitingCount"] == waiting.get(node["id"], 0), f"{label} node"
    for node_id in {r["currentNode"] for r in expected if r["currentNode"]}:
        runs, total, _ = await all_enrollments(api, journey["id"], first=50, node=node_id)
        wanted = without_entry(
            [r for r in expected if r["status"] == "ACTIVE" and r["currentNode"] == node_id]
        )
        assert (runs, total) == (wanted, len(wanted)), f"{label} waiting at {node_id}"
    if expected:  # one contact's runs
        contact = expected[len(expected) // 2]["contactId"]
        runs, total, _ = await all_enrollments(api, journey["id"], first=2, contact=contact)
        wanted = without_entry([r for r in expected if r["contactId"] == contact])
        assert (runs, total) == (wanted, len(wanted)), f"{label} contact"


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def journeyed(app, http, statements):
    """A journey with 40 contacts' runs, all sent out of order, whose WAIT node was then removed."""
    api = await new_api(app, http, statements, ["read", "write", "ingest"])
    journey = await create_journey(api, "People", NODES, PATHS)
    events = make_runs(journey, 40, seed=11)
    await send(api, events)
    removed = next(n for n in journey["nodes"] if n["type"] == "WAIT")
    keep = [
        {"id": n["id"], "type": n["type"], "channel": n["channel"]} for n in journey["nodes"] if n != removed
    ]
    saved = await api.gql(SAVE, {"journeyId": journey["id"], "nodes": keep, "paths": []})
    assert saved["saveCanvas"]["userErrors"] == []
    return api, journey, events, removed


async def test_enrollments_follow_occurred_at_whatever_is_folded(app, api):
    # given runs sent in a random order while no folder may fold
    journey = await create_journey(api, "Folding", NODES, PATHS)
    events = make_runs(journey, 12, seed=3)
    async with fold_lock(app) as connection:
        await send(api, events)
        # then every answer is the definitions' with everything in the tail
        await check_enrollments(api, journey, events, "in the tail")
        # and after part of it is folded
        await fold_on(connection, api.workspace_id, len(events) // 3)
        await check_enrollments(api, journey, events, "a third folded")
        await fold_all(connection, api.workspace_id, 50)
        await check_enrollments(api, journey, events, "all folded")
        # when late events arrive for the same contacts, dated before and among the folded ones
        late = make_runs(journey, 12, seed=4, prefix="late")
        await send(api, late)
        await check_enrollments(api, journey, events + late, "late, in the tail")
        await fold_on(connection, api.workspace_id, len(late) // 2)
        await check_enrollments(api, journey, events + late, "late, half folded")
        await fold_all(connection, api.workspace_id)
        await check_enrollments(api, journey, events + late, "late, folded")


async def stored_runs(app, workspace_id) -> dict[tuple[str, str], str]:
    """Each stored run's row version (xmin), by contact and entry."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            sa.text("SELECT contact_id, entry_id, xmin::text FROM enrollments WHERE workspace_id = :ws"),
            {"ws": workspace_id},
        )
        return {(contact, entry): version for contact, entry, version in rows}


async def test_events_that_shape_no_run_leave_the_stored_runs_alone(app, api):
    # given runs sent and folded
    journey = await create_journey(api, "Untouched", NODES, PATHS)
    events = make_runs(journey, 10, seed=7)
    mail = next(n["id"] for n in journey["nodes"] if n["type"] == "MESSAGE")
    async with fold_lock(app) as connection:
        await send_folded(api, connection, events)
        before = await stored_runs(app, api.workspace_id)
        assert before
        # when every contact gets later events of types that make no run: messages and paths
        later = START + timedelta(days=DAYS)
        path = journey["paths"][0]["id"]
        extra = [
            {"id": f"later-{c}-{kind}", "type": kind, "journeyId": journey["id"], "contactId": f"contact-{c:02d}",
             "occurredAt": (later + timedelta(minutes=c)).isoformat(),
             **({"pathId": path} if kind == "PATH_TRAVERSED" else {"nodeId": mail})}
            for c in range(10) for kind in ("MESSAGE_SENT", "MESSAGE_OPENED", "PATH_TRAVERSED")
        ]  # fmt: skip
        await send(api, extra)
        # then, in the tail and once folded, the runs are the definitions' (lastEventAt moved)
        await check_enrollments(api, journey, events + extra, "later messages, in the tail")
        await fold_all(connection, api.workspace_id)
        await check_enrollments(api, journey, events + extra, "later messages, folded")
    # and the fold rewrote no stored run
    assert await stored_runs(app, api.workspace_id) == before


async def stored_enrollments(
    app, workspace_id, journey_id: str | None = None
) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Each stored run's figures, by contact and entry (of one journey, when named). An ACTIVE run's
    node is its contact's state's latest node, when that came after its entry, unless stored with
    it (a stale state's)."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            sa.text(
                """SELECT e.contact_id, e.entry_id, e.status, e.ended_at,
                    CASE WHEN e.status <> 'ACTIVE' OR e.current_node_id IS NOT NULL THEN e.current_node_id
                        WHEN (s.node_at, s.node_event) > (e.entered_at, e.entry_id) THEN s.node_id END,
                    e.converted
                FROM enrollments e LEFT JOIN enrollment_states s ON s.workspace_id = e.workspace_id
                    AND s.journey_id = e.journey_id AND s.contact_id = e.contact_id
                WHERE e.workspace_id = :ws
                    AND (CAST(:journey AS uuid) IS NULL OR e.journey_id = CAST(:journey AS uuid))"""
            ),
            {"ws": workspace_id, "journey": journey_id},
        )
        return {(c, e): (s, ended, str(n) if n else None, conv) for c, e, s, ended, n, conv in rows}


def expected_enrollments(
    events: list[dict[str, Any]], journey_id: str
) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {
        (r["contactId"], r["_entry"]): (r["status"], r["endedAt"], r["currentNode"], r["converted"])
        for r in reference.enrollments(events, journey_id)
    }


async def stored_states(
    app, workspace_id, journey_id: str
) -> dict[str, tuple[str | None, list[str], str | None, str | None]]:
    """Each contact's stored state in a journey, as the ids of its last end and of its open segment's
    entries (sorted: they are stored in the order they were folded), latest node and latest goal."""
    async with app.state.sessions() as session:
        rows = await session.execute(
            sa.text(
                "SELECT contact_id, end_id, entry_ids, node_event, goal_event FROM enrollment_states"
                " WHERE workspace_id = :ws AND journey_id = CAST(:journey AS uuid)"
            ),
            {"ws": workspace_id, "journey": journey_id},
        )
        return {contact: (end, sorted(entries), node, goal) for contact, end, entries, node, goal in rows}


def expected_states(
    events: list[dict[str, Any]],
) -> dict[str, tuple[str | None, list[str], str | None, str | None]]:
    """Per contact with an event that shapes runs (SPEC's definitions): its last end, then of the
    events after it its entries, latest NODE_ENTERED and latest GOAL_CONVERTED, each by id."""
    shaping = ("JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "NODE_ENTERED", "GOAL_CONVERTED")
    found = {}
    for contact in {e["contactId"] for e in events if e["type"] in shaping}:
        mine = sorted(
            (e for e in events if e["contactId"] == contact), key=lambda e: (reference.when(e), e["id"])
        )
        ends = [i for i, e in enumerate(mine) if e["type"] in ("JOURNEY_COMPLETED", "JOURNEY_EXITED")]
        after = mine[ends[-1] + 1 :] if ends else mine
        entries = sorted(e["id"] for e in after if e["type"] == "JOURNEY_ENTERED")
        nodes = [e["id"] for e in after if e["type"] == "NODE_ENTERED"]
        goals = [e["id"] for e in after if e["type"] == "GOAL_CONVERTED"]
        found[contact] = (
            mine[ends[-1]]["id"] if ends else None,
            entries,
            nodes[-1] if nodes else None,
            goals[-1] if goals else None,
        )
    return found


def contact_event(journey: dict[str, Any]) -> Callable[..., dict[str, Any]]:
    """A maker of contact "c"'s events in `journey`: (id, type, minutes after START, more fields)."""

    def event(name: str, kind: str, minutes: int, **more: str) -> dict[str, Any]:
        at = (START + timedelta(minutes=minutes)).isoformat()
        return {
            "id": name,
            "type": kind,
            "journeyId": journey["id"],
            "contactId": "c",
            "occurredAt": at,
            **more,
        }

    return event


async def test_a_fold_places_events_after_the_last_end_on_the_contacts_state_without_reading_its_events(
    app, api
):
    # given a contact's entry, its arrival at the mail node and its exit, sent one request each
    # (queued in that order) while no folder may fold
    journey = await create_journey(api, "Queued", NODES, PATHS)
    mail = next(n["id"] for n in journey["nodes"] if n["type"] == "MESSAGE")
    event = contact_event(journey)
    events = [
        event("in", "JOURNEY_ENTERED", 0),
        event("mail", "NODE_ENTERED", 10, nodeId=mail),
        event("out", "JOURNEY_EXITED", 20),
    ]
    async with fold_lock(app) as connection:
        for one in events:
            await post_events(api, [one])
        # when a fold takes the entry alone
        assert await fold_on(connection, api.workspace_id, 1) == 1
        # then the run it stores is the entry's alone (ACTIVE, at no node), while queries, which
        # read the other two in the tail, answer the run all three make
        assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
            events[:1], journey["id"]
        )
        await check_enrollments(api, journey, events, "one of three folded")
        # and when the entry is gone from the raw events (so nothing could read it there), the
        # fold of the other two still makes the run they make with it: placed on the state
        async with app.state.sessions.begin() as session:
            await session.execute(
                sa.text("DELETE FROM events WHERE workspace_id = :ws AND id = 'in'"), {"ws": api.workspace_id}
            )
        await fold_all(connection, api.workspace_id)
        stored = await stored_enrollments(app, api.workspace_id)
        assert stored == expected_enrollments(events, journey["id"])
        assert stored[("c", "in")] == ("EXITED", START + timedelta(minutes=20), mail, False)


async def test_events_a_recomputation_read_while_queued_rewrite_nothing_when_folded(app, api):
    # given a contact entered and completed, folded (its state: ended at 30 minutes)
    journey = await create_journey(api, "Read early", NODES, PATHS)
    node = {n["type"]: n["id"] for n in journey["nodes"]}
    event = contact_event(journey)
    first = [event("in-1", "JOURNEY_ENTERED", 0), event("done", "JOURNEY_COMPLETED", 30)]
    # and then, queued in this order: a node entered before the end (late: the contact's runs are
    # recomputed from its events), a node entered and an entry after it
    late = event("mail", "NODE_ENTERED", 10, nodeId=node["MESSAGE"])
    after = [event("wait", "NODE_ENTERED", 40, nodeId=node["WAIT"]), event("in-2", "JOURNEY_ENTERED", 50)]
    async with fold_lock(app) as connection:
        await post_events(api, first)
        await fold_all(connection, api.workspace_id)
        for one in [late, *after]:
            await post_events(api, [one])
        # when a fold takes the late one alone
        assert await fold_on(connection, api.workspace_id, 1) == 1
        # then the recomputation read the queued two as well: the stored runs are all four's
        everything = [*first, late, *after]
        assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
            everything, journey["id"]
        )
        versions = await stored_runs(app, api.workspace_id)
        # and when the other two are folded, placed on the state that holds them already, no run
        # is written again and the runs stay the definitions'
        await fold_all(connection, api.workspace_id)
        assert await stored_runs(app, api.workspace_id) == versions
        assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
            everything, journey["id"]
        )
        await check_enrollments(api, journey, everything, "all folded")


def twice_at_mail(
    journey: dict[str, Any],
) -> tuple[dict[str, str], Callable[..., dict[str, Any]], list[dict[str, Any]]]:
    """Contact "c" entered twice (two ACTIVE runs of one segment), then at the mail node: the
    journey's nodes by type, the maker of c's events, and those three events."""
    node = {n["type"]: n["id"] for n in journey["nodes"]}
    event = contact_event(journey)
    events = [
        event("in-1", "JOURNEY_ENTERED", 0),
        event("in-2", "JOURNEY_ENTERED", 10),
        event("mail", "NODE_ENTERED", 20, nodeId=node["MESSAGE"]),
    ]
    return node, event, events


async def test_a_fold_writes_only_the_runs_its_events_change(app, api):
    # given a contact entered twice with no end (two ACTIVE runs of one segment), at the mail node
    journey = await create_journey(api, "Rewritten", NODES, PATHS)
    node, event, events = twice_at_mail(journey)
    async with fold_lock(app) as connection:
        await send_folded(api, connection, events)
        before = await stored_runs(app, api.workspace_id)
        assert set(before) == {("c", "in-1"), ("c", "in-2")}
        # when a third entry arrives: the two runs before it stay as they were (same segment,
        # same node, no end), so the fold inserts one run and rewrites neither of the others
        third = [event("in-3", "JOURNEY_ENTERED", 30)]
        await send_folded(api, connection, third)
        await check_enrollments(api, journey, events + third, "a third entry, folded")
        after = await stored_runs(app, api.workspace_id)
        assert {k: after[k] for k in before} == before
        assert set(after) == {*before, ("c", "in-3")}
        # and when the contact then reaches the wait node, all three runs move there (listed there,
        # counted there) while no run's row is written: an ACTIVE run's node is its state's
        wait = [event("wait", "NODE_ENTERED", 40, nodeId=node["WAIT"])]
        await send_folded(api, connection, wait)
        await check_enrollments(api, journey, events + third + wait, "at the wait node, folded")
        assert await stored_runs(app, api.workspace_id) == after
        # and when it exits, the three runs end there: each is updated in place (a new row version)
        exited = [event("out", "JOURNEY_EXITED", 50)]
        await send_folded(api, connection, exited)
        await check_enrollments(api, journey, events + third + wait + exited, "exited, folded")
        ended = await stored_runs(app, api.workspace_id)
        assert set(ended) == set(after) and all(ended[k] != after[k] for k in after)
        assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
            events + third + wait + exited, journey["id"]
        )


async def test_a_goal_folded_after_its_runs_converts_those_entered_before_it_and_only_those(app, api):
    # given a contact entered twice (two ACTIVE runs), at the mail node, folded
    journey = await create_journey(api, "Converted later", NODES, PATHS)
    node, event, events = twice_at_mail(journey)
    async with fold_lock(app) as connection:
        await send_folded(api, connection, events)
        before = await stored_runs(app, api.workspace_id)
        # when a goal between the two entries arrives, then a third entry after it, each folded
        goal = [event("goal", "GOAL_CONVERTED", 5, nodeId=node["GOAL_CHECK"])]
        await send_folded(api, connection, goal)
        # then the run entered before the goal converted (its row rewritten), the later one did not
        converted = await stored_runs(app, api.workspace_id)
        assert converted[("c", "in-1")] != before[("c", "in-1")]
        assert converted[("c", "in-2")] == before[("c", "in-2")]
        third = [event("in-3", "JOURNEY_ENTERED", 30)]
        await send_folded(api, connection, third)
        everything = events + goal + third
        await check_enrollments(api, journey, everything, "a goal between entries, folded")
        stored = await stored_enrollments(app, api.workspace_id)
        assert stored == expected_enrollments(everything, journey["id"])
        assert [stored[("c", e)][-1] for e in ("in-1", "in-2", "in-3")] == [True, False, False]


async def test_a_nodes_runs_are_listed_page_by_page_through_its_contacts_states(app, api):
    # given 16 contacts in a journey, 14 of them at the mail node and 2 at the wait node, four of
    # them entered twice (their two runs straddle other contacts' in the listing), folded, listed
    # two at a time (each page past the first reads the states above its cursor too)
    journey = await create_journey(api, "Listed at its nodes", NODES, PATHS)
    node = {n["type"]: n["id"] for n in journey["nodes"]}

    def event(contact: int, name: str, kind: str, minutes: int, **more: str) -> dict[str, Any]:
        at = (START + timedelta(minutes=minutes)).isoformat()
        return {"id": f"{name}-{contact}", "type": kind, "journeyId": journey["id"],
                "contactId": f"contact-{contact:02d}", "occurredAt": at, **more}  # fmt: skip

    events = [
        *(event(c, "in", "JOURNEY_ENTERED", c) for c in range(16)),
        *(event(c, "again", "JOURNEY_ENTERED", 20 + c) for c in (0, 1, 3, 15)),
        *(
            event(c, "at", "NODE_ENTERED", 100 + c, nodeId=node["MESSAGE" if c < 14 else "WAIT"])
            for c in range(16)
        ),
    ]
    later = [
        event(3, "on", "NODE_ENTERED", 200, nodeId=node["WAIT"]),
        event(16, "in", "JOURNEY_ENTERED", 150),
        event(16, "at", "NODE_ENTERED", 210, nodeId=node["MESSAGE"]),
    ]
    async with fold_lock(app) as connection:
        await send_folded(api, connection, events)
        # then each node's runs are the definitions', page after page; with one contact moved
        # from mail to wait and one more at mail, both still in the tail, and once folded
        for sent, label in [
            (events, "folded"),
            (events + later, "in the tail"),
            (events + later, "all folded"),
        ]:
            if label == "in the tail":
                await send(api, later)
            elif label == "all folded":
                await fold_all(connection, api.workspace_id)
            expected = reference.enrollments(sent, journey["id"])
            for kind in ("MESSAGE", "WAIT"):
                runs, total, _ = await all_enrollments(api, journey["id"], first=2, node=node[kind])
                wanted = without_entry(
                    [r for r in expected if r["status"] == "ACTIVE" and r["currentNode"] == node[kind]]
                )
                assert (runs, total) == (wanted, len(wanted)), f"{label} {kind}"
                # (the definitions: 17 runs at mail and 3 at wait, then 16 and 5)
                sizes = {"MESSAGE": 17, "WAIT": 3} if label == "folded" else {"MESSAGE": 16, "WAIT": 5}
                assert len(wanted) == sizes[kind]


async def test_runs_folded_as_their_events_arrive_are_the_definitions_at_every_fold(app, api):
    # given contacts' runs (re-entries while open, ends, nodes, goals, ties at one instant)
    journey = await create_journey(api, "In order", NODES, PATHS)
    events = sorted(make_runs(journey, 8, seed=21), key=lambda e: (reference.when(e), e["id"]))
    sent: list[dict[str, Any]] = []
    async with fold_lock(app) as connection:
        # when they arrive in the order they happened, a few at a time, each lot folded before the next
        for i in range(0, len(events), 17):
            await post_events(api, events[i : i + 17])
            sent += events[i : i + 17]
            await fold_all(connection, api.workspace_id)
            # then after every fold the stored runs are the definitions'
            assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
                sent, journey["id"]
            )
        # and late events (dated among the folded ones) are folded to the definitions' too
        late = make_runs(journey, 8, seed=22, prefix="late")
        await send(api, late)
        await fold_all(connection, api.workspace_id, 50)
        assert await stored_enrollments(app, api.workspace_id) == expected_enrollments(
            events + late, journey["id"]
        )
    await check_enrollments(api, journey, events + late, "in order, then late")


async def test_an_event_at_the_instant_of_the_latest_folded_one_is_placed_by_its_id(app, api):
    # given a contact entered and then at the mail node, folded
    journey = await create_journey(api, "Tie", NODES, PATHS)
    mail = next(n["id"] for n in journey["nodes"] if n["type"] == "MESSAGE")
    at = (START + timedelta(minutes=10)).isoformat()
    first = [
        {"id": "in-1", "type": "JOURNEY_ENTERED", "journeyId": journey["id"], "contactId": "c",
         "occurredAt": START.isoformat()},
        {"id": "n-b", "type": "NODE_ENTERED", "journeyId": journey["id"], "contactId": "c", "occurredAt": at,
         "nodeId": mail},
    ]  # fmt: skip
    # when an entry arrives dated the same instant as the node, with an id that sorts before it
    tie = [
        {
            "id": "in-a",
            "type": "JOURNEY_ENTERED",
            "journeyId": journey["id"],
            "contactId": "c",
            "occurredAt": at,
        }
    ]
    async with fold_lock(app) as connection:
        await post_events(api, first)
        await fold_all(connection, api.workspace_id)
        await post_events(api, tie)
        await fold_all(connection, api.workspace_id)
        # then it is a run of its own that reached the node after it, as the definitions order them
        runs = await stored_enrollments(app, api.workspace_id)
        assert runs == expected_enrollments(first + tie, journey["id"])
        assert runs[("c", "in-a")] == ("ACTIVE", None, mail, False)


async def test_a_rebuild_reproduces_the_enrollments_from_the_raw_events(app, api):
    # given runs sent and folded
    journey = await create_journey(api, "Rebuilt", NODES, PATHS)
    events = make_runs(journey, 8, seed=5)
    await send(api, events)
    # when the workspace is rebuilt from its raw events and folded again
    async with app.state.sessions.begin() as session:
        await rollups.rebuild(session, api.workspace_id)
    async with app.state.sessions() as session:
        stored = await session.scalar(
            sa.text("SELECT count(*) FROM enrollments WHERE workspace_id = :ws"), {"ws": api.workspace_id}
        )
    assert stored == 0  # emptied: what follows is recomputed
    await rollups.fold_all(app.state.sessions)
    # then the enrollments are the definitions' again
    await check_enrollments(api, journey, events, "rebuilt")


async def test_enrollments_of_a_removed_node_still_count(journeyed):
    api, journey, events, removed = journeyed
    await check_enrollments(api, journey, events, "removed node")
    # the removed node is no longer on the canvas, but runs waiting there still count
    waiting = reference.waiting(events, journey["id"])
    data = await api.gql(WAITING, {"id": journey["id"]})
    on_canvas = sum(n["waitingCount"] for n in data["journey"]["nodes"])
    assert data["journey"]["activeCount"] == on_canvas + waiting.get(removed["id"], 0) + waiting.get(None, 0)
    assert waiting.get(removed["id"], 0) > 0  # the data does exercise it


@pytest.mark.parametrize(("tz", "start", "end"), WINDOWS)
async def test_node_contacts_match_the_definitions_and_the_unique_figures(journeyed, tz, start, end):
    api, journey, events, _ = journeyed
    lo, hi = reference.window(start, end, tz)
    unique_of = {"ENTERED": "uniqueContactCount", "OPENED": "uniqueOpens", "CLICKED": "uniqueClicks"}
    for node in journey["nodes"]:
        for activity in reference.ACTIVITIES:
            contacts, total, figures = await all_contacts(api, node["id"], tz, start, end, activity)
            expected = reference.node_contacts(events, node["id"], activity, lo, hi)
            assert contacts == expected, f"{node['type']} {activity} {tz}"
            assert total == len(expected)
            if activity in unique_of and figures[unique_of[activity]] is not None:
                assert total == figures[unique_of[activity]]


async def test_waiting_counts_on_every_node_add_one_statement(journeyed):
    api, journey, _, _ = journeyed
    plain = """query($id: ID!) { journey(id: $id) { nodes { id } } }"""
    _, without = await api.count(plain, {"id": journey["id"]})
    _, with_waiting = await api.count(WAITING, {"id": journey["id"]})
    assert with_waiting == without + 1


async def test_node_contacts_on_every_node_take_a_fixed_number_of_statements(app, http, statements):
    api = await new_api(app, http, statements, ["read", "write", "ingest"])
    canvas = """query($id: ID!) { journey(id: $id) { nodes { id
        contacts(startDate: "2026-03-06", endDate: "2026-03-11", activity: ENTERED, first: 3) {
          totalCount edges { node { contactId } } } } } }"""
    counts = []
    for size in (3, 12):
        nodes = [{"key": f"n{i}", "type": "WAIT"} for i in range(size)]
        journey = await create_journey(api, f"Wide {size}", nodes, [])
        await send(api, make_runs(journey, 5, seed=size, prefix=f"w{size}"))
        data, count = await api.count(canvas, {"id": journey["id"]})
        assert len(data["journey"]["nodes"]) == size
        counts.append(count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("first: 101", "first must be between 0 and 100"),
        ("first: -1", "first must be between 0 and 100"),
        ('after: "bm90IGEgY3Vyc29y"', "is not a cursor of this list"),
        (
            'after: "WyIyMDI2LTAzLTA2VDAwOjAwOjAwIiwiYSIsImIiXQ=="',
            "is not a cursor of this list",
        ),  # naive time
        ('after: "W1tbW1tbW1tbW1tbW1tbW1tbW10="', "is not a cursor of this list"),
        (f'contactId: "{"c" * 257}"', "contact ids have at most 256"),
    ],
)
async def test_bad_enrollment_arguments_are_refused(journeyed, arguments, message):
    api, journey, _, _ = journeyed
    query = f"""query($id: ID!) {{ journey(id: $id) {{ enrollments({arguments}) {{ totalCount }} }} }}"""
    errors = await api.errors(query, {"id": journey["id"]})
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert message in errors[0]["message"]


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        ('startDate: "2026-03-06", endDate: "2026-03-07", activity: ENTERED, first: 101', "BAD_USER_INPUT", "first must be"),
        ('startDate: "2025-01-01", endDate: "2026-03-07", activity: ENTERED', "BAD_USER_INPUT", "at most 366"),
        ('startDate: "2026-03-06", endDate: "2026-03-07", activity: ENTERED, timeZone: "Mars/Base"', "BAD_USER_INPUT", "IANA"),
        ('startDate: "2026-03-06", endDate: "2026-03-07", activity: ENTERED, after: "eA=="', "BAD_USER_INPUT", "cursor"),
        ('startDate: "2026-03-06", endDate: "2026-03-07", activity: ENTERED, after: "WyIiXQ=="', "BAD_USER_INPUT", "cursor"),
        ('startDate: "2026-03-06", endDate: "2026-03-07", activity: WAVED', "BAD_USER_INPUT", "WAVED"),
    ],
)  # fmt: skip
async def test_bad_node_contact_arguments_are_refused(journeyed, arguments, code, message):
    api, journey, _, _ = journeyed
    query = f"""query($id: ID!) {{ node(id: $id) {{ contacts({arguments}) {{ totalCount }} }} }}"""
    errors = await api.errors(query, {"id": journey["nodes"][0]["id"]})
    assert errors[0]["extensions"]["code"] == code
    assert message in errors[0]["message"]


async def test_pages_continue_where_the_cursor_points(journeyed):
    # given the whole list in one page
    api, journey, _, _ = journeyed
    everything, total, _ = await all_enrollments(api, journey["id"], first=100)
    # when it is read 3 at a time, then it is the same list
    paged, _, _ = await all_enrollments(api, journey["id"], first=3)
    assert paged == everything and len(everything) == total > 3


async def test_another_workspace_sees_no_contact(journeyed, other_api):
    _, journey, events, _ = journeyed
    node = journey["nodes"][0]
    # the other workspace cannot reach the journey or the node
    data = await other_api.gql(WAITING, {"id": journey["id"]})
    assert data == {"journey": None}
    found = await other_api.gql(
        CONTACTS,
        {"id": node["id"], "start": "2026-03-06", "end": "2026-03-11", "tz": "UTC", "activity": "ENTERED"},
    )
    assert found == {"node": None}
    # and in its own journey, the first workspace's node and contact ids match nothing
    own = await create_journey(other_api, "Own", NODES, PATHS)
    contact = events[0]["contactId"]
    runs, total, _ = await all_enrollments(other_api, own["id"], node=node["id"])
    assert (runs, total) == ([], 0)
    runs, total, _ = await all_enrollments(other_api, own["id"], contact=contact)
    assert (runs, total) == ([], 0)


async def test_a_node_id_that_is_no_id_matches_no_enrollment(journeyed):
    api, journey, events, _ = journeyed
    # runs at no node yet exist (they must not be taken for this one)
    assert reference.waiting(events, journey["id"]).get(None, 0) > 0
    runs, total, _ = await all_enrollments(api, journey["id"], node="not-an-id")
    assert (runs, total) == ([], 0)


async def test_reading_contacts_needs_the_read_scope(app, http, statements, journeyed):
    _, journey, _, _ = journeyed
    ingest_only = await new_api(app, http, statements, ["ingest"])
    errors = await ingest_only.errors(WAITING, {"id": journey["id"]})
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"


async def test_lists_are_priced_by_first(journeyed):
    api, journey, _, _ = journeyed
    costs = []
    for first in (5, 50):
        query = f"""query($id: ID!) {{ journey(id: $id) {{ enrollments(first: {first}) {{ edges {{ node {{
            contactId }} }} }} nodes {{ contacts(startDate: "2026-03-06", endDate: "2026-03-06", activity: SENT,
            first: {first}) {{ edges {{ node {{ contactId }} }} }} }} }} }}"""
        body = (await api.post(query, {"id": journey["id"]})).json()
        assert "errors" not in body, body
        costs.append(body["extensions"]["cost"]["requested"])
    # 45 more enrollment edges and nodes, and 45 more contact edges and nodes on each of the 4 nodes
    assert costs[1] - costs[0] == 2 * 45 + 4 * 2 * 45


ANY_TYPES = ("JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", *ACTIVITY_TYPES)
# Types that shape runs (entries twice as likely), and messages: dense runs, many entries and ends
RUN_TYPES = ("JOURNEY_ENTERED", "JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "NODE_ENTERED",
             "NODE_ENTERED", "GOAL_CONVERTED", "MESSAGE_SENT")  # fmt: skip


def random_events(
    draw: Any,
    journey: dict[str, Any],
    types: tuple[str, ...] = ANY_TYPES,
    contacts: tuple[str, ...] = ("a", "b", "B", "c-1", "\u00e9"),
    most: int = 40,
    quarters: int = 4 * 24 * 3,
) -> list[dict[str, Any]]:
    """Up to `most` events of `types` and `contacts`, at quarter-hours over `quarters` of them from START
    (a microsecond earlier or not), some with a node they need not have."""
    example = journey["id"][:8]  # ids are the workspace's: each example its own
    node_ids = [n["id"] for n in journey["nodes"]]
    count = draw(st.integers(min_value=0, max_value=most))
    events = []
    for i in range(count):
        kind = draw(st.sampled_from(types))
        moment = START + timedelta(minutes=15 * draw(st.integers(min_value=0, max_value=quarters)))
        event = {
            "id": f"{example}-{draw(st.integers(0, 9))}-{i}",  # ids whose order differs from sending order
            "type": kind,
            "journeyId": journey["id"],
            "contactId": draw(st.sampled_from(contacts)),
            "occurredAt": (moment - timedelta(microseconds=draw(st.sampled_from([0, 1])))).isoformat(),
        }
        if kind.startswith(("NODE", "MESSAGE", "GOAL")) or draw(st.booleans()):
            event["nodeId"] = draw(st.sampled_from(node_ids))
        events.append(event)
    return events


@examples(max(EXAMPLES // 6, 5))
@given(data=st.data(), tz=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]))
async def test_a_node_contacts_total_is_its_unique_figure_always(api, data, tz):
    # given random events, with re-entries, ties and ends without entries, sent in any order
    journey = await create_journey(api, "Random", NODES[:3], PATHS[:2])
    events = random_events(data.draw, journey)
    await send(api, events, batch=data.draw(st.integers(min_value=1, max_value=41)))
    start = data.draw(st.sampled_from([date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8)]))
    end = start + timedelta(days=data.draw(st.integers(min_value=0, max_value=2)))
    lo, hi = reference.window(start, end, tz)
    unique_of = {"ENTERED": "uniqueContactCount", "OPENED": "uniqueOpens", "CLICKED": "uniqueClicks"}
    for node in journey["nodes"]:
        for activity in ("ENTERED", "OPENED", "EXITED"):
            # then each node's contacts are the definition's, their number the unique figure's
            contacts, total, figures = await all_contacts(api, node["id"], tz, start, end, activity, first=3)
            expected = reference.node_contacts(events, node["id"], activity, lo, hi)
            assert contacts == expected
            assert total == len(expected)
            if activity in unique_of and figures[unique_of[activity]] is not None:
                assert total == figures[unique_of[activity]]
    # and the journey's enrollments are the definition's
    runs, total, _ = await all_enrollments(api, journey["id"], first=3)
    expected_runs = reference.enrollments(events, journey["id"])
    assert runs == without_entry(expected_runs)
    assert total == len(expected_runs)


async def test_a_total_alone_reads_no_page(journeyed):
    api, journey, _, _ = journeyed
    total = """query($id: ID!) { journey(id: $id) { enrollments { totalCount } } }"""
    both = """query($id: ID!) { journey(id: $id) { enrollments { totalCount pageInfo { hasNextPage }
        edges { cursor } } } }"""
    _, alone = await api.count(total, {"id": journey["id"]})
    _, with_page = await api.count(both, {"id": journey["id"]})
    # the page is one statement, read once for its edges and its pageInfo together
    assert with_page == alone + 1


@examples(max(EXAMPLES // 6, 5))
@given(data=st.data())
async def test_runs_are_the_definitions_for_any_interleaving_of_sending_and_folding(app, api, data):
    # given random events (re-entries, ties at one instant, ends without entries), in a random
    # order, while no folder may fold
    journey = await create_journey(api, "Interleaved", NODES[:3], PATHS[:2])
    # (two contacts within eight hours: a late event lands among folded ones)
    dense = random_events(data.draw, journey, RUN_TYPES, contacts=("a", "b"), most=60, quarters=32)
    order = data.draw(st.permutations(dense))
    sent: list[dict[str, Any]] = []
    async with fold_lock(app) as connection:
        while len(sent) < len(order):
            # when a lot of them arrives, and any part of the tail (oldest first) is folded: a fold
            # may take an event in early, or take its runs' end or entry before or after it
            lot = order[len(sent) : len(sent) + data.draw(st.integers(min_value=3, max_value=15))]
            await post_events(api, lot)
            sent += lot
            await fold_on(connection, api.workspace_id, data.draw(st.integers(min_value=1, max_value=20)))
            # then every answer is the definitions' for everything sent
            await check_enrollments(api, journey, sent, f"{len(sent)} sent")
        # and once everything is folded, the stored runs are the definitions' too
        await fold_all(connection, api.workspace_id)
    stored = await stored_enrollments(app, api.workspace_id, journey["id"])
    assert stored == expected_enrollments(sent, journey["id"])
    # and so are the contacts' states: their last end, their open segment's entries, latest node and goal
    assert await stored_states(app, api.workspace_id, journey["id"]) == expected_states(sent)
