"""Ids read as UUIDs: remembered when short, the same answer either way."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from journeygraph.resolvers import ids
from journeygraph.resolvers.ids import parse_id

U = uuid.UUID("12345678-1234-5678-1234-567812345678")


def test_every_text_form_uuid_reads_names_the_same_id() -> None:
    for text in (str(U), U.hex, f"{{{U}}}", f"urn:uuid:{U}", str(U).upper()):
        assert parse_id(text) == U
    assert parse_id("-".join(U.hex)) == U  # uuid.UUID drops hyphens anywhere: 95 characters, uncached
    for junk in ("", "x", str(U)[:-1], str(U) + "0", "\x00" * 36, None, 7):
        assert parse_id(junk) is None  # type: ignore[arg-type]  # what a client may send


@given(st.text() | st.just(str(U)) | st.builds(lambda u: str(u), st.uuids()))
def test_the_cache_answers_what_uuid_answers(text: str) -> None:
    try:
        expected: uuid.UUID | None = uuid.UUID(text)
    except ValueError:
        expected = None
    assert parse_id(text) == expected
    assert parse_id(text) == expected  # and again, from the cache


def test_a_long_id_is_refused_without_being_kept() -> None:
    ids._parse_cached.cache_clear()
    assert parse_id("a" * 10_000_000) is None
    assert ids._parse_cached.cache_info().currsize == 0
    assert parse_id(str(U)) == U
    assert ids._parse_cached.cache_info().currsize == 1
