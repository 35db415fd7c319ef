"""What PostgreSQL text (and a UTF-8 JSON answer) can hold."""

from __future__ import annotations


def is_unicode(text: str) -> bool:
    """False when `text` holds a lone surrogate, which UTF-8 cannot carry."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored or answered (NUL, a lone surrogate), or None."""
    if "\x00" in text:
        return "contains NUL (\\u0000), which text here cannot hold"
    if not is_unicode(text):
        return "contains a lone surrogate, which is not valid Unicode text"
    return None
