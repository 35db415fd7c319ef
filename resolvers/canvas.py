"""Checking a canvas sent by an editor and turning it into rows to write.

Pure functions: they read the request and the journey's existing rows and
return either problems (nothing is written) or the rows of the new canvas.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from strawberry import UNSET

from journeygraph.core.errors import Problem, UserErrorCode
from journeygraph.db.enums import Channel, NodeType
from journeygraph.resolvers.ids import parse_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

MAX_NAME = 200
MAX_KEY = 100
MAX_LABEL = 200


class PositionLike(Protocol):
    x: float
    y: float


class NodeSpec(Protocol):
    id: Any
    key: str | None
    type: NodeType
    name: str | None
    channel: Channel | None
    config: Any
    position: PositionLike | None


class PathSpec(Protocol):
    id: Any
    source: str
    target: str
    label: str | None
    index: int | None


@dataclass
class CanvasPlan:
    """The rows of a checked canvas, or the problems that stop it."""

    nodes: list[dict[str, Any]] = field(default_factory=list)
    paths: list[dict[str, Any]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, message: str, *where: str | int) -> None:
        self.problems.append(Problem(message, UserErrorCode.INVALID, [str(part) for part in where]))


def _optional(value: Any) -> Any:
    """None for an omitted input (strawberry's UNSET) as for an explicit null."""
    return None if value is None or value is UNSET else value


def plan_canvas(
    nodes: Sequence[NodeSpec],
    paths: Sequence[PathSpec],
    existing_node_ids: Iterable[uuid.UUID],
    existing_path_ids: Iterable[uuid.UUID],
    max_nodes: int,
    max_paths: int,
) -> CanvasPlan:
    """Check a whole canvas against the journey's existing node and path ids."""
    plan = CanvasPlan()
    if len(nodes) > max_nodes:
        plan.problem(f"a canvas holds at most {max_nodes} nodes, got {len(nodes)}", "nodes")
    if len(paths) > max_paths:
        plan.problem(f"a canvas holds at most {max_paths} paths, got {len(paths)}", "paths")
    if plan.problems:
        return plan
    refs = _plan_nodes(plan, nodes, set(existing_node_ids))
    _plan_paths(plan, paths, refs, set(existing_path_ids))
    if plan.problems:
        plan.nodes, plan.paths = [], []
    return plan


def _kept_id(
    plan: CanvasPlan, raw: Any, existing: set[uuid.UUID], seen: set[uuid.UUID], what: str, i: int
) -> uuid.UUID:
    """The id an input keeps (checked against this journey's rows), or a fresh one."""
    raw = _optional(raw)
    if raw is None:
        return uuid.uuid4()
    parsed = parse_id(str(raw))
    if parsed is None or parsed not in existing:
        # Another journey's or another workspace's id reads exactly like an unknown one.
        plan.problem(f"{what} id {raw!r} is not a {what} of this journey", f"{what}s", i, "id")
    elif parsed in seen:
        plan.problem(f"{what} id {raw!r} appears more than once", f"{what}s", i, "id")
    else:
        seen.add(parsed)
        return parsed
    return uuid.uuid4()


def _plan_nodes(
    plan: CanvasPlan, nodes: Sequence[NodeSpec], existing: set[uuid.UUID]
) -> dict[str, uuid.UUID]:
    """Check nodes and collect their rows; return every way a path may name them (key or id)."""
    by_key: dict[str, uuid.UUID] = {}
    by_id: dict[str, uuid.UUID] = {}
    seen: set[uuid.UUID] = set()
    for i, node in enumerate(nodes):
        node_id = _kept_id(plan, node.id, existing, seen, "node", i)
        by_id[str(node_id)] = node_id
        key = _optional(node.key)
        if key is not None:
            if not key or len(key) > MAX_KEY:
                plan.problem(f"key must be 1 to {MAX_KEY} characters, got {len(key)}", "nodes", i, "key")
            elif key in by_key:
                plan.problem(f"key {key!r} is used by more than one node", "nodes", i, "key")
            else:
                by_key[key] = node_id
        name = _optional(node.name)
        if name is not None and len(name) > MAX_NAME:
            plan.problem(f"name must be at most {MAX_NAME} characters, got {len(name)}", "nodes", i, "name")
        channel = _optional(node.channel)
        if node.type == NodeType.MESSAGE and channel is None:
            plan.problem("a MESSAGE node needs a channel", "nodes", i, "channel")
        if node.type != NodeType.MESSAGE and channel is not None:
            plan.problem(
                f"only MESSAGE nodes have a channel, this node is {node.type.value}", "nodes", i, "channel"
            )
        config = _optional(node.config)
        if config is not None and not isinstance(config, dict):
            plan.problem(f"config must be a JSON object, got {type(config).__name__}", "nodes", i, "config")
        position = _optional(node.position)
        plan.nodes.append(
            {
                "id": node_id,
                "type": node.type,
                "name": name,
                "channel": channel,
                "config": config if isinstance(config, dict) else {},
                "position_x": position.x if position is not None else None,
                "position_y": position.y if position is not None else None,
                "ordinal": i,
            }
        )
    # A key wins over an id when both could match: keys are what this request chose.
    return {**by_id, **by_key}


def _plan_paths(
    plan: CanvasPlan, paths: Sequence[PathSpec], refs: dict[str, uuid.UUID], existing: set[uuid.UUID]
) -> None:
    seen: set[uuid.UUID] = set()
    used: dict[uuid.UUID, set[int]] = {}
    pending: list[dict[str, Any]] = []
    for i, path in enumerate(paths):
        path_id = _kept_id(plan, path.id, existing, seen, "path", i)
        ends: dict[str, uuid.UUID] = {}
        for end in ("source", "target"):
            ref = getattr(path, end)
            if ref in refs:
                ends[end] = refs[ref]
            else:
                plan.problem(
                    f"{end} {ref!r} is neither a key nor the id of a node in this canvas", "paths", i, end
                )
        if len(ends) == 2 and ends["source"] == ends["target"]:
            plan.problem("a path cannot lead from a node to itself", "paths", i, "target")
        label = _optional(path.label)
        if label is not None and len(label) > MAX_LABEL:
            plan.problem(
                f"label must be at most {MAX_LABEL} characters, got {len(label)}", "paths", i, "label"
            )
        index = _optional(path.index)
        source = ends.get("source")
        if index is not None and source is not None:
            if index < 0:
                plan.problem(f"index must be 0 or more, got {index}", "paths", i, "index")
            elif index in used.setdefault(source, set()):
                plan.problem(f"index {index} is used by another path from the same node", "paths", i, "index")
            else:
                used[source].add(index)
        pending.append(
            {
                "id": path_id,
                "source_node_id": source,
                "target_node_id": ends.get("target"),
                "label": label,
                "index": index,
                "ordinal": i,
            }
        )
    # Paths without an index take the lowest free one of their source, in request order.
    for row in pending:
        if row["index"] is None and row["source_node_id"] is not None:
            taken = used.setdefault(row["source_node_id"], set())
            free = next(n for n in range(len(taken) + 1) if n not in taken)
            row["index"] = free
            taken.add(free)
    plan.paths = pending
