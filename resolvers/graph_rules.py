"""What makes a journey publishable, and which status moves are allowed."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from journeygraph.core.errors import Problem, UserErrorCode
from journeygraph.db.enums import JourneyStatus, NodeType

if TYPE_CHECKING:
    import uuid
    from collections.abc import Iterable

S = JourneyStatus

# mutation name -> (statuses it starts from, status it ends in)
TRANSITIONS: dict[str, tuple[frozenset[JourneyStatus], JourneyStatus]] = {
    "publishJourney": (frozenset({S.DRAFT, S.PAUSED}), S.PUBLISHED),
    "pauseJourney": (frozenset({S.PUBLISHED}), S.PAUSED),
    "unpublishJourney": (frozenset({S.PUBLISHED, S.PAUSED}), S.DRAFT),
    "archiveJourney": (frozenset({S.DRAFT, S.PUBLISHED, S.PAUSED}), S.ARCHIVED),
    "restoreJourney": (frozenset({S.ARCHIVED}), S.DRAFT),
}


def transition_problem(mutation: str, current: JourneyStatus) -> Problem | None:
    """Why `mutation` may not move a journey that is `current`, or None when it may."""
    sources, target = TRANSITIONS[mutation]
    if current in sources:
        return None
    allowed = " or ".join(sorted(s.value for s in sources))
    return Problem(
        f"{mutation} moves a {allowed} journey to {target.value}; this journey is {current.value}",
        UserErrorCode.INVALID_TRANSITION,
        ["id"],
    )


def graph_problems(
    nodes: Iterable[tuple[uuid.UUID, NodeType]], paths: Iterable[tuple[uuid.UUID, uuid.UUID, uuid.UUID]]
) -> list[Problem]:
    """Publishing needs a TRIGGER, no path into a TRIGGER, and every other node reachable from one.

    `nodes` are (id, type) pairs; `paths` are (id, source id, target id) triples. A problem's
    field is its node's or path's position, `["nodes", "3"]`: the input path when they are a
    mutation's `nodes` and `paths` in the order sent.
    """
    problems: list[Problem] = []
    nodes = list(nodes)
    paths = list(paths)
    triggers = {node_id for node_id, node_type in nodes if node_type == NodeType.TRIGGER}
    if not triggers:
        problems.append(
            Problem("a journey needs at least one TRIGGER node", UserErrorCode.GRAPH_INVALID, ["nodes"])
        )
    outgoing: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for position, (path_id, source, target) in enumerate(paths):
        outgoing[source].append(target)
        if target in triggers:
            problems.append(
                Problem(
                    f"path {path_id} leads into TRIGGER node {target}",
                    UserErrorCode.GRAPH_INVALID,
                    ["paths", str(position)],
                )
            )
    reached = set(triggers)
    frontier = list(triggers)
    while frontier:
        for target in outgoing[frontier.pop()]:
            if target not in reached:
                reached.add(target)
                frontier.append(target)
    for position, (node_id, node_type) in enumerate(nodes):
        if node_id not in reached:
            problems.append(
                Problem(
                    f"node {node_id} ({node_type.value}) cannot be reached from a TRIGGER",
                    UserErrorCode.GRAPH_INVALID,
                    ["nodes", str(position)],
                )
            )
    return problems
