"""SQLAlchemy models. Every table carries `workspace_id` as the leading column
of its primary key and of every index, so the data can be distributed by
workspace (Citus) when one server is outgrown.

There are no ORM relationships on purpose: related rows are fetched by the
per-request loaders in batches, never lazily.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from db.enums import Channel, JourneyStatus, NodeType

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
