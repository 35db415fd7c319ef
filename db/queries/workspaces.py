"""Workspaces and API keys."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from typing import TYPE_CHECKING

import sqlalchemy as sa

from journeygraph.db.driver import Statement, fetch
from journeygraph.db.models import ApiKey, Workspace
from journeygraph.db.records import WorkspaceRecord, reader

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

KEY_PREFIX = "jg_"


def hash_key(key: str) -> str:
    """sha256 of an API key. Keys carry 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()


def key_workspace(key: str) -> uuid.UUID | None:
    """The workspace id written into a key (`jg_<workspace hex>_<secret>`), or None if malformed."""
    if not key.startswith(KEY_PREFIX):
        return None
    workspace_hex, _, secret = key[len(KEY_PREFIX) :].partition("_")
    if not secret:
        return None
    try:
        return uuid.UUID(hex=workspace_hex)
    except ValueError:
        return None


async def create_workspace(
    session: AsyncSession, name: str, time_zone: str = "UTC", currency: str = "USD"
) -> Workspace:
    """Insert a workspace and return it."""
    workspace = Workspace(id=uuid.uuid4(), name=name, time_zone=time_zone, currency=currency)
    session.add(workspace)
    await session.flush()
    await session.refresh(workspace)
    return workspace


async def get_workspace(session: AsyncSession, workspace_id: uuid.UUID) -> Workspace | None:
    """The workspace with this id, or None."""
    return await session.get(Workspace, workspace_id)


async def create_api_key(session: AsyncSession, workspace_id: uuid.UUID, scopes: list[str]) -> str:
    """Store a new key's hash and return the key itself: the only time it is ever seen."""
    key = f"{KEY_PREFIX}{workspace_id.hex}_{secrets.token_urlsafe(32)}"
    session.add(ApiKey(workspace_id=workspace_id, id=uuid.uuid4(), key_hash=hash_key(key), scopes=scopes))
    await session.flush()
    return key


_WORKSPACE = reader(Workspace, WorkspaceRecord)
_FOR_KEY = Statement(
    f"""
    SELECT {", ".join("w." + c.name for c in Workspace.__table__.columns)}, k.scopes
    FROM api_keys k JOIN workspaces w ON w.id = k.workspace_id
    WHERE k.workspace_id = :workspace_id AND k.key_hash = :key_hash AND k.revoked_at IS NULL
    """
)


async def workspace_for_key(session: AsyncSession, key: str) -> tuple[WorkspaceRecord, list[str]] | None:
    """The workspace (a record, see db.records) and scopes of a live API key, or None when
    the key is unknown or revoked."""
    workspace_id = key_workspace(key)
    if workspace_id is None:
        return None
    rows = await fetch(session, _FOR_KEY, {"workspace_id": workspace_id, "key_hash": hash_key(key)})
    if not rows:
        return None
    return _WORKSPACE(rows[0]), list(rows[0][-1])  # scopes come last


async def any_workspace(session: AsyncSession) -> bool:
    """Whether the database holds any workspace at all."""
    return (await session.scalar(sa.select(Workspace.id).limit(1))) is not None
