"""The `performance` and `timeSeries` fields that journeys, nodes and paths all have."""

# No `from __future__ import annotations` here: these factories build resolvers whose
# return types are their arguments, which strawberry must see as objects, not strings.
import datetime as dt
from typing import Any, cast

import strawberry
from graphql import GraphQLObjectType, GraphQLResolveInfo, get_named_type
from graphql.execution.values import VariableValues, get_argument_values

from journeygraph.resolvers import performance as figures
from journeygraph.resolvers.context import Context
from journeygraph.resolvers.performance import Kind
from journeygraph.schema.batching import BATCH
from journeygraph.schema.enums import Granularity
from journeygraph.schema.selection import fields_below, names_below, selected, selected_below

PERFORMANCE = "Figures over [start of startDate, start of the day after endDate) in timeZone (default: the workspace's)."
SERIES = "Consecutive points covering the window, each with the same figures over its own [start, end)."


def performance_field(result: Any, kind: Kind) -> Any:
    """`performance(startDate, endDate, timeZone)` of a `kind` of row, answering `result`."""

    async def performance(
        root: strawberry.Parent[Any],
        info: strawberry.Info[Context, None],
        start_date: dt.date,
        end_date: dt.date,
        time_zone: str | None = None,
    ) -> result:
        return await figures.performance(
            info.context, root, kind, start_date, end_date, time_zone, selected(info)
        )

    async def many(raw: GraphQLResolveInfo[Any], rows: list[Any], args: dict[str, Any]) -> list[Any]:
        # the same field on every row of a list (a canvas's nodes): one await for all of them
        return await figures.performances(
            raw.context,
            rows,
            kind,
            args["startDate"],
            args["endDate"],
            args.get("timeZone"),
            selected_below(raw),
        )

    return strawberry.field(resolver=performance, description=PERFORMANCE, metadata={BATCH: many})


def time_series_field(point: Any, kind: Kind) -> Any:
    """`timeSeries(startDate, endDate, granularity, timeZone)` of a `kind` of row, answering a list of `point`."""

    async def time_series(
        root: strawberry.Parent[Any],
        info: strawberry.Info[Context, None],
        start_date: dt.date,
        end_date: dt.date,
        granularity: Granularity = Granularity.DAY,
        time_zone: str | None = None,
    ) -> list[point]:
        wanted = selected(info, "performance")
        return await figures.time_series(
            info.context, root, kind, start_date, end_date, granularity, time_zone, wanted
        )

    return strawberry.field(resolver=time_series, description=SERIES)


def prefetch_figures(info: strawberry.Info[Context, None], journey: Any, kind: Kind) -> None:
    """Before a journey's nodes (or paths) are loaded, ask for the figures their `performance`
    fields will want, so those statements run while the rows are read. Arguments that do not
    coerce are left for the field itself to report."""
    raw = info._raw_info
    item = get_named_type(raw.return_type)
    assert isinstance(item, GraphQLObjectType)
    # strawberry's resolve info holds the variables' coerced values alone, a dict
    variables = VariableValues({}, cast("dict[str, Any]", raw.variable_values))
    for field in fields_below(raw, "performance"):
        try:
            args = get_argument_values(item.fields["performance"], field, variables)
        except Exception:  # the field reports it when it runs
            continue
        figures.prefetch(
            info.context,
            journey,
            kind,
            args["startDate"],
            args["endDate"],
            args.get("timeZone"),
            names_below(field, raw),
        )
