"""Keeping the stored runs in step with a fold's events through each contact's state.

A contact's runs through a journey are cut into segments by its ends
(db/queries/enrollments.py). The runs of every closed segment are settled; those
of the open one, its ACTIVE runs, depend only on their entries, the segment's
latest NODE_ENTERED (each run entered before it is at that node) and its latest
GOAL_CONVERTED (each run entered before it has converted). `enrollment_states`
holds, per (journey, contact), the last end and that latest node and goal, for
the events folded so far; the open entries are the stored ACTIVE runs.

So a fold places an event dated after the contact's last end without reading
the contact's events, whatever order it arrives in: an entry is a new ACTIVE
run, a node or goal later than the latest moves the runs entered before it,
and an end later than everything in the open segment closes it. Two cases
need the contact's events, and go to `enrollments.recompute`, as every fold
did before states were kept: an event dated before the last end (it changes a
closed segment), and an end dated before something of the open segment (it
splits it). So does a contact whose state is `stale` (runs stored before
states were kept) or an event queued before the tail kept event ids. A
recomputation reads queued events too, so a fold may meet an event its state
has already taken: the last end itself, an entry already stored, a node or
goal no later than the latest; each changes nothing, as it did not.

The fold passes every event it takes that shapes runs (one row each from its
statement); this reads the touched contacts' states and ACTIVE runs in one
statement, places the events in Python, and writes what changed (runs, counts,
states) in one more. Each ordering of two events is (occurred_at, id), ids
compared byte by byte as PostgreSQL's "C" collation does (UTF-8 keeps code
point order, which Python compares).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries import enrollments

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

Moment = tuple[datetime, str]  # (occurred_at, event id): the order SPEC gives a contact's events
Pair = tuple[uuid.UUID, str]  # (journey, contact)
_ENDED = {"JOURNEY_COMPLETED": "COMPLETED", "JOURNEY_EXITED": "EXITED"}


class Shaped(NamedTuple):
    """An event a fold takes that shapes runs. `id` is None when it was queued before the tail kept
    event ids; `subject_id` is its node for a NODE_ENTERED."""

    journey_id: uuid.UUID
    contact_id: str
    occurred_at: datetime
    id: str | None
    type: str
    subject_id: uuid.UUID


class State(NamedTuple):
    """A contact's state in a journey: its last end, the open segment's latest node and goal."""

    end: Moment | None
    node: Moment | None
    node_id: uuid.UUID | None
    goal: Moment | None


_EMPTY = State(None, None, None, None)
# A run as placing moves it: status, ended_at, end_id, current node, converted.
_Figures = tuple[str, datetime | None, str | None, uuid.UUID | None, bool]

# The touched contacts' states, and beside each the ACTIVE runs of its open segment (entered after
# its last end): one look-up per contact, by key (OFFSET 0 keeps the planner from hashing either table).
_READ = sa.text(
    """
    SELECT t.journey_id, t.contact_id, s.stale, s.end_at, s.end_id, s.node_id, s.node_at, s.node_event, s.goal_at,
           s.goal_event, r.entered_at, r.entry_id, r.current_node_id, r.converted
    FROM unnest(CAST(:journeys AS uuid[]), CAST(:contacts AS text[])) AS t(journey_id, contact_id)
    LEFT JOIN LATERAL (
        SELECT * FROM enrollment_states s WHERE s.workspace_id = :workspace_id AND s.journey_id = t.journey_id
            AND s.contact_id = t.contact_id COLLATE "C" OFFSET 0
    ) AS s ON true
    LEFT JOIN LATERAL (
        SELECT e.entered_at, e.entry_id, e.current_node_id, e.converted FROM enrollments e
        WHERE e.workspace_id = :workspace_id AND e.journey_id = t.journey_id AND e.contact_id = t.contact_id COLLATE "C"
            AND NOT s.stale AND (s.end_at IS NULL OR (e.entered_at, e.entry_id) > (s.end_at, s.end_id))
        OFFSET 0
    ) AS r ON true
    """
)
# What placing changed, in one statement: runs inserted or updated by key, counts moved, states set.
_WRITE = sa.text(
    """
    WITH runs AS (
        INSERT INTO enrollments AS x (workspace_id, journey_id, contact_id, entered_at, entry_id, status, ended_at,
                                      end_id, current_node_id, converted)
        SELECT :workspace_id, * FROM unnest(CAST(:journeys AS uuid[]), CAST(:contacts AS text[]),
            CAST(:entered AS timestamptz[]), CAST(:entries AS text[]), CAST(:statuses AS text[]),
            CAST(:ended AS timestamptz[]), CAST(:ends AS text[]), CAST(:nodes AS uuid[]), CAST(:converted AS boolean[]))
        ON CONFLICT (workspace_id, journey_id, contact_id, entered_at, entry_id) DO UPDATE SET
            status = excluded.status, ended_at = excluded.ended_at, end_id = excluded.end_id,
            current_node_id = excluded.current_node_id, converted = excluded.converted
    ), counted AS (
        INSERT INTO enrollment_counts AS c (workspace_id, journey_id, status, node_id, n)
        SELECT :workspace_id, * FROM unnest(CAST(:count_journeys AS uuid[]), CAST(:count_statuses AS text[]),
            CAST(:count_nodes AS uuid[]), CAST(:count_ns AS bigint[]))
        ON CONFLICT (workspace_id, journey_id, status, node_id) DO UPDATE SET n = c.n + excluded.n
    )
    INSERT INTO enrollment_states AS s (workspace_id, journey_id, contact_id, end_at, end_id, node_id, node_at,
                                        node_event, goal_at, goal_event, stale)
    SELECT :workspace_id, *, false FROM unnest(CAST(:state_journeys AS uuid[]), CAST(:state_contacts AS text[]),
        CAST(:end_ats AS timestamptz[]), CAST(:end_ids AS text[]), CAST(:node_ids AS uuid[]),
        CAST(:node_ats AS timestamptz[]), CAST(:node_events AS text[]), CAST(:goal_ats AS timestamptz[]),
        CAST(:goal_events AS text[]))
    ON CONFLICT (workspace_id, journey_id, contact_id) DO UPDATE SET end_at = excluded.end_at,
        end_id = excluded.end_id, node_id = excluded.node_id, node_at = excluded.node_at,
        node_event = excluded.node_event, goal_at = excluded.goal_at, goal_event = excluded.goal_event,
        stale = false
    """
)


def place(
    state: State, active: dict[Moment, _Figures], happened: Sequence[Shaped]
) -> tuple[State, dict[Moment, _Figures]] | None:
    """The state and runs (by entry) after `happened`, in their order, on top of `state` and its
    ACTIVE runs `active`; only the runs placing changed or added are returned. None when the
    contact's events are needed (an event before the last end, an end inside the open segment)."""
    end, node, node_id, goal = state
    runs = dict(active)
    open_entries = set(active)
    for event in happened:
        assert event.id is not None
        moment = (event.occurred_at, event.id)
        if end is not None and moment <= end:
            if moment == end:
                continue  # the last end itself, taken in by a recomputation
            return None
        kind = event.type
        if kind == "JOURNEY_ENTERED":
            if moment not in open_entries:
                open_entries.add(moment)
                at_node = node_id if node is not None and node > moment else None
                runs[moment] = ("ACTIVE", None, None, at_node, goal is not None and goal > moment)
        elif kind == "NODE_ENTERED":
            if node is None or moment > node:
                node, node_id = moment, event.subject_id
                for entry in open_entries:
                    if entry < moment:
                        runs[entry] = (*runs[entry][:3], node_id, runs[entry][4])
        elif kind == "GOAL_CONVERTED":
            if goal is None or moment > goal:
                goal = moment
                for entry in open_entries:
                    if entry < moment:
                        runs[entry] = (*runs[entry][:4], True)
        else:  # an end
            latest = max([*open_entries, *(m for m in (node, goal) if m is not None)], default=None)
            if latest is not None and latest > moment:
                return None
            for entry in open_entries:
                _, _, _, at_node, converted = runs[entry]
                runs[entry] = (_ENDED[kind], moment[0], moment[1], at_node, converted)
            open_entries.clear()
            end, node, node_id, goal = moment, None, None, None
    changed = {entry: figures for entry, figures in runs.items() if active.get(entry) != figures}
    return State(end, node, node_id, goal), changed


def _count_key(journey_id: uuid.UUID, figures: _Figures) -> tuple[uuid.UUID, str, uuid.UUID]:
    """A run's row in `enrollment_counts`: ACTIVE runs by current node, the others as one."""
    status, _, _, node, _ = figures
    return journey_id, status, (node or NO_SUBJECT) if status == "ACTIVE" else NO_SUBJECT


async def refresh(session: AsyncSession, workspace_id: uuid.UUID, events: Sequence[Shaped]) -> int:
    """Bring the stored runs and states of the contacts `events` touch up to date with them, in the
    caller's transaction (the fold's); return how many runs were written or recomputed."""
    by_pair: dict[Pair, list[Shaped]] = defaultdict(list)
    for event in events:
        by_pair[(event.journey_id, event.contact_id)].append(event)
    if not by_pair:
        return 0
    pairs = sorted(by_pair)
    params = {
        "workspace_id": workspace_id,
        "journeys": [p[0] for p in pairs],
        "contacts": [p[1] for p in pairs],
    }
    states: dict[Pair, State | None] = {}  # None: no row (no folded event of the contact shapes runs)
    stale: set[Pair] = set()
    active: dict[Pair, dict[Moment, _Figures]] = defaultdict(dict)
    for row in await session.execute(_READ, params):
        pair = (row[0], row[1])
        is_stale, end_at, end_id, node_id, node_at, node_event, goal_at, goal_event = row[2:10]
        if is_stale is None:
            states[pair] = None
        elif is_stale:
            stale.add(pair)
        else:
            states[pair] = State(
                (end_at, end_id) if end_id is not None else None,
                (node_at, node_event) if node_event is not None else None,
                node_id,
                (goal_at, goal_event) if goal_event is not None else None,
            )
        if row[10] is not None:
            active[pair][(row[10], row[11])] = ("ACTIVE", None, None, row[12], row[13])
    late: list[tuple[uuid.UUID, str, datetime]] = []
    written: list[tuple[Any, ...]] = []
    moved: dict[tuple[uuid.UUID, str, uuid.UUID], int] = defaultdict(int)
    stated: list[tuple[Any, ...]] = []
    for pair in pairs:
        happened = sorted(by_pair[pair], key=lambda e: (e.occurred_at, e.id or ""))
        state = states.get(pair)
        placed = None
        if pair not in stale and all(e.id is not None for e in happened):
            placed = place(state or _EMPTY, active[pair], happened)
        if placed is None:
            late.append((pair[0], pair[1], happened[0].occurred_at))
            continue
        after, changed = placed
        for entry, figures in changed.items():
            written.append((*pair, *entry, *figures))
            was = active[pair].get(entry)
            if was is not None:
                moved[_count_key(pair[0], was)] -= 1
            moved[_count_key(pair[0], figures)] += 1
        if after != state:  # changed, or a contact's first state (None)
            end, node, goal = (
                after.end or (None, None),
                after.node or (None, None),
                after.goal or (None, None),
            )
            stated.append((*pair, *end, after.node_id, *node, *goal))
    counts = [(key, n) for key, n in moved.items() if n]
    if written or counts or stated:
        await session.execute(_WRITE, {"workspace_id": workspace_id, **_columns(written, counts, stated)})
    return len(written) + await enrollments.recompute(session, workspace_id, late)


def _columns(
    written: list[tuple[Any, ...]], counts: list[tuple[tuple[Any, ...], int]], stated: list[tuple[Any, ...]]
) -> dict[str, list[Any]]:
    """The rows `_WRITE` unnests, as its columns."""
    runs: list[tuple[Any, ...]] = list(zip(*written, strict=True)) or [()] * 9
    states: list[tuple[Any, ...]] = list(zip(*stated, strict=True)) or [()] * 9
    names = ("journeys", "contacts", "entered", "entries", "statuses", "ended", "ends", "nodes", "converted")
    state_names = ("state_journeys", "state_contacts", "end_ats", "end_ids", "node_ids", "node_ats", "node_events",
                   "goal_ats", "goal_events")  # fmt: skip
    return {
        **{name: list(column) for name, column in zip(names, runs, strict=True)},
        **{name: list(column) for name, column in zip(state_names, states, strict=True)},
        "count_journeys": [k[0] for k, _ in counts],
        "count_statuses": [k[1] for k, _ in counts],
        "count_nodes": [k[2] for k, _ in counts],
        "count_ns": [n for _, n in counts],
    }
