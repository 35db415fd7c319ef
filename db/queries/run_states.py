"""Keeping the stored runs in step with a fold's events through each contact's state.

A contact's runs through a journey are cut into segments by its ends
(db/queries/enrollments.py). The runs of every closed segment are settled; those
of the open one, its ACTIVE runs, depend only on their entries, the segment's
latest NODE_ENTERED (each run entered before it is at that node) and its latest
GOAL_CONVERTED (each run entered before it has converted). `enrollment_states`
holds, per (journey, contact), the last end, the open segment's entries and
that latest node and goal, for the events folded so far; the stored runs are
kept to match. An ACTIVE run's conversion is stored with it; its node is not
(migration 0019): it is the state's latest node when that came after the run's
entry (`enrollments.node_of`), so a node entered rewrites the state and moves
the counts, and no ACTIVE run's row.

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
statement); this reads the touched contacts' states in one statement (a row
each: no run is read), places the events in Python, and writes what changed
(runs, counts, states) in one more. Each ordering of two events is (occurred_at, id), ids
compared byte by byte as PostgreSQL's "C" collation does (UTF-8 keeps code
point order, which Python compares).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from journeygraph.db.driver import Statement, fetch
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries import enrollments

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

YIELD_EVERY = 500  # contacts placed between two chances for requests to run (as the fold's sets)
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


# A run's row as placing writes it: status, ended_at, end_id, node (an ended run's: an ACTIVE run's is
# its state's), converted.
_Figures = tuple[str, datetime | None, str | None, uuid.UUID | None, bool]


class State(NamedTuple):
    """A contact's state in a journey: its last end, the open segment's entries (its ACTIVE runs)
    and latest node and goal."""

    end: Moment | None
    entries: tuple[Moment, ...]  # in the order they were folded, as stored: never hashed, only compared
    node: Moment | None
    node_id: uuid.UUID | None
    goal: Moment | None


_EMPTY = State(None, (), None, None, None)

# The touched contacts' states, one look-up per contact by key (OFFSET 0: never a hash of the table).
_READ = Statement(
    """
    SELECT t.journey_id, t.contact_id, s.stale, s.end_at, s.end_id, s.entry_ats, s.entry_ids, s.node_id,
           s.node_at, s.node_event, s.goal_at, s.goal_event
    FROM unnest(CAST(:journeys AS uuid[]), CAST(:contacts AS text[])) AS t(journey_id, contact_id)
    CROSS JOIN LATERAL (
        SELECT * FROM enrollment_states s WHERE s.workspace_id = :workspace_id AND s.journey_id = t.journey_id
            AND s.contact_id = t.contact_id COLLATE "C" OFFSET 0
    ) AS s
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
    INSERT INTO enrollment_states AS s (workspace_id, journey_id, contact_id, end_at, end_id, entry_ats, entry_ids,
                                        node_id, node_at, node_event, goal_at, goal_event, waiting_at, stale)
    SELECT :workspace_id, j, c, e, ei, CAST(ea AS timestamptz[]), CAST(eids AS text[]), n, na, ne, g, ge, w, false
    FROM unnest(CAST(:state_journeys AS uuid[]), CAST(:state_contacts AS text[]), CAST(:end_ats AS timestamptz[]),
        CAST(:end_ids AS text[]), CAST(:entry_ats AS text[]), CAST(:entry_ids AS text[]), CAST(:node_ids AS uuid[]),
        CAST(:node_ats AS timestamptz[]), CAST(:node_events AS text[]), CAST(:goal_ats AS timestamptz[]),
        CAST(:goal_events AS text[]), CAST(:waiting_ats AS timestamptz[])) AS t(j, c, e, ei, ea, eids, n, na, ne, g, ge, w)
    -- a state that keeps its last end is given only its new entries, appended to the stored ones
    -- (not its whole list again: encoded and parsed at every fold, 1.7 s of a 200,000-event fold
    -- at 23M events); one whose end moved, or a new one, is given them all
    ON CONFLICT (workspace_id, journey_id, contact_id) DO UPDATE SET end_at = excluded.end_at,
        end_id = excluded.end_id,
        entry_ats = CASE WHEN s.end_id IS NOT DISTINCT FROM excluded.end_id
            THEN s.entry_ats || excluded.entry_ats ELSE excluded.entry_ats END,
        entry_ids = CASE WHEN s.end_id IS NOT DISTINCT FROM excluded.end_id
            THEN s.entry_ids || excluded.entry_ids ELSE excluded.entry_ids END,
        node_id = excluded.node_id, node_at = excluded.node_at, node_event = excluded.node_event,
        goal_at = excluded.goal_at, goal_event = excluded.goal_event, waiting_at = excluded.waiting_at, stale = false
    """
)


class Placed(NamedTuple):
    """What placing a contact's events on its state changed: the state after them, the runs whose
    rows change (by entry, as stored: an ACTIVE run's node is the state's, not the row's), and how
    many runs each (status, current node) count gains or loses (NO_SUBJECT: no node, or ended)."""

    state: State
    rows: dict[Moment, _Figures]
    moved: dict[tuple[str, uuid.UUID], int]


def _at_node(entries: Sequence[Moment], node: Moment | None) -> tuple[int, Moment | None]:
    """How many of `entries` came before `node` (their runs are at it), and the newest of those."""
    n, newest = 0, None
    if node is None:
        return n, newest
    for entry in entries:  # a loop, not sum() over a generator: this runs for every state placed
        if entry < node:
            n += 1
            if newest is None or entry > newest:
                newest = entry
    return n, newest


def _open_counts(
    state: State, moved: dict[tuple[str, uuid.UUID], int], sign: int, entries: Sequence[Moment] | None = None
) -> None:
    """Add `sign` times the open segment's ACTIVE runs of `state` (or only those of `entries`) to
    their counts: the runs entered before its latest node are at that node, the others at none.
    Counted, not placed one by one: a node entered moves every open run, and writes none of their
    rows."""
    entries = state.entries if entries is None else entries
    if not entries:
        return
    at_node = _at_node(entries, state.node)[0]
    if at_node:
        moved[("ACTIVE", state.node_id or NO_SUBJECT)] += sign * at_node
    if len(entries) > at_node:
        moved[("ACTIVE", NO_SUBJECT)] += sign * (len(entries) - at_node)


def place(state: State, happened: Sequence[Shaped]) -> Placed | None:
    """`happened`, in their order, placed on top of `state`. None when the contact's events are
    needed (an event before the last end, an end inside the open segment)."""
    end, stored, node, node_id, goal = state  # `stored`: the state's entries, until an end closes them
    fresh: list[Moment] = []  # entries these events add
    rows: dict[Moment, _Figures] = {}
    moved: dict[tuple[str, uuid.UUID], int] = defaultdict(int)
    for event in happened:
        assert event.id is not None
        moment = (event.occurred_at, event.id)
        if end is not None and moment <= end:
            if moment == end:
                continue  # the last end itself, taken in by a recomputation
            return None
        kind = event.type
        if kind == "JOURNEY_ENTERED":
            if moment not in stored and moment not in fresh:  # not one a recomputation took in
                fresh.append(moment)
        elif kind == "NODE_ENTERED":
            if node is None or moment > node:
                node, node_id = moment, event.subject_id
        elif kind == "GOAL_CONVERTED":
            if goal is None or moment > goal:
                goal = moment
        else:  # an end
            opened = (*stored, *fresh)
            if any(m is not None and m > moment for m in (max(opened, default=None), node, goal)):
                return None
            status = _ENDED[kind]
            for entry in opened:
                at_node = node_id if node is not None and node > entry else None
                rows[entry] = (status, moment[0], moment[1], at_node, goal is not None and goal > entry)
            moved[(status, NO_SUBJECT)] += len(opened)
            stored, fresh = (), []
            end, node, node_id, goal = moment, None, None, None
    after = State(end, (*stored, *fresh) if fresh else stored, node, node_id, goal)
    if after == state:
        return Placed(after, rows, moved)
    if end == state.end and node == state.node:  # only runs entered: each counted where it is
        _open_counts(after, moved, 1, fresh)
    else:  # the stored open runs leave their counts (to the ended ones' above, or back as open below)
        _open_counts(state, moved, -1)
        _open_counts(after, moved, 1)
    was = state.goal
    if goal != was:  # the stored runs still open that a later goal converted
        for entry in stored:
            converted = goal is not None and goal > entry
            if converted != (was is not None and was > entry):
                rows[entry] = ("ACTIVE", None, None, None, converted)
    for entry in fresh:  # the new runs
        rows[entry] = ("ACTIVE", None, None, None, goal is not None and goal > entry)
    return Placed(after, rows, moved)


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
    states: dict[Pair, State] = {}  # no row: no folded event of the contact shapes runs yet
    stale: set[Pair] = set()
    for row in await fetch(session, _READ, params, begun=True):  # after the fold's statement
        pair = (row[0], row[1])
        is_stale, end_at, end_id, entry_ats, entry_ids, node_id, node_at, node_event, goal_at, goal_event = (
            row[2:]
        )
        if is_stale:
            stale.add(pair)
            continue
        states[pair] = State(
            (end_at, end_id) if end_id is not None else None,
            tuple(zip(entry_ats, entry_ids, strict=True)),
            (node_at, node_event) if node_event is not None else None,
            node_id,
            (goal_at, goal_event) if goal_event is not None else None,
        )
    late: list[tuple[uuid.UUID, str, datetime]] = []
    written: list[tuple[Any, ...]] = []
    moved: dict[tuple[uuid.UUID, str, uuid.UUID], int] = defaultdict(int)
    stated: list[tuple[Any, ...]] = []
    for i, pair in enumerate(pairs):
        if i and not i % YIELD_EVERY:
            await asyncio.sleep(0)  # the folder shares its process's event loop with requests
        happened = sorted(by_pair[pair], key=lambda e: (e.occurred_at, e.id or ""))
        state = states.get(pair)
        placed = None
        if pair not in stale and all(e.id is not None for e in happened):
            placed = place(state or _EMPTY, happened)
        if placed is None:
            late.append((pair[0], pair[1], happened[0].occurred_at))
            continue
        after = placed.state
        written.extend((*pair, *entry, *figures) for entry, figures in placed.rows.items())
        for (status, at_node), n in placed.moved.items():
            moved[(pair[0], status, at_node)] += n
        if after == state:
            continue
        end, node, goal = after.end or (None, None), after.node or (None, None), after.goal or (None, None)
        # the same last end: the entries only grew, at their end (only an end takes entries away),
        # and only the new ones are written (_WRITE appends them)
        entries = after.entries
        if state is not None and after.end == state.end:
            entries = entries[len(state.entries) :]
        encoded = (
            (_array(m[0].isoformat() for m in entries), _array(m[1] for m in entries)) if entries else _NONE
        )
        stated.append((*pair, *end, *encoded, after.node_id, *node, *goal, _waiting_at(after)))
    counts = [(key, n) for key, n in moved.items() if n]
    if written or counts or stated:
        await _write(session, workspace_id, written, counts, stated)
    return len(written) + await enrollments.recompute(session, workspace_id, late)


async def _write(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    written: list[tuple[Any, ...]],
    counts: list[tuple[tuple[Any, ...], int]],
    stated: list[tuple[Any, ...]],
) -> None:
    """Write what placing changed, in one statement (`_WRITE`). A function of its own so that
    bench.write_floor can time the write apart from the read and the placing."""
    await session.execute(_WRITE, {"workspace_id": workspace_id, **_columns(written, counts, stated)})


def _waiting_at(state: State) -> datetime | None:
    """The newest entry of the runs at the state's latest node (those entered before it), if any."""
    newest = _at_node(state.entries, state.node)[1]
    return None if newest is None else newest[0]


_NONE = ("{}", "{}")  # no entries to write, as array literals


def _array(items: Iterable[str]) -> str:
    """A PostgreSQL array literal of `items` (each quoted, its quotes and backslashes escaped): the
    states' entries go through unnest as one text each, an array of arrays not being a table of them."""
    return "{" + ",".join('"' + i.replace("\\", "\\\\").replace('"', '\\"') + '"' for i in items) + "}"


_RUN_COLUMNS = (
    "journeys",
    "contacts",
    "entered",
    "entries",
    "statuses",
    "ended",
    "ends",
    "nodes",
    "converted",
)
_STATE_COLUMNS = ("state_journeys", "state_contacts", "end_ats", "end_ids", "entry_ats", "entry_ids", "node_ids",
                  "node_ats", "node_events", "goal_ats", "goal_events", "waiting_ats")  # fmt: skip


def _columns(
    written: list[tuple[Any, ...]],
    counts: list[tuple[tuple[Any, ...], int]],
    stated: list[tuple[Any, ...]],
) -> dict[str, list[Any]]:
    """The rows `_WRITE` unnests, as its columns."""
    found: dict[str, list[Any]] = {}
    for names, rows in ((_RUN_COLUMNS, written), (_STATE_COLUMNS, stated)):
        columns = list(zip(*rows, strict=True)) or [()] * len(names)
        found.update((name, list(column)) for name, column in zip(names, columns, strict=True))
    return {
        **found,
        "count_journeys": [k[0] for k, _ in counts],
        "count_statuses": [k[1] for k, _ in counts],
        "count_nodes": [k[2] for k, _ in counts],
        "count_ns": [n for _, n in counts],
    }
