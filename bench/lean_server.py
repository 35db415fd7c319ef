"""The leanest design's write path, built to be run end to end (bench/lean_stream.py drives it).

Stop 38 summed the leanest design's parts at their floors, one at a time, to 32.3 to 42.6 µs an event
against the 33 that 60,000 events/s on two cores allow. This is that design as a stream: a server and
a folder doing only what the sum counted, so what they leave out is known and their cost together
is measured rather than added up.

The server (`create_app`, under uvicorn with two workers as `journeygraph serve --workers 2` runs):
one credential compared in memory; the body typed by a compiled decoder (msgspec) and nothing else
checked; COPY into a staging table; one INSERT into `events` with its key and its index by contact
(the product's table); the body queued whole, uncompressed, in `lean_bodies`; the commit; the answer.

The folder (`fold_forever`, a process of its own): takes up to 50,000 events' bodies
out of the queue, reads them again (orjson), numbers their contacts (remembered in memory), counts
them in Python per journey, subject and quarter-hour and every wider grain, upserts the five rollups,
ORs the contacts into the contact sets as the product does, and keeps enrollments as one state row
per (journey, contact) plus a row per new run (`lean_states`, `lean_runs`): a contact's open runs
depend only on their entries, the segment's latest node, its latest goal and its end, so any event
dated inside the open segment, in order or not, is applied to the state alone. An event dated before
the contact's last end, or an end dated before its latest event, needs the contact's events: those
contacts are recomputed by the product's own statement (db/queries/enrollments.py), whose cost is
then the late path's. Or two folders side by side (LEAN_ROLE): one keeps the figures, the other the
runs, each reading the queue past its own mark (`lean_marks`).

What neither does, though a product must (so this is the floor's side of any comparison): words
for a rejected event, bounds and text checks, journeys, nodes and paths looked up, rate limits,
metrics; ended runs' rows (the state holds the end, the run rows no status); a late contact's
state rebuilt after its recomputation; events of equal
moments ordered by id, as SPEC orders them; and a query would have to read the queued bodies. It
is a benchmark, not the product.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import orjson
from pyroaring import BitMap
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.lean_floor import DECODER, upsert_rollup, widen
from journeygraph.db.driver import Statement
from journeygraph.db.enums import COUNTERS, EVENT_POSITION, UNIQUE_KINDS
from journeygraph.db.models import NO_SUBJECT
from journeygraph.db.queries import enrollments, fold
from journeygraph.event_json import parse_events
from journeygraph.resolvers.ingest import check_event

TABLES = """
CREATE TABLE IF NOT EXISTS lean_bodies (
    workspace_id uuid NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY, body bytea NOT NULL,
    skipped text[] NOT NULL, PRIMARY KEY (workspace_id, seq));
ALTER TABLE lean_bodies ALTER COLUMN body SET STORAGE EXTERNAL;
CREATE TABLE IF NOT EXISTS lean_states (
    workspace_id uuid NOT NULL, journey_id uuid NOT NULL, contact_id text COLLATE "C" NOT NULL,
    end_at timestamptz, node_id uuid, node_at timestamptz, goal_at timestamptz, entries bigint[] NOT NULL,
    PRIMARY KEY (workspace_id, journey_id, contact_id));
CREATE TABLE IF NOT EXISTS lean_runs (
    workspace_id uuid NOT NULL, journey_id uuid NOT NULL, contact_id text COLLATE "C" NOT NULL,
    entered_at timestamptz NOT NULL, entry_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (workspace_id, journey_id, contact_id, entered_at, entry_id));
CREATE TABLE IF NOT EXISTS lean_marks (role text PRIMARY KEY, seq bigint NOT NULL);
CREATE TABLE IF NOT EXISTS lean_counts (
    workspace_id uuid NOT NULL, journey_id uuid NOT NULL, node_id uuid NOT NULL, n bigint NOT NULL,
    PRIMARY KEY (workspace_id, journey_id, node_id));
"""


_STAGE = """CREATE TEMPORARY TABLE lean_staged (id text COLLATE "C", type text, journey_id uuid, node_id uuid,
    path_id uuid, contact_id text, occurred_at timestamptz, revenue numeric, url text) ON COMMIT DELETE ROWS"""
_STAGED = ("id", "type", "journey_id", "node_id", "path_id", "contact_id", "occurred_at", "revenue", "url")
_INSERT = """INSERT INTO events (workspace_id, id, type, journey_id, node_id, path_id, contact_id, occurred_at,
        revenue, url)
    SELECT $1, id, type, journey_id, node_id, path_id, contact_id, occurred_at, revenue, url
    FROM lean_staged ORDER BY id ON CONFLICT (workspace_id, id) DO NOTHING"""
# only when some were duplicates: those this transaction did not write
_SKIPPED = """SELECT s.id FROM lean_staged s JOIN events e ON e.workspace_id = $1 AND e.id = s.id
    WHERE e.xmin <> pg_current_xact_id()::xid"""
_QUEUE = "INSERT INTO lean_bodies (workspace_id, body, skipped) VALUES ($1, $2, $3)"


def _checked(body: bytes) -> tuple[list[tuple[Any, ...]], bytes, list[dict[str, Any]]]:
    """The events the product's own checks pass (parse_events, check_event), as staged rows; the body
    to queue (the same, or the events kept when some were not); and a rejection per event that was
    not, by index (this prototype does not word them as the product does, but never drops one
    unsaid: the benchmark's stream should have none)."""
    now, kept, raws, rejected = datetime.now(UTC), [], [], []
    events = parse_events(body, ndjson=False)
    for index, raw in enumerate(events):
        try:
            kept.append(check_event(raw, now))
        except Exception as problem:  # the product's rejection, or a bug: either way, said
            rejected.append({"index": index, "problem": str(problem) or type(problem).__name__})
            continue
        raws.append(raw)
    queued = body if not rejected else orjson.dumps({"events": raws}, default=str)
    return kept, queued, rejected


def create_app() -> Starlette:
    """The lean server: LEAN_DATABASE_URL (plain postgresql://), LEAN_WORKSPACE and LEAN_KEY; with
    LEAN_CHECKS set, bodies are read and checked as the product does instead of only typed."""
    url, key = os.environ["LEAN_DATABASE_URL"], os.environ["LEAN_KEY"]
    checked = bool(os.environ.get("LEAN_CHECKS"))
    workspace = uuid.UUID(os.environ["LEAN_WORKSPACE"])
    state: dict[str, asyncpg.Pool] = {}

    async def record(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {key}":
            return Response(status_code=401)
        body = await request.body()
        rejected: list[dict[str, Any]] = []
        if checked:
            records, body, rejected = _checked(body)
        else:
            try:
                events = DECODER.decode(body).events
            except msgspec.ValidationError as problem:
                return Response(orjson.dumps({"error": str(problem)}), status_code=400)
            records = [
                (e.id, e.type, e.journey_id, e.node_id, e.path_id, e.contact_id, e.occurred_at,
                 None if e.revenue is None else Decimal(e.revenue), e.url)
                for e in events
            ]  # fmt: skip
        async with state["pool"].acquire() as connection, connection.transaction():
            await connection.copy_records_to_table("lean_staged", records=records, columns=_STAGED)
            stored = int((await connection.execute(_INSERT, workspace)).split()[-1])
            skipped = (
                [] if stored == len(records) else [r[0] for r in await connection.fetch(_SKIPPED, workspace)]
            )
            await connection.execute(_QUEUE, workspace, body, skipped)
        answer = {"accepted": stored, "duplicates": len(records) - stored, "rejected": rejected}
        return Response(orjson.dumps(answer), media_type="application/json")

    async def ready(_: Request) -> Response:
        return Response(b"ok")

    async def stage(connection: asyncpg.Connection) -> None:
        await connection.execute(_STAGE)

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        state["pool"] = await asyncpg.create_pool(url, min_size=2, max_size=10, init=stage)
        yield
        await state["pool"].close()

    routes = [Route("/v1/events", record, methods=["POST"]), Route("/readyz", ready)]
    return Starlette(routes=routes, lifespan=lifespan)


# The folder.

FOLD_EVENTS = 50_000  # as JOURNEYGRAPH_FOLD_BATCH
_TAKE = """DELETE FROM lean_bodies WHERE workspace_id = $1 AND seq <= (
        SELECT max(seq) FROM (SELECT seq FROM lean_bodies WHERE workspace_id = $1 ORDER BY seq LIMIT $2) AS b)
    RETURNING body, skipped"""
# Two folders side by side (LEAN_ROLE): one keeps the figures (rollups, contact sets), the other the
# runs; each reads the queue past its own mark, and a body goes once both have read it.
_READ = """SELECT body, skipped, seq FROM lean_bodies WHERE workspace_id = $1
    AND seq > coalesce((SELECT seq FROM lean_marks WHERE role = $3), 0) ORDER BY seq LIMIT $2"""
_MARK = """INSERT INTO lean_marks (role, seq) VALUES ($1, $2) ON CONFLICT (role) DO UPDATE SET seq = excluded.seq"""
_READ_BY_BOTH = """DELETE FROM lean_bodies WHERE workspace_id = $1 AND seq <= (
    SELECT CASE WHEN count(*) = 2 THEN min(seq) END FROM lean_marks WHERE role IN ('figures', 'runs'))"""
_VACUUM = "VACUUM (SKIP_LOCKED) lean_bodies"
_ORDINALS = (
    "SELECT contact_id, ordinal FROM contacts WHERE workspace_id = $1 AND contact_id = ANY($2::text[])"
)
_NUMBER = """INSERT INTO contacts (workspace_id, contact_id) SELECT $1, c FROM unnest($2::text[]) AS c
    ORDER BY c COLLATE "C" ON CONFLICT (workspace_id, contact_id) DO NOTHING RETURNING contact_id, ordinal"""
_STATES = """SELECT s.journey_id, s.contact_id, s.end_at, s.node_id, s.node_at, s.goal_at, s.entries
    FROM unnest($2::uuid[], $3::text[]) AS t(journey_id, contact_id) CROSS JOIN LATERAL (
        SELECT * FROM lean_states s WHERE s.workspace_id = $1 AND s.journey_id = t.journey_id
            AND s.contact_id = t.contact_id OFFSET 0) AS s"""
_WRITE_STATES = """INSERT INTO lean_states AS s (workspace_id, journey_id, contact_id, end_at, node_id, node_at,
        goal_at, entries)
    SELECT $1, j, c, e, n, na, g, CAST(x AS bigint[])
    FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::uuid[], $6::timestamptz[], $7::timestamptz[], $8::text[])
        AS t(j, c, e, n, na, g, x)
    ON CONFLICT (workspace_id, journey_id, contact_id) DO UPDATE SET end_at = excluded.end_at,
        node_id = excluded.node_id, node_at = excluded.node_at, goal_at = excluded.goal_at, entries = excluded.entries"""
_WRITE_RUNS = """INSERT INTO lean_runs (workspace_id, journey_id, contact_id, entered_at, entry_id)
    SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::timestamptz[], $5::text[]) ON CONFLICT DO NOTHING"""
_WRITE_COUNTS = """INSERT INTO lean_counts AS c (workspace_id, journey_id, node_id, n)
    SELECT $1, * FROM unnest($2::uuid[], $3::uuid[], $4::bigint[])
    ON CONFLICT (workspace_id, journey_id, node_id) DO UPDATE SET n = c.n + excluded.n"""
_STORED_SETS = Statement(str(fold._STORED_SETS))
_WRITE_SETS = Statement(str(fold._WRITE_SETS))
_REFRESH = Statement(str(enrollments._REFRESH))
_NONE = str(NO_SUBJECT)
_COLUMN = {t.value: i for t, i in EVENT_POSITION.items()}
_KIND = {t.value: k for t, k in UNIQUE_KINDS.items()}
_REVENUE, _LAST = len(COUNTERS), len(COUNTERS) + 1
_MONDAY = int(datetime(2000, 1, 3, tzinfo=UTC).timestamp())
# a wider grain's bucket from a quarter-hour's start (seconds since the epoch), as fold._WIDER
_WIDER = (
    (fold.HOUR, lambda q: q - q % 3600),
    (fold.FOUR_HOURS, lambda q: q - q % 14400),
    (fold.DAY, lambda q: q - q % 86400),
    (fold.WEEK, lambda q: q - (q - _MONDAY) % 604800),
)
_ROLLUPS = {
    "rollup_quarters": lambda q: q,
    "rollup_hours": _WIDER[0][1],
    "rollup_four_hours": _WIDER[1][1],
    "rollup_days": _WIDER[2][1],
    "rollup_weeks": _WIDER[3][1],
}
_STRUCTURAL = frozenset(enrollments.STRUCTURAL)


_UPSERTS = {table: upsert_rollup(table) for table in _ROLLUPS}


def _subject(event: dict[str, Any]) -> str | None:
    """A stored event's subject, as the product's (db/queries/events.py SUBJECT): its path, else its
    node, else None."""
    path = event.get("pathId") if event["type"] == "PATH_TRAVERSED" else None
    return path or event.get("nodeId")


class Folder:
    """One folder: its connection and its memory of contacts' ordinals and of uuids read as text."""

    def __init__(self, connection: asyncpg.Connection, workspace: uuid.UUID, role: str = "all") -> None:
        """`role`: "all" folds everything, taking the bodies out; "figures" or "runs" one half, beside
        a folder of the other."""
        self.connection, self.workspace, self.role = connection, workspace, role
        self.ordinals: dict[str, int] = {}
        self.uuids: dict[str, uuid.UUID] = {}
        self.late = 0  # contacts recomputed from their events
        self.spent: dict[str, float] = defaultdict(float)  # seconds per part of the folds
        self.folded = 0

    def _uuid(self, text: str) -> uuid.UUID:
        found = self.uuids.get(text)
        if found is None:
            found = self.uuids[text] = uuid.UUID(text)
        return found

    async def fold(self) -> int:
        """Fold up to FOLD_EVENTS queued events in one transaction; how many."""
        c, clock = self.connection, time.perf_counter
        async with c.transaction():
            started = clock()
            bodies = max(1, FOLD_EVENTS // 5_000)
            if self.role == "all":
                taken = await c.fetch(_TAKE, self.workspace, bodies)
            else:
                taken = await c.fetch(_READ, self.workspace, bodies, self.role)
                if taken:
                    await c.execute(_MARK, self.role, taken[-1][2])
                # also when there is nothing to read: two folds that commit their marks at once
                # each see the other's older one, and neither deletes what both have read
                await c.execute(_READ_BY_BOTH, self.workspace)
            events = []
            for body, skipped, *_ in taken:
                left = set(skipped)
                events += [e for e in orjson.loads(body)["events"] if not left or e["id"] not in left]
            if not events:
                return 0
            moments = [datetime.fromisoformat(e["occurredAt"]) for e in events]
            # each event's quarter-hour, seconds since the epoch: counts and sets both key on it
            quarters = [int(m.timestamp()) // 900 * 900 for m in moments]
            parts = [("take out and read again", clock())]
            if self.role != "runs":
                await self._count(events, moments, quarters)
                parts.append(("count, upsert the rollups", clock()))
                await self._sets(events, quarters)
                parts.append(("contact sets", clock()))
            if self.role != "figures":
                await self._enrollments(events, moments)
                parts.append(("enrollments", clock()))
        parts.append(("commit", clock()))
        for name, at in parts:
            self.spent[name] += at - started
            started = at
        self.folded += len(events)
        return len(events)

    async def _count(
        self, events: list[dict[str, Any]], moments: list[datetime], of_event: list[int]
    ) -> None:
        quarters: dict[tuple[Any, ...], list[Any]] = {}
        for e, moment, q in zip(events, moments, of_event, strict=True):
            kind, journey = e["type"], e["journeyId"]
            subject = _subject(e) or _NONE
            revenue = e.get("revenue") if kind == "TRANSACTION" else None
            for owner in (subject, journey):
                row = quarters.get((journey, owner, q))
                if row is None:
                    row = quarters[(journey, owner, q)] = [0] * len(COUNTERS) + [Decimal(0), moment]
                row[_COLUMN[kind]] += 1
                if revenue is not None:
                    row[_REVENUE] += Decimal(revenue)
                if moment > row[_LAST]:
                    row[_LAST] = moment
        for table, of in _ROLLUPS.items():
            summed = widen(quarters, of)
            keys = list(summed)
            columns = [list(column) for column in zip(*summed.values(), strict=True)]
            await self.connection.execute(
                _UPSERTS[table], self.workspace, [self._uuid(k[0]) for k in keys], [self._uuid(k[1]) for k in keys],
                [datetime.fromtimestamp(k[2], UTC) for k in keys], *columns,
            )  # fmt: skip

    async def _numbered(self, contacts: set[str]) -> None:
        for sql in (_ORDINALS, _NUMBER, _ORDINALS):
            rest = sorted(contacts.difference(self.ordinals))
            if not rest:
                return
            self.ordinals.update((r[0], r[1]) for r in await self.connection.fetch(sql, self.workspace, rest))

    async def _sets(self, events: list[dict[str, Any]], of_event: list[int]) -> None:
        await self._numbered({e["contactId"] for e in events if e["type"] in _KIND})
        quarters: dict[tuple[str, str, int, int], list[int]] = defaultdict(list)
        for e, q in zip(events, of_event, strict=True):
            kind = _KIND.get(e["type"])
            if kind is None:
                continue
            subject = _subject(e)
            ordinal = self.ordinals[e["contactId"]]
            for owner in (subject, e["journeyId"]) if subject else (e["journeyId"],):
                quarters[(e["journeyId"], owner, kind, q)].append(ordinal)
        added: dict[fold.SetKey, BitMap] = {}
        wider: dict[fold.SetKey, BitMap] = defaultdict(BitMap)
        for (journey, owner, kind, q), ordinals in quarters.items():
            bitmap = BitMap(ordinals)
            j, o = self._uuid(journey), self._uuid(owner)
            added[(j, o, kind, fold.QUARTER, datetime.fromtimestamp(q, UTC))] = bitmap
            for grain, of in _WIDER:
                wider[(j, o, kind, grain, datetime.fromtimestamp(of(q), UTC))] |= bitmap
        added.update(wider)
        await self._merge(added)

    async def _merge(self, added: dict[fold.SetKey, BitMap]) -> None:
        """fold._merge, on this connection."""
        keys = sorted(added)
        params = {"workspace_id": self.workspace, **fold._columns(keys)}
        stored = await self.connection.fetch(
            _STORED_SETS.positional, *(params[n] for n in _STORED_SETS.names)
        )
        unchanged = set()
        for journey_id, subject_id, kind, grain, bucket, bitmap in stored:
            key = (journey_id, subject_id, kind, grain, bucket)
            if fold.or_stored(added, key, bitmap):
                unchanged.add(key)
        changed = [k for k in keys if k not in unchanged]
        if not changed:
            return
        merged = [added[k] for k in changed]
        params = {"workspace_id": self.workspace, **fold._columns(changed), "ns": [len(b) for b in merged],
                  "bitmaps": [b.serialize() for b in merged]}  # fmt: skip
        await self.connection.execute(_WRITE_SETS.positional, *(params[n] for n in _WRITE_SETS.names))

    async def _enrollments(self, events: list[dict[str, Any]], moments: list[datetime]) -> None:
        """Apply each structural event to its contact's state; contacts with a late end or an event
        before their last end are recomputed from their events instead."""
        mine: dict[tuple[str, str], list[tuple[datetime, str, str, str | None]]] = defaultdict(list)
        for e, moment in zip(events, moments, strict=True):
            if e["type"] in _STRUCTURAL:
                mine[(e["journeyId"], e["contactId"])].append((moment, e["id"], e["type"], e.get("nodeId")))
        if not mine:
            return
        pairs = sorted(mine)
        journeys = [self._uuid(p[0]) for p in pairs]
        rows = await self.connection.fetch(_STATES, self.workspace, journeys, [p[1] for p in pairs])
        states = {(str(r[0]), r[1]): list(r[2:]) for r in rows}
        written: list[tuple[Any, ...]] = []
        runs: list[tuple[Any, ...]] = []
        moved: dict[tuple[str, str], int] = defaultdict(int)
        late: list[tuple[uuid.UUID, str, datetime]] = []
        for (journey, contact), happened in zip(pairs, (mine[p] for p in pairs), strict=True):
            happened.sort()
            end_at, node_id, node_at, goal_at, entries = states.get((journey, contact)) or [None] * 4 + [[]]
            start = (end_at, node_id, node_at, entries)
            is_late, entered = False, []
            for moment, event_id, kind, node in happened:
                micros = int(moment.timestamp() * 1e6)
                if end_at is not None and moment < end_at:
                    is_late = True
                elif kind == "JOURNEY_ENTERED":
                    entries = sorted([*entries, micros])
                    entered.append((journey, contact, moment, event_id))
                elif kind == "NODE_ENTERED":
                    if node_at is None or moment > node_at:
                        node_id, node_at = node, moment
                elif kind == "GOAL_CONVERTED":
                    goal_at = moment if goal_at is None else max(goal_at, moment)
                elif (entries and micros < entries[-1]) or (node_at is not None and moment < node_at):
                    is_late = True  # an end inside what the state has folded already
                else:
                    end_at, node_id, node_at, goal_at, entries = moment, None, None, None, []
            if is_late:
                # (its state is left as it was: a product would rebuild it from the recomputed runs;
                # the benchmark's stream sends none this way)
                late.append((self._uuid(journey), contact, happened[0][0]))
                continue
            runs += entered
            # ACTIVE runs per current node: those entered before the latest node are at it
            for was, sign in ((start, -1), ((end_at, node_id, node_at, entries), 1)):
                _, at_node, at, open_entries = was
                cut = int(at.timestamp() * 1e6) if at is not None else None
                for entered in open_entries:
                    where = at_node if cut is not None and entered < cut else _NONE
                    moved[(journey, str(where))] += sign
            written.append((self._uuid(journey), contact, end_at, node_id and self._uuid(str(node_id)), node_at,
                            goal_at, "{" + ",".join(map(str, entries)) + "}"))  # fmt: skip
        c = self.connection
        if written:
            await c.execute(_WRITE_STATES, self.workspace, *(list(col) for col in zip(*written, strict=True)))
        if runs:
            await c.execute(_WRITE_RUNS, self.workspace, [self._uuid(r[0]) for r in runs], [r[1] for r in runs],
                            [r[2] for r in runs], [r[3] for r in runs])  # fmt: skip
        counts = [(k, n) for k, n in moved.items() if n]
        if counts:
            await c.execute(_WRITE_COUNTS, self.workspace, [self._uuid(k[0]) for k, _ in counts],
                            [self._uuid(k[1]) for k, _ in counts], [n for _, n in counts])  # fmt: skip
        if late:
            self.late += len(late)
            params = {"workspace_id": self.workspace, "journeys": [t[0] for t in late],
                      "contacts": [t[1] for t in late], "since": [t[2] for t in late]}  # fmt: skip
            await c.fetchval(_REFRESH.positional, *(params[n] for n in _REFRESH.names))


async def fold_forever(url: str, workspace: uuid.UUID, report: str | None = None, role: str = "all") -> None:
    """Fold whatever is queued, back to back; vacuum the queue after every FOLD_EVENTS folded and
    when it empties (as journeygraph's folder does its tail). On SIGTERM, write what the folds
    spent (wall µs per event folded, by part) to `report`, and stop."""
    connection = await asyncpg.connect(url)
    folder = Folder(connection, workspace, role)
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    since_vacuum = 0
    while not stopping.is_set():
        folded = await folder.fold()
        since_vacuum += folded
        if since_vacuum >= FOLD_EVENTS or (not folded and since_vacuum):
            await connection.execute(_VACUUM)
            since_vacuum = 0
        if not folded:
            await asyncio.sleep(0.05)
    if report:
        per = 1e6 / max(folder.folded, 1)
        spent = {name: seconds * per for name, seconds in folder.spent.items()}
        written = json.dumps({"folded": folder.folded, "late_contacts": folder.late, "us": spent})
        await asyncio.to_thread(Path(report).write_text, written)


if __name__ == "__main__":
    environ = os.environ
    asyncio.run(
        fold_forever(
            environ["LEAN_DATABASE_URL"],
            uuid.UUID(environ["LEAN_WORKSPACE"]),
            environ.get("LEAN_REPORT"),
            environ.get("LEAN_ROLE", "all"),
        )
    )
