"""Scope checks on the root fields: `read` for queries, `write` for journey
mutations, `ingest` for events. A missing scope is a FORBIDDEN error."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from strawberry.permission import BasePermission

from journeygraph.core.errors import ErrorCode
from journeygraph.core.principal import Scope

if TYPE_CHECKING:
    import strawberry

    from journeygraph.resolvers.context import Context


class _NeedsScope(BasePermission):
    scope: ClassVar[Scope]
    error_extensions: ClassVar[dict[str, Any]] = {"code": ErrorCode.FORBIDDEN.value}  # type: ignore[misc]  # strawberry declares it as an instance attribute

    def __init__(self) -> None:
        self.message = f"this credential lacks the '{self.scope.value}' scope"

    def has_permission(self, source: Any, info: strawberry.Info[Context, None], **kwargs: Any) -> bool:
        return self.scope in info.context.principal.scopes


class CanRead(_NeedsScope):
    scope = Scope.READ


class CanWrite(_NeedsScope):
    scope = Scope.WRITE


class CanIngest(_NeedsScope):
    scope = Scope.INGEST
