"""bench.run's timed reads against the real app on a real socket: a request the rate limit refuses is
waited out and asked again, never the end of the run. It asserts what was counted, never how fast."""

from __future__ import annotations

import asyncio

from bench import run
from journeygraph.app import create_app
from journeygraph.core.settings import Settings
from tests.conftest import serving, workspace_key
from tests.journeygraph.test_rate_limit import THIRTY  # 30 points a request


def test_a_request_the_rate_limit_refuses_is_waited_out_asked_again_and_counted(database_url, monkeypatch):
    # given a server whose credentials hold 100 points and regain 50 a second, and a read of 30 points
    settings = Settings(
        database_url=database_url,
        rate_limit_per_second=50,
        rate_limit_burst=100,
        max_query_cost=100,
        folder=False,
    )
    key = workspace_key(database_url)
    monkeypatch.setattr(run, "WARM_UP", 1)

    # when one client times five of them back to back (150 points after the warm-up's 30, from 100)
    with serving(create_app(settings, database_url)) as base:
        measured = asyncio.run(run.timed(base, key, THIRTY, {}, 5, 1))

    # then the run went on (before, the first 429 ended it): the refused ones were waited out, asked
    # again and counted, and the answered ones timed
    assert measured["rate_limited"] >= 1
    assert measured["p50"] > 0 and measured["rps"] > 0
