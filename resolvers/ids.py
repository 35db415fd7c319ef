"""GraphQL ids are the rows' UUIDs in canonical text form."""

from __future__ import annotations

import uuid


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID in `value`, or None: a malformed id is simply an id that does not exist."""
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None
