"""The executor: graphql-core's, with plain leaf fields read inline.

A canvas answers thousands of fields that are a plain attribute of an object
already in hand: a node's id, a figure of its performance. graphql-core runs
each through the full field machinery (a path, resolve info, argument values,
value completion), about 5 µs apiece (`python -m bench.field_cost`). A field
that strawberry resolves by reading an attribute (no resolver, no permission
classes, no field extensions, no arguments) and whose type is a scalar or an
enum is answered here by reading the attribute and serializing it, as
graphql-core would. Anything else — and any such field whose value is null
where null is not allowed, or fails to serialize — goes through graphql-core
unchanged, so errors, their paths and null propagation stay graphql-core's.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING, Any

from graphql import GraphQLNonNull, Undefined, is_leaf_type
from graphql.execution.collect_fields import FieldDetailsList
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

if TYPE_CHECKING:
    from collections.abc import Callable

    from graphql import GraphQLLeafType, GraphQLObjectType
    from graphql.execution.collect_fields import GroupedFieldSet

# (read the attribute, serialize it, whether null is allowed), or None: not a plain leaf
Leaf = tuple["Callable[[Any], Any]", "GraphQLLeafType", bool] | None
# A selection set's fields in order: (response name, its field nodes, how to read it inline)
Plan = list[tuple[str, FieldDetailsList, Leaf]]


def _reader(field: Any) -> Callable[[Any], Any] | None:
    """How to read a field without graphql-core, when strawberry would just read an attribute."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is not None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    resolve = field.resolve
    return lambda source: resolve(source, None)


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor for one request; plain leaf fields skip the per-field machinery."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        # Middleware (an extension's resolve hook) must see every field: then nothing is read inline.
        manager = self.middleware_manager
        self._inline = manager is None or not manager.middlewares

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet) -> Plan:
        # Selection sets are memoized by graphql-core for the request; the plan keeps its own alive.
        cached = self._plans.get(id(grouped_field_set))
        if cached is not None and cached[0] is grouped_field_set:
            return cached[1]
        plan: Plan = []
        for response_name, details in grouped_field_set.items():
            leaf: Leaf = None
            field = parent_type.fields.get(details[0].node.name.value)
            read = _reader(field) if field is not None else None
            if read is not None:
                nullable = not isinstance(field.type, GraphQLNonNull)
                named = field.type if nullable else field.type.of_type
                if is_leaf_type(named):
                    leaf = (read, named, nullable)
            plan.append((response_name, details, leaf))
        self._plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return plan

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        """graphql-core's execute_fields, reading plain leaves inline."""
        if not self._inline:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, leaf in self._plan(parent_type, grouped_field_set):
                if leaf is not None:
                    value = _inline(leaf, source_value)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                result = self.execute_field(
                    parent_type,
                    source_value,
                    details,
                    Path(path, response_name, parent_type.name),
                    position_context,
                )
                if result is not Undefined:
                    results[response_name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(response_name)
        except Exception:
            if awaitable_fields:
                # settle what other fields started, as graphql-core does
                self.settle_in_background([results[field] for field in awaitable_fields])
            raise
        if not awaitable_fields:
            return results

        async def get_results() -> dict[str, Any]:
            if len(awaitable_fields) == 1:  # one field: no need to gather
                results[awaitable_fields[0]] = await results[awaitable_fields[0]]
            else:
                awaited = await gather_with_cancel(*(results[field] for field in awaitable_fields))
                results.update(zip(awaitable_fields, awaited, strict=True))
            return results

        return get_results()


def _inline(leaf: tuple[Callable[[Any], Any], GraphQLLeafType, bool], source: Any) -> Any:
    """The serialized value of a plain leaf, or Undefined when graphql-core must answer (it raises and reports)."""
    read, leaf_type, nullable = leaf
    try:
        value = read(source)
        if value is None:
            return None if nullable else Undefined
        coerced = leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core raises it again and reports it
        return Undefined
    return Undefined if coerced is None else coerced
