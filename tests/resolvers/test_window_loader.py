"""The batching of resolvers.performance's window loaders, on their own.

A subclass answers `_fetch` from the keys themselves (figures are the subject of
tests/resolvers/test_performance.py against PostgreSQL); what is tested here is which
keys reach which fetch, and when.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from journeygraph.resolvers.performance import FigureKey, WholeJourney, _ByWindowLoader
from journeygraph.resolvers.windows import Span

DAY = Span(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC))
WEEK = (DAY, Span(DAY.end, DAY.end + timedelta(days=6)))
JOURNEY, OTHER_JOURNEY = uuid.uuid4(), uuid.uuid4()
# the nodes of JOURNEY that a "whole journey" fetch finds
JOURNEY_NODES = [uuid.uuid4() for _ in range(3)]


class _Session:
    async def __aenter__(self) -> _Session:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class Recording(_ByWindowLoader):
    """Answers each owner's point i with (owner, i); records every fetch's arguments."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(lambda: _Session(), uuid.uuid4())  # type: ignore[arg-type]  # no database in these tests
        self.fetches: list[tuple[tuple[Span, ...], list[FigureKey], list[WholeJourney]]] = []
        self.fail = fail

    async def _fetch(
        self, session: Any, series: tuple[Span, ...], keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        self.fetches.append((series, list(keys), list(wholes)))
        if self.fail:
            raise RuntimeError("the database went away")
        owners = {key.owner for key in keys}
        owners |= {node for whole in wholes if whole.journey == JOURNEY for node in JOURNEY_NODES}
        return {(i, owner): (owner, i) for owner in owners for i in range(len(series))}


def key(owner: uuid.UUID, series: tuple[Span, ...] = (DAY,), journey: uuid.UUID = JOURNEY) -> FigureKey:
    return FigureKey(owner, journey, series, "node")


async def test_keys_asked_for_in_one_turn_are_one_fetch_per_series() -> None:
    loader = Recording()
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    keys = [key(a), key(b), key(c, WEEK)]

    await asyncio.gather(loader.many(keys[:1]), loader.many(keys[1:]))

    assert sorted((len(series), len(asked)) for series, asked, _ in loader.fetches) == [(1, 2), (2, 1)]
    assert loader.answer(keys[0]) == [(a, 0)]
    assert loader.answer(keys[2]) == [(c, 0), (c, 1)]


class Overlapping(Recording):
    """Records how many fetches run at once, and the sessions they run in."""

    def __init__(self) -> None:
        super().__init__()
        self.running, self.most, self.sessions_used = 0, 0, set()

    async def _fetch(
        self, session: Any, series: tuple[Span, ...], keys: list[FigureKey], wholes: list[WholeJourney]
    ) -> dict[tuple[int, uuid.UUID], Any]:
        self.running += 1
        self.most = max(self.most, self.running)
        self.sessions_used.add(id(session))
        for _ in range(3):  # a statement's round trips: the other series' fetch may start meanwhile
            await asyncio.sleep(0)
        self.running -= 1
        return await super()._fetch(session, series, keys, wholes)


async def test_the_series_of_one_batch_are_fetched_side_by_side_each_in_its_own_session() -> None:
    """Two windows of a canvas (this period and the one before) cost about one window's time."""
    loader = Overlapping()
    sessions: list[_Session] = []

    def session() -> _Session:
        sessions.append(_Session())
        return sessions[-1]

    loader.sessions = session  # type: ignore[assignment]
    a, b = uuid.uuid4(), uuid.uuid4()

    await loader.many([key(a), key(b, WEEK)])

    assert len(loader.fetches) == 2
    assert loader.most == 2
    assert len(sessions) == 2 and len(loader.sessions_used) == 2
    assert loader.answer(key(a)) == [(a, 0)]
    assert loader.answer(key(b, WEEK)) == [(b, 0), (b, 1)]


async def test_a_key_asked_for_again_is_not_fetched_again() -> None:
    loader = Recording()
    first = key(uuid.uuid4())
    await loader.many([first])

    await loader.many([first, first])

    assert len(loader.fetches) == 1
    assert loader.holds(first)
    assert not loader.holds(key(uuid.uuid4()))


async def test_a_whole_journey_answers_its_owners_without_fetching_them_by_key() -> None:
    loader = Recording()
    whole = WholeJourney(JOURNEY, (DAY,), "node")
    loader.whole(whole)
    node = key(JOURNEY_NODES[1])

    assert loader.holds(node)  # held before the fetch runs
    await loader.many([node])

    ((_, asked, wholes),) = loader.fetches
    assert asked == [] and wholes == [whole]
    assert loader.answer(node) == [(JOURNEY_NODES[1], 0)]
    # an owner the journey does not have answers None for each point, not someone else's figures
    assert loader.answer(key(uuid.uuid4())) == [None]


async def test_a_whole_journey_answers_only_its_own_kind_series_and_journey() -> None:
    loader = Recording()
    loader.whole(WholeJourney(JOURNEY, (DAY,), "node"))

    assert not loader.holds(FigureKey(JOURNEY_NODES[0], JOURNEY, (DAY,), "path"))
    assert not loader.holds(key(JOURNEY_NODES[0], WEEK))
    assert not loader.holds(key(JOURNEY_NODES[0], journey=OTHER_JOURNEY))


async def test_a_failed_fetch_fails_every_key_of_its_batch() -> None:
    loader = Recording(fail=True)

    with pytest.raises(RuntimeError, match="went away"):
        await loader.many([key(uuid.uuid4()), key(uuid.uuid4())])
    assert len(loader.fetches) == 1
