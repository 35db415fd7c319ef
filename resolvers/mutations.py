"""Write resolvers. Each runs in one transaction on a locked journey row and
changes nothing at all when it finds any problem."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from strawberry import UNSET

from journeygraph.core.errors import Problem, UserErrorCode
from journeygraph.db.enums import JourneyStatus
from journeygraph.db.queries import canvas as canvas_queries
from journeygraph.db.queries import journeys as journey_queries
from journeygraph.db.records import JourneyRecord, record_of
from journeygraph.resolvers.canvas import plan_canvas
from journeygraph.resolvers.graph_rules import TRANSITIONS, graph_problems, transition_problem
from journeygraph.resolvers.ids import parse_id

if TYPE_CHECKING:
    import uuid
    from collections.abc import Sequence

    from sqlalchemy.ext.asyncio import AsyncSession

    from journeygraph.db.models import Journey
    from journeygraph.resolvers.canvas import CanvasPlan, NodeSpec, PathSpec
    from journeygraph.resolvers.context import Context

MAX_JOURNEY_NAME = 200
MAX_DESCRIPTION = 10_000
LIVE = frozenset({JourneyStatus.PUBLISHED, JourneyStatus.PAUSED})


@dataclass
class JourneyResult:
    """What every journey mutation answers: the journey as it now is, or why nothing changed."""

    journey: JourneyRecord | None = None
    user_errors: list[Problem] = field(default_factory=list)


class _Rollback(Exception):
    """Raised inside a transaction to undo it and answer with these problems."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems


def _archived(journey: Journey, where: str) -> list[Problem]:
    """An ARCHIVED journey is read-only until restored: the problem, or none."""
    if journey.status != JourneyStatus.ARCHIVED:
        return []
    return [Problem("an ARCHIVED journey cannot be edited; restore it first", UserErrorCode.INVALID, [where])]


def _not_found(value: str, where: str) -> _Rollback:
    return _Rollback([Problem(f"no journey with id {value!r}", UserErrorCode.NOT_FOUND, [where])])


async def _run(context: Context, change: Any) -> JourneyResult:
    """Run `change(session)` in one transaction; any problem rolls all of it back."""
    try:
        async with context.sessions.begin() as session:
            journey = await change(session)
    except _Rollback as stop:
        return JourneyResult(user_errors=stop.problems)
    context.reset_loaders()  # later fields of this request must see the change
    return JourneyResult(journey=record_of(journey, JourneyRecord))


async def _locked(session: AsyncSession, context: Context, raw_id: str, where: str) -> Journey:
    journey_id = parse_id(raw_id)
    journey = (
        None
        if journey_id is None
        else await journey_queries.lock_journey(session, context.principal.workspace_id, journey_id)
    )
    if journey is None:
        raise _not_found(raw_id, where)
    return journey


def _check_name(problems: list[Problem], name: Any, where: list[str]) -> None:
    if name is None or not name.strip():
        problems.append(Problem("name must not be empty", UserErrorCode.INVALID, where))
    elif len(name) > MAX_JOURNEY_NAME:
        problems.append(
            Problem(
                f"name must be at most {MAX_JOURNEY_NAME} characters, got {len(name)}",
                UserErrorCode.INVALID,
                where,
            )
        )


def _check_description(problems: list[Problem], description: Any, where: list[str]) -> None:
    if description is not None and description is not UNSET and len(description) > MAX_DESCRIPTION:
        problems.append(
            Problem(
                f"description must be at most {MAX_DESCRIPTION} characters, got {len(description)}",
                UserErrorCode.INVALID,
                where,
            )
        )


def _goal(problems: list[Problem], goal: Any, where: list[str]) -> dict[str, Any] | None:
    """The stored form of a goal input (None clears it)."""
    if goal is None or goal is UNSET:
        return None
    if not goal.type or not goal.type.strip():
        problems.append(Problem("goal type must not be empty", UserErrorCode.INVALID, [*where, "type"]))
    config = goal.config if goal.config is not UNSET and goal.config is not None else {}
    if not isinstance(config, dict):
        problems.append(
            Problem(
                f"goal config must be a JSON object, got {type(config).__name__}",
                UserErrorCode.INVALID,
                [*where, "config"],
            )
        )
    deadline = goal.deadline_days if goal.deadline_days is not UNSET else None
    if deadline is not None and deadline < 1:
        problems.append(
            Problem(
                f"goal deadlineDays must be at least 1, got {deadline}",
                UserErrorCode.INVALID,
                [*where, "deadlineDays"],
            )
        )
    return {"type": goal.type, "config": config, "deadline_days": deadline}


async def _plan(
    session: AsyncSession,
    context: Context,
    journey_id: uuid.UUID | None,
    nodes: Sequence[NodeSpec],
    paths: Sequence[PathSpec],
) -> CanvasPlan:
    """Check a canvas against the journey's existing rows (removed ones too: their ids may come back)."""
    existing_nodes: list[Any] = []
    existing_paths: list[Any] = []
    if journey_id is not None:
        workspace_id = context.principal.workspace_id
        existing_nodes = (
            await canvas_queries.nodes_by_journey_ids(session, workspace_id, [journey_id], removed=True)
        ).get(journey_id, [])
        existing_paths = (
            await canvas_queries.paths_by_journey_ids(session, workspace_id, [journey_id], removed=True)
        ).get(journey_id, [])
    return plan_canvas(
        nodes,
        paths,
        (n.id for n in existing_nodes),
        (p.id for p in existing_paths),
        context.settings.max_canvas_nodes,
        context.settings.max_canvas_paths,
    )


async def create_journey(context: Context, data: Any) -> JourneyResult:
    """A new DRAFT journey at version 1, with its initial canvas if given."""

    async def change(session: AsyncSession) -> Journey:
        problems: list[Problem] = []
        _check_name(problems, data.name, ["input", "name"])
        _check_description(problems, data.description, ["input", "description"])
        goal = _goal(problems, data.goal, ["input", "goal"])
        plan = await _plan(session, context, None, data.nodes or [], data.paths or [])
        problems += [Problem(p.message, p.code, ["input", *(p.field or [])]) for p in plan.problems]
        if problems:
            raise _Rollback(problems)
        description = data.description if data.description is not UNSET else None
        journey = await journey_queries.insert_journey(
            session,
            context.principal.workspace_id,
            name=data.name.strip(),
            description=description,
            goal=goal,
        )
        await canvas_queries.write_canvas(session, journey.workspace_id, journey.id, plan.nodes, plan.paths)
        return journey

    return await _run(context, change)


async def update_journey(context: Context, id: str, data: Any) -> JourneyResult:
    """Change a journey's name, description or goal; omitted fields stay as they are."""

    async def change(session: AsyncSession) -> Journey:
        journey = await _locked(session, context, id, "id")
        problems: list[Problem] = []
        values: dict[str, Any] = {}
        if data.name is not UNSET:
            _check_name(problems, data.name, ["input", "name"])
            values["name"] = (data.name or "").strip()
        if data.description is not UNSET:
            _check_description(problems, data.description, ["input", "description"])
            values["description"] = data.description
        if data.goal is not UNSET:
            values["goal"] = _goal(problems, data.goal, ["input", "goal"])
            if values["goal"] is None:
                values["goal"] = sa.null()  # an explicit null clears the goal (not JSON null)
        problems += _archived(journey, "id")
        if problems:
            raise _Rollback(problems)
        if not values:
            return journey  # nothing asked, nothing changed, no new version
        return await journey_queries.touch_journey(session, journey, **values)

    return await _run(context, change)


async def save_canvas(
    context: Context,
    journey_id: str,
    expected_version: int | None,
    nodes: Sequence[NodeSpec],
    paths: Sequence[PathSpec],
) -> JourneyResult:
    """Replace the whole canvas; kept ids keep their history, the rest is marked removed."""

    async def change(session: AsyncSession) -> Journey:
        journey = await _locked(session, context, journey_id, "journeyId")
        if (
            expected_version is not None
            and expected_version is not UNSET
            and expected_version != journey.version
        ):
            raise _Rollback(
                [
                    Problem(
                        f"expectedVersion is {expected_version} but the journey is at version {journey.version}; "
                        "reload it and apply your change again",
                        UserErrorCode.VERSION_CONFLICT,
                        ["expectedVersion"],
                    )
                ]
            )
        if archived := _archived(journey, "journeyId"):
            raise _Rollback(archived)
        plan = await _plan(session, context, journey.id, nodes, paths)
        if plan.problems:
            raise _Rollback(plan.problems)
        if journey.status in LIVE:
            # A running journey must stay runnable: the same rules as publishing.
            problems = graph_problems(
                ((n["id"], n["type"]) for n in plan.nodes),
                ((p["id"], p["source_node_id"], p["target_node_id"]) for p in plan.paths),
            )
            if problems:
                raise _Rollback(problems)
        await canvas_queries.write_canvas(session, journey.workspace_id, journey.id, plan.nodes, plan.paths)
        return await journey_queries.touch_journey(session, journey)

    return await _run(context, change)


async def move_journey(context: Context, mutation: str, id: str) -> JourneyResult:
    """Move a journey along the status machine (`TRANSITIONS`); publishing checks the graph first."""
    target = TRANSITIONS[mutation][1]

    async def change(session: AsyncSession) -> Journey:
        journey = await _locked(session, context, id, "id")
        problem = transition_problem(mutation, journey.status)
        if problem is not None:
            raise _Rollback([problem])
        values: dict[str, Any] = {"status": target}
        if target == JourneyStatus.PUBLISHED:
            workspace_id = context.principal.workspace_id
            nodes = (await canvas_queries.nodes_by_journey_ids(session, workspace_id, [journey.id])).get(
                journey.id, []
            )
            paths = (await canvas_queries.paths_by_journey_ids(session, workspace_id, [journey.id])).get(
                journey.id, []
            )
            problems = graph_problems(
                ((n.id, n.type) for n in nodes), ((p.id, p.source_node_id, p.target_node_id) for p in paths)
            )
            if problems:
                # The canvas was saved before: the input at fault is the journey's `id` (the
                # message names the node or path).
                raise _Rollback([Problem(p.message, p.code, ["id"]) for p in problems])
            values["published_at"] = sa.func.now()
        return await journey_queries.touch_journey(session, journey, **values)

    return await _run(context, change)
