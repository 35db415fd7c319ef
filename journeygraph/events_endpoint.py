"""POST /v1/events: the engine's way in. JSON `{"events": [...]}` or NDJSON.

A body that cannot be parsed at all is 400 and a body over the limits is 413;
in both cases nothing is stored. Otherwise each event is checked on its own
(see resolvers.ingest) and the answer is `{accepted, duplicates, rejected}`.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from starlette.responses import JSONResponse

from journeygraph.auth import AuthError, authenticate
from journeygraph.bodies import read_limited
from journeygraph.core.errors import ErrorCode
from journeygraph.core.principal import Scope
from journeygraph.event_json import BodyError, parse_events
from journeygraph.resolvers.ingest import ingest
from journeygraph.responses import endpoint_error as error

if TYPE_CHECKING:
    from starlette.requests import Request


async def record_events(request: Request) -> JSONResponse:
    """Store a batch of events for the caller's workspace (needs the ingest scope)."""
    state = request.app.state
    settings = state.settings
    try:
        principal = await authenticate(request.headers.get("authorization"), state.reads, settings)
    except AuthError as problem:
        return error(401, ErrorCode.UNAUTHENTICATED.value, str(problem))
    if Scope.INGEST not in principal.scopes:
        return error(403, ErrorCode.FORBIDDEN.value, "this credential lacks the 'ingest' scope")
    body = await read_limited(request, settings.max_events_body)
    if body is None:
        limit = settings.max_events_body
        return error(413, "PAYLOAD_TOO_LARGE", f"the body is over {limit} bytes, the most allowed")
    content_type = request.headers.get("content-type", "")
    try:
        events = parse_events(body, ndjson="ndjson" in content_type or "jsonlines" in content_type)
    except BodyError as problem:
        return error(400, "BAD_REQUEST", str(problem))
    if len(events) > settings.max_events:
        return error(
            413, "PAYLOAD_TOO_LARGE", f"{len(events)} events; at most {settings.max_events} per request"
        )
    result = await ingest(state.sessions, principal.workspace_id, events, state.ordinals)
    state.metrics.record_events(result)
    return JSONResponse(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": [asdict(r) for r in result.rejected],
        }
    )
