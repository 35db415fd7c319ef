"""SQLAlchemy models. Every table carries `workspace_id` as the leading column
of its primary key and of every index, so the data can be distributed by
workspace (Citus) when one server is outgrown.

There are no ORM relationships on purpose: related rows are fetched by the
per-request loaders in batches, never lazily.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from journeygraph.db.enums import UNIQUE_TYPES, Channel, EventType, JourneyStatus, NodeType

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_N_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type, name: str) -> sa.Enum:
    # Stored as text with a CHECK constraint: adding a value later is a plain
    # migration, not an ALTER TYPE that cannot run inside a transaction.
    return sa.Enum(cls, name=name, native_enum=False, create_constraint=True, length=32)


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    # Server-side defaults come back with the INSERT (RETURNING), never through a later lazy load.
    __mapper_args__ = {"eager_defaults": True}  # noqa: RUF012 -- SQLAlchemy's declared class attribute


_now = sa.text("now()")


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    time_zone: Mapped[str] = mapped_column(sa.Text, server_default="UTC")
    currency: Mapped[str] = mapped_column(sa.String(3), server_default="USD")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)


class ApiKey(Base):
    __tablename__ = "api_keys"

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("workspaces.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # sha256 of the whole key; the key itself is shown once and never stored.
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (sa.UniqueConstraint("workspace_id", "key_hash"),)


class PersistedQuery(Base):
    """A GraphQL document registered under its sha256 (automatic persisted queries), per workspace."""

    __tablename__ = "persisted_queries"

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("workspaces.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    query: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)


class Journey(Base):
    __tablename__ = "journeys"

    workspace_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("workspaces.id"), primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[JourneyStatus] = mapped_column(_enum(JourneyStatus, "journey_status"))
    goal: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    version: Mapped[int] = mapped_column(sa.Integer, server_default="1")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)
    published_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        # The journeys list: newest change first, keyset-paginated (scanned backwards).
        sa.Index(None, "workspace_id", "updated_at", "id"),
    )


class Node(Base):
    __tablename__ = "nodes"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column()
    type: Mapped[NodeType] = mapped_column(_enum(NodeType, "node_type"))
    name: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[Channel | None] = mapped_column(_enum(Channel, "channel"))
    config: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default=sa.text("'{}'::jsonb"))
    position_x: Mapped[float | None] = mapped_column(sa.Float)
    position_y: Mapped[float | None] = mapped_column(sa.Float)
    # Place in the canvas as last saved, so lists come back in the order the editor sent.
    ordinal: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)
    # Set when a saved canvas no longer contains the node; the row stays so its history does.
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.ForeignKeyConstraint(["workspace_id", "journey_id"], ["journeys.workspace_id", "journeys.id"]),
        sa.Index(None, "workspace_id", "journey_id"),
    )


class Path(Base):
    __tablename__ = "paths"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column()
    source_node_id: Mapped[uuid.UUID] = mapped_column()
    target_node_id: Mapped[uuid.UUID] = mapped_column()
    label: Mapped[str | None] = mapped_column(sa.Text)
    index: Mapped[int] = mapped_column(sa.Integer)
    ordinal: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    __table_args__ = (
        sa.ForeignKeyConstraint(["workspace_id", "journey_id"], ["journeys.workspace_id", "journeys.id"]),
        sa.ForeignKeyConstraint(["workspace_id", "source_node_id"], ["nodes.workspace_id", "nodes.id"]),
        sa.ForeignKeyConstraint(["workspace_id", "target_node_id"], ["nodes.workspace_id", "nodes.id"]),
        sa.Index(None, "workspace_id", "journey_id"),
    )


class Event(Base):
    """A raw event as the engine reported it; kept for drill-down and rollup rebuilds."""

    __tablename__ = "events"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    # The caller's idempotency key: a second event with the same id is a duplicate. Compared byte by
    # byte (migration 0017): in a language's collation every comparison of the key was a strcoll.
    id: Mapped[str] = mapped_column(sa.String(128, collation="C"), primary_key=True)
    type: Mapped[EventType] = mapped_column(_enum(EventType, "event_type"))
    journey_id: Mapped[uuid.UUID] = mapped_column()
    node_id: Mapped[uuid.UUID | None] = mapped_column()
    path_id: Mapped[uuid.UUID | None] = mapped_column()
    contact_id: Mapped[str] = mapped_column(sa.String(256))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revenue: Mapped[Decimal | None] = mapped_column(sa.Numeric)
    url: Mapped[str | None] = mapped_column(sa.Text)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), server_default=_now)

    # No index by journey and time: nothing reads events that way (figures come from the rollups
    # and the tail), and every acknowledged event paid about 5 µs for it (migration 0011).
    __table_args__ = (
        # A contact's events in a journey, in time order: what enrollments are computed from,
        # and a node's contacts by id. Migration 0009 builds it on `contact_id COLLATE "C"`
        # (ids in byte order, whatever the database's locale); reflection does not report an
        # index column's collation, so the model names the plain column.
        sa.Index(
            "ix_events_contact",
            "workspace_id",
            "journey_id",
            "contact_id",
            "occurred_at",
            postgresql_include=["id", "type", "node_id"],
        ),
    )


class Contact(Base):
    """A dense integer per contact, so the unique-count tables store small ints, not strings."""

    __tablename__ = "contacts"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(sa.String(256, collation="C"), primary_key=True)  # as events.id
    ordinal: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True))


def _counter_columns() -> dict[str, Any]:
    return {
        t.column: mapped_column(sa.BigInteger, server_default="0")
        for t in EventType  # one counter column per event type: a wide row, not a row per type
    }


# The subject of events that name no node (nor path); a journey's own id is its totals.
NO_SUBJECT = uuid.UUID(int=0)


class _Rollup:
    """Event counts per subject and UTC bucket. Every event counts on exactly one subject
    (its path, its node, or NO_SUBJECT) and again on its journey's totals row, whose
    subject_id is the journey's own id: a journey's figures are one row per bucket."""

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    bucket: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    revenue: Mapped[Decimal] = mapped_column(sa.Numeric, server_default="0")
    last_event_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


def _rollup_table(name: str, doc: str) -> type[Base]:
    namespace: dict[str, Any] = {"__tablename__": name, "__doc__": doc, **_counter_columns()}
    return type(name.title().replace("_", ""), (_Rollup, Base), namespace)


# 15-minute buckets: every UTC offset in use today is a multiple of 15 minutes, so any
# local midnight or hour falls on a bucket edge. Days and weeks cover the middle of long windows.
RollupQuarter = _rollup_table("rollup_quarters", "Counts per 15-minute UTC bucket.")
# The edges of a window in such a zone (a partial UTC day) are cut into four-hour blocks from
# midnight, then hours, then quarter-hours: a New York day's 19-hour edge is 3 hours and 4 blocks.
RollupHour = _rollup_table("rollup_hours", "Counts per UTC hour.")
RollupFourHours = _rollup_table("rollup_four_hours", "Counts per four UTC hours, from midnight.")
RollupDay = _rollup_table("rollup_days", "Counts per UTC day.")
# Weeks from Monday 00:00 UTC: a 31-day window sums about 7 rows per subject instead of 31.
RollupWeek = _rollup_table("rollup_weeks", "Counts per UTC week, from Monday.")


class EventTail(Base):
    """Events stored and acknowledged but not yet folded into the rollups and contact sets.

    The ingest path appends here in the same statement as `events`; the folder
    (db/queries/fold.py) moves rows out into the rollups in one transaction, so
    every committed event is in exactly one of the two. Figures read both.
    """

    __tablename__ = "event_tail"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(always=True), primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column()
    subject_id: Mapped[uuid.UUID] = mapped_column()  # its path, else its node, else NO_SUBJECT
    type: Mapped[EventType] = mapped_column(_enum(EventType, "event_type"))
    contact_id: Mapped[str] = mapped_column(sa.String(256))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revenue: Mapped[Decimal | None] = mapped_column(sa.Numeric)
    # the contact's number (contacts.ordinal) on events whose distinct contacts are counted, set
    # when the event is acknowledged: neither the folder nor a query looks it up per event
    ordinal: Mapped[int | None] = mapped_column(sa.BigInteger)
    # the event's id on events that shape runs (db/queries/run_states.py orders a contact's events
    # by it at equal moments, and names runs by it); NULL on the others, and on events queued
    # before it was kept (their contacts' runs are recomputed from their events)
    event_id: Mapped[str | None] = mapped_column(sa.String(128, collation="C"))

    __table_args__ = (
        sa.Index(None, "workspace_id", "journey_id", "occurred_at"),
        sa.CheckConstraint(f"ordinal IS NOT NULL OR type NOT IN {UNIQUE_TYPES}", name="numbered"),
    )


class ContactSet(Base):
    """The distinct contacts (a roaring bitmap of ordinals) with events of one unique-counted kind,
    per subject and UTC bucket of one grain (quarter-hour, hour, four hours, day, week); subject_id =
    journey_id holds the whole journey's. `n` is the bitmap's cardinality."""

    __tablename__ = "contact_sets"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    subject_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    kind: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    grain: Mapped[int] = mapped_column(sa.SmallInteger, primary_key=True)
    bucket: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    n: Mapped[int] = mapped_column(sa.Integer)
    bitmap: Mapped[bytes] = mapped_column(sa.LargeBinary)

    __table_args__ = (
        # A canvas's window, every node and path of the journey: one range per grain and bucket run,
        # not a search per subject and kind (the primary key's order).
        sa.Index(None, "workspace_id", "journey_id", "grain", "bucket", "kind"),
    )


class JourneyFold(Base):
    """When a journey's rollups and contact sets last changed: the fold (or rebuild) transaction that
    last wrote them, by its id (`pg_current_xact_id()`, 64 bits, never reused). A figures statement
    reads it in its own snapshot: while it is unchanged, the stored rows a server process remembers
    for the statement are still the stored rows (db/queries/answers.py)."""

    __tablename__ = "journey_folds"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    folded: Mapped[int] = mapped_column(sa.BigInteger)


# Ids compared byte by byte (ties of `occurredAt` are ordered by event id; lists by contact id).
_C = sa.String(collation="C")


class Enrollment(Base):
    """One run of a contact through a journey (db/queries/enrollments.py computes them from the
    events; the folder keeps them in step with the tail it folds). A run is named by its
    JOURNEY_ENTERED event; `end_id` is the event that ended it."""

    __tablename__ = "enrollments"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(_C, primary_key=True)
    entered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), primary_key=True)
    entry_id: Mapped[str] = mapped_column(_C, primary_key=True)
    status: Mapped[str] = mapped_column(sa.Text)  # ACTIVE, COMPLETED, EXITED
    ended_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_id: Mapped[str | None] = mapped_column(_C)
    # an ended run's node; an ACTIVE run's is its contact's state's (a node entered rewrites the
    # state, not every ACTIVE run), stored only while that state is stale (migration 0019)
    current_node_id: Mapped[uuid.UUID | None] = mapped_column()
    converted: Mapped[bool] = mapped_column(sa.Boolean)
    # lastEventAt is not stored: listing reads it (db/queries/enrollments.py), so only the event
    # types that shape a run rewrite it

    __table_args__ = (
        # newest first, for Journey.enrollments
        sa.Index(
            "ix_enrollments_entered", "workspace_id", "journey_id", "entered_at", "contact_id", "entry_id"
        ),
        # who is waiting where, for Journey.enrollments(nodeId:), of the contacts whose state is
        # stale: any other ACTIVE run's node is its contact's state's (the row carries none)
        sa.Index(
            "ix_enrollments_waiting",
            "workspace_id",
            "journey_id",
            "current_node_id",
            "entered_at",
            "contact_id",
            "entry_id",
            postgresql_where=sa.text("status = 'ACTIVE' AND current_node_id IS NOT NULL"),
        ),
    )


class EnrollmentState(Base):
    """Where a contact's runs through a journey stand after the events folded so far: its last end
    (an end closes every run entered before it) and, of the segment open since, the entries (its
    ACTIVE runs), the latest NODE_ENTERED and the latest GOAL_CONVERTED. With these a fold places
    an event dated after the last end without reading the contact's events
    (db/queries/run_states.py). `stale`: runs stored before states were kept; the next fold of
    the contact recomputes them from its events, and its state with them."""

    __tablename__ = "enrollment_states"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    contact_id: Mapped[str] = mapped_column(_C, primary_key=True)
    end_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    end_id: Mapped[str | None] = mapped_column(_C)
    # the open segment's entries (its ACTIVE runs' entered_at and entry_id), as they were folded
    entry_ats: Mapped[list[datetime]] = mapped_column(
        ARRAY(sa.DateTime(timezone=True)), server_default=sa.text("'{}'")
    )
    entry_ids: Mapped[list[str]] = mapped_column(ARRAY(sa.Text), server_default=sa.text("'{}'"))
    node_id: Mapped[uuid.UUID | None] = mapped_column()
    node_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    node_event: Mapped[str | None] = mapped_column(_C)
    goal_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    goal_event: Mapped[str | None] = mapped_column(_C)
    stale: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # the newest entry of the runs at the latest node (those entered before it), if any
    waiting_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    # a node's waiting runs, listed newest entry first (Journey.enrollments(nodeId:)): its states
    # in the order of their newest waiting entry, each state's other entries being older
    __table_args__ = (
        sa.Index(
            "ix_enrollment_states_waiting",
            "workspace_id",
            "journey_id",
            "node_id",
            "waiting_at",
            "contact_id",
            postgresql_where=sa.text("waiting_at IS NOT NULL"),
        ),
    )


class EnrollmentCount(Base):
    """How many enrollments a journey has per status, and its ACTIVE ones per current node
    (NO_SUBJECT: no node yet, and every run that has ended): kept by the folder with the
    enrollments, so counts and waiting figures read a row per node, not a row per contact."""

    __tablename__ = "enrollment_counts"

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    journey_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    node_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(sa.BigInteger)
