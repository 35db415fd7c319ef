"""Performance types: one field per metric of resolvers/metrics.py, made from that list.

Their values are computed there and read here as plain attributes: a canvas
has thousands of these fields, so none awaits anything. A metric is nullable
when it is a ratio (null over 0), a last time (null without events), or, on
nodes, one that applies to some node types only (null on the others).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import strawberry

from journeygraph.resolvers.metrics import BY_LEVEL, Level


def _performance_type(level: Level, name: str, description: str) -> Any:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {}
    for metric in BY_LEVEL[level]:
        nullable = metric.nullable or metric.node_types is not None
        annotations[metric.name] = metric.value | None if nullable else metric.value
        namespace[metric.name] = strawberry.field(description=metric.description)
    return strawberry.type(
        type(name, (), {"__annotations__": annotations, **namespace, "__module__": __name__}),
        description=description,
    )


if TYPE_CHECKING:  # made at run time from the list; to the type checker, the figures they read
    from typing import TypeAlias

    from journeygraph.resolvers.metrics import Figures

    JourneyPerformance: TypeAlias = Figures
    NodePerformance: TypeAlias = Figures
    PathPerformance: TypeAlias = Figures
else:
    JourneyPerformance = _performance_type(
        "journey", "JourneyPerformance", "A journey's figures over a window; removed nodes' events included."
    )
    NodePerformance = _performance_type(
        "node",
        "NodePerformance",
        "A node's figures over a window: events whose nodeId is the node. Message metrics are null "
        "unless the node is a MESSAGE node, webhook ones unless it is a WEBHOOK node.",
    )
    PathPerformance = _performance_type("path", "PathPerformance", "A path's figures over a window.")


@strawberry.type
class JourneyPerformancePoint:
    start: datetime
    end: datetime
    performance: JourneyPerformance


@strawberry.type
class NodePerformancePoint:
    start: datetime
    end: datetime
    performance: NodePerformance


@strawberry.type
class PathPerformancePoint:
    start: datetime
    end: datetime
    performance: PathPerformance
