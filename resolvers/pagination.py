"""Opaque keyset cursors for the journeys list: (updated_at, id) of an edge."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime

from resolvers.errors import bad_user_input, shown


def encode_cursor(updated_at: datetime, journey_id: uuid.UUID) -> str:
    """A cursor pointing at one journey's place in the list."""
    raw = json.dumps([updated_at.isoformat(), str(journey_id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode()


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The position in a cursor; BAD_USER_INPUT when it is not one of ours."""
    try:
        when, journey_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        position = datetime.fromisoformat(when), uuid.UUID(journey_id)
    except (ValueError, TypeError, UnicodeError):
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list") from None
    # Our cursors hold a row's updated_at: aware, and never before 1970 (a forged year 1
    # with an offset would have no UTC form at all).
    if position[0].tzinfo is None or position[0].year < 1970 or position[0].year > 9998:
        raise bad_user_input(f"after: {shown(cursor)} is not a cursor of this list")
    return position
