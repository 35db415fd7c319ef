"""Which media type a GraphQL response has, from the request's Accept header."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from journeygraph.graphql_view import GRAPHQL_RESPONSE, JSON, preferred_media_type


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, JSON),  # no header: JSON, as GraphQL over HTTP says
        ("*/*", JSON),  # a wildcard alone: clients older than the new type expect JSON
        ("application/json", JSON),
        (GRAPHQL_RESPONSE, GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE}, application/json;q=0.9", GRAPHQL_RESPONSE),  # the spec's example
        (f"application/json, {GRAPHQL_RESPONSE}", GRAPHQL_RESPONSE),  # equal: the new type
        (f"{GRAPHQL_RESPONSE};q=0.5, */*", JSON),  # JSON through the wildcard is preferred
        (f"{GRAPHQL_RESPONSE}, */*", GRAPHQL_RESPONSE),
        (f"{GRAPHQL_RESPONSE};q=0", JSON),  # named, and refused
        (f"application/*;q=0.9, {GRAPHQL_RESPONSE};q=0.8", JSON),
        ("APPLICATION/GRAPHQL-RESPONSE+JSON", GRAPHQL_RESPONSE),  # media types ignore case
        ("text/html, application/xhtml+xml", JSON),
    ],
)
def test_the_response_type_follows_the_accept_header(accept: str | None, expected: str) -> None:
    assert preferred_media_type(accept) == expected


@given(st.text())
def test_any_accept_header_answers_one_of_the_two_types(accept: str) -> None:
    assert preferred_media_type(accept) in (JSON, GRAPHQL_RESPONSE)
    assert preferred_media_type(f"{accept}, {GRAPHQL_RESPONSE};{accept}") in (JSON, GRAPHQL_RESPONSE)
