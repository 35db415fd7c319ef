"""Which subfields a query selected, so resolvers fetch only what is asked for.

Read straight from the query's syntax tree and remembered per request: a
canvas asks this once per node and path, and strawberry's `selected_fields`
rebuilds its own objects every time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

if TYPE_CHECKING:
    from collections.abc import Iterable

    import strawberry
    from graphql import FragmentDefinitionNode, GraphQLResolveInfo, SelectionNode

    from journeygraph.resolvers.context import Context


def _names(
    selections: Iterable[SelectionNode], under: str | None, fragments: dict[str, FragmentDefinitionNode]
) -> set[str]:
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, FieldNode):
            if under is None:
                names.add(selection.name.value)
            elif selection.name.value == under and selection.selection_set is not None:
                names |= _names(selection.selection_set.selections, None, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            names |= _names(fragments[selection.name.value].selection_set.selections, under, fragments)
        elif isinstance(selection, InlineFragmentNode):
            names |= _names(selection.selection_set.selections, under, fragments)
    return names


def selected(info: strawberry.Info[Context, Any], under: str | None = None) -> set[str]:
    """Field names selected below the current field (below its `under` child when given)."""
    return selected_below(info._raw_info, under)


def selected_below(raw: GraphQLResolveInfo[Any], under: str | None = None) -> set[str]:
    """`selected`, from graphql-core's resolve info (what the executor hands a batch of fields)."""
    cache = raw.context.cache
    key = ("selected", *(id(node) for node in raw.field_nodes), under)
    if key not in cache:
        cache[key] = {
            name
            for node in raw.field_nodes
            if node.selection_set is not None
            for name in _names(node.selection_set.selections, under, raw.fragments)
        }
    found: set[str] = cache[key]
    return found


def fields_below(raw: GraphQLResolveInfo[Any], name: str) -> list[FieldNode]:
    """The fields called `name` selected right below the current field (aliases apart, through
    fragments); those under a directive (@skip, @include) are left out, not evaluated.
    Remembered per request, as `selected_below` is: a list of journeys asks once per journey."""
    cache = raw.context.cache
    key = ("fields", *(id(node) for node in raw.field_nodes), name)
    if key in cache:
        cached: list[FieldNode] = cache[key]
        return cached
    found: list[FieldNode] = []
    cache[key] = found

    def visit(selections: Iterable[SelectionNode]) -> None:
        for selection in selections:
            if selection.directives:
                continue
            if isinstance(selection, FieldNode):
                if selection.name.value == name:
                    found.append(selection)
            elif isinstance(selection, FragmentSpreadNode):
                visit(raw.fragments[selection.name.value].selection_set.selections)
            elif isinstance(selection, InlineFragmentNode):
                visit(selection.selection_set.selections)

    for node in raw.field_nodes:
        if node.selection_set is not None:
            visit(node.selection_set.selections)
    return found


def names_below(field: FieldNode, raw: GraphQLResolveInfo[Any]) -> set[str]:
    """Field names selected right below `field`."""
    if field.selection_set is None:
        return set()
    return _names(field.selection_set.selections, None, raw.fragments)
