"""Reading the JSON of a GraphQL request (its body, or GET's `variables` and `extensions`).

Everything a request carries ends up in PostgreSQL text or JSONB, in a time
zone look-up or in a JSON answer, none of which can hold every value that
JSON can spell. So a request is refused whole, with HTTP 400 and a message
naming the problem, when any value in it is:

- text with NUL (U+0000) or a lone surrogate (`"\\ud800"`), keys included;
- a number that is not finite (`NaN`, `Infinity`, `1e999`) or an integer of
  more than `MAX_INT_DIGITS` digits;
- nested more than `MAX_DEPTH` levels deep.

The same rules hold for string literals inside the GraphQL document
(schema.text_rules). The bounds are in docs/decisions.md, "Bounds of a request".
"""

from __future__ import annotations

import json
import math
from typing import Any

from journeygraph.db.text import text_problem

MAX_DEPTH = 64
MAX_INT_DIGITS = 40


class RequestValueError(ValueError):
    """A value of the request that journeygraph cannot take; the message names it."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise RequestValueError(
            f"a number in the request has {len(text.lstrip('-'))} digits; at most {MAX_INT_DIGITS} are allowed"
        )
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise RequestValueError(f"the number {text[:40]} is too large to be represented")
    return value


def _constant(name: str) -> Any:
    raise RequestValueError(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(parse_int=_integer, parse_float=_float, parse_constant=_constant)


def check_values(value: Any, where: str = "") -> None:
    """Walk `value` (without recursion) and raise RequestValueError at the first bad part."""
    stack: list[tuple[Any, str, int]] = [(value, where, 1)]
    while stack:
        item, path, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise RequestValueError(f"{path or 'the request'} is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                raise RequestValueError(f"a string in {path or 'the request'} {problem}")
        elif isinstance(item, dict):
            for key, child in item.items():
                problem = text_problem(key)
                if problem:
                    raise RequestValueError(f"a key in {path or 'the request'} {problem}")
                stack.append((child, _below(path, f".{key[:40]}" if path else key[:40]), depth + 1))
        elif isinstance(item, list):
            stack.extend((child, _below(path, f"[{i}]"), depth + 1) for i, child in enumerate(item))


def _below(path: str, step: str) -> str:
    """A child's path for messages; past 200 characters the parent's stands for it."""
    return path + step if len(path) < 200 else path


def decode(data: str | bytes) -> Any:
    """The JSON in `data`, checked as above. json.JSONDecodeError when it is not JSON at all;
    RequestValueError when it is, but holds what journeygraph cannot take."""
    try:
        text = data.decode() if isinstance(data, bytes) else data
    except UnicodeDecodeError as problem:
        raise RequestValueError(f"the request is not UTF-8: {problem}") from None
    try:
        value = _DECODER.decode(text)
    except RecursionError:
        raise RequestValueError(f"the request is nested more than {MAX_DEPTH} levels deep") from None
    check_values(value)
    return value
