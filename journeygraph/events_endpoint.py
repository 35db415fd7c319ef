"""POST /v1/events: the engine's way in. JSON `{"events": [...]}` or NDJSON.

A body that cannot be parsed at all is 400 and a body over the limits is 413;
in both cases nothing is stored. Otherwise each event is checked on its own
(see resolvers.ingest) and the answer is `{accepted, duplicates, rejected}`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.responses import JSONResponse

from db.enums import Scope
from journeygraph import observability
from journeygraph.auth import AuthError, authenticate
from journeygraph.bodies import read_limited
from resolvers.errors import ErrorCode
from resolvers.ingest import ingest

if TYPE_CHECKING:
    from starlette.requests import Request


class BodyError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    facts = observability.current()
    if facts is not None:
        facts.error_codes.append(code)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _read(request: Request, limit: int) -> bytes:
    body = await read_limited(request, limit)
    if body is None:
        raise BodyError(413, "PAYLOAD_TOO_LARGE", f"the body is over {limit} bytes, the most allowed")
    return body


def _parse(body: bytes, content_type: str) -> list[Any]:
    # Decimal for every JSON number: revenue is kept exactly as sent.
    try:
        if "ndjson" in content_type or "jsonlines" in content_type:
            return [json.loads(line, parse_float=Decimal) for line in body.splitlines() if line.strip()]
        document = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as problem:
        raise BodyError(400, "BAD_REQUEST", f"the body is not valid JSON: {problem}") from None
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return list(document["events"])
    raise BodyError(400, "BAD_REQUEST", 'the body must be {"events": [...]} or NDJSON, one event per line')


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
    try:
        events = _parse(
            await _read(request, settings.max_events_body), request.headers.get("content-type", "")
        )
        if len(events) > settings.max_events:
            raise BodyError(
                413, "PAYLOAD_TOO_LARGE", f"{len(events)} events; at most {settings.max_events} per request"
            )
    except BodyError as problem:
        return error(problem.status, problem.code, problem.message)
    result = await ingest(state.sessions, principal.workspace_id, events)
    state.metrics.record_events(result)
    return JSONResponse(
        {
            "accepted": result.accepted,
            "duplicates": result.duplicates,
            "rejected": [asdict(r) for r in result.rejected],
        }
    )
