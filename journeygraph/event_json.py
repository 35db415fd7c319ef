"""Reading a batch of events out of a `/v1/events` body: JSON `{"events": [...]}` or NDJSON.

Every JSON number is read as a Decimal (integers too), so revenue is kept
exactly as sent and a number of a million digits is just a number that the
event's check refuses, not a parse failure of the whole batch.

A value nested deeper than Python's JSON parser can follow (about 900
levels; a real event is 1 level deep) does not sink its batch: that event is
found by its brackets, skipped, and rejected on its own as `Unreadable`,
while the events around it are read as usual.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from journeygraph.resolvers.event_schema import Unreadable

_DECODER = json.JSONDecoder(parse_float=Decimal, parse_int=Decimal)
_HEAD = re.compile(r'\s*\{\s*"events"\s*:\s*\[\s*')
_NEXT = re.compile(r"\s*([,\]])\s*")
_TAIL = re.compile(r"\s*\}\s*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_CHUNK = 4096
TOO_DEEP = "the event is nested too deeply to read (an event is one JSON object of plain values)"


class BodyError(ValueError):
    """The body as a whole cannot be read; nothing of it is stored."""


def parse_events(body: bytes, ndjson: bool) -> list[Any]:
    """The events of a body, in order; BodyError when it is not one of the two shapes."""
    try:
        text = body.decode()
    except UnicodeDecodeError as problem:
        raise BodyError(f"the body is not UTF-8: {problem}") from None
    if ndjson:
        return [_line(line, number) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    try:
        document = _DECODER.decode(text)
    except RecursionError:
        return _tolerant(text)
    except ValueError as problem:
        raise BodyError(f"the body is not valid JSON: {problem}") from None
    if isinstance(document, dict) and isinstance(document.get("events"), list):
        return list(document["events"])
    raise BodyError('the body must be {"events": [...]} or NDJSON, one event per line')


def _line(line: str, number: int) -> Any:
    try:
        return _DECODER.decode(line)
    except RecursionError:
        return Unreadable(TOO_DEEP)
    except ValueError as problem:
        raise BodyError(f"line {number} is not valid JSON: {problem}") from None


def _tolerant(text: str) -> list[Any]:
    """Read `{"events": [...]}` event by event, skipping the ones nested too deeply."""
    head = _HEAD.match(text)
    if head is None:
        raise BodyError('the body is nested too deeply; it must be {"events": [...]} of flat events')
    events: list[Any] = []
    position = head.end()
    if text.startswith("]", position):
        position += 1
    else:
        while True:
            try:
                event, position = _DECODER.raw_decode(text, position)
            except RecursionError:
                event, position = Unreadable(TOO_DEEP), _end_of_value(text, position)
            except ValueError as problem:
                raise BodyError(f"the body is not valid JSON: {problem}") from None
            events.append(event)
            separator = _NEXT.match(text, position)
            if separator is None:
                raise BodyError(f"the body is not valid JSON: expected ',' or ']' at character {position}")
            position = separator.end()
            if separator.group(1) == "]":
                break
    if _TAIL.fullmatch(text, position) is None:
        raise BodyError('the body must be {"events": [...]} with nothing after the list')
    return events


def _end_of_value(text: str, start: int) -> int:
    """Where the array or object opening at `start` closes, without recursion.

    Strings are jumped over whole (their brackets do not count). Between them,
    a chunk whose closing brackets are fewer than the depth cannot close the
    value and is counted with str.count; only a chunk that may close it is
    walked character by character. Megabytes of nesting take a few C-speed
    passes, not a Python step per character.
    """
    depth = 0
    position = start
    while position < len(text):
        string = _STRING.search(text, position)
        stop = string.start() if string else len(text)
        for chunk in range(position, stop, _CHUNK):
            end = min(chunk + _CHUNK, stop)
            opened = text.count("[", chunk, end) + text.count("{", chunk, end)
            closed = text.count("]", chunk, end) + text.count("}", chunk, end)
            if closed < depth:
                depth += opened - closed
                continue
            for index in range(chunk, end):
                character = text[index]
                if character in "[{":
                    depth += 1
                elif character in "]}":
                    depth -= 1
                    if depth == 0:
                        return index + 1
        if string is None:
            break
        position = string.end()
    raise BodyError("the body is not valid JSON: a list or object is never closed")
