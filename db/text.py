"""What PostgreSQL text (and a UTF-8 JSON answer) can hold."""

from __future__ import annotations


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored or answered (NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains NUL (\\u0000), which text here cannot hold"
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return "contains a lone surrogate, which is not valid Unicode text"
    return None
