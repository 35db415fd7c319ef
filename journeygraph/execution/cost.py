"""What a query may cost, worked out from the document before anything runs.

The model (README, "Query cost"):

- every object the query can return costs 1: a field of object type costs 1
  per parent object, a list field costs 1 per item it can hold, nested lists
  multiply; scalars and enums are free;
- a list's size is bounded by its arguments (`first`, the number of `ids`,
  the number of `events`) or by the configured limits (nodes and paths per
  canvas, ids per request); the `incoming`/`outgoing` paths of all the nodes
  of one journey together are bounded by the paths of that journey;
- a time series holds at most the number of points its window and
  granularity allow (a day has at most 25 hours);
- each distinct window (dates and time zone) of `performance` or
  `timeSeries` adds `WINDOW_COST`: it runs its own statements;
- each mutation field adds `MUTATION_COST`;
- introspection is priced the same way, its lists bounded by the schema itself:
  `__schema { types }` holds every type once, so the `fields` of those types
  together are the schema's fields (and their `args` its arguments); a list
  under any other `__Type` holds at most the largest such list of one type.

Every figure above is an upper bound of what execution does, so the computed
cost is never below the cost of the answer (`response_cost`, used to refund
the difference to the caller's rate-limit bucket).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    get_named_type,
    is_abstract_type,
    value_from_ast_untyped,
)

from journeygraph.resolvers.windows import MAX_DAYS, MAX_HOUR_DAYS

if TYPE_CHECKING:
    from graphql import GraphQLField, GraphQLOutputType, GraphQLSchema

    from journeygraph.core.settings import Settings

WINDOW_COST = 10
MUTATION_COST = 10
USER_ERRORS_BOUND = 100
WINDOW_FIELDS = frozenset({"performance", "timeSeries"})
MEASURED = frozenset({"Journey", "Node", "Path"})  # a point's `performance` has its point's window
# How many points each granularity can cut a window of `days` days into.
HOURS_PER_DAY = 25  # a day that ends daylight-saving time
UNBOUNDED = 2**62  # journeys above a node that no journey list bounds
# Fields the walk may visit (fragments expanded) before it gives up: a document that
# expands further (fragments spread into many fields) is refused, not walked for minutes.
MAX_VISITS = 20_000


@dataclass(frozen=True)
class Sizes:
    """What introspection can list: for each list field of an introspection type, its items
    over every parent together (`total`) and in the largest one parent (`most`)."""

    total: dict[str, int]
    most: dict[str, int]


# (introspection type, list field) -> the collection its items are, each once, when its parents are
# every item of the collection before them: types -> fields -> args, directives -> args.
EVERY = {
    ("__Schema", "types"): "types",
    ("__Schema", "directives"): "directives",
    ("__Type", "fields"): "fields",
    ("__Type", "inputFields"): "inputFields",
    ("__Type", "enumValues"): "enumValues",
    ("__Type", "interfaces"): "interfaces",
    ("__Type", "possibleTypes"): "possibleTypes",
    ("__Field", "args"): "args",
    ("__Directive", "args"): "directiveArgs",
}
PARENTS = {
    "fields": "types",
    "inputFields": "types",
    "enumValues": "types",
    "interfaces": "types",
    "possibleTypes": "types",
    "args": "fields",
    "directiveArgs": "directives",
}


@functools.lru_cache(maxsize=4)
def introspection_sizes(schema: GraphQLSchema) -> Sizes:
    """Count what each introspection list of `schema` can hold."""
    lists: dict[str, list[int]] = {name: [] for name in EVERY.values()}
    types = list(schema.type_map.values())
    lists["types"] = [1] * len(types)
    lists["directives"] = [1] * len(schema.directives)
    lists["directiveArgs"] = [len(d.args) for d in schema.directives]
    for type_ in types:
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            lists["fields"].append(len(type_.fields))
            lists["args"].extend(len(f.args) for f in type_.fields.values())
            lists["interfaces"].append(len(type_.interfaces))
        if isinstance(type_, GraphQLInputObjectType):
            lists["inputFields"].append(len(type_.fields))
        if isinstance(type_, GraphQLEnumType):
            lists["enumValues"].append(len(type_.values))
        if is_abstract_type(type_):
            lists["possibleTypes"].append(len(schema.get_possible_types(type_)))
    return Sizes(
        total={name: sum(counts) for name, counts in lists.items()},
        most={name: max(counts, default=0) for name, counts in lists.items()},
    )


class TooManyFields(Exception):
    """The document expands to more than MAX_VISITS fields."""


@dataclass
class Measure:
    """What a document asks for: its cost, and what bounds it."""

    cost: int = 0
    fixed: int = 0  # the part that does not depend on the answer: windows and mutations
    windows: set[tuple[Any, ...]] = field(default_factory=set)
    named_journeys: set[str] = field(default_factory=set)
    listed: int = 0  # most journeys of a `journeys` list whose canvases (nodes, paths) are asked for
    expanded: bool = False  # the walk stopped at MAX_VISITS fields


def _points(arguments: dict[str, Any]) -> int:
    """The most points a `timeSeries` with these arguments can return."""
    granularity = arguments.get("granularity", "DAY")
    try:
        start = dt.date.fromisoformat(str(arguments["startDate"]))
        end = dt.date.fromisoformat(str(arguments["endDate"]))
        days = max((end - start).days + 1, 1)
    except (KeyError, ValueError):
        days = MAX_DAYS  # the resolver refuses it; bound it anyway
    days = min(days, MAX_DAYS)
    if granularity == "HOUR":
        return min(days, MAX_HOUR_DAYS) * HOURS_PER_DAY
    if granularity == "WEEK":
        return days // 7 + 2
    if granularity == "MONTH":
        return days // 28 + 2
    return days


def _size(value: Any, bound: int) -> int:
    if isinstance(value, list):
        return min(len(value), bound)
    if isinstance(value, (str, dict)):
        return 1  # a single value is coerced to a list of one
    return bound


@dataclass(frozen=True)
class Scope:
    """What the objects being walked inherit from above them."""

    journeys: int = UNBOUNDED  # journey objects above (bounds their nodes' paths together)
    journey_ids: tuple[str, ...] | None = None  # when they are journeys named by id at the root
    first: Any = None  # `first` of the connection above (journeys, enrollments, a node's contacts)
    events: Any = None  # `events` of the recordEvents above
    distinct_nodes: bool = False  # the nodes being walked are a journey's `nodes`, each once
    listed: bool = False  # the journeys being walked are a `journeys` list's, each once
    canvas: tuple[int, int] | None = None  # nodes and paths the journey has (a mutation's input says)
    every: str | None = None  # the introspection objects walked are this whole collection, each once


@dataclass(frozen=True)
class Largest:
    """The current node and path counts of the workspace's largest canvases, largest first."""

    nodes: list[int]
    paths: list[int]


class CostCounter:
    """Walks one operation of a parsed document with the variables it is sent with.

    `canvas_sizes` (journey id -> current nodes, paths), when given, bounds the
    nodes and paths of journeys named by id at the root by their real number;
    `largest`, when given, bounds those of N listed journeys by the N largest canvases.
    """

    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any] | None,
        settings: Settings,
        canvas_sizes: dict[str, tuple[int, int]] | None = None,
        largest: Largest | None = None,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables or {}
        self.settings = settings
        self.canvas_sizes = canvas_sizes
        self.largest = largest
        self.named_journeys: set[str] = set()
        self.measure = Measure()
        self.visits = 0

    def arguments(self, node: FieldNode, definition: GraphQLField) -> dict[str, Any]:
        """The field's arguments as sent, defaults filled in; a value that cannot be read is left out."""
        values = {
            name: argument.default_value
            for name, argument in definition.args.items()
            if argument.default_value is not None and not _is_undefined(argument.default_value)
        }
        for argument in node.arguments or ():
            try:
                values[argument.name.value] = value_from_ast_untyped(argument.value, self.variables)
            except (TypeError, ValueError):
                values.pop(argument.name.value, None)
        return values

    def _canvas(self, scope: Scope, count: int, which: int, most: int) -> int:
        """Nodes (`which` 0) or paths (1) of `count` journeys."""
        if scope.canvas is not None:
            return count * scope.canvas[which]
        if scope.journey_ids is not None:
            self.named_journeys.update(scope.journey_ids)
            if self.canvas_sizes is not None:
                return sum(self.canvas_sizes.get(i, (0, 0))[which] for i in scope.journey_ids)
        elif scope.listed:
            self.measure.listed = max(self.measure.listed, count)
            if self.largest is not None:
                return sum((self.largest.nodes, self.largest.paths)[which][:count])
        return count * most

    def _paths_of_one(self, scope: Scope) -> int:
        """The most paths one of the journeys being walked can have."""
        if scope.canvas is not None:
            return scope.canvas[1]
        if scope.journey_ids is not None and self.canvas_sizes is not None:
            return max((self.canvas_sizes.get(i, (0, 0))[1] for i in scope.journey_ids), default=0)
        if scope.listed and scope.journey_ids is None and self.largest is not None:
            return max(self.largest.paths, default=0)
        return self.settings.max_canvas_paths

    def introspected(self, parent: str, name: str, count: int, scope: Scope) -> int:
        """How many items the introspection list `parent.name` can hold over `count` parents."""
        collection = EVERY[(parent, name)]
        sizes = introspection_sizes(self.schema)
        if parent == "__Schema" or scope.every == PARENTS[collection]:
            return sizes.total[collection] * (count if parent == "__Schema" else 1)
        return count * sizes.most[collection]

    def list_bound(self, parent: str, name: str, arguments: dict[str, Any], count: int, scope: Scope) -> int:
        """How many items the list field `parent.name` can hold over `count` parents."""
        settings = self.settings
        if (parent, name) in EVERY:
            return self.introspected(parent, name, count, scope)
        if parent == "Query" and name == "journeysByIds":
            return _size(arguments.get("ids"), settings.max_ids)
        if (
            parent in ("JourneyConnection", "EnrollmentConnection", "NodeContactConnection")
            and name == "edges"
        ):
            first = scope.first
            return count * (first if isinstance(first, int) and 0 <= first else settings.max_page_size)
        if parent == "Journey" and name == "nodes":
            return self._canvas(scope, count, 0, settings.max_canvas_nodes)
        if parent == "Journey" and name == "paths":
            return self._canvas(scope, count, 1, settings.max_canvas_paths)
        if parent == "Node" and name in ("incoming", "outgoing"):
            each = self._paths_of_one(scope)
            together = self._canvas(scope, scope.journeys, 1, settings.max_canvas_paths)
            # The distinct nodes of a journey together have at most that journey's paths;
            # nodes reached as path ends repeat, and each may have all of them.
            return min(count * each, together) if scope.distinct_nodes else count * each
        if name == "timeSeries":
            return count * _points(arguments)
        if parent == "RecordEventsPayload" and name == "rejected":
            return count * _size(scope.events, settings.max_events)
        if name == "userErrors":
            return count * USER_ERRORS_BOUND
        raise ValueError(f"no size bound for list field {parent}.{name}")  # a schema change needs one

    def mutation_scope(self, name: str, arguments: dict[str, Any], scope: Scope) -> Scope:
        """What a mutation's answer inherits: the events it records, the journey it names, or the
        canvas its input makes (the journey as it now is holds exactly the nodes and paths sent)."""
        settings = self.settings
        if name == "recordEvents":
            return replace(scope, events=arguments.get("events"))
        if name == "saveCanvas":
            sent = (arguments.get("nodes"), arguments.get("paths"))
        elif name == "createJourney":
            given = arguments.get("input")
            given = given if isinstance(given, dict) else {}
            sent = (given.get("nodes") or [], given.get("paths") or [])
        elif "id" in arguments:
            return replace(scope, journey_ids=(str(arguments["id"]),))
        else:
            return scope
        canvas = (_size(sent[0], settings.max_canvas_nodes), _size(sent[1], settings.max_canvas_paths))
        return replace(scope, canvas=canvas)

    def selection(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLObjectType,
        count: int,
        scope: Scope,
        spread: set[str] | None = None,
    ) -> None:
        """Walk one selection set. `spread`: fragments already spread into it — as in execution
        (CollectFields), a fragment counts once per selection set however often it is spread."""
        spread = set() if spread is None else spread
        for node in selection_set.selections:
            if isinstance(node, FieldNode):
                self.field(node, parent, count, scope)
            elif isinstance(node, InlineFragmentNode):
                target = (
                    self.schema.get_type(node.type_condition.name.value) if node.type_condition else parent
                )
                if isinstance(target, GraphQLObjectType):
                    self.selection(node.selection_set, target, count, scope, spread)
            elif isinstance(node, FragmentSpreadNode) and node.name.value not in spread:
                spread.add(node.name.value)
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    target = self.schema.get_type(fragment.type_condition.name.value)
                    if isinstance(target, GraphQLObjectType):
                        self.selection(fragment.selection_set, target, count, scope, spread)

    def field(self, node: FieldNode, parent: GraphQLObjectType, count: int, scope: Scope) -> None:
        name = node.name.value
        self.visits += 1
        if self.visits > MAX_VISITS:
            raise TooManyFields
        if name == "__schema":
            definition = SchemaMetaFieldDef
        elif name == "__type":
            definition = TypeMetaFieldDef
        else:
            definition = parent.fields.get(name)  # `__typename` is a scalar: free
        if definition is None:
            return  # validation has refused the document already
        arguments = self.arguments(node, definition)
        named_ids: tuple[str, ...] | None = None
        if (parent.name, name) in (("Query", "journeys"), ("Journey", "enrollments"), ("Node", "contacts")):
            scope = replace(scope, first=arguments.get("first"))
        elif parent.name == "Query" and name == "journey":
            named_ids = (str(arguments.get("id")),)
        elif parent.name == "Query" and name == "journeysByIds":
            ids = arguments.get("ids")
            named_ids = tuple(str(i) for i in ids) if isinstance(ids, list) else None
        if parent.name == "Mutation":
            self.measure.fixed += MUTATION_COST
            scope = self.mutation_scope(name, arguments, scope)
        if name in WINDOW_FIELDS and parent.name in MEASURED:
            window = (arguments.get("startDate"), arguments.get("endDate"), arguments.get("timeZone"))
            if window not in self.measure.windows:
                self.measure.windows.add(window)
                self.measure.fixed += WINDOW_COST
        named = get_named_type(definition.type)
        if not isinstance(named, GraphQLObjectType) or node.selection_set is None:
            return
        items = (
            self.list_bound(parent.name, name, arguments, count, scope)
            if _is_list(definition.type)
            else count
        )
        if named.name == "Journey":
            if parent.name == "JourneyPayload":
                named_ids = scope.journey_ids  # the mutation's journey
            scope = replace(
                scope,
                journeys=items,
                journey_ids=named_ids,
                listed=parent.name == "JourneyEdge",
                canvas=scope.canvas if parent.name in ("JourneyPayload", "Node", "Path") else None,
            )
        if named.name == "Node":
            scope = replace(scope, distinct_nodes=parent.name == "Journey" and name == "nodes")
        if named.name.startswith("__"):
            # only `__schema { types }` or its lists, each walked whole, stay one collection
            every = EVERY.get((parent.name, name))
            whole = every is not None and (parent.name == "__Schema" or scope.every == PARENTS[every])
            scope = replace(scope, every=every if whole else None)
        self.measure.cost += items
        self.selection(node.selection_set, named, items, scope)


def _is_list(type_: GraphQLOutputType) -> bool:
    inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(inner, GraphQLList)


def _is_undefined(value: Any) -> bool:
    from graphql.pyutils import Undefined

    return value is Undefined


def measure_operation(
    schema: GraphQLSchema,
    document: Any,
    operation_name: str | None,
    variables: dict[str, Any] | None,
    settings: Settings,
    canvas_sizes: dict[str, tuple[int, int]] | None = None,
    largest: Largest | None = None,
) -> Measure:
    """The cost of the operation a request runs (the only one, or the named one).

    Without `canvas_sizes`, every journey's canvas counts as the largest allowed;
    `Measure.named_journeys` lists the journeys named by id at the root whose
    nodes or paths the operation lists: their real sizes bound those lists.
    `Measure.listed` says how many of the largest canvases (`largest`) bound the
    nodes and paths of the journeys a `journeys` list returns.
    """
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [o for o in operations if operation_name is None or (o.name and o.name.value == operation_name)]
    for operation in chosen[:1]:
        sent = dict(variables or {})
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in sent and definition.default_value is not None:
                sent[name] = value_from_ast_untyped(definition.default_value)
        counter = CostCounter(schema, fragments, sent, settings, canvas_sizes, largest)
        root = {
            OperationType.QUERY: schema.query_type,
            OperationType.MUTATION: schema.mutation_type,
            OperationType.SUBSCRIPTION: schema.subscription_type,
        }[operation.operation]
        if root is not None:
            try:
                counter.selection(operation.selection_set, root, 1, Scope())
            except TooManyFields:
                return Measure(cost=UNBOUNDED, expanded=True)
        counter.measure.cost += counter.measure.fixed
        counter.measure.named_journeys = counter.named_journeys
        return counter.measure
    return Measure()


def response_cost(data: Any, fixed: int, objects: int | None = None) -> int:
    """The cost of an answer by the same model: one per object in `data` (not the root), plus `fixed`.

    `objects`, when the executor counted them, spares walking the answer.
    """
    if objects is not None:
        return objects + fixed
    return _objects(data) - (1 if isinstance(data, dict) else 0) + fixed


def _objects(value: Any) -> int:
    # a loop, not recursion: a canvas answer holds thousands of objects and ten times more scalars
    count, pending = 0, [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            count += 1
            pending.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            pending.extend(v for v in item if isinstance(v, dict | list))
    return count
