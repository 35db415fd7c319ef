"""The executor reads plain leaf fields inline and answers exactly as graphql-core does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from strawberry.extensions import SchemaExtension

import schema as api
from schema.execution import Executor


@strawberry.enum
class Colour(Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    id: strawberry.ID
    count: int
    maybe: int | None
    colour: Colour
    when: datetime
    money: Decimal
    broken: int  # None in some items: a non-null field without a value
    bad: int  # a string in some items: cannot be serialized as Int

    @strawberry.field
    def doubled(self) -> int:
        return self.count * 2


ITEMS = [
    Item(id=strawberry.ID(f"i{n}"), count=n, maybe=None if n % 2 else n, colour=Colour.RED if n % 2 else Colour.BLUE,
         when=datetime(2026, 1, 1 + n, tzinfo=UTC), money=Decimal(f"{n}.25"), broken=n, bad=n)
    for n in range(3)
]  # fmt: skip


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return ITEMS

    @strawberry.field
    def flawed(self) -> list[Item | None]:
        broken = Item(**{**vars(ITEMS[1]), "broken": None})
        bad = Item(**{**vars(ITEMS[2]), "bad": "x"})
        return [ITEMS[0], broken, bad]


class Counting(Executor):
    """Counts the fields that went through graphql-core's per-field machinery."""

    calls = 0

    def execute_field(self, *args: Any, **kwargs: Any) -> Any:
        Counting.calls += 1
        return super().execute_field(*args, **kwargs)


def run(executor: type | None, query: str, extensions: list | None = None) -> Any:
    local = strawberry.Schema(query=Query, execution_context_class=executor, extensions=extensions or [])
    return asyncio.run(local.execute(query))


def answer(result: Any) -> tuple[Any, list[tuple[str, list[Any] | None]]]:
    return result.data, [(e.message, e.path) for e in result.errors or []]


QUERIES = [
    "{ items { __typename id count maybe colour when money doubled again: count skipped: count @skip(if: true) } }",
    "{ items { id ... on Item { count colour } ...more } } fragment more on Item { maybe money count }",
    "{ flawed { id broken } }",  # null where null is not allowed: the item becomes null, with an error
    "{ flawed { id bad } }",  # a value that is not an Int: an error at its path
    "{ flawed { id maybe broken bad } }",
]


def test_answers_and_errors_are_graphql_cores() -> None:
    for query in QUERIES:
        ours, theirs = run(Executor, query), run(None, query)
        assert answer(ours) == answer(theirs), query
    # and the flawed cases do fail as they should
    data, errors = answer(run(Executor, "{ flawed { id broken bad } }"))
    assert data == {"flawed": [{"id": "i0", "broken": 0, "bad": 0}, None, None]}
    assert [path for _, path in errors] == [["flawed", 1, "broken"], ["flawed", 2, "bad"]]
    assert "Int cannot represent non-integer value: 'x'" in errors[1][0]


def test_plain_leaves_skip_the_per_field_machinery() -> None:
    Counting.calls = 0
    result = run(Counting, "{ items { id count maybe colour when money doubled } }")
    assert result.errors is None
    assert result.data["items"][1] == {
        "id": "i1", "count": 1, "maybe": None, "colour": "RED", "when": "2026-01-02T00:00:00+00:00",
        "money": "1.25", "doubled": 2,
    }  # fmt: skip
    # `items` and each item's `doubled` (a resolver); the 6 plain leaves of 3 items are read inline
    assert Counting.calls == 1 + 3


def test_an_extension_resolving_fields_still_sees_every_field() -> None:
    seen: list[str] = []

    class Watch(SchemaExtension):
        def resolve(self, _next: Any, root: Any, info: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append(info.field_name)
            return _next(root, info, *args, **kwargs)

    result = run(Executor, "{ items { id count } }", extensions=[Watch])
    assert result.errors is None
    assert sorted(seen) == sorted(["items"] + ["id", "count"] * 3)


def test_the_api_runs_on_this_executor() -> None:
    assert api.schema.execution_context_class is Executor
