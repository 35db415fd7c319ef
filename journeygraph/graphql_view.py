"""Strawberry's ASGI view with authentication in front, GraphQL over HTTP in full, and a typed context.

Responses are `application/graphql-response+json` when the client accepts it
(and prefers it to `application/json`): then a request that fails before
execution (it does not parse, validate, coerce its variables or stay within
the limits) is HTTP 400 without a `data` entry. As `application/json`, such
a request is HTTP 200, as the GraphQL-over-HTTP spec asks. A refused rate is
429 either way; a GraphQL body over the size limit is 413.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from string import Template
from typing import TYPE_CHECKING, Any

import mimeparse
import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData, process_result
from strawberry.schema.exceptions import InvalidOperationTypeError

from journeygraph import request_json
from journeygraph.auth import AuthError, authenticate
from journeygraph.bodies import read_limited
from journeygraph.core.errors import ErrorCode
from journeygraph.core.request_facts import current_request
from journeygraph.execution.masking import shape
from journeygraph.persisted import PersistedQueryError, is_persisted
from journeygraph.resolvers.context import Context
from journeygraph.responses import request_error

if TYPE_CHECKING:
    from graphql import GraphQLError
    from starlette.types import Message, Receive, Scope, Send
    from starlette.websockets import WebSocket
    from strawberry.http import GraphQLHTTPResponse
    from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
ASSETS_PATH = "/graphiql-assets"
ASSETS_DIR = Path(__file__).resolve().parent / "static" / "graphiql"
# strawberry's GraphiQL page with local assets and a slot for the demo's defaults (see the file)
GRAPHIQL_PAGE = Template((Path(__file__).resolve().parent / "graphiql.html").read_text())
# The GraphiQL page: its scripts and styles come from this server only (inline ones are
# GraphiQL's own bootstrap), it may not be framed, and it is never cached (it may hold a key).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
}


class SubResponse(Response):
    """What resolvers and process_result decide about the response before it is built."""

    etag_wanted = False
    if_none_match: str | None = None


def unauthenticated(message: str) -> Response:
    """HTTP 401 in the shape of a GraphQL response."""
    return request_error(
        401, ErrorCode.UNAUTHENTICATED, message, {"WWW-Authenticate": 'Bearer realm="journeygraph"'}
    )


def preferred_media_type(accept: str | None) -> str:
    """`application/graphql-response+json` when the client names it and accepts it at least as
    much as JSON; else JSON (also for a wildcard alone, as clients written before that type expect).
    Qualities are weighed by python-mimeparse (RFC 9110); a header it cannot parse means JSON."""
    accept = (accept or "").lower()  # media types and their parameters' names ignore case
    if GRAPHQL_RESPONSE not in accept:
        return JSON
    try:
        best = mimeparse.best_match([JSON, GRAPHQL_RESPONSE], accept)  # a tie goes to the later one
    except ValueError:
        return JSON
    return GRAPHQL_RESPONSE if best == GRAPHQL_RESPONSE else JSON


def failed_before_execution(result: ExecutionResult) -> bool:
    """True when nothing executed: the document, its variables or its limits were refused."""
    errors: list[GraphQLError] = result.errors or []
    return result.data is None and bool(errors) and all(error.path is None for error in errors)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


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
                if request.method == "POST":
                    limit = state.settings.max_query_body
                    body = await read_limited(request, limit)
                    if body is None:
                        await request_error(
                            413,
                            ErrorCode.BAD_USER_INPUT,
                            f"the request body is over {limit} bytes, the most allowed "
                            "(JOURNEYGRAPH_MAX_QUERY_BODY)",
                        )(scope, receive, send)
                        return
                    receive = _replay(body)
                    request = Request(scope, receive)
                try:
                    principal = await authenticate(
                        request.headers.get("authorization"), state.reads, state.settings
                    )
                except AuthError as error:
                    await unauthenticated(str(error))(scope, receive, send)
                    return
                scope.setdefault("state", {})["principal"] = principal
        await super().__call__(scope, receive, send)

    async def run(self, request: Any, context: Any = None, root_value: Any = None) -> Any:
        """As strawberry's, but a refused HTTP request answers JSON with a code, not plain text."""
        try:
            return await super().run(request)
        except HTTPException as error:
            headers = {"Allow": "POST"} if error.status_code == 405 else None
            return request_error(error.status_code, ErrorCode.BAD_USER_INPUT, error.reason, headers)
        except PersistedQueryError as error:
            # 200, as Apollo clients expect before they send the query itself
            return request_error(200, error.code, str(error))

    def decode_json(self, data: str | bytes) -> object:
        """The request's JSON, refused with 400 when it holds what cannot be stored or answered
        (NUL, lone surrogates, non-finite or huge numbers, deep nesting): journeygraph.request_json."""
        try:
            return request_json.decode(data)
        except request_json.RequestValueError as problem:
            raise HTTPException(400, str(problem)) from None

    def encode_json(self, data: object) -> bytes:
        """orjson, not json.dumps: a canvas answer is a few hundred kilobytes (UTF-8, not \\u escapes)."""
        return orjson.dumps(data)

    def should_render_graphql_ide(self, request: Any) -> bool:
        """GraphiQL for a browser's plain GET; never for a GET that names a persisted query."""
        return super().should_render_graphql_ide(request) and "extensions" not in request.query_params

    async def execute_single(self, *args: Any, **kwargs: Any) -> Any:
        """As strawberry's, with persisted queries filled in, and a mutation sent with GET is 405
        Method Not Allowed (GraphQL over HTTP)."""
        request: Request = kwargs["request"]
        data: GraphQLRequestData = kwargs["request_data"]
        if is_persisted(data.extensions):
            workspace_id = request.state.principal.workspace_id
            kwargs["request_data"] = await request.app.state.persisted.resolve(workspace_id, data)
            request.state.persisted = True
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as error:
            if isinstance(error.__cause__, InvalidOperationTypeError):
                raise HTTPException(405, error.reason) from error
            raise

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        response = SubResponse()
        response.status_code = None  # type: ignore[assignment]  # strawberry's "not set"
        del response.headers["content-length"]  # its headers are copied onto the real response
        request.state.sub_response = response  # process_result sets its status, media type, caching
        return response

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket) -> Context:
        state = request.app.state
        return Context(
            request=request,  # type: ignore[arg-type]  # only HTTP reaches here
            response=response,  # type: ignore[arg-type]  # likewise: an HTTP response
            principal=request.state.principal,
            sessions=state.sessions,
            reads=state.reads,
            settings=state.settings,
            request_id=request.state.request_id,
            limiter=state.limiter,
            read_sessions=state.read_sessions,
        )

    async def process_result(self, request: Request, result: ExecutionResult) -> GraphQLHTTPResponse:
        if any(not (error.extensions or {}).get("code") for error in result.errors or []):
            # Raised inside an extension hook (a syntax error in the parser cache, say), an
            # error skips the shaping extension; shape it here the same way.
            result.errors = shape(result.errors or [], request.state.request_id)
        response = process_result(result)
        sub_response: SubResponse = request.state.sub_response
        media_type = preferred_media_type(request.headers.get("accept"))
        sub_response.media_type = media_type
        if failed_before_execution(result):
            response.pop("data", None)  # the spec: no data entry when execution never started
            if media_type == GRAPHQL_RESPONSE and sub_response.status_code is None:
                sub_response.status_code = 400
        if request.method == "GET" and getattr(request.state, "persisted", False) and not result.errors:
            sub_response.headers["Cache-Control"] = (
                f"private, max-age={request.app.state.settings.cache_max_age}"
            )
            sub_response.headers["Vary"] = "Authorization, Accept"
            sub_response.etag_wanted = True
            sub_response.if_none_match = request.headers.get("if-none-match")
        facts = current_request()
        if facts is not None:
            facts.error_codes.extend(
                str((error.extensions or {}).get("code", ErrorCode.INTERNAL.value))
                for error in result.errors or []
            )
        return response

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        response = super().create_response(response_data, sub_response)
        if sub_response.media_type == GRAPHQL_RESPONSE:
            response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
        if isinstance(sub_response, SubResponse) and sub_response.etag_wanted:
            # Of the data only: extensions.cost (the caller's bucket) changes on every request.
            data = self.encode_json({"data": response_data.get("data")})
            data_bytes = data if isinstance(data, bytes) else data.encode()
            etag = f'"{hashlib.sha256(data_bytes).hexdigest()[:32]}"'
            if sub_response.if_none_match in (etag, f"W/{etag}"):
                return Response(status_code=304, headers={**dict(sub_response.headers), "ETag": etag})
            response.headers["ETag"] = etag
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        defaults: dict[str, str] = {}
        demo = getattr(request.app.state, "demo", None)
        if demo is not None:
            # Only a server on its embedded (local, demo) database fills these in, so a
            # newcomer can run the README's canvas query without typing a token; the key
            # only when the server listens on loopback (journeygraph.cli, --share-demo-key).
            defaults = {"query": demo.query, "variables": json.dumps(demo.variables)}
            if demo.share_key:
                defaults["headers"] = json.dumps({"Authorization": f"Bearer {demo.key}"})
        # JSON inside <script>: no "<" may end the element early
        data = json.dumps(defaults).replace("<", "\\u003c")
        return HTMLResponse(GRAPHIQL_PAGE.substitute(defaults=data), headers=PAGE_HEADERS)


def graphql_app(schema: Any) -> GraphQLView:
    """The /graphql endpoint: POST and GET (queries only), GraphiQL for browsers."""
    return GraphQLView(schema, graphql_ide="graphiql", allow_queries_via_get=True)
