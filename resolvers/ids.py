"""GraphQL ids are the rows' UUIDs in canonical text form."""

from __future__ import annotations

import functools
import uuid
from typing import Any

# Ids up to this length are remembered (a UUID's text is 32 to 47 characters), so a hostile
# one of megabytes is parsed, and refused, without being kept.
CACHED_LENGTH = 64


def parse_id(value: str) -> uuid.UUID | None:
    """The UUID in `value`, or None: a malformed id is simply an id that does not exist."""
    if isinstance(value, str) and len(value) <= CACHED_LENGTH:
        return _parse_cached(value)
    return _parse(value)


def _parse(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None


# A batch of events names the same few journeys and nodes thousands of times.
_parse_cached = functools.lru_cache(maxsize=8192)(_parse)
