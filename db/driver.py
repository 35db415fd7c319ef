"""The canvas's hot reads, run on the asyncpg connection under a session.

SQLAlchemy stays in charge of the engine, the pool, sessions, transactions and
every write. For the handful of statements a canvas runs on each request
(nodes, paths and their figures), going through its execute path cost more
CPU than the database's answer: about 3.5 ms for 200 node rows against 0.9 ms
for asyncpg alone (statement compilation and caching, parameter and result
processing, event hooks). Those statements are kept as SQL text, turned once
into asyncpg's `$n` form, and run with `fetch`.

Only sessions in autocommit (the loaders' readers, `db.engine.create_reader`)
take the short way, and transactions that have run a statement already
(`begun`): in a transaction SQLAlchemy issues BEGIN with its first statement,
so there that statement goes through `session.execute` as before, with the
same SQL and parameters. The connection is SQLAlchemy's own, so its type
codecs apply (jsonb comes back decoded); uuids come back as asyncpg's UUID, a
subclass of `uuid.UUID` that hashes and compares the same. The engine's
`before_cursor_execute` listeners still hear of every statement, so statement
counts (journeygraph.observability, the tests, the benchmark) stay true.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

DIALECT = PGDialect_asyncpg()
# the connection itself failed, not the statement
BROKEN = (
    OSError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
)
# `:name`, not `::type` (a cast) nor a name's own colon inside a word
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")


class Statement:
    """SQL text with `:name` parameters, and its asyncpg form (`$1`, `$2`, ... by first use)."""

    __slots__ = ("names", "positional", "text")

    def __init__(self, sql: str) -> None:
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in names:
                names.append(name)
            return f"${names.index(name) + 1}"

        self.text = sa.text(sql)
        self.positional = _PARAMETER.sub(number, sql)
        self.names = tuple(names)


async def fetch(
    session: AsyncSession, statement: Statement, params: Mapping[str, Any], begun: bool = False
) -> Sequence[Any]:
    """Every row of `statement` (indexable by position), all at once. `begun`: the caller's
    transaction has run a statement already (so its BEGIN went out), and this one may take the
    short way inside it (the folder's statements, whose rows are a fold's thousands)."""
    connection = await session.connection()
    sync = connection.sync_connection
    assert sync is not None
    if not begun and sync.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
        return (await session.execute(statement.text, params)).all()
    args = [params[n] for n in statement.names]
    # statement counts (journeygraph.observability)
    sync.dispatch.before_cursor_execute(sync, None, statement.positional, tuple(args), None, False)
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    try:
        rows: Sequence[Any] = await driver.fetch(statement.positional, *args)
    except BROKEN:
        # What SQLAlchemy does on a disconnect: the pool drops the connection instead of
        # handing it to the next request.
        await connection.invalidate()
        raise
    return rows


def select_columns(model: Any, where: str, order: str = "") -> Statement:
    """SELECT every column of `model`'s table, in order, from the workspace's rows matching `where`."""
    table = model.__table__
    columns = ", ".join(column.name for column in table.columns)
    return Statement(
        f"SELECT {columns} FROM {table.name} WHERE workspace_id = :workspace_id AND {where} {order}"
    )
