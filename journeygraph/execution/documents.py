"""Each document is parsed and validated once, and the work is charged to whoever makes it do more.

Reading a document costs CPU before any cost analysis can run: graphql-core
parses about 15 µs a token, and its overlapping-fields rule compares every
pair of fields that share a response name, ~15 µs a pair (2,400 copies of
`workspace { id }` take over a second). So:

- documents are cached by their tokens (comments, whitespace and commas do not
  make a new document), up to CACHED_DOCUMENTS of them;
- a document not in the cache costs one point per CHARS_PER_POINT characters
  (taken before its text is read: lexing is ~0.75 µs a character), then one per
  token (before parsing), then one per pair of fields validation will compare
  (before validating): one point is about 15 µs of work, the rate of the
  execution cost model. At most the query budget (JOURNEYGRAPH_MAX_QUERY_COST)
  in all, reported as `extensions.cost.document`; a cached document costs nothing.
  A caller whose bucket is short is refused before the step it cannot pay for;
- before validation, a response name selected more than MAX_SAME_NAME times in
  one merged selection set (fragments included) is refused: validation's work
  grows with the square of that number.

A document with the same tokens but a different text (another comment) is
parsed again (its error locations are its own) but not validated again.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    Lexer,
    OperationDefinitionNode,
    Source,
    TokenKind,
    parse,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from journeygraph.core.errors import ApiError, ErrorCode
from journeygraph.execution.cost import MAX_VISITS
from journeygraph.execution.limits import refused_rate

if TYPE_CHECKING:
    from collections.abc import Iterator

    from graphql import DocumentNode, SelectionSetNode

    from journeygraph.resolvers.context import Context

CACHED_DOCUMENTS = 1000
MAX_SAME_NAME = 20
CHARS_PER_POINT = 20


@dataclass
class Entry:
    """A parsed document, its token key, and its validation errors once known."""

    document: DocumentNode
    key: tuple[bytes, tuple[int, int, int]]  # its tokens' digest, and the limits it is validated under
    errors: list[GraphQLError] | None = None


class _Cache(OrderedDict[Any, Any]):
    def get_fresh(self, key: Any) -> Any:
        value = self.get(key)
        if value is not None:
            self.move_to_end(key)
        return value

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > CACHED_DOCUMENTS:
            self.popitem(last=False)


BY_TEXT = _Cache()  # (query text, limits) -> Entry
VALID = _Cache()  # (token key, limits) -> True: documents known to validate under those limits


def token_key(query: str, max_tokens: int) -> tuple[bytes, int]:
    """A digest of the document's tokens (comments and commas are not tokens) and their count.

    Stops after `max_tokens + 1` tokens, and at a syntax error: parsing reports both.
    """
    digest = hashlib.blake2b(digest_size=20)
    lexer = Lexer(Source(query))
    tokens = 0
    try:
        while tokens <= max_tokens:
            token = lexer.advance()
            if token.kind == TokenKind.EOF:
                break
            tokens += 1
            value = (token.value or "").encode("utf-8", "surrogatepass")
            digest.update(f"{token.kind.value}:{len(value)}:".encode())
            digest.update(value)
    except GraphQLError:
        pass
    return digest.digest(), tokens


@dataclass(frozen=True)
class FieldWork:
    """What validation will compare: the largest group of fields merged under one response name."""

    largest: int
    name: str
    comparisons: int


def field_work(document: DocumentNode) -> FieldWork:
    """Walk the document's selection sets as validation merges them (fields of one response name
    together, fragments spread in) and count the pairs it compares. No recursion; at most
    MAX_VISITS fields (ApiError beyond)."""
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    pending: list[list[SelectionSetNode]] = [
        [d.selection_set]
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    largest, name, comparisons, visits = 0, "", 0, 0
    while pending:
        groups: dict[str, list[FieldNode]] = {}
        spread: set[str] = set()
        stack = pending.pop()
        while stack:
            for selection in stack.pop().selections:
                if isinstance(selection, FieldNode):
                    visits += 1
                    if visits > MAX_VISITS:
                        raise ApiError(
                            f"the query expands to more than {MAX_VISITS} fields (fragments spread included)",
                            ErrorCode.QUERY_TOO_COMPLEX,
                        )
                    response = (selection.alias or selection.name).value
                    groups.setdefault(response, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    stack.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = fragments.get(selection.name.value)
                    if fragment is not None and selection.name.value not in spread:
                        spread.add(selection.name.value)
                        stack.append(fragment.selection_set)
        for response, fields in groups.items():
            comparisons += len(fields) * (len(fields) - 1) // 2
            if len(fields) > largest:
                largest, name = len(fields), response
            children = [f.selection_set for f in fields if f.selection_set is not None]
            if children:
                pending.append(children)
    return FieldWork(largest, name, comparisons)


class Documents(SchemaExtension):
    """Parses and validates through the caches above, charging the caller for a miss."""

    def __init__(self) -> None:
        super().__init__()
        self.entry: Entry | None = None
        self.validated = False

    @property
    def context(self) -> Context:
        context: Context = self.execution_context.context
        return context

    def charge(self, points: int) -> None:
        """Take `points` for reading the document; ApiError RATE_LIMITED when the bucket lacks them."""
        context = self.context
        # A document never costs more than the costliest query, so any bucket can afford it.
        points = min(points, context.settings.max_query_cost - context.document_cost)
        if points <= 0:
            return
        context.document_cost += points
        refusal = refused_rate(context, points, "reading this new document")
        if refusal is not None:
            raise refusal

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        query = execution.query
        if query and execution.graphql_document is None:
            settings = self.context.settings
            # what validation depends on besides the document (shape_limits.py)
            limits = (settings.max_tokens, settings.max_depth, settings.max_aliases)
            entry = BY_TEXT.get_fresh((query, limits))
            if entry is None:
                max_tokens = settings.max_tokens
                self.charge(-(-len(query) // CHARS_PER_POINT))
                key, tokens = token_key(query, max_tokens)
                self.charge(min(tokens, max_tokens))
                entry = Entry(parse(query, max_tokens=max_tokens), (key, limits))
                if VALID.get_fresh(entry.key):
                    entry.errors = []
                BY_TEXT.put((query, limits), entry)
            self.entry = entry
            execution.graphql_document = entry.document
        yield

    def on_validate(self) -> Iterator[None]:
        execution = self.execution_context
        entry = self.entry
        if entry is not None and execution.graphql_document is entry.document:
            if entry.errors is None:
                work = field_work(entry.document)
                if work.largest > MAX_SAME_NAME:
                    raise ApiError(
                        f"`{work.name}` is selected {work.largest} times in one selection set (fragments "
                        f"included); at most {MAX_SAME_NAME} are allowed: give the copies aliases or merge them",
                        ErrorCode.QUERY_TOO_COMPLEX,
                    )
                self.charge(work.comparisons)
                entry.errors = validate_document(
                    execution.schema._schema, entry.document, execution.validation_rules
                )
                if not entry.errors:
                    VALID.put(entry.key, True)
            execution.pre_execution_errors = entry.errors
        yield
