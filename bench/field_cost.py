"""What graphql-core and strawberry spend per field, apart from any SQL.

    python -m bench.field_cost

Executes a canvas-shaped query (500 objects, each with an id and a figures object of
4 scalars) against an in-memory strawberry schema, with the figures field sync and
async, on graphql-core's own executor and on journeygraph's (journeygraph/execution/executor.py, which
reads plain leaf fields inline), and prints the median time per request and per field.
docs/performance.md uses it to show the floor of the canvas query on this machine.
"""

from __future__ import annotations

import asyncio
import statistics
import time

import strawberry

from journeygraph.execution.executor import Executor

OBJECTS = 500


@strawberry.type
class Figures:
    a: int
    b: int
    c: int
    d: int


@strawberry.type
class Item:
    id: int

    @strawberry.field
    async def figures_async(self) -> Figures:
        return Figures(a=1, b=2, c=3, d=4)

    @strawberry.field
    def figures_sync(self) -> Figures:
        return Figures(a=1, b=2, c=3, d=4)


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return [Item(id=i) for i in range(OBJECTS)]


async def main() -> None:
    fields = OBJECTS * (1 + 1 + 4)  # id, the figures object, its 4 scalars
    executors = {"graphql-core": None, "journeygraph": Executor}
    for (label, executor), name in (
        (e, n) for e in executors.items() for n in ("figuresSync", "figuresAsync")
    ):
        schema = strawberry.Schema(query=Query, execution_context_class=executor)
        query = f"{{ items {{ id {name} {{ a b c d }} }} }}"
        times = []
        for _ in range(40):
            started = time.perf_counter()
            result = await schema.execute(query)
            times.append(time.perf_counter() - started)
            assert result.errors is None
        median = statistics.median(times[10:])
        print(
            f"{label} executor, {name}: {median * 1000:.1f} ms per request, {median / fields * 1e6:.1f} µs per field"
        )


if __name__ == "__main__":
    asyncio.run(main())
