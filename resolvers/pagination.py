"""Opaque keyset cursors: the sort key of an edge, as base64 of a JSON list of strings.

The journeys list's is (updated_at, id); enrollments' (enteredAt, contactId,
entry event id); a node's contacts' (contactId).
"""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from journeygraph.core.errors import bad_user_input, shown


def encode_parts(parts: list[str]) -> str:
    """A cursor holding `parts`."""
    raw = json.dumps(parts, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_parts(cursor: str, size: int) -> list[str]:
    """The `size` strings in a cursor; BAD_USER_INPUT when it is not one of ours."""
    try:
        parts = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError, UnicodeError, RecursionError):
        parts = None
    if not isinstance(parts, list) or len(parts) != size or not all(isinstance(p, str) for p in parts):
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list")
    return parts


def encode_cursor(updated_at: datetime, journey_id: uuid.UUID) -> str:
    """A cursor pointing at one journey's place in the list."""
    return encode_parts([updated_at.isoformat(), str(journey_id)])


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The position in a cursor; BAD_USER_INPUT when it is not one of ours."""
    when, journey_id = decode_parts(cursor, 2)
    try:
        position = datetime.fromisoformat(when), uuid.UUID(journey_id)
    except (ValueError, TypeError, UnicodeError):
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list") from None
    # Our cursors hold a row's updated_at: aware, and never before 1970 (a forged year 1
    # with an offset would have no UTC form at all).
    if position[0].tzinfo is None or position[0].year < 1970 or position[0].year > 9998:
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list")
    return position
