"""Who is calling and what they may do: shared by authentication (journeygraph.auth), the
schema's permission classes and every resolver's context."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import uuid


class Scope(enum.StrEnum):
    """What a credential may do: `read` queries, `write` journey mutations, `ingest` events."""

    READ = "read"
    WRITE = "write"
    INGEST = "ingest"


class Tenant(Protocol):
    """The workspace a credential belongs to, as far as a request needs it (the stored row
    of journeygraph.db.models.Workspace is one)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def time_zone(self) -> str: ...

    @property
    def currency(self) -> str: ...


@dataclass(frozen=True)
class Principal:
    """Who is calling: the workspace their credential belongs to and what it may do."""

    workspace: Tenant
    scopes: frozenset[Scope]
    credential: str  # a stable, non-secret name of the credential (for logs and rate limits)

    @property
    def workspace_id(self) -> uuid.UUID:
        return self.workspace.id
