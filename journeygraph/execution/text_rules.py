"""A validation rule: string literals of a document hold only text that can be stored.

`"\\u0000"` or `"\\ud800"` written in a document become NUL or a lone surrogate,
which PostgreSQL text cannot hold and a UTF-8 answer cannot carry. Such a
document is refused in validation (BAD_USER_INPUT), like the same values sent
as variables (journeygraph.request_json).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, ValidationRule

from journeygraph.db.text import text_problem

if TYPE_CHECKING:
    from graphql import StringValueNode


class StorableText(ValidationRule):
    """Reports each string literal holding NUL or a lone surrogate."""

    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        problem = text_problem(node.value)
        if problem:
            self.report_error(GraphQLError(f"a string literal {problem}", node))
