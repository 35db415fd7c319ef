"""The rows the API answers with, as plain typed records: one per GraphQL object type
that a table backs (Workspace, Journey, Node, Path).

Reads return records, not ORM instances: a record reads like its model (`row.id`,
`row.type`, the same values), costs about half the CPU to build, and nothing changes it
through a session. Writes that answer with a row (a mutation's journey) turn it into the
same record with `record_of`, so a GraphQL type always has one shape behind it. Each
record's fields are its table's columns in order; `reader` checks that when it is built.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from journeygraph.db.driver import DIALECT
from journeygraph.db.enums import Channel, JourneyStatus, NodeType

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


@dataclass(slots=True)
class JourneyRecord:
    workspace_id: uuid.UUID
    id: uuid.UUID
    name: str
    description: str | None
    status: JourneyStatus
    goal: dict[str, Any] | None
    version: int
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None


@dataclass(slots=True)
class NodeRecord:
    workspace_id: uuid.UUID
    id: uuid.UUID
    journey_id: uuid.UUID
    type: NodeType
    name: str | None
    channel: Channel | None
    config: dict[str, Any]
    position_x: float | None
    position_y: float | None
    ordinal: int
    created_at: datetime
    removed_at: datetime | None


@dataclass(slots=True)
class PathRecord:
    workspace_id: uuid.UUID
    id: uuid.UUID
    journey_id: uuid.UUID
    source_node_id: uuid.UUID
    target_node_id: uuid.UUID
    label: str | None
    index: int
    ordinal: int
    created_at: datetime
    removed_at: datetime | None


@dataclass(slots=True)
class WorkspaceRecord:
    id: uuid.UUID
    name: str
    time_zone: str
    currency: str
    created_at: datetime


def _columns(model: Any, record: type[Any]) -> list[Any]:
    columns = list(model.__table__.columns)
    names = [field.name for field in fields(record)]
    if [column.key for column in columns] != names:
        raise TypeError(f"{record.__name__} fields {names} are not {model.__name__}'s columns")
    return columns


def reader(model: Any, record: type[R]) -> Callable[[Sequence[Any]], R]:
    """Turns a row whose leading values are `model`'s columns, in order, into a `record`,
    with the values SQLAlchemy would give (its enums as enum members; what asyncpg already
    answers as SQLAlchemy would is left alone). Values after the model's columns are ignored."""
    columns = _columns(model, record)
    width = len(columns)
    processors = [
        (i, processor)
        for i, column in enumerate(columns)
        if (processor := column.type.result_processor(DIALECT, None)) is not None
    ]

    def read(row: Sequence[Any]) -> R:
        values = list(row[:width])
        for i, processor in processors:
            values[i] = processor(values[i])
        return record(*values)

    return read


def record_of(row: Any, record: type[R]) -> R:
    """An ORM instance (or any object with the record's attributes) as that record."""
    return record(*(getattr(row, field.name) for field in fields(record)))
