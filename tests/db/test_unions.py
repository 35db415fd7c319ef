"""Remembered unions of stored contact sets (db/queries/unions.py), against Python sets."""

from __future__ import annotations

import sys

from hypothesis import given
from hypothesis import strategies as st
from pyroaring import BitMap

from journeygraph.db.queries.unions import Unions

ordinal_sets = st.lists(st.sets(st.integers(min_value=0, max_value=2**32 - 1), max_size=50), max_size=6)


def serialized(contacts: set[int]) -> bytes:
    return BitMap(contacts).serialize()


@given(stored=ordinal_sets, tail=st.lists(st.integers(0, 2**32 - 1), max_size=40))
def test_a_count_is_the_number_of_distinct_contacts_of_the_sets_and_the_ordinals(
    stored: list[set[int]], tail: list[int]
) -> None:
    unions = Unions()
    expected = len(set().union(*stored, tail))
    parts = [serialized(s) for s in stored]

    assert unions.count(parts, tail) == expected
    assert unions.count(parts, tail) == expected  # answered from the remembered union


def test_a_union_seen_before_is_not_computed_again() -> None:
    unions = Unions()
    parts = [serialized({1, 2}), serialized({2, 3})]

    first = unions._union(parts)

    assert unions._union([bytes(p) for p in parts]) is first  # equal bytes, other objects
    assert len(first) == 3


def test_a_set_rewritten_by_the_folder_is_a_new_key_never_a_stale_answer() -> None:
    unions = Unions()
    week, today = serialized({1, 2, 3}), serialized({4})
    assert unions.count([week, today]) == 4

    today_after_a_fold = serialized({4, 5, 6})

    assert unions.count([week, today_after_a_fold]) == 6
    assert unions.count([week, today_after_a_fold], [1, 7]) == 7


def test_memory_stays_under_the_limit_and_answers_stay_right() -> None:
    sets = [serialized(set(range(i, i + 100))) for i in range(200)]
    limit = sum(map(len, sets[:20]))
    unions = Unions(limit=limit)

    for i in range(0, 198):
        assert unions.count(sets[i : i + 2]) == 101
        assert unions.size <= limit

    assert 0 < len(unions._unions) < 198


def test_the_size_counts_the_remembered_sets_and_their_union() -> None:
    unions = Unions()
    a, b = serialized(set(range(0, 30_000, 3))), serialized(set(range(1, 30_000, 3)))
    union_bytes = sys.getsizeof(BitMap(range(0, 30_000, 3)) | BitMap(range(1, 30_000, 3)))

    unions.count([a, b])

    assert unions.size == len(a) + len(b) + union_bytes
