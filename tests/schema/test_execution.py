"""The executor reads plain leaf fields inline and answers exactly as graphql-core does."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import strawberry
from graphql import Undefined
from strawberry.extensions import SchemaExtension

import journeygraph.execution.executable as api
from journeygraph.execution.executor import Executor
from journeygraph.schema.batching import BATCH
from tests.resolvers.test_cost_soundness import objects


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
    odd_int: int = 0  # set to values Int answers only through serialize, or not at all
    odd_float: float = 0.5

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
        odd = [Item(**{**vars(ITEMS[0]), "odd_int": i, "odd_float": f}) for i, f in ODD]
        return [ITEMS[0], broken, bad, *odd]


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


# past 32 bits, a bool where an Int is due, infinity, NaN, an int where a Float is due
ODD = [(2**31, 1.5), (-(2**31) - 1, float("inf")), (True, float("nan")), (2**31 - 1, 3), (-(2**31), -0.0)]
QUERIES = [
    "{ flawed { oddInt } }",
    "{ flawed { oddFloat } }",
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
    assert data["flawed"][:3] == [{"id": "i0", "broken": 0, "bad": 0}, None, None]
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


# Batched fields: `score(bonus)` declares how to answer for a whole list at once.
batch_calls: list[tuple[list[str], dict[str, Any]]] = []
single_calls: list[str] = []


async def scores(info: Any, rows: list[Player], args: dict[str, Any]) -> list[int]:
    batch_calls.append(([row.name for row in rows], args))
    if args["bonus"] < 0:
        raise ValueError("no negative bonus")
    return [row.base + args["bonus"] for row in rows]


@strawberry.type
class Card:
    number: int
    label: str | None
    rank: int  # None on bob's card: a non-null field without a value


def card_of(player: Player) -> Card | None:
    if player.name == "cy":
        return None
    label = None if player.base % 2 else player.name
    return Card(number=player.base, label=label, rank=None if player.name == "bob" else player.base)  # type: ignore[arg-type]


async def cards(info: Any, rows: list[Player], args: dict[str, Any]) -> list[Card | None]:
    batch_calls.append(([row.name for row in rows], args))
    return [card_of(row) for row in rows]


class NoMotto(Exception):
    """Not a builtin: graphql-core's String would serialize it by its str() if it were ever asked to."""


def motto_of(player: Player) -> str | NoMotto:
    return NoMotto("bob has no motto") if player.name == "bob" else f"{player.name} plays"


async def mottos(info: Any, rows: list[Player], args: dict[str, Any]) -> list[str | NoMotto]:
    return [motto_of(row) for row in rows]


SAMPLES: list[Item] = []  # each player's `sample`, in PLAYERS order: set by the test that reads them


async def samples(info: Any, rows: list[Player], args: dict[str, Any]) -> list[Item]:
    return [SAMPLES[PLAYERS.index(row)] for row in rows]


@strawberry.type
class Player:
    name: str
    base: int

    @strawberry.field(metadata={BATCH: samples})
    def sample(self) -> Item:
        return SAMPLES[PLAYERS.index(self)]

    @strawberry.field(metadata={BATCH: cards})
    def card(self) -> Card | None:
        return card_of(self)

    @strawberry.field(metadata={BATCH: cards})
    def badge(self) -> Card:  # cy has none: null where null is not allowed
        return card_of(self)  # type: ignore[return-value]

    @strawberry.field(metadata={BATCH: mottos})
    def motto(self) -> str | None:
        return motto_of(self)  # type: ignore[return-value]

    @strawberry.field(metadata={BATCH: scores})
    async def score(self, bonus: int = 0) -> int:
        single_calls.append(self.name)
        if bonus < 0:
            raise ValueError("no negative bonus")
        return self.base + bonus


PLAYERS = [Player(name="ann", base=1), Player(name="bob", base=2), Player(name="cy", base=3)]


@strawberry.type
class League:
    @strawberry.field
    async def players(self) -> list[Player | None]:
        return [PLAYERS[0], None, PLAYERS[1], PLAYERS[2]]

    @strawberry.field
    def star(self) -> Player:
        return PLAYERS[1]


def league(query: str, variables: dict[str, Any] | None = None, executor: type | None = Executor) -> Any:
    batch_calls.clear()
    single_calls.clear()
    local = strawberry.Schema(query=League, execution_context_class=executor)
    return asyncio.run(local.execute(query, variable_values=variables))


def test_a_batched_field_is_resolved_once_for_the_whole_list() -> None:
    result = league(
        "query ($b: Int!) { players { name score(bonus: $b) plain: score } star { score(bonus: 5) } }",
        {"b": 10},
    )
    assert result.errors is None
    assert result.data["players"] == [
        {"name": "ann", "score": 11, "plain": 1}, None, {"name": "bob", "score": 12, "plain": 2},
        {"name": "cy", "score": 13, "plain": 3},
    ]  # fmt: skip
    assert result.data["star"] == {"score": 7}
    # one call per alias for the list, the null item left out; a field outside a list resolves on its own
    assert sorted(batch_calls, key=str) == [
        (["ann", "bob", "cy"], {"bonus": 0}),
        (["ann", "bob", "cy"], {"bonus": 10}),
    ]
    assert single_calls == ["bob"]


def test_a_failing_batch_leaves_each_item_to_report_its_own_error() -> None:
    result = league("{ players { name score(bonus: -1) } }")
    assert len(batch_calls) == 1
    assert sorted(single_calls) == ["ann", "bob", "cy"]
    assert result.data == {"players": [None, None, None, None]}
    assert sorted(str(e.path) for e in result.errors) == [
        "['players', 0, 'score']", "['players', 2, 'score']", "['players', 3, 'score']"
    ]  # fmt: skip
    assert {e.message for e in result.errors} == {"no negative bonus"}


CARD_QUERIES = [
    "{ players { name card { number label } } }",
    "{ players { name card { number rank } } }",  # bob's card becomes null, with an error
    "{ players { card { __typename number } } }",
    "{ players { name badge { number } } }",  # cy becomes null: a null badge where null is not allowed
    "{ star { card { number label } badge { label } } }",
    "{ players { name score(bonus: 1) card { number label } } }",  # a batched scalar beside a batched object
    "{ players { score(bonus: -1) card { number } } }",  # the scalar's batch fails: each item reports it
    "{ players { name motto } }",  # one batched answer is an error: bob's motto is null, with the error
]


def test_batched_objects_of_plain_leaves_answer_as_graphql_core() -> None:
    for query in CARD_QUERIES:
        assert answer(league(query)) == answer(league(query, executor=None)), query
    data, errors = answer(league("{ players { name card { number rank } } }"))
    assert data["players"][2] == {"name": "bob", "card": None}
    assert [path for _, path in errors] == [["players", 2, "card", "rank"]]


def test_batched_objects_of_every_kind_of_leaf_answer_as_graphql_core() -> None:
    """A batched object's leaves are completed by code compiled per selection set: ints past
    32 bits, a bool where an Int is due, infinities, ints where a Float is due, enums, dates,
    decimals, nulls where they are allowed and where they are not, values that do not serialize."""
    leaves = "id count maybe colour when money oddInt oddFloat"
    for odd_int, odd_float in ODD:
        SAMPLES[:] = [
            Item(**{**vars(ITEMS[0]), "odd_int": odd_int, "odd_float": odd_float}),
            Item(**{**vars(ITEMS[1]), "broken": None}),  # type: ignore[arg-type]
            Item(**{**vars(ITEMS[2]), "bad": "x"}),  # type: ignore[arg-type]
        ]
        for selection in (leaves, f"{leaves} broken", f"{leaves} bad", "again: count count"):
            query = f"{{ players {{ name sample {{ {selection} }} }} }}"
            assert answer(league(query)) == answer(league(query, executor=None)), (odd_int, odd_float, query)
    # the last values all serialize: every object is completed inline, none by graphql-core
    CountingObjects.calls = 0
    result = league(f"{{ players {{ sample {{ {leaves} }} }} }}", executor=CountingObjects)
    assert result.data["players"][0]["sample"]["oddFloat"] == 0.0
    assert result.data["players"][0]["sample"]["colour"] == "BLUE"
    assert CountingObjects.calls == 0


class CountingObjects(Executor):
    """Counts the objects completed through graphql-core's per-object machinery."""

    calls = 0

    def complete_object_value(self, *args: Any, **kwargs: Any) -> Any:
        CountingObjects.calls += 1
        return super().complete_object_value(*args, **kwargs)


def test_batched_objects_of_plain_leaves_skip_the_per_object_machinery() -> None:
    CountingObjects.calls = 0
    result = league("{ players { card { number label } } }", executor=CountingObjects)
    assert result.errors is None
    assert result.data["players"] == [
        {"card": {"number": 1, "label": None}}, None, {"card": {"number": 2, "label": "bob"}}, {"card": None}
    ]  # fmt: skip
    # the players (a list whose selections are all batched or plain leaves) and their cards
    # (two objects, one null) are all completed inline
    assert CountingObjects.calls == 0


class Objects(Executor):
    """Keeps the objects the executor counted; `whole_lists=False` turns list completion inline off."""

    whole_lists = True
    counted = -1

    def _flat_items(self, *args: Any) -> Any:
        return super()._flat_items(*args) if self.whole_lists else Undefined

    def build_response(self, data: Any) -> Any:
        Objects.counted = self._objects
        return super().build_response(data)


class ObjectsItemByItem(Objects):
    whole_lists = False


def test_a_list_one_item_of_which_cannot_complete_inline_is_completed_whole_by_graphql_core() -> None:
    query = "{ players { name badge { number } } }"  # cy's badge is null where null is not allowed
    CountingObjects.calls = 0
    assert answer(league(query, executor=CountingObjects)) == answer(league(query, executor=None))
    assert CountingObjects.calls == 3  # ann, bob and cy: the list went back to graphql-core
    league(query, executor=ObjectsItemByItem)
    item_by_item = Objects.counted
    league(query, executor=Objects)
    # what the inline attempt counted before it gave up is not counted twice
    assert Objects.counted == item_by_item


def test_objects_completed_inline_are_counted_once() -> None:
    result = league("{ players { name score card { number } } star { card { label } } }", executor=Objects)
    assert result.errors is None
    assert Objects.counted == objects(result.data) - 1  # the root apart
