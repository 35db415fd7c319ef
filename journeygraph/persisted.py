"""Automatic persisted queries (Apollo's `persistedQuery` extension, version 1).

A client sends `extensions: {"persistedQuery": {"version": 1, "sha256Hash": H}}`
without the query; if H is unknown for its workspace the answer is the error
`PERSISTED_QUERY_NOT_FOUND` (message `PersistedQueryNotFound`, as Apollo
clients expect), and the client sends the query with the hash once, which
registers it. From then on the hash alone runs it — over GET too, where the
answer is cacheable (see `journeygraph.graphql_view`).

Documents are kept in PostgreSQL per workspace (so every replica knows them)
with a bounded in-process cache in front.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from graphql import GraphQLSyntaxError, parse

from journeygraph.core.errors import ErrorCode
from journeygraph.db.queries.persisted import find_query, register_query

if TYPE_CHECKING:
    import uuid

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
    from strawberry.http import GraphQLRequestData

CACHED = 1000


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; `code` goes to `extensions.code`."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code


class PersistedQueries:
    """Looks up and registers documents by hash, remembering the latest `CACHED` of them."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], max_tokens: int) -> None:
        self.sessions = sessions
        self.max_tokens = max_tokens
        self._cache: OrderedDict[tuple[uuid.UUID, str], str] = OrderedDict()

    def _remember(self, key: tuple[uuid.UUID, str], query: str) -> None:
        self._cache[key] = query
        self._cache.move_to_end(key)
        while len(self._cache) > CACHED:
            self._cache.popitem(last=False)

    async def resolve(self, workspace_id: uuid.UUID, data: GraphQLRequestData) -> GraphQLRequestData:
        """The request with its query filled in from (or registered under) its hash."""
        extension = (data.extensions or {}).get("persistedQuery")
        if extension is None:
            return data
        sha256 = _hash_of(extension)
        key = (workspace_id, sha256)
        if data.query is not None:
            if hashlib.sha256(data.query.encode()).hexdigest() != sha256:
                raise PersistedQueryError(
                    ErrorCode.BAD_USER_INPUT, "provided sha256Hash does not match the query"
                )
            if key not in self._cache:
                try:
                    parse(data.query, max_tokens=self.max_tokens)  # only documents that could run
                except GraphQLSyntaxError:
                    return data  # runs (and fails) as it is, unregistered
                async with self.sessions.begin() as session:
                    await register_query(session, workspace_id, sha256, data.query)
                self._remember(key, data.query)
            return data
        query = self._cache.get(key)
        if query is None:
            async with self.sessions() as session:
                query = await find_query(session, workspace_id, sha256)
            if query is None:
                raise PersistedQueryError(ErrorCode.PERSISTED_QUERY_NOT_FOUND, "PersistedQueryNotFound")
            self._remember(key, query)
        return replace(data, query=query)


def _hash_of(extension: Any) -> str:
    if not isinstance(extension, dict) or extension.get("version") != 1:
        raise PersistedQueryError(ErrorCode.BAD_USER_INPUT, "persistedQuery: only version 1 is supported")
    sha256 = extension.get("sha256Hash")
    if not isinstance(sha256, str) or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise PersistedQueryError(
            ErrorCode.BAD_USER_INPUT, "persistedQuery.sha256Hash must be 64 lowercase hex digits"
        )
    return sha256


def is_persisted(extensions: Any) -> bool:
    return isinstance(extensions, dict) and "persistedQuery" in extensions
