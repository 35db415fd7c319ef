"""Strawberry's ASGI view with authentication in front and a typed context."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html
from strawberry.schema.exceptions import InvalidOperationTypeError

from journeygraph.auth import AuthError, authenticate
from resolvers.context import Context
from resolvers.errors import ErrorCode

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send
    from starlette.websockets import WebSocket


def unauthenticated(message: str) -> JSONResponse:
    """HTTP 401 in the shape of a GraphQL response."""
    return JSONResponse(
        {
            "data": None,
            "errors": [{"message": message, "extensions": {"code": ErrorCode.UNAUTHENTICATED.value}}],
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer realm="journeygraph"'},
    )


class GraphQLView(GraphQL[Context, None]):
    """Authenticates every operation before strawberry sees it; serves GraphiQL to browsers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope, receive)
            if self.should_render_graphql_ide(self.request_adapter_class(request)):
                await (await self.render_graphql_ide(request))(scope, receive, send)
                return
            if request.method in ("GET", "POST"):
                state = request.app.state
                try:
                    principal = await authenticate(
                        request.headers.get("authorization"), state.sessions, state.settings
                    )
                except AuthError as error:
                    await unauthenticated(str(error))(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        await super().__call__(scope, receive, send)

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, but a mutation sent with GET is 405 Method Not Allowed (GraphQL over HTTP)."""
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        state = request.app.state
        return Context(
            request=request,  # type: ignore[arg-type]  # only HTTP reaches here
            response=response,  # type: ignore[arg-type]
            principal=request.state.principal,
            sessions=state.sessions,
            settings=state.settings,
            request_id=request.state.request_id,
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        html = get_graphql_ide_html(graphql_ide="graphiql")
        demo = getattr(request.app.state, "demo", None)
        if demo is not None:
            # Only a server on its embedded (local, demo) database fills these in, so a
            # newcomer can run the README's canvas query without typing a token.
            headers = {"Authorization": f"Bearer {demo.key}"}
            html = html.replace(
                "const defaultHeaders = {};", f"const defaultHeaders = {json.dumps(headers)};"
            )
            html = html.replace(
                "parameters.headers);", f"parameters.headers || {json.dumps(json.dumps(headers))});", 1
            )
            html = html.replace(
                "parameters.q || EXAMPLE_QUERY", f"parameters.q || {json.dumps(demo.query)}", 1
            )
            html = html.replace(
                "parameters.variables,",
                f"parameters.variables || {json.dumps(json.dumps(demo.variables))},",
                1,
            )
        return HTMLResponse(html)


def graphql_app(schema: Any) -> GraphQLView:
    """The /graphql endpoint: POST and GET (queries only), GraphiQL for browsers."""
    return GraphQLView(schema, graphql_ide="graphiql", allow_queries_via_get=True)
