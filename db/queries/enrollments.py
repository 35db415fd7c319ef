"""Enrollments: each run of a contact through a journey, computed from its events.

A run starts at a JOURNEY_ENTERED and ends at the contact's next
JOURNEY_COMPLETED or JOURNEY_EXITED in the journey, events ordered by
(occurred_at, id). The ends cut a contact's events into segments (an end
closes its segment); every entry of a segment runs to that segment's end, or
is ACTIVE when the segment is still open. So a run's figures are its
segment's, taken after its entry: the latest NODE_ENTERED (its current node),
a GOAL_CONVERTED (converted) and the end. Only five event types shape a run
(STRUCTURAL); the others (messages, paths, carts...) change none of what is
stored, so a fold or a query looks only at contacts with events of those five.
A run's lastEventAt is not stored: it is its end's moment once ended (the end
closes the run, so nothing of the run is later), else the contact's latest
event in the journey (an ACTIVE run is the contact's last), read per listed run.

Runs are stored in `enrollments`, with their counts per status and current
node in `enrollment_counts`. An ACTIVE run's row stores no node: its current
node is its contact's state's latest node, when that came after its entry
(`node_of`), so a node entered rewrites one state, not every ACTIVE run of the
contact (migration 0019); a node's runs are listed through its states, in the
order of their newest run there (`waiting_at`, `_AT_NODE`). The folder keeps
both in step: most events it places on the contact's state without reading its
events (db/queries/run_states.py); the others (an event dated before the contact's
last end, an end inside its open segment) it recomputes here (`recompute`):
only the runs after the last stored end before the batch's earliest event can
change, so it reads the contact's events from there (ix_events_contact),
recomputes those runs and writes the ones that differ from what is stored
(most do not), moving the counts by as much, and the contact's state with
them. It reads every event it finds there, still queued or not: a queued event
it takes in early is one the state already holds when the fold that takes it
comes. A query does the same for the contacts still in the tail, without
writing (`RECOMPUTE` as a CTE), from before each one's earliest queued event: stored
runs, less those the tail could change, plus those recomputed, are the runs of
every acknowledged event. So stored runs need be exact only up to each
contact's earliest queued event (an end is a boundary whatever else arrives,
and the runs before it are made of older events, all folded); the fold that
takes a queued event recomputes from before it, and once the tail is empty
every stored run is exact.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import sqlalchemy as sa

from journeygraph.db.driver import Statement, fetch
from journeygraph.db.models import NO_SUBJECT

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

_ENDS = "('JOURNEY_COMPLETED', 'JOURNEY_EXITED')"
# The event types a run is made of: entries, ends, nodes entered, goals. Any other event of a
# contact (a message sent, a path taken) changes no stored run, so it touches none.
STRUCTURAL = ("JOURNEY_ENTERED", "JOURNEY_COMPLETED", "JOURNEY_EXITED", "NODE_ENTERED", "GOAL_CONVERTED")
SHAPING = "(" + ", ".join(f"'{t}'" for t in STRUCTURAL) + ")"
_NONE = f"'{NO_SUBJECT}'::uuid"


def _count_node(status: str, node: str) -> str:
    """The key of a run's row in `enrollment_counts`, from its `status` and current `node`: ACTIVE
    runs by current node, the others as one."""
    return f"CASE WHEN {status} = 'ACTIVE' THEN coalesce({node}, {_NONE}) ELSE {_NONE} END"


_COUNT_NODE = _count_node("status", "current_node_id")


def _latest(column: str, event_type: str) -> str:
    """`column` of the segment's latest event of `event_type` (NULL when it has none)."""
    return f"(array_agg({column} ORDER BY occurred_at DESC, id DESC) FILTER (WHERE type = '{event_type}'))[1]"


def node_of(run: str) -> str:
    """SQL: the current node of the stored run `run`. An ended run's is stored with it; an ACTIVE
    run's is its contact's state's latest node when that came after the run's entry (a node entered
    rewrites the state, not every ACTIVE run), stored with the run only while the state is stale."""
    return f"""CASE WHEN {run}.status = 'ACTIVE' AND {run}.current_node_id IS NULL THEN (
        SELECT CASE WHEN (st.node_at, st.node_event) > ({run}.entered_at, {run}.entry_id) THEN st.node_id END
        FROM enrollment_states st WHERE st.workspace_id = :workspace_id AND st.journey_id = {run}.journey_id
            AND st.contact_id = {run}.contact_id
    ) ELSE {run}.current_node_id END"""


def stored_node(status: str, node: str) -> str:
    """SQL: the node a run's row stores, given its `status` and current `node`: none while ACTIVE."""
    return f"CASE WHEN {status} = 'ACTIVE' THEN NULL ELSE {node} END"


# Given `touched (journey_id, contact_id, since)`: the contacts whose runs may have changed and
# the earliest moment of their new events, defines
#   starts: the last stored end before `since` (the runs up to it cannot change);
#   old:    the stored runs entered after it (those a refresh replaces);
#   fresh:  the runs entered after it, recomputed from the contact's events.
# MATERIALIZED: one look-up per contact (inlined, the planner ran it once per event read).
_STARTS = """
starts AS MATERIALIZED (
    SELECT t.journey_id, t.contact_id, coalesce(s.ended_at, '-infinity') AS start_at,
           coalesce(s.end_id, '') AS start_id
    FROM touched t LEFT JOIN LATERAL (
        SELECT e.ended_at, e.end_id FROM enrollments e
        WHERE e.workspace_id = :workspace_id AND e.journey_id = t.journey_id AND e.contact_id = t.contact_id
            AND e.ended_at < t.since
        ORDER BY e.ended_at DESC, e.end_id DESC LIMIT 1
    ) s ON true
)"""
_OLD = f"""
old AS (
    SELECT e.journey_id, e.contact_id, e.entered_at, e.entry_id, e.status, e.ended_at, e.end_id,
           {node_of("e")} AS current_node_id, e.converted
    FROM starts s JOIN enrollments e
        ON e.workspace_id = :workspace_id AND e.journey_id = s.journey_id AND e.contact_id = s.contact_id
        AND (e.entered_at, e.entry_id) > (s.start_at, s.start_id)
)"""
# The contacts are taken in order, so their events come out of the index sorted by contact and then
# time, and the window's sort orders each contact's dozen rows on their own, not all of them together.
_RUNS = f"""
events_after AS (
    SELECT s.journey_id, s.contact_id, x.id COLLATE "C" AS id, x.type, x.node_id, x.occurred_at
    FROM (SELECT * FROM starts ORDER BY journey_id, contact_id) AS s JOIN events x
        ON x.workspace_id = :workspace_id AND x.journey_id = s.journey_id
        AND x.contact_id COLLATE "C" = s.contact_id AND x.occurred_at >= s.start_at
    WHERE (x.occurred_at, x.id COLLATE "C") > (s.start_at, s.start_id) AND x.type IN {SHAPING}
), placed AS (
    SELECT a.*, coalesce(count(*) FILTER (WHERE a.type IN {_ENDS}) OVER (
        PARTITION BY a.journey_id, a.contact_id ORDER BY a.occurred_at, a.id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS segment
    FROM events_after a
), segments AS (
    SELECT journey_id, contact_id, segment,
        max(type) FILTER (WHERE type IN {_ENDS}) AS end_type,
        max(occurred_at) FILTER (WHERE type IN {_ENDS}) AS ended_at,
        max(id) FILTER (WHERE type IN {_ENDS}) AS end_id,
        {_latest("node_id", "NODE_ENTERED")} AS node, {_latest("occurred_at", "NODE_ENTERED")} AS node_at,
        {_latest("id", "NODE_ENTERED")} AS node_event,
        {_latest("occurred_at", "GOAL_CONVERTED")} AS goal_at, {_latest("id", "GOAL_CONVERTED")} AS goal_event,
        array_agg(id ORDER BY occurred_at, id) FILTER (WHERE type = 'JOURNEY_ENTERED') AS entry_ids,
        array_agg(occurred_at ORDER BY occurred_at, id) FILTER (WHERE type = 'JOURNEY_ENTERED') AS entry_ats
    FROM placed GROUP BY journey_id, contact_id, segment
), fresh AS (
    -- each entry of a segment is a run ending with the segment: its entries are carried in the
    -- segment's row, not joined back to it (a join the planner, misled by the tail's size in a
    -- rebuild, ran as a nested loop of every entry against every segment)
    SELECT g.journey_id, g.contact_id, p.occurred_at AS entered_at, p.id AS entry_id,
        CASE g.end_type WHEN 'JOURNEY_COMPLETED' THEN 'COMPLETED' WHEN 'JOURNEY_EXITED' THEN 'EXITED'
            ELSE 'ACTIVE' END AS status,
        g.ended_at, g.end_id,
        CASE WHEN (g.node_at, g.node_event) > (p.occurred_at, p.id) THEN g.node END AS current_node_id,
        coalesce((g.goal_at, g.goal_event) > (p.occurred_at, p.id), false) AS converted
    FROM segments g CROSS JOIN LATERAL unnest(g.entry_ids, g.entry_ats) AS p(id, occurred_at)
)"""


RECOMPUTE = f"{_STARTS}, {_OLD}, {_RUNS}"


def _run_columns(node: str = "current_node_id", of: str = "") -> str:
    """A run's columns (each of the row named `of`, if any), its node given by `node` (an expression)."""
    names = ("journey_id", "contact_id", "entered_at", "entry_id", "status", "ended_at", "end_id")
    return ", ".join(f"{of}{name}" for name in names) + f", {node}, {of}converted"


_COLUMNS = _run_columns()
# A listed run's lastEventAt (see the module's docstring): one probe of ix_events_contact per ACTIVE run.
_LAST_EVENT_AT = """CASE WHEN status = 'ACTIVE' THEN (
        SELECT max(v.occurred_at) FROM events v WHERE v.workspace_id = :workspace_id
            AND v.journey_id = runs.journey_id AND v.contact_id COLLATE "C" = runs.contact_id)
    ELSE ended_at END"""
_TOUCHED = """touched AS (
        SELECT journey_id, contact_id COLLATE "C" AS contact_id, since
        FROM unnest(CAST(:journeys AS uuid[]), CAST(:contacts AS text[]), CAST(:since AS timestamptz[]))
            AS t(journey_id, contact_id, since)
    )"""
# One statement: the stored runs that may change (`old`: by key, a lateral look-up per contact
# that OFFSET 0 keeps one, so the planner never hashes the whole table to find a batch's few) beside
# the runs recomputed from the contact's events (`fresh`), entry by entry. Only the differences are
# written: a run no longer there is deleted, a changed one updated in place, a new one inserted,
# and the counts move by as much. At 10M events most recomputed runs are the stored ones exactly
# (34,054 of 37,687 in a 50,000-event fold of the benchmark's stream): rewriting them all, with
# their three indexes, was most of a fold (docs/performance.md, "Stop 30"). Each row is written
# at most once, so one statement does it all.
_REFRESH = sa.text(
    f"""
    WITH {_TOUCHED}, {_STARTS}, old AS MATERIALIZED (
        SELECT o.row_id, s.journey_id, s.contact_id, o.entered_at, o.entry_id, o.status, o.ended_at, o.end_id,
               o.stored_node, o.current_node_id, o.converted
        FROM starts s CROSS JOIN LATERAL (
            SELECT e.ctid AS row_id, e.entered_at, e.entry_id, e.status, e.ended_at, e.end_id,
                   e.current_node_id AS stored_node, {node_of("e")} AS current_node_id, e.converted
            FROM enrollments e
            WHERE e.workspace_id = :workspace_id AND e.journey_id = s.journey_id AND e.contact_id = s.contact_id
                AND (e.entered_at, e.entry_id) > (s.start_at, s.start_id)
            OFFSET 0
        ) AS o
    ), {_RUNS}, compared AS (
        SELECT o.row_id, o.journey_id AS was_journey, o.status AS was_status, o.current_node_id AS was_node,
            (o.status, o.ended_at, o.end_id, o.stored_node, o.converted) IS DISTINCT FROM
                (f.status, f.ended_at, f.end_id, {stored_node("f.status", "f.current_node_id")}, f.converted)
                AS rewrite,
            (o.status, o.current_node_id) IS DISTINCT FROM (f.status, f.current_node_id) AS recount, f.*
        FROM old o FULL JOIN fresh f ON f.journey_id = o.journey_id AND f.contact_id = o.contact_id
            AND f.entered_at = o.entered_at AND f.entry_id = o.entry_id
    ), paired AS MATERIALIZED (
        -- the runs that differ: stored only (row_id, was_*), recomputed only, or both but stored
        -- differently (`rewrite`: an ACTIVE run's row stores no node) or counted differently
        -- (`recount`: its status or current node moved, its node perhaps in its state alone)
        SELECT * FROM compared WHERE row_id IS NULL OR journey_id IS NULL OR rewrite OR recount
    ), dropped AS (
        DELETE FROM enrollments WHERE ctid = ANY(ARRAY(SELECT row_id FROM paired WHERE journey_id IS NULL))
    ), changed AS (
        UPDATE enrollments e SET status = p.status, ended_at = p.ended_at, end_id = p.end_id,
            current_node_id = {stored_node("p.status", "p.current_node_id")}, converted = p.converted
        FROM paired p
        -- the rows by id first (a TID scan), then their new values: joined on the id alone, the
        -- planner hashed the whole table (0.28 s of a 50,000-event fold at 10M)
        WHERE e.ctid = ANY(ARRAY(SELECT row_id FROM paired WHERE row_id IS NOT NULL AND journey_id IS NOT NULL
                                 AND rewrite))
            AND p.row_id = e.ctid
    ), added AS (
        INSERT INTO enrollments (workspace_id, {_COLUMNS})
        SELECT :workspace_id, {_run_columns(stored_node("status", "current_node_id"))}
        FROM paired WHERE row_id IS NULL
    ), counted AS (
        INSERT INTO enrollment_counts AS c (workspace_id, journey_id, status, node_id, n)
        SELECT :workspace_id, journey_id, status, node_id, sum(n) FROM (
            SELECT was_journey AS journey_id, was_status AS status, {_count_node("was_status", "was_node")} AS node_id,
                   -1 AS n
            FROM paired WHERE row_id IS NOT NULL
            UNION ALL
            SELECT journey_id, status, {_count_node("status", "current_node_id")}, 1 FROM paired
            WHERE journey_id IS NOT NULL
        ) AS moved GROUP BY journey_id, status, node_id HAVING sum(n) <> 0
        ON CONFLICT (workspace_id, journey_id, status, node_id) DO UPDATE SET n = c.n + excluded.n
    ), closed AS (
        -- each contact's last end read: the end of its latest segment that has one
        SELECT DISTINCT ON (journey_id, contact_id) journey_id, contact_id, ended_at, end_id FROM segments
        WHERE end_type IS NOT NULL ORDER BY journey_id, contact_id, segment DESC
    ), stated AS (
        -- the state the runs now stand at: the last end (read, else the stored one the reading
        -- started after), the open segment's entries, latest node and latest goal
        INSERT INTO enrollment_states AS x (workspace_id, journey_id, contact_id, end_at, end_id, entry_ats, entry_ids,
                                            node_id, node_at, node_event, goal_at, goal_event, waiting_at, stale)
        SELECT :workspace_id, s.journey_id, s.contact_id,
            CASE WHEN d.end_id IS NOT NULL THEN d.ended_at WHEN s.start_at > '-infinity' THEN s.start_at END,
            CASE WHEN d.end_id IS NOT NULL THEN d.end_id WHEN s.start_at > '-infinity' THEN s.start_id END,
            coalesce(o.entry_ats, '{{}}'), coalesce(o.entry_ids, '{{}}'),
            o.node, o.node_at, o.node_event, o.goal_at, o.goal_event, (
                SELECT max(p.at) FROM unnest(o.entry_ats, o.entry_ids) AS p(at, id)
                WHERE (p.at, p.id COLLATE "C") < (o.node_at, o.node_event)
            ), false
        FROM starts s LEFT JOIN closed d ON d.journey_id = s.journey_id AND d.contact_id = s.contact_id
        LEFT JOIN segments o ON o.journey_id = s.journey_id AND o.contact_id = s.contact_id AND o.end_type IS NULL
        ON CONFLICT (workspace_id, journey_id, contact_id) DO UPDATE SET end_at = excluded.end_at,
            end_id = excluded.end_id, entry_ats = excluded.entry_ats, entry_ids = excluded.entry_ids,
            node_id = excluded.node_id, node_at = excluded.node_at,
            node_event = excluded.node_event, goal_at = excluded.goal_at, goal_event = excluded.goal_event,
            waiting_at = excluded.waiting_at, stale = false
    )
    SELECT count(*) FROM fresh
    """
)


async def recompute(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    touched: Sequence[tuple[uuid.UUID, str, datetime]],
) -> int:
    """Recompute from their events the stored runs, and the states, of the (journey, contact)
    pairs touched since `since`, in the caller's transaction (the fold's); return how many runs
    were recomputed."""
    if not touched:
        return 0
    params = {
        "workspace_id": workspace_id,
        "journeys": [t[0] for t in touched],
        "contacts": [t[1] for t in touched],
        "since": [t[2] for t in touched],
    }
    return int(await session.scalar(_REFRESH, params) or 0)


# The contacts of some journeys with events in the tail that shape runs, from the earliest.
_TAIL_TOUCHED = f"""touched AS (
    SELECT journey_id, contact_id COLLATE "C" AS contact_id, min(occurred_at) AS since FROM event_tail
    WHERE workspace_id = :workspace_id AND journey_id = ANY(CAST(:journeys AS uuid[])) AND type IN {SHAPING}
    GROUP BY journey_id, contact_id
)"""

_WAITING = Statement(
    f"""
    WITH {_TAIL_TOUCHED}, {RECOMPUTE}
    SELECT journey_id, node, CAST(sum(n) AS bigint) FROM (
        SELECT journey_id, node_id AS node, n FROM enrollment_counts
        WHERE workspace_id = :workspace_id AND journey_id = ANY(CAST(:journeys AS uuid[])) AND status = 'ACTIVE'
        UNION ALL SELECT journey_id, {_COUNT_NODE}, 1 FROM fresh WHERE status = 'ACTIVE'
        UNION ALL SELECT journey_id, {_COUNT_NODE}, -1 FROM old WHERE status = 'ACTIVE'
    ) AS active GROUP BY journey_id, node
    """
)


async def waiting(
    session: AsyncSession, workspace_id: uuid.UUID, journey_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, dict[uuid.UUID, int]]:
    """ACTIVE runs now, per journey and current node (NO_SUBJECT: not at a node yet)."""
    found: dict[uuid.UUID, dict[uuid.UUID, int]] = {j: {} for j in journey_ids}
    params = {"workspace_id": workspace_id, "journeys": list(journey_ids)}
    for journey_id, node, n in await fetch(session, _WAITING, params):
        if n:
            found[journey_id][node] = int(n)
    return found


class Run(NamedTuple):
    """One enrollment as stored (and as listed)."""

    journey_id: uuid.UUID
    contact_id: str
    entered_at: datetime
    entry_id: str
    status: str
    ended_at: datetime | None
    end_id: str | None
    current_node_id: uuid.UUID | None
    converted: bool
    last_event_at: datetime


class RunFilter(NamedTuple):
    """What `Journey.enrollments` keeps: a status, ACTIVE runs at a node, one contact's runs."""

    status: str | None = None
    node_id: uuid.UUID | None = None
    contact_id: str | None = None


Position = tuple[datetime, str, str]  # (entered_at, contact_id, entry_id) of the last run seen


def _kept(where: RunFilter, alias: str) -> str:
    conditions = []
    if where.status is not None:
        conditions.append(f"{alias}.status = :status")
    if where.node_id is not None:
        conditions.append(f"{alias}.status = 'ACTIVE' AND {alias}.current_node_id = :node_id")
    if where.contact_id is not None:
        conditions.append(f"{alias}.contact_id = :contact_id")
    return "".join(f" AND {c}" for c in conditions)


_NEWEST_FIRST = "entered_at DESC, contact_id DESC, entry_id DESC"


_BELOW = " AND ({at}, {contact}, {entry}) < (:after_at, :after_contact, :after_entry)"
# a stored run the tail may change is listed as recomputed (`fresh`), not as stored
_UNCHANGED = """NOT EXISTS (SELECT 1 FROM old o WHERE o.journey_id = :journey AND o.contact_id = {contact}
    AND o.entered_at = {at} AND o.entry_id = {entry})"""
_STORED_COLUMNS = _run_columns(f"{node_of('x')} AS current_node_id")
# a stored run `x`'s key, for _BELOW and _UNCHANGED
_RUN = {"at": "x.entered_at", "contact": "x.contact_id", "entry": "x.entry_id"}


# A node's states, newest waiting entry first, as many as a page lists runs, and with a cursor also
# every state whose newest waiting entry is at or above it (its older entries may be below it): the
# runs of a page are among their entries, since every state left out has `limit` states before it,
# each with an entry newer than any of its own. The contacts the tail touches are left out whole
# (their runs come recomputed, `fresh`), so a state left out never leaves a page short.
_AT_NODE = """
    SELECT s.contact_id, s.entry_ats, s.entry_ids, s.node_at, s.node_event FROM enrollment_states s
    WHERE s.workspace_id = :workspace_id AND s.journey_id = :journey AND s.node_id = :node_id
        AND s.waiting_at IS NOT NULL AND NOT s.stale{mine}{where}
        AND NOT EXISTS (SELECT 1 FROM starts t WHERE t.journey_id = :journey AND t.contact_id = s.contact_id)"""
_NEWEST_STATES = " ORDER BY s.waiting_at DESC, s.contact_id DESC LIMIT :limit"


def _stored_pages(where: RunFilter, after: bool) -> list[str]:
    """The stored runs of a page, each part newest first: one part; or, for ACTIVE runs at a node,
    those whose node is stored (stale states, ix_enrollments_waiting) and those whose node is their
    contact's state's (ix_enrollment_states_waiting: the entries before the node of the states
    `_AT_NODE` reads)."""
    below = _BELOW.format(**_RUN) if after else ""
    stored = f"""(SELECT {_STORED_COLUMNS} FROM enrollments x
        WHERE x.workspace_id = :workspace_id AND x.journey_id = :journey{_kept(where, "x")}{below}
            AND {_UNCHANGED.format(**_RUN)}
        ORDER BY {_NEWEST_FIRST} LIMIT :limit)"""
    if where.node_id is None:
        return [stored]
    mine = " AND s.contact_id = :contact_id" if where.contact_id is not None else ""
    if after:
        above = " AND (s.waiting_at, s.contact_id) >= (:after_at, :after_contact)"
        under = " AND (s.waiting_at, s.contact_id) < (:after_at, :after_contact)"
        states = f"""({_AT_NODE.format(mine=mine, where=under)}{_NEWEST_STATES})
            UNION ALL {_AT_NODE.format(mine=mine, where=above)}"""
    else:
        states = _AT_NODE.format(mine=mine, where="") + _NEWEST_STATES
    entry = {"at": "p.entered_at", "contact": "s.contact_id", "entry": 'p.entry_id COLLATE "C"'}
    status = " AND x.status = :status" if where.status is not None else ""
    by_state = f"""(SELECT {_run_columns("CAST(:node_id AS uuid) AS current_node_id", of="x.")}
        FROM (
            SELECT s.contact_id, p.entered_at, p.entry_id COLLATE "C" AS entry_id FROM ({states}) AS s
            CROSS JOIN LATERAL unnest(s.entry_ats, s.entry_ids) AS p(entered_at, entry_id)
            WHERE (s.node_at, s.node_event) > (p.entered_at, p.entry_id COLLATE "C"){_BELOW.format(**entry) if after else ""}
            ORDER BY p.entered_at DESC, s.contact_id DESC, p.entry_id COLLATE "C" DESC LIMIT :limit
        ) AS w CROSS JOIN LATERAL (
            -- each run by its key (OFFSET 0: a search per run, never a read of the journey's runs
            -- joined to the page's few, as the planner chose for a journey it had no statistics of)
            SELECT * FROM enrollments x WHERE x.workspace_id = :workspace_id AND x.journey_id = :journey
                AND x.contact_id = w.contact_id AND x.entered_at = w.entered_at AND x.entry_id = w.entry_id{status}
            OFFSET 0
        ) AS x)"""
    return [stored, by_state]


def _page_sql(where: RunFilter, after: bool) -> Statement:
    below = _BELOW.format(**_RUN) if after else ""
    return Statement(
        f"""
        WITH {_TAIL_TOUCHED}, {RECOMPUTE}, page AS MATERIALIZED (
            SELECT {_COLUMNS} FROM (
                {" UNION ALL ".join(_stored_pages(where, after))}
                UNION ALL
                SELECT {_COLUMNS} FROM fresh x WHERE true{_kept(where, "x")}{below}
            ) AS runs ORDER BY {_NEWEST_FIRST} LIMIT :limit
        )
        -- lastEventAt for the page's runs only
        SELECT {_COLUMNS}, {_LAST_EVENT_AT} FROM page AS runs ORDER BY {_NEWEST_FIRST}
        """
    )


def _total_sql(where: RunFilter) -> Statement:
    if where.contact_id is not None:  # one contact's runs: count them
        stored = f"""SELECT count(*) AS n FROM enrollments x WHERE x.workspace_id = :workspace_id
            AND x.journey_id = :journey{_kept(where, "x")}"""
    else:
        counted = []
        if where.status is not None:
            counted.append("x.status = :status")
        if where.node_id is not None:
            counted.append("x.status = 'ACTIVE' AND x.node_id = :node_id")
        stored = f"""SELECT coalesce(sum(x.n), 0) AS n FROM enrollment_counts x
            WHERE x.workspace_id = :workspace_id AND x.journey_id = :journey
            {"".join(f" AND {c}" for c in counted)}"""
    return Statement(
        f"""
        WITH {_TAIL_TOUCHED}, {RECOMPUTE}
        SELECT CAST(sum(n) AS bigint) FROM (
            {stored}
            UNION ALL SELECT count(*) FROM fresh x WHERE true{_kept(where, "x")}
            UNION ALL SELECT -count(*) FROM old x WHERE true{_kept(where, "x")}
        ) AS parts
        """
    )


def _params(workspace_id: uuid.UUID, journey_id: uuid.UUID, where: RunFilter) -> dict[str, Any]:
    # one journey: `= :journey` lets its index give the order (`= ANY(...)` would not)
    params: dict[str, Any] = {"workspace_id": workspace_id, "journey": journey_id, "journeys": [journey_id]}
    if where.status is not None:
        params["status"] = where.status
    if where.node_id is not None:
        params["node_id"] = where.node_id
    if where.contact_id is not None:
        params["contact_id"] = where.contact_id
    return params


async def runs_page(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    journey_id: uuid.UUID,
    where: RunFilter,
    limit: int,
    after: Position | None,
) -> list[Run]:
    """Up to `limit` runs of a journey, newest entry first, after `after`."""
    params = _params(workspace_id, journey_id, where) | {"limit": limit}
    if after is not None:
        params["after_at"], params["after_contact"], params["after_entry"] = after
    rows = await fetch(session, _page_sql(where, after is not None), params)
    return [Run(*row) for row in rows]


async def runs_total(
    session: AsyncSession, workspace_id: uuid.UUID, journey_id: uuid.UUID, where: RunFilter
) -> int:
    """How many runs of a journey match `where`, over all pages."""
    rows = await fetch(session, _total_sql(where), _params(workspace_id, journey_id, where))
    return int(rows[0][0] or 0)
