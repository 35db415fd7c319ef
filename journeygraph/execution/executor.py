"""The executor: graphql-core's, with plain leaf fields read inline and fields batched over lists.

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

A field can also declare how to resolve itself for many sources at once (its
strawberry metadata under BATCH): when a list of objects completes, the
executor calls that once for the whole list (every node's `performance` of a
canvas: one await instead of one coroutine, task and argument conversion per
node) and completes each item's field from the answers. If the batch fails, each
item's own resolver runs as before and reports its error at its own path.

When every selection of a list's items is a plain leaf or a batched field whose
answer completes inline, the whole list is completed here, item by item, without
graphql-core's per-item calls (a canvas's nodes and paths). At the first item
that cannot be (a null where null is not allowed, a value that does not
serialize), graphql-core completes the whole list instead and reports the error.
"""

from __future__ import annotations

import asyncio
import functools
import keyword
from math import isfinite
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from graphql import (
    ExecutionResult,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    get_nullable_type,
    is_leaf_type,
    specified_scalar_types,
)
from graphql.execution.collect_fields import FieldDetailsList
from graphql.execution.executor import to_nodes
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from journeygraph.schema.batching import BATCH

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from graphql import GraphQLLeafType, GraphQLList, GraphQLOutputType, GraphQLResolveInfo
    from graphql.execution.collect_fields import GroupedFieldSet

# (read the attribute, serialize it, whether null is allowed, the Python type that serializes
# to itself, the attribute's name when reading it is just that), or None: not a plain leaf
Leaf = tuple["Callable[[Any], Any]", "GraphQLLeafType", bool, Any, str | None] | None
# GraphQL's own scalars answer a value of exactly this type with the value itself (Int within
# 32 bits, Float when finite): the common case skips serialize altogether.
_ITSELF: dict[str, type] = {"Int": int, "Float": float, "String": str, "Boolean": bool}
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_SPECIFIED = specified_scalar_types  # by name
# A selection set's fields in order: (response name, its field nodes, how to read it inline, its batch)
Plan = list[tuple[str, FieldDetailsList, Leaf, Any]]


def _batch(field: Any) -> Any:
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return None if definition is None else definition.metadata.get(BATCH)


def _reader(field: Any) -> tuple[Callable[[Any], Any], str | None] | None:
    """How to read a field without graphql-core, when strawberry would just read an attribute
    (and that attribute's name, when it is all there is to it)."""
    if field.args or not getattr(field.resolve, "_is_default", False):
        return None
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if definition is not None and definition.default_resolver is getattr:
        return attrgetter(definition.python_name), definition.python_name
    resolve = field.resolve
    return (lambda source: resolve(source, None)), None


class Executor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor for one request: plain leaves read inline, batch fields resolved per list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[int, tuple[GroupedFieldSet, Plan]] = {}
        # batched answers by (the field's nodes, the source object), with the source itself:
        # a source may die once its list is complete, and its id be reused
        self._primed: dict[tuple[int, int], tuple[Any, Any]] = {}
        self._objects = 0  # objects completed, the root apart
        # by the field nodes' id: (them, the return type, how to complete it flat or None)
        self._flats: dict[int, tuple[FieldDetailsList, GraphQLOutputType, Any]] = {}
        # the same for lists of objects, by the list field's nodes' id
        self._item_plans: dict[int, tuple[FieldDetailsList, GraphQLOutputType, Any]] = {}
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
            batch = _batch(field) if field is not None else None
            if read is not None and is_leaf_type(get_nullable_type(field.type)):
                leaf = _leaf(read[0], field.type, read[1])
            plan.append((response_name, details, leaf, batch))
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
        if path is not None:
            self._objects += 1
        if not self._inline:
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for response_name, details, leaf, batch in self._plan(parent_type, grouped_field_set):
                if leaf is not None:
                    value = _inline(leaf, source_value)
                    if value is not Undefined:
                        results[response_name] = value
                        continue
                field_path = Path(path, response_name, parent_type.name)
                primed = None if batch is None else self._primed.get((id(details), id(source_value)))
                if primed is None or primed[0] is not source_value:
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, position_context
                    )
                else:
                    result = self._complete_primed(
                        parent_type, details, field_path, primed[1], position_context
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

    def _complete_primed(
        self,
        parent_type: GraphQLObjectType,
        details: FieldDetailsList,
        path: Path,
        value: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's execute_field for a value already resolved by a batch."""
        field = parent_type.fields[details[0].node.name.value]
        if position_context is None:  # no incremental delivery in play
            flat = self._flat(field.type, details, value)
            if flat is not Undefined:
                return flat
        info = self.build_resolve_info(field, to_nodes(details), parent_type, path)
        try:
            completed = self.complete_value(field.type, details, info, path, value, position_context)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, details, path)
            return None
        if not self.is_awaitable(completed):
            return completed

        async def await_completed() -> Any:
            try:
                return await completed
            except Exception as raw_error:
                self.handle_field_error(raw_error, field.type, details, path)
                return None

        return await_completed()

    def _flat(self, return_type: GraphQLOutputType, details: FieldDetailsList, value: Any) -> Any:
        """An object whose selections are all plain leaves, completed without graphql-core's
        per-object machinery; Undefined when graphql-core must complete it (it reports any error)."""
        cached = self._flats.get(id(details))
        if cached is None or cached[0] is not details or cached[1] is not return_type:
            cached = self._flats[id(details)] = (details, return_type, self._flat_plan(return_type, details))
        plan = cached[2]
        if plan is None or isinstance(value, Exception):
            return Undefined
        nullable, complete = plan
        if value is None:
            return None if nullable else Undefined
        results = complete(value)
        if results is not Undefined:
            self._objects += 1
        return results

    def _flat_plan(
        self, return_type: GraphQLOutputType, details: FieldDetailsList
    ) -> tuple[bool, Callable[[Any], Any]] | None:
        """Whether null is allowed, and how to complete the object's selections at once
        (`_compiled`); None when they are not all plain leaves of an object type."""
        nullable = not isinstance(return_type, GraphQLNonNull)
        named = return_type.of_type if isinstance(return_type, GraphQLNonNull) else return_type
        if not isinstance(named, GraphQLObjectType) or named.is_type_of is not None:
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(named, details)
        if defer_usages:
            return None
        leaves = [(name, leaf) for name, _, leaf, _ in self._plan(named, grouped_field_set)]
        if any(leaf is None for _, leaf in leaves):
            return None
        return nullable, _compiled(leaves)

    def build_response(self, data: dict[str, Any] | None) -> Any:
        """graphql-core's; with no error, every object completed is in the answer, so the
        request's context learns how many there are (its cost) without walking the answer."""
        result = super().build_response(data)
        if isinstance(result, ExecutionResult) and not result.errors and data is not None:
            if hasattr(self.context_value, "answer_objects"):
                self.context_value.answer_objects = self._objects
        return result

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """graphql-core's, after resolving the items' batched fields for the whole list at once."""
        complete = super().complete_list_value
        item_type = get_nullable_type(return_type.of_type)
        if not (self._inline and isinstance(result, list) and isinstance(item_type, GraphQLObjectType)):
            return complete(return_type, field_details_list, info, path, result, position_context)
        jobs = self._batches(
            item_type, field_details_list, path, [item for item in result if item is not None]
        )
        if not jobs:
            return complete(return_type, field_details_list, info, path, result, position_context)

        async def primed_then_complete() -> Any:
            await asyncio.gather(*jobs)
            if position_context is None:  # no incremental delivery in play
                flat = self._flat_items(return_type, field_details_list, result)
                if flat is not Undefined:
                    return flat
            completed = complete(return_type, field_details_list, info, path, result, position_context)
            return await completed if self.is_awaitable(completed) else completed

        return primed_then_complete()

    def _flat_items(
        self, return_type: GraphQLList[GraphQLOutputType], details: FieldDetailsList, items: list[Any]
    ) -> Any:
        """A list whose items select only plain leaves and batched fields that complete flat,
        completed without graphql-core's per-item machinery; Undefined when graphql-core must
        complete it (any null where null is not allowed, any value that does not serialize)."""
        cached = self._item_plans.get(id(details))
        if cached is None or cached[0] is not details or cached[1] is not return_type:
            cached = (details, return_type, self._items_plan(return_type, details))
            self._item_plans[id(details)] = cached
        plan = cached[2]
        if plan is None:
            return Undefined
        nullable, fields = plan
        counted = self._objects
        answers: list[Any] = []
        primed = self._primed
        for item in items:
            if item is None:
                if not nullable:
                    break
                answers.append(None)
                continue
            row: dict[str, Any] = {}
            for response_name, leaf, field_details, field_type, answered in fields:
                if leaf is not None:
                    value = _inline(leaf, item)
                else:
                    found = primed.get((id(field_details), id(item)))
                    if found is None or found[0] is not item or isinstance(found[1], Exception):
                        break  # an error graphql-core reports, at its path
                    value = (
                        self._flat(field_type, field_details, found[1])
                        if answered is None
                        else _inline(answered, found[1])
                    )
                if value is Undefined:
                    break
                row[response_name] = value
            else:
                answers.append(row)
                self._objects += 1
                continue
            break
        else:
            return answers
        self._objects = counted  # graphql-core completes the list again, and counts what it completes
        return Undefined

    def _items_plan(self, return_type: GraphQLList[GraphQLOutputType], details: FieldDetailsList) -> Any:
        """Whether items may be null, and each selection's (response name, how to read it inline
        or None, its field nodes, its type, how to serialize a batched leaf's answer or None);
        None unless every selection is a plain leaf or batched."""
        item_type = return_type.of_type
        nullable = not isinstance(item_type, GraphQLNonNull)
        named = get_nullable_type(item_type)
        if not isinstance(named, GraphQLObjectType) or named.is_type_of is not None:
            return None
        grouped_field_set, defer_usages, _ = self.collect_subfields(named, details)
        if defer_usages:
            return None
        fields = []
        for response_name, field_details, leaf, batch in self._plan(named, grouped_field_set):
            if leaf is None and batch is None:
                return None
            field_type = named.fields[field_details[0].node.name.value].type
            answered = None
            if leaf is None and is_leaf_type(get_nullable_type(field_type)):
                answered = _leaf(_itself, field_type)  # the batch answered the value itself
            fields.append((response_name, leaf, field_details, field_type, answered))
        return nullable, fields

    def _batches(
        self, item_type: GraphQLObjectType, field_details_list: FieldDetailsList, path: Path, rows: list[Any]
    ) -> list[Awaitable[None]]:
        """A job per batched field the items select (aliases apart), each priming every row's answer."""
        if not rows:
            return []
        grouped_field_set, defer_usages, _ = self.collect_subfields(item_type, field_details_list)
        if defer_usages:  # deferred fields are grouped apart; leave them to graphql-core
            return []
        jobs: list[Awaitable[None]] = []
        for response_name, details, _, batch in self._plan(item_type, grouped_field_set):
            if batch is None:
                continue
            field = item_type.fields[details[0].node.name.value]
            info = self.build_resolve_info(
                field, to_nodes(details), item_type, Path(path, response_name, None)
            )
            try:
                args = get_argument_values(
                    field, details[0].node, self.variable_values, details[0].fragment_variable_values
                )
                job = batch(info, rows, args)
            except Exception:  # each item's resolver reports it
                continue
            jobs.append(self._prime(job, details, rows))
        return jobs

    async def _prime(self, job: Awaitable[list[Any]], details: FieldDetailsList, rows: list[Any]) -> None:
        try:
            values = await job
        except Exception:  # each item's own resolver runs instead, and reports the error at its path
            return
        for row, value in zip(rows, values, strict=True):
            self._primed[(id(details), id(row))] = (row, value)


def _itself(value: Any) -> Any:
    return value


def _leaf(read: Callable[[Any], Any], field_type: GraphQLOutputType, attribute: str | None = None) -> Leaf:
    """How to answer a leaf field inline: read it with `read` (the attribute `attribute`, when
    given), then serialize it as `field_type`."""
    nullable = not isinstance(field_type, GraphQLNonNull)
    named: Any = get_nullable_type(field_type)
    name: str = named.name
    itself = _ITSELF.get(name) if named is _SPECIFIED.get(name) else None
    return (read, named, nullable, itself, attribute)


def _inline(leaf: tuple[Callable[[Any], Any], GraphQLLeafType, bool, Any, str | None], source: Any) -> Any:
    """The serialized value of a plain leaf, or Undefined when graphql-core must answer (it raises and reports)."""
    read, leaf_type, nullable, itself, _ = leaf
    try:
        value: Any = read(source)
        if value is None:
            return None if nullable else Undefined
        if type(value) is itself:
            if itself is int:
                if _INT_MIN <= value <= _INT_MAX:
                    return value
            elif itself is not float or isfinite(value):
                return value
        coerced = leaf_type.coerce_output_value(value)
    except Exception:  # graphql-core raises it again and reports it
        return Undefined
    return Undefined if coerced is None else coerced


# What a compiled leaf answers as itself: `v` is the value read, of exactly the type named.
_AS_ITSELF = {
    int: f"type(v) is int and {_INT_MIN} <= v <= {_INT_MAX}",
    float: "type(v) is float and isfinite(v)",
    str: "type(v) is str",
    bool: "type(v) is bool",
}


def _compiled(leaves: list[tuple[str, Any]]) -> Callable[[Any], Any]:
    """How to complete an object's plain leaves at once, as `_inline` completes each: the answer
    by response name, or Undefined when graphql-core must complete the object.

    When each leaf reads an attribute by name, that is code compiled once per selection set
    for every request after (`_compile`); otherwise a loop over `_inline`.
    """
    plain = [
        (name, leaf_type, nullable, itself, attribute)
        for name, (_, leaf_type, nullable, itself, attribute) in leaves
        if attribute is not None and attribute.isidentifier() and not keyword.iskeyword(attribute)
    ]
    if len(plain) == len(leaves):
        return _compile(tuple(plain))

    def complete(source: Any) -> Any:
        results: dict[str, Any] = {}
        for response_name, leaf in leaves:
            completed = _inline(leaf, source)
            if completed is Undefined:
                return Undefined
            results[response_name] = completed
        return results

    return complete


@functools.lru_cache(maxsize=1024)  # selection sets; a client sending endless new ones evicts, not grows
def _compile(leaves: tuple[tuple[str, GraphQLLeafType, bool, Any, str], ...]) -> Callable[[Any], Any]:
    """Straight-line code that reads each attribute and checks its value without a call per
    field: a canvas completes hundreds of objects of one selection set (every node's
    performance). Values that are not simply themselves (enums, custom scalars, an Int past
    32 bits) are serialized as `_inline` does; any exception means Undefined, as there.
    """
    scope: dict[str, Any] = {"Undefined": Undefined, "isfinite": isfinite}
    lines = ["def complete(source):", "    try:", "        r = {}"]
    for i, (response_name, leaf_type, nullable, itself, attribute) in enumerate(leaves):
        key = repr(response_name)
        scope[f"serialize{i}"] = leaf_type.coerce_output_value
        lines.append(f"        v = source.{attribute}")
        test = "if"
        if itself is not None:
            lines.append(f"        if {_AS_ITSELF[itself]}: r[{key}] = v")
            test = "elif"
        lines.append(f"        {test} v is None: " + (f"r[{key}] = None" if nullable else "return Undefined"))
        lines += [
            "        else:",
            f"            v = serialize{i}(v)",
            "            if v is None: return Undefined",
            f"            r[{key}] = v",
        ]
    lines += ["        return r", "    except Exception:", "        return Undefined"]
    # the code is this function's own: response names are GraphQL names, attributes identifiers
    exec("\n".join(lines), scope)
    complete: Callable[[Any], Any] = scope["complete"]
    return complete
